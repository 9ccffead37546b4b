//! Randomized differential test against Go's k8s.io/apimachinery v0.37.2.
//!
//! For each area a seeded, grammar-driven corpus (`go_differential/corpus.rs`: mostly valid
//! inputs, the rest near-valid or mutated) goes through one Go process (`go_differential/oracle`,
//! lines in, lines out) and through our code (`go_differential/ours.rs`), and every answer is
//! compared field by field:
//!
//! | area | Go | ours |
//! |---|---|---|
//! | `quantity` | `ParseQuantity`, `String`, `Value`, `MilliValue`, `Format` | `Quantity` |
//! | `quantity_pairs` | `Cmp`, `Add`, `Sub` | `Ord`, `checked_add`, `checked_sub` |
//! | `label_selectors` | `labels.Parse`, `String`, `Matches` | `selector::Selector` |
//! | `field_selectors` | `fields.ParseSelector`, `String`, `Matches` | `selector::FieldSelector` |
//! | `names` | `IsQualifiedName`, `IsValidLabelValue`, `IsDNS1123Label`, `IsDNS1123Subdomain`, `IsValidPathSegmentName`/`Prefix` | `validation` |
//! | `times` | `metav1.Time`, `metav1.MicroTime` JSON decode → encode | `Time`, `MicroTime` |
//! | `int_or_string` | `intstr.IntOrString` JSON decode → encode, `GetScaledValueFromIntOrPercent` | `IntOrString` |
//! | `durations` | `metav1.Duration` JSON decode → encode (`time.ParseDuration`, `String`) | `Duration` |
//!
//! Our answers mark the fields where a documented difference from Go (the crate docs'
//! "Differences from Go") applies; those are counted, not compared. The exclusion checks
//! itself: an excluded field that agrees with Go anyway fails the test, unless Go's answer
//! there is unspecified (an overflow) and may coincide.
//!
//! `GO_DIFF_SEED` (decimal or `0x…`) and `GO_DIFF_LINES` (per area) override the fixed seed
//! and the CI size, for a deep run by hand:
//!
//! ```text
//! GO_DIFF_LINES=1000000 GO_DIFF_SEED=7 cargo test --release -p k8s-apimachinery \
//!     --test go_differential -- --nocapture --test-threads 2
//! ```
//!
//! Without Go installed, our side still runs over the corpus (no panics), and the comparison
//! is skipped with a message.

// The helper modules are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "go_differential/corpus.rs"]
mod corpus;
#[path = "go_differential/oracle.rs"]
mod oracle;
#[path = "go_differential/ours.rs"]
mod ours;

use std::collections::BTreeMap;

use corpus::Rng;
use ours::{Exclusion, Field};
use serde_json::{Value, json};

const SEED: u64 = 0x5EED_0019;
const LINES: usize = 4000;

