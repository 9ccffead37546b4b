//! The generator's model: Rust modules, types and fields built from the OpenAPI schemas.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};

use super::goorder::GoOrder;
use super::names::{doc_lines, field_name, module_name, type_name};
use super::resources::ResourceInfo;
use super::spec::{AdditionalProperties, Gvk, Schema};

/// A Rust module of generated types: `core::v1`, `apps::v1`, …
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModKey {
    pub group: String,
    pub version: String,
}

/// A reference to a generated type.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeRef {
    pub module: ModKey,
    pub name: String,
}

/// The Rust type of a field, before `Option`/`Box` wrapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    String,
    Bool,
    I32,
    I64,
    F64,
    /// `format: byte`: base64 on the wire (`crate::ByteString`).
    Bytes,
    /// Any JSON (`serde_json::Value`).
    Value,
    /// A type of k8s-apimachinery (`ObjectMeta`, `Time`, `Quantity`, …).
    Machinery(String),
    Generated(TypeRef),
    Vec(Box<Ty>),
    Map(Box<Ty>),
}

/// apimachinery types that are small values (not boxed when optional).
pub const MACHINERY_SCALARS: &[&str] = &[
    "Time",
    "MicroTime",
    "Quantity",
    "IntOrString",
    "Duration",
    "RawExtension",
    "FieldsV1",
];

impl Ty {
    /// Whether an optional field of this type is stored as `Option<Box<T>>`: nested objects are,
    /// so that an absent one costs a pointer, not the whole struct.
    pub fn boxed_when_optional(&self, model: &Model) -> bool {
        match self {
            Ty::Machinery(name) => !MACHINERY_SCALARS.contains(&name.as_str()),
            Ty::Generated(r) => !model.is_scalar(r),
            _ => false,
        }
    }
}

/// How a field is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repr {
    /// In `required`: plain `T`, always written; decoding tolerates absence and `null` (zero
    /// value), as Go's decoder does.
    Required,
    /// Optional, but a value (non-pointer) struct in Go (`default: {}` in the spec): plain `T`,
    /// always written, as the apiserver does (`"metadata": {}`, `"status": {}`).
    Value,
    /// Optional: `Option<T>`, omitted when `None`.
    Optional,
}

/// A field of a generated struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub wire: String,
    pub rust: String,
    pub ty: Ty,
    pub repr: Repr,
    /// `Box` the value (an optional nested object, or a cycle).
    pub boxed: bool,
    pub doc: Vec<String>,
}

/// Hand-shaped types that the schemas can't express as structs (apiextensions' "X or Y").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// `apiextensions.v1.JSON`: any JSON value.
    Json,
    /// `JSONSchemaPropsOrArray`: a schema or a list of schemas.
    OrArray,
    /// `JSONSchemaPropsOrBool`: a schema or a boolean.
    OrBool,
    /// `JSONSchemaPropsOrStringArray`: a schema or a list of strings.
    OrStringArray,
}

/// The body of a generated type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Struct(Vec<Field>),
    Special(Special),
}

/// A generated type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDef {
    pub name: String,
    /// The schema name (`io.k8s.api.core.v1.Pod`).
    pub schema: String,
    pub doc: Vec<String>,
    pub body: Body,
    /// The GVKs the schema declares (`x-kubernetes-group-version-kind`).
    pub gvks: Vec<Gvk>,
    /// REST resource (when the paths serve the kind).
    pub resource: Option<ResourceInfo>,
    /// `XxxList`: the item type.
    pub list_of: Option<TypeRef>,
    /// Has `metadata: ObjectMeta` (plain).
    pub object_meta: bool,
}

/// A module of generated types.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Module {
    /// Schema package (`io.k8s.api.core.v1`).
    pub package: String,
    /// API group/version served (from the GVKs of its types; "" for core).
    pub api_group: Option<String>,
    pub types: BTreeMap<String, TypeDef>,
}

/// Everything to generate.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub modules: BTreeMap<ModKey, Module>,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// `io.k8s.api.core.v1.Pod` → (`io.k8s.api.core.v1`, `Pod`).
pub fn split_schema_name(id: &str) -> Option<(&str, &str)> {
    id.rsplit_once('.')
}

/// The apimachinery type a schema name maps to, if it is one.
pub fn machinery_type(id: &str) -> Option<String> {
    let rest = id.strip_prefix("io.k8s.apimachinery.")?;
    if rest == "pkg.version.Info" {
        return Some("VersionInfo".to_string());
    }
    split_schema_name(rest).map(|(_, n)| n.to_string())
}

