//! CustomResourceDefinitions as generator input: each served version's `openAPIV3Schema`
//! becomes a schema named like the apiserver names it (`com.example.stable.v1.CronTab`), with
//! `metadata` as `ObjectMeta`, a `<Kind>List`, and the resource (plural, scope, the standard
//! verbs, the status/scale subresources) taken from the CRD.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::resources::ResourceInfo;
use super::spec::{Gvk, Schema};

/// The verbs the apiserver serves for every custom resource.
const CR_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// `stable.example.com` → `com.example.stable` (how the apiserver names CRD schemas).
pub fn reversed_group(group: &str) -> String {
    group.split('.').rev().collect::<Vec<_>>().join(".")
}

/// Every `CustomResourceDefinition` in a YAML or JSON text (several YAML documents allowed).
pub fn parse_crds(text: &str) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde::Deserialize::deserialize(doc).context("parsing YAML")?;
        match value.get("kind").and_then(Value::as_str) {
            Some("CustomResourceDefinition") => out.push(value),
            Some("List") => {
                for item in value["items"].as_array().into_iter().flatten() {
                    if item.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
                    {
                        out.push(item.clone());
                    }
                }
            }
            _ => {}
        }
    }
    if out.is_empty() {
        bail!("no CustomResourceDefinition found");
    }
    Ok(out)
}

/// Schemas and resources of the served versions of CRDs.
pub fn crd_inputs(
    crds: &[Value],
) -> Result<(BTreeMap<String, Schema>, BTreeMap<Gvk, ResourceInfo>)> {
    let mut schemas = BTreeMap::new();
    let mut resources = BTreeMap::new();
    for crd in crds {
        let name = crd["metadata"]["name"].as_str().unwrap_or("<unnamed>");
        let spec = &crd["spec"];
        let group = spec["group"]
            .as_str()
            .with_context(|| format!("{name}: no spec.group"))?;
        let kind = spec["names"]["kind"]
            .as_str()
            .with_context(|| format!("{name}: no spec.names.kind"))?;
        let plural = spec["names"]["plural"]
            .as_str()
            .with_context(|| format!("{name}: no spec.names.plural"))?;
        let list_kind = spec["names"]["listKind"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("{kind}List"));
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        let versions = spec["versions"]
            .as_array()
            .with_context(|| format!("{name}: no spec.versions"))?;
        for version in versions {
            if version["served"] == json!(false) {
                continue;
            }
            let v = version["name"]
                .as_str()
                .with_context(|| format!("{name}: a version without a name"))?;
            let mut schema = version["schema"]["openAPIV3Schema"].clone();
            if schema.is_null() {
                schema = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true});
            }
            use_meta_conditions(&mut schema);
            let props = schema
                .as_object_mut()
                .context("openAPIV3Schema is not an object")?
                .entry("properties")
                .or_insert_with(|| json!({}));
            let props = props
                .as_object_mut()
                .context("properties is not an object")?;
            props.insert(
                "apiVersion".into(),
                json!({"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."}),
            );
            props.insert(
                "kind".into(),
                json!({"type": "string", "description": "Kind is a string value representing the REST resource this object represents."}),
            );
            props.insert(
                "metadata".into(),
                json!({"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}], "default": {}, "description": "Standard object's metadata."}),
            );
            let mut kind_schema: Schema = serde_json::from_value(schema)
                .with_context(|| format!("{name} {v}: reading openAPIV3Schema"))?;
            kind_schema.type_ = Some("object".into());
            kind_schema.preserve_unknown_fields = None;
            if kind_schema.description.is_none() {
                kind_schema.description = Some(format!(
                    "`{kind}` of `{group}/{v}` (CustomResourceDefinition `{name}`)."
                ));
            }
            let gvk = Gvk {
                group: group.into(),
                version: v.into(),
                kind: kind.into(),
            };
            kind_schema.gvk = vec![gvk.clone()];
            let package = format!("{}.{v}", reversed_group(group));
            let list: Schema = serde_json::from_value(json!({
                "description": format!("A list of `{kind}`."),
                "type": "object",
                "required": ["items"],
                "properties": {
                    "apiVersion": {"type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."},
                    "kind": {"type": "string", "description": "Kind is a string value representing the REST resource this object represents."},
                    "metadata": {"allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"}], "default": {}, "description": "Standard list metadata."},
                    "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{package}.{kind}")}, "description": format!("The `{kind}` objects.")}
                },
                "x-kubernetes-group-version-kind": [{"group": group, "version": v, "kind": list_kind}]
            }))?;
            schemas.insert(format!("{package}.{kind}"), kind_schema);
            schemas.insert(format!("{package}.{list_kind}"), list);
            let subs = &version["subresources"];
            let mut subresources = Vec::new();
            if subs.get("scale").is_some() {
                subresources.push("scale".to_string());
            }
            if subs.get("status").is_some() {
                subresources.push("status".to_string());
            }
            resources.insert(
                gvk,
                ResourceInfo {
                    group: group.into(),
                    version: v.into(),
                    kind: kind.into(),
                    plural: plural.into(),
                    namespaced,
                    verbs: CR_VERBS.iter().map(|s| s.to_string()).collect(),
                    subresources,
                },
            );
        }
    }
    Ok((schemas, resources))
}

/// The properties of `metav1.Condition` (its schema as controller-gen writes it).
const CONDITION_FIELDS: &[&str] = &[
    "type",
    "status",
    "observedGeneration",
    "lastTransitionTime",
    "reason",
    "message",
];

