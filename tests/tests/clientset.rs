#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! The generated typed clientset and the typed informer-factory accessors against the real
//! apiserver: `clientset.core_v1().pods(ns)`, `apps_v1().deployments(ns)` with the `scale`
//! subresource, cluster-scoped accessors, `""` as all namespaces, and
//! `factory.core_v1().config_maps().informer()` / `.lister()`.

use k8s_apimachinery::{CompactString, LiteMap};
use std::time::Duration;

use k8s_api::apps::v1::{Deployment, DeploymentSpec};
use k8s_api::autoscaling::v1::Scale;
use k8s_api::core::v1::{ConfigMap, Container, Pod, PodSpec, PodTemplateSpec};
use k8s_apimachinery::selector::Selector;
use k8s_apimachinery::{CreateOptions, GetOptions, LabelSelector, ListOptions, ObjectMeta};
use k8s_client::config::TlsConfig;
use k8s_client::{Clientset, Config, HttpClient, SecretBytes};
use k8s_informers::SharedInformerFactory;
use k8s_testenv::{PlaneInfo, TestEnv};

fn admin_config(plane: &PlaneInfo) -> Config {
    let pki = &plane.pki;
    let mut config = Config::new(&plane.server);
    config.qps = -1.0;
    config.tls = TlsConfig {
        ca_data: Some(std::fs::read(&pki.ca_cert).unwrap()),
        client_cert: Some(std::fs::read(&pki.admin_cert).unwrap()),
        client_key: Some(SecretBytes::new(std::fs::read(&pki.admin_key).unwrap())),
        ..TlsConfig::default()
    };
    config
}

fn labels(pairs: &[(&str, &str)]) -> Option<LiteMap<CompactString, CompactString>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    )
}

fn config_map(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: labels(&[("app", "clientset")]),
            ..ObjectMeta::default()
        },
        data: labels(&[("v", value)]),
        ..ConfigMap::default()
    }
}

fn pod_spec() -> PodSpec {
    PodSpec {
        containers: vec![Container {
            name: "main".into(),
            image: Some("registry.k8s.io/pause:3.10".into()),
            ..Container::default()
        }],
        ..PodSpec::default()
    }
}

