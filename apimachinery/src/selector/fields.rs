//! Field selectors (`k8s.io/apimachinery/pkg/fields`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use crate::Error;

fn err(input: &str, position: usize, reason: impl Into<String>) -> Error {
    Error::InvalidFieldSelector {
        input: input.to_owned(),
        position,
        reason: reason.into(),
    }
}

/// Escapes `\`, `,` and `=` in a field selector value (`fields.EscapeValue`).
pub fn escape_field_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reverses [`escape_field_value`]; an unescaped `,` or `=`, or a `\` before anything but `\`,
/// `,` and `=`, is an error whose position is relative to `s`.
pub fn unescape_field_value(s: &str) -> Result<String, (usize, String)> {
    if !s.contains(['\\', ',', '=']) {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut slash = None;
    for (i, c) in s.char_indices() {
        if let Some(at) = slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err((at, format!("invalid escape sequence: \\{c}")));
            }
            out.push(c);
            slash = None;
            continue;
        }
        match c {
            '\\' => slash = Some(i),
            ',' | '=' => return Err((i, format!("unescaped character in value: {c:?}"))),
            _ => out.push(c),
        }
    }
    match slash {
        Some(at) => Err((at, "invalid escape sequence: \\".to_owned())),
        None => Ok(out),
    }
}

/// Anything fields can be read from for matching (`fields.Fields`). A missing field reads as
/// `""`, as in apimachinery.
pub trait Fields {
    /// The value of the field (e.g. `metadata.name`), if set.
    fn field(&self, name: &str) -> Option<&str>;
}

impl Fields for crate::LiteMap<crate::CompactString, crate::CompactString> {
    fn field(&self, name: &str) -> Option<&str> {
        self.get(name).map(crate::CompactString::as_str)
    }
}

impl Fields for BTreeMap<String, String> {
    fn field(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Fields for HashMap<String, String> {
    fn field(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

impl Fields for [(&str, &str)] {
    fn field(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// One term of a field selector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldTerm {
    /// `field=value` (also written `field==value`).
    Equals(String, String),
    /// `field!=value`.
    NotEquals(String, String),
}

impl FieldTerm {
    /// The field name.
    pub fn field(&self) -> &str {
        match self {
            FieldTerm::Equals(f, _) | FieldTerm::NotEquals(f, _) => f,
        }
    }

    /// The (unescaped) value.
    pub fn value(&self) -> &str {
        match self {
            FieldTerm::Equals(_, v) | FieldTerm::NotEquals(_, v) => v,
        }
    }

    /// Whether the term holds for `fields` (a missing field reads as `""`).
    pub fn matches<F: Fields + ?Sized>(&self, fields: &F) -> bool {
        match self {
            FieldTerm::Equals(f, v) => fields.field(f).unwrap_or("") == v,
            FieldTerm::NotEquals(f, v) => fields.field(f).unwrap_or("") != v,
        }
    }
}

impl fmt::Display for FieldTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldTerm::Equals(k, v) => write!(f, "{k}={}", escape_field_value(v)),
            FieldTerm::NotEquals(k, v) => write!(f, "{k}!={}", escape_field_value(v)),
        }
    }
}

/// A field selector: terms that must all hold (`fields.Selector`).
///
/// ```
/// use k8s_apimachinery::selector::FieldSelector;
///
/// let sel: FieldSelector = r"metadata.name=a\,b,status.phase!=Running".parse()?;
/// let pod = [("metadata.name", "a,b"), ("status.phase", "Pending")];
/// assert!(sel.matches(&pod[..]));
/// assert_eq!(sel.to_string(), r"metadata.name=a\,b,status.phase!=Running");
/// # Ok::<(), k8s_apimachinery::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSelector {
    terms: Vec<FieldTerm>,
}

impl FieldSelector {
    /// The selector that matches everything.
    pub fn everything() -> Self {
        Self::default()
    }

    /// A one-term `field=value` selector.
    pub fn equals(field: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            terms: vec![FieldTerm::Equals(field.into(), value.into())],
        }
    }

    /// Adds `field=value`.
    pub fn and_equals(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.terms
            .push(FieldTerm::Equals(field.into(), value.into()));
        self
    }

    /// Adds `field!=value`.
    pub fn and_not_equals(mut self, field: impl Into<String>, value: impl Into<String>) -> Self {
        self.terms
            .push(FieldTerm::NotEquals(field.into(), value.into()));
        self
    }

    /// The terms.
    pub fn terms(&self) -> &[FieldTerm] {
        &self.terms
    }

    /// `true` if there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether every term holds.
    pub fn matches<F: Fields + ?Sized>(&self, fields: &F) -> bool {
        self.terms.iter().all(|t| t.matches(fields))
    }

    /// The value required for `field` by an `=` term (`RequiresExactMatch`).
    pub fn requires_exact_match(&self, field: &str) -> Option<&str> {
        self.terms.iter().find_map(|t| match t {
            FieldTerm::Equals(f, v) if f == field => Some(v.as_str()),
            _ => None,
        })
    }
}

impl fmt::Display for FieldSelector {
    /// Terms joined by `,`, values escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

impl FromStr for FieldSelector {
    type Err = Error;

