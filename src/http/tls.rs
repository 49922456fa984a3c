//! TLS with rustls, through the aws-lc-rs provider the AWS SDK's client already brings: the
//! server configuration a web config asks for, client-certificate policies, and the SANs of a
//! client's certificate.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{WebPkiSupportedAlgorithms, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};

/// `client_auth_type`, as Go's crypto/tls names its policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    None,
    /// Ask for a certificate, take any or none, verify nothing.
    Request,
    /// Require a certificate, verify nothing.
    RequireAny,
    /// Verify a certificate if one is sent.
    VerifyIfGiven,
    /// Require a certificate and verify it against the client CA.
    RequireAndVerify,
}

/// A checked TLS setup: the rustls configuration and the SANs a client must carry.
#[derive(Debug)]
pub struct TlsSpec {
    pub server: Arc<ServerConfig>,
    /// Empty: any.
    pub allowed_sans: Vec<String>,
}

/// A failure in one field of `tls_server_config`.
type FieldError = (&'static str, String);

/// Go's names of the TLS 1.2 suites rustls can do.
fn tls12_suite(name: &str) -> Option<rustls::SupportedCipherSuite> {
    use aws_lc_rs::cipher_suite::*;
    Some(match name {
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" => TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" => TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
        | "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305" => TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" => TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" => TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256" | "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305" => {
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
        _ => return None,
    })
}

/// Suites Go knows that rustls refuses to implement (CBC, RSA key exchange, RC4, 3DES).
fn known_insecure(name: &str) -> bool {
    name.starts_with("TLS_RSA_")
        || name.contains("_CBC_")
        || name.contains("_RC4_")
        || name.contains("3DES")
}

/// TLS 1.3 suites: always on, as in Go, so naming them changes nothing.
fn tls13_suite(name: &str) -> bool {
    matches!(
        name,
        "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256"
    )
}

fn curve(name: &str) -> Result<&'static dyn rustls::crypto::SupportedKxGroup, String> {
    use aws_lc_rs::kx_group::*;
    match name {
        "CurveP256" => Ok(SECP256R1),
        "CurveP384" => Ok(SECP384R1),
        "X25519" => Ok(X25519),
        "X25519MLKEM768" => Ok(X25519MLKEM768),
        "CurveP521" => {
            Err("CurveP521 is not supported by rustls; use CurveP384, CurveP256 or X25519".into())
        }
        other => Err(format!(
            "unknown curve {other:?}, expected CurveP256, CurveP384, X25519 or X25519MLKEM768"
        )),
    }
}

impl TlsSpec {
    /// Builds the rustls configuration; a bad field is named in the error.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cert_pem: &[u8],
        key_pem: &[u8],
        ca_pem: Option<&[u8]>,
        auth: ClientAuth,
        allowed_sans: Vec<String>,
        (min, max): (u8, u8),
        cipher_suites: Option<&[String]>,
        curves: Option<&[String]>,
        http2: bool,
    ) -> Result<TlsSpec, FieldError> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| ("cert_file", format!("not a PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(("cert_file", "holds no PEM certificate".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| ("key_file", format!("not a PEM private key: {e}")))?;

        let mut provider = aws_lc_rs::default_provider();
        if let Some(names) = cipher_suites.filter(|n| !n.is_empty()) {
            let mut tls12 = Vec::new();
            for n in names {
                if let Some(s) = tls12_suite(n) {
                    tls12.push(s);
                } else if tls13_suite(n) {
                } else if known_insecure(n) {
                    return Err((
                        "cipher_suites",
                        format!(
                            "{n} is not supported by rustls (no CBC, RSA key exchange, RC4 or 3DES)"
                        ),
                    ));
                } else {
                    return Err(("cipher_suites", format!("unknown cipher suite {n:?}")));
                }
            }
            let h2_ok = tls12.iter().any(|s| {
                s.suite() == rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                    || s.suite() == rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            });
            if http2 && min <= 12 && !h2_ok {
                return Err((
                    "cipher_suites",
                    "HTTP/2 over TLS 1.2 needs TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or \
                     TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (or set http2: false)"
                        .into(),
                ));
            }
            let mut suites: Vec<_> = provider
                .cipher_suites
                .iter()
                .copied()
                .filter(|s| matches!(s, rustls::SupportedCipherSuite::Tls13(_)))
                .collect();
            suites.extend(tls12);
            provider.cipher_suites = suites;
        }
        if let Some(names) = curves.filter(|n| !n.is_empty()) {
            provider.kx_groups = names
                .iter()
                .map(|n| curve(n))
                .collect::<Result<_, _>>()
                .map_err(|e| ("curve_preferences", e))?;
        }
        let algorithms = provider.signature_verification_algorithms;
        let provider = Arc::new(provider);
        let versions: Vec<&'static rustls::SupportedProtocolVersion> =
            [(12, &rustls::version::TLS12), (13, &rustls::version::TLS13)]
                .into_iter()
                .filter(|(v, _)| (min..=max).contains(v))
                .map(|(_, p)| p)
                .collect();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&versions)
            .map_err(|e| ("min_version", e.to_string()))?;
        let verifier: Option<Arc<dyn ClientCertVerifier>> = match auth {
            ClientAuth::None => None,
            ClientAuth::Request | ClientAuth::RequireAny => Some(Arc::new(AnyClientCert {
                mandatory: auth == ClientAuth::RequireAny,
                algorithms,
            })),
            ClientAuth::VerifyIfGiven | ClientAuth::RequireAndVerify => {
                let mut roots = RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(ca_pem.unwrap_or_default()) {
                    let c =
                        c.map_err(|e| ("client_ca_file", format!("not a PEM certificate: {e}")))?;
                    roots
                        .add(c)
                        .map_err(|e| ("client_ca_file", format!("not a CA certificate: {e}")))?;
                }
                if roots.is_empty() {
                    return Err(("client_ca_file", "holds no PEM certificate".into()));
                }
                let b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
                let b = if auth == ClientAuth::VerifyIfGiven {
                    b.allow_unauthenticated()
                } else {
                    b
                };
                Some(b.build().map_err(|e| ("client_ca_file", e.to_string()))?)
            }
        };
        let builder = match verifier {
            Some(v) => builder.with_client_cert_verifier(v),
            None => builder.with_no_client_auth(),
        };
        let mut server = builder
            .with_single_cert(certs, key)
            .map_err(|e| ("key_file", format!("does not match the certificate: {e}")))?;
        server.alpn_protocols = if http2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(TlsSpec {
            server: Arc::new(server),
            allowed_sans,
        })
    }

    /// Whether the client's certificate carries one of the allowed SANs (DNS, IP, e-mail or
    /// URI, exact match), when any are required.
    pub fn admits(&self, peer: Option<&[CertificateDer<'_>]>) -> bool {
        if self.allowed_sans.is_empty() {
            return true;
        }
        let Some(leaf) = peer.and_then(|p| p.first()) else {
            return false;
        };
        subject_alt_names(leaf)
            .iter()
            .any(|san| self.allowed_sans.iter().any(|a| a == san))
    }
}

