//! The fixture's fault tools on a private plane: restart the apiserver with etcd's data kept,
//! and compact etcd so that old resourceVersions are gone.

use k8s_rs_tests::fixture::{PlaneInfo, private_plane};

async fn get_json(http: &reqwest::Client, url: String) -> (u16, serde_json::Value) {
    let resp = http.get(url).send().await.unwrap();
    let code = resp.status().as_u16();
    (code, resp.json().await.unwrap())
}

#[tokio::test]
async fn apiserver_restart_keeps_data_and_compaction_expires_old_versions() {
    let mut plane = private_plane().await.unwrap();
    let info = PlaneInfo::of(&plane);
    let ns = info.create_namespace("faults").await.unwrap();
    let http = info.admin_http().unwrap();

    // A ConfigMap, then a change to it: two resourceVersions.
    let url = format!("{}/api/v1/namespaces/{ns}/configmaps", info.server);
    let created: serde_json::Value = http
        .post(&url)
        .json(&serde_json::json!({"metadata": {"name": "cm"}, "data": {"a": "1"}}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_rv = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    http.patch(format!("{url}/cm"))
        .header("Content-Type", "application/merge-patch+json")
        .body(r#"{"data":{"a":"2"}}"#)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();

    // Restart the apiserver alone: same URL, the objects are still there.
    let (etcd_pid, old_apiserver_pid) = plane.pids();
    plane.stop_apiserver();
    assert!(
        http.get(format!("{url}/cm")).send().await.is_err(),
        "apiserver should be down"
    );
    plane.start_apiserver().await.unwrap();
    let (etcd_pid_after, new_apiserver_pid) = plane.pids();
    assert_eq!(etcd_pid, etcd_pid_after);
    assert_ne!(old_apiserver_pid, new_apiserver_pid);
    let http = info.admin_http().unwrap();
    let (code, cm) = get_json(&http, format!("{url}/cm")).await;
    assert_eq!(code, 200);
    assert_eq!(cm["data"]["a"], "2");

    // Compact etcd: a watch from the first resourceVersion is now too old.
    let revision = plane.compact_etcd().await.unwrap();
    assert!(revision >= first_rv.parse::<i64>().unwrap());
    // A plain list at an exact compacted revision must be refused with 410 Gone.
    let (list_code, list) = get_json(
        &http,
        format!("{url}?resourceVersion={first_rv}&resourceVersionMatch=Exact"),
    )
    .await;
    assert_eq!(list_code, 410, "list at compacted revision: {list}");
    assert_eq!(list["reason"], "Expired", "{list}");
}
