//! Reactors (client-go's `testing.Fake.PrependReactor`): hooks that see each request before the
//! tracker does and may answer it themselves.

use std::sync::Arc;

use serde_json::Value;

use crate::action::Action;
use crate::status::Failure;

/// What a reactor decided.
#[derive(Clone, Debug)]
pub enum Reaction {
    /// Not mine: the next reactor (and finally the tracker) handles the request.
    Pass,
    /// Answer `200 OK` with this object.
    Object(Value),
    /// Answer with this failure (any code: `409 Conflict`, `500`, …).
    Fail(Failure),
}

pub(crate) type ReactionFn = dyn Fn(&Action) -> Reaction + Send + Sync;

/// One reactor: the verb and resource it is for, and its function.
#[derive(Clone)]
pub(crate) struct Reactor {
    pub verb: String,
    pub resource: String,
    pub react: Arc<ReactionFn>,
}

impl Reactor {
    pub(crate) fn react(&self, action: &Action) -> Reaction {
        if action.matches(&self.verb, &self.resource) {
            (self.react)(action)
        } else {
            Reaction::Pass
        }
    }
}
