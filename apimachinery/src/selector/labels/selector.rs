//! [`Selector`]: requirements that must all hold (`labels.Selector`), and its conversion from
//! a `LabelSelector` (`metav1.LabelSelectorAsSelector`).

use std::fmt;

use super::{LabelMap, Operator, Requirement, SelectorBuilder, err};
use crate::{Error, LabelSelector};

/// A label selector: requirements that must all hold (`labels.Selector`).
///
/// `Selector::default()` (and parsing `""`) matches everything; [`Selector::nothing`] (what a
/// missing `LabelSelector` converts to) matches nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Matches every label set.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Matches no label set.
    pub fn nothing() -> Self {
        Self {
            requirements: Vec::new(),
            nothing: true,
        }
    }

    /// A typed builder.
    pub fn builder() -> SelectorBuilder {
        SelectorBuilder::default()
    }

    /// `k1=v1,k2=v2,...` from a map (`labels.SelectorFromValidatedSet`), validated.
    pub fn from_map<'a>(
        labels: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Result<Self, Error> {
        let mut reqs = Vec::new();
        for (k, v) in labels {
            reqs.push(Requirement::new(k.clone(), Operator::Equals, [v.clone()])?);
        }
        Ok(Self::from_requirements(reqs))
    }

    /// A selector from requirements (sorted by key, as apimachinery's `Add` does).
    pub fn from_requirements(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self {
            requirements,
            nothing: false,
        }
    }

    /// The selector for an optional `LabelSelector` (`metav1.LabelSelectorAsSelector`): `None`
    /// matches nothing, an empty selector everything.
    pub fn from_label_selector(ls: Option<&LabelSelector>) -> Result<Self, Error> {
        match ls {
            None => Ok(Self::nothing()),
            Some(ls) => Self::try_from(ls),
        }
    }

    /// Adds a requirement.
    pub fn and(mut self, r: Requirement) -> Self {
        self.requirements.push(r);
        self.requirements.sort_by(|a, b| a.key.cmp(&b.key));
        self
    }

    /// The requirements, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// `true` for the match-everything selector.
    pub fn is_everything(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }

    /// `true` for the match-nothing selector.
    pub fn is_nothing(&self) -> bool {
        self.nothing
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches<L: LabelMap + ?Sized>(&self, labels: &L) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// The value `label` must have, if a requirement pins it (`RequiresExactMatch`).
    pub fn requires_exact_match(&self, label: &str) -> Option<&str> {
        let r = self.requirements.iter().find(|r| r.key == label)?;
        match (r.operator, r.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [v]) => Some(v),
            _ => None,
        }
    }
}

impl fmt::Display for Selector {
    /// The query-string form: requirements sorted by key, joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl TryFrom<&LabelSelector> for Selector {
    type Error = Error;

    /// `metav1.LabelSelectorAsSelector`: `matchLabels` become `=` requirements,
    /// `matchExpressions` `in`/`notin`/exists/does-not-exist.
    fn try_from(ls: &LabelSelector) -> Result<Self, Error> {
        let mut reqs = Vec::new();
        for (k, v) in ls.match_labels.iter().flatten() {
            reqs.push(Requirement::new(k.clone(), Operator::Equals, [v.clone()])?);
        }
        for e in ls.match_expressions.iter().flatten() {
            let op = match e.operator.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(err(
                        &format!("{e:?}"),
                        0,
                        format!("{other:?} is not a valid label selector operator"),
                    ));
                }
            };
            reqs.push(Requirement::new(
                e.key.clone(),
                op,
                e.values.clone().unwrap_or_default(),
            )?);
        }
        Ok(Self::from_requirements(reqs))
    }
}

impl TryFrom<LabelSelector> for Selector {
    type Error = Error;

    fn try_from(ls: LabelSelector) -> Result<Self, Error> {
        Selector::try_from(&ls)
    }
}
