//! `sample-controller`: reconciles Foos into Deployments until Ctrl-C.
//!
//! ```text
//! sample-controller [kubectl's connection flags] [--workers N] [--no-leader-elect]
//!                   [--lease-namespace NS] [--identity ID] [--drain-timeout SECONDS]
//! ```
//! kubectl's connection flags ([`ConfigFlags`]: `--kubeconfig`, `--context`, `--cluster`,
//! `--user`, `--namespace`/`-n` (the namespace to watch; all by default), `--server`, `--token`,
//! `--certificate-authority`, `--tls-server-name`, `--insecure-skip-tls-verify`,
//! `--request-timeout`) choose the cluster: the kubeconfig (`--kubeconfig`, else `KUBECONFIG`,
//! else `~/.kube/config`) with those overrides, or the in-cluster configuration.
//! On Ctrl-C the workers get `--drain-timeout` seconds (default 10) to finish the queued keys;
//! what is left then is abandoned (the next start reconciles every Foo again).
//! Logs go to stderr; `RUST_LOG` filters them.

// `Foo` is the kind this controller reconciles, not a placeholder.
#![allow(clippy::disallowed_names)]

use std::time::Duration;

use k8s_client::HttpClient;
use k8s_client::config::ConfigFlags;
use sample_controller::{ControllerOptions, Error, LeaderOptions, install_crd};

const USAGE: &str = "usage: sample-controller [--kubeconfig PATH] [--context NAME] [-n NS] \
[--server URL] [--token TOKEN] [other kubectl connection flags] [--workers N] \
[--no-leader-elect] [--lease-namespace NS] [--identity ID] [--drain-timeout SECONDS]";

struct Args {
    kube: ConfigFlags,
    workers: usize,
    leader_elect: bool,
    lease_namespace: String,
    identity: Option<String>,
    drain_timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let (kube, rest) = ConfigFlags::extract(std::env::args().skip(1)).map_err(|e| e.to_string())?;
    let mut args = Args {
        kube,
        workers: 2,
        leader_elect: true,
        lease_namespace: "default".to_owned(),
        identity: None,
        drain_timeout: ControllerOptions::default().drain_timeout,
    };
    let mut it = rest.into_iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--workers" => {
                let v = value("--workers")?;
                args.workers = v
                    .parse()
                    .map_err(|_| format!("--workers: {v:?} is not a number"))?;
            }
            "--no-leader-elect" => args.leader_elect = false,
            "--lease-namespace" => args.lease_namespace = value("--lease-namespace")?,
            "--identity" => args.identity = Some(value("--identity")?),
            "--drain-timeout" => {
                let v = value("--drain-timeout")?;
                let secs: f64 = v
                    .parse()
                    .map_err(|_| format!("--drain-timeout: {v:?} is not a number of seconds"))?;
                args.drain_timeout = Duration::try_from_secs_f64(secs)
                    .map_err(|_| format!("--drain-timeout: {v:?} is not a duration"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Error> {
    let config = args.kube.to_config()?;
    let client = HttpClient::new(config)?;
    install_crd(&client, Duration::from_secs(30)).await?;
    let mut options = ControllerOptions {
        // Only the flag narrows the watch; the context's namespace does not.
        namespace: args.kube.namespace.clone(),
        drain_timeout: args.drain_timeout,
        ..ControllerOptions::default()
    };
    if let Some(identity) = &args.identity {
        options.instance = identity.clone();
    }
    let shutdown = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C: shutting down");
    };
    let leader = args.leader_elect.then(|| LeaderOptions {
        lease_namespace: args.lease_namespace,
        ..LeaderOptions::default()
    });
    sample_controller::run(client, options, leader, args.workers, shutdown).await
}
