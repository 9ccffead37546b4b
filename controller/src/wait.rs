//! Watch-based waits: [`await_condition`] returns as soon as a watch shows the object in the
//! state you want (kube-rs's `await_condition`, `kubectl wait`) — no polling interval to
//! tune, no request every second.
//!
//! A condition is any `Fn(Option<&K>) -> bool` (`None`: the object does not exist). Stock
//! ones are in [`conditions`]: deleted, CRD established, Pod running, Deployment rolled
//! out, Job complete. There is no built-in deadline: wrap the wait in `tokio::time::timeout`.
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_api::apps::v1::Deployment;
//! use k8s_client::Api;
//! use k8s_controller::wait::{await_condition, conditions};
//!
//! # async fn demo(deployments: Api<Deployment>) -> Result<(), Box<dyn std::error::Error>> {
//! let rollout = await_condition(deployments, "web", conditions::is_deployment_rolled_out());
//! let web = tokio::time::timeout(Duration::from_secs(120), rollout).await??;
//! println!("rolled out: {:?}", web.map(|d| d.status.available_replicas));
//! # Ok(()) }
//! ```

use futures::StreamExt;
use k8s_apimachinery::ListOptions;
use k8s_client::Api;

use crate::watcher::{Event, watcher};
use crate::{ApiObject, Error};

/// A state to wait for: `Fn(Option<&K>) -> bool`, `None` meaning the object does not exist.
pub trait Condition<K> {
    /// Whether `obj` is in the state waited for.
    fn matches_object(&self, obj: Option<&K>) -> bool;
}

impl<K, F: Fn(Option<&K>) -> bool> Condition<K> for F {
    fn matches_object(&self, obj: Option<&K>) -> bool {
        self(obj)
    }
}

fn retriable(e: &Error) -> bool {
    match e {
        Error::Client(c) => {
            c.is_too_many_requests()
                || c.is_timeout()
                || c.is_connect()
                || c.is_connection_reset()
                || c.status_code().is_some_and(|code| code >= 500)
        }
        Error::Watch { code, .. } => code.is_none_or(|c| c >= 500 || c == 429),
        _ => false,
    }
}

/// Watches the object `name` through `api` (a field selector on `metadata.name`, so only its
/// events travel) until `condition` holds, and returns its state then (`None`: it does not
/// exist). The first check is against the current state, so an object already there returns
/// at once. Passing failures (429, 5xx, dropped connections) are ridden out by the
/// [`watcher`]'s back-off; others (403, the kind not served) are returned.
pub async fn await_condition<K: ApiObject>(
    api: Api<K>,
    name: &str,
    condition: impl Condition<K>,
) -> Result<Option<K>, Error> {
    let options = ListOptions::default().fields(format!("metadata.name={name}"));
    let events = watcher(api, options);
    futures::pin_mut!(events);
    // The state being listed (between Init and InitDone), and the state known.
    let mut listing: Option<K> = None;
    while let Some(event) = events.next().await {
        let current = match event {
            Ok(Event::Init) => {
                listing = None;
                continue;
            }
            Ok(Event::InitApply(obj)) => {
                listing = Some(obj);
                continue;
            }
            Ok(Event::InitDone) => listing.take(),
            Ok(Event::Apply(obj)) => Some(obj),
            Ok(Event::Delete(_)) => None,
            Err(e) if retriable(&e) => {
                tracing::debug!(error = %e, "await_condition: watch failed, retrying");
                continue;
            }
            Err(e) => return Err(e),
        };
        if condition.matches_object(current.as_ref()) {
            return Ok(current);
        }
    }
    // The watcher never ends; this is for completeness.
    Err(Error::InvalidObject("the watch ended".to_owned()))
}

/// Stock conditions for [`await_condition`].
pub mod conditions {
    use k8s_api::apiextensions::v1::CustomResourceDefinition;
    use k8s_api::apps::v1::Deployment;
    use k8s_api::batch::v1::Job;
    use k8s_api::core::v1::Pod;
    use k8s_apimachinery::HasMetadata;

    /// The object is gone — or was replaced: an object of the same name with another `uid`
    /// counts as deleted (pass the uid of the one you deleted; `""` matches absence only).
    pub fn is_deleted<K: HasMetadata>(uid: &str) -> impl Fn(Option<&K>) -> bool + use<K> {
        let uid = uid.to_owned();
        move |obj: Option<&K>| match obj {
            None => true,
            Some(o) => !uid.is_empty() && o.object_meta().uid.as_deref() != Some(uid.as_str()),
        }
    }

    /// The CRD's `Established` condition is `True`: its resource is served.
    pub fn is_crd_established() -> impl Fn(Option<&CustomResourceDefinition>) -> bool {
        |crd| {
            crd.and_then(|c| c.status.conditions.as_deref())
                .unwrap_or_default()
                .iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        }
    }

    /// The Pod's phase is `Running`.
    pub fn is_pod_running() -> impl Fn(Option<&Pod>) -> bool {
        |pod| pod.and_then(|p| p.status.phase.as_deref()) == Some("Running")
    }

    /// The Job's `Complete` condition is `True`.
    pub fn is_job_completed() -> impl Fn(Option<&Job>) -> bool {
        |job| {
            job.and_then(|j| j.status.conditions.as_deref())
                .unwrap_or_default()
                .iter()
                .any(|c| c.type_ == "Complete" && c.status == "True")
        }
    }

    /// The Deployment's rollout is complete, by `kubectl rollout status`'s rules: the
    /// controller has seen the latest spec (`observedGeneration ≥ generation`), every replica
    /// is updated, no old replica is left, and every updated replica is available. A rollout
    /// past its progress deadline never matches.
    pub fn is_deployment_rolled_out() -> impl Fn(Option<&Deployment>) -> bool {
        |deployment| {
            let Some(d) = deployment else {
                return false;
            };
            let status = &d.status;
            let generation = d.metadata.generation.unwrap_or(0);
            if status.observed_generation.unwrap_or(0) < generation {
                return false;
            }
            let stuck = status
                .conditions
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|c| {
                    c.type_.as_deref() == Some("Progressing")
                        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
                });
            let want = d.spec.replicas.unwrap_or(1);
            let updated = status.updated_replicas.unwrap_or(0);
            !stuck
                && updated >= want
                && status.replicas.unwrap_or(0) <= updated
                && status.available_replicas.unwrap_or(0) >= updated
        }
    }
}
