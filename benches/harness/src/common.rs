//! What every scenario shares: the result line, resource usage, the names checksum and the
//! command-line flags. The kube-rs peer (`benches/peers/kube-rs`) compiles this same file; each
//! crate names its side in a `SIDE` constant at its root.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use nix::sys::resource::{UsageWho, getrusage};
use serde_json::{Value, json};

/// CPU time (user + system) of this process so far.
pub fn cpu_time() -> Duration {
    match getrusage(UsageWho::RUSAGE_SELF) {
        Ok(u) => {
            let tv = |t: nix::sys::time::TimeVal| {
                Duration::from_secs(t.tv_sec().max(0) as u64)
                    + Duration::from_micros(t.tv_usec().max(0) as u64)
            };
            tv(u.user_time()) + tv(u.system_time())
        }
        Err(_) => Duration::ZERO,
    }
}

/// Peak resident set size of this process so far, in bytes.
pub fn peak_rss() -> u64 {
    getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| u.max_rss().max(0) as u64 * 1024)
        .unwrap_or(0)
}

/// Current resident set size, in bytes (Linux).
pub fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0)
        * 4096
}

/// FNV-1a 64 over the sorted names, each followed by `\n`, as 16 hex digits: the same on
/// every side.
pub fn names_checksum<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    let mut names: Vec<String> = names.into_iter().map(|s| s.as_ref().to_string()).collect();
    names.sort_unstable();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for n in &names {
        for b in n.bytes().chain(std::iter::once(b'\n')) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// One scenario's result: what must match across sides (`checks`) and what is measured
/// (`metrics`).
#[derive(Default)]
pub struct Report {
    /// Values every side must agree on (object counts, names checksums).
    pub checks: BTreeMap<String, Value>,
    /// Measurements: a name ending in `_per_s` is better higher, anything else lower.
    pub metrics: BTreeMap<String, f64>,
}

impl Report {
    /// Records a check.
    pub fn check(&mut self, name: &str, value: impl Into<Value>) {
        self.checks.insert(name.to_string(), value.into());
    }

    /// Records a metric.
    pub fn metric(&mut self, name: &str, value: f64) {
        self.metrics.insert(name.to_string(), value);
    }

    /// Prints the result line (with this process's peak RSS and CPU time).
    pub fn emit(mut self, scenario: &str) {
        self.metric("process_peak_rss_mb", peak_rss() as f64 / 1e6);
        self.metric("process_cpu_ms", cpu_time().as_secs_f64() * 1e3);
        println!(
            "{}",
            json!({"side": crate::SIDE, "scenario": scenario, "checks": self.checks, "metrics": self.metrics})
        );
    }
}

/// `--name value` flags.
pub struct Flags(BTreeMap<String, String>);

impl Flags {
    /// Parses `--name value` pairs.
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut map = BTreeMap::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                bail!("unexpected argument {a:?} (flags are --name value)");
            };
            let value = it
                .next()
                .with_context(|| format!("--{name} needs a value"))?;
            map.insert(name.to_string(), value.clone());
        }
        Ok(Flags(map))
    }

    /// A flag, or its default.
    pub fn str(&self, name: &str, default: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    /// A parsed flag, or its default.
    pub fn num<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.0.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name}: cannot parse {v:?}")),
        }
    }
}

/// A request to the replay server's own endpoints (`/bench/expire`, `/bench/syncs`); returns
/// the body.
pub fn bench_call(server: &str, method: &str, path: &str) -> Result<String> {
    use std::io::{Read, Write};
    let addr = server.trim_start_matches("http://").trim_end_matches('/');
    let mut s =
        std::net::TcpStream::connect(addr).with_context(|| format!("connecting to {addr}"))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\n\r\n"
    )?;
    // The server keeps connections open: read the head, then Content-Length bytes.
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            bail!("{path}: connection closed");
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    s.read_exact(&mut body)?;
    Ok(String::from_utf8_lossy(&body).to_string())
}

/// Forces a relist (the server ends every open watch with 410 Gone) and waits until the server
/// has served one more full sync, then `settle`.
pub fn force_relist(server: &str, settle: Duration) -> Result<()> {
    let syncs =
        |_: ()| -> Result<u64> { Ok(bench_call(server, "GET", "/bench/syncs")?.trim().parse()?) };
    let before = syncs(())?;
    bench_call(server, "POST", "/bench/expire")?;
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    while syncs(())? <= before {
        if std::time::Instant::now() > deadline {
            bail!("no relist within 300 s after the forced expiry");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(settle);
    Ok(())
}
