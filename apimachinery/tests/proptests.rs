//! Property tests: parse → render → parse is the identity for Quantity and selectors, and no
//! input makes a parser panic.

use std::collections::BTreeMap;

use k8s_apimachinery::selector::{FieldSelector, Selector};
use k8s_apimachinery::{Duration, Quantity, Time};
use proptest::prelude::*;

fn quantity_string() -> impl Strategy<Value = String> {
    let suffix = prop::sample::select(vec![
        "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3",
        "E-3", "e0", "e+6", "e-9", "e12",
    ]);
    (
        prop::sample::select(vec!["", "-", "+"]),
        "[0-9]{0,12}",
        prop::option::of("[0-9]{0,10}"),
        suffix,
    )
        .prop_map(|(sign, int, frac, suffix)| {
            let mut s = format!("{sign}{int}");
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            s.push_str(suffix);
            s
        })
}

fn label_key() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            "([a-z0-9]{1,4}\\.)?[a-z0-9]{1,5}/",
            "[A-Za-z0-9]([-A-Za-z0-9_.]{0,6}[A-Za-z0-9])?"
        )
            .prop_map(|(p, n)| format!("{p}{n}")),
        "[a-z][a-z0-9]{0,6}",
    ]
}

fn label_value() -> impl Strategy<Value = String> {
    "([A-Za-z0-9]([-A-Za-z0-9_.]{0,6}[A-Za-z0-9])?)?"
}

fn requirement() -> impl Strategy<Value = String> {
    (
        label_key(),
        0..7usize,
        prop::collection::vec(label_value(), 1..4),
        0i64..1000, // "-1" is not a valid label value, so apimachinery rejects `k<-1` too
    )
        .prop_map(|(k, op, vals, n)| match op {
            0 => format!("{k}={}", vals[0]),
            1 => format!("{k}=={}", vals[0]),
            2 => format!("{k}!={}", vals[0]),
            3 => format!("{k} in ({})", vals.join(",")),
            4 => format!("{k} notin ({})", vals.join(", ")),
            5 => format!("!{k}"),
            _ => {
                if n % 2 == 0 {
                    format!("{k}>{n}")
                } else {
                    format!("{k}<{n}")
                }
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn quantity_round_trip(s in quantity_string()) {
        if let Ok(q) = s.parse::<Quantity>() {
            let rendered = q.to_string();
            let again: Quantity = rendered.parse().unwrap();
            prop_assert_eq!(&again, &q, "{} -> {}", s, rendered);
            // The canonical form is a fixed point.
            let canon = q.canonical();
            let c2: Quantity = canon.parse().unwrap();
            prop_assert_eq!(c2.canonical(), canon);
            let json = serde_json::to_string(&q).unwrap();
            let back: Quantity = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, q);
        }
    }

    #[test]
    fn quantity_arithmetic_is_consistent(a in quantity_string(), b in quantity_string()) {
        if let (Ok(a), Ok(b)) = (a.parse::<Quantity>(), b.parse::<Quantity>()) {
            // Sums are exact while they need at most 38 significant digits.
            let span = |q: &Quantity| {
                let (m, e) = q.as_decimal();
                let digits = if m == 0 { 0 } else { m.unsigned_abs().ilog10() as i64 + 1 };
                (i64::from(e), i64::from(e) + digits)
            };
            let ((lo_a, hi_a), (lo_b, hi_b)) = (span(&a), span(&b));
            prop_assume!(hi_a.max(hi_b) + 1 - lo_a.min(lo_b) <= 37);
            let sum = a.clone() + b.clone();
            prop_assert_eq!(sum.clone() - b.clone(), a.clone());
            prop_assert_eq!(a.cmp(&b), (a.clone() - b.clone()).signum().cmp(&0));
        }
    }

    #[test]
    fn label_selector_round_trip(reqs in prop::collection::vec(requirement(), 0..5)) {
        let input = reqs.join(",");
        let sel: Selector = input.parse().map_err(|e| TestCaseError::fail(format!("{input}: {e}")))?;
        let rendered = sel.to_string();
        let again: Selector = rendered.parse().unwrap();
        prop_assert_eq!(&again, &sel, "{} -> {}", input, rendered);
        prop_assert_eq!(again.to_string(), rendered);
    }

    #[test]
    fn label_selector_matching_survives_round_trip(
        reqs in prop::collection::vec(requirement(), 0..4),
        labels in prop::collection::btree_map(label_key(), label_value(), 0..5),
    ) {
        let sel: Selector = reqs.join(",").parse().unwrap();
        let again: Selector = sel.to_string().parse().unwrap();
        prop_assert_eq!(sel.matches(&labels), again.matches(&labels));
    }

    #[test]
    fn field_selector_round_trip(terms in prop::collection::vec(("[a-z.]{1,8}", "(!=|==|=)", "[a-z,=\\\\ ]{0,6}"), 0..4)) {
        let sel = terms.iter().fold(FieldSelector::everything(), |s, (f, op, v)| {
            if op == "!=" { s.and_not_equals(f.clone(), v.clone()) } else { s.and_equals(f.clone(), v.clone()) }
        });
        let rendered = sel.to_string();
        let again: FieldSelector = rendered.parse().unwrap();
        let fields: BTreeMap<String, String> = terms.iter().map(|(f, _, v)| (f.clone(), v.clone())).collect();
        prop_assert_eq!(again.matches(&fields), sel.matches(&fields));
        prop_assert_eq!(again.to_string().parse::<FieldSelector>().unwrap(), again);
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,40}") {
        let _ = s.parse::<Quantity>();
        let _ = s.parse::<Selector>();
        let _ = s.parse::<FieldSelector>();
        let _ = s.parse::<Duration>();
        let _ = s.parse::<Time>();
        let _ = s.parse::<k8s_apimachinery::GroupVersion>();
        let _ = s.parse::<k8s_apimachinery::GroupVersionKind>();
    }

    #[test]
    fn parsers_never_panic_on_near_misses(s in "[-+0-9.eEinumkKMGTP ()!=<>,a-z/\\\\]{0,24}") {
        let _ = s.parse::<Quantity>();
        let _ = s.parse::<Selector>();
        let _ = s.parse::<FieldSelector>();
        let _ = s.parse::<Duration>();
    }

    #[test]
    fn duration_round_trip(n in any::<i64>()) {
        let d = Duration::from_nanos(n);
        let back: Duration = d.to_string().parse().unwrap();
        prop_assert_eq!(back, d);
    }
}
