//! Our answers, in the oracle's shape (a list of strings per case), each field marked with the
//! documented difference from Go that may make it differ, if any (see "Differences from Go" in
//! the crate docs).

use std::collections::BTreeMap;

use k8s_apimachinery::quantity::QuantityLimit;
use k8s_apimachinery::selector::{FieldSelector, Selector};
use k8s_apimachinery::validation;
use k8s_apimachinery::{Duration, Error, Format, IntOrString, MicroTime, Quantity, Time};
use serde_json::Value;

/// A documented difference from Go, excluded from the comparison where our side says it
/// applies.
#[derive(Debug)]
pub struct Exclusion {
    pub name: &'static str,
    /// Whether Go's answer may still be the same (Go's is then unspecified, e.g. an overflow);
    /// for the others an excluded field that agrees means the exclusion is wrong, and fails.
    pub may_coincide: bool,
}

pub static BEYOND_DIGITS: Exclusion = Exclusion {
    name: "quantity needs more than 38 significant digits (typed error)",
    may_coincide: false,
};
pub static BEYOND_EXPONENT: Exclusion = Exclusion {
    name: "quantity exponent outside i32 (typed error)",
    may_coincide: false,
};
pub static SUM_BEYOND_DIGITS: Exclusion = Exclusion {
    name: "sum/difference needs more than 38 significant digits (typed error from checked_add/checked_sub)",
    may_coincide: false,
};
pub static DECIMAL_SI_BEYOND_E: Exclusion = Exclusion {
    name: "decimal SI beyond E renders with an exponent (Go drops it)",
    may_coincide: false,
};
pub static BINARY_SI_BEYOND_EI: Exclusion = Exclusion {
    name: "binary SI divisible by 1024^7 renders with Ei (Go drops the suffix)",
    may_coincide: false,
};
pub static BINARY_SI_HUGE: Exclusion = Exclusion {
    name: "binary SI integer above 10^1000 renders in decimal SI (Go writes every digit)",
    may_coincide: false,
};
pub static TIME_RANGE: Exclusion = Exclusion {
    name: "time beyond jiff's range (typed TimeOutOfRange)",
    may_coincide: false,
};
pub static SATURATES: Exclusion = Exclusion {
    name: "Value/MilliValue outside the i64 range saturate (Go overflows)",
    may_coincide: true,
};
pub static BIG_NEGATIVE: Exclusion = Exclusion {
    name: "Value/MilliValue of a negative non-integer or below -2^63/10^9 (Go's inf.Dec path: truncated + 1, or overflowed)",
    may_coincide: true,
};

pub static SCALED_OVERFLOW: Exclusion = Exclusion {
    name: "percentage of a total beyond the i64 range is None (Go's float64-to-int conversion overflows)",
    may_coincide: false,
};

pub static MINUS_ZERO: Exclusion = Exclusion {
    name: "IntOrString JSON -0 is refused (serde_json reads a float)",
    may_coincide: false,
};

/// One field of an answer.
pub struct Field {
    pub value: String,
    pub excluded: Option<&'static Exclusion>,
}

fn f(value: impl Into<String>) -> Field {
    Field {
        value: value.into(),
        excluded: None,
    }
}

fn x(value: impl Into<String>, why: &'static Exclusion) -> Field {
    Field {
        value: value.into(),
        excluded: Some(why),
    }
}

fn limit_exclusion(e: &Error) -> Option<&'static Exclusion> {
    match e {
        Error::QuantityBeyondLimit {
            limit: QuantityLimit::SignificantDigits,
            ..
        } => Some(&BEYOND_DIGITS),
        Error::QuantityBeyondLimit {
            limit: QuantityLimit::ExponentRange,
            ..
        } => Some(&BEYOND_EXPONENT),
        _ => None,
    }
}

fn rendering(q: &Quantity) -> Field {
    let s = q.to_string();
    let (m, e) = q.as_decimal();
    let binary_integer =
        q.format() == Format::BinarySI && e >= 0 && q.clone().abs_cmp_1024().is_ge();
    if binary_integer && e > 1000 {
        x(s, &BINARY_SI_HUGE)
    } else if binary_integer && i64::from(m.trailing_zeros()) + i64::from(e) >= 70 {
        x(s, &BINARY_SI_BEYOND_EI)
    } else if q.format() == Format::DecimalSI && s.contains('e') {
        x(s, &DECIMAL_SI_BEYOND_E)
    } else {
        f(s)
    }
}

trait AbsCmp {
    fn abs_cmp_1024(self) -> std::cmp::Ordering;
}

impl AbsCmp for Quantity {
    /// |q| compared with 1024.
    fn abs_cmp_1024(self) -> std::cmp::Ordering {
        let q = if self.signum() < 0 { -self } else { self };
        q.cmp(&Quantity::new(1024, Format::DecimalSI))
    }
}

