//! # The conformance suite: one set of scenarios, any API server
//!
//! Every scenario is written once, against the client only (`HttpClient`, the typed
//! `Api<K>`/`Clientset`, and raw requests where the exact status code, reason and message
//! matter), so it runs unchanged against any [`HttpClient`]: the real kube-apiserver v1.37.2 of
//! the test plane (`tests/tests/conformance_real.rs`) and the in-process fake API server
//! (`Target::new("fake", fake.client())`). The real server is the specification: a scenario
//! asserts what the real server does, and the fake passes it or lists the deviation.
//!
//! ```no_run
//! # async fn demo(client: k8s_client::HttpClient) {
//! use k8s_rs_tests::conformance::{Target, run};
//! let report = run(&Target::new("real", client), None).await;
//! println!("{report}");
//! assert!(report.is_success(), "{}", report.failures());
//! # }
//! ```
//!
//! ## How a scenario runs
//!
//! [`run`] gives each scenario a fresh namespace it creates through the client
//! (`generateName: c-<scenario>-`, labelled `k8s-rs.test/conformance=<scenario>`), runs up to
//! [`CONCURRENCY`] scenarios at once (they never share objects; the few that need
//! cluster-scoped objects make their own: a namespace named after theirs, a CRD in a group named
//! after theirs) and deletes the namespaces afterwards. A scenario has [`SCENARIO_TIMEOUT`] to
//! finish. Scenarios never sleep to synchronise: they read back what they wrote, start watches
//! from a known resourceVersion, and bound every wait with a timeout, so a fast in-process
//! server passes them as well as a slow real one.
//!
//! Assertions compare behaviour, not incidental values: a uid is non-empty and differs between
//! objects (never a particular uid), resourceVersions increase, a message has the real server's
//! shape with the names of the scenario in it (`configmaps "dup" already exists`), and `*` in a
//! message shape stands for what varies (a uid, a revision).
//!
//! ## The test plane, and what that means for the scenarios
//!
//! The plane runs etcd and kube-apiserver only: no controller-manager (no garbage collector, no
//! namespace controller), no scheduler, no kubelet. So a deleted namespace stays `Terminating`;
//! a Pod bound to a node keeps its `deletionTimestamp` until its grace period is cut to 0;
//! foreground and orphan deletions leave the owner with its `foregroundDeletion`/`orphan`
//! finalizer. The fake must behave the same (it has no controllers either).
//!
//! Two scenarios need a resourceVersion the server no longer has:
//! - `watch_too_old_resource_version_is_expired` watches a freshly installed CRD from
//!   resourceVersion 1: the real server's watch cache of a new resource starts at the CRD's
//!   creation, so it answers with an `ERROR` event `410 Expired` deterministically.
//! - `list_from_compacted_history_is_expired` lists a freshly installed CRD with a continue token
//!   whose resourceVersion is 1: the watch cache has no snapshot that old, the request falls
//!   through to etcd, and etcd answers 410 only once revision 1 is compacted. The apiserver
//!   compacts every 5 minutes (first after 10), so `conformance_real` compacts etcd at revision
//!   10 before the run — a step the plane takes by itself later anyway. The fake must treat
//!   resourceVersion 1 as outside its history window, and mint continue tokens in the
//!   apiserver's format (base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"…"}`), since the
//!   scenario rewrites the `rv` of a real token.
//!
//! Not covered, because the real server has no counterpart: the fake's reactors, action log and
//! fault injection (issue #17 proves those with its own tests).
//!
//! ## Scenarios by area, and the bullet of issue #17 each covers
//!
//! | area | scenario | bullet |
//! |---|---|---|
//! | create | `create_fills_server_fields` | create: uid, creationTimestamp, resourceVersion, generation 1 |
//! | create | `create_replaces_client_set_identity` | create: uid, creationTimestamp |
//! | create | `create_gives_each_object_its_own_uid_and_a_later_resource_version` | create: uid, resourceVersion |
//! | create | `create_with_generate_name` | create: `generateName` |
//! | create | `create_name_wins_over_generate_name` | create: `generateName` |
//! | create | `create_existing_name_is_already_exists` | create: `AlreadyExists` 409 |
//! | create | `create_in_missing_namespace_is_not_found` | create: namespace must exist (NamespaceLifecycle) |
//! | create | `create_in_terminating_namespace_is_forbidden` | create: namespace must exist (NamespaceLifecycle) |
//! | create | `create_dry_run_persists_nothing` | create: dry-run |
//! | create | `create_with_resource_version_is_refused` | create; bad input |
//! | create | `create_namespace_mismatch_is_bad_request` | create; bad input |
//! | create | `create_namespace_defaults` | registry: built-in scope; NamespaceLifecycle |
//! | read | `discovery_describes_built_in_resources` | registry: built-in scope, verbs, subresources, kinds |
//! | read | `get_returns_what_create_returned` | get |
//! | read | `get_missing_is_not_found` | get; `NotFound` |
//! | read | `list_is_sorted_by_name_and_versioned` | list |
//! | read | `list_with_label_selectors` | get/list: label selectors |
//! | read | `list_with_field_selectors` | get/list: field selectors |
//! | read | `list_metadata_only` | get/list (metadata client) |
//! | read | `list_across_namespaces` | get/list |
//! | read | `list_pages_with_limit_and_continue` | get/list: `limit`/`continue` paging |
//! | read | `list_continue_reads_a_snapshot` | get/list: `limit`/`continue` paging |
//! | read | `list_resource_version_unset_is_the_latest` | get/list: resourceVersion `""` |
//! | read | `list_resource_version_zero_is_any` | get/list: resourceVersion `"0"` |
//! | read | `list_resource_version_not_older_than` | get/list: resourceVersion with `resourceVersionMatch=NotOlderThan` |
//! | read | `list_resource_version_exact` | get/list: exact resourceVersion with `resourceVersionMatch` |
//! | read | `list_from_compacted_history_is_expired` | get/list: `410 Expired` for an expired continue token |
//! | update | `update_with_current_resource_version` | update: optimistic concurrency |
//! | update | `update_with_stale_resource_version_conflicts` | update: 409 Conflict on a stale resourceVersion |
//! | update | `update_without_resource_version_is_unconditional` | update: optimistic concurrency |
//! | update | `update_that_changes_nothing_keeps_the_resource_version` | update |
//! | update | `update_of_missing_object_is_not_found` | update; `NotFound` |
//! | update | `update_with_another_name_is_bad_request` | update; bad input |
//! | update | `update_with_another_uid_conflicts` | update: optimistic concurrency (uid) |
//! | update | `generation_moves_with_the_spec_only` | update: generation bumped on spec changes only |
//! | update | `main_endpoint_ignores_status` | update: status subresource rules (main endpoint ignores status) |
//! | update | `status_endpoint_ignores_spec_and_metadata` | update: status subresource rules (`/status` ignores the rest) |
//! | update | `scale_subresource_reads_and_writes_replicas` | update: `/scale` |
//! | update | `scale_subresource_conflicts_on_stale_resource_version` | update: `/scale`; Conflict |
//! | update | `subresources_only_where_the_kind_has_them` | registry: subresources; update |
//! | patch | `json_patch_add_replace_remove_test` | patch: JSON patch |
//! | patch | `json_patch_failed_test_is_invalid` | patch: JSON patch |
//! | patch | `json_patch_missing_paths` | patch: JSON patch |
//! | patch | `merge_patch_sets_and_deletes_keys` | patch: merge patch |
//! | patch | `merge_patch_replaces_lists` | patch: merge patch |
//! | patch | `strategic_merge_patch_merges_lists_by_key` | patch: strategic merge patch (merge keys) |
//! | patch | `strategic_merge_patch_delete_directive` | patch: strategic merge patch (`$patch: delete`) |
//! | patch | `strategic_merge_patch_replace_directive` | patch: strategic merge patch (`$patch: replace`) |
//! | patch | `strategic_merge_patch_set_element_order` | patch: strategic merge patch (`$setElementOrder`) |
//! | patch | `strategic_merge_patch_primitive_lists` | patch: strategic merge patch (merge strategy, `$deleteFromPrimitiveList`) |
//! | patch | `strategic_merge_patch_retain_keys` | patch: strategic merge patch (`retainKeys` strategy) |
//! | patch | `patch_with_stale_resource_version_conflicts` | patch; update: optimistic concurrency |
//! | patch | `patch_of_missing_object_is_not_found` | patch; `NotFound` |
//! | patch | `apply_creates_with_managed_fields` | patch: server-side apply, create-or-merge, managedFields |
//! | patch | `apply_merges_the_fields_of_two_managers` | patch: server-side apply, create-or-merge, managedFields |
//! | patch | `apply_conflicts_with_another_manager` | patch: server-side apply, conflicts on fields another manager owns |
//! | patch | `apply_force_takes_ownership` | patch: server-side apply, force |
//! | patch | `apply_removes_fields_the_manager_dropped` | patch: server-side apply, managedFields |
//! | patch | `apply_conflicts_with_an_update_manager` | patch: server-side apply, conflicts (with an `Update` manager) |
//! | patch | `apply_requires_a_field_manager` | patch: server-side apply; bad input |
//! | patch | `apply_extract_modify_apply` | patch: server-side apply, extract of a manager's fields |
//! | delete | `delete_answers_a_status_for_configmaps` | delete |
//! | delete | `delete_of_missing_object_is_not_found` | delete; `NotFound` |
//! | delete | `finalizers_keep_the_object_until_the_last_goes` | delete: finalizers (deletionTimestamp set, kept until the last goes) |
//! | delete | `unscheduled_pod_is_deleted_at_once` | delete: `gracePeriodSeconds` |
//! | delete | `bound_pod_waits_for_its_grace_period` | delete: `gracePeriodSeconds` |
//! | delete | `grace_period_is_ignored_by_kinds_without_graceful_deletion` | delete: `gracePeriodSeconds` |
//! | delete | `delete_precondition_uid` | delete: preconditions (uid) |
//! | delete | `delete_precondition_resource_version` | delete: preconditions (resourceVersion) |
//! | delete | `delete_collection_with_selectors` | delete: `deletecollection` |
//! | delete | `delete_dry_run_keeps_the_object` | delete; dry-run |
//! | delete | `propagation_foreground_records_a_finalizer` | delete: propagation policy recorded (no garbage collector) |
//! | delete | `propagation_orphan_records_a_finalizer` | delete: propagation policy recorded (no garbage collector) |
//! | delete | `propagation_background_deletes_at_once` | delete: propagation policy |
//! | delete | `propagation_policy_unknown_is_invalid` | delete: propagation policy; bad input |
//! | watch | `watch_from_resource_version_replays_changes_in_order` | watch: from a resourceVersion; events in resourceVersion order |
//! | watch | `watch_without_resource_version_starts_with_the_current_state` | watch |
//! | watch | `watch_from_resource_version_zero_starts_with_the_current_state` | watch |
//! | watch | `watch_bookmarks_only_when_asked` | watch: bookmarks when asked |
//! | watch | `watch_send_initial_events_ends_with_a_bookmark` | watch: `sendInitialEvents` with the initial-events-end bookmark |
//! | watch | `watch_send_initial_events_requires_not_older_than` | watch: `sendInitialEvents`; bad input |
//! | watch | `watch_label_selector_filters_and_follows_transitions` | watch: selectors applied |
//! | watch | `watch_field_selector_on_name` | watch: selectors applied |
//! | watch | `watch_sees_only_its_namespace` | watch |
//! | watch | `watch_ends_when_its_timeout_passes` | watch |
//! | watch | `watch_too_old_resource_version_is_expired` | watch: `410` for a resourceVersion older than the history window |
//! | errors | `unknown_resource_is_not_found` | bad input: unknown resource |
//! | errors | `unknown_group_is_not_found` | bad input: unknown resource |
//! | errors | `malformed_json_body_is_bad_request` | bad input |
//! | errors | `wrong_kind_in_body_is_bad_request` | bad input: wrong kind in body |
//! | errors | `missing_kind_in_body_is_taken_from_the_url` | bad input: kind in body |
//! | errors | `malformed_merge_patch_is_bad_request` | bad input: malformed patch |
//! | errors | `malformed_json_patch_is_bad_request` | bad input: malformed patch |
//! | errors | `unsupported_patch_content_type` | bad input: malformed patch |
//! | errors | `invalid_name_is_invalid` | bad input: invalid name |
//! | errors | `missing_name_is_invalid` | bad input: invalid name |
//! | errors | `method_not_allowed` | bad input; registry: verbs |
//! | errors | `invalid_label_selector_is_bad_request` | bad input; get/list: label selectors |
//! | errors | `unknown_field_selector_is_bad_request` | bad input; get/list: field selectors |
//! | errors | `resource_version_match_without_resource_version_is_invalid` | bad input; get/list: resourceVersion semantics |
//! | errors | `invalid_resource_version_is_bad_request` | bad input; get/list: resourceVersion semantics |
//! | crd | `crd_is_served_with_its_subresources_in_discovery` | registry: CRDs (scope, versions, status/scale subresources) |
//! | crd | `crd_create_sets_generation_prunes_and_drops_status` | registry: CRDs; create: generation 1 |
//! | crd | `crd_schema_validation` | registry: CRDs; bad input |
//! | crd | `crd_status_subresource` | registry: CRDs (status subresource); update: generation on spec only |
//! | crd | `crd_scale_subresource` | registry: CRDs (scale subresource); update: `/scale` |
//! | crd | `crd_update_requires_resource_version` | registry: CRDs; update: optimistic concurrency |
//! | crd | `crd_rejects_strategic_merge_patch` | registry: CRDs; patch: strategic merge patch for built-in kinds only |
//! | crd | `crd_wrong_kind_is_invalid` | registry: CRDs; bad input: wrong kind in body |
//! | crd | `crd_cluster_scoped` | registry: CRDs (scope) |
//! | crd | `crd_served_versions_share_storage` | registry: CRDs (versions) |
//! | crd | `crd_apply_and_merge_patch` | registry: CRDs; patch: server-side apply, merge patch |
//!
//! (`suite_is_documented` checks that this table names every scenario.)

