//! The lexer of the selector grammar (apimachinery's `labels.Lexer`): identifiers, `in`/`notin`,
//! and the longest run of special characters that is an operator.

use super::err;
use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tok {
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

pub(super) struct Item<'a> {
    pub(super) tok: Tok,
    pub(super) lit: &'a str,
    pub(super) pos: usize,
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

pub(super) fn lex(input: &str) -> Result<Vec<Item<'_>>, Error> {
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
