//! The HTTP server on hyper 1: accepts connections, over TLS when the web configuration asks
//! for it (HTTP/2 through ALPN), and answers each request through [`respond`], behind the
//! configured basic auth, rate limit and headers. Knows nothing of AWS: it serves whatever a
//! [`Source`] renders. A scrape never waits on AWS.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::body::Chunks;
use super::reload::WebConfigFile;
use super::respond::{Source, respond, text};

/// What every connection shares.
struct Shared {
    source: Arc<dyn Source>,
    telemetry_path: Arc<str>,
    web: Option<Arc<WebConfigFile>>,
}

/// Serves until `shutdown` resolves, then lets open requests finish for up to `grace`.
pub async fn serve(
    listener: TcpListener,
    telemetry_path: String,
    source: Arc<dyn Source>,
    web: Option<Arc<WebConfigFile>>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let shared = Arc::new(Shared {
        source,
        telemetry_path: telemetry_path.into(),
        web,
    });
    tokio::pin!(shutdown);
    loop {
        let (stream, peer): (_, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses go out as a few writes (headers, shared body, live tail): without
        // TCP_NODELAY the last small one waits on the client's delayed ACK, 40 ms.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(%peer, error = %e, "cannot set TCP_NODELAY");
        }
        tokio::spawn(connection(stream, peer, shared.clone(), graceful.watcher()));
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(grace) => {
            tracing::warn!("connections still open after the shutdown grace period; closing them");
        }
    }
    Ok(())
}

/// One connection: the TLS handshake (with the configuration as it is now), then HTTP.
async fn connection(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>, watcher: Watcher) {
    let Some(web) = shared.web.clone().filter(|w| w.tls()) else {
        return http(TokioIo::new(stream), false, peer, shared, watcher).await;
    };
    // Fails closed: without a loadable certificate the handshake does not happen.
    let active = match web.current() {
        Ok(a) => a,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "refusing a TLS connection: the web configuration is invalid");
            return;
        }
    };
    let Some(tls) = active.config.tls.as_ref() else {
        return;
    };
    let stream = match TlsAcceptor::from(tls.server.clone()).accept(stream).await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            return;
        }
    };
    let session = stream.get_ref().1;
    if !tls.admits(session.peer_certificates()) {
        tracing::debug!(%peer, "client certificate carries none of client_allowed_sans; closing");
        return;
    }
    let h2 = session.alpn_protocol() == Some(b"h2");
    http(TokioIo::new(stream), h2, peer, shared, watcher).await;
}

async fn http<I>(io: TokioIo<I>, h2: bool, peer: SocketAddr, shared: Arc<Shared>, watcher: Watcher)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req: Request<Incoming>| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(answer(&shared, req).await) }
    });
    let result = if h2 {
        let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .serve_connection(io, service);
        watcher.watch(conn).await
    } else {
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30))
            .serve_connection(io, service);
        watcher.watch(conn).await
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// One request, through the web configuration as it is now: invalid → 500, over the rate
/// limit → 429, without valid credentials → 401; the configured headers go on every answer.
async fn answer(shared: &Shared, req: Request<Incoming>) -> Response<Chunks> {
    let Some(web) = &shared.web else {
        return respond(
            shared.source.as_ref(),
            &shared.telemetry_path,
            req.method(),
            req.uri().path(),
            req.headers(),
        );
    };
    let active = match web.current() {
        Ok(a) => a,
        Err(_) => {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500 the web configuration is invalid; see the exporter's log\n",
            );
        }
    };
    let mut resp = if !active.admit() {
        text(StatusCode::TOO_MANY_REQUESTS, "429 too many requests\n")
    } else if active.users.required()
        && !active
            .users
            .check(
                req.headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok()),
            )
            .await
    {
        let mut r = text(StatusCode::UNAUTHORIZED, "401 unauthorized\n");
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"aws-backup-exporter\""),
        );
        r
    } else {
        respond(
            shared.source.as_ref(),
            &shared.telemetry_path,
            req.method(),
            req.uri().path(),
            req.headers(),
        )
    };
    for (name, value) in &active.config.headers {
        resp.headers_mut().insert(name.clone(), value.clone());
    }
    resp
}
