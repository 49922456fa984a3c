//! `--web.config.file` end to end: TLS versions, ALPN, client certificates, basic auth,
//! headers and reloading, with certificates made at test time and a real TLS client (rustls
//! through tokio-rustls, hyper's client on top).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use aws_backup_exporter::daemon::WebConfigFile;
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use common::*;

const BIN: &str = env!("CARGO_BIN_EXE_aws-backup-exporter");

/// A CA, and certificates it signs.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        Ca {
            issuer: CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap(),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// (certificate PEM, key PEM) for `sans`; client certificates get the clientAuth usage.
    fn leaf(&self, sans: Vec<SanType>, client: bool) -> (String, String) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = sans;
        params.distinguished_name.push(DnType::CommonName, "leaf");
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn dns(name: &str) -> SanType {
    SanType::DnsName(name.try_into().unwrap())
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("abe-tls-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes a file atomically (a rename, as a Secret update does), so a reader never sees half.
fn write(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A server certificate for 127.0.0.1 from `ca`, written into `d`.
fn server_files(d: &Path, ca: &Ca) {
    let (cert, key) = ca.leaf(
        vec![
            dns("localhost"),
            SanType::IpAddress("127.0.0.1".parse().unwrap()),
        ],
        false,
    );
    write(&d.join("server.crt"), &cert);
    write(&d.join("server.key"), &key);
    write(&d.join("ca.crt"), &ca.pem());
}

fn hash(password: &str, prefix: &str) -> String {
    bcrypt::hash(password, 4)
        .unwrap()
        .replacen("$2b$", prefix, 1)
}

/// The exporter (on the simulator) served with the web config at `web`.
async fn serve(h: &Harness, web: &Path) -> std::net::SocketAddr {
    let file = Arc::new(WebConfigFile::load(web).expect("a valid web config"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        h.exporter
            .serve(listener, "/metrics", Some(file), std::future::pending()),
    );
    addr
}

struct Client {
    roots: rustls::RootCertStore,
    versions: Vec<&'static rustls::SupportedProtocolVersion>,
    alpn: Vec<Vec<u8>>,
    identity: Option<(String, String)>,
}

impl Client {
    fn new(ca: &Ca) -> Client {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).unwrap())
            .unwrap();
        Client {
            roots,
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
            alpn: vec![b"http/1.1".to_vec()],
            identity: None,
        }
    }

    fn config(&self) -> Arc<rustls::ClientConfig> {
        let b = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_protocol_versions(&self.versions)
        .unwrap()
        .with_root_certificates(self.roots.clone());
        let mut c = match &self.identity {
            Some((cert, key)) => b
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
                )
                .unwrap(),
            None => b.with_no_client_auth(),
        };
        c.alpn_protocols = self.alpn.clone();
        Arc::new(c)
    }

    /// GET `path` over a new TLS connection: (status, headers, body, ALPN), or the error of
    /// the handshake or the request.
    async fn get(
        &self,
        addr: std::net::SocketAddr,
        path: &str,
        auth: Option<&str>,
    ) -> Result<(u16, hyper::HeaderMap, String, Option<Vec<u8>>), String> {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let tls = TlsConnector::from(self.config())
            .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        let io = hyper_util::rt::TokioIo::new(tls);
        let mut req = hyper::Request::get(format!("https://127.0.0.1{path}"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let req = req.body(Empty::<Bytes>::new()).unwrap();
        let resp = if alpn.as_deref() == Some(b"h2") {
            let (mut send, conn) =
                hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            send.send_request(req).await.map_err(|e| e.to_string())?
        } else {
            let (mut send, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            send.send_request(req).await.map_err(|e| e.to_string())?
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?;
        Ok((
            status,
            headers,
            String::from_utf8_lossy(&body.to_bytes()).into_owned(),
            alpn,
        ))
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_versions_are_held_both_ways_and_alpn_offers_h2_when_asked() {
    let mut h = Harness::start(sim_options(51), test_config()).await;
    assert!(h.refresh().await);
    let ca = Ca::new("test CA");
    let d = dir("versions");
    server_files(&d, &ca);
    let tls13_only = d.join("tls13.yml");
    write(
        &tls13_only,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS13\n",
    );
    let tls12_only = d.join("tls12.yml");
    write(
        &tls12_only,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  max_version: TLS12\n\
         http_server_config:\n  http2: false\n",
    );
    let a13 = serve(&h, &tls13_only).await;
    let a12 = serve(&h, &tls12_only).await;
    let mut c = Client::new(&ca);
    c.versions = vec![&rustls::version::TLS12];
    assert!(
        c.get(a13, "/healthz", None)
            .await
            .unwrap_err()
            .contains("handshake")
    );
    let ok = c.get(a12, "/metrics", None).await.unwrap();
    assert_eq!(ok.0, 200);
    assert!(ok.2.contains("aws_backup_jobs{"));
    c.versions = vec![&rustls::version::TLS13];
    assert!(
        c.get(a12, "/healthz", None)
            .await
            .unwrap_err()
            .contains("handshake")
    );
    assert_eq!(c.get(a13, "/healthz", None).await.unwrap().0, 200);

    // ALPN: h2 when the client offers it and http2 is on (the default), http/1.1 otherwise.
    c.versions = vec![&rustls::version::TLS13, &rustls::version::TLS12];
    c.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let r = c.get(a13, "/metrics", None).await.unwrap();
    assert_eq!((r.0, r.3.as_deref()), (200, Some(&b"h2"[..])));
    assert!(r.2.contains("aws_backup_lookback_seconds"));
    let r = c.get(a12, "/metrics", None).await.unwrap();
    assert_eq!((r.0, r.3.as_deref()), (200, Some(&b"http/1.1"[..])));
    // http2: false does not offer h2 at all: a client that speaks only h2 is refused.
    c.alpn = vec![b"h2".to_vec()];
    assert!(c.get(a12, "/healthz", None).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_are_verified_and_their_sans_checked() {
    let h = Harness::start(sim_options(52), test_config()).await;
    let ca = Ca::new("clients CA");
    let d = dir("mtls");
    server_files(&d, &ca);
    let web = d.join("web.yml");
    write(
        &web,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  \
         client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n  \
         client_allowed_sans: [prometheus.monitoring.svc, ops@example.com]\n",
    );
    let addr = serve(&h, &web).await;
    let mut c = Client::new(&ca);
    // No certificate: the handshake (or the first read after it) fails.
    assert!(c.get(addr, "/healthz", None).await.is_err());
    // A certificate from a CA the server does not trust.
    let stranger = Ca::new("someone else");
    c.identity = Some(stranger.leaf(vec![dns("prometheus.monitoring.svc")], true));
    assert!(c.get(addr, "/healthz", None).await.is_err());
    // Trusted, with an allowed SAN (DNS, or e-mail).
    c.identity = Some(ca.leaf(vec![dns("prometheus.monitoring.svc")], true));
    assert_eq!(c.get(addr, "/healthz", None).await.unwrap().0, 200);
    c.identity = Some(ca.leaf(
        vec![SanType::Rfc822Name("ops@example.com".try_into().unwrap())],
        true,
    ));
    assert_eq!(c.get(addr, "/metrics", None).await.unwrap().0, 200);
    // Trusted, but no allowed SAN: the connection is closed.
    c.identity = Some(ca.leaf(vec![dns("grafana.monitoring.svc")], true));
    assert!(c.get(addr, "/healthz", None).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_guards_every_path_headers_go_on_every_answer_and_a_reload_applies() {
    let h = Harness::start(sim_options(53), test_config()).await;
    let ca = Ca::new("test CA");
    let d = dir("auth");
    server_files(&d, &ca);
    let web = d.join("web.yml");
    let config = |users: &str| {
        format!(
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n\
             http_server_config:\n  headers:\n    X-Frame-Options: deny\n    \
             Strict-Transport-Security: max-age=31536000\n\
             basic_auth_users:\n{users}"
        )
    };
    write(
        &web,
        &config(&format!(
            "  a: {}\n  b: {}\n  y: {}\n",
            hash("pa", "$2a$"),
            hash("pb", "$2b$"),
            hash("py", "$2y$")
        )),
    );
    let addr = serve(&h, &web).await;
    let c = Client::new(&ca);
    for path in ["/metrics", "/healthz", "/readyz", "/"] {
        let (status, headers, _, _) = c.get(addr, path, None).await.unwrap();
        assert_eq!(status, 401, "{path}");
        assert_eq!(
            headers["www-authenticate"],
            "Basic realm=\"aws-backup-exporter\""
        );
        assert_eq!(
            headers["x-frame-options"], "deny",
            "{path}: headers on a 401 too"
        );
    }
    assert_eq!(
        c.get(addr, "/metrics", Some(&basic("a", "wrong")))
            .await
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        c.get(addr, "/metrics", Some(&basic("nobody", "pa")))
            .await
            .unwrap()
            .0,
        401
    );
    for (user, password) in [("a", "pa"), ("b", "pb"), ("y", "py")] {
        let (status, headers, body, _) = c
            .get(addr, "/metrics", Some(&basic(user, password)))
            .await
            .unwrap();
        assert_eq!(status, 200, "{user}");
        assert!(body.contains("aws_backup_exporter_build_info"));
        assert_eq!(headers["strict-transport-security"], "max-age=31536000");
    }

    // A new password for `a`: accepted from the next request, the old one refused.
    write(&web, &config(&format!("  a: {}\n", hash("new", "$2y$"))));
    assert_eq!(
        c.get(addr, "/healthz", Some(&basic("a", "new")))
            .await
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        c.get(addr, "/healthz", Some(&basic("a", "pa")))
            .await
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        c.get(addr, "/healthz", Some(&basic("b", "pb")))
            .await
            .unwrap()
            .0,
        401
    );

    // The file breaks: TLS fails closed (no handshake) until it is fixed.
    write(
        &web,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: missing.key\n",
    );
    assert!(
        c.get(addr, "/healthz", Some(&basic("a", "new")))
            .await
            .is_err()
    );
    write(&web, &config(&format!("  a: {}\n", hash("fixed", "$2b$"))));
    assert_eq!(
        c.get(addr, "/healthz", Some(&basic("a", "fixed")))
            .await
            .unwrap()
            .0,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_certificate_is_served_without_a_restart() {
    let h = Harness::start(sim_options(54), test_config()).await;
    let old_ca = Ca::new("old CA");
    let d = dir("rotate");
    server_files(&d, &old_ca);
    let web = d.join("web.yml");
    write(
        &web,
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n",
    );
    let addr = serve(&h, &web).await;
    let new_ca = Ca::new("new CA");
    assert_eq!(
        Client::new(&old_ca)
            .get(addr, "/healthz", None)
            .await
            .unwrap()
            .0,
        200
    );
    // cert-manager writes a new certificate and key from another CA.
    server_files(&d, &new_ca);
    assert_eq!(
        Client::new(&new_ca)
            .get(addr, "/healthz", None)
            .await
            .unwrap()
            .0,
        200
    );
    assert!(
        Client::new(&old_ca)
            .get(addr, "/healthz", None)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_plain_http_basic_auth_works_and_an_invalid_file_gives_500() {
    let h = Harness::start(sim_options(55), test_config()).await;
    let d = dir("plain");
    let web = d.join("web.yml");
    write(
        &web,
        &format!("basic_auth_users:\n  prom: {}\n", hash("secret", "$2y$")),
    );
    let file = Arc::new(WebConfigFile::load(&web).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        h.exporter
            .serve(listener, "/metrics", Some(file), std::future::pending()),
    );
    let get = |auth: Option<String>| async move {
        tokio::task::spawn_blocking(move || {
            let headers: Vec<(&str, &str)> = auth
                .as_deref()
                .map(|a| vec![("Authorization", a)])
                .unwrap_or_default();
            http_get(addr, "GET", "/healthz", &headers).status
        })
        .await
        .unwrap()
    };
    assert_eq!(get(None).await, 401);
    assert_eq!(get(Some(basic("prom", "secret"))).await, 200);
    write(&web, "basic_auth_users:\n  prom: not-a-hash\n");
    assert_eq!(get(Some(basic("prom", "secret"))).await, 500);
    write(
        &web,
        &format!("basic_auth_users:\n  prom: {}\n", hash("secret", "$2b$")),
    );
    assert_eq!(get(Some(basic("prom", "secret"))).await, 200);
}

#[test]
fn bad_web_config_files_at_start_up_exit_1_naming_file_and_key() {
    let d = dir("bad");
    let ca = Ca::new("test CA");
    server_files(&d, &ca);
    let cases: &[(&str, &str)] = &[
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_versoin: TLS12\n",
            "tls_server_config.min_versoin: unknown field",
        ),
        (
            "tls_server_config:\n  cert_file: nope.crt\n  key_file: server.key\n",
            "tls_server_config.cert_file: cannot read",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n",
            "tls_server_config.key_file: missing",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS10\n",
            "tls_server_config.min_version: TLS10 is not supported",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_RSA_WITH_AES_128_CBC_SHA]\n",
            "tls_server_config.cipher_suites: TLS_RSA_WITH_AES_128_CBC_SHA is not supported by rustls",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  curve_preferences: [CurveP521]\n",
            "tls_server_config.curve_preferences: CurveP521 is not supported by rustls",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: Sometimes\n",
            "tls_server_config.client_auth_type: unknown",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n",
            "tls_server_config.client_ca_file: missing",
        ),
        (
            "basic_auth_users:\n  prom: hunter2\n",
            "basic_auth_users.prom: is not a bcrypt hash",
        ),
        (
            "http_server_config:\n  headers:\n    X-Powered-By: rust\n",
            "http_server_config.headers.X-Powered-By: not a header that can be set",
        ),
        (
            "http_server_config:\n  headers:\n    X-Frame-Options: always\n",
            "http_server_config.headers.X-Frame-Options: \"always\" is not one of deny, sameorigin",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let web = d.join(format!("bad-{i}.yml"));
        write(&web, text);
        let out = Command::new(BIN)
            .args([
                "--web.config.file",
                web.to_str().unwrap(),
                "--demo",
                "--web.listen-address",
                "127.0.0.1:0",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{}", web.display())) && stderr.contains(want),
            "{text}\nwant: {want}\ngot: {stderr}"
        );
    }
    let out = Command::new(BIN)
        .args(["--web.config.file", "/nonexistent/web.yml", "--demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/web.yml: cannot read"));
}