fn names<K: k8s_apimachinery::HasMetadata>(items: &[K]) -> Vec<String> {
    items
        .iter()
        .map(|o| {
            o.object_meta()
                .name
                .as_deref()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn core_v1_config_maps_and_pods() {
    let env = TestEnv::new("clientset").await.unwrap();
    let ns = env.namespace();
    let clientset = Clientset::new(admin_config(env.plane())).unwrap();
    let core = clientset.core_v1();

    // ConfigMaps: create, get, list by label.
    let cms = core.config_maps(ns);
    let created = cms
        .create(&config_map("settings", "1"), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.metadata.namespace.as_deref(), Some(ns));
    let got = cms.get("settings", &GetOptions::default()).await.unwrap();
    assert_eq!(got.data, labels(&[("v", "1")]));
    assert_eq!(got.metadata.uid, created.metadata.uid);
    let listed = cms
        .list(&ListOptions::default().labels("app=clientset"))
        .await
        .unwrap();
    assert_eq!(names(&listed.items), ["settings"]);

    // Pods: create, get, list; no kubelet, so they stay Pending.
    let pods = core.pods(ns);
    let pod = Pod {
        metadata: ObjectMeta::named("example"),
        spec: pod_spec(),
        ..Pod::default()
    };
    pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let got = pods.get("example", &GetOptions::default()).await.unwrap();
    assert_eq!(got.spec.containers[0].name, "main");
    assert_eq!(got.metadata.namespace.as_deref(), Some(ns));
    let listed = pods.list(&ListOptions::default()).await.unwrap();
    assert_eq!(names(&listed.items), ["example"]);

    // `""` is all namespaces, as in client-go.
    let everywhere = core.pods("").list(&ListOptions::default()).await.unwrap();
    assert!(
        everywhere
            .items
            .iter()
            .any(|p| p.metadata.namespace.as_deref() == Some(ns)
                && p.metadata.name.as_deref() == Some("example")),
        "pods(\"\") did not list {ns}/example"
    );
    assert_eq!(core.pods("").namespace(), None);
    assert_eq!(pods.namespace(), Some(ns));

    // A clientset over an existing transport reaches the same objects.
    let again = Clientset::from_client(HttpClient::new(admin_config(env.plane())).unwrap());
    let got = again
        .core_v1()
        .config_maps(ns)
        .get("settings", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(got.metadata.uid, created.metadata.uid);
}

#[tokio::test]
async fn apps_v1_deployments_and_scale() {
    let env = TestEnv::new("clientset-apps").await.unwrap();
    let ns = env.namespace();
    let clientset = Clientset::new(admin_config(env.plane())).unwrap();
    let deployments = clientset.apps_v1().deployments(ns);
    let app = labels(&[("app", "web")]);
    let deployment = Deployment {
        metadata: ObjectMeta::named("web"),
        spec: DeploymentSpec {
            replicas: Some(2),
            selector: LabelSelector {
                match_labels: app.clone(),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: app,
                    ..ObjectMeta::default()
                },
                spec: pod_spec(),
            },
            ..DeploymentSpec::default()
        },
        ..Deployment::default()
    };
    let created = deployments
        .create(&deployment, &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created.metadata.name.as_deref(), Some("web"));

    let scale: serde_json::Value = deployments.get_subresource("scale", "web").await.unwrap();
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["apiVersion"], "autoscaling/v1");
    assert_eq!(scale["spec"]["replicas"], 2);
    // The same, typed.
    let scale: Scale = deployments.get_subresource("scale", "web").await.unwrap();
    assert_eq!(scale.spec.replicas, Some(2));
    assert_eq!(scale.metadata.name.as_deref(), Some("web"));

    let listed = deployments.list(&ListOptions::default()).await.unwrap();
    assert_eq!(names(&listed.items), ["web"]);
}

#[tokio::test]
async fn cluster_scoped_accessors() {
    let env = TestEnv::new("clientset-cluster").await.unwrap();
    let ns = env.namespace();
    let clientset = Clientset::new(admin_config(env.plane())).unwrap();

    let namespace = clientset
        .core_v1()
        .namespaces()
        .get(ns, &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(namespace.metadata.name.as_deref(), Some(ns));
    assert_eq!(clientset.core_v1().namespaces().namespace(), None);

    let roles = clientset
        .rbac_v1()
        .cluster_roles()
        .list(&ListOptions::default())
        .await
        .unwrap();
    let role_names = names(&roles.items);
    assert!(
        role_names.iter().any(|n| n == "cluster-admin"),
        "{role_names:?}"
    );
    // A bootstrap ClusterRole has rules (decoded into the typed PolicyRule).
    let admin = roles
        .items
        .iter()
        .find(|r| r.metadata.name.as_deref() == Some("cluster-admin"))
        .unwrap();
    assert!(admin.rules.as_ref().is_some_and(|r| !r.is_empty()));

    // Another group: the apiextensions client of the same clientset.
    clientset
        .apiextensions_v1()
        .custom_resource_definitions()
        .list(&ListOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn factory_typed_informer_and_lister() {
    let env = TestEnv::new("clientset-informers").await.unwrap();
    let ns = env.namespace();
    let clientset = Clientset::new(admin_config(env.plane())).unwrap();
    let cms = clientset.core_v1().config_maps(ns);
    for (name, v) in [("a", "1"), ("b", "2")] {
        cms.create(&config_map(name, v), &CreateOptions::default())
            .await
            .unwrap();
    }

    let factory = SharedInformerFactory::new(&clientset, None).namespace(ns);
    let config_maps = factory.core_v1().config_maps();
    let informer = config_maps.informer();
    let lister = config_maps.lister();
    factory.start();
    factory
        .wait_for_cache_sync(Duration::from_secs(30))
        .await
        .unwrap();
    assert!(informer.has_synced());
    // The accessor hands out the factory's one shared (already started and synced) informer.
    assert!(factory.core_v1().config_maps().informer().has_synced());

    let a = lister.namespaced(ns).get("a").expect("a in the lister");
    assert_eq!(a.data, labels(&[("v", "1")]));
    // client-go's spelling: `lister.ConfigMaps(ns).Get("a")`; the very same Arc.
    let same = lister.config_maps(ns).get("a").unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &same));
    assert!(lister.config_maps("elsewhere").get("a").is_none());
    let mut listed = names(
        &lister
            .namespaced(ns)
            .list(&Selector::everything())
            .iter()
            .map(|o| o.as_ref().clone())
            .collect::<Vec<_>>(),
    );
    listed.sort();
    assert_eq!(listed, ["a", "b"]);
    let web = Selector::builder().eq("app", "clientset").build().unwrap();
    assert_eq!(lister.list(&web).len(), 2);

    // A new object reaches the lister through the watch.
    cms.create(&config_map("c", "3"), &CreateOptions::default())
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(c) = lister.namespaced(ns).get("c") {
            assert_eq!(c.data, labels(&[("v", "3")]));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "c never reached the lister"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    factory.shutdown();
}
