//! The structural schema of a custom resource's version (`openAPIV3Schema`), applied as
//! apiextensions-apiserver applies it on every write: unknown fields pruned (except under
//! `x-kubernetes-preserve-unknown-fields` and the `apiVersion`/`kind`/`metadata` of the root
//! and of embedded resources), nulls of non-nullable fields dropped, `default`s filled in, then
//! the OpenAPI rules checked, each failure worded as the real server's (`spec.size in body
//! should be less than or equal to 10`).
//!
//! Checked: `type` (with `x-kubernetes-int-or-string`, `nullable`, the `int32`/`int64`,
//! `date-time` and `byte` formats), `required`, `enum`, `minimum`/`maximum` (exclusive too),
//! `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems` and
//! `minProperties`/`maxProperties`. Not checked: CEL rules (`x-kubernetes-validations`),
//! `multipleOf`, `uniqueItems`, other formats, and `allOf`/`anyOf`/`oneOf`/`not`.

use serde_json::{Map, Value};

use crate::status::Cause;

/// Prunes and defaults `obj` (a whole custom resource) by `schema`.
pub(crate) fn prune_and_default(schema: &Value, obj: &mut Value) {
    walk(schema, obj, true);
}

fn walk(schema: &Value, v: &mut Value, root: bool) {
    match v {
        Value::Object(m) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
            let embedded = flag(schema, "x-kubernetes-embedded-resource");
            m.retain(|k, val| {
                let known = props.is_some_and(|p| p.contains_key(k))
                    || additional.is_some()
                    || preserve
                    || ((root || embedded)
                        && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"));
                let sub = props.and_then(|p| p.get(k)).or(additional);
                let null_dropped = val.is_null() && !sub.is_some_and(|s| flag(s, "nullable"));
                known && !null_dropped
            });
            if let Some(p) = props {
                for (k, sub) in p {
                    if !m.contains_key(k)
                        && let Some(d) = sub.get("default")
                    {
                        m.insert(k.clone(), d.clone());
                    }
                }
            }
            for (k, val) in m.iter_mut() {
                if let Some(sub) = props.and_then(|p| p.get(k)).or(additional) {
                    walk(sub, val, false);
                }
            }
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for i in items.iter_mut() {
                    walk(sub, i, false);
                }
            }
        }
        _ => {}
    }
}

fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name).and_then(Value::as_bool) == Some(true)
}

/// The failures of `obj` (pruned and defaulted) against `schema`, sorted by field.
pub(crate) fn validate(schema: &Value, obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    if let (Some(props), Value::Object(m)) =
        (schema.get("properties").and_then(Value::as_object), obj)
    {
        // The root's metadata, apiVersion and kind are the server's to check.
        for (k, sub) in props {
            if matches!(k.as_str(), "metadata" | "apiVersion" | "kind") {
                continue;
            }
            if let Some(v) = m.get(k) {
                check(sub, v, k, &mut out);
            }
        }
        required(schema, m, "", &mut out);
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn check(schema: &Value, v: &Value, path: &str, out: &mut Vec<Cause>) {
    if v.is_null() && flag(schema, "nullable") {
        return;
    }
    if !type_ok(schema, v, path, out) {
        return;
    }
    enum_ok(schema, v, path, out);
    match v {
        Value::Number(n) => number_rules(schema, n, path, out),
        Value::String(s) => string_rules(schema, s, path, out),
        Value::Array(items) => {
            count_rules(schema, items.len(), "Items", "items", path, out);
            if let Some(sub) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(sub, item, &format!("{path}[{i}]"), out);
                }
            }
        }
        Value::Object(m) => {
            count_rules(schema, m.len(), "Properties", "properties", path, out);
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, val) in m {
                if let Some(sub) = props.and_then(|p| p.get(k)).or(additional) {
                    check(sub, val, &format!("{path}.{k}"), out);
                }
            }
            required(schema, m, path, out);
        }
        _ => {}
    }
}

