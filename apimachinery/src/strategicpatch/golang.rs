//! How Go sees a decoded JSON value (`interface{}` holding `map[string]interface{}`,
//! `[]interface{}`, `string`, `float64`, `bool` or `nil`): its type, `==`, map-key hashing and
//! `fmt`'s `%v`/`%s` printing, so that results and messages match Go's.

use serde_json::Value;

use super::StrategicMergeError;

/// Go's dynamic type of a decoded JSON value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GoType {
    Nil,
    Map,
    Slice,
    String,
    Float,
    Bool,
}

pub(crate) const MAP_TYPE: &str = "map[string]interface {}";
pub(crate) const SLICE_TYPE: &str = "[]interface {}";

pub(crate) fn go_type(v: &Value) -> GoType {
    match v {
        Value::Null => GoType::Nil,
        Value::Object(_) => GoType::Map,
        Value::Array(_) => GoType::Slice,
        Value::String(_) => GoType::String,
        Value::Number(_) => GoType::Float,
        Value::Bool(_) => GoType::Bool,
    }
}

/// The type's name as `%s` of `reflect.TypeOf(v)` prints it.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match go_type(v) {
        GoType::Nil => "%!s(<nil>)",
        GoType::Map => MAP_TYPE,
        GoType::Slice => SLICE_TYPE,
        GoType::String => "string",
        GoType::Float => "float64",
        GoType::Bool => "bool",
    }
}

/// `mergepatch.ErrBadArgType(expected, actual)`.
pub(crate) fn bad_arg_type(expected: &'static str, actual: &Value) -> StrategicMergeError {
    StrategicMergeError::BadArgType {
        expected,
        actual: type_name(actual),
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_number().and_then(serde_json::Number::as_f64)
}

/// Go's `a == b` on two `interface{}` values: different types are unequal; two maps or two
/// slices can't be compared (Go panics).
pub(crate) fn go_eq(a: &Value, b: &Value) -> Result<bool, StrategicMergeError> {
    Ok(match (a, b) {
        (Value::Object(_), Value::Object(_)) => {
            return Err(StrategicMergeError::Uncomparable {
                type_name: MAP_TYPE,
            });
        }
        (Value::Array(_), Value::Array(_)) => {
            return Err(StrategicMergeError::Uncomparable {
                type_name: SLICE_TYPE,
            });
        }
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(_), Value::Number(_)) => number(a) == number(b),
        _ => false,
    })
}

/// Whether `v` can be a key of a Go map (`map[interface{}]…` panics on maps and slices).
pub(crate) fn check_hashable(v: &Value) -> Result<(), StrategicMergeError> {
    match v {
        Value::Object(_) => Err(StrategicMergeError::Uncomparable {
            type_name: MAP_TYPE,
        }),
        Value::Array(_) => Err(StrategicMergeError::Uncomparable {
            type_name: SLICE_TYPE,
        }),
        _ => Ok(()),
    }
}

/// Go's `reflect.DeepEqual` on decoded JSON (numbers as `float64`).
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| deep_equal(v, w))
        }
        _ => go_eq(a, b).unwrap_or(false),
    }
}

/// A `float64` as `%v` prints it (`%g` with the shortest digits: `80`, `0.5`, `1e+06`).
pub(crate) fn format_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".to_string()
        } else if f > 0.0 {
            "+Inf".to_string()
        } else {
            "-Inf".to_string()
        };
    }
    let sci = format!("{f:e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return f.to_string();
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..6).contains(&exp) {
        // Rust prints these magnitudes in plain decimal with the shortest digits, as Go's %f
        // with the shortest precision does.
        return f.to_string();
    }
    let (sign, digits) = match mantissa.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", mantissa),
    };
    let exp_sign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{digits}e{exp_sign}{:02}", exp.abs())
}

/// `fmt.Sprintf("%v", v)`.
pub(crate) fn format_v(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Verb::V);
    out
}

/// `fmt.Sprintf("%s", v)`.
pub(crate) fn format_s(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Verb::S);
    out
}

/// `fmt.Sprint(slices)` of several lists (`[[a b] [c]]`).
pub(crate) fn format_lists(lists: &[&[Value]]) -> String {
    let mut out = String::from("[");
    for (i, list) in lists.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_list(&mut out, list, Verb::V);
    }
    out.push(']');
    out
}

/// `%v` of a map given as its entries.
pub(crate) fn format_map_v(map: &serde_json::Map<String, Value>) -> String {
    let mut out = String::new();
    write_map(&mut out, map, Verb::V);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    V,
    S,
}

fn write_list(out: &mut String, list: &[Value], verb: Verb) {
    out.push('[');
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(out, item, verb);
    }
    out.push(']');
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, verb: Verb) {
    // Go prints map keys sorted.
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push_str("map[");
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(k);
        out.push(':');
        write_value(out, v, verb);
    }
    out.push(']');
}

fn write_value(out: &mut String, v: &Value, verb: Verb) {
    match (v, verb) {
        (Value::Object(m), _) => write_map(out, m, verb),
        (Value::Array(l), _) => write_list(out, l, verb),
        (Value::String(s), _) => out.push_str(s),
        (Value::Null, Verb::V) => out.push_str("<nil>"),
        (Value::Null, Verb::S) => out.push_str("%!s(<nil>)"),
        (Value::Bool(b), Verb::V) => out.push_str(if *b { "true" } else { "false" }),
        (Value::Bool(b), Verb::S) => out.push_str(&format!("%!s(bool={b})")),
        (Value::Number(_), verb) => {
            let f = format_float(number(v).unwrap_or(0.0));
            if verb == Verb::V {
                out.push_str(&f);
            } else {
                out.push_str(&format!("%!s(float64={f})"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_like_go() {
        for (f, want) in [
            (80.0, "80"),
            (0.5, "0.5"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (1e21, "1e+21"),
            (0.0, "0"),
        ] {
            assert_eq!(format_float(f), want, "{f}");
        }
    }

    #[test]
    fn values_print_like_go() {
        let v = json!({"b": [1, "x", null, true], "a": {"c": 1.5}});
        assert_eq!(format_v(&v), "map[a:map[c:1.5] b:[1 x <nil> true]]");
        assert_eq!(format_s(&json!(5)), "%!s(float64=5)");
        assert_eq!(format_s(&json!("merge")), "merge");
        assert_eq!(format_s(&json!(null)), "%!s(<nil>)");
        assert_eq!(
            format_lists(&[&[json!("a"), json!("b")], &[json!(1)]]),
            "[[a b] [1]]"
        );
    }

    #[test]
    fn equality_is_go_interface_equality() {
        assert!(go_eq(&json!(80), &json!(80.0)).unwrap());
        assert!(!go_eq(&json!("80"), &json!(80)).unwrap());
        assert!(go_eq(&json!(null), &json!(null)).unwrap());
        assert!(!go_eq(&json!({}), &json!("x")).unwrap());
        assert!(go_eq(&json!({}), &json!({})).is_err());
        assert!(go_eq(&json!([]), &json!([])).is_err());
        assert!(deep_equal(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!deep_equal(&json!({"a": [1]}), &json!({"a": [1, 2]})));
    }
}
