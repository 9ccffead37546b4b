//! The few per-kind validation rules the fake enforces beyond names, worded as the real
//! server's: the ones a controller's writes commonly trip over. Everything else the real
//! server validates is accepted (the crate docs list this as a deviation).

use serde_json::Value;

use crate::meta;
use crate::registry::ResourceInfo;
use crate::status::{self, Cause, Failure};

/// Validates a decoded, defaulted object of `info`'s kind.
pub(crate) fn validate(info: &ResourceInfo, obj: &Value) -> Result<(), Failure> {
    let mut causes = Vec::new();
    if info.group == "apps" && info.plural == "deployments" && !info.custom {
        deployment(obj, &mut causes);
    }
    if causes.is_empty() {
        return Ok(());
    }
    Err(status::invalid(
        info,
        meta::name(obj).unwrap_or_default(),
        causes,
    ))
}

fn deployment(obj: &Value, causes: &mut Vec<Cause>) {
    let strategy = obj.pointer("/spec/strategy");
    let kind = strategy
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let rolling = strategy
        .and_then(|s| s.get("rollingUpdate"))
        .is_some_and(|r| !r.is_null());
    if kind == "Recreate" && rolling {
        causes.push(Cause {
            field: "spec.strategy.rollingUpdate".into(),
            reason: "FieldValueForbidden",
            message: "Forbidden: may not be specified when strategy `type` is 'Recreate'".into(),
        });
    }
}