fn required(schema: &Value, m: &Map<String, Value>, path: &str, out: &mut Vec<Cause>) {
    for r in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !m.contains_key(r) {
            let field = if path.is_empty() {
                r.to_string()
            } else {
                format!("{path}.{r}")
            };
            out.push(Cause {
                field,
                reason: "FieldValueRequired",
                message: "Required value".into(),
            });
        }
    }
}

/// The name Go's validator gives a JSON value's type.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_ok(schema: &Value, v: &Value, path: &str, out: &mut Vec<Cause>) -> bool {
    let actual = type_name(v);
    let fail = |expected: &str, out: &mut Vec<Cause>| {
        out.push(Cause {
            field: path.to_string(),
            reason: "FieldValueTypeInvalid",
            message: format!(
                "Invalid value: \"{actual}\": {path} in body must be of type {expected}: \"{actual}\""
            ),
        });
        false
    };
    if flag(schema, "x-kubernetes-int-or-string") {
        return matches!(actual, "integer" | "string") || fail("integer or string", out);
    }
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") if actual == "float64" && matches!(format, "int32" | "int64") => {
            fail(format, out)
        }
        Some("integer") if actual != "integer" => fail("integer", out),
        Some("number") if !matches!(actual, "integer" | "float64") => fail("number", out),
        Some("string") if actual != "string" => fail("string", out),
        Some("string") => {
            let s = v.as_str().unwrap_or_default();
            let bad = match format {
                "date-time" => s.parse::<jiff::Timestamp>().is_err(),
                "byte" => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.decode(s).is_err()
                }
                _ => false,
            };
            if bad {
                out.push(Cause {
                    field: path.to_string(),
                    reason: "FieldValueTypeInvalid",
                    message: format!(
                        "Invalid value: \"{s}\": {path} in body must be of type {format}: \"{s}\""
                    ),
                });
                return false;
            }
            true
        }
        Some("boolean") if actual != "boolean" => fail("boolean", out),
        Some("array") if actual != "array" => fail("array", out),
        Some("object") if actual != "object" => fail("object", out),
        _ => true,
    }
}

/// A value as Go's `%v`/`%q` show it in field errors: strings quoted, the rest as JSON
/// (whole floats without a fraction, as Go prints a `float64`).
fn shown(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if v.is_f64() => go_number(x),
        _ => v.to_string(),
    }
}

/// A `float64` as Go's `%v` prints it: `10`, not `10.0`.
fn go_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

fn enum_ok(schema: &Value, v: &Value, path: &str, out: &mut Vec<Cause>) {
    let Some(allowed) = schema.get("enum").and_then(Value::as_array) else {
        return;
    };
    if allowed.contains(v) {
        return;
    }
    let list: Vec<String> = allowed.iter().map(shown).collect();
    out.push(Cause {
        field: path.to_string(),
        reason: "FieldValueNotSupported",
        message: format!(
            "Unsupported value: {}: supported values: {}",
            shown(v),
            list.join(", ")
        ),
    });
}

fn number_rules(schema: &Value, n: &serde_json::Number, path: &str, out: &mut Vec<Cause>) {
    let x = n.as_f64().unwrap_or(0.0);
    let invalid = |why: String, out: &mut Vec<Cause>| {
        out.push(Cause {
            field: path.to_string(),
            reason: "FieldValueInvalid",
            message: format!("Invalid value: {n}: {path} in body {why}"),
        });
    };
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        let max_shown = go_number(max);
        if flag(schema, "exclusiveMaximum") {
            if x >= max {
                invalid(format!("should be less than {max_shown}"), out);
            }
        } else if x > max {
            invalid(format!("should be less than or equal to {max_shown}"), out);
        }
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        let min_shown = go_number(min);
        if flag(schema, "exclusiveMinimum") {
            if x <= min {
                invalid(format!("should be greater than {min_shown}"), out);
            }
        } else if x < min {
            invalid(
                format!("should be greater than or equal to {min_shown}"),
                out,
            );
        }
    }
}

