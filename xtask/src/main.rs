//! `cargo xtask` — project automation for k8s-rs.
//!
//! ```text
//! cargo xtask cluster up       build (cached) and start the local control plane, or reuse it
//! cargo xtask cluster down     stop the processes it started and remove its files
//! cargo xtask cluster status   pids, URL, kubeconfig, readiness
//! cargo xtask cluster env      `export KUBECONFIG=…` for a shell
//! cargo xtask cluster gen-tools rewrite the Go tools modules that build the plane
//! cargo xtask test             lints + every test against the local control plane (CI runs this)
//! cargo xtask api-check        no reqwest/hyper/hyper-util/h2 type in a library crate's public API
//! cargo xtask demo             the main job: the sample controller reconciling Foos on the local plane
//! cargo xtask codegen          regenerate api/src/generated from the Kubernetes OpenAPI spec
//! cargo xtask bench [scenario…] k8s-rs vs client-go vs kube-rs, alternating runs, ratios
//! ```

mod api_check;
mod bench;
mod ci;
mod cluster;
mod codegen;
mod demo;
mod gen_tools;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  cluster up|down|status|env   manage the local control plane (kube-apiserver v1.37.2 + etcd v3.7.0)
  cluster gen-tools            rewrite tools/*/go.mod from k8s.io/kubernetes's go.mod, then go mod tidy
  test [--no-lint]             fmt + clippy and docs (every feature set) + api-check + codegen checks
                               + all tests (default and all features) against the local control plane
  api-check [--manifest-path PATH]
                               fail if a public item of a library crate mentions a reqwest, hyper,
                               hyper-util or h2 type (rustdoc JSON: needs a nightly toolchain)
  demo [--kubeconfig PATH] [--foos N] [--workers N]
                               run the sample controller on the local plane (or KUBECONFIG's cluster)
                               and watch it reconcile Foos
  codegen [--check] [--spec DIR | --from-cluster] [--out DIR]
                               generate the k8s-api types from the Kubernetes OpenAPI v3 spec
  bench [--runs N] [--smoke] [--timeout SECS] [codec|workqueue|watch|informer|e2e …]
                               peer benchmarks: k8s-rs vs client-go vs kube-rs (target/bench/)";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &[String]) -> Result<()> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["cluster", "gen-tools"] => gen_tools::run(),
        ["cluster", sub] => cluster::run(sub).await,
        ["test", rest @ ..] => test(rest).await,
        ["api-check", rest @ ..] => api_check::run(rest),
        ["demo", rest @ ..] => demo::run(rest).await,
        ["codegen", rest @ ..] => codegen::run(rest).await,
        ["bench", rest @ ..] => bench::run(rest).await,
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown command {:?}\n\n{USAGE}", args.join(" ")),
    }
}

/// Lints, then every test of the workspace against the shared plane; stops the plane when this
/// run started it.
async fn test(flags: &[&str]) -> Result<()> {
    let lint = match flags {
        [] => true,
        ["--no-lint"] => false,
        _ => bail!("unknown flags for `test`: {flags:?}\n\n{USAGE}"),
    };
    // Relative paths below (and the CRD path recorded in the generated file) are from the root.
    std::env::set_current_dir(codegen::workspace_root())
        .context("changing to the workspace root")?;
    if lint {
        cargo(&["fmt", "--all", "--", "--check"])?;
        // Every feature combination we ship, linted; the docs with broken links denied.
        ci::lint()?;
        ci::docs()?;
        // No reqwest/hyper/h2 type in a public signature of a library crate.
        println!("+ cargo xtask api-check");
        api_check::run(&[])?;
        // Generated code must be exactly what the generator writes today.
        println!("+ cargo xtask codegen --check");
        codegen::run(&["--check"])
            .await
            .context("generated code is stale: run `cargo xtask codegen` and commit the result")?;
        for (crd, out) in [
            (
                "examples/sample-controller/crd/foo.yaml",
                "examples/sample-controller/src/generated.rs",
            ),
            (
                "controller/examples/greeting/crd.yaml",
                "controller/examples/greeting/types.rs",
            ),
        ] {
            println!("+ cargo xtask codegen --crd {crd} --out {out} --check");
            codegen::run(&["--crd", crd, "--out", out, "--check"])
                .await
                .with_context(|| {
                    format!("{out} is stale: run `cargo xtask codegen --crd {crd} --out {out}`")
                })?;
        }
        // The generator builds and restores its output on a tree whose output is broken.
        println!("+ regenerate from a broken tree");
        ci::regenerate_from_broken_tree(&codegen::workspace_root())?;
    }
    let dir = k8s_testenv::shared_dir();
    let (plane, started) = k8s_testenv::ControlPlane::up(&dir)
        .await
        .context("starting the local control plane")?;
    println!(
        "control plane {} at {} ({})",
        if started { "started" } else { "reused" },
        plane.server(),
        plane.kubeconfig().display()
    );
    let mut result = cargo(&["test", "--locked", "--workspace", "--all-targets"])
        .and_then(|()| ci::test_all_features())
        .and_then(|()| cargo(&["test", "--locked", "--workspace", "--doc"]))
        .and_then(|()| cargo(&["test", "--locked", "--workspace", "--doc", "--all-features"]));
    if result.is_ok() {
        // The README's main job, on this plane (never on the caller's KUBECONFIG cluster).
        println!(
            "+ cargo xtask demo --kubeconfig {}",
            plane.kubeconfig().display()
        );
        let kubeconfig = plane.kubeconfig().display().to_string();
        result = demo::run(&["--kubeconfig", &kubeconfig]).await;
    }
    if started {
        k8s_testenv::down(&dir)
            .await
            .context("stopping the local control plane")?;
        println!("control plane stopped");
    }
    result
}

fn cargo(args: &[&str]) -> Result<()> {
    ci::cargo(args, &[])
}
