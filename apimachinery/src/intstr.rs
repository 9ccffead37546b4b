//! [`IntOrString`]: a field that holds either an integer or a string (`intstr.IntOrString`).
//!
//! Difference from Go: the JSON number `-0` is refused (serde_json reads it as the float
//! `-0.0`, which Go refuses like any other float); Go reads it as `0`.
//!
//! Ports (`targetPort: 8080` or `targetPort: http`) and surge/unavailable budgets
//! (`maxSurge: 1` or `maxSurge: "25%"`) use it. On the wire it is an untagged JSON number or
//! string.
//!
//! ```
//! use k8s_apimachinery::IntOrString;
//!
//! let a: IntOrString = serde_json::from_str("8080")?;
//! let b: IntOrString = serde_json::from_str(r#""25%""#)?;
//! assert_eq!(a, IntOrString::Int(8080));
//! assert_eq!(b.scaled_value(10, true), Some(3)); // 25% of 10, rounded up
//! assert_eq!(serde_json::to_string(&b)?, r#""25%""#);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An integer or a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IntOrString {
    /// A 32-bit integer.
    Int(i32),
    /// A string (a port name, a percentage such as `"25%"`, ...).
    String(String),
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl IntOrString {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i32> {
        match self {
            IntOrString::Int(i) => Some(*i),
            IntOrString::String(_) => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            IntOrString::Int(_) => None,
            IntOrString::String(s) => Some(s),
        }
    }

    /// Resolves an absolute value or a percentage of `total`, like
    /// `intstr.GetScaledValueFromIntOrPercent`: integers are returned as is, `"N%"` (`N` as
    /// `strconv.Atoi` reads it) is `N * total / 100` rounded up or down, computed in `f64` as Go
    /// computes it. Other strings give `None`, and so does a result outside the `i64` range
    /// (where Go's conversion from `float64` overflows).
    pub fn scaled_value(&self, total: i64, round_up: bool) -> Option<i64> {
        match self {
            IntOrString::Int(i) => Some(i64::from(*i)),
            IntOrString::String(s) => {
                let pct: i64 = s.strip_suffix('%')?.parse().ok()?;
                // Go: int(math.Ceil(float64(value) * float64(total) / 100)), or Floor; the
                // integer conversions to f64 round to nearest as Go's do.
                let v = pct as f64 * total as f64 / 100.0;
                let v = if round_up { v.ceil() } else { v.floor() };
                // 2^63 is exactly representable; everything below it converts exactly.
                (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0)
                    .contains(&v)
                    .then_some(v as i64)
            }
        }
    }
}

impl From<i32> for IntOrString {
    fn from(i: i32) -> Self {
        IntOrString::Int(i)
    }
}

impl From<&str> for IntOrString {
    fn from(s: &str) -> Self {
        IntOrString::String(s.to_owned())
    }
}

impl From<String> for IntOrString {
    fn from(s: String) -> Self {
        IntOrString::String(s)
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i32(*i),
            IntOrString::String(v) => s.serialize_str(v),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a 32-bit integer or a string")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("integer {v} out of range for int32")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i32::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("integer {v} out of range for int32")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v.to_owned()))
            }
            /// `null` where a value is required reads as `0`, as Go's `UnmarshalJSON` reads it
            /// (an `Option<IntOrString>` field takes `null` as `None` before this).
            fn visit_unit<E: serde::de::Error>(self) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(0))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_forms() {
        for (json, v) in [
            ("0", IntOrString::Int(0)),
            ("-3", IntOrString::Int(-3)),
            ("\"http\"", IntOrString::from("http")),
            ("\"8080\"", IntOrString::from("8080")),
        ] {
            assert_eq!(serde_json::from_str::<IntOrString>(json).unwrap(), v);
            assert_eq!(serde_json::to_string(&v).unwrap(), json);
        }
        assert!(serde_json::from_str::<IntOrString>("2147483648").is_err());
        assert!(serde_json::from_str::<IntOrString>("1.5").is_err());
        // Go reads `null` as 0; an optional field reads it as unset.
        assert_eq!(
            serde_json::from_str::<IntOrString>("null").unwrap(),
            IntOrString::Int(0)
        );
        assert_eq!(
            serde_json::from_str::<Option<IntOrString>>("null").unwrap(),
            None
        );
    }

    #[test]
    fn scaled_values() {
        // From intstr's GetScaledValueFromIntOrPercent tests.
        let cases = [
            (IntOrString::Int(123), 0, false, Some(123)),
            (IntOrString::from("90%"), 100, true, Some(90)),
            (IntOrString::from("90%"), 95, true, Some(86)),
            (IntOrString::from("90%"), 95, false, Some(85)),
            (IntOrString::from("%"), 0, false, None),
            (IntOrString::from("90#"), 0, false, None),
            (IntOrString::from("#%"), 0, false, None),
            (IntOrString::from("90"), 100, false, None),
            (IntOrString::from("+90%"), 10, false, Some(9)),
            (IntOrString::from("-90%"), 15, true, Some(-13)),
            (IntOrString::from("-90%"), 15, false, Some(-14)),
            // Large: computed in f64 as Go does, no overflow panic.
            (
                IntOrString::from("200%"),
                3_000_000_000,
                false,
                Some(6_000_000_000),
            ),
            (
                IntOrString::from("9223372036854775807%"),
                2147483647,
                true,
                None,
            ),
            (
                IntOrString::from("9007199254740993%"),
                100,
                false,
                Some(9007199254740992),
            ),
        ];
        for (v, total, up, want) in cases {
            assert_eq!(v.scaled_value(total, up), want, "{v} of {total}");
        }
    }
}
