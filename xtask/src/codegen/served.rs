//! The served group/versions of a model and their client-go names, which the typed clientset
//! ([`super::clientset`]), the informer factory's accessors ([`super::informers`]) and the
//! listers' namespace accessors ([`super::listers`]) are rendered from; and [`render`], which writes those files.
//!
//! ```text
//! client/src/generated/clientset.rs     impl Clientset { fn core_v1() -> CoreV1Client }
//!                                       impl CoreV1Client { fn pods(ns) -> Api<Pod> }
//! informers/src/generated/factory.rs    impl SharedInformerFactory { fn core_v1() -> CoreV1Informers }
//!                                       impl CoreV1Informers { fn pods() -> TypedInformer<Pod> }
//! informers/src/generated/listers.rs    impl Lister<Pod> { fn pods(ns) -> NamespaceLister<Pod> }
//! ```
//!
//! Names follow client-gen: the group's Go name is the first segment of the API group with its
//! first letter upper-cased (`rbac.authorization.k8s.io` → `Rbac`, core → `Core`), the client's
//! is that plus the version (`RbacV1`), and a resource's accessor is the Go plural of its kind
//! (gengo's plural namer, `Endpoints` excepted) — all snake_cased here (`rbac_v1`,
//! `stateful_sets`, `csi_storage_capacities`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use quote::quote;

use super::emit::{self, features_doc, ident, lit, print_file};
use super::model::{Model, prerelease};
use super::names::{field_name, type_name};
use super::{clientset, informers, listers};

/// Kinds whose Go plural is not the rule's (client-gen's default `--plural-exceptions`).
const PLURAL_EXCEPTIONS: &[(&str, &str)] = &[("Endpoints", "Endpoints")];

/// The plural of a Go type name, as gengo's `NewPublicPluralNamer` makes it (`Pod` → `Pods`,
/// `Ingress` → `Ingresses`, `NetworkPolicy` → `NetworkPolicies`, `Endpoints` → `Endpoints`).
pub fn go_plural(kind: &str) -> String {
    if let Some((_, plural)) = PLURAL_EXCEPTIONS.iter().find(|(k, _)| *k == kind) {
        return (*plural).to_string();
    }
    let chars: Vec<char> = kind.chars().collect();
    let [.., second_last, last] = chars.as_slice() else {
        return kind.to_string();
    };
    let stem = |n: usize| chars[..chars.len() - n].iter().collect::<String>();
    let consonant = |c: char| "bcdfghjklmnpqrstvwxyz".contains(c);
    match last {
        's' | 'x' | 'z' => format!("{kind}es"),
        'y' if consonant(*second_last) => format!("{}ies", stem(1)),
        'h' if matches!(second_last, 'c' | 's') => format!("{kind}es"),
        'e' if *second_last == 'f' => format!("{}ves", stem(2)),
        'f' => format!("{}ves", stem(1)),
        _ => format!("{kind}s"),
    }
}

/// The accessor of a kind (`StatefulSet` → `stateful_sets`, `APIService` → `api_services`).
pub fn accessor_name(kind: &str) -> String {
    field_name(&go_plural(kind))
}

/// client-go's Go name of an API group (`""` → `Core`, `apps` → `Apps`,
/// `rbac.authorization.k8s.io` → `Rbac`, `internal.apiserver.k8s.io` → `Internal`).
pub fn go_group_name(group: &str) -> String {
    if group.is_empty() {
        return "Core".to_string();
    }
    let first = group.split('.').next().unwrap_or(group);
    type_name(first)
}

/// client-go's name of a group/version client (`CoreV1`, `AdmissionregistrationV1beta1`).
pub fn go_client_name(group: &str, version: &str) -> String {
    format!("{}{}", go_group_name(group), type_name(version))
}

/// One served kind of a group/version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindAccessor {
    /// `Pod`
    pub kind: String,
    /// `k8s_api::core::v1::Pod`
    pub type_path: String,
    /// `pods`
    pub plural: String,
    /// `Pods` (client-go's getter)
    pub go_plural: String,
    /// `pods`
    pub accessor: String,
    pub namespaced: bool,
    pub verbs: Vec<String>,
    pub subresources: Vec<String>,
    /// Has list and watch, and `metadata: ObjectMeta`: an informer can hold it.
    pub informer: bool,
}

