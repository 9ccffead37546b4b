//! [`Transport`]: the seam between [`HttpClient`](super::HttpClient) and the wire.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower::Service;
use tower::util::BoxCloneSyncService;

use super::connector::Connector;
use super::{Body, BoxError};

/// What a [`Transport`] takes.
pub type HttpRequest = http::Request<Body>;
/// What a [`Transport`] gives back.
pub type HttpResponse = http::Response<Body>;

/// The future of one exchange.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

/// Anything that turns an `http::Request<Body>` into an `http::Response<Body>`: the built-in
/// HTTP/2 and HTTP/1.1 transports, the in-process fake API server, a test double, or any of them
/// wrapped in middleware.
///
/// A `Transport` is a [`tower::Service`], so the layers of `tower` and `tower-http` (timeouts,
/// concurrency limits, tracing, …) wrap it directly; [`Transport::new`] turns any such service
/// back into a `Transport`. It is cheap to clone; clones share the connection.
///
/// The request that reaches a transport is complete: absolute URI (`https://host:port/path?query`),
/// user agent, `Accept`, credentials and impersonation headers, an in-memory body. Its answer is
/// any HTTP response: [`HttpClient`](super::HttpClient) reads the status, retries, and turns
/// failures into [`Error`](crate::Error)s.
///
/// A service that answers by itself (here: every request gets a `Status` 404):
///
/// ```
/// use k8s_client::transport::{Body, HttpRequest, Transport};
/// use k8s_client::{Config, HttpClient};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let not_found = tower::service_fn(|req: HttpRequest| async move {
///     let status = serde_json::json!({
///         "kind": "Status", "apiVersion": "v1", "status": "Failure",
///         "reason": "NotFound", "code": 404,
///         "message": format!("{} not found", req.uri().path()),
///     });
///     let resp = http::Response::builder()
///         .status(404)
///         .header("content-type", "application/json")
///         .body(Body::from(status.to_string()))?;
///     Ok::<_, http::Error>(resp)
/// });
/// let client = HttpClient::with_transport(Config::new("http://fake"), Transport::new(not_found))
///     .unwrap();
/// let err = client
///     .send_json::<serde_json::Value>(k8s_client::transport::Request::get("/api/v1/namespaces/x"))
///     .await
///     .unwrap_err();
/// assert!(err.is_not_found());
/// # }
/// ```
#[derive(Clone)]
pub struct Transport {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    /// The built-in transport, called without boxing.
    Default(Connector),
    /// Anything else.
    Boxed(BoxCloneSyncService<HttpRequest, HttpResponse, BoxError>),
}

impl Transport {
    /// Any service as a transport. Its response body may be any [`http_body::Body`] (a
    /// [`Body`] passes through as it is); its errors any error (they are classified by
    /// [`Error::is_connect`](crate::Error::is_connect) and the other predicates through their
    /// `source()` chain).
    pub fn new<S, B>(service: S) -> Self
    where
        S: Service<HttpRequest, Response = http::Response<B>> + Clone + Send + Sync + 'static,
        S::Error: Into<BoxError>,
        S::Future: Send + 'static,
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let service =
            tower::ServiceExt::map_response(service, |r: http::Response<B>| r.map(Body::wrap));
        let service = tower::ServiceExt::map_err(service, Into::into);
        Transport {
            inner: Inner::Boxed(BoxCloneSyncService::new(service)),
        }
    }

    /// The default transport of `config`: HTTP/2 over one shared connection when the server is
    /// `https`, reached without a proxy and offers HTTP/2; HTTP/1.1 otherwise (plain `http`,
    /// proxies, HTTP/2 disabled, client certificates returned by exec plugins).
    /// [`HttpClient::new`](super::HttpClient::new) builds this one (and wraps it with the
    /// config's [`wrap_transport`](crate::Config::wrap_transport) functions).
    pub fn from_config(config: &crate::Config) -> Result<Self, crate::Error> {
        let base = super::base_uri(config)?;
        Ok(Transport::from_connector(Connector::new(config, &base)?))
    }

    pub(crate) fn from_connector(connector: Connector) -> Self {
        Transport {
            inner: Inner::Default(connector),
        }
    }

    /// Sends one request: waits until the service is ready, then calls it.
    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, BoxError> {
        match &self.inner {
            Inner::Default(connector) => connector.send(request).await,
            Inner::Boxed(service) => {
                let mut service = service.clone();
                futures::future::poll_fn(|cx| service.poll_ready(cx)).await?;
                service.call(request).await
            }
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            Inner::Default(_) => "default",
            Inner::Boxed(_) => "custom",
        };
        f.debug_struct("Transport").field("kind", &kind).finish()
    }
}

impl Service<HttpRequest> for Transport {
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        match &mut self.inner {
            Inner::Default(_) => Poll::Ready(Ok(())),
            Inner::Boxed(service) => service.poll_ready(cx),
        }
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        match &mut self.inner {
            Inner::Default(connector) => {
                let connector = connector.clone();
                Box::pin(async move { connector.send(request).await })
            }
            Inner::Boxed(service) => service.call(request),
        }
    }
}

/// How a [`Config`](crate::Config) wraps the transport it is built with (client-go's
/// `WrapTransport`): applied in the order they were added, the last one outermost.
#[derive(Clone, Default)]
pub(crate) struct Wrappers(Vec<Arc<dyn Fn(Transport) -> Transport + Send + Sync>>);

impl Wrappers {
    pub(crate) fn push(&mut self, wrap: Arc<dyn Fn(Transport) -> Transport + Send + Sync>) {
        self.0.push(wrap);
    }

    pub(crate) fn apply(&self, mut transport: Transport) -> Transport {
        for wrap in &self.0 {
            transport = wrap(transport);
        }
        transport
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}
