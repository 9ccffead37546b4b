//! Discovery: which groups, versions and resources the server serves, its version, and the
//! RESTMapper that turns what a user types (`deploy`, `Deployment`, `deployments.apps`) into a
//! resource the dynamic client can use (client-go's `discovery` and `restmapper` packages).
//!
//! - [`DiscoveryClient`] asks the server. [`server_groups_and_resources`] uses **aggregated
//!   discovery** (`apidiscovery.k8s.io/v2`: two requests, `/api` and `/apis`, for everything) and
//!   falls back to the legacy documents (`/api`, `/apis`, then one request per group version)
//!   when the server answers without it.
//! - [`CachedDiscovery`] keeps the answer in memory, shared by clones, until
//!   [`invalidate`](CachedDiscovery::invalidate)d (client-go's `memory.NewMemCacheClient`).
//! - [`RestMapper`] resolves names the way kubectl does and refreshes the cache once when a
//!   name is not found (client-go's `DeferredDiscoveryRESTMapper` + `ShortcutExpander`).
//!
//! ```no_run
//! use k8s_apimachinery::{DynamicObject, ListOptions};
//! use k8s_client::discovery::{CachedDiscovery, DiscoveryClient, RestMapper};
//! use k8s_client::{Api, Config, HttpClient};
//!
//! # async fn demo() -> Result<(), k8s_client::Error> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let discovery = DiscoveryClient::new(client.clone());
//! println!("server {}", discovery.server_version().await?.git_version);
//!
//! let cache = CachedDiscovery::new(discovery);
//! for r in cache.discovery().await?.preferred_resources() {
//!     println!("{} {} {}", r.plural, r.group_version(), r.kind);
//! }
//!
//! let mapper = RestMapper::new(cache);
//! let deploy = mapper.mapping_for("deploy").await?; // or "Deployment", "deployments.apps", …
//! let api: Api<DynamicObject> = Api::namespaced_with(client, "book", &deploy.resource);
//! let list = api.list(&ListOptions::default()).await?;
//! println!("{} deployments", list.items.len());
//! # Ok(()) }
//! ```
//!
//! [`server_groups_and_resources`]: DiscoveryClient::server_groups_and_resources

pub mod aggregated;
mod cache;
mod model;
mod restmapper;

use futures::StreamExt;
use http::HeaderValue;
use k8s_apimachinery::{
    APIGroup, APIGroupList, APIResourceList, APIVersions, GroupVersion, VersionInfo,
};
use serde::de::DeserializeOwned;

pub use cache::CachedDiscovery;
pub use model::{
    DiscoveredGroup, DiscoveredResource, DiscoveredSubresource, DiscoveredVersion, Discovery,
    DiscoverySource, FailedGroupVersion,
};
pub use restmapper::{RestMapper, RestMapping};

use crate::transport::Request;
use crate::{Error, HttpClient};
use aggregated::{ACCEPT_AGGREGATED, APIGroupDiscoveryList, is_aggregated_content_type};

/// How many legacy group-version requests run at once.
const LEGACY_CONCURRENCY: usize = 16;

/// Asks the server what it serves (client-go `discovery.DiscoveryClient`). Cheap to clone.
#[derive(Clone, Debug)]
pub struct DiscoveryClient {
    client: HttpClient,
    aggregated: bool,
}

/// One endpoint's answer.
enum Answer<L> {
    Aggregated(APIGroupDiscoveryList),
    Legacy(L),
    /// 404: the server has no such endpoint (a server without the core group, say).
    Missing,
}

impl DiscoveryClient {
    /// A discovery client over `client`, preferring aggregated discovery.
    pub fn new(client: HttpClient) -> Self {
        DiscoveryClient {
            client,
            aggregated: true,
        }
    }

    /// The same client, asking only for the legacy documents (client-go's `WithLegacy()`).
    pub fn legacy(mut self) -> Self {
        self.aggregated = false;
        self
    }

    /// The transport.
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// `GET /version`.
    pub async fn server_version(&self) -> Result<VersionInfo, Error> {
        self.client.send_json(Request::get("/version")).await
    }

    /// The legacy `/api` document (the core group's versions).
    pub async fn legacy_api_versions(&self) -> Result<APIVersions, Error> {
        self.client.send_json(Request::get("/api")).await
    }

    /// The legacy `/apis` document (every other group).
    pub async fn legacy_api_groups(&self) -> Result<APIGroupList, Error> {
        self.client.send_json(Request::get("/apis")).await
    }

    /// Every group, the core group (named `""`) first (client-go `ServerGroups`), from the
    /// legacy documents.
    pub async fn server_groups(&self) -> Result<Vec<APIGroup>, Error> {
        let (core, groups) =
            futures::try_join!(self.legacy_api_versions(), self.legacy_api_groups())?;
        let mut out = Vec::with_capacity(groups.groups.len() + 1);
        if !core.versions.is_empty() {
            out.push(core_group(&core.versions));
        }
        out.extend(groups.groups);
        Ok(out)
    }

    /// The resources of one group version, from the legacy endpoint (`/api/v1`,
    /// `/apis/{group}/{version}`).
    pub async fn server_resources_for_group_version(
        &self,
        gv: &GroupVersion,
    ) -> Result<APIResourceList, Error> {
        let path = if gv.group.is_empty() {
            format!("/api/{}", gv.version)
        } else {
            format!("/apis/{}/{}", gv.group, gv.version)
        };
        self.client.send_json(Request::get(path)).await
    }

