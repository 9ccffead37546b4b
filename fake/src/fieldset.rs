//! Field sets as `managedFields` records them (`FieldsV1`: `{"f:spec":{"f:replicas":{}}}`),
//! built from objects, compared, and rendered as the paths of conflict messages
//! (`.spec.containers[name="web"].image`).
//!
//! Lists are atomic unless the schema says otherwise: associative lists (`k:{"name":"web"}`
//! elements) and sets (`v:"value"` elements) come from k8s-api's patch metadata for built-in
//! kinds, through the [`ListTypes`] a caller gives.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// How a list is merged and owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ListType {
    /// Replaced as a whole; owned as one field.
    Atomic,
    /// Elements are scalar and unique; each owned on its own.
    Set,
    /// Elements are objects identified by these fields; each owned on its own.
    Map(Vec<String>),
}

/// The list type of the list at a path of field names (list elements skipped).
pub(crate) trait ListTypes {
    fn list_type(&self, path: &[String]) -> ListType;

    /// Whether the object at `path` is owned as one value (`x-kubernetes-map-type: atomic`).
    fn is_atomic_object(&self, _path: &[String]) -> bool {
        false
    }
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Elem {
    /// A field of an object: `f:name`.
    Field(String),
    /// An element of an associative list by its keys (canonical JSON object): `k:{...}`.
    Key(String),
    /// An element of a set (canonical JSON value): `v:...`.
    Value(String),
}

impl Elem {
    fn encode(&self) -> String {
        match self {
            Elem::Field(f) => format!("f:{f}"),
            Elem::Key(k) => format!("k:{k}"),
            Elem::Value(v) => format!("v:{v}"),
        }
    }

    fn decode(s: &str) -> Option<Elem> {
        let (prefix, rest) = s.split_at_checked(2)?;
        match prefix {
            "f:" => Some(Elem::Field(rest.to_string())),
            "k:" => Some(Elem::Key(rest.to_string())),
            "v:" => Some(Elem::Value(rest.to_string())),
            _ => None,
        }
    }

    /// As in conflict messages: `.name`, `[key="v"]`, `[="v"]`.
    fn render(&self) -> String {
        match self {
            Elem::Field(f) => format!(".{f}"),
            Elem::Key(k) => {
                let parsed: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
                let parts: Vec<String> = parsed.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("[{}]", parts.join(","))
            }
            Elem::Value(v) => format!("[={v}]"),
        }
    }
}

/// A set of fields: a tree whose nodes may themselves be members (`.` in `FieldsV1`, or a leaf).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldSet {
    member: bool,
    children: BTreeMap<Elem, FieldSet>,
}

/// A path from the root.
pub(crate) type Path = Vec<Elem>;

/// Renders a path for messages.
pub(crate) fn render(path: &[Elem]) -> String {
    path.iter().map(Elem::render).collect()
}

fn canonical(v: &Value) -> String {
    // serde_json's map is ordered by key: this is canonical.
    v.to_string()
}

impl FieldSet {
    /// The fields an object sets, minus those no manager owns (type meta, identity and system
    /// metadata).
    pub(crate) fn of(obj: &Value, lists: &dyn ListTypes) -> FieldSet {
        let mut set = FieldSet::default();
        if let Value::Object(m) = obj {
            for (k, v) in m {
                if matches!(k.as_str(), "apiVersion" | "kind") {
                    continue;
                }
                let mut path = vec![k.clone()];
                let mut child = build(v, &mut path, lists);
                if k == "metadata" {
                    for f in [
                        "name",
                        "namespace",
                        "uid",
                        "resourceVersion",
                        "generation",
                        "creationTimestamp",
                        "deletionTimestamp",
                        "deletionGracePeriodSeconds",
                        "managedFields",
                        "selfLink",
                        "generateName",
                    ] {
                        child.children.remove(&Elem::Field(f.into()));
                    }
                    if child.children.is_empty() {
                        continue;
                    }
                }
                set.children.insert(Elem::Field(k.clone()), child);
            }
        }
        set
    }

    /// Keeps only the top-level field `name` (`status` for the status subresource) or drops
    /// it.
    pub(crate) fn retain_top(&mut self, name: &str, keep: bool) {
        let e = Elem::Field(name.into());
        self.children.retain(|k, _| (*k == e) == keep);
    }

    /// Every member path, in order.
    pub(crate) fn paths(&self) -> Vec<(Path, bool)> {
        let mut out = Vec::new();
        self.walk(&mut Vec::new(), &mut out);
        out
    }

    fn walk(&self, prefix: &mut Path, out: &mut Vec<(Path, bool)>) {
        if self.member {
            out.push((prefix.clone(), self.children.is_empty()));
        }
        for (e, c) in &self.children {
            prefix.push(e.clone());
            c.walk(prefix, out);
            prefix.pop();
        }
    }

