//! The reconcile of one Foo (the Go sample controller's `syncHandler`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use k8s_api::apps::v1::Deployment;
use k8s_apimachinery::{
    CompactString, CreateOptions, DeleteOptions, GetOptions, PatchOptions, PatchType,
    Preconditions, UpdateOptions,
};
use k8s_client::events::{EventType, Recorder};
use k8s_client::{Api, HttpClient};
use k8s_informers::{Lister, split_meta_namespace_key};
use serde_json::json;
use tracing::{debug, info, warn};

use crate::controller::Counters;
use crate::v1alpha1::{Foo, FooStatus};
use crate::{Error, FINALIZER, new_deployment};

/// What a worker needs to reconcile a key: the caches, a client and the recorder.
pub(crate) struct Reconciler {
    pub(crate) client: HttpClient,
    pub(crate) foos: Lister<Foo>,
    pub(crate) deployments: Lister<Deployment>,
    pub(crate) recorder: Option<Recorder>,
    pub(crate) counters: Arc<Counters>,
}

impl Reconciler {
    /// Drives the Foo `key` (`namespace/name`) and its Deployment towards the Foo's spec, and
    /// writes what it observed into the Foo's status. An error re-queues the key with back-off.
    pub(crate) async fn sync(&self, key: &str) -> Result<(), Error> {
        self.counters.syncs.fetch_add(1, Ordering::Relaxed);
        let (namespace, name) = match split_meta_namespace_key(key) {
            // Foos are namespaced: their keys always name one (`object_key`).
            Ok((Some(namespace), name)) => (namespace, name),
            // Retrying cannot fix a key: drop it, as the Go sample controller does.
            Ok((None, _)) | Err(_) => {
                warn!(%key, "invalid resource key: expected namespace/name");
                return Ok(());
            }
        };
        let Some(foo) = self.foos.namespaced(namespace).get(name) else {
            // Deleted since it was queued: its finalizer already cleaned up.
            debug!(%key, "Foo no longer exists");
            return Ok(());
        };
        let foos = Api::<Foo>::namespaced(self.client.clone(), namespace);
        if foo.metadata.deletion_timestamp.is_some() {
            return self.finalize(&foo, &foos).await;
        }
        let foo = if foo
            .metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == FINALIZER)
        {
            foo
        } else {
            Arc::new(self.set_finalizer(&foo, &foos, true).await?)
        };
        let Some(deployment_name) = foo
            .spec
            .as_deref()
            .map(|s| s.deployment_name.as_str())
            .filter(|n| !n.is_empty())
        else {
            // Nothing to retry until the Foo changes (the Go controller logs and gives up too).
            warn!(%key, "spec.deploymentName is empty");
            self.event(
                &foo,
                EventType::Warning,
                "InvalidSpec",
                "Validate",
                "spec.deploymentName must be set",
            );
            return Ok(());
        };
        let deployments = Api::<Deployment>::namespaced(self.client.clone(), namespace);
        let deployment = match self.deployments.namespaced(namespace).get(deployment_name) {
            Some(d) => d,
            None => {
                let created = match deployments
                    .create(&new_deployment(&foo), &CreateOptions::default())
                    .await
                {
                    Ok(created) => created,
                    // Our cache lags behind a create of ours (or someone else's): read it.
                    Err(e) if e.is_already_exists() => {
                        let existing = deployments
                            .get(deployment_name, &GetOptions::default())
                            .await?;
                        return self
                            .sync_existing(&foo, Arc::new(existing), &deployments, &foos)
                            .await;
                    }
                    Err(e) => return Err(e.into()),
                };
                self.counters.writes.fetch_add(1, Ordering::Relaxed);
                self.counters.created.fetch_add(1, Ordering::Relaxed);
                info!(%key, deployment = deployment_name, "created Deployment");
                self.event(
                    &foo,
                    EventType::Normal,
                    "DeploymentCreated",
                    "Create",
                    &format!("Created Deployment {deployment_name}"),
                );
                Arc::new(created)
            }
        };
        self.sync_existing(&foo, deployment, &deployments, &foos)
            .await
    }

    /// The rest of a sync once the Deployment exists: check ownership, scale, write status.
    async fn sync_existing(
        &self,
        foo: &Foo,
        deployment: Arc<Deployment>,
        deployments: &Api<Deployment>,
        foos: &Api<Foo>,
    ) -> Result<(), Error> {
        let namespace = foo.metadata.namespace.as_deref().unwrap_or_default();
        let name = foo.metadata.name.as_deref().unwrap_or_default();
        let deployment_name = deployment.metadata.name.as_deref().unwrap_or_default();
        if !deployment
            .metadata
            .controller_ref()
            .is_some_and(|r| r.refers_to(foo))
        {
            let err = Error::NotOwned {
                namespace: namespace.to_owned(),
                deployment: deployment_name.to_owned(),
                foo: name.to_owned(),
            };
            self.event(
                foo,
                EventType::Warning,
                "ErrResourceExists",
                "Sync",
                &err.to_string(),
            );
            return Err(err);
        }
        let want = foo.spec.as_deref().and_then(|s| s.replicas);
        let deployment = match want {
            Some(want) if deployment.spec.replicas != Some(want) => {
                info!(foo = name, namespace, want, have = ?deployment.spec.replicas, "scaling Deployment");
                let mut scaled = Deployment::clone(&deployment);
                scaled.spec.replicas = Some(want);
                let scaled = deployments
                    .update(deployment_name, &scaled, &UpdateOptions::default())
                    .await?;
                self.counters.writes.fetch_add(1, Ordering::Relaxed);
                self.event(
                    foo,
                    EventType::Normal,
                    "DeploymentScaled",
                    "Scale",
                    &format!("Scaled Deployment {deployment_name} to {want} replicas"),
                );
                Arc::new(scaled)
            }
            _ => deployment,
        };
        self.update_status(foo, &deployment, foos).await
    }

    /// Writes what the Deployment reports into the Foo's status (only when it changed, so a
    /// resync of a settled Foo costs no request).
    async fn update_status(
        &self,
        foo: &Foo,
        deployment: &Deployment,
        foos: &Api<Foo>,
    ) -> Result<(), Error> {
        let status = FooStatus {
            available_replicas: Some(deployment.status.available_replicas.unwrap_or(0)),
            deployment_replicas: deployment.spec.replicas,
            observed_generation: foo.metadata.generation,
        };
        if foo.status.as_deref() == Some(&status) {
            return Ok(());
        }
        let mut updated = foo.clone();
        updated.status = Some(Box::new(status));
        let name = foo.metadata.name.as_deref().unwrap_or_default();
        foos.update_status(name, &updated, &UpdateOptions::default())
            .await?;
        self.counters.writes.fetch_add(1, Ordering::Relaxed);
        self.event(
            foo,
            EventType::Normal,
            "Synced",
            "Sync",
            "Foo synced successfully",
        );
        Ok(())
    }

    /// The Foo is being deleted: delete the Deployment it controls, then let the Foo go.
    async fn finalize(&self, foo: &Foo, foos: &Api<Foo>) -> Result<(), Error> {
        if !foo
            .metadata
            .finalizers
            .iter()
            .flatten()
            .any(|f| f == FINALIZER)
        {
            return Ok(());
        }
        let namespace = foo.metadata.namespace.as_deref().unwrap_or_default();
        let owned = foo
            .spec
            .as_deref()
            .and_then(|s| {
                self.deployments
                    .namespaced(namespace)
                    .get(&s.deployment_name)
            })
            .filter(|d| {
                d.metadata
                    .controller_ref()
                    .is_some_and(|r| r.refers_to(foo))
            });
        if let Some(deployment) = owned {
            let name = deployment.metadata.name.as_deref().unwrap_or_default();
            let options = DeleteOptions {
                preconditions: Some(Preconditions {
                    uid: deployment.metadata.uid.clone().map(Into::into),
                    resource_version: None,
                }),
                ..DeleteOptions::background()
            };
            match Api::<Deployment>::namespaced(self.client.clone(), namespace)
                .delete(name, &options)
                .await
            {
                Ok(_) => {
                    self.counters.writes.fetch_add(1, Ordering::Relaxed);
                    info!(foo = ?foo.metadata.name, deployment = name, "deleted Deployment");
                    self.event(
                        foo,
                        EventType::Normal,
                        "DeploymentDeleted",
                        "Delete",
                        &format!("Deleted Deployment {name}"),
                    );
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e.into()),
            }
        }
        match self.set_finalizer(foo, foos, false).await {
            Err(Error::Client(e)) if e.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }

    /// Adds or removes [`FINALIZER`] with a merge patch guarded by the resource version (a
    /// concurrent change makes it fail with a conflict, and the key is retried).
    async fn set_finalizer(&self, foo: &Foo, foos: &Api<Foo>, present: bool) -> Result<Foo, Error> {
        let mut finalizers: Vec<&str> = foo
            .metadata
            .finalizers
            .iter()
            .flatten()
            .map(CompactString::as_str)
            .filter(|f| *f != FINALIZER)
            .collect();
        if present {
            finalizers.push(FINALIZER);
        }
        let patch = json!({"metadata": {
            "finalizers": finalizers,
            "resourceVersion": foo.metadata.resource_version,
        }});
        let name = foo.metadata.name.as_deref().unwrap_or_default();
        let patched = foos
            .patch(name, PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
        self.counters.writes.fetch_add(1, Ordering::Relaxed);
        Ok(patched)
    }

    /// Records an event about `foo` (and logs it).
    fn event(&self, foo: &Foo, kind: EventType, reason: &str, action: &str, note: &str) {
        debug!(foo = ?foo.metadata.name, reason, note, "event");
        if let Some(recorder) = &self.recorder {
            recorder.event(foo, kind, reason, action, note);
        }
    }
}
