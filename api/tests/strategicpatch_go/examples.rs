//! Hand-written cases with their expected results (Go's), for applying and creating patches.

use serde_json::{Value, json};

/// (apiVersion, kind, original, patch, expected result or error text).
pub type Example = (
    &'static str,
    &'static str,
    Value,
    Value,
    Result<Value, &'static str>,
);

/// Applying: hand-written cases of every rule and directive.
pub fn apply() -> Vec<Example> {
    let pod = |spec: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec});
    vec![
        // Maps merge, null deletes.
        (
            "v1",
            "ConfigMap",
            json!({"data": {"a": "1", "b": "2"}, "metadata": {"labels": {"x": "y"}}}),
            json!({"data": {"a": null, "c": "3"}, "metadata": {"labels": null}}),
            Ok(json!({"data": {"b": "2", "c": "3"}, "metadata": {}})),
        ),
        // Containers merge by name, in the patch's order; an original element goes before the
        // first patch element it precedes in the original (a new element precedes nothing).
        (
            "v1",
            "Pod",
            pod(
                json!({"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}),
            ),
            json!({"spec": {"containers": [{"name": "c", "image": "c:1"}, {"name": "b", "image": "b:2"}]}}),
            Ok(pod(json!({"containers": [
                {"name": "c", "image": "c:1"}, {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}
            ]}))),
        ),
        // Ports merge by containerPort, env by name.
        (
            "v1",
            "Pod",
            pod(
                json!({"containers": [{"name": "a", "ports": [{"containerPort": 80}], "env": [{"name": "X", "value": "1"}]}]}),
            ),
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}], "env": [{"name": "X", "value": "2"}]}]}}),
            Ok(pod(json!({"containers": [{"name": "a",
                "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443}],
                "env": [{"name": "X", "value": "2"}]}]}))),
        ),
        // $patch: delete in a list.
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
            Ok(pod(json!({"containers": [{"name": "b"}]}))),
        ),
        // $patch: replace in a list.
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            json!({"spec": {"containers": [{"name": "z"}, {"$patch": "replace"}]}}),
            Ok(pod(json!({"containers": [{"name": "z"}]}))),
        ),
        // $patch: replace / delete on an object.
        (
            "apps/v1",
            "Deployment",
            json!({"spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}}}}),
            json!({"spec": {"$patch": "replace", "replicas": 3}}),
            Ok(json!({"spec": {"replicas": 3}})),
        ),
        (
            "apps/v1",
            "Deployment",
            json!({"metadata": {"name": "d"}, "spec": {"replicas": 2}}),
            json!({"spec": {"$patch": "delete"}}),
            Ok(json!({"metadata": {"name": "d"}, "spec": {}})),
        ),
        // A set of finalizers; $deleteFromPrimitiveList.
        (
            "v1",
            "Pod",
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"finalizers": ["c", "a"]}}),
            Ok(json!({"metadata": {"finalizers": ["c", "a", "b"]}})),
        ),
        (
            "v1",
            "Pod",
            json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"]}}),
            Ok(json!({"metadata": {"finalizers": ["a", "c"]}})),
        ),
        // $setElementOrder.
        (
            "v1",
            "Pod",
            json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["c", "d", "a"], "finalizers": ["d"]}}),
            Ok(json!({"metadata": {"finalizers": ["b", "c", "d", "a"]}})),
        ),
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})),
            json!({"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}]}}),
            Ok(pod(
                json!({"containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}]}),
            )),
        ),
        // An empty order list: the order of the original list as Go's merge left it in memory
        // (the deleted "a" shifted out, "c" appended into the freed slot).
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            json!({"spec": {
                "$setElementOrder/containers": [],
                "containers": [{"name": "a", "$patch": "delete"}, {"name": "b", "image": "x"}, {"name": "c"}]
            }}),
            Ok(pod(
                json!({"containers": [{"name": "b", "image": "x"}, {"name": "c"}]}),
            )),
        ),
        // $retainKeys (volumes: merge,retainKeys; Deployment strategy: retainKeys).
        (
            "v1",
            "Pod",
            pod(json!({"volumes": [{"name": "v", "configMap": {"name": "c"}}]})),
            json!({"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}]}}),
            Ok(pod(
                json!({"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}),
            )),
        ),
        (
            "apps/v1",
            "Deployment",
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
            Ok(json!({"spec": {"strategy": {"type": "Recreate"}}})),
        ),
        // Service ports merge by port.
        (
            "v1",
            "Service",
            json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}]}}),
            json!({"spec": {"ports": [{"port": 443, "name": "tls"}]}}),
            Ok(
                json!({"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "tls"}]}}),
            ),
        ),
        // PodDisruptionBudget's selector has patchStrategy replace.
        (
            "policy/v1",
            "PodDisruptionBudget",
            json!({"spec": {"selector": {"matchLabels": {"a": "1"}}}}),
            json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
            Ok(json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}})),
        ),
        // Errors, with Go's messages.
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}]})),
            json!({"spec": {"$patch": "bogus"}}),
            Err("unknown patch type: bogus in map: map[$patch:bogus]"),
        ),
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}]})),
            json!({"spec": {"containers": [{"image": "x"}]}}),
            Err("map: map[image:x] does not contain declared merge key: name"),
        ),
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}]})),
            json!({"spec": {"containers": [{"$patch": "merge"}]}}),
            Err("merging lists cannot yet be specified in the patch"),
        ),
        (
            "v1",
            "Pod",
            json!({"metadata": {"finalizers": ["a"]}}),
            json!({"metadata": {"$deleteFromPrimitiveList": ["a"]}}),
            Err("invalid patch format of primitive list"),
        ),
        (
            "v1",
            "Pod",
            pod(json!({"containers": [{"name": "a"}, {"name": "b"}]})),
            json!({"spec": {"$setElementOrder/containers": [{"name": "a"}], "containers": [{"name": "b", "image": "x"}]}}),
            Err(
                "The order in patch list:\n[map[image:x name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n",
            ),
        ),
        (
            "apps/v1",
            "Deployment",
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}),
            Err("invalid patch format of retainKeys"),
        ),
        (
            "v1",
            "Pod",
            pod(json!({"bogus": {"a": 1}})),
            json!({"spec": {"bogus": {"a": 2}}}),
            Err("unable to find api field in struct PodSpec for the json field \"bogus\""),
        ),
        (
            "v1",
            "Pod",
            json!({}),
            json!([1]),
            Err("invalid JSON document"),
        ),
    ]
}

