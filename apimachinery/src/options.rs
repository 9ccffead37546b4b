//! Request options and their query parameters.
//!
//! Each options struct renders exactly the query parameters client-go would send for it
//! (`metav1.ParameterCodec`): only set values, `dryRun=All` for dry runs, pointer-like `Option`
//! fields whenever they are `Some` (so `sendInitialEvents=false` is sent), and keys sorted as Go's
//! `url.Values.Encode` sorts them.
//!
//! ```
//! use k8s_apimachinery::{ListOptions, PatchType};
//!
//! let opts = ListOptions::default()
//!     .labels("app=web,tier!=cache")
//!     .limit(500)
//!     .resource_version("0");
//! assert_eq!(
//!     opts.to_query(),
//!     vec![
//!         ("labelSelector", "app=web,tier!=cache".to_string()),
//!         ("limit", "500".to_string()),
//!         ("resourceVersion", "0".to_string()),
//!     ]
//! );
//! assert_eq!(PatchType::Merge.content_type(), "application/merge-patch+json");
//! ```

use serde::{Deserialize, Serialize};

type Query = Vec<(&'static str, String)>;

fn push_opt(q: &mut Query, key: &'static str, v: &Option<String>) {
    if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
        q.push((key, v.to_owned()));
    }
}

/// How `resourceVersion` is interpreted by a list (`metav1.ResourceVersionMatch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceVersionMatch {
    /// Data at least as new as `resourceVersion`.
    NotOlderThan,
    /// Data at exactly `resourceVersion`.
    Exact,
}

impl ResourceVersionMatch {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceVersionMatch::NotOlderThan => "NotOlderThan",
            ResourceVersionMatch::Exact => "Exact",
        }
    }
}

/// How the server treats unknown or duplicate fields in a request body
/// (`fieldValidation` query parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and return a warning header.
    Warn,
    /// Fail the request.
    Strict,
}

impl FieldValidation {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Ignore => "Ignore",
            FieldValidation::Warn => "Warn",
            FieldValidation::Strict => "Strict",
        }
    }
}

/// Options of list and watch calls (`metav1.ListOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Label selector in query-string form (see [`crate::selector::Selector`]).
    pub label_selector: Option<String>,
    /// Field selector in query-string form (see [`crate::selector::FieldSelector`]).
    pub field_selector: Option<String>,
    /// Turn the list into a watch (the client usually sets this).
    pub watch: bool,
    /// Ask for `BOOKMARK` events during a watch.
    pub allow_watch_bookmarks: bool,
    /// `""` (most recent, quorum read), `"0"` (any, from cache) or a specific version.
    pub resource_version: Option<String>,
    /// How `resource_version` applies to a list.
    pub resource_version_match: Option<ResourceVersionMatch>,
    /// Server-side timeout of the call.
    pub timeout_seconds: Option<i64>,
    /// Page size (0 = no paging).
    pub limit: Option<i64>,
    /// The `continue` token of the previous page.
    pub continue_token: Option<String>,
    /// With `watch`: start with synthetic `ADDED` events for the current state, then a bookmark
    /// annotated `k8s.io/initial-events-end`.
    pub send_initial_events: Option<bool>,
}

/// Watch calls take the same options as lists, as in client-go.
pub type WatchOptions = ListOptions;

impl ListOptions {
    /// Sets the label selector.
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = Some(selector.into());
        self
    }

    /// Sets the field selector.
    pub fn fields(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = Some(selector.into());
        self
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the continue token.
    pub fn continue_token(mut self, token: impl Into<String>) -> Self {
        self.continue_token = Some(token.into());
        self
    }

    /// Sets the resource version.
    pub fn resource_version(mut self, rv: impl Into<String>) -> Self {
        self.resource_version = Some(rv.into());
        self
    }

    /// Sets the resource version match rule.
    pub fn resource_version_match(mut self, m: ResourceVersionMatch) -> Self {
        self.resource_version_match = Some(m);
        self
    }

    /// Sets the server-side timeout.
    pub fn timeout(mut self, seconds: i64) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Asks for bookmarks.
    pub fn bookmarks(mut self, on: bool) -> Self {
        self.allow_watch_bookmarks = on;
        self
    }

    /// Sets `sendInitialEvents`.
    pub fn send_initial_events(mut self, on: bool) -> Self {
        self.send_initial_events = Some(on);
        self
    }

    /// The query parameters, sorted by name.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Query::new();
        if self.allow_watch_bookmarks {
            q.push(("allowWatchBookmarks", "true".into()));
        }
        push_opt(&mut q, "continue", &self.continue_token);
        push_opt(&mut q, "fieldSelector", &self.field_selector);
        push_opt(&mut q, "labelSelector", &self.label_selector);
        if let Some(l) = self.limit.filter(|l| *l != 0) {
            q.push(("limit", l.to_string()));
        }
        push_opt(&mut q, "resourceVersion", &self.resource_version);
        if let Some(m) = self.resource_version_match {
            q.push(("resourceVersionMatch", m.as_str().into()));
        }
        if let Some(s) = self.send_initial_events {
            q.push(("sendInitialEvents", s.to_string()));
        }
        if let Some(t) = self.timeout_seconds {
            q.push(("timeoutSeconds", t.to_string()));
        }
        if self.watch {
            q.push(("watch", "true".into()));
        }
        q
    }
}

