//! k8s-api's strategic-merge-patch metadata table (`api/src/generated/patch_meta.rs`).
//!
//! The apiserver applies a strategic merge patch with the `patchStrategy`/`patchMergeKey` tags
//! of the Go structs; the OpenAPI documents carry the same facts as `x-kubernetes-patch-strategy`
//! and `x-kubernetes-patch-merge-key` on each property (plus `x-kubernetes-list-type`,
//! `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`, which server-side apply reads).
//! This module walks every schema reachable from a served kind and writes them out as a static
//! graph of nodes:
//!
//! - node 0 is every scalar (strings, numbers, booleans, `Quantity`, `Time`, `IntOrString`);
//! - one node per object schema with properties (`Node::Struct`, its fields sorted by
//!   JSON name), or without them (`Node::Opaque`: `RawExtension`, `FieldsV1`, schemaless JSON);
//! - one node per list or map shape (`Node::List(element)`, `Node::Map(value)`);
//! - `KINDS`: `(apiVersion, kind)` → the root node, sorted for binary search.
//!
//! Every field has an entry, scalar fields (node 0) included: Go's lookups answer for them, so
//! a patch that holds an object or a list where the type has a scalar fails as Go's does.
//! The node numbering is a pure function of the
//! schemas (sorted schema names, then shapes in field order), so the file is reproducible.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use super::emit::HEADER;
use super::model::machinery_type;
use super::spec::{AdditionalProperties, Gvk, Operation, Schema};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// The shape of a node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Scalar,
    /// An object schema with properties (by schema name).
    Struct(String),
    /// An object without properties (by schema name, or `""` for an inline one).
    Opaque(String),
    List(usize),
    Map(usize),
}

/// One emitted field.
struct FieldOut {
    name: String,
    node: usize,
    strategy: &'static str,
    merge_key: Option<String>,
    list_type: &'static str,
    list_map_keys: Vec<String>,
    map_type: &'static str,
    in_zero_value: bool,
}

struct Graph<'a> {
    schemas: &'a BTreeMap<String, Schema>,
    nodes: Vec<Shape>,
    index: BTreeMap<Shape, usize>,
}

impl Graph<'_> {
    fn node(&mut self, shape: Shape) -> usize {
        if let Some(i) = self.index.get(&shape) {
            return *i;
        }
        let i = self.nodes.len();
        self.nodes.push(shape.clone());
        self.index.insert(shape, i);
        i
    }

    /// The node of a property/item schema (struct nodes must exist already).
    fn node_of(&mut self, s: &Schema) -> Result<usize> {
        if let Some(id) = reference(s) {
            return self.node_of_ref(id);
        }
        if s.int_or_string || s.format.as_deref() == Some("int-or-string") {
            return Ok(0);
        }
        Ok(match s.type_.as_deref() {
            Some("array") => {
                let items = s.items.as_deref().context("array without items")?;
                let inner = self.node_of(items)?;
                self.node(Shape::List(inner))
            }
            Some("object") | None => match &s.additional_properties {
                Some(AdditionalProperties::Schema(v)) => {
                    let inner = self.node_of(v)?;
                    self.node(Shape::Map(inner))
                }
                _ => self.node(Shape::Opaque(String::new())),
            },
            Some(_) => 0,
        })
    }

    fn node_of_ref(&mut self, id: &str) -> Result<usize> {
        // A schema the documents don't define (a partial spec) is opaque.
        let shape = match self.schemas.get(id) {
            Some(target) => shape_of_target(id, target),
            None => Shape::Opaque(id.to_string()),
        };
        self.index
            .get(&shape)
            .copied()
            .or_else(|| (shape == Shape::Scalar).then_some(0))
            .with_context(|| format!("no node for {id}"))
    }
}

/// How a referenced schema is held: a struct, an opaque object or a scalar.
fn shape_of_target(id: &str, s: &Schema) -> Shape {
    if !s.properties.is_empty() {
        return Shape::Struct(id.to_string());
    }
    if s.int_or_string || s.format.as_deref() == Some("int-or-string") {
        return Shape::Scalar;
    }
    match s.type_.as_deref() {
        Some("object") | None => Shape::Opaque(id.to_string()),
        Some(_) => Shape::Scalar,
    }
}

