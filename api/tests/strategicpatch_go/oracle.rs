//! The Go oracle (`oracle/`: Go's strategicpatch with the Go types of k8s.io/api v0.37.2):
//! built once with `go build` and cached, as k8s-testenv caches the control plane binaries —
//! in `$K8S_RS_CACHE_DIR`, `$XDG_CACHE_HOME/k8s-rs` or `~/.cache/k8s-rs`, under
//! `go-strategicpatch/`, rebuilt when its sources or the Go version change.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};

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
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/strategicpatch_go/oracle")
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
                 oracle in api/tests/strategicpatch_go/oracle)"
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
    let dir = cache_root().join("go-strategicpatch");
    fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("strategicpatch-oracle");
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
    let tmp = dir.join(format!(".strategicpatch-oracle.{}", std::process::id()));
    eprintln!("building the Go oracle ({}) …", src.display());
    let out = Command::new("go")
        .current_dir(&src)
        .args(["build", "-mod=readonly", "-trimpath", "-o"])
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

/// One case for Go.
pub struct Case<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub original: &'a Value,
    pub patch: &'a Value,
}

/// Go's outcomes: each distinct result over `runs` applications (`Ok(object)` or
/// `Err(message)`).
pub type Outcomes = Vec<Result<Value, String>>;

/// Applies every case in Go (`StrategicMergePatch`), `runs` times each.
pub fn apply_all(bin: &Path, cases: &[Case<'_>], runs: u32) -> Vec<Outcomes> {
    run_all(bin, "apply", "patch", cases, runs)
}

/// Creates the patch of every case in Go (`CreateTwoWayMergePatch(original, modified)`, with
/// the case's `patch` as the modified object), `runs` times each.
pub fn diff_all(bin: &Path, cases: &[Case<'_>], runs: u32) -> Vec<Outcomes> {
    run_all(bin, "diff", "modified", cases, runs)
}

fn run_all(bin: &Path, mode: &str, second: &str, cases: &[Case<'_>], runs: u32) -> Vec<Outcomes> {
    let lines: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "apiVersion": c.api_version, "kind": c.kind,
                "original": c.original, second: c.patch, "runs": runs,
            })
        })
        .collect();
    run_lines(bin, mode, &lines)
}

/// One three-way case for Go.
pub struct Case3<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub original: &'a Value,
    pub modified: &'a Value,
    pub current: &'a Value,
    pub overwrite: bool,
}

/// Creates the three-way patch of every case in Go (`CreateThreeWayMergePatch`), `runs`
/// times each.
pub fn diff3_all(bin: &Path, cases: &[Case3<'_>], runs: u32) -> Vec<Outcomes> {
    triples(bin, "diff3", cases, runs)
}

/// JSON merge patches in Go: `merge2` (`jsonpatch.CreateMergePatch(original, modified)`) or
/// `merge3` (`jsonmergepatch.CreateThreeWayJSONMergePatch(original, modified, current)`).
pub fn merge_all(bin: &Path, mode: &str, cases: &[Case3<'_>]) -> Vec<Outcomes> {
    triples(bin, mode, cases, 1)
}

fn triples(bin: &Path, mode: &str, cases: &[Case3<'_>], runs: u32) -> Vec<Outcomes> {
    let lines: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "apiVersion": c.api_version, "kind": c.kind, "original": c.original,
                "modified": c.modified, "current": c.current, "overwrite": c.overwrite,
                "runs": runs,
            })
        })
        .collect();
    run_lines(bin, mode, &lines)
}

fn run_lines(bin: &Path, mode: &str, cases: &[Value]) -> Vec<Outcomes> {
    let mut input = Vec::new();
    for c in cases {
        serde_json::to_writer(&mut input, c).unwrap();
        input.push(b'\n');
    }
    let mut child = Command::new(bin)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Outcomes> = out
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let v: Value = serde_json::from_slice(line).unwrap();
            v["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| match r.get("err") {
                    Some(e) => Err(e.as_str().unwrap().to_string()),
                    None => Ok(r["ok"].clone()),
                })
                .collect()
        })
        .collect();
    assert_eq!(lines.len(), cases.len(), "one answer per case");
    lines
}

/// The `patchStrategy`/`patchMergeKey` tags of every Go struct reachable from a registered
/// kind: (kinds as "apiVersion Kind", schema name → field → (strategy, merge key)).
pub fn meta(bin: &Path) -> Value {
    let out = Command::new(bin).arg("meta").output().unwrap();
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