/// A group/version with at least one served kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupVersion {
    /// API group (`""` for core).
    pub group: String,
    pub version: String,
    /// `CoreV1`
    pub go_name: String,
    /// `core_v1`
    pub method: String,
    /// Cargo features the types need (`alpha`, `beta`), as gated in k8s-api.
    pub features: BTreeSet<&'static str>,
    /// By accessor name.
    pub kinds: Vec<KindAccessor>,
}

/// The served group/versions of the model, by method name.
pub fn group_versions(model: &Model, opts: &emit::Options) -> Result<Vec<GroupVersion>> {
    let gates = emit::gates(model, opts);
    let mut out: BTreeMap<String, GroupVersion> = BTreeMap::new();
    for (key, module) in &model.modules {
        for def in module.types.values() {
            let Some(res) = &def.resource else {
                continue;
            };
            let go_name = go_client_name(&res.group, &res.version);
            let method = field_name(&go_name);
            let gv = out.entry(method.clone()).or_insert_with(|| GroupVersion {
                group: res.group.clone(),
                version: res.version.clone(),
                go_name,
                method: method.clone(),
                features: BTreeSet::new(),
                kinds: Vec::new(),
            });
            if gv.group != res.group || gv.version != res.version {
                bail!(
                    "{}/{} and {}/{} would both be served by `{method}()`",
                    gv.group,
                    gv.version,
                    res.group,
                    res.version
                );
            }
            // What the types need, and the version's own `alpha`/`beta` even where k8s-api
            // compiles the types always (a stable type uses them): a pre-release API's client
            // is opt-in.
            gv.features
                .extend(gates.get(key).into_iter().flatten().copied());
            if opts.gate_prerelease {
                gv.features.extend(prerelease(&res.version));
            }
            let go_plural = go_plural(&res.kind);
            if go_plural.to_ascii_lowercase() != res.plural {
                bail!(
                    "{}/{} {}: client-go's plural {go_plural} does not spell the resource {}; \
                     add a plural exception",
                    res.group,
                    res.version,
                    res.kind,
                    res.plural
                );
            }
            let has = |verb: &str| res.verbs.iter().any(|v| v == verb);
            gv.kinds.push(KindAccessor {
                kind: res.kind.clone(),
                type_path: format!("k8s_api::{}::{}::{}", key.group, key.version, def.name),
                plural: res.plural.clone(),
                accessor: accessor_name(&res.kind),
                go_plural,
                namespaced: res.namespaced,
                verbs: res.verbs.clone(),
                subresources: res.subresources.clone(),
                informer: has("list") && has("watch") && def.object_meta,
            });
        }
    }
    let mut gvs: Vec<GroupVersion> = out.into_values().collect();
    for gv in &mut gvs {
        gv.kinds.sort_by(|a, b| a.accessor.cmp(&b.accessor));
        if let Some(w) = gv.kinds.windows(2).find(|w| w[0].accessor == w[1].accessor) {
            bail!(
                "{}: kinds {} and {} have the same accessor {}",
                gv.go_name,
                w[0].kind,
                w[1].kind,
                w[0].accessor
            );
        }
    }
    Ok(gvs)
}

/// The doc lines that say which features an item needs (none when it needs none).
pub fn feature_lines(features: &BTreeSet<&'static str>) -> Vec<String> {
    if features.is_empty() {
        Vec::new()
    } else {
        vec![String::new(), features_doc(features).trim().to_string()]
    }
}

impl GroupVersion {
    /// "the core API, version `v1` (`/api/v1`)"
    pub fn label(&self) -> String {
        if self.group.is_empty() {
            format!("the core API, version `{v}` (`/api/{v}`)", v = self.version)
        } else {
            format!(
                "API group `{g}`, version `{v}` (`/apis/{g}/{v}`)",
                g = self.group,
                v = self.version
            )
        }
    }
}

impl KindAccessor {
    /// A doc link to the kind, e.g. ``[`Pod`](k8s_api::core::v1::Pod)``.
    pub fn link(&self) -> String {
        format!("[`{}`]({})", self.kind, self.type_path)
    }

