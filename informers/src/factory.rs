//! The shared informer factory (client-go `informers.SharedInformerFactory`): one informer per
//! resource type, shared by everyone who asks for it.
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_api::core::v1::Pod;
//! use k8s_client::{Config, HttpClient};
//! use k8s_informers::SharedInformerFactory;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let factory = SharedInformerFactory::new(client, None).namespace("book");
//! let pods = factory.informer::<Pod>();      // the same instance on every call
//! let lister = factory.lister::<Pod>();
//! factory.start();
//! factory.wait_for_cache_sync(Duration::from_secs(30)).await?;
//! println!("{} pods", lister.namespaced("book").list(&Default::default()).len());
//! # let _ = pods; Ok(()) }
//! ```

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_apimachinery::{ApiResource, DynamicObject, ListOptions, Resource};
use k8s_client::{Api, HttpClient};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::informer::{InformerOptions, SharedIndexInformer};
use crate::lister::Lister;
use crate::reflector::Transform;

/// What the factory needs from an informer of any type.
trait ErasedInformer: Send + Sync {
    fn start(&self);
    fn synced(&self) -> tokio::sync::watch::Receiver<bool>;
    fn shutdown(&self);
    fn as_any(&self) -> &dyn Any;
}

impl<K> ErasedInformer for SharedIndexInformer<K>
where
    K: k8s_apimachinery::HasMetadata + DeserializeOwned + Serialize + Clone + Send + Sync + 'static,
{
    fn start(&self) {
        SharedIndexInformer::start(self);
    }
    fn synced(&self) -> tokio::sync::watch::Receiver<bool> {
        SharedIndexInformer::synced_receiver(self)
    }
    fn shutdown(&self) {
        SharedIndexInformer::shutdown(self);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

type TweakFn = Arc<dyn Fn(&mut ListOptions) + Send + Sync>;
/// Informers by key, with a display name.
type InformerMap = HashMap<String, (String, Arc<dyn ErasedInformer>)>;

/// Hands out one shared informer per resource type.
#[derive(Clone)]
pub struct SharedInformerFactory {
    client: HttpClient,
    resync: Option<Duration>,
    namespace: Option<String>,
    tweak: Option<TweakFn>,
    strip_managed_fields: bool,
    streaming_list: bool,
    informers: Arc<Mutex<InformerMap>>,
}

impl std::fmt::Debug for SharedInformerFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = lock(&self.informers)
            .values()
            .map(|(n, _)| n.clone())
            .collect();
        f.debug_struct("SharedInformerFactory")
            .field("namespace", &self.namespace)
            .field("resync", &self.resync)
            .field("informers", &names)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SharedInformerFactory {
    /// A factory over `client` (an [`HttpClient`] or a [`Clientset`](k8s_client::Clientset));
    /// `default_resync` is every informer's resync period.
    pub fn new(client: impl Into<HttpClient>, default_resync: Option<Duration>) -> Self {
        SharedInformerFactory {
            client: client.into(),
            resync: default_resync,
            namespace: None,
            tweak: None,
            strip_managed_fields: true,
            streaming_list: true,
            informers: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Only watch one namespace (client-go `WithNamespace`).
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_string());
        self
    }

    /// Adjust every list/watch (label or field selectors; client-go `WithTweakListOptions`).
    pub fn tweak_list_options(
        mut self,
        f: impl Fn(&mut ListOptions) + Send + Sync + 'static,
    ) -> Self {
        self.tweak = Some(Arc::new(f));
        self
    }

    /// Keep `managedFields` in stored objects (dropped by default: they are large and
    /// controllers rarely read them).
    pub fn keep_managed_fields(mut self) -> Self {
        self.strip_managed_fields = false;
        self
    }

    /// Use LIST + WATCH instead of trying streaming lists first.
    pub fn without_streaming_list(mut self) -> Self {
        self.streaming_list = false;
        self
    }

    fn options<K: k8s_apimachinery::HasMetadata + 'static>(&self) -> InformerOptions<K> {
        let mut options = InformerOptions::<K> {
            resync: self.resync,
            ..InformerOptions::default()
        };
        options.reflector.streaming_list = self.streaming_list;
        if let Some(tweak) = &self.tweak {
            tweak(&mut options.reflector.list_options);
        }
        if self.strip_managed_fields {
            let t: Transform<K> = Arc::new(crate::strip_managed_fields::<K>);
            options.reflector.transform = Some(t);
        }
        options
    }

    fn get_or_insert<K>(
        &self,
        key: String,
        name: String,
        make: impl FnOnce() -> SharedIndexInformer<K>,
    ) -> SharedIndexInformer<K>
    where
        K: k8s_apimachinery::HasMetadata
            + DeserializeOwned
            + Serialize
            + Clone
            + Send
            + Sync
            + 'static,
    {
        let mut informers = lock(&self.informers);
        if let Some((_, existing)) = informers.get(&key)
            && let Some(informer) = existing.as_any().downcast_ref::<SharedIndexInformer<K>>()
        {
            return informer.clone();
        }
        let informer = make();
        informers.insert(key, (name, Arc::new(informer.clone())));
        informer
    }

    /// The shared informer of `K`.
    pub fn informer<K>(&self) -> SharedIndexInformer<K>
    where
        K: Resource
            + k8s_apimachinery::HasMetadata
            + DeserializeOwned
            + Serialize
            + Clone
            + Send
            + Sync
            + 'static,
    {
        let key = format!("{:?}", TypeId::of::<K>());
        self.get_or_insert(key, K::gvr().to_string(), || {
            let api = match &self.namespace {
                Some(ns) => Api::<K>::namespaced(self.client.clone(), ns),
                None => Api::<K>::all(self.client.clone()),
            };
            SharedIndexInformer::new(api, self.options())
        })
    }

    /// The lister of `K` (over the shared informer's store).
    pub fn lister<K>(&self) -> Lister<K>
    where
        K: Resource
            + k8s_apimachinery::HasMetadata
            + DeserializeOwned
            + Serialize
            + Clone
            + Send
            + Sync
            + 'static,
    {
        self.informer::<K>().lister()
    }

    /// The shared informer of a resource known at run time (dynamic client).
    pub fn dynamic_informer(&self, resource: &ApiResource) -> SharedIndexInformer<DynamicObject> {
        let key = format!(
            "dynamic:{}/{}/{}",
            resource.group, resource.version, resource.plural
        );
        self.get_or_insert(key.clone(), key, || {
            let api = match &self.namespace {
                Some(ns) => Api::namespaced_with(self.client.clone(), ns, resource),
                None => Api::all_with(self.client.clone(), resource),
            };
            SharedIndexInformer::new(api, self.options())
        })
    }

    /// Starts every informer asked for so far (those asked for later need another `start`).
    pub fn start(&self) {
        for (_, informer) in lock(&self.informers).values() {
            informer.start();
        }
    }

    /// Waits until every informer has synced, at most `timeout` (client-go
    /// `WaitForCacheSync`, woken by each informer's sync rather than polling).
    pub async fn wait_for_cache_sync(&self, timeout: Duration) -> Result<(), Error> {
        let mut waits: Vec<(String, tokio::sync::watch::Receiver<bool>)> = lock(&self.informers)
            .values()
            .map(|(name, informer)| (name.clone(), informer.synced()))
            .collect();
        let all = futures::future::join_all(
            waits
                .iter_mut()
                .map(|(_, rx)| async move { rx.wait_for(|synced| *synced).await.is_ok() }),
        );
        match tokio::time::timeout(timeout, all).await {
            Ok(done) if done.iter().all(|ok| *ok) => Ok(()),
            Ok(_) => Err(Error::Stopped),
            Err(_) => Err(Error::SyncTimeout {
                what: waits
                    .iter()
                    .filter(|(_, rx)| !*rx.borrow())
                    .map(|(name, _)| name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                after: timeout,
            }),
        }
    }

    /// Stops every informer.
    pub fn shutdown(&self) {
        for (_, informer) in lock(&self.informers).values() {
            informer.shutdown();
        }
    }
}
