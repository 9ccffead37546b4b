//! k8s-testenv's private planes: restart the apiserver with etcd's data kept, compact etcd so
//! that old resourceVersions are gone, and install CRDs (created, updated, refused, or never
//! established) without touching the shared plane.

use k8s_testenv::ControlPlane;

async fn get_json(http: &reqwest::Client, url: String) -> (u16, serde_json::Value) {
    let resp = http.get(url).send().await.unwrap();
    let code = resp.status().as_u16();
    (code, resp.json().await.unwrap())
}

#[tokio::test]
async fn apiserver_restart_keeps_data_and_compaction_expires_old_versions() {
    let mut plane = ControlPlane::start_private().await.unwrap();
    let info = plane.info();
    let ns = info.create_namespace("faults").await.unwrap();
    let http = k8s_rs_tests::admin_http(&info).unwrap();

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
    let http = k8s_rs_tests::admin_http(&info).unwrap();
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

const WIDGETS: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.faults.k8s-testenv.test
spec:
  group: faults.k8s-testenv.test
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
";

#[tokio::test]
async fn crds_are_installed_updated_and_their_failures_named() {
    let plane = ControlPlane::start_private().await.unwrap();
    let dir = plane.dir().join("crds");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("widgets.yaml");
    std::fs::write(&file, WIDGETS).unwrap();

    // Installed: established and served, so the first request works.
    let names = plane.install_crds(&file).await.unwrap();
    assert_eq!(names, ["widgets.faults.k8s-testenv.test"]);
    let info = plane.info();
    let ns = info.create_namespace("crds").await.unwrap();
    let http = k8s_rs_tests::admin_http(&info).unwrap();
    let url = format!(
        "{}/apis/faults.k8s-testenv.test/v1/namespaces/{ns}/widgets",
        info.server
    );
    let (code, list) = get_json(&http, url).await;
    assert_eq!(code, 200, "{list}");

    // Installed again with a change: updated in place.
    std::fs::write(
        &file,
        WIDGETS.replace("plural: widgets}", "plural: widgets, shortNames: [wd]}"),
    )
    .unwrap();
    plane.install_crds(&dir).await.unwrap();
    let (_, crd) = get_json(
        &http,
        format!(
            "{}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.faults.k8s-testenv.test",
            info.server
        ),
    )
    .await;
    assert_eq!(crd["spec"]["names"]["shortNames"][0], "wd", "{crd}");

    // Refused by the apiserver: the error names the CRD and carries the answer.
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        WIDGETS.replace("name: widgets.faults", "name: wrong.faults"),
    )
    .unwrap();
    let err = plane.install_crds(&bad).await.unwrap_err().to_string();
    assert!(
        err.contains("apply CustomResourceDefinition wrong.faults.k8s-testenv.test"),
        "{err}"
    );
    assert!(err.contains("422"), "{err}");

    // Accepted but never established (its kind is taken): a timeout naming it.
    let conflict = dir.join("conflict.yaml");
    std::fs::write(&conflict, WIDGETS.replace("widgets", "gadgets")).unwrap();
    std::fs::remove_file(&bad).unwrap();
    let err = plane.install_crds(&conflict).await.unwrap_err();
    assert!(
        matches!(&err, k8s_testenv::Error::CrdNotEstablished { name, .. } if name == "gadgets.faults.k8s-testenv.test"),
        "{err:?}"
    );
    assert!(err.to_string().contains("KindConflict"), "{err}");
}
