//! Unit tests: each rule and directive on a small Pod-like schema. The expectations are Go's
//! results (k8s-api's `strategicpatch_go` test compares many more cases with Go itself).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{Value, json};

use super::*;

/// A schema node for tests: a struct of fields, a list, a map or a scalar.
#[derive(Clone)]
struct Node(Rc<Desc>);

enum Desc {
    Struct(BTreeMap<&'static str, Field>),
    List(Node),
    /// A map (its values are never looked into: they are not structs).
    Map,
    Scalar,
}

struct Field {
    strategy: &'static str,
    merge_key: Option<&'static str>,
    node: Node,
}

fn strukt(fields: Vec<(&'static str, Field)>) -> Node {
    Node(Rc::new(Desc::Struct(fields.into_iter().collect())))
}
fn list(elem: Node) -> Node {
    Node(Rc::new(Desc::List(elem)))
}
fn map() -> Node {
    Node(Rc::new(Desc::Map))
}
fn scalar() -> Node {
    Node(Rc::new(Desc::Scalar))
}
fn field(node: Node) -> Field {
    Field {
        strategy: "",
        merge_key: None,
        node,
    }
}
fn merged(node: Node, merge_key: Option<&'static str>) -> Field {
    Field {
        strategy: "merge",
        merge_key,
        node,
    }
}

impl Node {
    fn find(&self, key: &str) -> Result<&Field, StrategicMergeError> {
        match &*self.0 {
            Desc::Struct(fields) => fields
                .get(key)
                .ok_or_else(|| StrategicMergeError::unknown_field("Test", key)),
            _ => Err(StrategicMergeError::NotAStruct {
                kind: self.name().into_owned(),
            }),
        }
    }
}

impl LookupPatchMeta for Node {
    fn lookup_patch_metadata_for_struct(
        &self,
        key: &str,
    ) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
        let f = self.find(key)?;
        Ok((f.node.clone(), PatchMeta::parse(f.strategy, f.merge_key)?))
    }

    fn lookup_patch_metadata_for_slice(
        &self,
        key: &str,
    ) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
        let f = self.find(key)?;
        match &*f.node.0 {
            Desc::List(elem) => Ok((elem.clone(), PatchMeta::parse(f.strategy, f.merge_key)?)),
            _ => Err(StrategicMergeError::NotASlice {
                kind: "struct".into(),
            }),
        }
    }

    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(match &*self.0 {
            Desc::Struct(_) => "struct",
            Desc::List(_) => "slice",
            Desc::Map => "map",
            Desc::Scalar => "string",
        })
    }
}

/// Pod-like: metadata.finalizers (merge set), spec.containers (merge by name) with ports
/// (merge by containerPort) and args (atomic), spec.volumes (merge,retainKeys by name),
/// spec.tolerations (atomic list of objects), spec.selector (replace), labels (map).
fn pod() -> Node {
    let container = strukt(vec![
        (
            "ports",
            merged(
                list(strukt(vec![("containerPort", field(scalar()))])),
                Some("containerPort"),
            ),
        ),
        ("args", field(list(scalar()))),
        (
            "env",
            merged(list(strukt(vec![("name", field(scalar()))])), Some("name")),
        ),
    ]);
    let volume = strukt(vec![
        ("configMap", field(strukt(vec![]))),
        ("secret", field(strukt(vec![]))),
        ("emptyDir", field(strukt(vec![]))),
    ]);
    let spec = strukt(vec![
        ("containers", merged(list(container), Some("name"))),
        (
            "volumes",
            Field {
                strategy: "merge,retainKeys",
                merge_key: Some("name"),
                node: list(volume),
            },
        ),
        ("tolerations", field(list(strukt(vec![])))),
        (
            "selector",
            Field {
                strategy: "replace",
                merge_key: None,
                node: strukt(vec![("matchLabels", field(map()))]),
            },
        ),
        (
            "strategy",
            Field {
                strategy: "retainKeys",
                merge_key: None,
                node: strukt(vec![("rollingUpdate", field(strukt(vec![])))]),
            },
        ),
    ]);
    let metadata = strukt(vec![
        ("finalizers", merged(list(scalar()), None)),
        ("labels", field(map())),
    ]);
    strukt(vec![("metadata", field(metadata)), ("spec", field(spec))])
}

