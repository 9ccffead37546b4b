//! `k8s-rs-bench`: our side of the peer benchmarks (`cargo xtask bench` runs it against the
//! client-go peer in `benches/peers/client-go` and the kube-rs peer in `benches/peers/kube-rs`),
//! the deterministic input generator and the replay server.
//!
//! ```text
//! k8s-rs-bench gen --out DIR                         write the input files
//! k8s-rs-bench codec --inputs DIR [--scale F]         scenario 1: decode/encode
//! k8s-rs-bench workqueue [--n N]                      scenario 4: work queues
//! k8s-rs-bench serve --pods N --size 2|10 --events N  the replay server of scenarios 2 and 3
//! k8s-rs-bench watch --server URL --pods N --events N scenario 2: watch stream into an informer
//! k8s-rs-bench informer --server URL --pods N --mode list|stream
//!                                                     scenario 3: informer sync, memory, relist
//! k8s-rs-bench e2e-setup --namespace NS --count N     create the ConfigMaps of scenario 5
//! k8s-rs-bench e2e --namespace NS --count N --gets N --lists N --patches N [--metrics prometheus]
//!                                                     scenario 5: against the real control plane
//! ```
//! Each scenario prints one JSON line: `{"side","scenario","checks":{…},"metrics":{…}}`.

mod codec;
mod codec_ops;
mod common;
mod e2e;
mod informer;
mod inputs;
mod serve;
mod workqueue;

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::common::Flags;

/// The side named in every result line.
const SIDE: &str = "k8s-rs";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("k8s-rs-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((scenario, rest)) = args.split_first() else {
        bail!("usage: k8s-rs-bench <gen|codec|workqueue|serve|informer|e2e> [--flag value …]");
    };
    let flags = Flags::parse(rest)?;
    match scenario.as_str() {
        "gen" => inputs::write_inputs(std::path::Path::new(
            &flags.str("out", "target/bench/inputs"),
        )),
        "codec" => {
            codec::run(&flags)?.emit("codec");
            Ok(())
        }
        "workqueue" => {
            workqueue::run(&flags)?.emit("workqueue");
            Ok(())
        }
        "serve" => serve::run(&flags),
        "watch" => {
            informer::run_watch(&flags)?.emit("watch");
            Ok(())
        }
        "informer" => {
            informer::run_informer(&flags)?.emit("informer");
            Ok(())
        }
        "e2e-setup" => e2e::setup(&flags),
        "e2e" => {
            e2e::run(&flags)?.emit("e2e");
            Ok(())
        }
        other => bail!("unknown scenario {other:?}"),
    }
}
