//! Defaulting of the kinds controllers write most, as the real server's `SetDefaults_*`
//! functions do on every decoded write: Pods and the pod templates of workload kinds
//! (restart and DNS policy, grace period, scheduler, container termination messages and pull
//! policy, port protocols) and Deployments (replicas, strategy, history and progress
//! deadline). Other kinds are stored as sent; the crate docs list this as a deviation.

use serde_json::{Map, Value, json};

use crate::registry::ResourceInfo;

/// Fills the defaults of `info`'s kind into `obj`.
pub(crate) fn apply(info: &ResourceInfo, obj: &mut Value) {
    if info.custom {
        return;
    }
    let template: &[&str] = match (info.group.as_str(), info.plural.as_str()) {
        ("", "pods") => {
            if let Some(spec) = obj.get_mut("spec") {
                pod_spec(spec);
                pod_only(spec);
            }
            return;
        }
        ("apps", "deployments") => {
            if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
                deployment_spec(spec);
            }
            &["spec", "template", "spec"]
        }
        ("apps", "replicasets" | "statefulsets" | "daemonsets")
        | ("", "replicationcontrollers")
        | ("batch", "jobs") => &["spec", "template", "spec"],
        ("batch", "cronjobs") => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return,
    };
    if let Some(spec) = at_mut(obj, template) {
        pod_spec(spec);
    }
}

fn at_mut<'a>(obj: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(obj, |cur, k| cur.get_mut(*k))
}

/// Sets `key` to `value` when absent or null.
fn default(m: &mut Map<String, Value>, key: &str, value: Value) {
    if m.get(key).is_none_or(Value::is_null) {
        m.insert(key.to_string(), value);
    }
}

/// `SetDefaults_PodSpec` and the container defaults (pods and templates alike).
fn pod_spec(spec: &mut Value) {
    let Some(m) = spec.as_object_mut() else {
        return;
    };
    default(m, "dnsPolicy", json!("ClusterFirst"));
    default(m, "restartPolicy", json!("Always"));
    default(m, "terminationGracePeriodSeconds", json!(30));
    default(m, "securityContext", json!({}));
    default(m, "schedulerName", json!("default-scheduler"));
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(cs)) = m.get_mut(list) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                container(c);
            }
        }
    }
}

/// Defaults a Pod has and a pod template does not (`SetDefaults_Pod`).
fn pod_only(spec: &mut Value) {
    let Some(m) = spec.as_object_mut() else {
        return;
    };
    default(m, "enableServiceLinks", json!(true));
    // Requests default to the limits.
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(cs)) = m.get_mut(list) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                let Some(limits) = c.get("resources").and_then(|r| r.get("limits")).cloned() else {
                    continue;
                };
                let Some(Value::Object(resources)) = c.get_mut("resources") else {
                    continue;
                };
                let requests = resources.entry("requests").or_insert_with(|| json!({}));
                if let (Some(req), Value::Object(lim)) = (requests.as_object_mut(), limits) {
                    for (k, v) in lim {
                        req.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
}

fn container(c: &mut Map<String, Value>) {
    default(c, "terminationMessagePath", json!("/dev/termination-log"));
    default(c, "terminationMessagePolicy", json!("File"));
    if c.get("imagePullPolicy").is_none_or(Value::is_null) {
        let image = c.get("image").and_then(Value::as_str).unwrap_or("");
        let policy = if pulls_always(image) {
            "Always"
        } else {
            "IfNotPresent"
        };
        c.insert("imagePullPolicy".into(), json!(policy));
    }
    if let Some(Value::Array(ports)) = c.get_mut("ports") {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            default(p, "protocol", json!("TCP"));
        }
    }
}

/// An image without a tag or with `:latest` (and no digest) is pulled always.
fn pulls_always(image: &str) -> bool {
    if image.contains('@') {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => tag == "latest",
        None => true,
    }
}

/// `SetDefaults_Deployment` of apps/v1.
fn deployment_spec(spec: &mut Map<String, Value>) {
    default(spec, "replicas", json!(1));
    let strategy = spec.entry("strategy").or_insert_with(|| json!({}));
    if let Some(s) = strategy.as_object_mut() {
        default(s, "type", json!("RollingUpdate"));
        if s.get("type").and_then(Value::as_str) == Some("RollingUpdate") {
            default(s, "rollingUpdate", json!({}));
            if let Some(r) = s.get_mut("rollingUpdate").and_then(Value::as_object_mut) {
                default(r, "maxUnavailable", json!("25%"));
                default(r, "maxSurge", json!("25%"));
            }
        }
    }
    default(spec, "revisionHistoryLimit", json!(10));
    default(spec, "progressDeadlineSeconds", json!(600));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_pulled_always_are_untagged_or_latest() {
        assert!(pulls_always("nginx"));
        assert!(pulls_always("nginx:latest"));
        assert!(pulls_always("registry:5000/nginx"));
        assert!(!pulls_always("registry:5000/nginx:1.2"));
        assert!(!pulls_always("nginx@sha256:abc"));
    }
}