mod apply;
mod crd;
mod create;
mod delete;
mod errors;
mod paging;
mod patch;
mod read;
mod report;
mod support;
mod update;
mod watch;
mod widgets;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::BoxFuture;
use k8s_api::core::v1::Namespace;
use k8s_apimachinery::{CreateOptions, DeleteOptions};
use k8s_client::{Api, HttpClient};
use serde_json::json;

pub use report::{Report, ScenarioResult, Verdict};

/// How many scenarios run at once.
pub const CONCURRENCY: usize = 8;

/// How long one scenario may take, its namespace's setup included.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(60);

/// The label every namespace of the suite carries; its value is the scenario's name.
pub const SCENARIO_LABEL: &str = "k8s-rs.test/conformance";

/// An API server to run the suite against.
#[derive(Debug, Clone)]
pub struct Target {
    /// `real` or `fake`: shown in the report.
    pub name: &'static str,
    /// A client for it, with the rights of a cluster admin.
    pub client: HttpClient,
}

impl Target {
    /// A target named `name` reached through `client`.
    pub fn new(name: &'static str, client: HttpClient) -> Self {
        Target { name, client }
    }
}

/// What a scenario gets: the target's client and a fresh namespace of its own.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The target's client.
    pub client: HttpClient,
    /// The scenario's own namespace (created for it, deleted after it).
    pub namespace: String,
    /// The scenario's name.
    pub name: &'static str,
    /// More namespaces the scenario created, deleted with its own.
    extra: Arc<Mutex<Vec<String>>>,
}

