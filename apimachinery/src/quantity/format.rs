//! Canonical rendering (`Quantity.CanonicalizeBytes`).

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
pub(super) fn canonical(out: &mut String, dec: &Dec, format: Format) {
    if dec.is_zero() {
        out.push('0');
        return;
    }
    if dec.m < 0 {
        out.push('-');
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
                out.push_str(&n.to_string());
                out.push_str(BINARY_SUFFIXES[k]);
                return;
            }
            // Below 1024 or with a fraction: shown as decimal SI (apimachinery does the same).
            _ => format = Format::DecimalSI,
        }
    }
    let n = dec.normalized();
    let r = n.e.rem_euclid(3);
    let e = n.e - r;
    out.push_str(&n.m.unsigned_abs().to_string());
    for _ in 0..r {
        out.push('0');
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
        Some(s) => out.push_str(s),
        // Beyond `E` (or below `n`) decimal SI has no suffix; use an exponent. (apimachinery
        // would silently drop the exponent here.)
        None => {
            out.push('e');
            out.push_str(&e.to_string());
        }
    }
}
