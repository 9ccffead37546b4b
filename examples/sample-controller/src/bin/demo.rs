//! The README's main job, run by `cargo xtask demo` (which starts the local control plane
//! unless given a cluster, then runs this binary against it):
//!
//! ```text
//! cargo run -p sample-controller --bin demo -- --kubeconfig PATH [--foos N] [--workers N]
//!                                               [--kubectl PATH] [--local]
//! ```
//!
//! Runs the sample controller in this process under leader election on the cluster of
//! `--kubeconfig` (or `KUBECONFIG`), creates a few Foos and shows the controller reconciling
//! them in a live table; then scales one, deletes a Deployment by hand and deletes a Foo, and
//! shows each converge. Ends with a hint on how to look at what the controller did (with the
//! `kubectl` of `--kubectl`), and, with `--local` (the cluster is the local plane), how to stop it.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::Namespace;
use k8s_api::events::v1::Event;
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, ListOptions, ObjectMeta, PatchOptions, PatchType,
};
use k8s_client::config::KubeconfigOptions;
use k8s_client::{Api, Config, HttpClient};
use sample_controller::v1alpha1::Foo;
use sample_controller::{Controller, ControllerOptions, LeaderOptions};
use tokio::sync::oneshot;

const NAMESPACE: &str = "demo";

struct Args {
    kubeconfig: Option<PathBuf>,
    foos: usize,
    workers: usize,
    kubectl: String,
    local: bool,
}

