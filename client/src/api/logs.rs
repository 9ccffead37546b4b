//! Pod logs: `GET /api/v1/namespaces/{ns}/pods/{name}/log` (client-go
//! `PodInterface.GetLogs(name, &PodLogOptions{…})`), as one string or, for `follow`, as a
//! stream of byte chunks or lines.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use k8s_api::core::v1::Pod;
//! use k8s_client::{Api, LogOptions};
//!
//! # async fn demo(client: k8s_client::HttpClient) -> Result<(), k8s_client::Error> {
//! let pods: Api<Pod> = Api::namespaced(client, "book");
//! let last = pods.log("example", &LogOptions::default().container("app").tail_lines(20)).await?;
//! print!("{last}");
//!
//! let mut lines = pods.log_stream("example", &LogOptions::default().follow(true)).await?.lines();
//! while let Some(line) = lines.try_next().await? {
//!     println!("example: {line}");
//! }
//! # Ok(()) }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use k8s_api::core::v1::Pod;
use k8s_apimachinery::Time;

use super::Api;
use crate::Error;
use crate::transport::Request;

/// What to read from a pod's log (`PodLogOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogOptions {
    /// The container (required when the pod has more than one).
    pub container: Option<String>,
    /// Keep the stream open and send new lines as they are written.
    pub follow: bool,
    /// The previous (terminated) instance of the container.
    pub previous: bool,
    /// Only lines newer than this many seconds.
    pub since_seconds: Option<i64>,
    /// Only lines newer than this time (exclusive with `since_seconds`).
    pub since_time: Option<Time>,
    /// Prefix each line with its RFC 3339 timestamp.
    pub timestamps: bool,
    /// Only the last this many lines.
    pub tail_lines: Option<i64>,
    /// Stop after this many bytes.
    pub limit_bytes: Option<i64>,
    /// Skip verifying the kubelet's serving certificate (for broken kubelet certificates).
    pub insecure_skip_tls_verify_backend: bool,
    /// `Stdout`, `Stderr` or `All` (the default): which stream of the container.
    pub stream: Option<String>,
}

impl LogOptions {
    /// Sets `container`.
    pub fn container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }

    /// Sets `follow`.
    pub fn follow(mut self, follow: bool) -> Self {
        self.follow = follow;
        self
    }

    /// Sets `previous`.
    pub fn previous(mut self, previous: bool) -> Self {
        self.previous = previous;
        self
    }

    /// Sets `since_seconds`.
    pub fn since_seconds(mut self, seconds: i64) -> Self {
        self.since_seconds = Some(seconds);
        self
    }

    /// Sets `since_time`.
    pub fn since_time(mut self, time: Time) -> Self {
        self.since_time = Some(time);
        self
    }

    /// Sets `timestamps`.
    pub fn timestamps(mut self, timestamps: bool) -> Self {
        self.timestamps = timestamps;
        self
    }

    /// Sets `tail_lines`.
    pub fn tail_lines(mut self, lines: i64) -> Self {
        self.tail_lines = Some(lines);
        self
    }

    /// Sets `limit_bytes`.
    pub fn limit_bytes(mut self, bytes: i64) -> Self {
        self.limit_bytes = Some(bytes);
        self
    }

    /// The query parameters (names as the server spells them).
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(c) = &self.container {
            q.push(("container", c.clone()));
        }
        if self.follow {
            q.push(("follow", "true".to_string()));
        }
        if self.previous {
            q.push(("previous", "true".to_string()));
        }
        if let Some(s) = self.since_seconds {
            q.push(("sinceSeconds", s.to_string()));
        }
        if let Some(t) = &self.since_time {
            q.push(("sinceTime", t.to_string()));
        }
        if self.timestamps {
            q.push(("timestamps", "true".to_string()));
        }
        if let Some(n) = self.tail_lines {
            q.push(("tailLines", n.to_string()));
        }
        if let Some(n) = self.limit_bytes {
            q.push(("limitBytes", n.to_string()));
        }
        if self.insecure_skip_tls_verify_backend {
            q.push(("insecureSkipTLSVerifyBackend", "true".to_string()));
        }
        if let Some(s) = &self.stream {
            q.push(("stream", s.clone()));
        }
        q
    }
}