/// The module of a schema package: the last two segments (`io.k8s.api.core.v1` → core/v1,
/// `io.k8s.kube-aggregator.pkg.apis.apiregistration.v1` → apiregistration/v1).
pub fn module_of_package(package: &str) -> Option<ModKey> {
    let mut parts = package.rsplit('.');
    let version = parts.next()?;
    if !package.starts_with("io.k8s.") {
        // A custom resource's group, reversed by the apiserver (`com.example.stable.v1`):
        // the whole group names the module (`stable_example_com`).
        let group: Vec<&str> = parts.collect();
        if group.is_empty() {
            return None;
        }
        return Some(ModKey {
            group: module_name(&group.join("_")),
            version: module_name(version),
        });
    }
    let group = parts.next()?;
    Some(ModKey {
        group: module_name(group),
        version: module_name(version),
    })
}

fn special_of(id: &str) -> Option<Special> {
    let (pkg, name) = split_schema_name(id)?;
    if !pkg.ends_with(".apiextensions.v1") && !pkg.ends_with(".apiextensions.v1beta1") {
        return None;
    }
    Some(match name {
        "JSON" => Special::Json,
        "JSONSchemaPropsOrArray" => Special::OrArray,
        "JSONSchemaPropsOrBool" => Special::OrBool,
        "JSONSchemaPropsOrStringArray" => Special::OrStringArray,
        _ => return None,
    })
}

impl Model {
    /// Builds the model from all schemas (merged over documents), the resources from the paths
    /// and the Go field order.
    pub fn build(
        schemas: &BTreeMap<String, Schema>,
        resources: &BTreeMap<Gvk, ResourceInfo>,
        go: &GoOrder,
    ) -> Result<Model> {
        let mut model = Model::default();
        let mut builder = Builder {
            schemas,
            refs: BTreeMap::new(),
            taken: BTreeSet::new(),
            inline: Vec::new(),
        };
        // First the names, so that references resolve.
        for id in schemas.keys() {
            if machinery_type(id).is_some() {
                continue;
            }
            let (pkg, name) = split_schema_name(id).with_context(|| format!("schema name {id}"))?;
            let module = module_of_package(pkg).with_context(|| format!("schema package {pkg}"))?;
            let r = TypeRef {
                module,
                name: type_name(name),
            };
            builder.taken.insert(r.clone());
            builder.refs.insert(id.clone(), r);
        }
        let mut packages: BTreeMap<ModKey, String> = BTreeMap::new();
        for (id, schema) in schemas {
            let Some(r) = builder.refs.get(id).cloned() else {
                continue;
            };
            let (pkg, go_name) = split_schema_name(id).context("schema name")?;
            if let Some(other) = packages.insert(r.module.clone(), pkg.to_string())
                && other != pkg
            {
                bail!(
                    "packages {other} and {pkg} both map to module {:?}",
                    r.module
                );
            }
            let def = builder.type_def(id, schema, &r, go, pkg, go_name)?;
            let module = model.modules.entry(r.module.clone()).or_default();
            module.package = pkg.to_string();
            if module.types.insert(r.name.clone(), def).is_some() {
                bail!("two schemas named {} in module {:?}", r.name, r.module);
            }
        }
        // Types of inline object schemas (CRDs), named after their parent and field.
        for (r, def) in std::mem::take(&mut builder.inline) {
            let module = model.modules.entry(r.module.clone()).or_default();
            if module.types.insert(r.name.clone(), def).is_some() {
                bail!("two types named {} in module {:?}", r.name, r.module);
            }
        }
        // Resources, lists, API groups.
        let snapshot = model.clone();
        for module in model.modules.values_mut() {
            for def in module.types.values_mut() {
                for gvk in &def.gvks {
                    if module.api_group.is_none() {
                        module.api_group = Some(gvk.group.clone());
                    }
                    if let Some(info) = resources.get(gvk) {
                        def.resource = Some(info.clone());
                    }
                }
                def.list_of = list_item(def);
                def.object_meta = match &def.body {
                    Body::Struct(fields) => fields.iter().any(|f| {
                        f.wire == "metadata"
                            && f.ty == Ty::Machinery("ObjectMeta".to_string())
                            && f.repr != Repr::Optional
                    }),
                    Body::Special(_) => false,
                };
            }
        }
        // Box fields that would make a type contain itself.
        for (key, module) in model.modules.iter_mut() {
            for def in module.types.values_mut() {
                let me = TypeRef {
                    module: key.clone(),
                    name: def.name.clone(),
                };
                if let Body::Struct(fields) = &mut def.body {
                    for f in fields.iter_mut() {
                        if !f.boxed
                            && let Ty::Generated(target) = &f.ty
                            && snapshot.reaches_inline(target, &me, &mut BTreeSet::new())
                        {
                            f.boxed = true;
                        }
                    }
                }
            }
        }
        // Now that every type is known: box optional nested objects.
        let snapshot = model.clone();
        for module in model.modules.values_mut() {
            for def in module.types.values_mut() {
                if let Body::Struct(fields) = &mut def.body {
                    for f in fields.iter_mut() {
                        if f.repr == Repr::Optional && f.ty.boxed_when_optional(&snapshot) {
                            f.boxed = true;
                        }
                    }
                }
            }
        }
        Ok(model)
    }