/// `Value()` or `MilliValue()` (`milli`), with the exclusion that applies to it.
fn integer(q: &Quantity, milli: bool) -> Field {
    let (v, max, min, scale) = if milli {
        (
            q.milli_value(),
            Quantity::from_milli(i64::MAX, Format::DecimalSI),
            Quantity::from_milli(i64::MIN, Format::DecimalSI),
            -3,
        )
    } else {
        (
            q.value(),
            Quantity::new(i64::MAX, Format::DecimalSI),
            Quantity::new(i64::MIN, Format::DecimalSI),
            0,
        )
    };
    if *q > max || *q < min {
        return x(v.to_string(), &SATURATES);
    }
    if q.signum() < 0 {
        let (_, e) = q.as_decimal();
        // Go holds it as nano-scaled big integer: below -2^63 nano units its int64 fast path
        // overflows; a fraction at the scale rounds the other way.
        let nano_floor = Quantity::from_scaled(i64::MIN, -9);
        if e < scale || *q < nano_floor {
            return x(v.to_string(), &BIG_NEGATIVE);
        }
    }
    f(v.to_string())
}

pub fn quantity(s: &str) -> Vec<Field> {
    match s.parse::<Quantity>() {
        Err(e) => match limit_exclusion(&e) {
            Some(why) => vec![x("err", why)],
            None => vec![f("err")],
        },
        Ok(q) => vec![
            f("ok"),
            rendering(&q),
            integer(&q, false),
            integer(&q, true),
            f(format!("{:?}", q.format())),
        ],
    }
}

pub fn quantity_pair(a: &str, b: &str) -> Vec<Field> {
    let (a, b) = match (a.parse::<Quantity>(), b.parse::<Quantity>()) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            // Excluded only when every failure is one of our limits (Go accepts both then).
            let errors = [a.err(), b.err()];
            let whys: Vec<Option<&'static Exclusion>> =
                errors.iter().flatten().map(limit_exclusion).collect();
            return match whys.iter().all(Option::is_some) {
                true => vec![x("err", whys[0].unwrap())],
                false => vec![f("err")],
            };
        }
    };
    let result = |r: Result<Quantity, Error>| match r {
        Ok(q) => rendering(&q),
        Err(e) => {
            assert!(
                matches!(limit_exclusion(&e), Some(w) if std::ptr::eq(w, &BEYOND_DIGITS)),
                "{e}"
            );
            x(format!("{e}"), &SUM_BEYOND_DIGITS)
        }
    };
    vec![
        f("ok"),
        f((a.cmp(&b) as i8).to_string()),
        result(a.checked_add(&b)),
        result(a.checked_sub(&b)),
    ]
}

fn bits(
    sets: &[BTreeMap<String, String>],
    matches: impl Fn(&BTreeMap<String, String>) -> bool,
) -> String {
    sets.iter()
        .map(|s| if matches(s) { '1' } else { '0' })
        .collect()
}

pub fn label_selector(s: &str, sets: &[BTreeMap<String, String>]) -> Vec<Field> {
    match s.parse::<Selector>() {
        Err(_) => vec![f("err")],
        Ok(sel) => vec![
            f("ok"),
            f(sel.to_string()),
            f(bits(sets, |m| sel.matches(m))),
        ],
    }
}

pub fn field_selector(s: &str, sets: &[BTreeMap<String, String>]) -> Vec<Field> {
    match s.parse::<FieldSelector>() {
        Err(_) => vec![f("err")],
        Ok(sel) => vec![
            f("ok"),
            f(sel.to_string()),
            f(bits(sets, |m| sel.matches(m))),
        ],
    }
}

pub fn names(s: &str) -> Vec<Field> {
    [
        validation::is_qualified_name(s),
        validation::is_valid_label_value(s),
        validation::is_dns1123_label(s),
        validation::is_dns1123_subdomain(s),
        validation::is_valid_path_segment_name(s),
        validation::is_valid_path_segment_prefix(s),
    ]
    .into_iter()
    .map(|errs| f(errs.join("\n")))
    .collect()
}

fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(s: &str) -> Field {
    match serde_json::from_value::<T>(Value::String(s.to_owned())) {
        Ok(v) => f(serde_json::to_string(&v).unwrap()),
        Err(_) => f("err"),
    }
}

fn time_field<T>(s: &str) -> Field
where
    T: std::str::FromStr<Err = Error> + serde::de::DeserializeOwned + serde::Serialize,
{
    match s.parse::<T>() {
        Err(Error::TimeOutOfRange { .. }) => x("err", &TIME_RANGE),
        _ => round_trip::<T>(s),
    }
}

pub fn times(s: &str) -> Vec<Field> {
    vec![time_field::<Time>(s), time_field::<MicroTime>(s)]
}

pub fn int_or_string(json: &str, total: i64, up: bool) -> Vec<Field> {
    if json == "-0" {
        return vec![x("err", &MINUS_ZERO), x("err", &MINUS_ZERO)];
    }
    let Ok(v) = serde_json::from_str::<IntOrString>(json) else {
        return vec![f("err"), f("err")];
    };
    let percentage = v
        .as_str()
        .and_then(|s| s.strip_suffix('%'))
        .is_some_and(|n| n.parse::<i64>().is_ok());
    let scaled = match v.scaled_value(total, up) {
        Some(n) => f(n.to_string()),
        None if percentage => x("err", &SCALED_OVERFLOW),
        None => f("err"),
    };
    vec![f(serde_json::to_string(&v).unwrap()), scaled]
}

pub fn duration(s: &str) -> Vec<Field> {
    vec![round_trip::<Duration>(s)]
}