fn apply(original: Value, patch: Value) -> Result<Value, StrategicMergeError> {
    apply_strategic_merge_patch(&original, &patch, &pod())
}

#[track_caller]
fn check(original: Value, patch: Value, want: Value) {
    assert_eq!(apply(original, patch).unwrap(), want);
}

#[track_caller]
fn check_err(original: Value, patch: Value, want: &str) {
    assert_eq!(apply(original, patch).unwrap_err().to_string(), want);
}

#[test]
fn objects_merge_and_null_deletes() {
    check(
        json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "x": 1}),
        json!({"metadata": {"labels": {"a": null, "c": "3"}}, "x": null, "y": {"z": null, "w": 1}}),
        json!({"metadata": {"labels": {"b": "2", "c": "3"}}, "y": {"w": 1}}),
    );
}

#[test]
fn a_value_of_another_type_replaces() {
    check(
        json!({"spec": {"containers": [{"name": "a"}]}}),
        json!({"spec": {"containers": {"not": "a list"}}}),
        json!({"spec": {"containers": {"not": "a list"}}}),
    );
}

#[test]
fn lists_without_merge_strategy_are_replaced() {
    check(
        json!({"spec": {"tolerations": [{"key": "a"}, {"key": "b"}]}}),
        json!({"spec": {"tolerations": [{"key": "c"}]}}),
        json!({"spec": {"tolerations": [{"key": "c"}]}}),
    );
}

#[test]
fn primitive_merge_lists_are_sets_with_new_values_first() {
    check(
        json!({"metadata": {"finalizers": ["a", "b"]}}),
        json!({"metadata": {"finalizers": ["c", "a"]}}),
        json!({"metadata": {"finalizers": ["c", "a", "b"]}}),
    );
}

#[test]
fn lists_of_objects_merge_by_key() {
    check(
        json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "b:1"}
        ]}}),
        json!({"spec": {"containers": [
            {"name": "b", "image": "b:2"},
            {"name": "a", "ports": [{"containerPort": 443}]},
            {"name": "c", "image": "c:1"}
        ]}}),
        json!({"spec": {"containers": [
            {"name": "b", "image": "b:2"},
            {"name": "a", "image": "a:1", "ports": [{"containerPort": 443}, {"containerPort": 80}]},
            {"name": "c", "image": "c:1"}
        ]}}),
    );
}

#[test]
fn merge_keys_compare_as_go_float64() {
    check(
        json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "x": 1}]}]}}),
        json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80.0, "y": 2}]}]}}),
        // The patch's number replaces the original's (the same float64 for Go).
        json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80.0, "x": 1, "y": 2}]}]}}),
    );
}

#[test]
fn patch_delete_in_a_list_element_removes_it() {
    check(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "a", "dup": true}]}}),
        json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
        json!({"spec": {"containers": [{"name": "b"}]}}),
    );
}

#[test]
fn patch_replace_in_a_list_replaces_it() {
    check(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}),
        json!({"spec": {"containers": [{"name": "c"}, {"$patch": "replace"}]}}),
        json!({"spec": {"containers": [{"name": "c"}]}}),
    );
}

#[test]
fn patch_merge_in_a_list_is_refused() {
    check_err(
        json!({"spec": {"containers": [{"name": "a"}]}}),
        json!({"spec": {"containers": [{"$patch": "merge"}]}}),
        "merging lists cannot yet be specified in the patch",
    );
}

#[test]
fn patch_replace_and_delete_on_objects() {
    check(
        json!({"spec": {"selector": {"matchLabels": {"a": "1"}}, "other": 1}}),
        json!({"spec": {"$patch": "replace", "selector": {"matchLabels": {"b": "2"}}}}),
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
    );
    check(
        json!({"metadata": {"labels": {"a": "1"}}, "spec": {"other": 1}}),
        json!({"spec": {"$patch": "delete"}}),
        json!({"metadata": {"labels": {"a": "1"}}, "spec": {}}),
    );
    // At the top.
    check(
        json!({"a": 1}),
        json!({"$patch": "replace", "b": 2}),
        json!({"b": 2}),
    );
    check(json!({"a": 1}), json!({"$patch": "delete"}), json!({}));
}