    /// "verbs: create, get; subresources: status"
    pub fn verbs_line(&self) -> String {
        let mut line = format!("Verbs: {}", self.verbs.join(", "));
        if !self.subresources.is_empty() {
            line.push_str(&format!(
                "; subresources: {}",
                self.subresources
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        line.push('.');
        line
    }
}

fn mod_file(modules: &[&str], what: &str) -> Result<String> {
    let m = modules.iter().map(|m| ident(m));
    let doc = lit(&format!(
        " {what}, generated from the Kubernetes OpenAPI spec."
    ));
    print_file(quote! {
        #![doc = #doc]
        #(pub(crate) mod #m;)*
    })
}

/// The files of both crates (relative to `client/src/generated` and
/// `informers/src/generated`), unformatted.
pub struct Rendered {
    pub client: BTreeMap<String, String>,
    pub informers: BTreeMap<String, String>,
}

/// Renders the clientset and the factory accessors of `model`.
pub fn render(model: &Model, opts: &emit::Options) -> Result<Rendered> {
    let gvs = group_versions(model, opts)?;
    let client = BTreeMap::from([
        (
            "mod.rs".to_string(),
            mod_file(&["clientset"], "The typed clientset")?,
        ),
        (
            "clientset.rs".to_string(),
            print_file(clientset::file(&gvs)?)?,
        ),
    ]);
    let informers = BTreeMap::from([
        (
            "mod.rs".to_string(),
            mod_file(
                &["factory", "listers"],
                "The typed accessors of the informer factory and the listers",
            )?,
        ),
        (
            "factory.rs".to_string(),
            print_file(informers::file(&gvs)?)?,
        ),
        ("listers.rs".to_string(), print_file(listers::file(&gvs)?)?),
    ]);
    Ok(Rendered { client, informers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_pluralise_as_client_go() {
        for (kind, plural) in [
            ("Pod", "Pods"),
            ("Endpoints", "Endpoints"),
            ("Ingress", "Ingresses"),
            ("ComponentStatus", "ComponentStatuses"),
            ("NetworkPolicy", "NetworkPolicies"),
            ("IngressClass", "IngressClasses"),
            ("Gateway", "Gateways"),
            ("CSIStorageCapacity", "CSIStorageCapacities"),
            ("Mesh", "Meshes"),
            ("Graph", "Graphs"),
            ("Knife", "Knives"),
            ("Leaf", "Leaves"),
            ("Box", "Boxes"),
            ("X", "X"),
        ] {
            assert_eq!(go_plural(kind), plural, "{kind}");
        }
    }

    #[test]
    fn accessors_are_snake_cased_go_plurals() {
        for (kind, accessor) in [
            ("Pod", "pods"),
            ("Deployment", "deployments"),
            ("StatefulSet", "stateful_sets"),
            ("ReplicaSet", "replica_sets"),
            ("ConfigMap", "config_maps"),
            ("ServiceAccount", "service_accounts"),
            ("Endpoints", "endpoints"),
            ("CustomResourceDefinition", "custom_resource_definitions"),
            (
                "MutatingWebhookConfiguration",
                "mutating_webhook_configurations",
            ),
            ("APIService", "api_services"),
            ("CSIDriver", "csi_drivers"),
            ("CSIStorageCapacity", "csi_storage_capacities"),
            ("IPAddress", "ip_addresses"),
            ("ServiceCIDR", "service_cidrs"),
            (
                "PriorityLevelConfiguration",
                "priority_level_configurations",
            ),
            ("HorizontalPodAutoscaler", "horizontal_pod_autoscalers"),
        ] {
            assert_eq!(accessor_name(kind), accessor, "{kind}");
        }
    }

    #[test]
    fn groups_get_client_go_names() {
        for (group, version, go, method) in [
            ("", "v1", "CoreV1", "core_v1"),
            ("apps", "v1", "AppsV1", "apps_v1"),
            ("rbac.authorization.k8s.io", "v1", "RbacV1", "rbac_v1"),
            (
                "admissionregistration.k8s.io",
                "v1beta1",
                "AdmissionregistrationV1beta1",
                "admissionregistration_v1beta1",
            ),
            ("networking.k8s.io", "v1", "NetworkingV1", "networking_v1"),
            (
                "flowcontrol.apiserver.k8s.io",
                "v1",
                "FlowcontrolV1",
                "flowcontrol_v1",
            ),
            (
                "internal.apiserver.k8s.io",
                "v1alpha1",
                "InternalV1alpha1",
                "internal_v1alpha1",
            ),
            ("autoscaling", "v2", "AutoscalingV2", "autoscaling_v2"),
            (
                "apiextensions.k8s.io",
                "v1",
                "ApiextensionsV1",
                "apiextensions_v1",
            ),
        ] {
            assert_eq!(go_client_name(group, version), go, "{group}/{version}");
            assert_eq!(field_name(go), method, "{group}/{version}");
        }
    }

    /// A small model through the renderer: gated versions, scopes, informer eligibility.
    #[test]
    fn renders_clients_and_informers() {
        use super::super::model::{Body, ModKey, Module, TypeDef};
        use super::super::resources::ResourceInfo;

        fn def(
            name: &str,
            group: &str,
            version: &str,
            plural: &str,
            ns: bool,
            verbs: &[&str],
        ) -> TypeDef {
            TypeDef {
                name: name.to_string(),
                schema: format!("io.k8s.api.x.{version}.{name}"),
                doc: Vec::new(),
                body: Body::Struct(Vec::new()),
                gvks: Vec::new(),
                resource: Some(ResourceInfo {
                    group: group.to_string(),
                    version: version.to_string(),
                    kind: name.to_string(),
                    plural: plural.to_string(),
                    namespaced: ns,
                    verbs: verbs.iter().map(|v| v.to_string()).collect(),
                    subresources: vec!["status".to_string()],
                }),
                list_of: None,
                object_meta: true,
            }
        }
        let mut model = Model::default();
        let widgets = ModKey {
            group: "widgets".into(),
            version: "v1".into(),
        };
        let widgets_beta = ModKey {
            group: "widgets".into(),
            version: "v1beta1".into(),
        };
        model.modules.insert(
            widgets.clone(),
            Module {
                package: "io.k8s.api.widgets.v1".into(),
                api_group: Some("widgets.example.com".into()),
                types: BTreeMap::from([
                    (
                        "WidgetSet".to_string(),
                        def(
                            "WidgetSet",
                            "widgets.example.com",
                            "v1",
                            "widgetsets",
                            true,
                            &["create", "get", "list", "watch"],
                        ),
                    ),
                    (
                        "WidgetClass".to_string(),
                        def(
                            "WidgetClass",
                            "widgets.example.com",
                            "v1",
                            "widgetclasses",
                            false,
                            &["get", "list", "watch"],
                        ),
                    ),
                    (
                        "WidgetReview".to_string(),
                        def(
                            "WidgetReview",
                            "widgets.example.com",
                            "v1",
                            "widgetreviews",
                            false,
                            &["create"],
                        ),
                    ),
                ]),
            },
        );
        model.modules.insert(
            widgets_beta.clone(),
            Module {
                package: "io.k8s.api.widgets.v1beta1".into(),
                api_group: Some("widgets.example.com".into()),
                types: BTreeMap::from([(
                    "WidgetSet".to_string(),
                    def(
                        "WidgetSet",
                        "widgets.example.com",
                        "v1beta1",
                        "widgetsets",
                        true,
                        &["list", "watch"],
                    ),
                )]),
            },
        );
        let gvs = group_versions(&model, &emit::Options::default()).unwrap();
        assert_eq!(gvs.len(), 2);
        assert_eq!(gvs[0].method, "widgets_v1");
        assert!(gvs[0].features.is_empty());
        assert_eq!(gvs[1].method, "widgets_v1beta1");
        assert_eq!(gvs[1].features, BTreeSet::from(["beta"]));
        let ungated = emit::Options {
            gate_prerelease: false,
            ..emit::Options::default()
        };
        let all = group_versions(&model, &ungated).unwrap();
        assert!(all.iter().all(|gv| gv.features.is_empty()));
        let names: Vec<&str> = gvs[0].kinds.iter().map(|k| k.accessor.as_str()).collect();
        assert_eq!(names, ["widget_classes", "widget_reviews", "widget_sets"]);

        let r = render(&model, &emit::Options::default()).unwrap();
        // Compared without whitespace and trailing commas (the printer's line breaks).
        let flat = |s: &str| s.split_whitespace().collect::<String>().replace(",)", ")");
        let cs = &r.client["clientset.rs"];
        assert!(cs.starts_with(emit::HEADER), "{cs}");
        let has = |text: &str, needle: &str| flat(text).contains(&flat(needle));
        for needle in [
            "pub fn widgets_v1(&self) -> crate::clientset::WidgetsV1Client",
            "#[cfg(feature = \"beta\")] pub fn widgets_v1beta1(&self)",
            "#[cfg(feature = \"beta\")] #[derive(Clone, Debug)] pub struct WidgetsV1beta1Client",
            "pub fn widget_sets(&self, namespace: &str) -> crate::Api<k8s_api::widgets::v1::WidgetSet> \
             { crate::clientset::scoped(&self.client, namespace) }",
            "pub fn widget_classes(&self) -> crate::Api<k8s_api::widgets::v1::WidgetClass> \
             { crate::Api::all(self.client.clone()) }",
            "pub fn widget_reviews(&self)",
        ] {
            assert!(has(cs, needle), "{needle}\n{cs}");
        }
        assert!(r.client["mod.rs"].contains("pub(crate) mod clientset;"));
        let f = &r.informers["factory.rs"];
        for needle in [
            "pub fn widgets_v1(&self) -> crate::typed::WidgetsV1Informers",
            "#[cfg(feature = \"beta\")] pub fn widgets_v1beta1(&self)",
            "pub fn widget_sets(&self) -> crate::TypedInformer<k8s_api::widgets::v1::WidgetSet>",
            "pub fn widget_classes(&self) -> crate::TypedInformer<k8s_api::widgets::v1::WidgetClass>",
        ] {
            assert!(has(f, needle), "{needle}\n{f}");
        }
        // Create-only kinds have no informer.
        assert!(!f.contains("widget_reviews"), "{f}");
        assert!(r.informers["mod.rs"].contains("pub(crate) mod factory;"));
        assert!(r.informers["mod.rs"].contains("pub(crate) mod listers;"));
        let l = &r.informers["listers.rs"];
        for needle in [
            "impl crate::Lister<k8s_api::widgets::v1::WidgetSet> {",
            "pub fn widget_sets(&self, namespace: &str) \
             -> crate::NamespaceLister<k8s_api::widgets::v1::WidgetSet> \
             { self.namespaced(namespace) } }",
            "#[cfg(feature = \"beta\")] impl crate::Lister<k8s_api::widgets::v1beta1::WidgetSet> {",
        ] {
            assert!(has(l, needle), "{needle}\n{l}");
        }
        // Cluster-scoped kinds have no namespace accessor.
        assert!(!l.contains("widget_classes"), "{l}");
        // Deterministic.
        let again = render(&model, &emit::Options::default()).unwrap();
        assert_eq!(again.client, r.client);
        assert_eq!(again.informers, r.informers);
    }

    #[test]
    fn mismatched_plural_is_an_error() {
        use super::super::model::{Body, ModKey, Module, TypeDef};
        use super::super::resources::ResourceInfo;
        let mut model = Model::default();
        model.modules.insert(
            ModKey {
                group: "x".into(),
                version: "v1".into(),
            },
            Module {
                package: "io.k8s.api.x.v1".into(),
                api_group: Some("x.io".into()),
                types: BTreeMap::from([(
                    "Mouse".to_string(),
                    TypeDef {
                        name: "Mouse".into(),
                        schema: "io.k8s.api.x.v1.Mouse".into(),
                        doc: Vec::new(),
                        body: Body::Struct(Vec::new()),
                        gvks: Vec::new(),
                        resource: Some(ResourceInfo {
                            group: "x.io".into(),
                            version: "v1".into(),
                            kind: "Mouse".into(),
                            plural: "mice".into(),
                            ..ResourceInfo::default()
                        }),
                        list_of: None,
                        object_meta: true,
                    },
                )]),
            },
        );
        let err = group_versions(&model, &emit::Options::default()).unwrap_err();
        assert!(err.to_string().contains("plural exception"), "{err}");
    }
}
