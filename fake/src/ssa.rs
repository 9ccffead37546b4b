//! Server-side apply and field ownership (`metadata.managedFields`), as structured-merge-diff
//! does it in the real server:
//!
//! - every write records which fields its manager set: creates, updates and patches as an
//!   `Update` entry of the manager named by `fieldManager` (else the user agent's first word),
//!   taking the fields it changed away from other managers;
//! - an apply (`application/apply-patch+yaml`, `fieldManager` required) merges the applied
//!   configuration into the object (creating it when absent), fails with `409 Conflict` when it
//!   would change a field another manager owns (unless `force=true`, which takes the field
//!   over), removes the fields this manager applied before and no longer applies (when nobody
//!   else owns them), and makes the applied fields this manager's `Apply` entry.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::fieldset::{self, Elem, FieldSet, ListType, ListTypes, Path};
use crate::handlers::Ctx;
use crate::handlers::write::{self, Target};
use crate::meta;
use crate::registry::ResourceInfo;
use crate::status::{self, Failure};

/// The list types of a resource's objects.
pub(crate) struct ResourceLists<'a> {
    #[allow(dead_code)] // read by the schema-aware lookup of built-in kinds
    pub info: &'a ResourceInfo,
}

impl ListTypes for ResourceLists<'_> {
    fn list_type(&self, path: &[String]) -> ListType {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        match p.as_slice() {
            ["metadata", "finalizers"] => ListType::Set,
            ["metadata", "ownerReferences"] => ListType::Map(vec!["uid".into()]),
            _ => crate::strategic::list_type(self.info, &p),
        }
    }

    fn is_atomic_object(&self, path: &[String]) -> bool {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        !p.is_empty() && crate::strategic::is_atomic_object(self.info, &p)
    }
}

/// One `managedFields` entry.
#[derive(Clone, Debug)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    time: String,
    subresource: Option<String>,
    set: FieldSet,
}