/// Why a scenario did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An assertion failed: what was expected and what came back.
    Failed(String),
    /// The scenario cannot run its assertions on this target, for the reason given.
    Skipped(String),
}

impl Failure {
    /// An assertion failure.
    pub fn failed(message: impl Into<String>) -> Self {
        Failure::Failed(message.into())
    }

    /// A skip, with its reason.
    pub fn skip(reason: impl Into<String>) -> Self {
        Failure::Skipped(reason.into())
    }
}

impl From<k8s_client::Error> for Failure {
    /// A request that was expected to succeed failed: the method, URL, status code, reason and
    /// message.
    fn from(e: k8s_client::Error) -> Self {
        Failure::Failed(format!("unexpected error: {e}"))
    }
}

/// One scenario.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Its name (unique).
    pub name: &'static str,
    /// Its area: `create`, `read`, `update`, `patch`, `delete`, `watch`, `errors`, `crd`.
    pub area: &'static str,
    /// What it does, given its context.
    pub run: fn(Ctx) -> BoxFuture<'static, Result<(), Failure>>,
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("area", &self.area)
            .finish()
    }
}

/// Registers async functions `fn(Ctx) -> Outcome` of one area as scenarios named after them.
macro_rules! register {
    ($area:literal: $($f:ident),* $(,)?) => {
        vec![$($crate::conformance::Scenario {
            name: stringify!($f),
            area: $area,
            run: |ctx| Box::pin($f(ctx)),
        }),*]
    };
}
pub(crate) use register;

