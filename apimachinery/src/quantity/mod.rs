//! [`Quantity`]: a fixed-point number with a unit suffix (`100m`, `1.5Gi`, `2e3`), as
//! `k8s.io/apimachinery/pkg/api/resource.Quantity` has it.
//!
//! # Syntax
//!
//! ```text
//! <quantity>  ::= <sign><digits><suffix> | <sign><digits>.<digits><suffix> ...
//! <suffix>    ::= <binarySI> | <decimalSI> | <decimalExponent>
//! <binarySI>  ::= Ki | Mi | Gi | Ti | Pi | Ei                  (powers of 2^10)
//! <decimalSI> ::= n | u | m | "" | k | M | G | T | P | E       (powers of 10^3)
//! <decimalExponent> ::= e<signed int> | E<signed int>
//! ```
//!
//! # Semantics
//!
//! * The value is exact, rounded **up** (away from zero) to nano precision: `0.1n` is `1n`.
//! * Binary-SI values are capped at 2^63 - 1 when parsed (not by arithmetic).
//! * The quantity remembers its *format* (the suffix family it was written in) and renders in
//!   the same family, with the largest suffix that keeps the number an integer: `1024Mi` → `1Gi`,
//!   `1000M` → `1G`, `0.5` → `500m`, `1.5Gi` → `1536Mi`. Binary values below 1024 or with a
//!   fraction are rendered in decimal SI (`0.5Ki` → `512`).
//! * As in apimachinery, a string that already looks canonical is kept verbatim (`+1`, `1.G`).
//! * Equality, ordering and hashing are by value: `1Ki == 1024`.
//!
//! # Differences from Go
//!
//! k8s-rs holds a quantity as an exact decimal with a 128-bit mantissa; Go holds it in an
//! `int64` or, when that does not suffice, in an arbitrary-precision `inf.Dec`. They agree on
//! every input the randomized differential test against apimachinery v0.37.2
//! (`apimachinery/tests/go_differential.rs`) produces, except these, each listed there as an
//! explicit exclusion:
//!
//! * **More than 38 significant digits.** A value that needs more than 38 significant digits
//!   at nano precision (`123456789012345678901234567890.123456789`) is refused with
//!   [`Error::QuantityBeyondLimit`] and [`QuantityLimit::SignificantDigits`]; Go keeps it.
//!   [`Quantity::checked_add`] and [`Quantity::checked_sub`] refuse a sum that would need more
//!   with the same error; the `+` and `-` operators round its lowest digits away from zero.
//! * **Exponents outside the `i32` range.** `1e4294967297` is refused with
//!   [`QuantityLimit::ExponentRange`]; Go truncates the exponent to 32 bits (and reads it as
//!   `1e1`). So is a value whose exponent leaves the `i32` range once its trailing zeros are
//!   counted in, which Go renders with a wrapped exponent.
//! * **Decimal SI beyond `E`.** `1000E` renders as `1e21`; Go has no suffix for 10^21 and
//!   renders the mantissa alone (`1`), a different value.
//! * **Binary SI beyond `Ei`.** An integer divisible by 1024^7 (only arithmetic or
//!   [`Quantity::with_format`] make one: parsing caps binary SI at 2^63 - 1) renders with `Ei`
//!   (`1024Ei`); Go has no larger suffix and renders the mantissa alone (`1`). Above 10^1000
//!   such an integer renders in decimal SI, where Go writes out every digit.
//! * **Integer conversions.** [`Quantity::value`], [`Quantity::milli_value`] and
//!   [`Quantity::scaled_value`] saturate at the `i64` range where Go's overflow wraps, and round
//!   a negative non-integer away from zero always; Go does so for a quantity it holds as an
//!   `int64`, but for one it holds as `inf.Dec` it returns the truncated value plus one
//!   (`-1.5` gives `0`, `-0.5` gives `1`).
//!
//! Everything else — accepted syntax, the value (binary-SI values capped at 2^63 - 1 after
//! rounding up to nano precision, as Go multiplies first and caps after), canonical rendering,
//! comparison and exact arithmetic — is Go's.
//!
//! ```
//! use k8s_apimachinery::{Format, Quantity};
//!
//! let q: Quantity = "1.5Gi".parse()?;
//! assert_eq!(q.to_string(), "1536Mi");
//! assert_eq!(q.value(), 1_610_612_736);
//! assert_eq!(q.format(), Format::BinarySI);
//!
//! let cpu: Quantity = "0.25".parse()?;
//! assert_eq!(cpu.to_string(), "250m");
//! assert_eq!(cpu.milli_value(), 250);
//! assert!(cpu < "1".parse()?);
//! assert_eq!("1Ki".parse::<Quantity>()?, "1024".parse()?);
//!
//! let sum = "1Gi".parse::<Quantity>()? + "512Mi".parse()?;
//! assert_eq!(sum.to_string(), "1536Mi");
//!
//! assert!("1.1.M".parse::<Quantity>().is_err());
//! # Ok::<(), k8s_apimachinery::Error>(())
//! ```

