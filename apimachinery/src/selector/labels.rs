//! Label selectors (`k8s.io/apimachinery/pkg/labels`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use crate::validation::{is_label_key, is_valid_label_value};
use crate::{Error, LabelSelector, LabelSelectorRequirement};

fn err(input: &str, position: usize, reason: impl Into<String>) -> Error {
    Error::InvalidLabelSelector {
        input: input.to_owned(),
        position,
        reason: reason.into(),
    }
}

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
    key: String,
    operator: Operator,
    values: Vec<String>,
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

// ---- parsing -------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Ident,
    Comma,
    Not,
    DoubleEquals,
    Equals,
    Gt,
    Lt,
    NotEquals,
    In,
    NotIn,
    OpenPar,
    ClosedPar,
    End,
}

struct Item<'a> {
    tok: Tok,
    lit: &'a str,
    pos: usize,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

fn symbol(s: &str) -> Option<Tok> {
    Some(match s {
        ")" => Tok::ClosedPar,
        "," => Tok::Comma,
        "!" => Tok::Not,
        "==" => Tok::DoubleEquals,
        "=" => Tok::Equals,
        ">" => Tok::Gt,
        "<" => Tok::Lt,
        "!=" => Tok::NotEquals,
        "(" => Tok::OpenPar,
        _ => return None,
    })
}

fn lex(input: &str) -> Result<Vec<Item<'_>>, Error> {
    let b = input.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        if i == b.len() {
            items.push(Item {
                tok: Tok::End,
                lit: "",
                pos: i,
            });
            return Ok(items);
        }
        let start = i;
        if is_special(b[i]) {
            // Longest run of special characters that is still a token.
            let mut best: Option<(Tok, usize)> = None;
            while i < b.len() && is_special(b[i]) {
                let cand = &input[start..=i];
                match symbol(cand) {
                    Some(t) => best = Some((t, i + 1)),
                    None if best.is_some() => break,
                    None => {}
                }
                i += 1;
            }
            let Some((tok, end)) = best else {
                return Err(err(
                    input,
                    start,
                    format!("unknown operator {:?}", &input[start..i]),
                ));
            };
            i = end;
            items.push(Item {
                tok,
                lit: &input[start..end],
                pos: start,
            });
        } else {
            while i < b.len() && !is_special(b[i]) && !is_ws(b[i]) {
                i += 1;
            }
            let lit = &input[start..i];
            let tok = match lit {
                "in" => Tok::In,
                "notin" => Tok::NotIn,
                _ => Tok::Ident,
            };
            items.push(Item {
                tok,
                lit,
                pos: start,
            });
        }
    }
}

struct Parser<'a> {
    input: &'a str,
    items: Vec<Item<'a>>,
    at: usize,
}

impl<'a> Parser<'a> {
    /// The next token; in value position `in`/`notin` are plain identifiers.
    fn peek(&self, values: bool) -> (Tok, &'a str, usize) {
        let it = &self.items[self.at.min(self.items.len() - 1)];
        let tok = match it.tok {
            Tok::In | Tok::NotIn if values => Tok::Ident,
            t => t,
        };
        (tok, it.lit, it.pos)
    }

    fn next(&mut self, values: bool) -> (Tok, &'a str, usize) {
        let r = self.peek(values);
        if self.at < self.items.len() - 1 {
            self.at += 1;
        }
        r
    }

    fn fail(&self, pos: usize, why: impl Into<String>) -> Error {
        err(self.input, pos, why)
    }

