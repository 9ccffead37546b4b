//! Status conditions (`status.conditions`, `[]metav1.Condition`), with the rules of
//! apimachinery's `meta.SetStatusCondition` and friends.
//!
//! - [`set_status_condition`] adds a condition or updates the one of the same `type`.
//!   `lastTransitionTime` moves only when `status` changes (to the new condition's time when
//!   it has one, else to now), so it says since when the condition has held; `reason`,
//!   `message` and `observedGeneration` are always copied. Returns whether anything changed,
//!   so a controller writes status only then.
//! - [`condition_for`] builds a condition observed at an object's generation.
//! - [`find_status_condition`], [`is_status_condition_true`], [`is_status_condition_false`],
//!   [`is_status_condition_present_and_equal`], [`remove_status_condition`].
//!
//! Set `observed_generation` to the `metadata.generation` you reconciled: a reader then knows
//! whether the condition speaks of the current spec.
//!
//! ```
//! use k8s_apimachinery::Condition;
//! use k8s_controller::conditions::{is_status_condition_true, set_status_condition};
//!
//! let mut conditions = Vec::new();
//! let ready = |status: &str, reason: &str| Condition {
//!     type_: "Ready".into(),
//!     status: status.into(),
//!     reason: reason.into(),
//!     observed_generation: Some(3),
//!     ..Default::default()
//! };
//! assert!(set_status_condition(&mut conditions, ready("False", "Provisioning")));
//! let since = conditions[0].last_transition_time;
//! assert!(!set_status_condition(&mut conditions, ready("False", "Provisioning"))); // no change
//! assert!(set_status_condition(&mut conditions, ready("True", "Provisioned")));
//! assert!(is_status_condition_true(&conditions, "Ready"));
//! assert!(conditions[0].last_transition_time >= since);
//! ```

use k8s_apimachinery::{Condition, HasMetadata, Time};

/// `True`.
pub const CONDITION_TRUE: &str = "True";
/// `False`.
pub const CONDITION_FALSE: &str = "False";
/// `Unknown`.
pub const CONDITION_UNKNOWN: &str = "Unknown";

/// A condition about `obj`: `type_`, `status` (`True`, `False`, `Unknown`), `reason`
/// (CamelCase) and `message`, observed at `obj`'s `metadata.generation` — the generation you
/// reconciled, so readers can tell whether it speaks of the current spec.
/// `last_transition_time` is left for [`set_status_condition`] to fill.
pub fn condition_for<K: HasMetadata + ?Sized>(
    obj: &K,
    type_: &str,
    status: &str,
    reason: &str,
    message: impl Into<String>,
) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: status.to_owned(),
        observed_generation: obj.object_meta().generation,
        last_transition_time: Time::default(),
        reason: reason.to_owned(),
        message: message.into(),
    }
}

fn is_zero(t: &Time) -> bool {
    *t == Time::default()
}

/// Adds `new`, or updates the condition of its type (apimachinery's `meta.SetStatusCondition`);
/// `true` when `conditions` changed. A new condition without `last_transition_time` gets now.
pub fn set_status_condition(conditions: &mut Vec<Condition>, mut new: Condition) -> bool {
    let Some(existing) = conditions.iter_mut().find(|c| c.type_ == new.type_) else {
        if is_zero(&new.last_transition_time) {
            new.last_transition_time = Time::now();
        }
        conditions.push(new);
        return true;
    };
    let mut changed = false;
    if existing.status != new.status {
        existing.status = new.status;
        existing.last_transition_time = if is_zero(&new.last_transition_time) {
            Time::now()
        } else {
            new.last_transition_time
        };
        changed = true;
    }
    if existing.reason != new.reason {
        existing.reason = new.reason;
        changed = true;
    }
    if existing.message != new.message {
        existing.message = new.message;
        changed = true;
    }
    // Go's int64 with omitempty: absent and 0 are the same value.
    if existing.observed_generation.unwrap_or(0) != new.observed_generation.unwrap_or(0) {
        existing.observed_generation = new.observed_generation;
        changed = true;
    }
    changed
}

/// Removes the condition of `type_`; `true` when there was one (`meta.RemoveStatusCondition`).
pub fn remove_status_condition(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.type_ != type_);
    conditions.len() != before
}

/// The condition of `type_` (`meta.FindStatusCondition`).
pub fn find_status_condition<'a>(
    conditions: &'a [Condition],
    type_: &str,
) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Whether the condition of `type_` is present with `status` (`meta.IsStatusConditionPresentAndEqual`).
pub fn is_status_condition_present_and_equal(
    conditions: &[Condition],
    type_: &str,
    status: &str,
) -> bool {
    find_status_condition(conditions, type_).is_some_and(|c| c.status == status)
}

/// Whether the condition of `type_` is `True` (`meta.IsStatusConditionTrue`).
pub fn is_status_condition_true(conditions: &[Condition], type_: &str) -> bool {
    is_status_condition_present_and_equal(conditions, type_, CONDITION_TRUE)
}