    /// The definition of a generated type.
    pub fn get(&self, r: &TypeRef) -> Option<&TypeDef> {
        self.modules.get(&r.module)?.types.get(&r.name)
    }

    /// The other modules whose types the types of `key` use.
    pub fn module_deps(&self, key: &ModKey) -> BTreeSet<ModKey> {
        fn walk(ty: &Ty, out: &mut BTreeSet<ModKey>) {
            match ty {
                Ty::Generated(r) => {
                    out.insert(r.module.clone());
                }
                Ty::Vec(inner) | Ty::Map(inner) => walk(inner, out),
                _ => {}
            }
        }
        let mut out = BTreeSet::new();
        if let Some(module) = self.modules.get(key) {
            for def in module.types.values() {
                if let Body::Struct(fields) = &def.body {
                    for f in fields {
                        walk(&f.ty, &mut out);
                    }
                }
            }
        }
        out.remove(key);
        out
    }

    /// Whether a generated type is a small value (not boxed when optional).
    pub fn is_scalar(&self, r: &TypeRef) -> bool {
        matches!(
            self.get(r).map(|d| &d.body),
            Some(Body::Special(Special::Json))
        )
    }

    /// Whether `from` holds `to` inline (through fields that are neither boxed, optional-boxed
    /// nor in a collection).
    fn reaches_inline(&self, from: &TypeRef, to: &TypeRef, seen: &mut BTreeSet<TypeRef>) -> bool {
        if from == to {
            return true;
        }
        if !seen.insert(from.clone()) {
            return false;
        }
        let Some(def) = self.get(from) else {
            return false;
        };
        let fields = match &def.body {
            Body::Struct(fields) => fields,
            // The "or" enums hold a JSONSchemaProps inline.
            Body::Special(Special::OrArray | Special::OrBool | Special::OrStringArray) => {
                let props = TypeRef {
                    module: from.module.clone(),
                    name: "JSONSchemaProps".to_string(),
                };
                return self.reaches_inline(&props, to, seen);
            }
            Body::Special(Special::Json) => return false,
        };
        fields.iter().any(|f| {
            let inline = !f.boxed && (f.repr != Repr::Optional || !f.ty.boxed_when_optional(self));
            match (&f.ty, inline) {
                (Ty::Generated(t), true) => self.reaches_inline(t, to, seen),
                _ => false,
            }
        })
    }
}

