//! The parser of the selector grammar (apimachinery's `labels.Parser`): requirements joined by
//! commas, with the same error messages, and [`Selector`]'s `FromStr`.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::lex::{Item, Tok, lex};
use super::{Operator, Requirement, Selector, err};
use crate::Error;
use crate::validation::{is_label_key, is_valid_label_value};

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
