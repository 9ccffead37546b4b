//! Response bodies of the HTTP/2 path, as `reqwest::Response`s.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use http::header;
use tokio::time::{Instant, Sleep};

/// The response as reqwest's type, its body streamed from the HTTP/2 stream.
pub(super) fn into_response(
    response: http::Response<h2::RecvStream>,
    gzip: bool,
    deadline: Option<Instant>,
) -> reqwest::Response {
    let (mut parts, recv) = response.into_parts();
    let body = RecvBody {
        recv,
        deadline: deadline.map(|d| Box::pin(tokio::time::sleep_until(d))),
    };
    let gzipped = gzip
        && parts
            .headers
            .get(header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let body = if gzipped {
        // The body handed on is the decoded one: its encoding and length no longer apply.
        parts.headers.remove(header::CONTENT_ENCODING);
        parts.headers.remove(header::CONTENT_LENGTH);
        reqwest::Body::wrap_stream(gunzip(body))
    } else {
        reqwest::Body::wrap_stream(body)
    };
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

/// A gzip-encoded body, decoded as it arrives.
fn gunzip(body: RecvBody) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    let reader = tokio_util::io::StreamReader::new(body.map_err(std::io::Error::other));
    let mut decoder = async_compression::tokio::bufread::GzipDecoder::new(reader);
    decoder.multiple_members(true);
    tokio_util::io::ReaderStream::new(decoder)
}

/// The data of a response stream; gives the flow-control window back as it is read, and fails
/// once the request's deadline (if any) passed.
struct RecvBody {
    recv: h2::RecvStream,
    deadline: Option<Pin<Box<Sleep>>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Stream for RecvBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(deadline) = this.deadline.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            this.deadline = None;
            return Poll::Ready(Some(Err(Box::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "timed out reading the response body",
            )))));
        }
        match ready!(this.recv.poll_data(cx)) {
            Some(Ok(data)) => {
                // Give the window back now: the caller buffers what it reads.
                let _ = this.recv.flow_control().release_capacity(data.len());
                Poll::Ready(Some(Ok(data)))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(Box::new(e)))),
            None => Poll::Ready(None),
        }
    }
}
