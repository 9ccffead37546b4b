//! Parsing: a port of apimachinery's scanner (`parseQuantityString`) and of `ParseQuantity`'s
//! interpretation rules, on an exact `i128 × 10^exp` decimal.

use super::{Dec, Format, MAX_DIGITS, Quantity};
use crate::Error;

fn err(input: &str, position: usize, reason: impl Into<String>) -> Error {
    Error::InvalidQuantity {
        input: input.to_owned(),
        position,
        reason: reason.into(),
    }
}

/// The pieces of a quantity string.
struct Parts<'a> {
    positive: bool,
    /// Integer digits without leading zeros ("0" when there are none).
    num: &'a str,
    /// Fraction digits (may be empty).
    denom: &'a str,
    suffix: &'a str,
    suffix_start: usize,
    /// Whether the number part has any digit at all (`+Ki` has none).
    has_digits: bool,
}

const SUFFIX_CHARS: &[u8] = b"eEinumkKMGTP";

fn scan(s: &str) -> Result<Parts<'_>, Error> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    let mut parts = Parts {
        positive,
        num: "0",
        denom: "",
        suffix: "",
        suffix_start: end,
        has_digits: true,
    };
    if pos == end {
        return Ok(parts);
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos > num_start {
        parts.num = &s[num_start..pos];
    }
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let ds = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        parts.denom = &s[ds..pos];
    }
    parts.has_digits = b[..pos].iter().any(u8::is_ascii_digit);
    let suffix_start = pos;
    while pos < end && SUFFIX_CHARS.contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        let c = s[pos..].chars().next().unwrap_or('?');
        return Err(err(s, pos, format!("unexpected character {c:?}")));
    }
    parts.suffix = &s[suffix_start..];
    parts.suffix_start = suffix_start;
    Ok(parts)
}

/// `(base, exponent, format)` of a suffix, as apimachinery's suffixer interprets it.
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    Some(match suffix {
        "" => (10, 0, Format::DecimalSI),
        "n" => (10, -9, Format::DecimalSI),
        "u" => (10, -6, Format::DecimalSI),
        "m" => (10, -3, Format::DecimalSI),
        "k" => (10, 3, Format::DecimalSI),
        "M" => (10, 6, Format::DecimalSI),
        "G" => (10, 9, Format::DecimalSI),
        "T" => (10, 12, Format::DecimalSI),
        "P" => (10, 15, Format::DecimalSI),
        "E" => (10, 18, Format::DecimalSI),
        "Ki" => (2, 10, Format::BinarySI),
        "Mi" => (2, 20, Format::BinarySI),
        "Gi" => (2, 30, Format::BinarySI),
        "Ti" => (2, 40, Format::BinarySI),
        "Pi" => (2, 50, Format::BinarySI),
        "Ei" => (2, 60, Format::BinarySI),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            // Go parses an int64 and truncates to int32; we reject what does not fit instead.
            let exp: i64 = rest.parse().ok()?;
            (10, i32::try_from(exp).ok()?, Format::DecimalExponent)
        }
    })
}

/// Whether apimachinery's `int64` fast path handles the input.
fn fast_path(parts: &Parts<'_>, exponent: i32, format: Format) -> bool {
    let (num, denom) = (parts.num, parts.denom);
    match format {
        Format::DecimalSI | Format::DecimalExponent => {
            let scale = i64::from(exponent) - denom.len() as i64;
            num.len() + denom.len() <= 18 && scale >= -9
        }
        Format::BinarySI => {
            let precision = 15 - num.len() as i64 - ((exponent as f32) * 3.0 / 10.0) as i64 - 1;
            denom.is_empty() && precision >= 0
        }
    }
}

/// Whether apimachinery's fast path would keep the input string as the canonical form
/// (`ParseQuantity` reuses the input when it already looks canonical, sign and leading zeros
/// included).
fn keeps_input(parts: &Parts<'_>, exponent: i32, format: Format) -> bool {
    let (num, denom) = (parts.num, parts.denom);
    let digits = num.len() + denom.len();
    match format {
        Format::DecimalSI | Format::DecimalExponent => {
            let scale = i64::from(exponent) - denom.len() as i64;
            let ends_000 = num
                .bytes()
                .chain(denom.bytes())
                .skip(digits.saturating_sub(3))
                .eq(*b"000")
                && digits >= 3;
            digits <= 18 && scale >= -9 && scale % 3 == 0 && !ends_000 && num != "0"
        }
        Format::BinarySI => {
            let precision = 15 - num.len() as i64 - ((exponent as f32) * 3.0 / 10.0) as i64 - 1;
            if !denom.is_empty() || precision < 0 {
                return false;
            }
            // `value & 7 != 0`: the number is not a multiple of 8.
            num.parse::<u64>().is_ok_and(|v| v & 7 != 0)
        }
    }
}