/// Creating: the cases of k8s-apimachinery's two-way unit tests, on the real kinds
/// (`modified` in the patch's place).
pub fn two_way() -> Vec<Example> {
    vec![
        (
            "v1",
            "Pod",
            json!({"metadata": {"labels": {"a": "1", "b": "2"}}, "x": 1}),
            json!({"metadata": {"labels": {"a": "1", "c": "3"}}}),
            Ok(json!({"metadata": {"labels": {"b": null, "c": "3"}}, "x": null})),
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "a", "image": "a1"}, {"name": "b"}]}}),
            json!({"spec": {"containers": [{"name": "b", "image": "b2"}, {"name": "c"}]}}),
            Ok(json!({"spec": {
                "$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
                "containers": [{"image": "b2", "name": "b"}, {"name": "c"}, {"$patch": "delete", "name": "a"}]
            }})),
        ),
        (
            "v1",
            "Pod",
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"finalizers": ["c", "a"]}}),
            Ok(json!({"metadata": {
                "$deleteFromPrimitiveList/finalizers": ["b"],
                "$setElementOrder/finalizers": ["c", "a"],
                "finalizers": ["c"]
            }})),
        ),
        (
            "v1",
            "Pod",
            json!({"metadata": {"finalizers": ["b", "a"]}}),
            json!({"metadata": {"finalizers": ["b", "a"]}}),
            Ok(json!({"metadata": {"$setElementOrder/finalizers": ["b", "a"]}})),
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"volumes": [{"name": "v", "configMap": {"name": "c"}}]}}),
            json!({"spec": {"volumes": [{"name": "v", "secret": {"secretName": "s"}}]}}),
            Ok(json!({"spec": {
                "$setElementOrder/volumes": [{"name": "v"}],
                "volumes": [{"$retainKeys": ["name", "secret"], "configMap": null, "name": "v", "secret": {"secretName": "s"}}]
            }})),
        ),
        (
            "apps/v1",
            "Deployment",
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"type": "Recreate"}}}),
            Ok(
                json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"}}}),
            ),
        ),
        (
            "policy/v1",
            "PodDisruptionBudget",
            json!({"spec": {"selector": {"matchLabels": {"a": "1"}}}}),
            json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}}),
            Ok(json!({"spec": {"selector": {"matchLabels": {"b": "2"}}}})),
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"tolerations": [{"key": "a"}, {"key": "b"}]}}),
            json!({"spec": {"tolerations": [{"key": "b"}]}}),
            Ok(json!({"spec": {"tolerations": [{"key": "b"}]}})),
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}, {"name": "log"}]}}),
            json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}}),
            Ok(json!({"spec": {
                "$setElementOrder/containers": [{"name": "web"}],
                "containers": [{"name": "web", "image": "nginx:1.29"}, {"name": "log", "$patch": "delete"}]
            }})),
        ),
        (
            "v1",
            "Pod",
            json!({"$patch": 1}),
            json!({"$patch": 2}),
            Err("invalid value for special key: $patch"),
        ),
        (
            "v1",
            "Pod",
            json!({"spec": {"bogus": {"a": 1}}}),
            json!({"spec": {"bogus": {"a": 2}}}),
            Err("unable to find api field in struct PodSpec for the json field \"bogus\""),
        ),
    ]
}
