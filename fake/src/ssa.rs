//! Server-side apply (`application/apply-patch+yaml`).

use std::sync::Arc;

use serde_json::Value;

use crate::handlers::Ctx;
use crate::handlers::write::{self, Target};
use crate::registry::ResourceInfo;
use crate::status::{self, Cause, Failure};

/// Applies `config` for the request's field manager: creates the object when absent, else
/// merges the configuration into it.
pub(crate) fn apply(
    ctx: &Ctx<'_>,
    info: &Arc<ResourceInfo>,
    target: Target,
    config: Value,
) -> Result<(u16, Arc<Value>), Failure> {
    let Some(_manager) = ctx.action.query("fieldManager").filter(|m| !m.is_empty()) else {
        let mut f = status::invalid(
            info,
            ctx.name(),
            vec![Cause {
                field: "fieldManager".into(),
                reason: "FieldValueRequired",
                message: "Required value: is required for apply patch".into(),
            }],
        );
        f.message = "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".into();
        return Err(f);
    };
    let config = write::decode(info, config)?;
    write::write_with(ctx, info, target, None, true, |old| {
        Ok(match old {
            None => config.clone(),
            Some(old) => {
                let mut doc = old.clone();
                json_patch::merge(&mut doc, &config);
                doc
            }
        })
    })
}
