//! The Go oracle (`oracle/`: Go's k8s.io/apimachinery v0.37.2): built once with `go build` and
//! cached, as k8s-testenv caches the control plane binaries — in `$K8S_RS_CACHE_DIR`,
//! `$XDG_CACHE_HOME/k8s-rs` or `~/.cache/k8s-rs`, under `go-apimachinery/`, rebuilt when its
//! sources or the Go version change. One process answers a whole area: case lines in, answer
//! lines out, streamed.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("K8S_RS_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("k8s-rs");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("k8s-rs"),
        None => std::env::temp_dir().join("k8s-rs-cache"),
    }
}

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go_differential/oracle")
}

/// The oracle binary, or `None` (with a message) when Go is not installed.
pub fn binary() -> Option<&'static Path> {
    static BINARY: OnceLock<Option<PathBuf>> = OnceLock::new();
    BINARY.get_or_init(build).as_deref()
}

fn build() -> Option<PathBuf> {
    let go_version = match Command::new("go").arg("version").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => {
            eprintln!(
                "SKIPPING the comparison with Go: `go` is not installed (Go >= 1.26 builds the \
                 oracle in apimachinery/tests/go_differential/oracle)"
            );
            return None;
        }
    };
    let src = source_dir();
    let mut stamp = go_version;
    for file in ["main.go", "go.mod", "go.sum"] {
        let path = src.join(file);
        stamp.push_str(
            &fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display())),
        );
    }
    let dir = cache_root().join("go-apimachinery");
    fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("apimachinery-oracle");
    let stamp_path = dir.join("stamp");
    let fresh = || bin.is_file() && fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp);
    if fresh() {
        return Some(bin);
    }
    let lock = File::create(dir.join("build.lock")).unwrap();
    lock.lock().unwrap();
    if fresh() {
        return Some(bin);
    }
    let tmp = dir.join(format!(".apimachinery-oracle.{}", std::process::id()));
    eprintln!("building the Go oracle ({}) …", src.display());
    let out = Command::new("go")
        .current_dir(&src)
        .env("GOFLAGS", "-mod=mod")
        .args(["build", "-trimpath", "-o"])
        .arg(&tmp)
        .arg(".")
        .output()
        .expect("running go build");
    assert!(
        out.status.success(),
        "go build of the oracle failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::rename(&tmp, &bin).unwrap();
    fs::write(&stamp_path, &stamp).unwrap();
    Some(bin)
}

/// Sends every case (a JSON array `["area", args…]`) to one oracle process and hands each
/// answer (a list of strings) to `each` with the case's index, as it arrives.
pub fn answer_all(bin: &Path, cases: &[Value], mut each: impl FnMut(usize, Vec<String>)) {
    let mut input = Vec::with_capacity(cases.len() * 48);
    for c in cases {
        serde_json::to_writer(&mut input, c).unwrap();
        input.push(b'\n');
    }
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let stdout = BufReader::with_capacity(1 << 20, child.stdout.take().unwrap());
    let mut n = 0;
    for line in stdout.lines() {
        let line = line.unwrap();
        let answer: Vec<String> =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("oracle answer {line:?}: {e}"));
        assert!(n < cases.len(), "more answers than cases");
        each(n, answer);
        n += 1;
    }
    writer.join().unwrap().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "oracle failed: {status}");
    assert_eq!(n, cases.len(), "one answer per case");
}
