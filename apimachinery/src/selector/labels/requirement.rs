//! The model: what labels are looked up in ([`LabelMap`]), the operators and one validated
//! [`Requirement`] (`labels.Requirement`), with its matching and rendering.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::err;
use crate::validation::{is_label_key, is_valid_label_value};
use crate::{Error, LabelSelectorRequirement};

/// Anything labels can be looked up in (`labels.Labels`).
pub trait LabelMap {
    /// The value of label `key`, if present.
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelMap for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl LabelMap for crate::LiteMap<crate::CompactString, crate::CompactString> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(crate::CompactString::as_str)
    }
}

impl LabelMap for HashMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl LabelMap for [(&str, &str)] {
    fn label(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

impl<L: LabelMap + ?Sized> LabelMap for &L {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

impl<L: LabelMap> LabelMap for Option<L> {
    fn label(&self, key: &str) -> Option<&str> {
        self.as_ref().and_then(|l| l.label(key))
    }
}

/// A label selector operator (`selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `k=v`
    Equals,
    /// `k==v`
    DoubleEquals,
    /// `k!=v`
    NotEquals,
    /// `k in (a,b)`
    In,
    /// `k notin (a,b)`
    NotIn,
    /// `k`
    Exists,
    /// `!k`
    DoesNotExist,
    /// `k>n` (integer comparison)
    GreaterThan,
    /// `k<n` (integer comparison)
    LessThan,
}

/// One requirement of a label selector (`labels.Requirement`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    pub(super) key: String,
    pub(super) operator: Operator,
    pub(super) values: Vec<String>,
}

impl Requirement {
    /// A validated requirement (`labels.NewRequirement`): the key must be a qualified name,
    /// values valid label values; `in`/`notin` need values, `=`/`==`/`!=` exactly one,
    /// exists/does-not-exist none, `>`/`<` exactly one integer.
    pub fn new(
        key: impl Into<String>,
        operator: Operator,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<Self, Error> {
        let key = key.into();
        let values: Vec<String> = values.into_iter().map(Into::into).collect();
        let r = Requirement {
            key,
            operator,
            values,
        };
        r.validate().map_err(|why| err(&r.to_string(), 0, why))?;
        Ok(r)
    }

    fn validate(&self) -> Result<(), String> {
        let mut errs = Vec::new();
        let key_errs = is_label_key(&self.key);
        if !key_errs.is_empty() {
            errs.push(format!(
                "invalid label key {:?}: {}",
                self.key,
                key_errs.join("; ")
            ));
        }
        let n = self.values.len();
        match self.operator {
            Operator::In | Operator::NotIn if n == 0 => {
                errs.push("for 'in', 'notin' operators, values set can't be empty".to_owned())
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals if n != 1 => {
                errs.push("exact-match compatibility requires one single value".to_owned())
            }
            Operator::Exists | Operator::DoesNotExist if n != 0 => {
                errs.push("values set must be empty for exists and does not exist".to_owned())
            }
            Operator::GreaterThan | Operator::LessThan => {
                if n != 1 {
                    errs.push("for 'Gt', 'Lt' operators, exactly one value is required".to_owned());
                }
                for v in &self.values {
                    if v.parse::<i64>().is_err() {
                        errs.push(format!(
                            "for 'Gt', 'Lt' operators, the value must be an integer: {v:?}"
                        ));
                    }
                }
            }
            _ => {}
        }
        for v in &self.values {
            let v_errs = is_valid_label_value(v);
            if !v_errs.is_empty() {
                errs.push(format!("invalid label value {v:?}: {}", v_errs.join("; ")));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("; "))
        }
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether `labels` satisfy the requirement (`Requirement.Matches`).
    pub fn matches<L: LabelMap + ?Sized>(&self, labels: &L) -> bool {
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.label(&self.key).is_some_and(has)
            }
            Operator::NotIn | Operator::NotEquals => !labels.label(&self.key).is_some_and(has),
            Operator::Exists => labels.label(&self.key).is_some(),
            Operator::DoesNotExist => labels.label(&self.key).is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(have)) = labels.label(&self.key).map(str::parse::<i64>) else {
                    return false;
                };
                let [want] = self.values.as_slice() else {
                    return false;
                };
                let Ok(want) = want.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }

    /// The requirement as a `LabelSelectorRequirement`, for the four operators it supports.
    pub fn to_label_selector_requirement(&self) -> Option<LabelSelectorRequirement> {
        let (op, values) = match self.operator {
            Operator::Equals | Operator::DoubleEquals | Operator::In => {
                ("In", Some(self.values.clone()))
            }
            Operator::NotEquals | Operator::NotIn => ("NotIn", Some(self.values.clone())),
            Operator::Exists => ("Exists", None),
            Operator::DoesNotExist => ("DoesNotExist", None),
            Operator::GreaterThan | Operator::LessThan => return None,
        };
        Some(LabelSelectorRequirement {
            key: self.key.clone().into(),
            operator: op.into(),
            values: values.map(|v| v.into_iter().map(Into::into).collect()),
        })
    }
}

impl fmt::Display for Requirement {
    /// apimachinery's `Requirement.String()`: values of `in`/`notin` sorted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let set = matches!(self.operator, Operator::In | Operator::NotIn);
        if set {
            f.write_str("(")?;
        }
        if self.values.len() == 1 {
            f.write_str(&self.values[0])?;
        } else {
            let mut sorted: Vec<&str> = self.values.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            f.write_str(&sorted.join(","))?;
        }
        if set {
            f.write_str(")")?;
        }
        Ok(())
    }
}