/// `XxxList` with `items: Vec<Xxx>` and `metadata: ListMeta` → `Xxx`.
fn list_item(def: &TypeDef) -> Option<TypeRef> {
    let Body::Struct(fields) = &def.body else {
        return None;
    };
    if !def.name.ends_with("List") {
        return None;
    }
    let has_list_meta = fields.iter().any(|f| {
        f.wire == "metadata"
            && f.ty == Ty::Machinery("ListMeta".to_string())
            && f.repr != Repr::Optional
    });
    let items = fields
        .iter()
        .find(|f| f.wire == "items" && f.repr == Repr::Required)?;
    match (&items.ty, has_list_meta) {
        (Ty::Vec(inner), true) => match inner.as_ref() {
            Ty::Generated(r) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// Where a schema sits: the type and field that hold it.
struct Inline<'a> {
    owner: &'a TypeRef,
    wire: &'a str,
    id: &'a str,
    go: &'a GoOrder,
    pkg: &'a str,
}

struct Builder<'a> {
    schemas: &'a BTreeMap<String, Schema>,
    refs: BTreeMap<String, TypeRef>,
    /// Every type name given out.
    taken: BTreeSet<TypeRef>,
    /// Types made for inline object schemas.
    inline: Vec<(TypeRef, TypeDef)>,
}

impl Builder<'_> {
    fn type_def(
        &mut self,
        id: &str,
        schema: &Schema,
        r: &TypeRef,
        go: &GoOrder,
        pkg: &str,
        go_name: &str,
    ) -> Result<TypeDef> {
        let doc = match schema
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(d) => doc_lines(d),
            None => vec![format!("`{}` (the spec gives no description).", r.name)],
        };
        let body = match special_of(id) {
            Some(s) => Body::Special(s),
            None => {
                if !schema.one_of.is_empty() || !schema.any_of.is_empty() {
                    bail!("{id}: oneOf/anyOf schemas are not supported");
                }
                if schema.type_.as_deref().is_some_and(|t| t != "object") {
                    bail!(
                        "{id}: a top-level schema of type {:?} is not supported",
                        schema.type_
                    );
                }
                Body::Struct(self.fields(id, schema, go, pkg, go_name, r)?)
            }
        };
        Ok(TypeDef {
            name: r.name.clone(),
            schema: id.to_string(),
            doc,
            body,
            gvks: schema.gvk.clone(),
            resource: None,
            list_of: None,
            object_meta: false,
        })
    }

    fn fields(
        &mut self,
        id: &str,
        schema: &Schema,
        go: &GoOrder,
        pkg: &str,
        go_name: &str,
        owner: &TypeRef,
    ) -> Result<Vec<Field>> {
        let required: BTreeSet<&str> = schema.required.iter().map(String::as_str).collect();
        // Go order first, then whatever the Go struct doesn't name (alphabetically).
        let mut order: Vec<&str> = Vec::new();
        if let Some(go_fields) = go.fields(pkg, go_name) {
            for f in go_fields {
                if let Some((k, _)) = schema.properties.get_key_value(f.as_str())
                    && !order.contains(&k.as_str())
                {
                    order.push(k.as_str());
                }
            }
        }
        for k in schema.properties.keys() {
            if !order.contains(&k.as_str()) {
                order.push(k.as_str());
            }
        }
        let mut fields = Vec::new();
        let mut names = BTreeSet::new();
        for wire in order {
            let Some(prop) = schema.properties.get(wire) else {
                continue;
            };
            let ty = self
                .ty(
                    prop,
                    &Inline {
                        owner,
                        wire,
                        id,
                        go,
                        pkg,
                    },
                )
                .with_context(|| format!("{id}.{wire}"))?;
            let rust = field_name(wire);
            if !names.insert(rust.clone()) {
                bail!("{id}: two properties map to the Rust field {rust}");
            }
            let is_struct = matches!(&ty, Ty::Generated(_) | Ty::Machinery(_));
            let value_default = prop
                .default
                .as_ref()
                .is_some_and(|d| d.as_object().is_some_and(|o| o.is_empty()));
            let meta = wire == "metadata"
                && matches!(&ty, Ty::Machinery(n) if n == "ObjectMeta" || n == "ListMeta");
            // A zero metav1.Time/MicroTime is written as `null` by Go even where the spec says
            // required (an events.k8s.io Event made from a core Event has `eventTime: null`):
            // such fields are `Option`.
            let nullable_time = matches!(&ty, Ty::Machinery(n) if n == "Time" || n == "MicroTime");
            let repr = if required.contains(wire) && !nullable_time {
                Repr::Required
            } else if (is_struct && value_default) || meta {
                Repr::Value
            } else {
                Repr::Optional
            };
            let doc = match prop.description.as_deref().filter(|d| !d.trim().is_empty()) {
                Some(d) => doc_lines(d),
                None => vec![format!("`{wire}` (the spec gives no description).")],
            };
            fields.push(Field {
                wire: wire.to_string(),
                rust,
                ty,
                repr,
                boxed: false,
                doc,
            });
        }
        Ok(fields)
    }

    /// The type of a property or item schema (`at`: where it is, to name an inline type).
    fn ty(&mut self, s: &Schema, at: &Inline<'_>) -> Result<Ty> {
        if let Some(r) = self.reference(s) {
            return self.ty_of_ref(r);
        }
        if s.int_or_string || s.format.as_deref() == Some("int-or-string") {
            return Ok(Ty::Machinery("IntOrString".to_string()));
        }
        if s.embedded_resource || s.preserve_unknown_fields == Some(true) && s.properties.is_empty()
        {
            return Ok(Ty::Value);
        }
        Ok(match s.type_.as_deref() {
            Some("string") => match s.format.as_deref() {
                Some("date-time") => Ty::Machinery("Time".to_string()),
                Some("byte") => Ty::Bytes,
                Some("quantity") => Ty::Machinery("Quantity".to_string()),
                _ => Ty::String,
            },
            Some("integer") => match s.format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            Some("number") => Ty::F64,
            Some("boolean") => Ty::Bool,
            Some("array") => {
                let items = s.items.as_deref().context("array without items")?;
                Ty::Vec(Box::new(self.ty(items, at)?))
            }
            Some("object") => match &s.additional_properties {
                Some(AdditionalProperties::Schema(v)) => Ty::Map(Box::new(self.ty(v, at)?)),
                _ if !s.properties.is_empty() => self.inline_type(s, at)?,
                _ => Ty::Value,
            },
            None if !s.properties.is_empty() => self.inline_type(s, at)?,
            None => Ty::Value,
            Some(other) => bail!("unsupported type {other:?}"),
        })
    }

    /// A struct for an inline object schema, named `<Owner><Field>` (`WidgetSpec`,
    /// `WidgetSpecPorts`), made unique within the module with a number.
    fn inline_type(&mut self, s: &Schema, at: &Inline<'_>) -> Result<Ty> {
        let base = format!("{}{}", at.owner.name, type_name(at.wire));
        let mut r = TypeRef {
            module: at.owner.module.clone(),
            name: base.clone(),
        };
        let mut n = 2;
        while self.taken.contains(&r) {
            r.name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(r.clone());
        let id = format!("{}.{}", at.id, at.wire);
        let doc = match s.description.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(d) => doc_lines(d),
            None => vec![format!("`{}` of [`{}`].", at.wire, at.owner.name)],
        };
        let fields = self.fields(&id, s, at.go, at.pkg, "", &r)?;
        let def = TypeDef {
            name: r.name.clone(),
            schema: id,
            doc,
            body: Body::Struct(fields),
            gvks: Vec::new(),
            resource: None,
            list_of: None,
            object_meta: false,
        };
        self.inline.push((r.clone(), def));
        Ok(Ty::Generated(r))
    }

    /// `$ref`, or `allOf: [{$ref}]` (how v3 documents attach a description to a reference).
    fn reference<'s>(&self, s: &'s Schema) -> Option<&'s str> {
        if let Some(r) = &s.ref_ {
            return Some(r);
        }
        match s.all_of.as_slice() {
            [one] => one.ref_.as_deref(),
            _ => None,
        }
    }

    fn ty_of_ref(&self, r: &str) -> Result<Ty> {
        let id = r
            .strip_prefix(SCHEMA_PREFIX)
            .with_context(|| format!("unsupported $ref {r}"))?;
        if let Some(m) = machinery_type(id) {
            return Ok(Ty::Machinery(m));
        }
        if !self.schemas.contains_key(id) {
            bail!("$ref to unknown schema {id}");
        }
        let target = self.refs.get(id).with_context(|| format!("$ref {id}"))?;
        Ok(Ty::Generated(target.clone()))
    }
}