/// `$ref`, or `allOf: [{$ref}]`, as a schema name.
fn reference(s: &Schema) -> Option<&str> {
    let r = match (&s.ref_, s.all_of.as_slice()) {
        (Some(r), _) => r,
        (None, [one]) => one.ref_.as_ref()?,
        _ => return None,
    };
    r.strip_prefix(SCHEMA_PREFIX)
}

/// Schema names referenced by a schema (its properties, items and map values, recursively
/// through inline schemas).
fn refs_of(s: &Schema, out: &mut Vec<String>) {
    if let Some(id) = reference(s) {
        out.push(id.to_string());
        return;
    }
    for p in s.properties.values() {
        refs_of(p, out);
    }
    if let Some(items) = &s.items {
        refs_of(items, out);
    }
    if let Some(AdditionalProperties::Schema(v)) = &s.additional_properties {
        refs_of(v, out);
    }
}

/// The `apiVersion` of a GVK.
fn api_version(gvk: &Gvk) -> String {
    if gvk.group.is_empty() {
        gvk.version.clone()
    } else {
        format!("{}/{}", gvk.group, gvk.version)
    }
}

fn strategy_of(id: &str, wire: &str, s: &Schema) -> Result<&'static str> {
    Ok(match s.patch_strategy.as_deref() {
        None | Some("") => "Strategy::None",
        Some("merge") => "Strategy::Merge",
        Some("replace") => "Strategy::Replace",
        Some("retainKeys") => "Strategy::RetainKeys",
        Some("merge,retainKeys") | Some("retainKeys,merge") => "Strategy::MergeRetainKeys",
        Some(other) => bail!("{id}.{wire}: unknown x-kubernetes-patch-strategy {other:?}"),
    })
}

fn list_type_of(id: &str, wire: &str, s: &Schema) -> Result<&'static str> {
    Ok(match s.list_type.as_deref() {
        None => "None",
        Some("atomic") => "Some(ListType::Atomic)",
        Some("set") => "Some(ListType::Set)",
        Some("map") => "Some(ListType::Map)",
        Some(other) => bail!("{id}.{wire}: unknown x-kubernetes-list-type {other:?}"),
    })
}

fn map_type_of(id: &str, s: &Schema) -> Result<&'static str> {
    Ok(match s.map_type.as_deref() {
        None => "None",
        Some("atomic") => "Some(MapType::Atomic)",
        Some("granular") => "Some(MapType::Granular)",
        Some(other) => bail!("{id}: unknown x-kubernetes-map-type {other:?}"),
    })
}

/// Renders `patch_meta.rs` from all schemas and the operations of the paths.
pub fn render(schemas: &BTreeMap<String, Schema>, ops: &[Operation]) -> Result<String> {
    // Roots: the schema of every kind an operation names.
    let mut declared: BTreeMap<&Gvk, Vec<&str>> = BTreeMap::new();
    for (id, s) in schemas {
        for gvk in &s.gvk {
            declared.entry(gvk).or_default().push(id);
        }
    }
    let mut roots: BTreeMap<(String, String), String> = BTreeMap::new();
    for gvk in ops.iter().filter_map(|op| op.gvk.as_ref()) {
        let Some(ids) = declared.get(gvk) else {
            continue;
        };
        // apimachinery's option/status types list every group's GVK; the kind's own schema wins.
        let own: Vec<&&str> = ids
            .iter()
            .filter(|id| machinery_type(id).is_none())
            .collect();
        let id = match own.as_slice() {
            [one] => **one,
            [] if ids.len() == 1 => ids[0],
            _ => bail!("{gvk:?} is declared by several schemas: {ids:?}"),
        };
        roots.insert((api_version(gvk), gvk.kind.clone()), id.to_string());
    }

    // Every struct reachable from a root.
    let mut reachable: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<String> = roots.values().cloned().collect();
    while let Some(id) = stack.pop() {
        if !reachable.insert(id.clone()) {
            continue;
        }
        let Some(s) = schemas.get(&id) else {
            continue;
        };
        let mut refs = Vec::new();
        refs_of(s, &mut refs);
        stack.extend(refs.into_iter().filter(|r| !reachable.contains(r)));
    }

    let mut graph = Graph {
        schemas,
        nodes: Vec::new(),
        index: BTreeMap::new(),
    };
    graph.node(Shape::Scalar);
    for id in &reachable {
        let shape = match schemas.get(id) {
            Some(s) => shape_of_target(id, s),
            None => Shape::Opaque(id.clone()),
        };
        if shape != Shape::Scalar {
            graph.node(shape);
        }
    }
    // Fields of every struct, in schema-name then JSON-name order.
    let mut fields: BTreeMap<usize, Vec<FieldOut>> = BTreeMap::new();
    for id in &reachable {
        let Some(s) = schemas.get(id) else {
            continue;
        };
        let Some(&me) = graph.index.get(&Shape::Struct(id.clone())) else {
            continue;
        };
        let mut out = Vec::new();
        for (wire, prop) in &s.properties {
            let node = graph
                .node_of(prop)
                .with_context(|| format!("{id}.{wire}"))?;
            // Scalar fields are listed too: Go's lookups succeed for them (a scalar type), so a
            // patch that puts an object or a list there fails as Go's does, not as an unknown
            // field.
            out.push(FieldOut {
                name: wire.clone(),
                node,
                strategy: strategy_of(id, wire, prop)?,
                merge_key: prop.patch_merge_key.clone(),
                list_type: list_type_of(id, wire, prop)?,
                list_map_keys: prop.list_map_keys.clone(),
                map_type: map_type_of(&format!("{id}.{wire}"), prop)?,
                // Go's zero value of the struct has the field when it is a value (not a
                // pointer) struct, which the OpenAPI marks with a `default`, or when its JSON
                // tag lacks `omitempty`, which the OpenAPI marks as `required`.
                in_zero_value: prop.default.is_some() || s.required.contains(wire),
            });
        }
        fields.insert(me, out);
    }
    if graph.nodes.len() > usize::from(u16::MAX) {
        bail!("{} patch metadata nodes do not fit u16", graph.nodes.len());
    }
    render_text(&graph, &fields, &roots, schemas)
}

