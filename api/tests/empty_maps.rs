//! An empty map is written as a JSON object (`{}`), never as litemap's `[]` for an empty map,
//! which the apiserver refuses: in generated types (optional and required maps) and in the
//! meta types they embed.
#![allow(clippy::unwrap_used)]

use k8s_api::core::v1::{ConfigMap, PodSpec};
use k8s_apimachinery::{LabelSelector, LiteMap, ObjectMeta};
use serde_json::json;

#[test]
fn empty_maps_are_json_objects() {
    let cm = ConfigMap {
        metadata: ObjectMeta {
            labels: Some(LiteMap::new()),
            annotations: Some(LiteMap::new()),
            ..Default::default()
        },
        data: Some(LiteMap::new()),
        ..Default::default()
    };
    let v = serde_json::to_value(&cm).unwrap();
    assert_eq!(v["data"], json!({}));
    assert_eq!(v["metadata"]["labels"], json!({}));
    assert_eq!(v["metadata"]["annotations"], json!({}));
    let back: ConfigMap = serde_json::from_value(v).unwrap();
    assert_eq!(back, cm);

    let spec = PodSpec {
        node_selector: Some(LiteMap::new()),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&spec).unwrap()["nodeSelector"],
        json!({})
    );
    let sel = LabelSelector {
        match_labels: Some(LiteMap::new()),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&sel).unwrap(),
        json!({"matchLabels": {}})
    );
}
