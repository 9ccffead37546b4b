#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! Many concurrent requests and watches share HTTP/2 connections: 200 concurrent GETs plus 20
//! open watches through one `HttpClient` use a handful of TCP connections, not 220.
//!
//! This file holds one test so that the connections counted (this process's sockets to the
//! apiserver, from `/proc/self/fd` and `/proc/net/tcp{,6}`) are this test's only. With HTTP/2
//! disabled the same client opens a connection per request in flight.

use std::collections::HashSet;

use futures::StreamExt;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{GetOptions, ListOptions};
use k8s_client::Api;
use k8s_testenv::TestEnv;

/// This process's established TCP connections to `port`.
fn connections_to(port: u16) -> usize {
    let inodes: HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().to_string();
            l.strip_prefix("socket:[")?
                .strip_suffix(']')
                .map(str::to_string)
        })
        .collect();
    let mut n = 0;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 10 {
                continue;
            }
            let remote_port = cols[2]
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            let established = cols[3] == "01";
            if established && remote_port == Some(port) && inodes.contains(cols[9]) {
                n += 1;
            }
        }
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_requests_share_connections() {
    let env = TestEnv::new("h2-sharing").await.unwrap();
    let port: u16 = env
        .plane()
        .server
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let client = env.plane().client().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), env.namespace());

    // 20 watches stay open while 200 GETs run at once.
    let mut watches = Vec::new();
    for _ in 0..20 {
        let opts = ListOptions {
            timeout_seconds: Some(60),
            ..ListOptions::default()
        };
        watches.push(api.watch(&opts).await.unwrap().boxed());
    }
    let results = futures::future::join_all((0..200).map(|_| {
        let api = api.clone();
        async move { api.list(&ListOptions::default()).await }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok));
    let n = connections_to(port);
    eprintln!("200 concurrent GETs + 20 watches: {n} TCP connection(s) to the apiserver");
    assert!(n >= 1, "the requests went somewhere");
    assert!(
        n <= 4,
        "HTTP/2 multiplexes: {n} connections for 220 streams"
    );
    assert_eq!(
        client.http2_connections(),
        1,
        "every request and watch went over the transport's one HTTP/2 connection"
    );
    // The connection still serves requests while the watches are open.
    let err = api
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    drop(watches);

    // With HTTP/2 disabled (client-go's DISABLE_HTTP2), each request in flight takes a
    // connection of its own: 5 open watches + concurrent GETs need at least 6.
    let before = connections_to(port);
    let mut config = env.plane().config_at(&env.plane().server).unwrap();
    config.disable_http2 = true;
    let h1_client = k8s_client::HttpClient::new(config).unwrap();
    let h1: Api<ConfigMap> = Api::namespaced(h1_client.clone(), env.namespace());
    let mut watches = Vec::new();
    for _ in 0..5 {
        let opts = ListOptions {
            timeout_seconds: Some(60),
            ..ListOptions::default()
        };
        watches.push(h1.watch(&opts).await.unwrap().boxed());
    }
    let results = futures::future::join_all((0..20).map(|_| {
        let api = h1.clone();
        async move { api.list(&ListOptions::default()).await }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok));
    let added = connections_to(port).saturating_sub(before);
    eprintln!("HTTP/1.1: 20 concurrent GETs + 5 watches: {added} more TCP connection(s)");
    assert!(
        added >= 6,
        "HTTP/1.1 cannot multiplex: only {added} new connections"
    );
    assert_eq!(h1_client.http2_connections(), 0);
    drop(watches);
}