fn render_text(
    graph: &Graph<'_>,
    fields: &BTreeMap<usize, Vec<FieldOut>>,
    roots: &BTreeMap<(String, String), String>,
    schemas: &BTreeMap<String, Schema>,
) -> Result<String> {
    let mut t = String::new();
    writeln!(t, "{HEADER}")?;
    t.push_str(
        "//! Strategic-merge-patch metadata of every type reachable from a served kind, from the\n\
         //! OpenAPI extensions `x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`,\n\
         //! `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type`.\n\
         //! Read it through [`crate::patch_meta`].\n\n\
         use crate::patch_meta::table::{Field, ListType, MapType, Node, Strategy};\n\n\
         /// The type graph; node 0 stands for every scalar.\n",
    );
    writeln!(
        t,
        "pub(crate) static NODES: [Node; {}] = [",
        graph.nodes.len()
    )?;
    for (i, shape) in graph.nodes.iter().enumerate() {
        match shape {
            Shape::Scalar => t.push_str("Node::Scalar,\n"),
            Shape::Opaque(name) => writeln!(t, "Node::Opaque({name:?}),")?,
            Shape::List(e) => writeln!(t, "Node::List({e}),")?,
            Shape::Map(v) => writeln!(t, "Node::Map({v}),")?,
            Shape::Struct(name) => {
                let map_type = map_type_of(name, &schemas[name])?;
                write!(
                    t,
                    "Node::Struct {{ name: {name:?}, map_type: {map_type}, fields: &["
                )?;
                let own = fields.get(&i).map(Vec::as_slice).unwrap_or_default();
                if !own.is_empty() {
                    t.push('\n');
                }
                for f in own {
                    t.push_str(&field_text(f));
                }
                t.push_str("] },\n");
            }
        }
    }
    t.push_str("];\n\n");
    t.push_str("/// `(apiVersion, kind)` → the node of its type, sorted.\n");
    writeln!(
        t,
        "pub(crate) static KINDS: [(&str, &str, u16); {}] = [",
        roots.len()
    )?;
    for ((api_version, kind), id) in roots {
        let node = graph
            .index
            .get(&Shape::Struct(id.clone()))
            .with_context(|| format!("kind {api_version} {kind}: {id} is not an object"))?;
        writeln!(t, "({api_version:?}, {kind:?}, {node}),")?;
    }
    t.push_str("];\n");
    Ok(t)
}

