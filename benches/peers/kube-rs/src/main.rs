//! `kube-rs-peer`: the kube-rs (kube 5 + k8s-openapi, `v1_37`) side of the k8s-rs peer
//! benchmarks (run by `cargo xtask bench`): the same scenarios as `benches/harness`, each
//! printing one JSON line `{"side","scenario","checks","metrics"}`.
//!
//! ```text
//! kube-rs-peer codec --inputs DIR [--scale F]
//! kube-rs-peer watch --server URL --pods N --events N
//! kube-rs-peer informer --server URL --pods N --mode list|stream
//! kube-rs-peer e2e --namespace NS --count N --gets N --lists N --patches N
//! ```

mod codec;
#[path = "../../../harness/src/common.rs"]
mod common;
mod e2e;
mod informer;

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::common::Flags;

/// The side named in every result line.
const SIDE: &str = "kube-rs";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kube-rs-peer: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let Some((scenario, rest)) = args.split_first() else {
        bail!("usage: kube-rs-peer <codec|informer|e2e> [--flag value …]");
    };
    let flags = Flags::parse(rest)?;
    // Same TLS provider as k8s-rs (ring), chosen explicitly: kube's features enable two.
    let _ = rustls::crypto::ring::default_provider().install_default();
    match scenario.as_str() {
        "codec" => {
            codec::run(&flags)?.emit("codec");
            Ok(())
        }
        "watch" => {
            informer::run_watch(&flags)?.emit("watch");
            Ok(())
        }
        "informer" => {
            informer::run_informer(&flags)?.emit("informer");
            Ok(())
        }
        "e2e" => {
            e2e::run(&flags)?.emit("e2e");
            Ok(())
        }
        other => bail!("unknown scenario {other:?}"),
    }
}
