//! What [`HttpClient`](super::HttpClient) does to a response body, whatever transport carried
//! it: gunzip it when it asked for gzip, and fail it once the request's deadline passed.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::{Stream, TryStreamExt};
use http::header;
use tokio::time::{Instant, Sleep};

use super::{Body, BoxError, HttpResponse, TransportError, TransportErrorKind};

/// The response with its body gunzipped, when it says it is gzipped; its encoding and length
/// headers no longer apply to the body handed on, so they go.
pub(super) fn gunzip_if_encoded(response: HttpResponse) -> HttpResponse {
    let gzipped = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
    if !gzipped {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_ENCODING);
    parts.headers.remove(header::CONTENT_LENGTH);
    let reader = tokio_util::io::StreamReader::new(body.map_err(std::io::Error::other));
    let mut decoder = async_compression::tokio::bufread::GzipDecoder::new(reader);
    decoder.multiple_members(true);
    let decoded = tokio_util::io::ReaderStream::new(decoder).map_err(|e| {
        // A failure of the body underneath comes back wrapped in the I/O error; a failure of
        // the gzip data itself is a decode failure.
        let kind = if e.get_ref().is_some() && e.kind() == std::io::ErrorKind::Other {
            None
        } else {
            Some(TransportErrorKind::Decode)
        };
        match (kind, e.into_inner()) {
            (None, Some(inner)) => inner,
            (_, inner) => {
                let mut err = TransportError::new(
                    TransportErrorKind::Decode,
                    "the gzip-encoded response body is broken",
                );
                if let Some(inner) = inner {
                    err = err.with_source(inner);
                }
                Box::new(err) as BoxError
            }
        }
    });
    HttpResponse::from_parts(parts, Body::from_stream(decoded))
}

/// `body`, failing with a timeout once `deadline` passed.
pub(super) fn with_deadline(body: Body, deadline: Instant) -> Body {
    Body::from_stream(Deadline {
        body,
        sleep: Some(Box::pin(tokio::time::sleep_until(deadline))),
    })
}

struct Deadline {
    body: Body,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Stream for Deadline {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(sleep) = this.sleep.as_mut()
            && sleep.as_mut().poll(cx).is_ready()
        {
            this.sleep = None;
            return Poll::Ready(Some(Err(Box::new(TransportError::new(
                TransportErrorKind::Timeout,
                "timed out reading the response body",
            )))));
        }
        Pin::new(&mut this.body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::error::classify;

    async fn gzip(data: &[u8]) -> Vec<u8> {
        use tokio::io::AsyncWriteExt;
        let mut enc = async_compression::tokio::write::GzipEncoder::new(Vec::new());
        enc.write_all(data).await.unwrap();
        enc.shutdown().await.unwrap();
        enc.into_inner()
    }

    fn response(body: Vec<u8>, encoding: Option<&str>) -> HttpResponse {
        let mut b = http::Response::builder();
        if let Some(e) = encoding {
            b = b.header(header::CONTENT_ENCODING, e);
        }
        b.header(header::CONTENT_LENGTH, body.len())
            .body(Body::from(body))
            .unwrap()
    }

    #[tokio::test]
    async fn gzip_bodies_are_decoded_and_their_headers_dropped() {
        let resp = gunzip_if_encoded(response(gzip(b"{\"kind\":\"Pod\"}").await, Some("gzip")));
        assert!(resp.headers().get(header::CONTENT_ENCODING).is_none());
        assert!(resp.headers().get(header::CONTENT_LENGTH).is_none());
        let body = resp.into_body().collect().await.unwrap();
        assert_eq!(&body[..], b"{\"kind\":\"Pod\"}");
        // Not encoded: untouched.
        let resp = gunzip_if_encoded(response(b"plain".to_vec(), None));
        assert!(resp.headers().get(header::CONTENT_LENGTH).is_some());
    }

    #[tokio::test]
    async fn broken_gzip_is_a_decode_error() {
        let resp = gunzip_if_encoded(response(b"not gzip at all".to_vec(), Some("gzip")));
        let err = resp.into_body().collect().await.unwrap_err();
        assert_eq!(classify(&*err), Some(TransportErrorKind::Decode), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_past_its_deadline_fails_with_a_timeout() {
        let never = Body::from_stream(futures::stream::pending::<Result<Bytes, BoxError>>());
        let body = with_deadline(never, Instant::now() + std::time::Duration::from_secs(5));
        let err = body.collect().await.unwrap_err();
        assert_eq!(classify(&*err), Some(TransportErrorKind::Timeout));
    }
}
