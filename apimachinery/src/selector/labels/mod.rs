//! Label selectors (`k8s.io/apimachinery/pkg/labels`).
//!
//! - `requirement`: [`LabelMap`], [`Operator`] and [`Requirement`] (the model);
//! - `selector`: [`Selector`], and its conversion from a `LabelSelector`;
//! - `builder`: [`SelectorBuilder`];
//! - `lex` and `parse`: the query grammar, into a [`Selector`] (`FromStr`).

mod builder;
mod lex;
mod parse;
mod requirement;
mod selector;
#[cfg(test)]
mod tests;

pub use builder::SelectorBuilder;
pub use requirement::{LabelMap, Operator, Requirement};
pub use selector::Selector;

use crate::Error;

fn err(input: &str, position: usize, reason: impl Into<String>) -> Error {
    Error::InvalidLabelSelector {
        input: input.to_owned(),
        position,
        reason: reason.into(),
    }
}
