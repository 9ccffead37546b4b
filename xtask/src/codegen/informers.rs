//! The typed accessors of k8s-informers' shared informer factory
//! (`informers/src/generated/factory.rs`): one per served group/version and per kind that can be
//! listed and watched (client-go `informers/<group>/<version>`).

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;

use super::emit::{cfg_of, docs, ident, lit, path};
use super::names::type_name;
use super::served::{GroupVersion, KindAccessor, feature_lines, go_group_name};

/// `informers/src/generated/factory.rs`: the group/version accessors of the factory.
pub fn file(gvs: &[GroupVersion]) -> Result<TokenStream> {
    let mut methods = Vec::new();
    let mut groups = Vec::new();
    for gv in gvs {
        let kinds: Vec<&KindAccessor> = gv.kinds.iter().filter(|k| k.informer).collect();
        if kinds.is_empty() {
            continue;
        }
        let cfg = cfg_of(&gv.features);
        let informers = ident(&format!("{}Informers", gv.go_name));
        let method = ident(&gv.method);
        let label = gv.label();
        let go_group = go_group_name(&gv.group);
        let go_version = type_name(&gv.version);
        let mut lines = vec![format!(
            "The informers of {label}; client-go `factory.{go_group}().{go_version}()`."
        )];
        lines.extend(feature_lines(&gv.features));
        let doc = docs(&lines);
        methods.push(quote! {
            #doc
            #cfg
            pub fn #method(&self) -> crate::typed::#informers {
                crate::typed::#informers::new(self.clone())
            }
        });
        let mut accessors = Vec::new();
        for k in kinds {
            let name = ident(&k.accessor);
            let t = path(&k.type_path)?;
            let scope = if k.namespaced {
                "in the factory's namespace (all by default)"
            } else {
                "cluster-scoped"
            };
            let doc = docs(&[format!(
                "The shared informer and lister of `{}`: {} objects, {scope}; client-go `{}()`.",
                k.plural,
                k.link(),
                k.go_plural
            )]);
            accessors.push(quote! {
                #doc
                pub fn #name(&self) -> crate::TypedInformer<#t> {
                    crate::TypedInformer::new(self.factory.clone())
                }
            });
        }
        let mut lines = vec![
            format!(
                "The informers of {label}: one [`TypedInformer`](crate::TypedInformer) per \
                 resource that can be listed and watched; client-go's `informers/{}/{}`.",
                go_group.to_ascii_lowercase(),
                gv.version
            ),
            String::new(),
            format!(
                "From [`SharedInformerFactory::{}`](crate::SharedInformerFactory::{}).",
                gv.method, gv.method
            ),
        ];
        lines.extend(feature_lines(&gv.features));
        let doc = docs(&lines);
        let new_doc = lit(&format!(" The informers of {label} in `factory`."));
        groups.push(quote! {
            #doc
            #cfg
            #[derive(Clone, Debug)]
            pub struct #informers {
                factory: crate::SharedInformerFactory,
            }

            #cfg
            impl #informers {
                #[doc = #new_doc]
                pub fn new(factory: crate::SharedInformerFactory) -> Self {
                    #informers { factory }
                }

                #(#accessors)*
            }
        });
    }
    Ok(quote! {
        #![doc = " The typed accessors of [`SharedInformerFactory`](crate::SharedInformerFactory),"]
        #![doc = " one per served group/version and resource (client-go `informers/<group>/<version>`)."]

        impl crate::SharedInformerFactory {
            #(#methods)*
        }

        #(#groups)*
    })
}
