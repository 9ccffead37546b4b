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
        let n = dec.normalized();
        match u32::try_from(n.e) {
            Ok(e) if !small && e <= MAX_BINARY_EXPONENT => {
                return write_base_1024(out, n.m.unsigned_abs(), e);
            }
            // Below 1024 or with a fraction: shown as decimal SI (apimachinery does the same).
            // (Beyond 10^MAX_BINARY_EXPONENT too, where Go would write every digit.)
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

/// Binary-SI integers are written out in full up to `m × 10^1000`; beyond, in decimal SI.
const MAX_BINARY_EXPONENT: u32 = 1000;

/// Writes the integer `m × 10^e` as `n` and the largest binary suffix (up to `Ei`) that leaves
/// `n` an integer, as apimachinery's base-1024 rendering does (in big integers, as Go's).
fn write_base_1024(out: &mut impl Write, m: u128, e: u32) -> fmt::Result {
    // m × 10^e = m × 5^e × 2^e; 1024^k takes 10k factors of 2.
    let twos = m.trailing_zeros() + e;
    let k = (twos / 10).min(6);
    let from_m = (10 * k).min(m.trailing_zeros());
    let m = m >> from_m;
    let twos_left = e - (10 * k - from_m);
    // The usual case fits a u128; checked arithmetic finds the others.
    let fast = 5u128
        .checked_pow(e)
        .and_then(|p| m.checked_mul(p))
        .and_then(|v| (twos_left < 127).then(|| v.checked_mul(1u128 << twos_left))?);
    if let Some(v) = fast {
        write!(out, "{v}")?;
        return out.write_str(BINARY_SUFFIXES[k as usize]);
    }
    // Limbs of 10^9, least significant first.
    let mut limbs: Vec<u64> = Vec::new();
    let mut v = m;
    while v > 0 {
        limbs.push((v % 1_000_000_000) as u64);
        v /= 1_000_000_000;
    }
    let mul = |limbs: &mut Vec<u64>, k: u64| {
        let mut carry = 0u64;
        for l in limbs.iter_mut() {
            let x = *l * k + carry;
            *l = x % 1_000_000_000;
            carry = x / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    };
    // 5^13 and 2^30 keep every product below 2^64 (limb < 10^9).
    let mut fives = e;
    while fives > 0 {
        let n = fives.min(13);
        mul(&mut limbs, 5u64.pow(n));
        fives -= n;
    }
    let mut twos = twos_left;
    while twos > 0 {
        let n = twos.min(30);
        mul(&mut limbs, 1u64 << n);
        twos -= n;
    }
    let mut iter = limbs.iter().rev();
    if let Some(top) = iter.next() {
        write!(out, "{top}")?;
    }
    for l in iter {
        write!(out, "{l:09}")?;
    }
    out.write_str(BINARY_SUFFIXES[k as usize])
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