    /// Every group, version and resource (client-go `ServerGroupsAndResources`): aggregated
    /// discovery when the server offers it, else the legacy documents (then one request per
    /// group version, a few at a time).
    ///
    /// Group versions that could not be read (stale aggregated versions, failed legacy
    /// requests) are in [`Discovery::failed`]; the rest is returned (client-go returns the same
    /// partial result alongside `ErrGroupDiscoveryFailed`).
    pub async fn server_groups_and_resources(&self) -> Result<Discovery, Error> {
        let (core, groups) = futures::try_join!(
            self.fetch::<APIVersions>("/api"),
            self.fetch::<APIGroupList>("/apis")
        )?;
        let mut aggregated_count = 0;
        let mut legacy_count = 0;
        let mut failed = Vec::new();
        let mut out = Vec::new();
        let mut legacy_gvs: Vec<(usize, GroupVersion)> = Vec::new();

        match core {
            Answer::Aggregated(list) => {
                aggregated_count += 1;
                out.extend(
                    list.items
                        .iter()
                        .map(|g| model::from_aggregated_group(g, &mut failed)),
                );
            }
            Answer::Legacy(core) => {
                legacy_count += 1;
                if !core.versions.is_empty() {
                    let idx = out.len();
                    out.push(DiscoveredGroup {
                        name: String::new(),
                        versions: Vec::new(),
                        preferred_version: core.versions.first().cloned(),
                    });
                    legacy_gvs.extend(
                        core.versions
                            .iter()
                            .map(|v| (idx, GroupVersion::new("", v))),
                    );
                }
            }
            Answer::Missing => {}
        }
        match groups {
            Answer::Aggregated(list) => {
                aggregated_count += 1;
                out.extend(
                    list.items
                        .iter()
                        .map(|g| model::from_aggregated_group(g, &mut failed)),
                );
            }
            Answer::Legacy(groups) => {
                legacy_count += 1;
                for g in groups.groups {
                    let idx = out.len();
                    legacy_gvs.extend(
                        g.versions
                            .iter()
                            .map(|v| (idx, GroupVersion::new(&g.name, &v.version))),
                    );
                    out.push(DiscoveredGroup {
                        name: g.name,
                        versions: Vec::new(),
                        preferred_version: g.preferred_version.map(|p| p.version),
                    });
                }
            }
            Answer::Missing => {}
        }

        if !legacy_gvs.is_empty() {
            let results: Vec<_> = futures::stream::iter(legacy_gvs)
                .map(|(idx, gv)| async move {
                    let res = self.server_resources_for_group_version(&gv).await;
                    (idx, gv, res)
                })
                .buffered(LEGACY_CONCURRENCY)
                .collect()
                .await;
            for (idx, gv, res) in results {
                match res {
                    Ok(list) => {
                        let version =
                            model::from_legacy_resource_list(&gv.group, &gv.version, &list);
                        if let Some(group) = out.get_mut(idx) {
                            group.versions.push(version);
                        }
                    }
                    Err(e) => {
                        tracing::debug!(%gv, error = %e, "discovery of a group version failed");
                        failed.push(FailedGroupVersion {
                            group_version: gv,
                            reason: e.to_string(),
                        });
                    }
                }
            }
        }

        let source = match (aggregated_count, legacy_count) {
            (_, 0) => DiscoverySource::Aggregated,
            (0, _) => DiscoverySource::Legacy,
            _ => DiscoverySource::Mixed,
        };
        Ok(Discovery {
            source,
            groups: out,
            failed,
        })
    }

    /// GETs `/api` or `/apis`, asking for aggregated discovery unless disabled, and tells the
    /// answers apart by `Content-Type` (and, failing that, by the document's `kind`).
    async fn fetch<L: DeserializeOwned>(&self, path: &str) -> Result<Answer<L>, Error> {
        let mut req = Request::get(path);
        if self.aggregated {
            req = req.header(
                http::header::ACCEPT,
                HeaderValue::from_static(ACCEPT_AGGREGATED),
            );
        }
        let url = self.client.url(path)?.to_string();
        let resp = match self.client.send(req).await {
            Ok(resp) => resp,
            Err(e) if e.is_not_found() => return Ok(Answer::Missing),
            Err(e) => return Err(e),
        };
        let content_type = resp
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::body("GET", url.clone(), "reading the body", e))?;
        let decode_err = |e: serde_json::Error| crate::error::decode_json(url.clone(), e);
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct TypeMeta {
            kind: Option<String>,
            api_version: Option<String>,
        }
        let aggregated = is_aggregated_content_type(&content_type) || {
            let tm: TypeMeta = serde_json::from_slice(&body).map_err(decode_err)?;
            tm.kind.as_deref() == Some(aggregated::KIND)
                && tm.api_version.as_deref() == Some(aggregated::API_VERSION)
        };
        if aggregated {
            Ok(Answer::Aggregated(
                serde_json::from_slice(&body).map_err(decode_err)?,
            ))
        } else {
            Ok(Answer::Legacy(
                serde_json::from_slice(&body).map_err(decode_err)?,
            ))
        }
    }
}

fn core_group(versions: &[String]) -> APIGroup {
    let gv = |v: &String| k8s_apimachinery::GroupVersionForDiscovery {
        group_version: v.clone(),
        version: v.clone(),
    };
    APIGroup {
        name: String::new(),
        versions: versions.iter().map(gv).collect(),
        preferred_version: versions.first().map(gv),
        ..APIGroup::default()
    }
}

#[cfg(test)]
mod tests;