/// Whether a module's version is a pre-release (`v1beta1`, `v1alpha3`).
pub fn prerelease(version: &str) -> Option<&'static str> {
    if version.contains("alpha") {
        Some("alpha")
    } else if version.contains("beta") {
        Some("beta")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(v: serde_json::Value) -> Schema {
        serde_json::from_value(v).unwrap()
    }

    fn build(schemas: Vec<(&str, serde_json::Value)>) -> Model {
        let schemas: BTreeMap<String, Schema> = schemas
            .into_iter()
            .map(|(k, v)| (k.to_string(), schema(v)))
            .collect();
        Model::build(&schemas, &BTreeMap::new(), &GoOrder::default()).unwrap()
    }

    fn field<'m>(m: &'m Model, group: &str, name: &str, wire: &str) -> &'m Field {
        let key = ModKey {
            group: group.into(),
            version: "v1".into(),
        };
        let Body::Struct(fields) = &m.modules[&key].types[name].body else {
            panic!()
        };
        fields.iter().find(|f| f.wire == wire).unwrap()
    }

    #[test]
    fn maps_schema_types_to_rust_types() {
        let m = build(vec![
            (
                "io.k8s.api.core.v1.T",
                serde_json::json!({
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "default": ""},
                        "count": {"type": "integer", "format": "int32"},
                        "big": {"type": "integer", "format": "int64"},
                        "ratio": {"type": "number", "format": "double"},
                        "on": {"type": "boolean"},
                        "when": {"type": "string", "format": "date-time"},
                        "data": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}},
                        "port": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]},
                        "limits": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"}},
                        "args": {"type": "array", "items": {"type": "string"}},
                        "raw": {"type": "object"},
                        "ios": {"x-kubernetes-int-or-string": true},
                        "any": {"x-kubernetes-preserve-unknown-fields": true},
                        "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "default": {}},
                        "spec": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.S"}], "default": {}},
                        "other": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.S"}]},
                        "selector": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"}]},
                        "since": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"}]}
                    }
                }),
            ),
            (
                "io.k8s.api.core.v1.S",
                serde_json::json!({"type": "object", "properties": {}}),
            ),
        ]);
        let f = |w| field(&m, "core", "T", w);
        assert_eq!(
            (f("name").ty.clone(), f("name").repr),
            (Ty::String, Repr::Required)
        );
        assert_eq!(f("count").ty, Ty::I32);
        assert_eq!(f("big").ty, Ty::I64);
        assert_eq!(f("ratio").ty, Ty::F64);
        assert_eq!(f("on").ty, Ty::Bool);
        assert_eq!(f("on").repr, Repr::Optional);
        assert_eq!(f("when").ty, Ty::Machinery("Time".into()));
        assert_eq!(f("data").ty, Ty::Map(Box::new(Ty::Bytes)));
        assert_eq!(f("port").ty, Ty::Machinery("IntOrString".into()));
        assert_eq!(
            f("limits").ty,
            Ty::Map(Box::new(Ty::Machinery("Quantity".into())))
        );
        assert_eq!(f("args").ty, Ty::Vec(Box::new(Ty::String)));
        assert_eq!(f("raw").ty, Ty::Value);
        assert_eq!(f("ios").ty, Ty::Machinery("IntOrString".into()));
        assert_eq!(f("any").ty, Ty::Value);
        assert_eq!(f("metadata").repr, Repr::Value);
        assert_eq!(f("spec").repr, Repr::Value);
        assert!(!f("spec").boxed);
        assert_eq!(f("other").repr, Repr::Optional);
        assert!(f("other").boxed, "optional nested objects are boxed");
        assert!(f("selector").boxed);
        assert!(!f("port").boxed && !f("when").boxed);
        assert_eq!(f("since").ty, Ty::Machinery("MicroTime".into()));
    }

    #[test]
    fn self_reference_through_a_required_field_is_boxed() {
        let m = build(vec![(
            "io.k8s.api.x.v1.Node",
            serde_json::json!({
                "type": "object",
                "required": ["next"],
                "properties": {"next": {"$ref": "#/components/schemas/io.k8s.api.x.v1.Node"}}
            }),
        )]);
        assert!(field(&m, "x", "Node", "next").boxed);
    }

    #[test]
    fn list_types_and_module_mapping() {
        let m = build(vec![
            (
                "io.k8s.api.apps.v1.Deployment",
                serde_json::json!({"type": "object", "properties": {
                "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "default": {}}
            }, "x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1", "kind": "Deployment"}]}),
            ),
            (
                "io.k8s.api.apps.v1.DeploymentList",
                serde_json::json!({"type": "object", "required": ["items"], "properties": {
                    "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"}], "default": {}},
                    "items": {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"}], "default": {}}}
                }}),
            ),
        ]);
        let key = ModKey {
            group: "apps".into(),
            version: "v1".into(),
        };
        let list = &m.modules[&key].types["DeploymentList"];
        assert_eq!(list.list_of.as_ref().unwrap().name, "Deployment");
        assert!(m.modules[&key].types["Deployment"].object_meta);
        assert_eq!(m.modules[&key].api_group.as_deref(), Some("apps"));
        assert_eq!(
            module_of_package("io.k8s.kube-aggregator.pkg.apis.apiregistration.v1"),
            Some(ModKey {
                group: "apiregistration".into(),
                version: "v1".into()
            })
        );
        assert_eq!(
            machinery_type("io.k8s.apimachinery.pkg.version.Info").as_deref(),
            Some("VersionInfo")
        );
        assert_eq!(
            machinery_type("io.k8s.apimachinery.pkg.apis.meta.v1.Time").as_deref(),
            Some("Time")
        );
        assert_eq!(machinery_type("io.k8s.api.core.v1.Pod"), None);
    }
}