/// A pod's log as it arrives: a `Stream` of byte chunks (as the server flushes them, not
/// aligned to lines); [`lines`](LogStream::lines) splits it into lines.
pub struct LogStream {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, Error>> + Send>>,
}

impl std::fmt::Debug for LogStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStream").finish_non_exhaustive()
    }
}

impl Stream for LogStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl LogStream {
    /// The stream split into lines (without the `\n`, and without a `\r` before it); a last
    /// line without a newline is yielded when the stream ends. Invalid UTF-8 is replaced with
    /// U+FFFD.
    pub fn lines(self) -> impl Stream<Item = Result<String, Error>> + Send + Unpin {
        Box::pin(lines(self.inner))
    }
}

/// Splits a byte stream into lines.
pub(crate) fn lines<S>(bytes: S) -> impl Stream<Item = Result<String, Error>> + Send
where
    S: Stream<Item = Result<Bytes, Error>> + Send + Unpin,
{
    struct State<S> {
        bytes: S,
        buf: BytesMut,
        done: bool,
    }
    let state = State {
        bytes,
        buf: BytesMut::new(),
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(pos) = st.buf.iter().position(|&b| b == b'\n') {
                let mut line = st.buf.split_to(pos + 1);
                line.truncate(pos);
                if line.last() == Some(&b'\r') {
                    line.truncate(pos - 1);
                }
                return Some((Ok(String::from_utf8_lossy(&line).into_owned()), st));
            }
            if st.done {
                if st.buf.is_empty() {
                    return None;
                }
                let rest = st.buf.split();
                return Some((Ok(String::from_utf8_lossy(&rest).into_owned()), st));
            }
            match st.bytes.next().await {
                Some(Ok(chunk)) => st.buf.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    st.done = true;
                    st.buf.clear();
                    return Some((Err(e), st));
                }
                None => st.done = true,
            }
        }
    })
}

impl Api<Pod> {
    fn log_request(&self, name: &str, options: &LogOptions) -> Result<Request, Error> {
        let path = self.path.item(name, Some("log"), &options.to_query())?;
        let req = Request::get(path).header(
            http::header::ACCEPT,
            http::HeaderValue::from_static("text/plain, */*"),
        );
        Ok(if options.follow { req.streaming() } else { req })
    }

    /// The pod's log as text (with `follow`, this waits until the container stops).
    pub async fn log(&self, name: &str, options: &LogOptions) -> Result<String, Error> {
        let req = self.log_request(name, options)?;
        let (_, body) = self.client.send_bytes(req).await?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// The pod's log as a stream of chunks, as the server sends them; with `follow`, the stream
    /// stays open while the container runs (no client-side timeout applies). Dropping the
    /// stream closes the request.
    pub async fn log_stream(&self, name: &str, options: &LogOptions) -> Result<LogStream, Error> {
        let req = self.log_request(name, options)?;
        let url = self.client.url(req.path())?.to_string();
        let resp = self.client.send(req).await?;
        let inner = resp
            .into_body()
            .map(move |r| r.map_err(|e| Error::body("GET", url.clone(), "reading the log", e)));
        Ok(LogStream {
            inner: Box::pin(inner),
        })
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    #[test]
    fn query_names_match_the_server() {
        let q = LogOptions::default()
            .container("app")
            .follow(true)
            .previous(true)
            .since_seconds(10)
            .timestamps(true)
            .tail_lines(5)
            .limit_bytes(100)
            .to_query();
        let q: Vec<String> = q.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            q,
            [
                "container=app",
                "follow=true",
                "previous=true",
                "sinceSeconds=10",
                "timestamps=true",
                "tailLines=5",
                "limitBytes=100"
            ]
        );
        assert!(LogOptions::default().to_query().is_empty());
    }

    #[tokio::test]
    async fn lines_split_across_chunks() {
        let chunks = ["one\ntw", "o\r\n", "", "thr", "ee\nlast"]
            .map(|s| Ok(Bytes::from_static(s.as_bytes())));
        let got: Vec<String> = lines(futures::stream::iter(chunks))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(got, ["one", "two", "three", "last"]);
        let none: Vec<String> = lines(futures::stream::iter(Vec::<Result<Bytes, Error>>::new()))
            .try_collect()
            .await
            .unwrap();
        assert!(none.is_empty());
    }
}
