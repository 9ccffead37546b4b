//! Parsing: a port of apimachinery's scanner (`parseQuantityString`) and of `ParseQuantity`'s
//! interpretation rules, on an exact `i128 × 10^exp` decimal.

use super::{Dec, Format, MAX_DIGITS, Quantity, QuantityLimit};
use crate::Error;

fn beyond(input: &str, limit: QuantityLimit) -> Error {
    Error::QuantityBeyondLimit {
        input: input.to_owned(),
        limit,
    }
}

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

/// How a suffix reads.
enum Suffix {
    /// `(base, exponent, format)`, as apimachinery's suffixer interprets it.
    Known(u32, i32, Format),
    /// A decimal exponent that fits an `i64` but not an `i32`: Go truncates it to 32 bits (the
    /// value held here), we refuse it (a typed limit).
    ExponentOutOfRange(i32),
    /// Not a suffix.
    Unknown,
}

fn interpret(suffix: &str) -> Suffix {
    let known = |b, e, f| Suffix::Known(b, e, f);
    match suffix {
        "" => known(10, 0, Format::DecimalSI),
        "n" => known(10, -9, Format::DecimalSI),
        "u" => known(10, -6, Format::DecimalSI),
        "m" => known(10, -3, Format::DecimalSI),
        "k" => known(10, 3, Format::DecimalSI),
        "M" => known(10, 6, Format::DecimalSI),
        "G" => known(10, 9, Format::DecimalSI),
        "T" => known(10, 12, Format::DecimalSI),
        "P" => known(10, 15, Format::DecimalSI),
        "E" => known(10, 18, Format::DecimalSI),
        "Ki" => known(2, 10, Format::BinarySI),
        "Mi" => known(2, 20, Format::BinarySI),
        "Gi" => known(2, 30, Format::BinarySI),
        "Ti" => known(2, 40, Format::BinarySI),
        "Pi" => known(2, 50, Format::BinarySI),
        "Ei" => known(2, 60, Format::BinarySI),
        _ => {
            let Some(rest) = suffix.strip_prefix(['e', 'E']).filter(|r| !r.is_empty()) else {
                return Suffix::Unknown;
            };
            // Go's `strconv.ParseInt(rest, 10, 64)`: an optional sign, then digits.
            match rest.parse::<i64>() {
                Ok(exp) => match i32::try_from(exp) {
                    Ok(exp) => known(10, exp, Format::DecimalExponent),
                    // Truncation intended: what Go's `int32(parsed)` reads.
                    Err(_) => Suffix::ExponentOutOfRange(exp as i32),
                },
                Err(_) => Suffix::Unknown,
            }
        }
    }
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
    if round {
        // Rounding up carries through trailing nines: `…x99…9` + 1 is `…(x+1)` followed by
        // zeros, which may bring a value over the digit limit back under it.
        let nines = kept.iter().rev().take_while(|&&c| c == b'9').count();
        if nines > 0 {
            let head = &kept[..kept.len() - nines];
            exp += nines as i64;
            if head.is_empty() {
                return Some((1, exp));
            }
            let (last, rest) = head.split_last()?;
            if head.len() > MAX_DIGITS {
                return None;
            }
            let m = rest
                .iter()
                .fold(0i128, |m, &c| m * 10 + i128::from(c - b'0'));
            return Some((m * 10 + i128::from(last - b'0') + 1, exp));
        }
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

/// The value of a binary-SI quantity: `digits × 10^e10 × 2^shift`, computed as Go computes it
/// (exactly, in big integers), rounded away from zero to nano precision, capped at 2^63 - 1.
/// `digits` has no leading zeros; it may be of any length.
fn binary_value(digits: &[u8], shift: u32, mut e10: i64) -> Dec {
    let mut end = digits.len();
    while end > 0 && digits[end - 1] == b'0' {
        end -= 1;
    }
    if end == 0 {
        return Dec::ZERO;
    }
    e10 += (digits.len() - end) as i64;
    // The number is at least 10^(end - 1 + e10) and 2^shift ≥ 1: from 10^19 on it is above the
    // cap (2^63 - 1 < 10^19) whatever the digits.
    if end as i64 - 1 + e10 >= 19 {
        return Dec::BINARY_MAX;
    }
    let capped = |d: Dec| {
        if d.cmp_abs(&Dec::BINARY_MAX).is_le() {
            d
        } else {
            Dec::BINARY_MAX
        }
    };
    // The usual case (`64Mi`, `1.5Gi`): the product fits an i128, no allocation.
    let product = (end <= MAX_DIGITS)
        .then(|| {
            digits[..end]
                .iter()
                .fold(0i128, |m, &c| m * 10 + i128::from(c - b'0'))
        })
        .and_then(|m| m.checked_mul(1i128 << shift));
    if let Some(p) = product {
        let d = if e10 >= -9 {
            Dec::new(p, e10)
        } else {
            // Rounded away from zero to nano precision.
            Dec::new(super::dec::div_pow10_up(p, (-9 - e10).unsigned_abs()), -9)
        };
        // The exponent is between -9 and 18 here: `Dec::new` cannot fail.
        return d.map_or(Dec::BINARY_MAX, capped);
    }
    // digits × 2^shift, as decimal digits (most significant first). shift ≤ 60, so every step
    // fits a u128: 9 × 2^60 + carry < 2^65.
    let factor = 1u128 << shift;
    let mut product = Vec::with_capacity(end + 20);
    let mut carry = 0u128;
    for &c in digits[..end].iter().rev() {
        let v = u128::from(c - b'0') * factor + carry;
        product.push(b'0' + (v % 10) as u8);
        carry = v / 10;
    }
    while carry > 0 {
        product.push(b'0' + (carry % 10) as u8);
        carry /= 10;
    }
    product.reverse();
    // Integer digits of the product: 20 or more is at least 10^19, above the cap.
    if product.len() as i64 + e10 > 19 {
        return Dec::BINARY_MAX;
    }
    // At most 19 integer digits and 9 fraction digits after rounding: well within 38 digits.
    decimal_from_digits(&product, e10)
        .and_then(|(m, e)| Dec::new(m, e))
        .map_or(Dec::BINARY_MAX, capped)
}

pub(super) fn parse(s: &str) -> Result<Quantity, Error> {
    if s.is_empty() {
        return Err(err(s, 0, "empty string"));
    }
    if s == "0" {
        return Ok(Quantity::from_dec(Dec::ZERO, Format::DecimalSI));
    }
    let parts = scan(s)?;
    let (base, exponent, mut format) = match interpret(parts.suffix) {
        Suffix::Known(base, exponent, format) => (base, exponent, format),
        Suffix::ExponentOutOfRange(truncated) => {
            // Go rejects a number part without digits first (unless its fast path reads it as 0).
            if !parts.has_digits && !fast_path(&parts, truncated, Format::DecimalExponent) {
                return Err(err(s, 0, "no digits"));
            }
            return Err(beyond(s, QuantityLimit::ExponentRange));
        }
        Suffix::Unknown => {
            return Err(err(
                s,
                parts.suffix_start,
                format!("unknown suffix {:?}", parts.suffix),
            ));
        }
    };
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
    let too_big = || beyond(s, QuantityLimit::SignificantDigits);

    let mut dec = if base == 10 {
        let (m, e) =
            decimal_from_digits(digits, i64::from(exponent) - frac_len).ok_or_else(too_big)?;
        Dec::new(m, e).ok_or_else(|| beyond(s, QuantityLimit::ExponentRange))?
    } else {
        // Binary suffixes have exponents 10 to 60.
        binary_value(digits, exponent.unsigned_abs(), -frac_len)
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