    /// Every node below the root, members or not, in order, each with whether it is a leaf.
    pub(crate) fn nodes(&self) -> Vec<(Path, bool)> {
        fn go(node: &FieldSet, prefix: &mut Path, out: &mut Vec<(Path, bool)>) {
            for (e, c) in &node.children {
                prefix.push(e.clone());
                out.push((prefix.clone(), c.children.is_empty()));
                go(c, prefix, out);
                prefix.pop();
            }
        }
        let mut out = Vec::new();
        go(self, &mut Vec::new(), &mut out);
        out
    }

    /// Whether `path` is a member.
    pub(crate) fn contains(&self, path: &[Elem]) -> bool {
        let mut cur = self;
        for e in path {
            match cur.children.get(e) {
                Some(c) => cur = c,
                None => return false,
            }
        }
        cur.member
    }

    /// Adds `path` as a member.
    pub(crate) fn insert(&mut self, path: &[Elem]) {
        let mut cur = self;
        for e in path {
            cur = cur.children.entry(e.clone()).or_default();
        }
        cur.member = true;
    }

    /// Removes `path` as a member (its children stay), pruning empty nodes.
    pub(crate) fn remove(&mut self, path: &[Elem]) {
        fn go(node: &mut FieldSet, path: &[Elem]) {
            match path.split_first() {
                None => node.member = false,
                Some((e, rest)) => {
                    if let Some(c) = node.children.get_mut(e) {
                        go(c, rest);
                        if !c.member && c.children.is_empty() {
                            node.children.remove(e);
                        }
                    }
                }
            }
        }
        go(self, path);
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.member && self.children.is_empty()
    }

    /// As `FieldsV1` JSON.
    pub(crate) fn to_fields_v1(&self) -> Value {
        let mut m = Map::new();
        if self.member && !self.children.is_empty() {
            m.insert(".".into(), Value::Object(Map::new()));
        }
        for (e, c) in &self.children {
            m.insert(e.encode(), c.to_fields_v1());
        }
        Value::Object(m)
    }

    /// From `FieldsV1` JSON.
    pub(crate) fn from_fields_v1(v: &Value) -> FieldSet {
        let mut set = FieldSet::default();
        if let Value::Object(m) = v {
            for (k, c) in m {
                if k == "." {
                    set.member = true;
                    continue;
                }
                if let Some(e) = Elem::decode(k) {
                    let mut child = FieldSet::from_fields_v1(c);
                    if child.children.is_empty() {
                        child.member = true;
                    }
                    set.children.insert(e, child);
                }
            }
        }
        set
    }
}

fn build(v: &Value, path: &mut Vec<String>, lists: &dyn ListTypes) -> FieldSet {
    let mut node = FieldSet::default();
    match v {
        Value::Object(_) if lists.is_atomic_object(path) => node.member = true,
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                path.push(k.clone());
                node.children
                    .insert(Elem::Field(k.clone()), build(c, path, lists));
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => match lists.list_type(path) {
            ListType::Atomic => node.member = true,
            ListType::Set => {
                node.member = true;
                for item in items {
                    let leaf = FieldSet {
                        member: true,
                        ..FieldSet::default()
                    };
                    node.children.insert(Elem::Value(canonical(item)), leaf);
                }
            }
            ListType::Map(keys) => {
                node.member = true;
                for item in items {
                    let Some(key) = key_of(item, &keys) else {
                        // An element without its keys cannot be owned on its own: the list
                        // is owned as a whole.
                        node.children.clear();
                        break;
                    };
                    let mut child = build(item, path, lists);
                    child.member = true;
                    node.children.insert(Elem::Key(key), child);
                }
            }
        },
        _ => node.member = true,
    }
    node
}

/// The canonical JSON of an element's key fields.
fn key_of(item: &Value, keys: &[String]) -> Option<String> {
    let mut m = Map::new();
    for k in keys {
        // A missing key field of a multi-key list takes its default (absent); at least one
        // must be there.
        if let Some(v) = item.get(k) {
            m.insert(k.clone(), v.clone());
        }
    }
    (!m.is_empty()).then(|| canonical(&Value::Object(m)))
}

fn element_matches(item: &Value, key: &str) -> bool {
    let Ok(Value::Object(want)) = serde_json::from_str::<Value>(key) else {
        return false;
    };
    want.iter().all(|(k, v)| item.get(k) == Some(v))
}

/// The value at `path` in `doc`.
pub(crate) fn value_at<'a>(doc: &'a Value, path: &[Elem]) -> Option<&'a Value> {
    let mut cur = doc;
    for e in path {
        cur = match e {
            Elem::Field(f) => cur.get(f)?,
            Elem::Key(k) => cur.as_array()?.iter().find(|i| element_matches(i, k))?,
            Elem::Value(v) => {
                let want: Value = serde_json::from_str(v).ok()?;
                cur.as_array()?.iter().find(|i| **i == want)?
            }
        };
    }
    Some(cur)
}