/// Whether the condition of `type_` is `False` (`meta.IsStatusConditionFalse`); an absent
/// condition is neither true nor false.
pub fn is_status_condition_false(conditions: &[Condition], type_: &str) -> bool {
    is_status_condition_present_and_equal(conditions, type_, CONDITION_FALSE)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Time {
        let text = format!("2026-01-01T00:{:02}:{:02}Z", (secs / 60) % 60, secs % 60);
        serde_json::from_value(serde_json::Value::String(text)).unwrap()
    }

    fn cond(
        type_: &str,
        status: &str,
        reason: &str,
        message: &str,
        gen_: Option<i64>,
        t: Time,
    ) -> Condition {
        Condition {
            type_: type_.into(),
            status: status.into(),
            reason: reason.into(),
            message: message.into(),
            observed_generation: gen_,
            last_transition_time: t,
        }
    }

    // The cases of apimachinery's TestSetStatusCondition (meta/conditions_test.go).
    #[test]
    fn set_follows_meta_set_status_condition() {
        let (old, new) = (at(100), at(200));
        let base = || {
            vec![
                cond("first", "", "", "", None, Time::default()),
                cond("second", "True", "", "", Some(3), old),
                cond("third", "", "", "", None, Time::default()),
            ]
        };
        // Status changes: the transition time is the new condition's.
        let mut c = base();
        assert!(set_status_condition(
            &mut c,
            cond("second", "False", "", "", Some(3), new)
        ));
        assert_eq!(c[1], cond("second", "False", "", "", Some(3), new));
        // Status the same, reason and message change: the transition time stays.
        let mut c = base();
        assert!(set_status_condition(
            &mut c,
            cond("second", "True", "Because", "Sorry", Some(3), new)
        ));
        assert_eq!(
            c[1],
            cond("second", "True", "Because", "Sorry", Some(3), old)
        );
        // Only the observed generation changes: it is copied, the time stays.
        let mut c = base();
        assert!(set_status_condition(
            &mut c,
            cond("second", "True", "", "", Some(4), new)
        ));
        assert_eq!(c[1], cond("second", "True", "", "", Some(4), old));
        // Nothing changes.
        let mut c = base();
        assert!(!set_status_condition(
            &mut c,
            cond("second", "True", "", "", Some(3), new)
        ));
        assert_eq!(c, base());
        // A new type is appended with its own time.
        let mut c = base();
        assert!(set_status_condition(
            &mut c,
            cond("fourth", "True", "", "", None, new)
        ));
        assert_eq!(c[3], cond("fourth", "True", "", "", None, new));
        // Absent and 0 are the same generation.
        let mut c = vec![cond("x", "True", "", "", None, old)];
        assert!(!set_status_condition(
            &mut c,
            cond("x", "True", "", "", Some(0), new)
        ));
    }

    #[test]
    fn missing_transition_times_become_now() {
        let before = Time::now();
        let mut c = Vec::new();
        set_status_condition(
            &mut c,
            cond("Ready", "False", "", "", None, Time::default()),
        );
        assert!(c[0].last_transition_time >= before);
        c[0].last_transition_time = at(5);
        set_status_condition(&mut c, cond("Ready", "True", "", "", None, Time::default()));
        assert!(c[0].last_transition_time >= before);
    }

    #[test]
    fn condition_for_takes_the_generation() {
        let mut cm = k8s_api::core::v1::ConfigMap::default();
        cm.metadata.generation = Some(7);
        let c = condition_for(&cm, "Ready", "True", "Done", "all good");
        assert_eq!(
            c,
            cond(
                "Ready",
                "True",
                "Done",
                "all good",
                Some(7),
                Time::default()
            )
        );
    }

    #[test]
    fn find_remove_and_predicates() {
        let mut c = vec![
            cond("Ready", "True", "", "", None, at(1)),
            cond("Degraded", "False", "", "", None, at(1)),
            cond("Progressing", "Unknown", "", "", None, at(1)),
        ];
        assert!(is_status_condition_true(&c, "Ready"));
        assert!(!is_status_condition_false(&c, "Ready"));
        assert!(is_status_condition_false(&c, "Degraded"));
        assert!(!is_status_condition_true(&c, "Progressing"));
        assert!(!is_status_condition_false(&c, "Progressing"));
        assert!(!is_status_condition_true(&c, "Missing"));
        assert!(!is_status_condition_false(&c, "Missing"));
        assert!(is_status_condition_present_and_equal(
            &c,
            "Progressing",
            CONDITION_UNKNOWN
        ));
        assert_eq!(
            find_status_condition(&c, "Degraded").map(|c| c.status.as_str()),
            Some("False")
        );
        assert!(remove_status_condition(&mut c, "Degraded"));
        assert!(!remove_status_condition(&mut c, "Degraded"));
        assert_eq!(c.len(), 2);
        assert!(find_status_condition(&c, "Degraded").is_none());
    }
}
