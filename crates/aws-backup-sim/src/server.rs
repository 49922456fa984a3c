//! The HTTP front on hyper: reads a request, hands it to a [`Responder`], writes the reply.
//! Knows nothing of the operations, so handlers stay free of hyper types.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::reply::Reply;

/// What answers the requests.
pub(crate) trait Responder: Send + Sync + 'static {
    /// Answers one request: `query` is the raw query string, `auth` the Authorization header.
    fn respond(
        &self,
        method: &str,
        path: &str,
        query: &str,
        auth: Option<&str>,
        body: &[u8],
    ) -> Reply;

    /// Added before every answer (fault injection).
    fn latency(&self) -> Duration;
}

/// Accepts connections until `stop` fires or is dropped; connections die with this task.
pub(crate) async fn serve(
    listener: TcpListener,
    responder: Arc<dyn Responder>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of descriptors or similar: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let responder = responder.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req| {
                        let responder = responder.clone();
                        async move { Ok::<_, Infallible>(handle(responder.as_ref(), req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

async fn handle(responder: &dyn Responder, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let latency = responder.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let auth = parts
        .headers
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let reply = responder.respond(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        auth,
        &body,
    );
    let mut resp = Response::new(Full::new(Bytes::from(reply.body)));
    *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
    for (k, v) in reply.headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

/// `http://IP:PORT` for a bound address; a wildcard bind is reached over loopback.
pub(crate) fn endpoint_url(addr: SocketAddr) -> String {
    let ip = addr.ip();
    match ip {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => {
            format!("http://127.0.0.1:{}", addr.port())
        }
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => format!("http://[::1]:{}", addr.port()),
        std::net::IpAddr::V6(v6) => format!("http://[{v6}]:{}", addr.port()),
        std::net::IpAddr::V4(v4) => format!("http://{v4}:{}", addr.port()),
    }
}