/// Removes the value at `path` from `doc` (a field, or a list element).
pub(crate) fn remove_at(doc: &mut Value, path: &[Elem]) {
    let Some((last, parent)) = path.split_last() else {
        return;
    };
    let mut cur = doc;
    for e in parent {
        let next = match e {
            Elem::Field(f) => cur.get_mut(f),
            Elem::Key(k) => cur
                .as_array_mut()
                .and_then(|a| a.iter_mut().find(|i| element_matches(i, k))),
            Elem::Value(v) => {
                let want: Value = serde_json::from_str(v).unwrap_or(Value::Null);
                cur.as_array_mut()
                    .and_then(|a| a.iter_mut().find(|i| **i == want))
            }
        };
        match next {
            Some(n) => cur = n,
            None => return,
        }
    }
    match last {
        Elem::Field(f) => {
            if let Some(m) = cur.as_object_mut() {
                m.remove(f);
            }
        }
        Elem::Key(k) => {
            if let Some(a) = cur.as_array_mut() {
                a.retain(|i| !element_matches(i, k));
            }
        }
        Elem::Value(v) => {
            let want: Value = serde_json::from_str(v).unwrap_or(Value::Null);
            if let Some(a) = cur.as_array_mut() {
                a.retain(|i| *i != want);
            }
        }
    }
}

/// Merges an applied configuration into the live object: objects field by field (atomic ones
/// replaced), associative lists element by element (by key), sets by union, everything else
/// replaced.
pub(crate) fn merge(
    live: &Value,
    config: &Value,
    path: &mut Vec<String>,
    lists: &dyn ListTypes,
) -> Value {
    match (live, config) {
        (Value::Object(_), Value::Object(_)) if lists.is_atomic_object(path) => config.clone(),
        (Value::Object(l), Value::Object(c)) => {
            let mut out = l.clone();
            for (k, cv) in c {
                path.push(k.clone());
                let merged = match l.get(k) {
                    Some(lv) => merge(lv, cv, path, lists),
                    None => cv.clone(),
                };
                path.pop();
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        (Value::Array(l), Value::Array(c)) => match lists.list_type(path) {
            ListType::Atomic => config.clone(),
            ListType::Set => {
                let mut out = l.clone();
                for v in c {
                    if !out.contains(v) {
                        out.push(v.clone());
                    }
                }
                Value::Array(out)
            }
            ListType::Map(keys) => {
                let mut out = l.clone();
                for cv in c {
                    let Some(key) = key_of(cv, &keys) else {
                        out.push(cv.clone());
                        continue;
                    };
                    match out.iter_mut().find(|i| element_matches(i, &key)) {
                        Some(slot) => *slot = merge(slot, cv, path, lists),
                        None => out.push(cv.clone()),
                    }
                }
                Value::Array(out)
            }
        },
        _ => config.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Lists;
    impl ListTypes for Lists {
        fn list_type(&self, path: &[String]) -> ListType {
            match path.last().map(String::as_str) {
                Some("containers") => ListType::Map(vec!["name".into()]),
                Some("finalizers") => ListType::Set,
                _ => ListType::Atomic,
            }
        }
    }

    #[test]
    fn sets_of_objects_render_as_fields_v1() {
        let obj = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "labels": {"a": "1"}, "finalizers": ["x"]},
            "spec": {"containers": [{"name": "web", "image": "i"}], "args": ["a"]}});
        let set = FieldSet::of(&obj, &Lists);
        let v1 = set.to_fields_v1();
        assert_eq!(
            v1,
            json!({
                "f:metadata": {"f:labels": {"f:a": {}}, "f:finalizers": {".": {}, "v:\"x\"": {}}},
                "f:spec": {"f:args": {}, "f:containers": {".": {}, "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}},
            })
        );
        assert_eq!(FieldSet::from_fields_v1(&v1), set);
        let image = vec![
            Elem::Field("spec".into()),
            Elem::Field("containers".into()),
            Elem::Key("{\"name\":\"web\"}".into()),
            Elem::Field("image".into()),
        ];
        assert!(set.contains(&image));
        assert_eq!(render(&image), ".spec.containers[name=\"web\"].image");
        assert_eq!(value_at(&obj, &image), Some(&json!("i")));
        let mut doc = obj.clone();
        remove_at(&mut doc, &image);
        assert_eq!(doc["spec"]["containers"][0], json!({"name": "web"}));
        let mut s2 = set.clone();
        s2.remove(&image);
        assert!(!s2.contains(&image));
    }

    #[test]
    fn merging_follows_list_types() {
        let live = json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b"}], "args": ["x"]}, "metadata": {"finalizers": ["f"]}});
        let cfg = json!({"spec": {"containers": [{"name": "a", "image": "2"}, {"name": "c"}], "args": ["y"]}, "metadata": {"finalizers": ["g"]}});
        let merged = merge(&live, &cfg, &mut Vec::new(), &Lists);
        assert_eq!(
            merged,
            json!({"spec": {"containers": [{"name": "a", "image": "2"}, {"name": "b"}, {"name": "c"}], "args": ["y"]}, "metadata": {"finalizers": ["f", "g"]}})
        );
    }
}