#[test]
fn invalid_patch_directive_is_an_error_with_gos_message() {
    check_err(
        json!({"spec": {"other": 1}}),
        json!({"spec": {"$patch": "bogus", "x": 5}}),
        "unknown patch type: bogus in map: map[$patch:bogus x:5]",
    );
    check_err(
        json!({"spec": {"containers": [{"name": "a"}]}}),
        json!({"spec": {"containers": [{"name": "a", "$patch": 7}]}}),
        "unknown patch type: %!s(float64=7) in map: map[$patch:7 name:a]",
    );
}

#[test]
fn replace_strategy_takes_the_patch_object() {
    check(
        json!({"spec": {"selector": {"matchLabels": {"a": "1"}}}}),
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
    );
}

#[test]
fn missing_merge_key_is_an_error_with_gos_message() {
    check_err(
        json!({"spec": {"containers": [{"name": "a"}]}}),
        json!({"spec": {"containers": [{"image": "x", "ports": [1]}]}}),
        "map: map[image:x ports:[1]] does not contain declared merge key: name",
    );
    check_err(
        json!({"spec": {"containers": [{"name": "a"}]}}),
        json!({"spec": {"containers": [{"$patch": "delete"}]}}),
        "map: map[$patch:delete] does not contain declared merge key: name",
    );
}

#[test]
fn delete_from_primitive_list() {
    check(
        json!({"metadata": {"finalizers": ["a", "b", "c", "b"]}}),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "x"]}}),
        json!({"metadata": {"finalizers": ["a", "c"]}}),
    );
    // Nothing to delete from: nothing is added either.
    check(
        json!({"metadata": {}}),
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
        json!({"metadata": {}}),
    );
    check_err(
        json!({"metadata": {"finalizers": ["a"]}}),
        json!({"metadata": {"$deleteFromPrimitiveList": ["a"]}}),
        "invalid patch format of primitive list",
    );
}

#[test]
fn set_element_order() {
    check(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}}),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}],
            "containers": [{"name": "a", "image": "x"}]
        }}),
        json!({"spec": {"containers": [{"name": "c"}, {"name": "a", "image": "x"}, {"name": "b"}]}}),
    );
    check(
        json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
        json!({"metadata": {"$setElementOrder/finalizers": ["c", "d", "a"], "finalizers": ["d"]}}),
        // "b" is not in the order list: it goes before the first listed value that follows
        // it in the original ("c").
        json!({"metadata": {"finalizers": ["b", "c", "d", "a"]}}),
    );
    check_err(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}],
            "containers": [{"name": "b", "image": "x"}]
        }}),
        "The order in patch list:\n[map[image:x name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n",
    );
    check_err(
        json!({}),
        json!({"$setElementOrder": []}),
        "invalid patch format of setElementOrder list",
    );
    check_err(
        json!({}),
        json!({"$setElementOrder/nope": ["a"]}),
        "unable to find api field in struct Test for the json field \"nope\"",
    );
}

#[test]
fn set_element_order_sees_the_original_list_as_go_left_it_in_memory() {
    // Go deletes "a" by shifting "b" into its slot and appends "c" into the freed one; an empty
    // order list then keeps the order of that memory ([b, c]), not of the original ([a, b]).
    check(
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}),
        json!({"spec": {
            "$setElementOrder/containers": [],
            "containers": [{"name": "a", "$patch": "delete"}, {"name": "b", "image": "x"}, {"name": "c"}]
        }}),
        json!({"spec": {"containers": [{"name": "b", "image": "x"}, {"name": "c"}]}}),
    );
}