fn seed(area: &str) -> u64 {
    let base = std::env::var("GO_DIFF_SEED")
        .ok()
        .map(|s| match s.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).expect("GO_DIFF_SEED"),
            None => s.parse().expect("GO_DIFF_SEED"),
        })
        .unwrap_or(SEED);
    // Each area its own stream, the same whatever other areas run.
    area.bytes().fold(base, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

fn lines() -> usize {
    std::env::var("GO_DIFF_LINES")
        .ok()
        .map_or(LINES, |s| s.parse().expect("GO_DIFF_LINES"))
}

/// What one area's comparison found.
#[derive(Default)]
struct Tally {
    lines: usize,
    agreements: usize,
    /// Cases that differ only in excluded fields, by exclusion.
    documented: BTreeMap<&'static str, usize>,
    /// Excluded fields that agreed with Go anyway, by exclusion.
    coincided: BTreeMap<&'static str, (usize, bool)>,
    disagreements: usize,
    examples: Vec<String>,
    /// Go's answers whose first field is not "err".
    accepted: usize,
}

impl Tally {
    fn add(&mut self, input: &Value, ours: &[Field], go: &[String]) {
        self.lines += 1;
        if go.first().is_some_and(|g| g != "err") {
            self.accepted += 1;
        }
        let mut disagree = false;
        let mut documented: Option<&'static Exclusion> = None;
        if ours.len() != go.len() {
            match ours.iter().find_map(|f| f.excluded) {
                Some(why) => documented = Some(why),
                None => disagree = true,
            }
        } else {
            for (o, g) in ours.iter().zip(go) {
                match (o.value == *g, o.excluded) {
                    (true, None) => {}
                    (true, Some(why)) => {
                        let e = self
                            .coincided
                            .entry(why.name)
                            .or_insert((0, why.may_coincide));
                        e.0 += 1;
                    }
                    (false, Some(why)) => documented = documented.or(Some(why)),
                    (false, None) => disagree = true,
                }
            }
        }
        if disagree {
            self.disagreements += 1;
            if self.examples.len() < 12 {
                let ours: Vec<&str> = ours.iter().map(|f| f.value.as_str()).collect();
                self.examples
                    .push(format!("{input}\n    ours: {ours:?}\n    go:   {go:?}"));
            }
        } else if let Some(why) = documented {
            *self.documented.entry(why.name).or_default() += 1;
        } else {
            self.agreements += 1;
        }
    }

    fn report(&self, area: &str) {
        let documented: usize = self.documented.values().sum();
        eprintln!(
            "{area}: {} lines (seed {:#x}), {} agree, {documented} documented differences, {} \
             disagree; Go accepted {}",
            self.lines,
            seed(area),
            self.agreements,
            self.disagreements,
            self.accepted
        );
        for (name, n) in &self.documented {
            eprintln!("    documented: {n:>8}  {name}");
        }
        for (name, (n, _)) in &self.coincided {
            eprintln!("    excluded but agreed: {n:>8}  {name}");
        }
        for e in &self.examples {
            eprintln!("  DISAGREEMENT {e}");
        }
        assert_eq!(
            self.disagreements, 0,
            "{area}: {} of {} lines disagree with Go",
            self.disagreements, self.lines
        );
        let stale: Vec<&str> = self
            .coincided
            .iter()
            .filter(|(_, (_, may))| !may)
            .map(|(name, _)| *name)
            .collect();
        assert!(
            stale.is_empty(),
            "{area}: excluded fields agree with Go, the exclusion is wrong: {stale:?}"
        );
    }
}

/// Generates the area's cases (`make` gives the oracle's case and a way to compute ours from
/// it), runs them through Go and compares.
fn run(area: &str, make: impl Fn(&mut Rng) -> Value, ours: impl Fn(&Value) -> Vec<Field>) -> Tally {
    let n = lines();
    let mut rng = Rng::new(seed(area));
    let cases: Vec<Value> = (0..n).map(|_| make(&mut rng)).collect();
    let mut tally = Tally::default();
    let Some(bin) = oracle::binary() else {
        // Our side still runs over the whole corpus.
        for c in &cases {
            let _ = ours(c);
        }
        return tally;
    };
    oracle::answer_all(bin, &cases, |i, go| {
        let o = ours(&cases[i]);
        tally.add(&cases[i], &o, &go);
    });
    tally.report(area);
    tally
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn sets(v: &[Value]) -> Vec<BTreeMap<String, String>> {
    v.iter()
        .map(|m| serde_json::from_value(m.clone()).unwrap())
        .collect()
}

/// Go accepted between `lo` and `hi` percent of the lines: the corpus tests both sides.
fn assert_mix(t: &Tally, lo: usize, hi: usize) {
    if t.lines < 1000 {
        return;
    }
    let pct = t.accepted * 100 / t.lines;
    assert!((lo..=hi).contains(&pct), "Go accepted {pct}% of the lines");
}

#[test]
fn quantity() {
    let t = run(
        "q",
        |rng| json!(["q", corpus::quantity(rng, 70)]),
        |c| ours::quantity(s(&c[1])),
    );
    assert_mix(&t, 40, 90);
}

#[test]
fn quantity_pairs() {
    let t = run(
        "q2",
        |rng| json!(["q2", corpus::quantity(rng, 95), corpus::quantity(rng, 95)]),
        |c| ours::quantity_pair(s(&c[1]), s(&c[2])),
    );
    assert_mix(&t, 40, 95);
}

#[test]
fn label_selectors() {
    let t = run(
        "ls",
        |rng| {
            let (sel, sets) = corpus::label_selector(rng);
            let mut c = vec![json!("ls"), json!(sel)];
            c.extend(sets.into_iter().map(|m| json!(m)));
            Value::Array(c)
        },
        |c| {
            let c = c.as_array().unwrap();
            ours::label_selector(s(&c[1]), &sets(&c[2..]))
        },
    );
    assert_mix(&t, 30, 90);
}

#[test]
fn field_selectors() {
    let t = run(
        "fs",
        |rng| {
            let (sel, sets) = corpus::field_selector(rng);
            let mut c = vec![json!("fs"), json!(sel)];
            c.extend(sets.into_iter().map(|m| json!(m)));
            Value::Array(c)
        },
        |c| {
            let c = c.as_array().unwrap();
            ours::field_selector(s(&c[1]), &sets(&c[2..]))
        },
    );
    assert_mix(&t, 30, 90);
}

#[test]
fn names() {
    run(
        "v",
        |rng| json!(["v", corpus::name(rng)]),
        |c| ours::names(s(&c[1])),
    );
}

#[test]
fn times() {
    run(
        "t",
        |rng| json!(["t", corpus::timestamp(rng)]),
        |c| ours::times(s(&c[1])),
    );
}

#[test]
fn int_or_string() {
    run(
        "io",
        |rng| {
            let (j, total, up) = corpus::int_or_string(rng);
            json!(["io", j, total.to_string(), up.to_string()])
        },
        |c| ours::int_or_string(s(&c[1]), s(&c[2]).parse().unwrap(), s(&c[3]) == "true"),
    );
}

#[test]
fn durations() {
    run(
        "d",
        |rng| json!(["d", corpus::duration(rng)]),
        |c| ours::duration(s(&c[1])),
    );
}