/// Builds `digits × 10^exp` (digits without leading zeros), rounding away from zero to nano
/// precision, or `None` if more than [`MAX_DIGITS`] significant digits remain.
fn decimal_from_digits(digits: &[u8], mut exp: i64) -> Option<(i128, i64)> {
    let mut end = digits.len();
    while end > 0 && digits[end - 1] == b'0' {
        end -= 1;
    }
    if end == 0 {
        return Some((0, 0));
    }
    exp += (digits.len() - end) as i64;
    let mut kept = &digits[..end];
    let mut round = false;
    if exp < -9 {
        let drop = usize::try_from(-9 - exp).ok()?;
        exp = -9;
        if drop >= kept.len() {
            return Some((1, exp));
        }
        kept = &kept[..kept.len() - drop];
        round = true; // the dropped digits end in a non-zero digit
    }
    if kept.len() > MAX_DIGITS {
        return None;
    }
    let mut m: i128 = 0;
    for &c in kept {
        m = m * 10 + i128::from(c - b'0');
    }
    Some((m + i128::from(round), exp))
}

pub(super) fn parse(s: &str) -> Result<Quantity, Error> {
    if s.is_empty() {
        return Err(err(s, 0, "empty string"));
    }
    if s == "0" {
        return Ok(Quantity::from_dec(Dec::ZERO, Format::DecimalSI));
    }
    let parts = scan(s)?;
    let (base, exponent, mut format) = interpret(parts.suffix).ok_or_else(|| {
        err(
            s,
            parts.suffix_start,
            format!("unknown suffix {:?}", parts.suffix),
        )
    })?;
    if !parts.has_digits && !fast_path(&parts, exponent, format) {
        // apimachinery's exact path parses the number part on its own, and "+" or "." is not a
        // number (its fast path treats a missing number as 0).
        return Err(err(s, 0, "no digits"));
    }
    let keep = keeps_input(&parts, exponent, format);

    // All significant digits, decimal point removed: value = digits × 10^-len(denom) × base^exp.
    let mut buf = [0u8; 64];
    let mut heap = Vec::new();
    let joined_len = parts.num.len() + parts.denom.len();
    let digits: &mut [u8] = if joined_len <= buf.len() {
        &mut buf[..joined_len]
    } else {
        heap.resize(joined_len, 0);
        &mut heap
    };
    digits[..parts.num.len()].copy_from_slice(parts.num.as_bytes());
    digits[parts.num.len()..].copy_from_slice(parts.denom.as_bytes());
    let first_nonzero = digits
        .iter()
        .position(|&c| c != b'0')
        .unwrap_or(digits.len());
    let digits = &digits[first_nonzero..];
    let frac_len = parts.denom.len() as i64;
    let too_big = || {
        err(
            s,
            0,
            "value needs more than 38 significant digits at nano precision",
        )
    };

    let mut dec = if base == 10 {
        let (m, e) =
            decimal_from_digits(digits, i64::from(exponent) - frac_len).ok_or_else(too_big)?;
        Dec::new(m, e).ok_or_else(|| err(s, parts.suffix_start, "exponent out of range"))?
    } else {
        let mut end = digits.len();
        while end > 0 && digits[end - 1] == b'0' {
            end -= 1;
        }
        let e10 = (digits.len() - end) as i64 - frac_len;
        if end > MAX_DIGITS {
            return Err(too_big());
        }
        let mut m: i128 = 0;
        for &c in &digits[..end] {
            m = m * 10 + i128::from(c - b'0');
        }
        match m.checked_mul(1i128 << exponent) {
            Some(m) => {
                let text = m.to_string();
                let (m, e) = decimal_from_digits(text.as_bytes(), e10).ok_or_else(too_big)?;
                let d = Dec::new(m, e).ok_or_else(too_big)?;
                if d.cmp_abs(&Dec::BINARY_MAX).is_gt() {
                    Dec::BINARY_MAX
                } else {
                    d
                }
            }
            // At least 2^127 before the fraction shift: above the cap unless the fraction is long.
            None if e10 >= -19 => Dec::BINARY_MAX,
            None => return Err(too_big()),
        }
    };
    if base == 2 && !dec.is_zero() && dec.cmp_abs(&Dec::ONE).is_lt() {
        format = Format::DecimalSI;
    }
    if !parts.positive {
        dec = dec.neg();
    }
    // apimachinery keeps a canonical-looking input as the rendering; hold it only when it
    // differs from what `format::canonical` writes (`+1`, `1.G`), the usual `100m` or `64Mi`
    // costs no allocation.
    let cached = keep
        .then(|| {
            let mut probe = super::format::Matches::new(s);
            let same =
                super::format::canonical(&mut probe, &dec, format).is_ok() && probe.matched();
            (!same).then(|| s.into())
        })
        .flatten();
    Ok(Quantity::with_cache(dec, format, cached))
}
