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
use crate::failure::{ListWatchError, NotSynced, WatchErrorHandler};
use crate::informer::{InformerOptions, SharedIndexInformer};
use crate::lister::Lister;
use crate::reflector::Transform;

/// What the factory needs from an informer of any type.
trait ErasedInformer: Send + Sync {
    fn start(&self);
    fn synced(&self) -> tokio::sync::watch::Receiver<bool>;
    fn stopped(&self) -> tokio::sync::watch::Receiver<bool>;
    fn not_synced(&self) -> NotSynced;
    fn stop(&self) -> Vec<tokio::task::JoinHandle<()>>;
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
    fn stopped(&self) -> tokio::sync::watch::Receiver<bool> {
        SharedIndexInformer::stopped_receiver(self)
    }
    fn not_synced(&self) -> NotSynced {
        SharedIndexInformer::not_synced(self)
    }
    fn stop(&self) -> Vec<tokio::task::JoinHandle<()>> {
        SharedIndexInformer::stop(self)
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
    watch_error_handler: Option<WatchErrorHandler>,
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
            watch_error_handler: None,
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

    /// The handler of list/watch failures of the informers this factory makes from now on
    /// (client-go `SetWatchErrorHandler` on each). The default,
    /// [`default_watch_error_handler`](crate::default_watch_error_handler), writes each
    /// distinct failure to stderr when no `tracing` subscriber records it; `|_| {}` silences
    /// failures (they are still logged through `tracing` and returned by
    /// [`wait_for_cache_sync`](Self::wait_for_cache_sync)).
    ///
    /// ```
    /// # fn demo(client: k8s_client::HttpClient) {
    /// use k8s_informers::SharedInformerFactory;
    ///
    /// let factory = SharedInformerFactory::new(client, None)
    ///     .watch_error_handler(|e| tracing::error!(error = %e, forbidden = e.error().is_forbidden(), "informer failing"));
    /// # }
    /// ```
    pub fn watch_error_handler(
        mut self,
        handler: impl Fn(&ListWatchError) + Send + Sync + 'static,
    ) -> Self {
        self.watch_error_handler = Some(Arc::new(handler));
        self
    }

    fn options<K: k8s_apimachinery::HasMetadata + 'static>(&self) -> InformerOptions<K> {
        let mut options = InformerOptions::<K> {
            resync: self.resync,
            ..InformerOptions::default()
        };
        options.reflector.streaming_list = self.streaming_list;
        options.reflector.watch_error_handler = self.watch_error_handler.clone();
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

    /// The shared informer of `K` over one namespace (`None`: the factory's namespace, or all
    /// namespaces) with its own label and field selectors (`None` or empty: none), on top of the
    /// factory's [`tweak_list_options`](Self::tweak_list_options). Informers are shared by
    /// (type, namespace, selectors): every caller asking for the same scope gets the same
    /// informer, so a process holds one watch per kind and scope however many controllers
    /// use it. With no namespace and no selectors it is [`informer`](Self::informer)'s.
    ///
    /// ```no_run
    /// use k8s_api::core::v1::Pod;
    /// # fn demo(factory: k8s_informers::SharedInformerFactory) {
    /// let web = factory.scoped_informer::<Pod>(Some("shop"), Some("app=web"), None);
    /// assert_eq!(web.target().label_selector.as_deref(), Some("app=web"));
    /// # }
    /// ```
    pub fn scoped_informer<K>(
        &self,
        namespace: Option<&str>,
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> SharedIndexInformer<K>
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
        let nonempty = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        let (labels, fields) = (nonempty(label_selector), nonempty(field_selector));
        let namespace = nonempty(namespace).or_else(|| self.namespace.clone());
        if namespace == self.namespace && labels.is_none() && fields.is_none() {
            return self.informer::<K>();
        }
        let key = format!(
            "{:?}|{}|{}|{}",
            TypeId::of::<K>(),
            namespace.as_deref().unwrap_or(""),
            labels.as_deref().unwrap_or(""),
            fields.as_deref().unwrap_or("")
        );
        let name = format!("{} {key}", K::gvr());
        self.get_or_insert(key, name, || {
            let api = match &namespace {
                Some(ns) => Api::<K>::namespaced(self.client.clone(), ns),
                None => Api::<K>::all(self.client.clone()),
            };
            let mut options = self.options::<K>();
            let list = &mut options.reflector.list_options;
            let join = |base: &Option<String>, extra: &Option<String>| match (base, extra) {
                (Some(b), Some(e)) if !b.is_empty() => Some(format!("{b},{e}")),
                (_, Some(e)) => Some(e.clone()),
                (b, None) => b.clone(),
            };
            list.label_selector = join(&list.label_selector, &labels);
            list.field_selector = join(&list.field_selector, &fields);
            SharedIndexInformer::new(api, options)
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

    /// Waits until every informer asked for so far has synced (client-go
    /// `WaitForCacheSync`, woken by each informer's sync rather than polling).
    ///
    /// `timeout` is a choice, because client-go has none (its wait ends only when the stop
    /// channel closes, however long a reflector keeps failing): pass a bound (a `Duration`) to
    /// get, when it runs out, [`Error::SyncTimeout`] listing each informer still waiting with
    /// its resource, namespace, selectors and last list/watch failure — `not synced after
    /// 1m: v1/configmaps in namespace "x" (labels: a=b): list failed: 403 Forbidden: …` — or
    /// `None` to wait like client-go until synced or [`shutdown`](Self::shutdown). Either way
    /// each failure is reported as it happens through the watch-error handler
    /// ([`watch_error_handler`](Self::watch_error_handler)). A minute or two suits most
    /// controllers: reflectors retry with a back-off of up to 30 s, so a shorter bound may
    /// give up on a failure that would have healed (an apiserver restarting).
    ///
    /// [`Error::Stopped`] when the factory is shut down first.
    pub async fn wait_for_cache_sync(
        &self,
        timeout: impl Into<Option<Duration>>,
    ) -> Result<(), Error> {
        let timeout = timeout.into();
        let informers: Vec<Arc<dyn ErasedInformer>> = lock(&self.informers)
            .values()
            .map(|(_, informer)| informer.clone())
            .collect();
        let mut waits: Vec<_> = informers
            .iter()
            .map(|i| (i.synced(), i.stopped()))
            .collect();
        let all = futures::future::join_all(waits.iter_mut().map(|(synced, stopped)| async move {
            tokio::select! {
                biased;
                r = synced.wait_for(|synced| *synced) => r.is_ok(),
                _ = stopped.wait_for(|stopped| *stopped) => false,
            }
        }));
        let done = match timeout {
            None => all.await,
            Some(after) => match tokio::time::timeout(after, all).await {
                Ok(done) => done,
                Err(_) => {
                    let mut pending: Vec<NotSynced> = informers
                        .iter()
                        .filter(|i| !*i.synced().borrow())
                        .map(|i| i.not_synced())
                        .collect();
                    // Failures first, then by name: the line a person reads starts with a cause.
                    pending.sort_by_key(|p| (p.last_error.is_none(), p.target.to_string()));
                    return Err(Error::SyncTimeout { after, pending });
                }
            },
        };
        if done.iter().all(|ok| *ok) {
            Ok(())
        } else {
            Err(Error::Stopped)
        }
    }

    /// Stops every informer ([`SharedIndexInformer::shutdown`]): reflectors at once, handlers
    /// after the notification in hand. Does not wait for the handlers: see
    /// [`shutdown_within`](Self::shutdown_within).
    pub fn shutdown(&self) {
        for (_, informer) in lock(&self.informers).values() {
            drop(informer.stop());
        }
    }

    /// Stops every informer and waits, at most `timeout`, until every handler has returned
    /// from the notification it was running (client-go's `Shutdown` waits without a bound).
    /// `true` when all had; `false` when a handler was still running at the deadline (it is a
    /// thread and cannot be cut short; nothing waits for it any more).
    pub async fn shutdown_within(&self, timeout: Duration) -> bool {
        let tasks: Vec<_> = lock(&self.informers)
            .values()
            .flat_map(|(_, informer)| informer.stop())
            .collect();
        crate::informer::wait_all(tasks, timeout).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use k8s_api::core::v1::ConfigMap;

    #[tokio::test]
    async fn scoped_informers_are_shared_by_type_namespace_and_selectors() {
        let fake = k8s_fake::FakeApiServer::new();
        let factory = SharedInformerFactory::new(fake.client(), None).tweak_list_options(|o| {
            o.label_selector = Some("tier=web".into());
        });
        let a = factory.scoped_informer::<ConfigMap>(Some("x"), Some("app=web"), None);
        let b = factory.scoped_informer::<ConfigMap>(Some("x"), Some("app=web"), Some(""));
        let other = factory.scoped_informer::<ConfigMap>(Some("y"), Some("app=web"), None);
        // No scope of its own: the factory's one informer of the type.
        let plain = factory.scoped_informer::<ConfigMap>(None, Some(""), None);
        let _ = factory.informer::<ConfigMap>();
        assert_eq!(lock(&factory.informers).len(), 3);
        assert_eq!(a.target(), b.target());
        assert_eq!(a.target().namespace.as_deref(), Some("x"));
        // The factory's tweak and the watch's own selector, together.
        assert_eq!(
            a.target().label_selector.as_deref(),
            Some("tier=web,app=web")
        );
        assert_eq!(other.target().namespace.as_deref(), Some("y"));
        assert_eq!(plain.target().namespace, None);
        assert_eq!(plain.target().label_selector.as_deref(), Some("tier=web"));
    }
}
