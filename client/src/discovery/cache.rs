//! The in-memory discovery cache (client-go `discovery/cached/memory`).

use std::sync::Arc;

use k8s_apimachinery::VersionInfo;
use tokio::sync::RwLock;

use super::{Discovery, DiscoveryClient};
use crate::Error;

/// Discovery results kept in memory until invalidated. Clones share one cache; concurrent
/// callers of an empty cache wait for one fetch.
///
/// ```no_run
/// use k8s_client::discovery::{CachedDiscovery, DiscoveryClient};
/// # async fn demo(client: k8s_client::HttpClient) -> Result<(), k8s_client::Error> {
/// let cache = CachedDiscovery::new(DiscoveryClient::new(client));
/// let first = cache.discovery().await?;   // asks the server
/// let again = cache.discovery().await?;   // from memory
/// assert!(std::sync::Arc::ptr_eq(&first, &again));
/// cache.invalidate().await;               // a CRD was installed: forget
/// let fresh = cache.discovery().await?;   // asks again
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CachedDiscovery {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    client: DiscoveryClient,
    state: RwLock<Option<Arc<Discovery>>>,
}

impl CachedDiscovery {
    /// An empty cache over `client`.
    pub fn new(client: DiscoveryClient) -> Self {
        CachedDiscovery {
            inner: Arc::new(Inner {
                client,
                state: RwLock::new(None),
            }),
        }
    }

    /// The discovery client underneath.
    pub fn client(&self) -> &DiscoveryClient {
        &self.inner.client
    }

    /// The cached discovery, fetched first if the cache is empty.
    pub async fn discovery(&self) -> Result<Arc<Discovery>, Error> {
        if let Some(d) = &*self.inner.state.read().await {
            return Ok(d.clone());
        }
        let mut state = self.inner.state.write().await;
        if let Some(d) = &*state {
            return Ok(d.clone());
        }
        let d = Arc::new(self.inner.client.server_groups_and_resources().await?);
        *state = Some(d.clone());
        Ok(d)
    }

    /// Whether the cache holds a result (client-go's `Fresh()` for the memory cache).
    pub async fn is_populated(&self) -> bool {
        self.inner.state.read().await.is_some()
    }

    /// Forgets the cached result; the next call asks the server again.
    pub async fn invalidate(&self) {
        *self.inner.state.write().await = None;
    }

    /// Invalidates and fetches again.
    pub async fn refresh(&self) -> Result<Arc<Discovery>, Error> {
        let mut state = self.inner.state.write().await;
        let d = Arc::new(self.inner.client.server_groups_and_resources().await?);
        *state = Some(d.clone());
        Ok(d)
    }

    /// Refreshes unless someone else already replaced `seen` (so that many callers missing on
    /// the same stale result cause one fetch, not one each).
    pub(crate) async fn refresh_after(
        &self,
        seen: &Arc<Discovery>,
    ) -> Result<Arc<Discovery>, Error> {
        let mut state = self.inner.state.write().await;
        if let Some(current) = &*state
            && !Arc::ptr_eq(current, seen)
        {
            return Ok(current.clone());
        }
        let d = Arc::new(self.inner.client.server_groups_and_resources().await?);
        *state = Some(d.clone());
        Ok(d)
    }

    /// `GET /version` (not cached: it is one small request).
    pub async fn server_version(&self) -> Result<VersionInfo, Error> {
        self.inner.client.server_version().await
    }
}
