//! `Dec`: an exact decimal `m × 10^e` with a 128-bit mantissa, the value behind a
//! [`Quantity`](super::Quantity).

use std::cmp::Ordering;

/// At most this many significant decimal digits fit the mantissa (10^38 < 2^127).
pub(crate) const MAX_DIGITS: usize = 38;

/// `m × 10^e`. Not normalized: `10 × 10^0` and `1 × 10^1` are both valid (and equal).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dec {
    pub(crate) m: i128,
    pub(crate) e: i32,
}

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

fn digits(v: u128) -> i64 {
    if v == 0 { 0 } else { i64::from(v.ilog10()) + 1 }
}

/// `v / 10^n`, rounded away from zero.
pub(crate) fn div_pow10_up(v: i128, n: u64) -> i128 {
    if v == 0 {
        return 0;
    }
    let Some(p) = u32::try_from(n).ok().and_then(pow10) else {
        return v.signum();
    };
    let mag = v.unsigned_abs();
    let q = mag / p + u128::from(!mag.is_multiple_of(p));
    let q = i128::try_from(q).unwrap_or(i128::MAX);
    if v < 0 { -q } else { q }
}

impl Dec {
    pub(crate) const ZERO: Dec = Dec { m: 0, e: 0 };
    pub(crate) const ONE: Dec = Dec { m: 1, e: 0 };
    /// The cap apimachinery applies to binary-SI quantities: 2^63 - 1.
    pub(crate) const BINARY_MAX: Dec = Dec {
        m: i64::MAX as i128,
        e: 0,
    };

    /// `m × 10^e`, `None` when `e` does not fit an `i32`.
    pub(crate) fn new(m: i128, e: i64) -> Option<Dec> {
        Some(Dec {
            m,
            e: if m == 0 { 0 } else { i32::try_from(e).ok()? },
        })
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.m == 0
    }

    pub(crate) fn neg(self) -> Dec {
        Dec {
            m: -self.m,
            e: self.e,
        }
    }

    /// Trailing zeros of the mantissa moved into the exponent.
    pub(crate) fn normalized(self) -> Dec {
        if self.m == 0 {
            return Dec::ZERO;
        }
        let (mut m, mut e) = (self.m, self.e);
        while m % 10 == 0 && e < i32::MAX {
            m /= 10;
            e += 1;
        }
        Dec { m, e }
    }

    /// Compares magnitudes.
    pub(crate) fn cmp_abs(&self, other: &Dec) -> Ordering {
        let (a, b) = (self.m.unsigned_abs(), other.m.unsigned_abs());
        match (a == 0, b == 0) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let (oa, ob) = (
            digits(a) + i64::from(self.e),
            digits(b) + i64::from(other.e),
        );
        if oa != ob {
            return oa.cmp(&ob);
        }
        // Same order of magnitude: aligning the exponents cannot overflow.
        let diff = (i64::from(self.e) - i64::from(other.e)).unsigned_abs();
        let scale = u32::try_from(diff)
            .ok()
            .and_then(pow10)
            .unwrap_or(u128::MAX);
        if self.e >= other.e {
            a.saturating_mul(scale).cmp(&b)
        } else {
            a.cmp(&b.saturating_mul(scale))
        }
    }

    /// The sum; exact unless the result needs more than 38 digits, in which case the lowest
    /// digits of the smaller-exponent operand are rounded away from zero.
    pub(crate) fn add(self, other: Dec) -> Dec {
        self.add_exact(other).0
    }

    /// The sum as [`Dec::add`] computes it, and whether it is exact.
    pub(crate) fn add_exact(self, other: Dec) -> (Dec, bool) {
        if other.m == 0 {
            return (self, true);
        }
        if self.m == 0 {
            return (other, true);
        }
        let (hi, lo) = if self.e >= other.e {
            (self, other)
        } else {
            (other, self)
        };
        let hi_digits = digits(hi.m.unsigned_abs());
        // Start from the exact alignment, coarsen until everything fits.
        let mut t = i64::from(lo.e).max(i64::from(hi.e) - (MAX_DIGITS as i64 - hi_digits).max(0));
        loop {
            let up = (i64::from(hi.e) - t).max(0) as u32;
            let hi_m = pow10(up).and_then(|p| hi.m.checked_mul(p as i128));
            let down = (t - i64::from(lo.e)).max(0) as u64;
            let lo_m = div_pow10_up(lo.m, down);
            if let Some(sum) = hi_m.and_then(|h| h.checked_add(lo_m)) {
                let exact = u32::try_from(down)
                    .ok()
                    .and_then(pow10)
                    .is_some_and(|p| lo.m.unsigned_abs().is_multiple_of(p));
                return match Dec::new(sum, t) {
                    Some(d) => (d, exact),
                    None => (hi, false),
                };
            }
            t += 1;
        }
    }

    /// The product with an integer, `None` on overflow.
    pub(crate) fn mul_int(self, k: i64) -> Option<Dec> {
        let n = self.normalized();
        Some(Dec {
            m: n.m.checked_mul(i128::from(k))?,
            e: n.e,
        })
    }

    /// `self / 10^scale` rounded away from zero, saturated to `i64`.
    pub(crate) fn scaled_i64(&self, scale: i32) -> i64 {
        let e = i64::from(self.e) - i64::from(scale);
        let v = if e >= 0 {
            match u32::try_from(e).ok().and_then(pow10) {
                Some(p) => self.m.checked_mul(p as i128),
                None => None,
            }
            .unwrap_or(if self.m < 0 { i128::MIN } else { i128::MAX })
        } else {
            div_pow10_up(self.m, e.unsigned_abs())
        };
        let v = if self.m == 0 { 0 } else { v };
        i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    }

    /// The value as an `i64` if it is an integer in range.
    pub(crate) fn exact_i64(&self) -> Option<i64> {
        let n = self.normalized();
        if n.e < 0 {
            return None;
        }
        let p = pow10(n.e as u32)?;
        i64::try_from(n.m.checked_mul(i128::try_from(p).ok()?)?).ok()
    }

    /// Nearest `f64`.
    pub(crate) fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }
}

impl PartialEq for Dec {
    fn eq(&self, other: &Dec) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Dec {}

impl PartialOrd for Dec {
    fn partial_cmp(&self, other: &Dec) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Dec {
    fn cmp(&self, other: &Dec) -> Ordering {
        let (sa, sb) = (self.m.signum(), other.m.signum());
        if sa != sb {
            return sa.cmp(&sb);
        }
        let mag = self.cmp_abs(other);
        if sa < 0 { mag.reverse() } else { mag }
    }
}

impl std::hash::Hash for Dec {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.m.hash(state);
        n.e.hash(state);
    }
}