/// One field: `Field::new(name, node)`, with the extensions it has set over it.
fn field_text(f: &FieldOut) -> String {
    let base = format!("Field::new({:?}, {})", f.name, f.node);
    let mut set = Vec::new();
    if f.strategy != "Strategy::None" {
        set.push(format!("strategy: {}", f.strategy));
    }
    if let Some(k) = &f.merge_key {
        set.push(format!("merge_key: Some({k:?})"));
    }
    if f.list_type != "None" {
        set.push(format!("list_type: {}", f.list_type));
    }
    if !f.list_map_keys.is_empty() {
        let keys: Vec<String> = f.list_map_keys.iter().map(|k| format!("{k:?}")).collect();
        set.push(format!("list_map_keys: &[{}]", keys.join(", ")));
    }
    if f.map_type != "None" {
        set.push(format!("map_type: {}", f.map_type));
    }
    if f.in_zero_value {
        set.push("in_zero_value: true".to_string());
    }
    if set.is_empty() {
        format!("{base},\n")
    } else {
        format!("Field {{ {}, ..{base} }},\n", set.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(v: serde_json::Value) -> Schema {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn table_of_a_small_spec() {
        let schemas: BTreeMap<String, Schema> = [
            (
                "io.k8s.api.x.v1.Thing",
                serde_json::json!({
                    "type": "object",
                    "x-kubernetes-group-version-kind": [{"group": "x.io", "version": "v1", "kind": "Thing"}],
                    "properties": {
                        "name": {"type": "string"},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/io.k8s.api.x.v1.Item"},
                                  "x-kubernetes-patch-strategy": "merge,retainKeys",
                                  "x-kubernetes-patch-merge-key": "key",
                                  "x-kubernetes-list-type": "map",
                                  "x-kubernetes-list-map-keys": ["key", "proto"]},
                        "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "raw": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.runtime.RawExtension"}
                    }
                }),
            ),
            (
                "io.k8s.api.x.v1.Item",
                serde_json::json!({"type": "object", "x-kubernetes-map-type": "atomic",
                    "properties": {"key": {"type": "string"}}}),
            ),
            (
                "io.k8s.api.x.v1.Unused",
                serde_json::json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            ),
            (
                "io.k8s.apimachinery.pkg.runtime.RawExtension",
                serde_json::json!({"type": "object"}),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), schema(v)))
        .collect();
        let ops = vec![Operation {
            path: "/apis/x.io/v1/things/{name}".into(),
            method: "patch".into(),
            action: "patch".into(),
            gvk: Some(Gvk {
                group: "x.io".into(),
                version: "v1".into(),
                kind: "Thing".into(),
            }),
        }];
        let text = render(&schemas, &ops).unwrap();
        assert_eq!(render(&schemas, &ops).unwrap(), text, "deterministic");
        assert!(text.starts_with(HEADER), "{text}");
        // Sorted schema names: Item (1), Thing (2), RawExtension (3); then shapes.
        assert!(
            !text.contains("Unused"),
            "unreachable types are left out:\n{text}"
        );
        assert!(
            text.contains("Node::Struct { name: \"io.k8s.api.x.v1.Item\", map_type: Some(MapType::Atomic), fields: &[\nField::new(\"key\", 0),\n] },"),
            "{text}"
        );
        assert!(
            text.contains("Field { strategy: Strategy::MergeRetainKeys, merge_key: Some(\"key\"), list_type: Some(ListType::Map), list_map_keys: &[\"key\", \"proto\"], ..Field::new(\"items\", 4) },"),
            "{text}"
        );
        assert!(text.contains("Node::List(1),"), "{text}");
        assert!(
            text.contains("Field { list_type: Some(ListType::Set), ..Field::new(\"tags\", 6) },"),
            "{text}"
        );
        assert!(text.contains("Field::new(\"labels\", 5),"), "{text}");
        assert!(text.contains("Node::Map(0),"), "{text}");
        assert!(text.contains("Field::new(\"raw\", 3),"), "{text}");
        assert!(
            text.contains("Field::new(\"name\", 0),"),
            "scalar fields are listed as node 0:\n{text}"
        );
        assert!(text.contains("(\"x.io/v1\", \"Thing\", 2),"), "{text}");
    }

    #[test]
    fn unknown_strategies_are_refused() {
        let s = schema(serde_json::json!({"x-kubernetes-patch-strategy": "concat"}));
        assert!(strategy_of("T", "f", &s).is_err());
        let s = schema(serde_json::json!({"x-kubernetes-list-type": "bag"}));
        assert!(list_type_of("T", "f", &s).is_err());
    }
}