/// Every scenario, by area.
pub fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    all.extend(create::scenarios());
    all.extend(read::scenarios());
    all.extend(paging::scenarios());
    all.extend(update::scenarios());
    all.extend(patch::scenarios());
    all.extend(apply::scenarios());
    all.extend(delete::scenarios());
    all.extend(watch::scenarios());
    all.extend(errors::scenarios());
    all.extend(crd::scenarios());
    all
}

/// Runs the scenarios whose name contains `filter` or whose area is `filter` (all of them
/// when `None`) against `target`, [`CONCURRENCY`] at a time, each in a fresh namespace.
pub async fn run(target: &Target, filter: Option<&str>) -> Report {
    let started = Instant::now();
    let chosen: Vec<Scenario> = scenarios()
        .into_iter()
        .filter(|s| filter.is_none_or(|f| s.area == f || s.name.contains(f)))
        .collect();
    let mut results: Vec<(usize, ScenarioResult)> =
        futures::stream::iter(chosen.into_iter().enumerate().map(|(i, s)| {
            let client = target.client.clone();
            async move { (i, run_one(client, s).await) }
        }))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    Report {
        target: target.name,
        results: results.into_iter().map(|(_, r)| r).collect(),
        wall: started.elapsed(),
    }
}

async fn run_one(client: HttpClient, scenario: Scenario) -> ScenarioResult {
    let started = Instant::now();
    let verdict = match run_in_namespace(&client, scenario).await {
        Ok(()) => Verdict::Passed,
        Err(Failure::Failed(why)) => Verdict::Failed(why),
        Err(Failure::Skipped(why)) => Verdict::Skipped(why),
    };
    ScenarioResult {
        name: scenario.name,
        area: scenario.area,
        verdict,
        duration: started.elapsed(),
    }
}

