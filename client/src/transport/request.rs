//! A request to send through [`HttpClient`](super::HttpClient).

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::Error;

/// One HTTP request: method, path with query, headers and an in-memory (so always re-sendable)
/// body.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) streaming: bool,
}

impl Request {
    /// A request for `path` (with its query string, e.g. `/api/v1/pods?limit=5`).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            streaming: false,
        }
    }

    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        Request::new(Method::GET, path)
    }

    /// Sets a header.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// A body with its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some(body.into());
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        self
    }

    /// A JSON body (`application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(|e| Error::Encode {
            what: "the JSON body",
            source: Box::new(e),
        })?;
        Ok(self.body(bytes, "application/json"))
    }

    /// A timeout for this request, instead of the config's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Marks a long-running request (watch, log follow): no client-side timeout applies, and
    /// the response is not compressed (the apiserver gzips a watch as one gzip member per
    /// flush, and decoding frame by frame wants the bytes as they come).
    pub fn streaming(mut self) -> Self {
        self.streaming = true;
        self.headers.insert(
            http::header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path with its query.
    pub fn path(&self) -> &str {
        &self.path
    }
}
