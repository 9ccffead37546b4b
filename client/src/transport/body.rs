//! [`Body`]: the body type of requests and responses at the transport seam.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use futures::{Stream, TryStreamExt};
use http_body::{Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, StreamBody};

/// The error type of the transport seam: any error, sent between threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of a request or a response at the transport seam: either bytes in memory (every
/// request [`HttpClient`](super::HttpClient) sends; cheap to clone, so a retry re-sends it) or a
/// stream of chunks (response bodies, read as they arrive; watches and log streams never end
/// until the server closes them).
///
/// `Body` implements [`http_body::Body`] (so `tower-http` layers and anything else written for
/// `http-body` work with it) and [`Stream`] of `Result<Bytes, BoxError>`.
///
/// ```
/// use k8s_client::transport::Body;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), k8s_client::transport::BoxError> {
/// let chunks = futures::stream::iter(vec![
///     Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{\"kind\":")),
///     Ok(bytes::Bytes::from_static(b"\"Pod\"}")),
/// ]);
/// let body = Body::from_stream(chunks);
/// assert_eq!(&body.collect().await?[..], b"{\"kind\":\"Pod\"}");
/// assert_eq!(Body::from("abc").as_bytes(), Some(&b"abc"[..]));
/// # Ok(()) }
/// ```
pub struct Body {
    kind: Kind,
}

enum Kind {
    /// In memory; `None` once handed out (or empty from the start).
    Full(Option<Bytes>),
    /// Streamed.
    Boxed(UnsyncBoxBody<Bytes, BoxError>),
}

impl Body {
    /// An empty body.
    pub fn empty() -> Self {
        Body {
            kind: Kind::Full(None),
        }
    }

    /// A body streamed from `stream`'s chunks.
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let frames = stream.map_ok(Frame::data).map_err(Into::into);
        Body {
            kind: Kind::Boxed(UnsyncBoxBody::new(StreamBody::new(frames))),
        }
    }

    /// Any [`http_body::Body`] (for example the response body of a `tower-http` layer) as a
    /// `Body`. A `Body` given here is returned as it is.
    pub fn wrap<B>(body: B) -> Self
    where
        B: http_body::Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        // A `Body` is already one: no second box around it.
        let mut slot = Some(body);
        if let Some(same) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<Body>>()
            && let Some(body) = same.take()
        {
            return body;
        }
        match slot {
            Some(body) => Body {
                kind: Kind::Boxed(UnsyncBoxBody::new(
                    body.map_frame(|f| f.map_data(|mut d| d.copy_to_bytes(d.remaining())))
                        .map_err(Into::into),
                )),
            },
            // Unreachable: `slot` is taken only when it held a `Body`, which returned above.
            None => Body::empty(),
        }
    }

    /// The bytes of a body held in memory (`None` for a streamed one).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Full(Some(b)) => Some(b),
            Kind::Full(None) => Some(&[]),
            Kind::Boxed(_) => None,
        }
    }

    /// A copy of a body held in memory (cheap: the bytes are shared); `None` for a streamed one.
    pub fn try_clone(&self) -> Option<Body> {
        match &self.kind {
            Kind::Full(b) => Some(Body {
                kind: Kind::Full(b.clone()),
            }),
            Kind::Boxed(_) => None,
        }
    }

    /// Reads the whole body. A body that arrives in one chunk is returned without a copy.
    pub async fn collect(self) -> Result<Bytes, BoxError> {
        match self.kind {
            Kind::Full(b) => Ok(b.unwrap_or_default()),
            Kind::Boxed(mut body) => {
                let mut first: Option<Bytes> = None;
                let mut rest: Option<bytes::BytesMut> = None;
                while let Some(frame) = body.frame().await {
                    let Ok(data) = frame?.into_data() else {
                        continue; // trailers
                    };
                    if data.is_empty() {
                        continue;
                    }
                    match (&mut first, &mut rest) {
                        (None, _) => first = Some(data),
                        (Some(f), None) => {
                            let mut buf = bytes::BytesMut::with_capacity(f.len() + data.len());
                            buf.extend_from_slice(f);
                            buf.extend_from_slice(&data);
                            rest = Some(buf);
                        }
                        (Some(_), Some(buf)) => buf.extend_from_slice(&data),
                    }
                }
                Ok(match rest {
                    Some(buf) => buf.freeze(),
                    None => first.unwrap_or_default(),
                })
            }
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full(b) => f
                .debug_struct("Body")
                .field("len", &b.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Boxed(_) => f.debug_struct("Body").field("streamed", &true).finish(),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body {
            kind: Kind::Full((!bytes.is_empty()).then_some(bytes)),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::from(Bytes::from(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::from(Bytes::from(text))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Body::from(Bytes::from_static(text.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(bytes: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(bytes))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Kind::Boxed(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full(b) => b.is_none(),
            Kind::Boxed(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full(b) => SizeHint::with_exact(b.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Boxed(body) => body.size_hint(),
        }
    }
}

impl Stream for Body {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match std::task::ready!(http_body::Body::poll_frame(self.as_mut(), cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn streamed_bodies_collect_in_order() {
        let parts: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(b"cd")),
            Ok(Bytes::from_static(b"e")),
        ];
        let body = Body::from_stream(futures::stream::iter(parts));
        assert!(body.as_bytes().is_none());
        assert!(body.try_clone().is_none());
        assert_eq!(&body.collect().await.unwrap()[..], b"abcde");
    }

    #[tokio::test]
    async fn a_stream_error_is_the_collect_error() {
        let parts: Vec<Result<Bytes, std::io::Error>> = vec![
            Ok(Bytes::from_static(b"ab")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset",
            )),
        ];
        let err = Body::from_stream(futures::stream::iter(parts))
            .collect()
            .await
            .unwrap_err();
        let io = err.downcast_ref::<std::io::Error>().unwrap();
        assert_eq!(io.kind(), std::io::ErrorKind::ConnectionReset);
    }

    #[tokio::test]
    async fn wrapping_a_body_returns_it_and_other_bodies_are_converted() {
        let body = Body::wrap(Body::from("xyz"));
        assert_eq!(body.as_bytes(), Some(&b"xyz"[..]));
        let full = http_body_util::Full::new(Bytes::from_static(b"full"));
        let body = Body::wrap(full);
        assert_eq!(&body.collect().await.unwrap()[..], b"full");
    }

    #[tokio::test]
    async fn in_memory_bodies_clone_and_stream_once() {
        let body = Body::from(Bytes::from_static(b"hello"));
        let copy = body.try_clone().unwrap();
        let chunks: Vec<_> = body.map(|c| c.unwrap()).collect().await;
        assert_eq!(chunks, vec![Bytes::from_static(b"hello")]);
        assert_eq!(
            http_body::Body::size_hint(&copy).exact(),
            Some(5),
            "exact size of an in-memory body"
        );
        assert!(http_body::Body::is_end_stream(&Body::empty()));
    }
}