    /// Parses like `fields.ParseSelector`: split on unescaped commas, sort the terms, split
    /// each at its first `!=`, `==` or `=`, unescape the value; a term with an empty field and
    /// an empty value (`=`, `==`, `!=`) is dropped, as apimachinery drops it.
    fn from_str(input: &str) -> Result<Self, Error> {
        let mut parts: Vec<(usize, &str)> = Vec::new();
        if !input.is_empty() {
            let mut start = 0;
            let mut slash = false;
            for (i, c) in input.char_indices() {
                if slash {
                    slash = false;
                } else if c == '\\' {
                    slash = true;
                } else if c == ',' {
                    parts.push((start, &input[start..i]));
                    start = i + 1;
                }
            }
            parts.push((start, &input[start..]));
        }
        parts.sort_by(|a, b| a.1.cmp(b.1));
        let mut terms = Vec::with_capacity(parts.len());
        for (offset, part) in parts {
            if part.is_empty() {
                continue;
            }
            let found = part.char_indices().find_map(|(i, _)| {
                let rest = &part[i..];
                ["!=", "==", "="]
                    .into_iter()
                    .find(|op| rest.starts_with(op))
                    .map(|op| (i, op))
            });
            let Some((i, op)) = found else {
                return Err(err(
                    input,
                    offset,
                    format!("can't understand {part:?}: no operator"),
                ));
            };
            let (lhs, rhs) = (&part[..i], &part[i + op.len()..]);
            let value = unescape_field_value(rhs)
                .map_err(|(p, why)| err(input, offset + i + op.len() + p, why))?;
            // A term with neither a field nor a value (`=`, `==`, `!=`) selects nothing in
            // particular: apimachinery turns it into `Everything` and drops it.
            if lhs.is_empty() && value.is_empty() {
                continue;
            }
            terms.push(match op {
                "!=" => FieldTerm::NotEquals(lhs.to_owned(), value),
                _ => FieldTerm::Equals(lhs.to_owned(), value),
            });
        }
        Ok(Self { terms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_render() {
        // (input, canonical rendering), after fields/selector_test.go.
        let cases = [
            ("", ""),
            ("hi=there", "hi=there"),
            ("hi==there", "hi=there"),
            ("hi!=there", "hi!=there"),
            ("x=a,y=b,z=c", "x=a,y=b,z=c"),
            ("z=c,x=a,y=b", "x=a,y=b,z=c"),
            ("x=a||y\\=b", "x=a||y\\=b"),
            ("x=a,,y=b", "x=a,y=b"),
            ("x=,y=b", "x=,y=b"),
            ("x=a=b", "x=a\\=b"),
            ("a=\\\\", "a=\\\\"),
            // Empty field and empty value: dropped, alone or in a list.
            ("=", ""),
            ("==", ""),
            ("!=", ""),
            ("!=,x=a", "x=a"),
            ("x=a,==,y!=b", "x=a,y!=b"),
            // Only both empty: an empty field with a value is a term.
            ("=a", "=a"),
            ("!=a", "!=a"),
        ];
        for (input, want) in cases {
            match input.parse::<FieldSelector>() {
                Ok(s) if input == "x=a=b" => panic!("{input} should fail, got {s}"),
                Ok(s) => {
                    assert_eq!(s.to_string(), want, "{input}");
                    assert_eq!(want.parse::<FieldSelector>().unwrap(), s);
                }
                Err(e) => assert_eq!(input, "x=a=b", "{input}: {e}"),
            }
        }
        for bad in ["x", "x,y", "x=a\\b", "x=a\\", "x=a=b", "x!a", "x=a\\,y=b"] {
            assert!(bad.parse::<FieldSelector>().is_err(), "{bad}");
        }
        match "a=b,c=d\\x".parse::<FieldSelector>() {
            Err(Error::InvalidFieldSelector { position, .. }) => assert_eq!(position, 7),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn matching() {
        let f = BTreeMap::from([
            ("metadata.name".to_string(), "x".to_string()),
            ("spec.nodeName".to_string(), String::new()),
        ]);
        let m = |s: &str| s.parse::<FieldSelector>().unwrap().matches(&f);
        assert!(m(""));
        assert!(m("metadata.name=x"));
        assert!(m("metadata.name==x"));
        assert!(!m("metadata.name!=x"));
        assert!(m("spec.nodeName="));
        assert!(m("missing="));
        assert!(m("missing!=y"));
        assert!(!m("metadata.name=x,missing=y"));
        // `!=` alone is dropped (Go: Everything), so it matches; `!=a` is a term on field "".
        assert!(m("!="));
        assert!(m("metadata.name=x,!="));
        assert!(!m("=a"));
        let s: FieldSelector = "metadata.name=x".parse().unwrap();
        assert_eq!(s.requires_exact_match("metadata.name"), Some("x"));
        assert_eq!(escape_field_value("a\\b,c=d"), "a\\\\b\\,c\\=d");
        assert_eq!(unescape_field_value("a\\\\b\\,c\\=d").unwrap(), "a\\b,c=d");
    }
}
