//! `serve`: the replay server of scenarios `watch` and `informer`, a small HTTP/1.1 server on
//! 127.0.0.1 that every side's informer connects to (plain `http://`).
//!
//! - `GET /api/v1/namespaces/bench/pods?limit=L&continue=C`: a paged list of the generated pods
//!   (pod `i` has resourceVersion `1000 + i`; the list's is `1000 + pods`);
//! - `GET …/pods?watch=1&sendInitialEvents=true`: a streaming list (`ADDED` per pod, then the
//!   bookmark with the `k8s.io/initial-events-end` annotation), then the replay;
//! - `GET …/pods?watch=1&resourceVersion=R`: the replay, `events` `MODIFIED` events (event `j`
//!   modifies pod `j % pods` with resourceVersion `1000 + pods + 1 + j`), those after `R`;
//! - after the replay a watch stays open until its `timeoutSeconds` or `POST /bench/expire`, which
//!   ends every open watch with a 410 Gone `ERROR` event (a forced relist);
//! - `GET /bench/syncs`: how many full syncs (last page of a list, or initial-events-end
//!   bookmark) were served.
//!
//! Watch bodies are chunked, one event per chunk; every response is JSON.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::common::Flags;
use crate::inputs::{PodSize, pod};

const RV_MARK: &str = "__RV__";

struct State {
    /// Each pod's JSON, split around its resourceVersion value.
    pods: Vec<(Vec<u8>, Vec<u8>)>,
    events: u64,
    expire: watch::Sender<u64>,
    syncs: AtomicU64,
}

impl State {
    fn base(&self) -> u64 {
        1000 + self.pods.len() as u64
    }

    fn render(&self, i: usize, rv: u64, out: &mut Vec<u8>) {
        let (a, b) = &self.pods[i];
        out.extend_from_slice(a);
        out.extend_from_slice(rv.to_string().as_bytes());
        out.extend_from_slice(b);
    }
}

/// Runs the server until killed. Prints `listening on http://127.0.0.1:PORT` first.
pub fn run(flags: &Flags) -> Result<()> {
    let count: usize = flags.num("pods", 1000)?;
    let size = PodSize::parse(&flags.str("size", "10"))?;
    let events: u64 = flags.num("events", 0)?;
    let mut pods = Vec::with_capacity(count);
    for i in 0..count {
        let json = serde_json::to_string(&pod(i, size, RV_MARK))?;
        let (a, b) = json.split_once(RV_MARK).context("resourceVersion mark")?;
        pods.push((a.as_bytes().to_vec(), b.as_bytes().to_vec()));
    }
    let (expire, _) = watch::channel(0);
    let state = Arc::new(State {
        pods,
        events,
        expire,
        syncs: AtomicU64::new(0),
    });
    // One thread: the server must not take both cores from the client it serves.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!("listening on http://{}", listener.local_addr()?);
        use std::io::Write;
        std::io::stdout().flush()?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let _ = connection(stream, state).await;
            });
        }
    })
}

async fn connection(stream: TcpStream, state: Arc<State>) -> Result<()> {
    let (read, write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut out = BufWriter::with_capacity(256 * 1024, write);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut content_length = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                content_length = v.trim().parse().unwrap_or(0);
            }
        }
        if content_length > 0 {
            let mut body = vec![0; content_length];
            reader.read_exact(&mut body).await?;
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let q: HashMap<&str, &str> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        match (method.as_str(), path) {
            (_, "/bench/expire") => {
                state.expire.send_modify(|g| *g += 1);
                respond(&mut out, "200 OK", b"{}").await?;
            }
            (_, "/bench/syncs") => {
                let n = state.syncs.load(Ordering::SeqCst).to_string();
                respond(&mut out, "200 OK", n.as_bytes()).await?;
            }
            ("GET", "/api/v1/namespaces/bench/pods" | "/api/v1/pods") => {
                if matches!(q.get("watch"), Some(&"true" | &"1")) {
                    watch_stream(&mut out, &state, &q).await?;
                } else {
                    list(&mut out, &state, &q).await?;
                }
            }
            _ => {
                let body = br#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#;
                respond(&mut out, "404 Not Found", body).await?;
            }
        }
    }
}

