//! The generic resource client: every verb on one resource type, in one namespace or across
//! all of them.
//!
//! [`Api<K>`] is what client-go generates once per type (`PodInterface`, `DeploymentInterface`,
//! …) written once, generically. The generated clientset hands out `Api<Pod>` and friends; the
//! dynamic client is `Api<DynamicObject>` with a run-time [`ApiResource`]; the metadata client is
//! [`Api::metadata`], which asks the server for `PartialObjectMetadata`.
//!
//! ```no_run
//! use k8s_apimachinery::{ApiResource, DynamicObject, GetOptions, ListOptions, Scope};
//! use k8s_client::{Api, Config, HttpClient};
//!
//! # async fn demo() -> Result<(), k8s_client::Error> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let foos = ApiResource {
//!     group: "example.com".into(), version: "v1".into(), api_version: "example.com/v1".into(),
//!     kind: "Foo".into(), plural: "foos".into(), scope: Scope::Namespaced,
//! };
//! let api: Api<DynamicObject> = Api::namespaced_with(client, "book", &foos);
//! let foo = api.get("example", &GetOptions::default()).await?;
//! let all = api.list(&ListOptions::default().labels("app=web")).await?;
//! println!("{} has {} siblings", foo.metadata.name.unwrap_or_default(), all.items.len());
//! # Ok(()) }
//! ```

pub(crate) mod logs;
mod pager;
mod path;
pub mod remote;
pub(crate) mod watch;

use std::marker::PhantomData;

use bytes::Bytes;
use futures::Stream;
use http::{HeaderValue, Method};
use k8s_apimachinery::{
    ApiResource, CreateOptions, DeleteOptions, GetOptions, List, ListOptions, PatchOptions,
    PatchType, Resource, Status, UpdateOptions, WatchEvent,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use pager::DEFAULT_PAGE_SIZE;

use crate::transport::Request;
use crate::{Error, HttpClient};
use path::ResourcePath;

/// The content type of CREATE and UPDATE bodies.
const JSON: &str = "application/json";

/// What `delete` returns: the object (still there while finalizers or a grace period run, or
/// its last state) or the server's `Status` (for kinds that are gone at once).
#[derive(Debug, Clone)]
pub enum DeleteResult<K> {
    /// The object as the server returned it.
    Object(K),
    /// A `Status` with `status: Success`.
    Status(Box<Status>),
}

/// Every verb on one resource type (client-go's typed `XxxInterface`, or the dynamic
/// `ResourceInterface` for `K = DynamicObject`).
pub struct Api<K> {
    client: HttpClient,
    path: ResourcePath,
    accept: Option<&'static str>,
    _k: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api {
            client: self.client.clone(),
            path: self.path.clone(),
            accept: self.accept,
            _k: PhantomData,
        }
    }
}

impl<K> std::fmt::Debug for Api<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("path", &self.path).finish()
    }
}

/// The `Accept` header of the metadata client.
pub const ACCEPT_PARTIAL_METADATA: &str =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";
/// The `Accept` header of the metadata client's lists.
pub const ACCEPT_PARTIAL_METADATA_LIST: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

impl<K: Resource> Api<K> {
    /// `K` in namespace `ns`.
    pub fn namespaced(client: HttpClient, ns: &str) -> Self {
        Self::new(client, Some(ns), &ApiResource::erase::<K>())
    }

    /// `K` in every namespace (list/watch), or a cluster-scoped `K`.
    pub fn all(client: HttpClient) -> Self {
        Self::new(client, None, &ApiResource::erase::<K>())
    }
}

impl<K> Api<K> {
    /// A client for the resource described at run time (dynamic client), in `ns`.
    pub fn namespaced_with(client: HttpClient, ns: &str, resource: &ApiResource) -> Self {
        Self::new(client, Some(ns), resource)
    }

    /// A client for the resource described at run time, across namespaces or cluster-scoped.
    pub fn all_with(client: HttpClient, resource: &ApiResource) -> Self {
        Self::new(client, None, resource)
    }

    fn new(client: HttpClient, ns: Option<&str>, resource: &ApiResource) -> Self {
        Api {
            client,
            path: ResourcePath::new(resource, ns),
            accept: None,
            _k: PhantomData,
        }
    }

