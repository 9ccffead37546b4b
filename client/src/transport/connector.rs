//! The default transport of a [`Config`]: HTTP/2 over `h2` when it can, HTTP/1.1 otherwise.

use std::sync::Arc;
use std::task::{Context, Poll};

use super::http1::{ClientIdentity, Http1};
use super::http2::{Failure, H2Transport};
use super::{BoxError, HttpRequest, HttpResponse, ResponseFuture};
use crate::Error;
use crate::config::Config;

/// HTTP/2 straight over `h2` for `https` servers reached without a proxy that offer `h2`
/// (one shared connection), HTTP/1.1 through reqwest for the rest: plain `http`, proxies,
/// HTTP/2 disabled or refused by the server, and requests presenting a client certificate an
/// exec plugin returned.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    inner: Arc<Inner>,
}

struct Inner {
    h2: Option<H2Transport>,
    http1: Http1,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").field("h2", &self.h2).finish()
    }
}

impl Connector {
    pub(crate) fn new(config: &Config, base: &http::Uri) -> Result<Self, Error> {
        let http1 = Http1::new(Arc::new(config.clone()))?;
        let h2 = H2Transport::new(config, base, super::http2_disabled(config))?;
        Ok(Connector {
            inner: Arc::new(Inner { h2, http1 }),
        })
    }

    /// HTTP/2 connections opened so far.
    pub(crate) fn http2_connections(&self) -> u64 {
        self.inner
            .h2
            .as_ref()
            .map_or(0, H2Transport::connections_opened)
    }

    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, BoxError> {
        let inner = &*self.inner;
        if let Some(h2) = &inner.h2
            && !h2.refused()
            && request.extensions().get::<ClientIdentity>().is_none()
        {
            let (parts, body) = request.into_parts();
            return match h2.send(&parts, body).await {
                Ok(response) => Ok(response),
                Err(Failure::Failed(e)) => Err(Box::new(e)),
                // Not sent after all: the server speaks HTTP/1.1.
                Err(Failure::NotHttp2(body)) => {
                    inner.http1.send(HttpRequest::from_parts(parts, body)).await
                }
            };
        }
        inner.http1.send(request).await
    }
}

impl tower::Service<HttpRequest> for Connector {
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest) -> ResponseFuture {
        let this = self.clone();
        Box::pin(async move { this.send(request).await })
    }
}
