//! `cargo xtask bench [--runs N] [--smoke] [--timeout SECS] [scenario…]`: builds our side (`k8s-rs-bench`), the
//! client-go peer (`benches/peers/client-go`, Go) and the kube-rs peer (`benches/peers/kube-rs`,
//! its own cargo workspace) in release mode, runs each scenario's sides alternately (A B C A B
//! C …), checks that every side saw the same objects (counts, names checksums), and prints the
//! median [min..max] per side with the ratios ours/peer. Writes `target/bench/<scenario>.json`,
//! `target/bench/summary.md`, appends to `target/bench/history.jsonl` and draws that history as
//! `target/bench/history/<variant>.svg`.

mod plot;
mod table;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// The sides, in table order; ours first.
pub const SIDES: [&str; 3] = ["k8s-rs", "client-go", "kube-rs"];

/// Every scenario, in the order `cargo xtask bench` runs them.
const ALL: [&str; 5] = ["codec", "workqueue", "watch", "informer", "e2e"];

/// One scenario variant: the arguments of each side (None = the peer lacks the feature), and
/// the replay server it needs, if any.
struct Variant {
    name: String,
    server: Option<Vec<String>>,
    args: [Option<Vec<String>>; 3],
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

struct Sizes {
    codec_scale: &'static str,
    wq_items: &'static str,
    watch_pods: usize,
    watch_events: usize,
    /// (pods, KB of JSON per pod): the figure is for ≈10 KB pods; 2 KB pods keep the
    /// history of the earlier runs.
    informer_pods: &'static [(usize, usize)],
    e2e: &'static str,
}

const FULL: Sizes = Sizes {
    codec_scale: "1",
    wq_items: "1000000",
    watch_pods: 1000,
    watch_events: 100_000,
    informer_pods: &[(10_000, 2), (50_000, 2), (50_000, 10)],
    e2e: "--count 10000 --gets 2000 --lists 5 --patches 1000",
};

const SMOKE: Sizes = Sizes {
    codec_scale: "0.01",
    wq_items: "20000",
    watch_pods: 100,
    watch_events: 2_000,
    informer_pods: &[(1_000, 2), (1_000, 10)],
    e2e: "--count 200 --gets 50 --lists 1 --patches 20",
};

fn variants(scenario: &str, sizes: &Sizes, inputs: &Path) -> Result<Vec<Variant>> {
    let all = |a: Vec<String>| [Some(a.clone()), Some(a.clone()), Some(a)];
    Ok(match scenario {
        "codec" => {
            let a = words(&format!(
                "codec --inputs {} --scale {}",
                inputs.display(),
                sizes.codec_scale
            ));
            vec![Variant {
                name: "codec".into(),
                server: None,
                args: all(a),
            }]
        }
        "workqueue" => {
            let a = words(&format!("workqueue --n {}", sizes.wq_items));
            // kube-rs has no work queue (kube-runtime's controller schedules internally).
            vec![Variant {
                name: "workqueue".into(),
                server: None,
                args: [Some(a.clone()), Some(a), None],
            }]
        }
        "watch" => {
            let (p, e) = (sizes.watch_pods, sizes.watch_events);
            let a = words(&format!("watch --pods {p} --events {e}"));
            vec![Variant {
                name: "watch".into(),
                server: Some(words(&format!("serve --pods {p} --size 10 --events {e}"))),
                args: all(a),
            }]
        }
        "informer" => {
            let mut v = Vec::new();
            for &(p, kb) in sizes.informer_pods {
                for mode in ["list", "stream"] {
                    let a = words(&format!("informer --pods {p} --mode {mode}"));
                    let size = if kb == 2 {
                        String::new()
                    } else {
                        format!("_{kb}kb")
                    };
                    v.push(Variant {
                        name: format!("informer_{mode}_{}k{size}", p / 1000),
                        server: Some(words(&format!("serve --pods {p} --size {kb} --events 0"))),
                        args: all(a),
                    });
                }
            }
            v
        }
        "e2e" => {
            let a = words(&format!("e2e --namespace bench-e2e {}", sizes.e2e));
            vec![Variant {
                name: "e2e".into(),
                server: None,
                args: all(a),
            }]
        }
        other => bail!("unknown scenario {other:?} (scenarios: {})", ALL.join(", ")),
    })
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn run_cmd(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Builds the three sides; returns their executables.
fn build(root: &Path) -> Result<[PathBuf; 3]> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    println!("+ cargo build --release -p k8s-rs-bench");
    run_cmd(
        Command::new(&cargo).current_dir(root).args([
            "build",
            "--release",
            "-q",
            "-p",
            "k8s-rs-bench",
        ]),
        "cargo build -p k8s-rs-bench",
    )?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let bin = root.join("target/bench/bin");
    std::fs::create_dir_all(&bin)?;
    println!("+ go build (benches/peers/client-go)");
    let go_peer = bin.join("client-go-peer");
    run_cmd(
        Command::new("go")
            .current_dir(root.join("benches/peers/client-go"))
            .arg("build")
            .arg("-o")
            .arg(&go_peer)
            .arg("."),
        "go build of the client-go peer",
    )?;
    println!("+ cargo build --release (benches/peers/kube-rs)");
    let kube_dir = root.join("benches/peers/kube-rs");
    run_cmd(
        Command::new(&cargo)
            .current_dir(&kube_dir)
            .env_remove("CARGO_TARGET_DIR")
            .args(["build", "--release", "-q"]),
        "cargo build of the kube-rs peer",
    )?;
    Ok([
        target.join("release/k8s-rs-bench"),
        go_peer,
        kube_dir.join("target/release/kube-rs-peer"),
    ])
}

/// The replay server, until dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(exe: &Path, args: &[String]) -> Result<Server> {
        let mut child = Command::new(exe)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the replay server")?;
        let stdout = child.stdout.take().context("server stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        match url {
            Some(url) => Ok(Server { child, url }),
            None => {
                let _ = child.kill();
                bail!("the replay server said {line:?}, not `listening on URL`")
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one side once; a side that has not finished within `timeout` is killed and counted as
/// a failure (a hung peer must not stall the whole table).
fn run_side(
    exe: &Path,
    args: &[String],
    server: Option<&Server>,
    kubeconfig: Option<&str>,
    timeout: Duration,
) -> Result<Value> {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    if let Some(s) = server {
        cmd.args(["--server", &s.url]);
    }
    if let Some(k) = kubeconfig {
        cmd.env("KUBECONFIG", k);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("running {}", exe.display()))?;
    let mut stdout = child.stdout.take().context("side stdout")?;
    // The result is one line at the end; read it on a thread so a chatty side cannot block on a
    // full pipe while we wait.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} {} did not finish within {} s (killed; --timeout SECS to change)",
                exe.display(),
                args.join(" "),
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = match reader.join() {
        Ok(r) => r.context("reading the side's output")?,
        Err(_) => bail!("the output reader of {} panicked", exe.display()),
    };
    if !status.success() {
        bail!("{} {} failed ({status})", exe.display(), args.join(" "));
    }
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .context("no JSON result line")?;
    serde_json::from_str(line).with_context(|| format!("parsing {line:?}"))
}

/// The kubeconfig of the shared control plane, started if needed (never stopped here).
async fn plane_kubeconfig() -> Result<String> {
    let dir = k8s_testenv::shared_dir();
    let (plane, _) = k8s_testenv::ControlPlane::up(&dir)
        .await
        .context("starting the local control plane")?;
    Ok(plane.kubeconfig().display().to_string())
}

/// `cargo xtask bench …`.
pub async fn run(args: &[&str]) -> Result<()> {
    let mut runs = 5usize;
    let mut smoke = false;
    let mut timeout = Duration::from_secs(600);
    let mut scenarios = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--smoke" => smoke = true,
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).context("--runs N")?,
            "--timeout" => {
                let secs = it.next().and_then(|v| v.parse().ok());
                timeout = Duration::from_secs(secs.context("--timeout SECS")?);
            }
            s if ALL.contains(&s) => scenarios.push(s.to_string()),
            other => bail!(
                "unknown bench argument {other:?} (scenarios: {})",
                ALL.join(", ")
            ),
        }
    }
    if smoke {
        runs = 1;
    }
    if scenarios.is_empty() {
        scenarios = ALL.iter().map(|s| s.to_string()).collect();
    }
    let sizes = if smoke { &SMOKE } else { &FULL };
    let root = root();
    let out_dir = root.join("target/bench");
    let exes = build(&root)?;
    let inputs = out_dir.join("inputs");
    run_cmd(
        Command::new(&exes[0]).arg("gen").arg("--out").arg(&inputs),
        "generating the inputs",
    )?;
    let kubeconfig = if scenarios.iter().any(|s| s == "e2e") {
        Some(plane_kubeconfig().await?)
    } else {
        None
    };

    let mut summary = format!(
        "# k8s-rs peer benchmarks\n\n{} run(s) per side, alternating; median [min..max]; ratio = ours / peer \
         (for `_per_s` higher is better, for everything else lower is better).\n\n",
        runs
    );
    let mut failures = Vec::new();
    for scenario in &scenarios {
        for variant in variants(scenario, sizes, &inputs)? {
            println!("== {} ({runs} run(s) per side)", variant.name);
            let server = match &variant.server {
                Some(a) => Some(Server::start(&exes[0], a)?),
                None => None,
            };
            if variant.name == "e2e" {
                let mut setup = variant.args[0].clone().unwrap_or_default();
                setup[0] = "e2e-setup".into();
                let mut cmd = Command::new(&exes[0]);
                cmd.args(&setup)
                    .env("KUBECONFIG", kubeconfig.as_deref().unwrap_or_default());
                run_cmd(&mut cmd, "e2e setup")?;
            }
            let mut results: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
            for run in 0..runs {
                for (i, side) in SIDES.iter().enumerate() {
                    let Some(args) = &variant.args[i] else {
                        continue;
                    };
                    match run_side(
                        &exes[i],
                        args,
                        server.as_ref(),
                        kubeconfig.as_deref(),
                        timeout,
                    ) {
                        Ok(v) => results.entry(side).or_default().push(v),
                        Err(e) => {
                            eprintln!("{} run {run} of {side}: {e:#}", variant.name);
                            failures.push(format!("{} {side}: {e:#}", variant.name));
                        }
                    }
                }
            }
            drop(server);
            let t = table::Table::new(&variant.name, &results, &variant.args);
            print!("{}", t.markdown());
            summary += &t.markdown();
            summary.push('\n');
            failures.extend(t.mismatches.iter().cloned());
            let file = out_dir.join(format!("{}.json", variant.name));
            std::fs::write(
                &file,
                serde_json::to_vec_pretty(&json!({"runs": results, "summary": t.json()}))?,
            )?;
            let history = json!({
                "time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
                "commit": git_head(&root), "smoke": smoke, "variant": variant.name, "summary": t.json(),
            });
            use std::io::Write;
            let mut h = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(out_dir.join("history.jsonl"))?;
            writeln!(h, "{history}")?;
        }
    }
    std::fs::write(out_dir.join("summary.md"), &summary)?;
    println!("wrote {}", out_dir.join("summary.md").display());
    let plots = plot::history(&out_dir)?;
    println!(
        "drew {plots} history plot(s) in {}",
        out_dir.join("history").display()
    );
    if !failures.is_empty() {
        bail!(
            "{} problem(s):\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
    Ok(())
}

fn git_head(root: &Path) -> String {
    Command::new("git")
        .current_dir(root)
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