/// Options of get calls (`metav1.GetOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetOptions {
    /// `""` for the most recent (quorum read), `"0"` for any cached version.
    pub resource_version: Option<String>,
}

impl GetOptions {
    /// The query parameters.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Query::new();
        push_opt(&mut q, "resourceVersion", &self.resource_version);
        q
    }
}

macro_rules! write_options {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            /// Validate and admit, but do not persist (`dryRun=All`).
            pub dry_run: bool,
            /// The field manager recorded in `managedFields`.
            pub field_manager: Option<String>,
            /// How to treat unknown or duplicate fields.
            pub field_validation: Option<FieldValidation>,
            $($extra)*
        }

        impl $name {
            /// Sets `dryRun=All`.
            pub fn dry_run(mut self) -> Self {
                self.dry_run = true;
                self
            }

            /// Sets the field manager.
            pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
                self.field_manager = Some(manager.into());
                self
            }

            /// Sets the field validation mode.
            pub fn field_validation(mut self, v: FieldValidation) -> Self {
                self.field_validation = Some(v);
                self
            }

            fn common_query(&self, q: &mut Query) {
                if self.dry_run {
                    q.push(("dryRun", "All".into()));
                }
                push_opt(q, "fieldManager", &self.field_manager);
                if let Some(v) = self.field_validation {
                    q.push(("fieldValidation", v.as_str().into()));
                }
            }
        }
    };
}

write_options!(
    /// Options of create calls (`metav1.CreateOptions`).
    CreateOptions {}
);
write_options!(
    /// Options of update (PUT) calls (`metav1.UpdateOptions`).
    UpdateOptions {}
);
write_options!(
    /// Options of patch calls (`metav1.PatchOptions`). Server-side apply requires a field
    /// manager.
    PatchOptions {
        /// Apply only: take ownership of conflicting fields.
        pub force: Option<bool>,
    }
);

impl CreateOptions {
    /// The query parameters, sorted by name.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Query::new();
        self.common_query(&mut q);
        q
    }
}

impl UpdateOptions {
    /// The query parameters, sorted by name.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Query::new();
        self.common_query(&mut q);
        q
    }
}

impl PatchOptions {
    /// Server-side apply options: `fieldManager` set, `force` as given.
    pub fn apply(manager: impl Into<String>, force: bool) -> Self {
        Self {
            field_manager: Some(manager.into()),
            force: Some(force),
            ..Self::default()
        }
    }

    /// Sets `force`.
    pub fn force(mut self, force: bool) -> Self {
        self.force = Some(force);
        self
    }

    /// The query parameters, sorted by name.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Query::new();
        self.common_query(&mut q);
        if let Some(f) = self.force {
            q.push(("force", f.to_string()));
        }
        q
    }
}

/// The kind of a patch body, which decides its media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PatchType {
    /// RFC 6902 JSON patch (a list of operations).
    Json,
    /// RFC 7386 JSON merge patch.
    Merge,
    /// Kubernetes strategic merge patch (built-in types only).
    StrategicMerge,
    /// Server-side apply (a partial object, YAML or JSON).
    Apply,
}

impl PatchType {
    /// The `Content-Type` of a patch of this kind.
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
            PatchType::Apply => "application/apply-patch+yaml",
        }
    }
}

/// What happens to dependents when an owner is deleted (`metav1.DeletionPropagation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PropagationPolicy {
    /// Leave dependents alone.
    Orphan,
    /// Delete the owner now, dependents in the background.
    Background,
    /// Delete dependents first, then the owner.
    Foreground,
}

impl PropagationPolicy {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            PropagationPolicy::Orphan => "Orphan",
            PropagationPolicy::Background => "Background",
            PropagationPolicy::Foreground => "Foreground",
        }
    }
}

/// Options of delete calls, sent as the request body (`metav1.DeleteOptions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteOptions {
    /// `DeleteOptions` when sent as a body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `v1` when sent as a body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Seconds to wait before deleting; 0 deletes immediately.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_period_seconds: Option<i64>,
    /// Delete only if the UID / resource version still match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<Preconditions>,
    /// Deprecated: use `propagation_policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orphan_dependents: Option<bool>,
    /// What happens to dependents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propagation_policy: Option<PropagationPolicy>,
    /// `["All"]` for a dry run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<Vec<String>>,
    /// Delete even if the object cannot be read from storage (dangerous).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore_store_read_error_with_cluster_breaking_potential: Option<bool>,
}

