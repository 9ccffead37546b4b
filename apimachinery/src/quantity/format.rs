//! Canonical rendering (`Quantity.CanonicalizeBytes`).

use std::fmt::{self, Write};

use super::{Dec, Format};

const DECIMAL_SUFFIXES: [(i32, &str); 10] = [
    (-9, "n"),
    (-6, "u"),
    (-3, "m"),
    (0, ""),
    (3, "k"),
    (6, "M"),
    (9, "G"),
    (12, "T"),
    (15, "P"),
    (18, "E"),
];

const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// Writes the canonical form of `dec` in `format` to `out`.
pub(super) fn canonical(out: &mut impl Write, dec: &Dec, format: Format) -> fmt::Result {
    if dec.is_zero() {
        return out.write_char('0');
    }
    if dec.m < 0 {
        out.write_char('-')?;
    }
    let mut format = format;
    if format == Format::BinarySI {
        let small = dec.cmp_abs(&Dec { m: 1024, e: 0 }).is_lt();
        match dec.integer_abs() {
            Some(mut n) if !small => {
                let mut k = 0;
                while k < 6 && n % 1024 == 0 {
                    n /= 1024;
                    k += 1;
                }
                write!(out, "{n}")?;
                return out.write_str(BINARY_SUFFIXES[k]);
            }
            // Below 1024 or with a fraction: shown as decimal SI (apimachinery does the same).
            _ => format = Format::DecimalSI,
        }
    }
    let n = dec.normalized();
    let r = n.e.rem_euclid(3);
    let e = n.e - r;
    write!(out, "{}", n.m.unsigned_abs())?;
    for _ in 0..r {
        out.write_char('0')?;
    }
    let suffix = match format {
        Format::DecimalSI => DECIMAL_SUFFIXES
            .iter()
            .find(|(x, _)| *x == e)
            .map(|(_, s)| *s),
        _ if e == 0 => Some(""),
        _ => None,
    };
    match suffix {
        Some(s) => out.write_str(s),
        // Beyond `E` (or below `n`) decimal SI has no suffix; use an exponent. (apimachinery
        // would silently drop the exponent here.)
        None => {
            write!(out, "e{e}")
        }
    }
}

/// A [`Write`] sink that checks whether the text written equals `expected`, without allocating.
pub(super) struct Matches<'a> {
    rest: &'a str,
    equal: bool,
}

impl<'a> Matches<'a> {
    pub(super) fn new(expected: &'a str) -> Self {
        Self {
            rest: expected,
            equal: true,
        }
    }

    /// `true` when everything written so far is exactly `expected`.
    pub(super) fn matched(&self) -> bool {
        self.equal && self.rest.is_empty()
    }
}

impl Write for Matches<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match self.rest.strip_prefix(s) {
            Some(rest) if self.equal => self.rest = rest,
            _ => self.equal = false,
        }
        Ok(())
    }
}
