//! The conformance suite (`k8s_rs_tests::conformance`) against the in-process fake API server
//! (`k8s-fake`): the same scenarios and assertions as `conformance_real.rs`. Every scenario the
//! real server passes must pass here, except the deviations listed below (each also in the
//! crate docs of `k8s_fake`, with its reason); a listed deviation that starts passing fails the
//! test too, so the list stays true.
//!
//! `CONFORMANCE_FILTER=watch cargo test -p k8s-rs-tests --test conformance_fake -- --nocapture`

use std::time::Instant;

use k8s_fake::FakeApiServer;
use k8s_rs_tests::conformance::{Target, Verdict, run};

/// Scenarios where the fake answers differently from the real server: (name, why). Empty:
/// every scenario of the suite passes on both. A difference found later is listed here with
/// its reason (and in the crate docs) until it is fixed.
const DEVIATIONS: &[(&str, &str)] = &[];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_passes_on_the_fake() {
    let fake = FakeApiServer::new();
    // As on a real plane older than ten minutes (conformance_real compacts its etcd at
    // revision 10): resourceVersion 1 is out of history.
    fake.tracker().compact();
    let filter = std::env::var("CONFORMANCE_FILTER")
        .ok()
        .filter(|f| !f.is_empty());
    let target = Target::new("fake", fake.client());
    let started = Instant::now();
    let report = run(&target, filter.as_deref()).await;
    println!("{report}");
    println!("wall time of the fake run: {:?}", started.elapsed());
    assert!(!report.results.is_empty(), "no scenario matched {filter:?}");
    let mut unexpected = Vec::new();
    for r in &report.results {
        let listed = DEVIATIONS.iter().any(|(n, _)| *n == r.name);
        match (&r.verdict, listed) {
            (Verdict::Failed(why), false) => unexpected.push(format!("{}: {why}", r.name)),
            (Verdict::Passed, true) => {
                unexpected.push(format!("{}: listed as a deviation but passes", r.name))
            }
            (Verdict::Skipped(why), _) => assert!(!why.trim().is_empty(), "{}", r.name),
            _ => {}
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
}