impl DeleteOptions {
    /// Background propagation.
    pub fn background() -> Self {
        Self {
            propagation_policy: Some(PropagationPolicy::Background),
            ..Self::default()
        }
    }

    /// Foreground propagation.
    pub fn foreground() -> Self {
        Self {
            propagation_policy: Some(PropagationPolicy::Foreground),
            ..Self::default()
        }
    }

    /// Orphan dependents.
    pub fn orphan() -> Self {
        Self {
            propagation_policy: Some(PropagationPolicy::Orphan),
            ..Self::default()
        }
    }

    /// Sets the grace period.
    pub fn grace_period(mut self, seconds: i64) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// Sets `dryRun: ["All"]`.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = Some(vec!["All".into()]);
        self
    }

    /// Deletes only if the object still has this resource version.
    pub fn precondition_resource_version(mut self, rv: impl Into<String>) -> Self {
        self.preconditions
            .get_or_insert_with(Preconditions::default)
            .resource_version = Some(rv.into());
        self
    }

    /// Deletes only if the object still has this UID.
    pub fn precondition_uid(mut self, uid: impl Into<String>) -> Self {
        self.preconditions
            .get_or_insert_with(Preconditions::default)
            .uid = Some(uid.into());
        self
    }

    /// The same options as query parameters (the server accepts both; client-go sends the
    /// body). Preconditions have no query form.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Query::new();
        for d in self.dry_run.iter().flatten() {
            q.push(("dryRun", d.clone()));
        }
        if let Some(g) = self.grace_period_seconds {
            q.push(("gracePeriodSeconds", g.to_string()));
        }
        if let Some(o) = self.orphan_dependents {
            q.push(("orphanDependents", o.to_string()));
        }
        if let Some(p) = self.propagation_policy {
            q.push(("propagationPolicy", p.as_str().into()));
        }
        q
    }
}

/// Conditions a delete must meet (`metav1.Preconditions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preconditions {
    /// Required UID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Required resource version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_rendering() {
        assert!(ListOptions::default().to_query().is_empty());
        let all = ListOptions {
            label_selector: Some("a=b".into()),
            field_selector: Some("metadata.name=x".into()),
            watch: true,
            allow_watch_bookmarks: true,
            resource_version: Some("10".into()),
            resource_version_match: Some(ResourceVersionMatch::NotOlderThan),
            timeout_seconds: Some(0),
            limit: Some(0),
            continue_token: Some("tok".into()),
            send_initial_events: Some(false),
        };
        let q: Vec<String> = all
            .to_query()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            q,
            [
                "allowWatchBookmarks=true",
                "continue=tok",
                "fieldSelector=metadata.name=x",
                "labelSelector=a=b",
                "resourceVersion=10",
                "resourceVersionMatch=NotOlderThan",
                "sendInitialEvents=false",
                "timeoutSeconds=0",
                "watch=true"
            ]
        );
        let mut sorted = q.clone();
        sorted.sort();
        assert_eq!(q, sorted);
    }

    #[test]
    fn write_options_rendering() {
        assert!(CreateOptions::default().to_query().is_empty());
        let c = CreateOptions::default()
            .dry_run()
            .field_manager("me")
            .field_validation(FieldValidation::Strict);
        assert_eq!(
            c.to_query(),
            vec![
                ("dryRun", "All".to_string()),
                ("fieldManager", "me".to_string()),
                ("fieldValidation", "Strict".to_string())
            ]
        );
        let p = PatchOptions::apply("ctl", true);
        assert_eq!(
            p.to_query(),
            vec![
                ("fieldManager", "ctl".to_string()),
                ("force", "true".to_string())
            ]
        );
        assert_eq!(UpdateOptions::default().dry_run().to_query().len(), 1);
        assert_eq!(GetOptions::default().to_query(), vec![]);
        assert_eq!(
            GetOptions {
                resource_version: Some("0".into())
            }
            .to_query(),
            vec![("resourceVersion", "0".to_string())]
        );
    }

    #[test]
    fn delete_options_body() {
        let d = DeleteOptions::foreground()
            .grace_period(0)
            .precondition_resource_version("5")
            .dry_run();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"gracePeriodSeconds":0,"preconditions":{"resourceVersion":"5"},"propagationPolicy":"Foreground","dryRun":["All"]}"#
        );
        assert_eq!(
            d.to_query(),
            vec![
                ("dryRun", "All".to_string()),
                ("gracePeriodSeconds", "0".to_string()),
                ("propagationPolicy", "Foreground".to_string())
            ]
        );
        assert_eq!(
            serde_json::to_string(&DeleteOptions::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn patch_types() {
        assert_eq!(
            PatchType::Json.content_type(),
            "application/json-patch+json"
        );
        assert_eq!(
            PatchType::StrategicMerge.content_type(),
            "application/strategic-merge-patch+json"
        );
        assert_eq!(
            PatchType::Apply.content_type(),
            "application/apply-patch+yaml"
        );
    }
}