fn string_rules(schema: &Value, s: &str, path: &str, out: &mut Vec<Cause>) {
    let chars = s.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && chars < min
    {
        out.push(Cause {
            field: path.to_string(),
            reason: "FieldValueInvalid",
            message: format!(
                "Invalid value: \"{s}\": {path} in body should be at least {min} chars long"
            ),
        });
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && chars > max
    {
        out.push(Cause {
            field: path.to_string(),
            reason: "FieldValueTooLong",
            message: format!("Too long: may not be more than {max} bytes"),
        });
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
        // A pattern the regex engine refuses would have been refused with the CRD.
        if regex::Regex::new(p).is_ok_and(|re| !re.is_match(s)) {
            out.push(Cause {
                field: path.to_string(),
                reason: "FieldValueInvalid",
                message: format!("Invalid value: \"{s}\": {path} in body should match '{p}'"),
            });
        }
    }
}

/// `minItems`/`maxItems` (`what` = `Items`) and `minProperties`/`maxProperties`.
fn count_rules(schema: &Value, n: usize, what: &str, noun: &str, path: &str, out: &mut Vec<Cause>) {
    if let Some(min) = schema.get(format!("min{what}")).and_then(Value::as_u64)
        && (n as u64) < min
    {
        out.push(Cause {
            field: path.to_string(),
            reason: "FieldValueInvalid",
            message: format!(
                "Invalid value: {n}: {path} in body should have at least {min} {noun}"
            ),
        });
    }
    if let Some(max) = schema.get(format!("max{what}")).and_then(Value::as_u64)
        && (n as u64) > max
    {
        let item = if max == 1 { "item" } else { "items" };
        out.push(Cause {
            field: path.to_string(),
            reason: "FieldValueTooMany",
            message: format!("Too many: {n}: must have at most {max} {item}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["size"],
        "properties": {
            "size": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 10},
            "mode": {"type": "string", "enum": ["fast", "slow"]},
            "d": {"type": "string", "default": "dflt"},
            "o": {"type": "object", "default": {"a": 1},
                  "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 7}}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"},
            "l": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
        }}}})
    }

    #[test]
    fn prunes_unknown_fields_and_nulls_and_fills_defaults() {
        let mut obj = json!({"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "w"},
            "bogus": 1, "spec": {"size": 3, "extra": true, "mode": null,
            "free": {"anything": [1]}}});
        prune_and_default(&schema(), &mut obj);
        assert_eq!(
            obj,
            json!({"apiVersion": "x/v1", "kind": "W", "metadata": {"name": "w"},
                "spec": {"size": 3, "d": "dflt", "o": {"a": 1, "b": 7}, "free": {"anything": [1]}}})
        );
    }

    #[test]
    fn rules_are_worded_as_the_real_server_words_them() {
        let obj = json!({"spec": {"size": 11, "mode": "x", "s": "ABCDE", "l": ["a", "b", "c"]}});
        let got: Vec<(String, &str, String)> = validate(&schema(), &obj)
            .into_iter()
            .map(|c| (c.field, c.reason, c.message))
            .collect();
        let want = [
            (
                "spec.l",
                "FieldValueTooMany",
                "Too many: 3: must have at most 2 items",
            ),
            (
                "spec.mode",
                "FieldValueNotSupported",
                r#"Unsupported value: "x": supported values: "fast", "slow""#,
            ),
            (
                "spec.s",
                "FieldValueTooLong",
                "Too long: may not be more than 4 bytes",
            ),
            (
                "spec.s",
                "FieldValueInvalid",
                r#"Invalid value: "ABCDE": spec.s in body should match '^[a-z]+$'"#,
            ),
            (
                "spec.size",
                "FieldValueInvalid",
                "Invalid value: 11: spec.size in body should be less than or equal to 10",
            ),
        ];
        let want: Vec<(String, &str, String)> = want
            .iter()
            .map(|(f, r, m)| (f.to_string(), *r, m.to_string()))
            .collect();
        assert_eq!(got, want);
        let missing = validate(&schema(), &json!({"spec": {"size": "big"}}));
        assert_eq!(
            missing[0].message,
            r#"Invalid value: "string": spec.size in body must be of type integer: "string""#
        );
        let required = validate(&schema(), &json!({"spec": {}}));
        assert_eq!(
            (required[0].field.as_str(), required[0].message.as_str()),
            ("spec.size", "Required value")
        );
    }
}