#[test]
fn retain_keys() {
    check(
        json!({"spec": {"volumes": [{"name": "v", "configMap": {"name": "c"}, "other": 1}]}}),
        json!({"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}]}}),
        json!({"spec": {"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}}),
    );
    check(
        json!({"spec": {"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}}),
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        json!({"spec": {"strategy": {"type": "Recreate"}}}),
    );
    // A key set by the patch must be listed.
    check_err(
        json!({"spec": {"strategy": {}}}),
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
        "invalid patch format of retainKeys",
    );
    check_err(
        json!({"spec": {"strategy": {}}}),
        json!({"spec": {"strategy": {"$retainKeys": "type"}}}),
        "invalid patch format of retainKeys",
    );
}

#[test]
fn new_values_keep_their_nulls_in_lists_and_lose_directives() {
    // A new object loses its null members and any object with $patch.
    check(
        json!({}),
        json!({"spec": {"a": null, "b": {"$patch": "delete"}, "c": [{"$patch": "x"}, 1]}}),
        json!({"spec": {"c": [1]}}),
    );
    // A new element of a merged list is appended as the patch has it.
    check(
        json!({"spec": {"containers": [{"name": "a"}]}}),
        json!({"spec": {"containers": [{"name": "b", "image": null}]}}),
        json!({"spec": {"containers": [{"name": "b", "image": null}, {"name": "a"}]}}),
    );
}

#[test]
fn schema_lookups_fail_for_unknown_fields() {
    check_err(
        json!({"spec": {"bogus": {"a": {}}}}),
        json!({"spec": {"bogus": {"a": {"b": 1}}}}),
        "unable to find api field in struct Test for the json field \"bogus\"",
    );
    // Added or replaced values need no metadata.
    check(
        json!({"spec": {}}),
        json!({"spec": {"bogus": {"a": [1]}}}),
        json!({"spec": {"bogus": {"a": [1]}}}),
    );
    // Values of a map are not structs.
    check_err(
        json!({"metadata": {"labels": {"a": {"x": 1}}}}),
        json!({"metadata": {"labels": {"a": {"y": 1}}}}),
        "merging an object in json but data type is not struct, instead is: map",
    );
}

#[test]
fn go_panics_are_errors() {
    check_err(
        json!({"metadata": {"finalizers": ["a"]}}),
        json!({"metadata": {"finalizers": [null, "b"]}}),
        "list element types are not identical: [[a] [<nil> b]]",
    );
    assert_eq!(
        apply(
            json!({"metadata": {"finalizers": [null]}}),
            json!({"metadata": {"finalizers": ["b"]}})
        )
        .unwrap_err(),
        StrategicMergeError::NullListElement
    );
    assert!(matches!(
        apply(
            json!({"spec": {"containers": [{"name": {"a": 1}}]}}),
            json!({"spec": {"containers": [{"name": {"a": 1}}]}})
        )
        .unwrap_err(),
        StrategicMergeError::Uncomparable { .. }
    ));
    check_err(
        json!({"metadata": {"finalizers": [["a"]]}}),
        json!({"metadata": {"finalizers": [["b"]]}}),
        "lists of lists are not supported",
    );
}

#[test]
fn documents_must_be_objects() {
    assert_eq!(
        apply(json!([]), json!({})).unwrap_err(),
        StrategicMergeError::InvalidJsonDocument
    );
    assert_eq!(apply(json!({}), json!("x")).unwrap_err().status_code(), 400);
    check(json!(null), json!({"a": 1}), json!({"a": 1}));
    check(json!({"a": 1}), json!(null), json!({"a": 1}));
}

#[test]
fn patch_meta_parses_go_strategies() {
    let m = PatchMeta::parse("retainKeys", None).unwrap();
    assert_eq!((m.strategy, m.retain_keys), (PatchStrategy::Default, true));
    let m = PatchMeta::parse("replace", Some("")).unwrap();
    assert_eq!((m.strategy, m.merge_key), (PatchStrategy::Replace, None));
    assert!(PatchMeta::parse("retainKeys,retainKeys,merge", None).is_err());
    assert!(PatchMeta::parse("concat", None).is_err());
}

// Creating patches (Go's CreateTwoWayMergePatch); k8s-api's `strategicpatch_go` test checks
// the same cases against Go.

#[track_caller]
fn check_diff(original: Value, modified: Value, want: Value) {
    let patch = create_two_way_merge_patch(&original, &modified, &pod()).unwrap();
    assert_eq!(patch, want);
}

#[test]
fn two_way_objects_and_deletions() {
    check_diff(
        json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "x": 1}),
        json!({"metadata": {"labels": {"a": "1", "c": "3"}}}),
        json!({"metadata": {"labels": {"b": null, "c": "3"}}, "x": null}),
    );
    check_diff(
        json!({"a": [1], "b": {"c": 1}}),
        json!({"a": [1], "b": {"c": 1}}),
        json!({}),
    );
}

#[test]
fn two_way_merge_lists_by_key() {
    check_diff(
        json!({"spec": {"containers": [{"name": "a", "image": "a1"}, {"name": "b"}]}}),
        json!({"spec": {"containers": [{"name": "b", "image": "b2"}, {"name": "c"}]}}),
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
            "containers": [{"image": "b2", "name": "b"}, {"name": "c"}, {"$patch": "delete", "name": "a"}]
        }}),
    );
}

#[test]
fn two_way_primitive_lists() {
    check_diff(
        json!({"metadata": {"finalizers": ["a", "b"]}}),
        json!({"metadata": {"finalizers": ["c", "a"]}}),
        json!({"metadata": {
            "$deleteFromPrimitiveList/finalizers": ["b"],
            "$setElementOrder/finalizers": ["c", "a"],
            "finalizers": ["c"]
        }}),
    );
    // Go compares the modified list with the original sorted in place: an unsorted list that
    // did not change still gets an order list.
    check_diff(
        json!({"metadata": {"finalizers": ["b", "a"]}}),
        json!({"metadata": {"finalizers": ["b", "a"]}}),
        json!({"metadata": {"$setElementOrder/finalizers": ["b", "a"]}}),
    );
}

#[test]
fn two_way_strategies() {
    // merge,retainKeys: each changed element lists its keys.
    check_diff(
        json!({"spec": {"volumes": [{"name": "v", "configMap": {"name": "c"}}]}}),
        json!({"spec": {"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}}),
        json!({"spec": {
            "$setElementOrder/volumes": [{"name": "v"}],
            "volumes": [{"$retainKeys": ["name", "secret"], "configMap": null, "name": "v", "secret": {"secretName": "s"}}]
        }}),
    );
    check_diff(
        json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
        json!({"spec": {"strategy": {"type": "Recreate"}}}),
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"}}}),
    );
    // replace: the whole object.
    check_diff(
        json!({"spec": {"selector": {"matchLabels": {"a": "1"}}}}),
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
        json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
    );
    // No strategy: the whole list.
    check_diff(
        json!({"spec": {"tolerations": [{"key": "a"}, {"key": "b"}]}}),
        json!({"spec": {"tolerations": [{"key": "b"}]}}),
        json!({"spec": {"tolerations": [{"key": "b"}]}}),
    );
}

#[test]
fn two_way_errors() {
    assert_eq!(
        create_two_way_merge_patch(&json!({"$patch": 1}), &json!({"$patch": 2}), &pod())
            .unwrap_err()
            .to_string(),
        "invalid value for special key: $patch"
    );
    assert_eq!(
        create_two_way_merge_patch(&json!("x"), &json!({}), &pod()).unwrap_err(),
        StrategicMergeError::InvalidJsonDocument
    );
    // Fields without metadata may differ only when they are scalars.
    assert_eq!(
        create_two_way_merge_patch(
            &json!({"spec": {"bogus": {"a": 1}}}),
            &json!({"spec": {"bogus": {"a": 2}}}),
            &pod()
        )
        .unwrap_err()
        .to_string(),
        "unable to find api field in struct Test for the json field \"bogus\""
    );
}

#[test]
fn two_way_patches_apply_back() {
    let original = json!({
        "metadata": {"finalizers": ["a", "b"], "labels": {"x": "1"}},
        "spec": {"containers": [
            {"name": "a", "ports": [{"containerPort": 80}], "env": [{"name": "E", "value": "1"}]},
            {"name": "b"}
        ]}
    });
    let modified = json!({
        "metadata": {"finalizers": ["b", "c"]},
        "spec": {"containers": [
            {"name": "c"},
            {"name": "a", "ports": [{"containerPort": 443}, {"containerPort": 80}], "env": []}
        ]}
    });
    let patch = create_two_way_merge_patch(&original, &modified, &pod()).unwrap();
    assert_eq!(apply(original, patch).unwrap(), modified);
}
