//! The Widget CustomResourceDefinition of the repository (`tests/tests/crd/widget.yaml`),
//! installed per scenario under a group of the scenario's own, so that scenarios never share a
//! CRD and run concurrently.

use std::time::Duration;

use k8s_apimachinery::{ApiResource, ListOptions};
use k8s_client::Api;
use serde_json::{Value, json};

use super::support::{Outcome, typed};
use super::{Ctx, Failure};

/// The Widget CustomResourceDefinition fixture of the repository (`tests/tests/crd/`).
const WIDGET_CRD: &str = include_str!("../../tests/crd/widget.yaml");

/// How a scenario wants its Widget CRD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Widgets {
    /// As in the fixture: namespaced, one version `v1` with status and scale subresources.
    Namespaced,
    /// Cluster-scoped.
    Cluster,
    /// Namespaced, with a second served version `v2` (same schema, no conversion webhook).
    TwoVersions,
}

/// A Widget CRD of the scenario's own, installed and ready to use.
#[derive(Debug, Clone)]
pub(crate) struct WidgetCrd {
    /// `widgets.<group>`.
    pub name: String,
    /// The scenario's own API group, `<namespace>.conformance.k8s-rs.test`.
    pub group: String,
    /// The resource in version `v1`.
    pub v1: ApiResource,
}

impl WidgetCrd {
    /// The resource in `version`.
    pub fn version(&self, version: &str) -> ApiResource {
        ApiResource {
            version: version.into(),
            api_version: format!("{}/{version}", self.group),
            ..self.v1.clone()
        }
    }

    /// A Widget object of `size` (`replicas` when given), in API version `v1`.
    pub fn widget(&self, name: &str, size: i64, replicas: Option<i64>) -> Value {
        let mut w = json!({
            "apiVersion": format!("{}/v1", self.group), "kind": "Widget",
            "metadata": { "name": name },
            "spec": { "size": size },
        });
        if let Some(r) = replicas {
            w["spec"]["replicas"] = json!(r);
        }
        w
    }
}

/// Installs the Widget CRD fixture under a group of the scenario's own (so scenarios never
/// share a CRD), waits until it is served, runs `body`, then deletes the CRD whatever `body`
/// returned.
pub(crate) async fn with_widgets<F, Fut>(ctx: Ctx, shape: Widgets, body: F) -> Outcome
where
    F: FnOnce(Ctx, WidgetCrd) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let crd = install_widgets(&ctx, shape).await?;
    let name = crd.name.clone();
    let result = body(ctx.clone(), crd).await;
    let crds = Api::<Value>::all_with(ctx.client.clone(), &crd_resource());
    // Best effort: a CRD left behind only costs the plane a little memory.
    let _ = crds
        .delete(&name, &k8s_apimachinery::DeleteOptions::default())
        .await;
    result
}

fn crd_resource() -> ApiResource {
    ApiResource::erase::<k8s_api::apiextensions::v1::CustomResourceDefinition>()
}

async fn install_widgets(ctx: &Ctx, shape: Widgets) -> Result<WidgetCrd, Failure> {
    let mut crd: Value = serde_yaml::from_str(WIDGET_CRD)
        .map_err(|e| Failure::failed(format!("the Widget CRD fixture does not parse: {e}")))?;
    let group = format!("{}.conformance.k8s-rs.test", ctx.namespace);
    let name = format!("widgets.{group}");
    crd["metadata"]["name"] = json!(name);
    crd["spec"]["group"] = json!(group);
    if let Some(names) = crd["spec"]["names"].as_object_mut() {
        names.remove("shortNames");
    }
    if shape == Widgets::Cluster {
        crd["spec"]["scope"] = json!("Cluster");
    }
    if shape == Widgets::TwoVersions {
        let mut v2 = crd["spec"]["versions"][0].clone();
        v2["name"] = json!("v2");
        v2["storage"] = json!(false);
        if let Some(versions) = crd["spec"]["versions"].as_array_mut() {
            versions.push(v2);
        }
    }
    let typed_crd: k8s_api::apiextensions::v1::CustomResourceDefinition = typed(crd)?;
    let crds = ctx
        .clientset()
        .apiextensions_v1()
        .custom_resource_definitions();
    crds.create(&typed_crd, &Default::default()).await?;
    let v1 = ApiResource {
        group: group.clone(),
        version: "v1".into(),
        api_version: format!("{group}/v1"),
        kind: "Widget".into(),
        plural: "widgets".into(),
        scope: if shape == Widgets::Cluster {
            k8s_apimachinery::Scope::Cluster
        } else {
            k8s_apimachinery::Scope::Namespaced
        },
    };
    let probe = match shape {
        Widgets::Cluster => ctx.json_in(&v1, None),
        _ => ctx.json_in(&v1, Some(&ctx.namespace)),
    };
    // Established, then listable: a new resource answers 404 and then 429 ("storage is
    // (re)initializing") for a moment on the real server. Poll both, for at most 30 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let got = Api::<Value>::all_with(ctx.client.clone(), &crd_resource())
            .get(&name, &Default::default())
            .await?;
        let established = got["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        });
        if established && probe.list(&ListOptions::default().limit(1)).await.is_ok() {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Failure::failed(format!(
                "CRD {name} not served 30 s after its creation; conditions {}",
                got["status"]["conditions"]
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(WidgetCrd { name, group, v1 })
}