mod dec;
mod format;
mod parse;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;
use dec::{Dec, MAX_DIGITS};

/// A limit of k8s-rs's quantities that Go's does not have; see "Differences from Go" in the
/// [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum QuantityLimit {
    /// The value needs more than 38 significant decimal digits at nano precision.
    SignificantDigits,
    /// The decimal exponent is outside the `i32` range.
    ExponentRange,
}

impl fmt::Display for QuantityLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityLimit::SignificantDigits => {
                "the value needs more than 38 significant digits at nano precision"
            }
            QuantityLimit::ExponentRange => "the decimal exponent is outside the i32 range",
        })
    }
}

/// The suffix family a [`Quantity`] renders in (`resource.Format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// `e3`, `E-6`, ...
    DecimalExponent,
    /// `Ki`, `Mi`, ... `Ei`.
    BinarySI,
    /// `n`, `u`, `m`, `k`, `M`, ... `E`.
    #[default]
    DecimalSI,
}

/// A fixed-point quantity with a unit suffix; see the [module docs](self).
///
/// 40 bytes: the 128-bit mantissa is held as two 64-bit halves so that the struct is 8-byte
/// aligned (an `i128` field would round it up to 64 bytes), and the input string is kept only
/// when it differs from the canonical rendering.
#[derive(Clone, Default)]
pub struct Quantity {
    /// The mantissa's low and high 64 bits (see [`Quantity::dec`]).
    lo: u64,
    hi: i64,
    e: i32,
    format: Format,
    /// The input string, when apimachinery would keep it as the rendering and it differs from
    /// the canonical one (`+1`, `1.G`).
    cached: Option<Box<str>>,
}

impl Default for Dec {
    fn default() -> Self {
        Dec::ZERO
    }
}

impl Quantity {
    /// Parses a quantity string (same as `str::parse`).
    pub fn parse(s: &str) -> Result<Self, Error> {
        parse::parse(s)
    }

    /// `value` in `format` (`resource.NewQuantity`).
    pub fn new(value: i64, format: Format) -> Self {
        Self::from_dec(
            Dec {
                m: i128::from(value),
                e: 0,
            },
            format,
        )
    }

    /// `value / 1000` in `format` (`resource.NewMilliQuantity`).
    pub fn from_milli(value: i64, format: Format) -> Self {
        Self::from_dec(
            Dec {
                m: i128::from(value),
                e: -3,
            },
            format,
        )
    }

    /// `value × 10^scale`, decimal SI (`resource.NewScaledQuantity`).
    pub fn from_scaled(value: i64, scale: i32) -> Self {
        Self::from_dec(
            Dec {
                m: i128::from(value),
                e: scale,
            },
            Format::DecimalSI,
        )
    }

    fn from_dec(dec: Dec, format: Format) -> Self {
        Self::with_cache(dec, format, None)
    }

    fn with_cache(dec: Dec, format: Format, cached: Option<Box<str>>) -> Self {
        let dec = if dec.m == 0 { Dec::ZERO } else { dec };
        Self {
            // Truncation intended: the two halves of the mantissa, joined again in `dec`.
            lo: dec.m as u64,
            hi: (dec.m >> 64) as i64,
            e: dec.e,
            format,
            cached,
        }
    }

    fn dec(&self) -> Dec {
        Dec {
            m: (i128::from(self.hi) << 64) | i128::from(self.lo),
            e: self.e,
        }
    }

    /// The suffix family.
    pub fn format(&self) -> Format {
        self.format
    }

    /// `true` for zero.
    pub fn is_zero(&self) -> bool {
        self.dec().is_zero()
    }

    /// -1, 0 or 1.
    pub fn signum(&self) -> i32 {
        self.dec().m.signum() as i32
    }

    /// The value as an `i64` if it is an integer that fits (`AsInt64`, without the
    /// representation-dependent failures).
    pub fn as_i64(&self) -> Option<i64> {
        self.dec().exact_i64()
    }

    /// The value rounded up (away from zero) to an integer, saturating (`Value`).
    pub fn value(&self) -> i64 {
        self.dec().scaled_i64(0)
    }

    /// The value in thousandths, rounded up, saturating (`MilliValue`).
    pub fn milli_value(&self) -> i64 {
        self.dec().scaled_i64(-3)
    }

