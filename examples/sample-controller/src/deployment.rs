//! The Deployment a Foo asks for.

use k8s_apimachinery::{CompactString, LiteMap};

use k8s_api::apps::v1::{Deployment, DeploymentSpec};
use k8s_api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_apimachinery::{LabelSelector, ObjectMeta, OwnerReference};

use crate::v1alpha1::Foo;

/// The Deployment `foo` asks for (the Go sample controller's `newDeployment`): named
/// `spec.deploymentName` in the Foo's namespace, `spec.replicas` replicas of nginx, labelled
/// `app=nginx,controller=<foo>` and controlled by the Foo.
pub fn new_deployment(foo: &Foo) -> Deployment {
    let labels: LiteMap<CompactString, CompactString> = [
        ("app".into(), "nginx".into()),
        (
            "controller".into(),
            foo.metadata.name.clone().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .collect();
    let spec = foo.spec.as_deref();
    Deployment {
        metadata: ObjectMeta {
            name: spec.map(|s| s.deployment_name.clone()),
            namespace: foo.metadata.namespace.clone(),
            owner_references: Some(vec![OwnerReference::controller_of(foo)]),
            labels: Some(labels.clone()),
            ..Default::default()
        },
        spec: DeploymentSpec {
            replicas: spec.and_then(|s| s.replicas),
            selector: LabelSelector {
                match_labels: Some(labels.clone()),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: ObjectMeta {
                    labels: Some(labels),
                    ..Default::default()
                },
                spec: PodSpec {
                    containers: vec![Container {
                        name: "nginx".into(),
                        image: Some("nginx:latest".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            },
            ..Default::default()
        },
        ..Default::default()
    }
}