/// Replaces the items of arrays shaped like `[]metav1.Condition` (an object with `type`,
/// `status`, `lastTransitionTime`, `reason` and `message`, and nothing beyond
/// `observedGeneration`) with a reference to `io.k8s.apimachinery.pkg.apis.meta.v1.Condition`,
/// so a CRD's `status.conditions` becomes `Vec<Condition>` — the type the condition helpers
/// (`k8s_controller::conditions`) work on — instead of a struct of its own.
fn use_meta_conditions(schema: &mut Value) {
    let is_condition = |items: &Value| {
        let Some(props) = items["properties"].as_object() else {
            return false;
        };
        props.keys().all(|k| CONDITION_FIELDS.contains(&k.as_str()))
            && CONDITION_FIELDS
                .iter()
                .filter(|f| **f != "observedGeneration")
                .all(|f| props.contains_key(*f))
    };
    if let Some(obj) = schema.as_object_mut() {
        if obj.get("type").and_then(Value::as_str) == Some("array")
            && obj.get("items").is_some_and(is_condition)
        {
            let description = obj["items"]["description"].clone();
            let mut items = json!({"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Condition"});
            if description.is_string() {
                items["description"] = description;
            }
            obj.insert("items".into(), items);
            return;
        }
        for value in obj.values_mut() {
            use_meta_conditions(value);
        }
    } else if let Some(list) = schema.as_array_mut() {
        for value in list {
            use_meta_conditions(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [cronSpec]
            properties:
              cronSpec: {type: string}
              replicas: {type: integer, format: int32}
              ports:
                type: array
                items:
                  type: object
                  properties:
                    port: {x-kubernetes-int-or-string: true}
          status:
            type: object
            x-kubernetes-preserve-unknown-fields: true
  - name: v0
    served: false
    storage: false
"#;

    #[test]
    fn condition_shaped_arrays_become_meta_conditions() {
        let condition = json!({"type": "object", "required": ["type", "status", "lastTransitionTime", "reason", "message"], "properties": {
            "type": {"type": "string"}, "status": {"type": "string"}, "observedGeneration": {"type": "integer", "format": "int64"},
            "lastTransitionTime": {"type": "string", "format": "date-time"}, "reason": {"type": "string"}, "message": {"type": "string"}}});
        let mut schema = json!({"type": "object", "properties": {"status": {"type": "object", "properties": {
            "conditions": {"type": "array", "items": condition},
            // Not the shape (no reason, an extra field): left alone.
            "probes": {"type": "array", "items": {"type": "object", "properties": {
                "type": {"type": "string"}, "status": {"type": "string"}, "lastTransitionTime": {"type": "string"}, "message": {"type": "string"}}}},
            "checks": {"type": "array", "items": {"type": "object", "properties": {
                "type": {"type": "string"}, "status": {"type": "string"}, "lastTransitionTime": {"type": "string"},
                "reason": {"type": "string"}, "message": {"type": "string"}, "lastProbeTime": {"type": "string"}}}}}}}});
        use_meta_conditions(&mut schema);
        let status = &schema["properties"]["status"]["properties"];
        assert_eq!(
            status["conditions"]["items"],
            json!({"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Condition"})
        );
        assert!(status["probes"]["items"]["properties"].is_object());
        assert!(status["checks"]["items"]["properties"].is_object());
    }

    #[test]
    fn crds_become_schemas_and_resources() {
        let crds = parse_crds(CRD).unwrap();
        let (schemas, resources) = crd_inputs(&crds).unwrap();
        assert_eq!(
            schemas.keys().collect::<Vec<_>>(),
            [
                "com.example.stable.v1.CronTab",
                "com.example.stable.v1.CronTabList"
            ]
        );
        let r = resources.values().next().unwrap();
        assert_eq!((r.plural.as_str(), r.namespaced), ("crontabs", true));
        assert_eq!(r.subresources, ["status"]);
        assert_eq!(r.verbs.len(), 8);
        let kind = &schemas["com.example.stable.v1.CronTab"];
        assert!(kind.properties.contains_key("metadata"));
        assert_eq!(kind.gvk[0].kind, "CronTab");
        assert_eq!(reversed_group("stable.example.com"), "com.example.stable");
    }

    #[test]
    fn nested_objects_get_types_of_their_own() {
        let crds = parse_crds(CRD).unwrap();
        let (schemas, resources) = crd_inputs(&crds).unwrap();
        let model =
            super::super::model::Model::build(&schemas, &resources, &Default::default()).unwrap();
        let module = model.modules.values().next().unwrap();
        let names: Vec<&String> = module.types.keys().collect();
        assert_eq!(
            names,
            ["CronTab", "CronTabList", "CronTabSpec", "CronTabSpecPorts"]
        );
        let out = super::super::emit::render_single(
            &model,
            &super::super::emit::Options::standalone(),
            "CronTab",
        )
        .unwrap();
        assert!(out.contains("pub mod v1 {"), "{out}");
        assert!(
            out.contains("impl k8s_api::apimachinery::Resource for CronTab"),
            "{out}"
        );
        assert!(
            out.contains("pub status: Option<serde_json::Value>"),
            "{out}"
        );
        assert!(
            out.contains("pub port: Option<k8s_api::apimachinery::IntOrString>"),
            "{out}"
        );
    }
}
