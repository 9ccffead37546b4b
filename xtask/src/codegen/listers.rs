//! client-go's per-kind namespace accessors on k8s-informers' listers of namespaced kinds
//! (`informers/src/generated/listers.rs`: `lister.pods("ns").get("name")`).

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;

use super::emit::{cfg_of, docs, ident, path};
use super::served::GroupVersion;

/// `informers/src/generated/listers.rs`: client-go's per-kind namespace accessor on the listers
/// of namespaced kinds (`lister.pods("ns").get("name")`).
pub fn file(gvs: &[GroupVersion]) -> Result<TokenStream> {
    let mut impls = Vec::new();
    for gv in gvs {
        let cfg = cfg_of(&gv.features);
        for k in gv.kinds.iter().filter(|k| k.informer && k.namespaced) {
            let name = ident(&k.accessor);
            let t = path(&k.type_path)?;
            let doc = docs(&[format!(
                "The {} objects of `namespace` (client-go `{}Lister.{}(namespace)`); the same \
                     as [`namespaced`](crate::Lister::namespaced).",
                k.link(),
                k.kind,
                k.go_plural
            )]);
            impls.push(quote! {
                #cfg
                impl crate::Lister<#t> {
                    #doc
                    pub fn #name(&self, namespace: &str) -> crate::NamespaceLister<#t> {
                        self.namespaced(namespace)
                    }
                }
            });
        }
    }
    Ok(quote! {
        #![doc = " client-go's typed namespace accessors of the listers of namespaced kinds"]
        #![doc = " (`lister.pods(\"ns\").get(\"name\")`)."]
        #(#impls)*
    })
}