async fn respond<W: AsyncWriteExt + Unpin>(out: &mut W, status: &str, body: &[u8]) -> Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes()).await?;
    out.write_all(body).await?;
    out.flush().await?;
    Ok(())
}

async fn list<W: AsyncWriteExt + Unpin>(
    out: &mut W,
    state: &State,
    q: &HashMap<&str, &str>,
) -> Result<()> {
    let n = state.pods.len();
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .filter(|&l| l > 0)
        .unwrap_or(n);
    let start: usize = q
        .get("continue")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
        .min(n);
    let end = (start + limit).min(n);
    let mut body = Vec::with_capacity((end - start) * 3000 + 256);
    body.extend_from_slice(
        br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":""#,
    );
    body.extend_from_slice(state.base().to_string().as_bytes());
    body.push(b'"');
    if end < n {
        body.extend_from_slice(
            format!(r#","continue":"{end}","remainingItemCount":{}"#, n - end).as_bytes(),
        );
    }
    body.extend_from_slice(br#"},"items":["#);
    for i in start..end {
        if i > start {
            body.push(b',');
        }
        state.render(i, 1000 + i as u64, &mut body);
    }
    body.extend_from_slice(b"]}");
    if end == n {
        state.syncs.fetch_add(1, Ordering::SeqCst);
    }
    respond(out, "200 OK", &body).await
}

async fn chunk<W: AsyncWriteExt + Unpin>(out: &mut W, data: &[u8]) -> Result<()> {
    out.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await?;
    out.write_all(data).await?;
    out.write_all(b"\r\n").await?;
    Ok(())
}

async fn watch_stream<W: AsyncWriteExt + Unpin>(
    out: &mut W,
    state: &State,
    q: &HashMap<&str, &str>,
) -> Result<()> {
    let mut expired = state.expire.subscribe();
    let _ = expired.borrow_and_update();
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await?;
    let base = state.base();
    let mut ev = Vec::with_capacity(16 * 1024);
    if q.get("sendInitialEvents") == Some(&"true") {
        for i in 0..state.pods.len() {
            ev.clear();
            ev.extend_from_slice(br#"{"type":"ADDED","object":"#);
            state.render(i, 1000 + i as u64, &mut ev);
            ev.extend_from_slice(b"}\n");
            chunk(out, &ev).await?;
        }
        let bookmark = format!(
            r#"{{"type":"BOOKMARK","object":{{"kind":"Pod","apiVersion":"v1","metadata":{{"resourceVersion":"{base}","annotations":{{"k8s.io/initial-events-end":"true"}}}}}}}}"#
        );
        chunk(out, format!("{bookmark}\n").as_bytes()).await?;
        out.flush().await?;
        state.syncs.fetch_add(1, Ordering::SeqCst);
    }
    let from: u64 = q
        .get("resourceVersion")
        .and_then(|r| r.parse().ok())
        .unwrap_or(0);
    let n = state.pods.len().max(1);
    for j in 0..state.events {
        let rv = base + 1 + j;
        if rv <= from {
            continue;
        }
        ev.clear();
        ev.extend_from_slice(br#"{"type":"MODIFIED","object":"#);
        state.render((j as usize) % n, rv, &mut ev);
        ev.extend_from_slice(b"}\n");
        chunk(out, &ev).await?;
    }
    out.flush().await?;
    let timeout: u64 = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse().ok())
        .unwrap_or(1800);
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(timeout)) => {}
        _ = expired.changed() => {
            let gone = br#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410}}"#;
            chunk(out, &[&gone[..], b"\n"].concat()).await?;
        }
    }
    out.write_all(b"0\r\n\r\n").await?;
    out.flush().await?;
    Ok(())
}