    fn found(lit: &str) -> String {
        if lit.is_empty() {
            "end of string".to_owned()
        } else {
            format!("'{lit}'")
        }
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, Error> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit, pos) = self.peek(true);
            match tok {
                Tok::Ident | Tok::Not => {
                    reqs.push(self.requirement()?);
                    let (t, l, p) = self.next(true);
                    match t {
                        Tok::End => return Ok(reqs),
                        Tok::Comma => {
                            let (t2, l2, p2) = self.peek(true);
                            if t2 != Tok::Ident && t2 != Tok::Not {
                                return Err(self.fail(
                                    p2,
                                    format!(
                                        "found {}, expected: identifier after ','",
                                        Self::found(l2)
                                    ),
                                ));
                            }
                        }
                        _ => {
                            return Err(self.fail(
                                p,
                                format!(
                                    "found {}, expected: ',' or 'end of string'",
                                    Self::found(l)
                                ),
                            ));
                        }
                    }
                }
                Tok::End => return Ok(reqs),
                _ => {
                    return Err(self.fail(
                        pos,
                        format!(
                            "found {}, expected: !, identifier, or 'end of string'",
                            Self::found(lit)
                        ),
                    ));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, Error> {
        let (mut tok, mut lit, mut pos) = self.next(true);
        let negated = tok == Tok::Not;
        if negated {
            (tok, lit, pos) = self.next(true);
        }
        if tok != Tok::Ident {
            return Err(self.fail(
                pos,
                format!("found {}, expected: identifier", Self::found(lit)),
            ));
        }
        let key = lit;
        let key_errs = is_label_key(key);
        if !key_errs.is_empty() {
            return Err(self.fail(
                pos,
                format!("invalid label key {key:?}: {}", key_errs.join("; ")),
            ));
        }
        let (next, _, _) = self.peek(true);
        let op = if negated {
            if next != Tok::End && next != Tok::Comma {
                let (_, l, p) = self.peek(false);
                return Err(self.fail(
                    p,
                    format!("found {}, expected: ',' or 'end of string'", Self::found(l)),
                ));
            }
            Operator::DoesNotExist
        } else if next == Tok::End || next == Tok::Comma {
            Operator::Exists
        } else {
            let (t, l, p) = self.next(false);
            match t {
                Tok::In => Operator::In,
                Tok::NotIn => Operator::NotIn,
                Tok::Equals => Operator::Equals,
                Tok::DoubleEquals => Operator::DoubleEquals,
                Tok::NotEquals => Operator::NotEquals,
                Tok::Gt => Operator::GreaterThan,
                Tok::Lt => Operator::LessThan,
                _ => {
                    return Err(self.fail(
                        p,
                        format!(
                            "found {}, expected: in, notin, =, ==, !=, gt, lt",
                            Self::found(l)
                        ),
                    ));
                }
            }
        };
        let values = match op {
            Operator::Exists | Operator::DoesNotExist => Vec::new(),
            Operator::In | Operator::NotIn => self.set_values()?,
            _ => self.exact_value()?,
        };
        for (v, p) in &values {
            let errs = is_valid_label_value(v);
            if !errs.is_empty() {
                return Err(self.fail(
                    *p,
                    format!("invalid label value {v:?}: {}", errs.join("; ")),
                ));
            }
            if matches!(op, Operator::GreaterThan | Operator::LessThan) && v.parse::<i64>().is_err()
            {
                return Err(self.fail(
                    *p,
                    format!("for 'Gt', 'Lt' operators, the value must be an integer: {v:?}"),
                ));
            }
        }
        Ok(Requirement {
            key: key.to_owned(),
            operator: op,
            values: values.into_iter().map(|(v, _)| v).collect(),
        })
    }

    fn set_values(&mut self) -> Result<Vec<(String, usize)>, Error> {
        let (t, l, p) = self.next(true);
        if t != Tok::OpenPar {
            return Err(self.fail(p, format!("found {}, expected: '('", Self::found(l))));
        }
        let mut set = BTreeMap::new();
        let (t, l, p) = self.peek(true);
        match t {
            Tok::ClosedPar => {
                self.next(true);
                set.insert(String::new(), p);
            }
            Tok::Ident | Tok::Comma => {
                loop {
                    let (t, l, p) = self.next(true);
                    match t {
                        Tok::Ident => {
                            set.entry(l.to_owned()).or_insert(p);
                            let (t2, l2, p2) = self.peek(true);
                            match t2 {
                                Tok::Comma => continue,
                                Tok::ClosedPar => break,
                                _ => {
                                    return Err(self.fail(
                                        p2,
                                        format!("found {}, expected: ',' or ')'", Self::found(l2)),
                                    ));
                                }
                            }
                        }
                        Tok::Comma => {
                            // "(," "a,,b" and ",)" stand for empty values.
                            if set.is_empty() {
                                set.insert(String::new(), p);
                            }
                            let (t2, _, _) = self.peek(true);
                            if t2 == Tok::ClosedPar {
                                set.entry(String::new()).or_insert(p);
                                break;
                            }
                            if t2 == Tok::Comma {
                                set.entry(String::new()).or_insert(p);
                            }
                        }
                        _ => {
                            return Err(self.fail(
                                p,
                                format!("found {}, expected: ',', or identifier", Self::found(l)),
                            ));
                        }
                    }
                }
                let (t, l, p) = self.next(true);
                if t != Tok::ClosedPar {
                    return Err(self.fail(p, format!("found {}, expected: ')'", Self::found(l))));
                }
            }
            _ => {
                return Err(self.fail(
                    p,
                    format!("found {}, expected: ',', ')' or identifier", Self::found(l)),
                ));
            }
        }
        Ok(set.into_iter().collect())
    }

    fn exact_value(&mut self) -> Result<Vec<(String, usize)>, Error> {
        let (t, _, p) = self.peek(true);
        if t == Tok::End || t == Tok::Comma {
            return Ok(vec![(String::new(), p)]);
        }
        let (t, l, p) = self.next(true);
        if t == Tok::Ident {
            Ok(vec![(l.to_owned(), p)])
        } else {
            Err(self.fail(p, format!("found {}, expected: identifier", Self::found(l))))
        }
    }
}

impl FromStr for Selector {
    type Err = Error;

    /// Parses the label selector grammar, like `labels.Parse`; requirements end up sorted by
    /// key and `in`/`notin` values sorted and de-duplicated.
    fn from_str(input: &str) -> Result<Self, Error> {
        let items = lex(input)?;
        let mut p = Parser {
            input,
            items,
            at: 0,
        };
        Ok(Selector::from_requirements(p.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_render_table() {
        // (input, rendering), after labels/selector_test.go TestSelectorParse.
        let cases = [
            ("", ""),
            ("x=a", "x=a"),
            ("x=a,y=b,z=c", "x=a,y=b,z=c"),
            (" x = a , y = b ", "x=a,y=b"),
            ("x!=a,y=b", "x!=a,y=b"),
            ("x=,z= ", "x=,z="),
            ("x= ,z= ", "x=,z="),
            ("!x", "!x"),
            ("x>1", "x>1"),
            ("x<7", "x<7"),
            ("x in (abc,def)", "x in (abc,def)"),
            ("x in (def,abc)", "x in (abc,def)"),
            ("x notin (b,a,b)", "x notin (a,b)"),
            ("x in (,)", "x in ()"),
            ("x in ()", "x in ()"),
            ("x==a", "x==a"),
            ("z,!x,y in (a)", "!x,y in (a),z"),
            ("x in (a,,b)", "x in (,a,b)"),
            ("in in (in)", "in in (in)"),
            ("foo/bar.baz=1", "foo/bar.baz=1"),
        ];
        for (input, want) in cases {
            let s: Selector = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(s.to_string(), want, "{input}");
            let again: Selector = want.parse().unwrap();
            assert_eq!(again, s, "{input}");
        }
    }

    #[test]
    fn parse_errors_with_positions() {
        let cases = [
            ("x=a||y=b", 2),
            ("x==a==b", 4),
            ("!x=a", 2),
            ("x<a", 2),
            ("x in (a", 7),
            ("x in a)", 5),
            ("x=a,", 4),
            (",x=a", 0),
            ("x in (a b)", 8),
            ("x>1,z<5a", 6),
            ("x=a!b", 3),
            ("-x", 0),
            ("x=-a", 2),
            ("x)", 1),
            ("x in (a)b", 8),
        ];
        for (input, pos) in cases {
            match input.parse::<Selector>() {
                Err(Error::InvalidLabelSelector {
                    position,
                    input: i,
                    reason,
                }) => {
                    assert_eq!(i, input);
                    assert_eq!(position, pos, "{input}: {reason}");
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn matching_table() {
        let labels = |s: &[(&str, &str)]| -> BTreeMap<String, String> {
            s.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        // (selector, labels, matches), after TestSelectorMatches / TestEverything.
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case<'_>] = &[
            ("", &[("x", "y")], true),
            ("x=y", &[("x", "y")], true),
            ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
            ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
            ("notin=in", &[("notin", "in")], true),
            ("x", &[("x", "z")], true),
            ("!x", &[("y", "z")], true),
            ("x>1", &[("x", "2")], true),
            ("x<1", &[("x", "0")], true),
            ("x=z", &[], false),
            ("x=y", &[("x", "z")], false),
            ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
            ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
            ("x", &[("y", "z")], false),
            ("!x", &[("x", "z")], false),
            ("x>1", &[("x", "0")], false),
            ("x<1", &[("x", "2")], false),
            ("x>1", &[("x", "a")], false),
            ("x>1", &[], false),
            ("x in (a,b)", &[("x", "b")], true),
            ("x notin (a,b)", &[("x", "c")], true),
            ("x notin (a,b)", &[], true),
            ("x in (a,b)", &[], false),
            ("x=", &[("x", "")], true),
        ];
        for (sel, ls, want) in cases {
            let s: Selector = sel.parse().unwrap();
            assert_eq!(s.matches(&labels(ls)), *want, "{sel} vs {ls:?}");
        }
        assert!(!Selector::nothing().matches(&labels(&[])));
        assert!(Selector::everything().matches(&labels(&[])));
        let pairs = [("app", "web")];
        assert!("app=web".parse::<Selector>().unwrap().matches(&pairs[..]));
    }

    #[test]
    fn from_label_selector() {
        let ls: LabelSelector = serde_json::from_str(
            r#"{"matchLabels":{"b":"2","a":"1"},"matchExpressions":[
                {"key":"c","operator":"In","values":["y","x"]},
                {"key":"d","operator":"NotIn","values":["z"]},
                {"key":"e","operator":"Exists"},
                {"key":"f","operator":"DoesNotExist"}]}"#,
        )
        .unwrap();
        let s = Selector::try_from(&ls).unwrap();
        assert_eq!(s.to_string(), "a=1,b=2,c in (x,y),d notin (z),e,!f");
        assert!(Selector::from_label_selector(None).unwrap().is_nothing());
        assert!(
            Selector::try_from(&LabelSelector::default())
                .unwrap()
                .is_everything()
        );
        let bad: LabelSelector = serde_json::from_str(
            r#"{"matchExpressions":[{"key":"c","operator":"Gt","values":["1"]}]}"#,
        )
        .unwrap();
        assert!(Selector::try_from(&bad).is_err());
        let empty_in: LabelSelector =
            serde_json::from_str(r#"{"matchExpressions":[{"key":"c","operator":"In"}]}"#).unwrap();
        assert!(Selector::try_from(&empty_in).is_err());
        let r = &s.requirements()[2];
        assert_eq!(r.to_label_selector_requirement().unwrap().operator, "In");
    }

    #[test]
    fn builder_and_validation() {
        let s = Selector::builder()
            .gt("gen", 3)
            .lt("gen", 9)
            .exists("a")
            .build()
            .unwrap();
        assert_eq!(s.to_string(), "a,gen>3,gen<9");
        assert!(Selector::builder().eq("bad key", "v").build().is_err());
        assert!(Selector::builder().eq("k", "bad value!").build().is_err());
        assert!(Selector::builder().in_("k", []).build().is_err());
        assert!(Requirement::new("k", Operator::GreaterThan, ["x"]).is_err());
        assert!(Requirement::new("k", Operator::Exists, ["x"]).is_err());
        let long = format!("{}/k", "a".repeat(254));
        assert!(Requirement::new(long, Operator::Exists, Vec::<String>::new()).is_err());
        let s: Selector = "a=b,c in (d)".parse().unwrap();
        assert_eq!(s.requires_exact_match("a"), Some("b"));
        assert_eq!(s.requires_exact_match("c"), Some("d"));
        assert_eq!(s.requires_exact_match("x"), None);
        let m = BTreeMap::from([("k".to_string(), "v".to_string())]);
        assert_eq!(Selector::from_map(&m).unwrap().to_string(), "k=v");
    }
}
