//! Label and field selectors.
//!
//! * [`Selector`] is a label selector (`k8s.io/apimachinery/pkg/labels`): the full query grammar
//!   (`k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k>1`, `k<1`, joined by
//!   commas), validation of keys and values, matching a label map, conversion from a
//!   [`LabelSelector`](crate::LabelSelector), rendering in apimachinery's canonical order, and a
//!   typed [`SelectorBuilder`].
//! * [`FieldSelector`] is a field selector (`k8s.io/apimachinery/pkg/fields`): `f=v`, `f==v`,
//!   `f!=v` terms joined by commas, with `\`-escaping of `\`, `,` and `=` in values.
//!
//! ```
//! use std::collections::BTreeMap;
//! use k8s_apimachinery::selector::Selector;
//!
//! let sel: Selector = "tier in (web, api), env!=prod, !canary, version>3".parse()?;
//! let labels = BTreeMap::from([
//!     ("tier".to_string(), "web".to_string()),
//!     ("env".to_string(), "dev".to_string()),
//!     ("version".to_string(), "4".to_string()),
//! ]);
//! assert!(sel.matches(&labels));
//! // Rendered sorted by key, values sorted, as apimachinery's String() does.
//! assert_eq!(sel.to_string(), "!canary,env!=prod,tier in (api,web),version>3");
//! # Ok::<(), k8s_apimachinery::Error>(())
//! ```

mod fields;
mod labels;

pub use fields::{FieldSelector, FieldTerm, Fields, escape_field_value, unescape_field_value};
pub use labels::{LabelMap, Operator, Requirement, Selector, SelectorBuilder};