    /// The value in units of `10^scale`, rounded up, saturating (`ScaledValue`).
    pub fn scaled_value(&self, scale: i32) -> i64 {
        self.dec().scaled_i64(scale)
    }

    /// The nearest `f64` (`AsApproximateFloat64`, but correctly rounded).
    pub fn as_f64(&self) -> f64 {
        self.dec().to_f64()
    }

    /// The exact value as `(mantissa, exponent)`: `mantissa × 10^exponent`, normalized.
    pub fn as_decimal(&self) -> (i128, i32) {
        let n = self.dec().normalized();
        (n.m, n.e)
    }

    /// The canonical rendering, ignoring a kept input string.
    pub fn canonical(&self) -> String {
        let mut s = String::with_capacity(16);
        // Writing to a String cannot fail.
        let _ = format::canonical(&mut s, &self.dec(), self.format);
        s
    }

    /// The same value rendered in another format.
    pub fn with_format(&self, format: Format) -> Self {
        Self::from_dec(self.dec(), format)
    }

    /// `self × k`, `None` on overflow (`Mul`).
    pub fn checked_mul(&self, k: i64) -> Option<Self> {
        Some(Self::from_dec(self.dec().mul_int(k)?, self.format))
    }

    /// The exact sum (`Add`), or [`Error::QuantityBeyondLimit`] when it needs more than 38
    /// significant digits (where `+` rounds).
    pub fn checked_add(&self, other: &Quantity) -> Result<Quantity, Error> {
        self.exact(other, other.dec(), "+")
    }

    /// The exact difference (`Sub`), or [`Error::QuantityBeyondLimit`] when it needs more than
    /// 38 significant digits (where `-` rounds).
    pub fn checked_sub(&self, other: &Quantity) -> Result<Quantity, Error> {
        self.exact(other, other.dec().neg(), "-")
    }

    fn exact(&self, other: &Quantity, rhs: Dec, op: &str) -> Result<Quantity, Error> {
        match self.dec().add_exact(rhs) {
            (dec, true) => Ok(self.combine(other, dec)),
            (_, false) => Err(Error::QuantityBeyondLimit {
                input: format!("{self} {op} {other}"),
                limit: QuantityLimit::SignificantDigits,
            }),
        }
    }

    fn combine(&self, other: &Quantity, dec: Dec) -> Quantity {
        // A zero left-hand side takes the other operand's format, as apimachinery does.
        let format = if self.is_zero() {
            other.format
        } else {
            self.format
        };
        Self::from_dec(dec, format)
    }
}

impl FromStr for Quantity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        parse::parse(s)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cached {
            Some(s) => f.write_str(s),
            None => format::canonical(f, &self.dec(), self.format),
        }
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quantity({self})")
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.dec() == other.dec()
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.dec().cmp(&other.dec())
    }
}

impl std::hash::Hash for Quantity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.dec().hash(state);
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;

    /// The exact sum (rounded away from zero only beyond 38 significant digits).
    fn add(self, rhs: Quantity) -> Quantity {
        self.combine(&rhs, self.dec().add(rhs.dec()))
    }
}

impl std::ops::Sub for Quantity {
    type Output = Quantity;

    /// The exact difference (rounded away from zero only beyond 38 significant digits).
    fn sub(self, rhs: Quantity) -> Quantity {
        self.combine(&rhs, self.dec().add(rhs.dec().neg()))
    }
}

impl std::ops::AddAssign for Quantity {
    fn add_assign(&mut self, rhs: Quantity) {
        *self = self.combine(&rhs, self.dec().add(rhs.dec()));
    }
}

impl std::ops::SubAssign for Quantity {
    fn sub_assign(&mut self, rhs: Quantity) {
        *self = self.combine(&rhs, self.dec().add(rhs.dec().neg()));
    }
}

impl std::ops::Neg for Quantity {
    type Output = Quantity;

    fn neg(self) -> Quantity {
        Self::from_dec(self.dec().neg(), self.format)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.cached {
            Some(c) => s.serialize_str(c),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Quantity {
    /// Accepts a string (surrounding whitespace trimmed, as Go does), a JSON number, or `null`
    /// (zero).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity string such as \"100m\" or \"1Gi\", or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quantity, E> {
                v.trim().parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quantity, E> {
                v.to_string().parse().map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quantity, E> {
                v.to_string().parse().map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Quantity, E> {
                if !v.is_finite() {
                    return Err(E::custom("quantity must be finite"));
                }
                // Rust prints floats without an exponent, which always parses.
                format!("{v}").parse().map_err(E::custom)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Quantity, E> {
                Ok(Quantity::default())
            }
        }
        d.deserialize_any(V)
    }
}