impl Entry {
    /// What a conflict message adds after the manager's name, as apiserver's field manager
    /// prints a manager: its subresource, and for an update manager the API version it used.
    fn conflict_suffix(&self) -> String {
        let mut s = String::new();
        if let Some(sub) = &self.subresource {
            s.push_str(&format!(" with subresource \"{sub}\""));
        }
        if self.operation == "Update" {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }

    fn same_owner(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == subresource
    }

    fn to_json(&self) -> Value {
        let mut v = json!({
            "manager": self.manager, "operation": self.operation, "apiVersion": self.api_version,
            "time": self.time, "fieldsType": "FieldsV1", "fieldsV1": self.set.to_fields_v1(),
        });
        if let Some(s) = &self.subresource {
            v["subresource"] = json!(s);
        }
        v
    }
}

fn entries(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|e| {
                    Some(Entry {
                        manager: e.get("manager")?.as_str()?.to_string(),
                        operation: e.get("operation")?.as_str()?.to_string(),
                        api_version: e
                            .get("apiVersion")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        time: e
                            .get("time")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        subresource: e
                            .get("subresource")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        set: FieldSet::from_fields_v1(e.get("fieldsV1").unwrap_or(&Value::Null)),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn store_entries(obj: &mut Value, mut list: Vec<Entry>) {
    // The real server's order: by operation (`Apply` before `Update`), then time (RFC 3339
    // at second precision sorts as text), manager, API version and subresource.
    list.sort_by(|p, q| {
        (
            &p.operation,
            &p.time,
            &p.manager,
            &p.api_version,
            &p.subresource,
        )
            .cmp(&(
                &q.operation,
                &q.time,
                &q.manager,
                &q.api_version,
                &q.subresource,
            ))
    });
    let list: Vec<Value> = list
        .into_iter()
        .filter(|e| !e.set.is_empty())
        .map(|e| e.to_json())
        .collect();
    meta::set(
        obj,
        "managedFields",
        (!list.is_empty()).then_some(Value::Array(list)),
    );
}

/// The manager of a non-apply write: `fieldManager`, else the user agent up to its first `/`.
pub(crate) fn manager(ctx: &Ctx<'_>) -> String {
    match ctx.action.query("fieldManager").filter(|m| !m.is_empty()) {
        Some(m) => m.to_string(),
        None => ctx
            .user_agent
            .split('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_string(),
    }
}

/// The fields a write may own given its target.
fn owned_set(info: &ResourceInfo, target: Target, obj: &Value) -> FieldSet {
    let mut set = FieldSet::of(obj, &ResourceLists { info });
    match target {
        Target::Status => set.retain_top("status", true),
        Target::Main if info.status => set.retain_top("status", false),
        Target::Main => {}
    }
    set
}

/// Whether the value at `path` differs between `a` and `b` (for a member with children, only
/// whether it is present).
fn differs(a: Option<&Value>, b: Option<&Value>, path: &[Elem], leaf: bool) -> bool {
    let va = a.and_then(|a| fieldset::value_at(a, path));
    let vb = b.and_then(|b| fieldset::value_at(b, path));
    if leaf {
        va != vb
    } else {
        va.is_some() != vb.is_some()
    }
}

/// Records a non-apply write of `new` (over `old`, absent for a create) in `new`'s
/// `managedFields`.
pub(crate) fn track_update(
    ctx: &Ctx<'_>,
    info: &ResourceInfo,
    target: Target,
    old: Option<&Value>,
    new: &mut Value,
) {
    let manager = manager(ctx);
    let subresource = (target == Target::Status).then_some("status");
    let new_set = owned_set(info, target, new);
    let mut list = old.map(entries).unwrap_or_default();
    // As the real server's field manager compares the old object (for a create, the kind's
    // zero value) with the new one: the manager takes every leaf it set or changed, and every
    // object, list or list element that was not there before (those get a `.` mark).
    let zero;
    let before = match old {
        Some(o) => o,
        None => {
            zero = crate::strategic::zero_value(info);
            &zero
        }
    };
    let metadata = [Elem::Field("metadata".into())];
    let mut taken: Vec<Path> = Vec::new();
    for (path, leaf) in new_set.nodes() {
        let take = if leaf {
            old.is_none() || differs(old, Some(new), &path, true)
        } else {
            path != metadata && fieldset::value_at(before, &path).is_none()
        };
        if take {
            taken.push(path);
        }
    }
    // `taken[..set_by_me]` are the fields this write sets; the rest it removes.
    let set_by_me = taken.len();
    if let Some(old) = old {
        let old_set = owned_set(info, target, old);
        for (path, _) in old_set.paths() {
            if !new_set.contains(&path) {
                taken.push(path);
            }
        }
    }
    if taken.is_empty() && old.is_some() {
        store_entries(new, list);
        return;
    }
    for e in &mut list {
        for p in &taken {
            e.set.remove(p);
        }
    }
    let mine = match list
        .iter()
        .position(|e| e.same_owner(&manager, "Update", subresource))
    {
        Some(i) => i,
        None => {
            list.push(Entry {
                manager: manager.clone(),
                operation: "Update".into(),
                api_version: info.api_version(),
                time: String::new(),
                subresource: subresource.map(str::to_string),
                set: FieldSet::default(),
            });
            list.len() - 1
        }
    };
    for path in &taken[..set_by_me] {
        list[mine].set.insert(path);
    }
    list[mine].time = meta::now();
    list[mine].api_version = info.api_version();
    store_entries(new, list);
}

/// A server-side apply of `config`.
pub(crate) fn apply(
    ctx: &Ctx<'_>,
    info: &Arc<ResourceInfo>,
    target: Target,
    config: Value,
) -> Result<(u16, Arc<Value>), Failure> {
    let Some(manager) = ctx.action.query("fieldManager").filter(|m| !m.is_empty()) else {
        return Err(status::options_invalid(
            "PatchOptions",
            "fieldManager",
            "FieldValueRequired",
            "Required value: is required for apply patch".into(),
        ));
    };
    if !config.is_object() {
        return Err(status::bad_request(
            "the applied configuration is not an object",
        ));
    }
    let kind = config.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = config
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if kind.is_empty() || api_version.is_empty() {
        return Err(status::bad_request(format!(
            "invalid object type: /, Kind={kind}: apiVersion and kind must be set in an applied configuration"
        )));
    }
    // Type errors and unknown fields of built-in kinds answer as a create or update would.
    write::decode(info, config.clone())?;
    let force = ctx.action.query("force") == Some("true");
    let subresource = (target == Target::Status).then_some("status");
    let lists = ResourceLists { info };
    let applied = owned_set(info, target, &config);
    write::write_with(ctx, info, target, None, true, |old| {
        let Some(old) = old else {
            let mut obj = write::decode(info, config.clone())?;
            let entry = Entry {
                manager: manager.to_string(),
                operation: "Apply".into(),
                api_version: info.api_version(),
                time: meta::now(),
                subresource: subresource.map(str::to_string),
                set: applied.clone(),
            };
            store_entries(&mut obj, vec![entry]);
            return Ok(obj);
        };
        let mut merged = fieldset::merge(old, &config, &mut Vec::new(), &lists);
        let mut list = entries(old);
        // Conflicts: fields others own whose value the apply would change.
        let mut conflicts: Vec<(String, String, Path)> = Vec::new();
        for e in &list {
            if e.same_owner(manager, "Apply", subresource) {
                continue;
            }
            for (path, leaf) in applied.paths() {
                if e.set.contains(&path) && differs(Some(old), Some(&merged), &path, leaf) {
                    conflicts.push((e.manager.clone(), e.conflict_suffix(), path));
                }
            }
        }
        if !conflicts.is_empty() && !force {
            return Err(conflict_failure(&conflicts));
        }
        for (m, _, path) in &conflicts {
            for e in list.iter_mut().filter(|e| &e.manager == m) {
                e.set.remove(path);
            }
        }
        // Fields this manager applied before and no longer applies, owned by nobody else, go.
        let mine = list
            .iter()
            .position(|e| e.same_owner(manager, "Apply", subresource));
        if let Some(i) = mine {
            let before = list[i].set.clone();
            for (path, _) in before.paths().into_iter().rev() {
                let others = list
                    .iter()
                    .enumerate()
                    .any(|(j, e)| j != i && e.set.contains(&path));
                if !applied.contains(&path) && !others {
                    fieldset::remove_at(&mut merged, &path);
                }
            }
        }
        let entry = Entry {
            manager: manager.to_string(),
            operation: "Apply".into(),
            api_version: info.api_version(),
            time: meta::now(),
            subresource: subresource.map(str::to_string),
            set: applied.clone(),
        };
        match mine {
            Some(i) => list[i] = entry,
            None => list.push(entry),
        }
        let mut merged = write::decode(info, merged)?;
        store_entries(&mut merged, list);
        Ok(merged)
    })
}

/// `409 Conflict` naming each conflicting field and its manager, worded as the real server's
/// structured-merge-diff does.
/// The second member of each conflict is what follows the manager's name
/// ([`Entry::conflict_suffix`]).
fn conflict_failure(conflicts: &[(String, String, Path)]) -> Failure {
    let n = conflicts.len();
    let text = if n == 1 {
        let (m, v, p) = &conflicts[0];
        format!(
            "Apply failed with 1 conflict: conflict with \"{m}\"{v}: {}",
            fieldset::render(p)
        )
    } else {
        // Grouped by manager, managers sorted, one `- path` line per field.
        let mut by_manager: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (m, v, p) in conflicts {
            by_manager
                .entry(format!("\"{m}\"{v}"))
                .or_default()
                .push(fieldset::render(p));
        }
        let lines: Vec<String> = by_manager
            .iter()
            .flat_map(|(m, ps)| {
                std::iter::once(format!("conflicts with {m}:"))
                    .chain(ps.iter().map(|p| format!("- {p}")))
            })
            .collect();
        format!("Apply failed with {n} conflicts: {}", lines.join("\n"))
    };
    // The real server's apply conflict names no object in its details, only the causes.
    let mut d = json!({});
    d["causes"] = Value::Array(
        conflicts
            .iter()
            .map(|(m, v, p)| {
                json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{m}\"{v}"), "field": fieldset::render(p)})
            })
            .collect(),
    );
    Failure::new(409, "Conflict", text).with_details(d)
}