fn parse(args: &[&str]) -> Result<Args> {
    let mut out = Args {
        kubeconfig: std::env::var_os("KUBECONFIG").map(PathBuf::from),
        foos: 5,
        workers: 2,
        kubectl: "kubectl".to_owned(),
        local: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match *flag {
            "--kubeconfig" => out.kubeconfig = Some(PathBuf::from(value()?)),
            "--foos" => out.foos = value()?.parse().context("--foos: not a number")?,
            "--workers" => out.workers = value()?.parse().context("--workers: not a number")?,
            "--kubectl" => out.kubectl = value()?.to_string(),
            "--local" => out.local = true,
            other => bail!(
                "unknown demo flag {other:?}: use --kubeconfig PATH, --foos N, --workers N, \
                 --kubectl PATH, --local"
            ),
        }
    }
    if out.foos == 0 {
        bail!("--foos must be at least 1");
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<()> {
    // The demo draws a live table: only warnings go to the log unless RUST_LOG asks for more.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args).await
}

/// Runs the demo.
async fn run(args: &[&str]) -> Result<()> {
    let args = parse(args)?;
    let local = args.local;
    let Some(kubeconfig) = args.kubeconfig.clone() else {
        bail!(
            "no cluster: pass --kubeconfig PATH or set KUBECONFIG (`cargo xtask demo` starts a local plane)"
        );
    };
    println!("using the cluster of {}", kubeconfig.display());
    let config = Config::from_kubeconfig(&KubeconfigOptions {
        path: Some(kubeconfig.clone()),
        ..Default::default()
    })
    .with_context(|| format!("loading {}", kubeconfig.display()))?;
    let client = HttpClient::new(config)?;

    sample_controller::install_crd(&client, Duration::from_secs(30)).await?;
    ensure_namespace(&client).await?;
    println!(
        "installed CRD {}; namespace {NAMESPACE:?}",
        sample_controller::CRD_NAME
    );

    // The controller, as its binary runs it: events, leader election, N workers.
    let broadcaster = k8s_client::events::EventBroadcaster::new(client.clone())?;
    let options = ControllerOptions {
        namespace: Some(NAMESPACE.to_owned()),
        ..ControllerOptions::default()
    };
    let identity = options.instance.clone();
    let identity_for_events = identity.clone();
    let controller = Arc::new(Controller::with_recorder(
        client.clone(),
        options,
        Some(broadcaster.new_recorder(sample_controller::CONTROLLER_NAME, &identity)),
    ));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(sample_controller::run_with_leader_election(
        controller.clone(),
        client.clone(),
        LeaderOptions {
            lease_namespace: NAMESPACE.to_owned(),
            ..LeaderOptions::default()
        },
        identity,
        args.workers,
        async {
            let _ = stopped.await;
        },
    ));

    let foos = Api::<Foo>::namespaced(client.clone(), NAMESPACE);
    let deployments = Api::<Deployment>::namespaced(client.clone(), NAMESPACE);
    let view = View::new(&client, &controller);

    step(&format!(
        "create {} Foos (foo-i asks for Deployment web-i with i replicas)",
        args.foos
    ));
    for i in 1..=args.foos {
        let manifest = serde_json::json!({
            "apiVersion": "samplecontroller.k8s.io/v1alpha1",
            "kind": "Foo",
            "metadata": {"name": format!("foo-{i}")},
            "spec": {"deploymentName": format!("web-{i}"), "replicas": i},
        });
        foos.apply(&format!("foo-{i}"), &manifest, "k8s-rs-demo", true)
            .await?;
    }
    view.until_converged().await?;

    step("scale foo-1 to 3 replicas");
    foos.patch(
        "foo-1",
        PatchType::Merge,
        &serde_json::json!({"spec": {"replicas": 3}}),
        &PatchOptions::default(),
    )
    .await?;
    view.until_converged().await?;

    if args.foos >= 2 {
        step("delete Deployment web-2 by hand (the controller recreates it)");
        deployments
            .delete("web-2", &DeleteOptions::default())
            .await?;
        view.until_converged().await?;
    }
    if args.foos >= 3 {
        let last = args.foos;
        step(&format!(
            "delete foo-{last} (its finalizer deletes Deployment web-{last})"
        ));
        foos.delete(&format!("foo-{last}"), &DeleteOptions::default())
            .await?;
        view.until_converged().await?;
    }

    step("stop the controller (drain the queue, release the lease)");
    let _ = stop.send(());
    match tokio::time::timeout(Duration::from_secs(30), task).await {
        Ok(Ok(result)) => result?,
        Ok(Err(e)) => bail!("the controller task failed: {e}"),
        Err(_) => bail!("the controller did not stop within 30 s"),
    }
    broadcaster.flush().await;
    broadcaster.shutdown();
    let stats = controller.stats();
    println!(
        "controller: {} reconciles, {} writes, {} Deployments created, {} retries",
        stats.syncs, stats.writes, stats.created, stats.failures
    );
    print_events(&client, &identity_for_events).await?;

    println!("\nLook around:");
    let kubectl = &args.kubectl;
    println!(
        "  {kubectl} --kubeconfig {} -n {NAMESPACE} get foos,deployments,events",
        kubeconfig.display()
    );
    println!(
        "  cargo run -p sample-controller -- --kubeconfig {} --namespace {NAMESPACE}   # run the controller again",
        kubeconfig.display()
    );
    if local {
        println!("Stop the control plane with: cargo xtask cluster down");
    }
    Ok(())
}

fn step(what: &str) {
    println!("\n==> {what}");
}

/// Creates the demo namespace unless it exists.
async fn ensure_namespace(client: &HttpClient) -> Result<()> {
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(NAMESPACE.to_owned().into()),
            ..Default::default()
        },
        ..Default::default()
    };
    match Api::<Namespace>::all(client.clone())
        .create(&ns, &CreateOptions::default())
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.is_already_exists() => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Prints how many events this run of the controller recorded, by reason.
async fn print_events(client: &HttpClient, instance: &str) -> Result<()> {
    let events = Api::<Event>::namespaced(client.clone(), NAMESPACE)
        .list(&ListOptions::default())
        .await?;
    let mut by_reason: BTreeMap<String, i64> = BTreeMap::new();
    for e in &events.items {
        if e.reporting_controller.as_deref() != Some(sample_controller::CONTROLLER_NAME)
            || e.reporting_instance.as_deref() != Some(instance)
        {
            continue;
        }
        let count = e.series.as_ref().map_or(1, |s| i64::from(s.count));
        *by_reason
            .entry(e.reason.clone().unwrap_or_default().into())
            .or_default() += count;
    }
    let summary: Vec<String> = by_reason.iter().map(|(r, n)| format!("{r} ×{n}")).collect();
    println!("events: {}", summary.join(", "));
    Ok(())
}

/// The live table of Foos and their Deployments.
struct View {
    foos: Api<Foo>,
    deployments: Api<Deployment>,
    controller: Arc<Controller>,
    tty: bool,
}

/// One Foo's line: what it wants and what exists.
#[derive(PartialEq)]
struct Row {
    foo: String,
    deployment: String,
    desired: Option<i32>,
    actual: Option<i32>,
    status: Option<i32>,
    owned: bool,
    deleting: bool,
}

impl Row {
    fn converged(&self) -> bool {
        !self.deleting && self.owned && self.actual == self.desired && self.status == self.desired
    }
}

impl View {
    fn new(client: &HttpClient, controller: &Arc<Controller>) -> Self {
        View {
            foos: Api::namespaced(client.clone(), NAMESPACE),
            deployments: Api::namespaced(client.clone(), NAMESPACE),
            controller: controller.clone(),
            tty: std::io::stdout().is_terminal(),
        }
    }

    async fn rows(&self) -> Result<(Vec<Row>, usize)> {
        let foos = self.foos.list(&ListOptions::default()).await?.items;
        let deployments = self.deployments.list(&ListOptions::default()).await?.items;
        let by_name: BTreeMap<&str, &Deployment> = deployments
            .iter()
            .filter(|d| d.metadata.deletion_timestamp.is_none())
            .map(|d| (d.metadata.name.as_deref().unwrap_or_default(), d))
            .collect();
        let mut rows: Vec<Row> = foos
            .iter()
            .map(|f| {
                let deployment = f
                    .spec
                    .as_ref()
                    .map(|s| s.deployment_name.clone())
                    .unwrap_or_default();
                let d = by_name.get(deployment.as_str());
                Row {
                    foo: f.metadata.name.clone().unwrap_or_default().into(),
                    desired: f.spec.as_ref().and_then(|s| s.replicas),
                    actual: d.and_then(|d| d.spec.replicas),
                    status: f.status.as_ref().and_then(|s| s.deployment_replicas),
                    owned: d.is_some_and(|d| {
                        d.metadata.controller_ref().is_some_and(|r| r.refers_to(f))
                    }),
                    deleting: f.metadata.deletion_timestamp.is_some(),
                    deployment: deployment.into(),
                }
            })
            .collect();
        rows.sort_by(|a, b| a.foo.cmp(&b.foo));
        let orphans = by_name
            .len()
            .saturating_sub(rows.iter().filter(|r| r.owned).count());
        Ok((rows, orphans))
    }

    fn render(&self, rows: &[Row], orphans: usize, elapsed: Duration) -> Vec<String> {
        let show = |v: Option<i32>| v.map_or("-".to_owned(), |v| v.to_string());
        let mut lines = vec![format!(
            "{:<10} {:<12} {:>7} {:>11} {:>14}  {}",
            "FOO", "DEPLOYMENT", "DESIRED", "DEPLOYMENT", "STATUS.REPLICAS", "STATE"
        )];
        for r in rows {
            let state = if r.deleting {
                "deleting"
            } else if r.converged() {
                "in sync"
            } else if !r.owned && r.actual.is_some() {
                "not owned"
            } else {
                "reconciling…"
            };
            lines.push(format!(
                "{:<10} {:<12} {:>7} {:>11} {:>14}  {}",
                r.foo,
                r.deployment,
                show(r.desired),
                show(r.actual),
                show(r.status),
                state
            ));
        }
        let stats = self.controller.stats();
        lines.push(format!(
            "[{:>5.1}s] reconciles {}  writes {}  created {}  retries {}  queued {}  orphan Deployments {}",
            elapsed.as_secs_f64(),
            stats.syncs,
            stats.writes,
            stats.created,
            stats.failures,
            self.controller.queue_len(),
            orphans
        ));
        lines
    }

    /// Redraws the table until every Foo is in sync (or 60 s pass).
    async fn until_converged(&self) -> Result<()> {
        let start = Instant::now();
        let mut drawn = 0usize;
        let mut last: Vec<String> = Vec::new();
        loop {
            let (rows, orphans) = self.rows().await?;
            let done = rows.iter().all(Row::converged) && orphans == 0;
            let lines = self.render(&rows, orphans, start.elapsed());
            let changed = lines[..lines.len() - 1] != last[..last.len().saturating_sub(1)];
            let mut out = std::io::stdout().lock();
            if self.tty {
                // Move up over the previous table and draw over it.
                if drawn > 0 {
                    write!(out, "\x1b[{drawn}A")?;
                }
                for line in &lines {
                    writeln!(out, "\x1b[2K{line}")?;
                }
                drawn = lines.len();
            } else if changed || done {
                for line in &lines {
                    writeln!(out, "{line}")?;
                }
            }
            out.flush()?;
            last = lines;
            if done {
                return Ok(());
            }
            if start.elapsed() > Duration::from_secs(60) {
                bail!("the Foos did not converge within 60 s");
            }
            drop(out);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}
