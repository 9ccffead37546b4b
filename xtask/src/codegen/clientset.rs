//! The typed clientset of k8s-client (`client/src/generated/clientset.rs`): one client per
//! served group/version, one accessor per served kind, named as client-go names them
//! (client-go `kubernetes/typed/…`).

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;

use super::emit::{cfg_of, docs, ident, lit, path};
use super::served::{GroupVersion, feature_lines};

/// `client/src/generated/clientset.rs`: the group/version clients and `Clientset`'s accessors.
pub fn file(gvs: &[GroupVersion]) -> Result<TokenStream> {
    let mut methods = Vec::new();
    let mut clients = Vec::new();
    for gv in gvs {
        let cfg = cfg_of(&gv.features);
        let client = ident(&format!("{}Client", gv.go_name));
        let method = ident(&gv.method);
        let label = gv.label();
        let mut lines = vec![format!(
            "The typed client of {label}; client-go `{}()`.",
            gv.go_name
        )];
        lines.extend(feature_lines(&gv.features));
        let doc = docs(&lines);
        methods.push(quote! {
            #doc
            #cfg
            pub fn #method(&self) -> crate::clientset::#client {
                crate::clientset::#client::new(self.client().clone())
            }
        });

        let mut accessors = Vec::new();
        for k in &gv.kinds {
            let name = ident(&k.accessor);
            let t = path(&k.type_path)?;
            if k.namespaced {
                let doc = docs(&[
                    format!(
                        "`{}`: {} objects in `namespace`, or in all namespaces when it is `\"\"`; \
                         client-go `{}(namespace)`.",
                        k.plural,
                        k.link(),
                        k.go_plural
                    ),
                    String::new(),
                    k.verbs_line(),
                ]);
                accessors.push(quote! {
                    #doc
                    pub fn #name(&self, namespace: &str) -> crate::Api<#t> {
                        crate::clientset::scoped(&self.client, namespace)
                    }
                });
            } else {
                let doc = docs(&[
                    format!(
                        "`{}`: {} objects, cluster-scoped; client-go `{}()`.",
                        k.plural,
                        k.link(),
                        k.go_plural
                    ),
                    String::new(),
                    k.verbs_line(),
                ]);
                accessors.push(quote! {
                    #doc
                    pub fn #name(&self) -> crate::Api<#t> {
                        crate::Api::all(self.client.clone())
                    }
                });
            }
        }
        let mut lines = vec![
            format!(
                "Typed clients of {label}: one [`Api`](crate::Api) per resource; \
                 client-go `{}Interface`.",
                gv.go_name
            ),
            String::new(),
            format!(
                "From [`Clientset::{}`](crate::Clientset::{}), or [`{}Client::new`] over any \
                 [`HttpClient`](crate::HttpClient).",
                gv.method, gv.method, gv.go_name
            ),
        ];
        lines.extend(feature_lines(&gv.features));
        let doc = docs(&lines);
        let new_doc = lit(&format!(" The client of {label} over `client`."));
        clients.push(quote! {
            #doc
            #cfg
            #[derive(Clone, Debug)]
            pub struct #client {
                client: crate::HttpClient,
            }

            #cfg
            impl #client {
                #[doc = #new_doc]
                pub fn new(client: crate::HttpClient) -> Self {
                    #client { client }
                }

                /// The transport (client-go `RESTClient()`).
                pub fn client(&self) -> &crate::HttpClient {
                    &self.client
                }

                #(#accessors)*
            }
        });
    }
    Ok(quote! {
        #![doc = " The typed clients of every served group/version (client-go `kubernetes/typed/…`),"]
        #![doc = " and the accessors of [`Clientset`](crate::Clientset) that hand them out."]

        impl crate::Clientset {
            #(#methods)*
        }

        #(#clients)*
    })
}
