//! Response bodies of the HTTP/2 path, streamed from the HTTP/2 stream.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures::Stream;

use crate::transport::{Body, BoxError, HttpResponse};

/// The response, its body streamed from the HTTP/2 stream as it arrives.
pub(super) fn into_response(response: http::Response<h2::RecvStream>) -> HttpResponse {
    response.map(|recv| Body::from_stream(RecvBody { recv }))
}

/// The data of a response stream; gives the flow-control window back as it is read.
struct RecvBody {
    recv: h2::RecvStream,
}

impl Stream for RecvBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
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