    /// The same resource through the metadata client: objects come back as
    /// `PartialObjectMetadata` (only apiVersion, kind and metadata).
    pub fn metadata(&self) -> Api<k8s_apimachinery::PartialObjectMetadata> {
        Api {
            client: self.client.clone(),
            path: self.path.clone(),
            accept: Some(ACCEPT_PARTIAL_METADATA),
            _k: PhantomData,
        }
    }

    /// The transport.
    pub fn client(&self) -> &HttpClient {
        &self.client
    }

    /// The namespace, if this client is namespaced.
    pub fn namespace(&self) -> Option<&str> {
        self.path.namespace.as_deref()
    }

    /// The resource's `apiVersion`: `v1`, `apps/v1`.
    pub fn api_version(&self) -> &str {
        &self.path.api_version
    }

    /// The resource's plural name, as in its URL: `configmaps`.
    pub fn plural(&self) -> &str {
        &self.path.plural
    }

    /// Whether the resource is namespaced or cluster-scoped. A namespaced resource with no
    /// [`namespace`](Self::namespace) is listed and watched across all namespaces.
    pub fn scope(&self) -> k8s_apimachinery::Scope {
        self.path.scope
    }
}

impl<K> Api<K>
where
    K: DeserializeOwned + Serialize + Clone + Send + 'static,
{
    fn request(&self, method: Method, path: String) -> Request {
        let mut req = Request::new(method, path);
        if let Some(accept) = self.accept {
            req = req.header(http::header::ACCEPT, HeaderValue::from_static(accept));
        }
        req
    }

    /// Encodes an object for CREATE/UPDATE with `apiVersion` and `kind` filled in when the
    /// object leaves them unset, as client-go's encoder does: the server needs them for custom
    /// resources (built-in endpoints default them). Objects that carry both are sent as they
    /// serialize; otherwise the missing fields are inserted at the front.
    fn encode_object(&self, object: &K) -> Result<Bytes, Error> {
        let encoded = serde_json::to_vec(object).map_err(|e| Error::Encode {
            what: "the object",
            source: Box::new(e),
        })?;
        #[derive(serde::Deserialize)]
        struct Head {
            #[serde(rename = "apiVersion")]
            api_version: Option<serde::de::IgnoredAny>,
            kind: Option<serde::de::IgnoredAny>,
        }
        let Ok(head) = serde_json::from_slice::<Head>(&encoded) else {
            // Not a JSON object (a caller's custom type): send it as it is.
            return Ok(Bytes::from(encoded));
        };
        if head.api_version.is_some() && head.kind.is_some() {
            return Ok(Bytes::from(encoded));
        }
        let mut prefix = serde_json::Map::new();
        if head.api_version.is_none() {
            prefix.insert("apiVersion".into(), self.path.api_version.clone().into());
        }
        if head.kind.is_none() {
            prefix.insert("kind".into(), self.path.kind.clone().into());
        }
        // `{"apiVersion":…,"kind":…}` + `,` + the rest of the object after its `{`.
        let mut out = serde_json::to_vec(&prefix).map_err(|e| Error::Encode {
            what: "the object",
            source: Box::new(e),
        })?;
        let rest = encoded.get(1..).unwrap_or_default();
        if rest.first() != Some(&b'}') {
            out.pop();
            out.push(b',');
            out.extend_from_slice(rest);
        }
        Ok(Bytes::from(out))
    }

    async fn decode<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        self.client.send_json(req).await
    }

    /// GET one object.
    pub async fn get(&self, name: &str, options: &GetOptions) -> Result<K, Error> {
        let path = self.path.item(name, None, &options.to_query())?;
        self.decode(self.request(Method::GET, path)).await
    }

    /// LIST objects (one page when `options.limit` is set; see [`Api::list_all`]).
    pub async fn list(&self, options: &ListOptions) -> Result<List<K>, Error> {
        let path = self.path.collection(&options.to_query())?;
        let mut req = self.request(Method::GET, path);
        if self.accept.is_some() {
            req = req.header(
                http::header::ACCEPT,
                HeaderValue::from_static(ACCEPT_PARTIAL_METADATA_LIST),
            );
        }
        self.decode(req).await
    }

    /// WATCH: a stream of events from `options.resource_version` on. Bookmarks and `ERROR`
    /// events are items; the stream ends when the server closes the watch.
    pub async fn watch(
        &self,
        options: &ListOptions,
    ) -> Result<impl Stream<Item = Result<WatchEvent<K>, Error>> + Send + use<K>, Error> {
        let mut options = options.clone();
        options.watch = true;
        let path = self.path.collection(&options.to_query())?;
        let url = self.client.url(&path)?.to_string();
        let resp = self
            .client
            .send(self.request(Method::GET, path).streaming())
            .await?;
        Ok(watch::decode_events::<K>(resp.into_body(), url))
    }

    /// CREATE an object (namespaced clients create in their namespace).
    pub async fn create(&self, object: &K, options: &CreateOptions) -> Result<K, Error> {
        let path = self.path.collection(&options.to_query())?;
        let body = self.encode_object(object)?;
        self.decode(self.request(Method::POST, path).body(body, JSON))
            .await
    }

    /// UPDATE (PUT) an object; its `metadata.name` says which, its `resourceVersion` guards
    /// against lost updates (a stale one gives a conflict).
    pub async fn update(
        &self,
        name: &str,
        object: &K,
        options: &UpdateOptions,
    ) -> Result<K, Error> {
        let path = self.path.item(name, None, &options.to_query())?;
        let body = self.encode_object(object)?;
        self.decode(self.request(Method::PUT, path).body(body, JSON))
            .await
    }

    /// UPDATE the `status` subresource.
    pub async fn update_status(
        &self,
        name: &str,
        object: &K,
        options: &UpdateOptions,
    ) -> Result<K, Error> {
        let path = self.path.item(name, Some("status"), &options.to_query())?;
        let body = self.encode_object(object)?;
        self.decode(self.request(Method::PUT, path).body(body, JSON))
            .await
    }

    /// DELETE an object.
    pub async fn delete(
        &self,
        name: &str,
        options: &DeleteOptions,
    ) -> Result<DeleteResult<K>, Error> {
        let path = self.path.item(name, None, &[])?;
        let req = self.request(Method::DELETE, path).json(options)?;
        self.object_or_status(req).await
    }

    /// DELETE a collection (the objects matching `list_options`).
    pub async fn delete_collection(
        &self,
        options: &DeleteOptions,
        list_options: &ListOptions,
    ) -> Result<DeleteResult<List<K>>, Error> {
        let path = self.path.collection(&list_options.to_query())?;
        let req = self.request(Method::DELETE, path).json(options)?;
        self.object_or_status(req).await
    }

    async fn object_or_status<T: DeserializeOwned>(
        &self,
        req: Request,
    ) -> Result<DeleteResult<T>, Error> {
        let (url, body) = self.client.send_bytes(req).await?;
        #[derive(serde::Deserialize)]
        struct Kind {
            kind: Option<String>,
        }
        let decode_err = |e: serde_json::Error| crate::error::decode_json(url.clone(), e);
        let kind: Kind = serde_json::from_slice(&body).map_err(decode_err)?;
        if kind.kind.as_deref() == Some("Status") {
            return Ok(DeleteResult::Status(
                serde_json::from_slice(&body).map_err(decode_err)?,
            ));
        }
        Ok(DeleteResult::Object(
            serde_json::from_slice(&body).map_err(decode_err)?,
        ))
    }

    /// PATCH an object with a JSON patch, merge patch or strategic merge patch.
    pub async fn patch<P: Serialize + ?Sized>(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &P,
        options: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource(name, None, patch_type, patch, options)
            .await
    }

    /// PATCH the `status` subresource.
    pub async fn patch_status<P: Serialize + ?Sized>(
        &self,
        name: &str,
        patch_type: PatchType,
        patch: &P,
        options: &PatchOptions,
    ) -> Result<K, Error> {
        self.patch_subresource(name, Some("status"), patch_type, patch, options)
            .await
    }

    async fn patch_subresource<P: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        name: &str,
        subresource: Option<&str>,
        patch_type: PatchType,
        patch: &P,
        options: &PatchOptions,
    ) -> Result<T, Error> {
        let path = self.path.item(name, subresource, &options.to_query())?;
        let body = serde_json::to_vec(patch).map_err(|e| Error::Encode {
            what: "the patch",
            source: Box::new(e),
        })?;
        let req = self
            .request(Method::PATCH, path)
            .body(Bytes::from(body), patch_type.content_type());
        self.decode(req).await
    }

    /// Server-side APPLY of `object` (its `apiVersion` and `kind` are filled in when missing)
    /// as `field_manager`; `force` takes over fields other managers own.
    pub async fn apply<T: Serialize + ?Sized>(
        &self,
        name: &str,
        object: &T,
        field_manager: &str,
        force: bool,
    ) -> Result<K, Error> {
        self.apply_subresource(name, None, object, field_manager, force)
            .await
    }

    /// Server-side APPLY of the `status` subresource.
    pub async fn apply_status<T: Serialize + ?Sized>(
        &self,
        name: &str,
        object: &T,
        field_manager: &str,
        force: bool,
    ) -> Result<K, Error> {
        self.apply_subresource(name, Some("status"), object, field_manager, force)
            .await
    }

    async fn apply_subresource<T: Serialize + ?Sized>(
        &self,
        name: &str,
        subresource: Option<&str>,
        object: &T,
        field_manager: &str,
        force: bool,
    ) -> Result<K, Error> {
        let mut value = serde_json::to_value(object).map_err(|e| Error::Encode {
            what: "the apply body",
            source: Box::new(e),
        })?;
        if let Some(map) = value.as_object_mut() {
            map.entry("apiVersion")
                .or_insert_with(|| self.path.api_version.clone().into());
            map.entry("kind")
                .or_insert_with(|| self.path.kind.clone().into());
        }
        let options = PatchOptions::apply(field_manager, force);
        self.patch_subresource(name, subresource, PatchType::Apply, &value, &options)
            .await
    }

    /// GET a subresource (`scale`, …) decoded as `T`.
    pub async fn get_subresource<T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
    ) -> Result<T, Error> {
        let path = self.path.item(name, Some(subresource), &[])?;
        self.decode(Request::get(path)).await
    }

    /// PUT a subresource (`scale`, …).
    pub async fn update_subresource<B: Serialize, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        body: &B,
        options: &UpdateOptions,
    ) -> Result<T, Error> {
        let path = self
            .path
            .item(name, Some(subresource), &options.to_query())?;
        self.decode(Request::new(Method::PUT, path).json(body)?)
            .await
    }

    /// PATCH a subresource (`scale`, …).
    pub async fn patch_subresource_as<P: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        patch_type: PatchType,
        patch: &P,
        options: &PatchOptions,
    ) -> Result<T, Error> {
        self.patch_subresource(name, Some(subresource), patch_type, patch, options)
            .await
    }

    /// POST to a subresource (`eviction` on pods, `token` on service accounts, `binding`).
    pub async fn create_subresource<B: Serialize, T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
        body: &B,
        options: &CreateOptions,
    ) -> Result<T, Error> {
        let path = self
            .path
            .item(name, Some(subresource), &options.to_query())?;
        self.decode(Request::new(Method::POST, path).json(body)?)
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use k8s_api::core::v1::ConfigMap;
    use k8s_apimachinery::ObjectMeta;

    fn api<K: k8s_apimachinery::Resource>() -> Api<K> {
        let client = HttpClient::new(crate::Config::new("https://127.0.0.1:1")).unwrap();
        Api::namespaced(client, "ns")
    }

    #[test]
    fn objects_get_api_version_and_kind_when_unset() {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some("a".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let body = api::<ConfigMap>().encode_object(&cm).unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#
        );
        // Set ones are kept, and nothing is duplicated.
        let mut typed = cm.clone();
        typed.kind = Some("ConfigMap".into());
        typed.api_version = Some("v1".into());
        let body = api::<ConfigMap>().encode_object(&typed).unwrap();
        assert_eq!(body, Bytes::from(serde_json::to_vec(&typed).unwrap()));
        // Only the missing one is added.
        let mut half = cm;
        half.kind = Some("ConfigMap".into());
        let body = api::<ConfigMap>().encode_object(&half).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["kind"], "ConfigMap");
        assert_eq!(v.as_object().unwrap().len(), 3, "{v}");
    }

    #[test]
    fn an_empty_object_becomes_just_its_type() {
        let client = HttpClient::new(crate::Config::new("https://127.0.0.1:1")).unwrap();
        let resource = k8s_apimachinery::ApiResource::erase::<ConfigMap>();
        let api = Api::<serde_json::Value>::namespaced_with(client, "ns", &resource);
        let body = api.encode_object(&serde_json::json!({})).unwrap();
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"apiVersion":"v1","kind":"ConfigMap"}"#
        );
    }
}
