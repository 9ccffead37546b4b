//! The conformance suite (`k8s_rs_tests::conformance`) against the real kube-apiserver v1.37.2
//! of the shared test plane: every scenario must pass (a skip is allowed only with its reason).
//!
//! `CONFORMANCE_FILTER=watch cargo test -p k8s-rs-tests --test conformance_real -- --nocapture`
//! runs one area (or the scenarios whose name contains the filter) and prints the table.

use std::time::Instant;

use k8s_rs_tests::conformance::{Target, Verdict, run};
use k8s_testenv::{ControlPlane, TestEnv, shared_dir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The revision below which etcd forgets history before the run (see `compact_early_history`).
const COMPACT_AT: u64 = 10;

/// Compacts the shared plane's etcd at revision 10, so that resourceVersion 1 is out of history
/// as it is on any plane older than ten minutes (the apiserver compacts every five minutes,
/// keeping the last five). Revision 10 is long past on a plane that answers requests, so no
/// other test loses anything; a plane already compacted further answers "required revision has
/// been compacted", which is fine.
async fn compact_early_history() {
    let plane = ControlPlane::attach(&shared_dir())
        .expect("read the shared plane's state")
        .expect("TestEnv::new started the shared plane");
    let url = plane.etcd_url();
    let authority = url.trim_start_matches("http://").to_string();
    let body = format!(r#"{{"revision":"{COMPACT_AT}","physical":true}}"#);
    let request = format!(
        "POST /v3/kv/compaction HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(&authority)
        .await
        .expect("connect to etcd");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200")
            || answer.contains("required revision has been compacted"),
        "etcd compaction at revision {COMPACT_AT}: {answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_passes_on_the_real_apiserver() {
    let env = TestEnv::new("conformance").await.unwrap();
    compact_early_history().await;
    let filter = std::env::var("CONFORMANCE_FILTER")
        .ok()
        .filter(|f| !f.is_empty());
    let target = Target::new("real", env.client().unwrap());
    let started = Instant::now();
    let report = run(&target, filter.as_deref()).await;
    println!("{report}");
    println!("wall time of the real run: {:?}", started.elapsed());
    assert!(!report.results.is_empty(), "no scenario matched {filter:?}");
    for r in report.skipped() {
        let Verdict::Skipped(why) = &r.verdict else {
            unreachable!()
        };
        assert!(
            !why.trim().is_empty(),
            "{} was skipped without a reason",
            r.name
        );
    }
    assert!(
        report.is_success(),
        "failed scenarios:\n{}",
        report.failures()
    );
}