async fn run_in_namespace(client: &HttpClient, scenario: Scenario) -> Result<(), Failure> {
    let prefix: String = format!("c-{}", scenario.name.replace('_', "-"))
        .chars()
        .take(40)
        .collect();
    let prefix = format!("{}-", prefix.trim_end_matches('-'));
    let namespace = create_namespace(client, &prefix, scenario.name)
        .await
        .map_err(|e| match e {
            Failure::Failed(why) => {
                Failure::failed(format!("setup: creating the namespace: {why}"))
            }
            skip => skip,
        })?;
    let extra = Arc::new(Mutex::new(Vec::new()));
    let ctx = Ctx {
        client: client.clone(),
        namespace: namespace.clone(),
        name: scenario.name,
        extra: extra.clone(),
    };
    let result = match tokio::time::timeout(SCENARIO_TIMEOUT, (scenario.run)(ctx)).await {
        Ok(result) => result,
        Err(_) => Err(Failure::failed(format!(
            "did not finish within {SCENARIO_TIMEOUT:?}"
        ))),
    };
    let mut namespaces = vec![namespace];
    if let Ok(extra) = extra.lock() {
        namespaces.extend(extra.iter().cloned());
    }
    let api: Api<Namespace> = Api::all(client.clone());
    for ns in namespaces {
        // Best effort: on the test plane a deleted namespace stays Terminating anyway (no
        // namespace controller), and a leftover namespace harms no later scenario.
        let _ = api.delete(&ns, &DeleteOptions::default()).await;
    }
    result
}

/// Creates a namespace named `<prefix><5 random characters>` (the server picks them) for
/// `scenario`; returns its name.
pub(crate) async fn create_namespace(
    client: &HttpClient,
    prefix: &str,
    scenario: &str,
) -> Result<String, Failure> {
    let label: String = scenario.chars().take(63).collect();
    let ns: Namespace = support::typed(json!({
        "metadata": { "generateName": prefix, "labels": { SCENARIO_LABEL: label } },
    }))?;
    let created = Api::<Namespace>::all(client.clone())
        .create(&ns, &CreateOptions::default())
        .await?;
    created
        .metadata
        .name
        .map(|n| n.to_string())
        .ok_or_else(|| Failure::failed("the created namespace has no name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_is_large_and_names_are_unique() {
        let all = scenarios();
        assert!(all.len() >= 50, "only {} scenarios", all.len());
        let mut names: Vec<_> = all.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate scenario names");
        for area in [
            "create", "read", "update", "patch", "delete", "watch", "errors", "crd",
        ] {
            assert!(all.iter().any(|s| s.area == area), "no scenario in {area}");
        }
    }

    #[test]
    fn suite_is_documented() {
        let docs = include_str!("mod.rs");
        for s in scenarios() {
            let row = format!("//! | {} | `{}` |", s.area, s.name);
            assert!(
                docs.contains(&row),
                "the module docs have no row for {}",
                s.name
            );
        }
    }
}
