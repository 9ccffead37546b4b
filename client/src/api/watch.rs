//! Watch streams: newline-delimited JSON events decoded one at a time, straight from the
//! response's byte stream (never buffering more than the event being read).

use bytes::BytesMut;
use futures::{Stream, StreamExt};
use k8s_apimachinery::WatchEvent;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::transport::Body;

type ByteStream = Body;

/// Splits a byte stream into newline-terminated frames.
struct Frames {
    body: ByteStream,
    buf: BytesMut,
    /// Bytes of `buf` already searched for a newline (so a large event arriving in many chunks
    /// is scanned once, not once per chunk).
    scanned: usize,
    done: bool,
    url: String,
}

impl Frames {
    /// The next complete frame (without its newline), `None` at the end of the stream.
    async fn next_frame(&mut self) -> Option<Result<BytesMut, Error>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.scanned..]) {
                let end = self.scanned + pos;
                let mut frame = self.buf.split_to(end + 1);
                frame.truncate(end);
                self.scanned = 0;
                if frame.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Some(Ok(frame));
            }
            self.scanned = self.buf.len();
            if self.done {
                if self.buf.iter().all(u8::is_ascii_whitespace) {
                    return None;
                }
                // A last event without its newline (the server closed right after it).
                self.scanned = 0;
                return Some(Ok(self.buf.split()));
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.buf.extend_from_slice(&chunk),
                Some(Err(e)) => {
                    self.done = true;
                    // A body that ends because the server timed the watch out is a normal end;
                    // anything else is reported and ends the stream.
                    return Some(Err(Error::body(
                        "GET",
                        self.url.clone(),
                        "reading the watch stream",
                        e,
                    )));
                }
                None => self.done = true,
            }
        }
    }
}

/// Decodes a watch response into events. The stream ends when the server closes the watch
/// (its `timeoutSeconds` elapsed); an `ERROR` event (e.g. 410 Gone) is an item, not the end.
pub(crate) fn decode_events<K: DeserializeOwned + Send + 'static>(
    body: Body,
    url: String,
) -> impl Stream<Item = Result<WatchEvent<K>, Error>> + Send {
    let frames = Frames {
        body,
        buf: BytesMut::with_capacity(16 * 1024),
        scanned: 0,
        done: false,
        url,
    };
    futures::stream::unfold(frames, |mut frames| async move {
        let item = match frames.next_frame().await? {
            Ok(frame) => serde_json::from_slice::<WatchEvent<K>>(&frame)
                .map_err(|e| crate::error::decode_json(frames.url.clone(), e)),
            Err(e) => Err(e),
        };
        Some((item, frames))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn frames(chunks: Vec<&'static [u8]>) -> Frames {
        let stream = futures::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c))),
        );
        Frames {
            body: Body::from_stream(stream),
            buf: BytesMut::new(),
            scanned: 0,
            done: false,
            url: "test".into(),
        }
    }

    async fn all(mut f: Frames) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(frame) = f.next_frame().await {
            out.push(String::from_utf8(frame.unwrap().to_vec()).unwrap());
        }
        out
    }

    #[tokio::test]
    async fn frames_split_on_newlines_across_chunks() {
        let f = frames(vec![b"{\"a\":", b"1}\n{\"b\"", b":2}\n\n", b"{\"c\":3}"]);
        assert_eq!(all(f).await, vec![r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]);
        let f = frames(vec![b"", b"\n", b"  \n"]);
        assert!(all(f).await.is_empty());
    }

    #[tokio::test]
    async fn one_chunk_many_events() {
        let f = frames(vec![b"1\n2\n3\n"]);
        assert_eq!(all(f).await, vec!["1", "2", "3"]);
    }
}