/// `RequestClientCert` and `RequireAnyClientCert`: takes any certificate, checking only that
/// the client holds its key.
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// One DER element: (tag, contents, what follows). `None` for anything malformed.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, &b| (a << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The elements of a DER sequence's contents.
fn elements(mut contents: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    std::iter::from_fn(move || {
        let (tag, value, rest) = der(contents)?;
        contents = rest;
        Some((tag, value))
    })
}

/// The subject alternative names of an X.509 certificate, as text: DNS names, IP addresses,
/// e-mail addresses and URIs. Empty for a certificate without them, or one that cannot be
/// read.
pub fn subject_alt_names(cert: &[u8]) -> Vec<String> {
    const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];
    let mut out = Vec::new();
    let Some((0x30, cert, _)) = der(cert) else {
        return out;
    };
    let Some((0x30, tbs, _)) = der(cert) else {
        return out;
    };
    // The extensions are the [3] element of the TBSCertificate.
    let Some((_, extensions)) = elements(tbs).find(|(tag, _)| *tag == 0xa3) else {
        return out;
    };
    let Some((0x30, extensions, _)) = der(extensions) else {
        return out;
    };
    for (tag, ext) in elements(extensions) {
        if tag != 0x30 {
            continue;
        }
        let mut parts = elements(ext);
        if parts.next() != Some((0x06, SAN_OID)) {
            continue;
        }
        // An optional `critical` boolean, then the value as an OCTET STRING.
        let Some((_, value)) = parts.find(|(t, _)| *t == 0x04) else {
            continue;
        };
        let Some((0x30, names, _)) = der(value) else {
            continue;
        };
        for (tag, name) in elements(names) {
            let text = |b: &[u8]| std::str::from_utf8(b).ok().map(str::to_owned);
            let san = match tag {
                0x81 | 0x82 | 0x86 => text(name),
                0x87 => match name.len() {
                    4 => Some(Ipv4Addr::new(name[0], name[1], name[2], name[3]).to_string()),
                    16 => <[u8; 16]>::try_from(name)
                        .ok()
                        .map(|b| Ipv6Addr::from(b).to_string()),
                    _ => None,
                },
                _ => None,
            };
            out.extend(san);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair, SanType};

    fn cert(sans: Vec<SanType>) -> Vec<u8> {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.subject_alt_names = sans;
        p.self_signed(&KeyPair::generate().unwrap())
            .unwrap()
            .der()
            .to_vec()
    }

    #[test]
    fn subject_alt_names_of_every_kind_are_read_and_garbage_gives_none() {
        let der = cert(vec![
            SanType::DnsName("a.example".try_into().unwrap()),
            SanType::IpAddress("10.1.2.3".parse().unwrap()),
            SanType::IpAddress("2001:db8::1".parse().unwrap()),
            SanType::Rfc822Name("ops@example.com".try_into().unwrap()),
            SanType::URI(
                "spiffe://cluster/ns/monitoring/sa/prometheus"
                    .try_into()
                    .unwrap(),
            ),
        ]);
        assert_eq!(
            subject_alt_names(&der),
            [
                "a.example",
                "10.1.2.3",
                "2001:db8::1",
                "ops@example.com",
                "spiffe://cluster/ns/monitoring/sa/prometheus"
            ]
        );
        assert!(subject_alt_names(&cert(vec![])).is_empty());
        for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
            // A truncated certificate never panics; it may still yield what precedes the cut.
            let _ = subject_alt_names(&der[..cut]);
        }
        assert!(subject_alt_names(b"not a certificate").is_empty());
        assert!(subject_alt_names(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_empty());
    }

    #[test]
    fn go_cipher_and_curve_names() {
        assert!(tls12_suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").is_some());
        assert!(tls12_suite("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305").is_some());
        assert!(tls12_suite("TLS_RSA_WITH_AES_128_GCM_SHA256").is_none());
        assert!(known_insecure("TLS_RSA_WITH_AES_128_GCM_SHA256"));
        assert!(known_insecure("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"));
        assert!(tls13_suite("TLS_AES_128_GCM_SHA256"));
        assert!(curve("X25519").is_ok());
        assert!(curve("CurveP521").unwrap_err().contains("not supported"));
        assert!(curve("P-256").unwrap_err().contains("unknown curve"));
    }
}
