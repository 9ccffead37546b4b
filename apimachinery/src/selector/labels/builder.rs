//! [`SelectorBuilder`]: a typed way to write a selector, validated when built.

use super::{Operator, Requirement, Selector};
use crate::Error;

/// A typed builder for [`Selector`]; validation happens in [`SelectorBuilder::build`].
///
/// ```
/// use k8s_apimachinery::selector::Selector;
///
/// let sel = Selector::builder()
///     .eq("app", "web")
///     .in_("tier", ["frontend", "api"])
///     .not_exists("canary")
///     .build()?;
/// assert_eq!(sel.to_string(), "app=web,!canary,tier in (api,frontend)");
/// # Ok::<(), k8s_apimachinery::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SelectorBuilder {
    pending: Vec<(String, Operator, Vec<String>)>,
}

impl SelectorBuilder {
    fn push(mut self, key: &str, op: Operator, values: Vec<String>) -> Self {
        self.pending.push((key.to_owned(), op, values));
        self
    }

    /// `key=value`.
    pub fn eq(self, key: &str, value: &str) -> Self {
        self.push(key, Operator::Equals, vec![value.to_owned()])
    }

    /// `key!=value`.
    pub fn not_eq(self, key: &str, value: &str) -> Self {
        self.push(key, Operator::NotEquals, vec![value.to_owned()])
    }

    /// `key in (values)`.
    pub fn in_<'a>(self, key: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        let v = values.into_iter().map(str::to_owned).collect();
        self.push(key, Operator::In, v)
    }

    /// `key notin (values)`.
    pub fn not_in<'a>(self, key: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        let v = values.into_iter().map(str::to_owned).collect();
        self.push(key, Operator::NotIn, v)
    }

    /// `key`.
    pub fn exists(self, key: &str) -> Self {
        self.push(key, Operator::Exists, Vec::new())
    }

    /// `!key`.
    pub fn not_exists(self, key: &str) -> Self {
        self.push(key, Operator::DoesNotExist, Vec::new())
    }

    /// `key>n`.
    pub fn gt(self, key: &str, n: i64) -> Self {
        self.push(key, Operator::GreaterThan, vec![n.to_string()])
    }

    /// `key<n`.
    pub fn lt(self, key: &str, n: i64) -> Self {
        self.push(key, Operator::LessThan, vec![n.to_string()])
    }

    /// Validates every requirement and builds the selector.
    pub fn build(self) -> Result<Selector, Error> {
        let reqs = self
            .pending
            .into_iter()
            .map(|(k, op, v)| Requirement::new(k, op, v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selector::from_requirements(reqs))
    }
}
