//! The results table: median [min..max] per side and the ratios ours/peer; and the checks that
//! every side saw the same objects.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::SIDES;

/// Median, min and max of one metric on one side.
type Stat = (f64, f64, f64);

/// One variant's summary.
pub struct Table {
    name: String,
    /// metric → per side (median, min, max), None where the side has no value.
    rows: BTreeMap<String, [Option<Stat>; 3]>,
    /// "n/a" sides.
    missing: [bool; 3],
    /// Checks that differ between sides or runs.
    pub mismatches: Vec<String>,
}

fn median(v: &mut [f64]) -> Stat {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (m, v[0], v[n - 1])
}

impl Table {
    /// Summarises the result lines of each side.
    pub fn new(
        name: &str,
        results: &BTreeMap<&str, Vec<Value>>,
        args: &[Option<Vec<String>>; 3],
    ) -> Table {
        let mut rows: BTreeMap<String, [Option<Stat>; 3]> = BTreeMap::new();
        let mut metrics = BTreeSet::new();
        for lines in results.values() {
            for l in lines {
                if let Some(m) = l["metrics"].as_object() {
                    metrics.extend(m.keys().cloned());
                }
            }
        }
        for metric in metrics {
            let mut row = [None, None, None];
            for (i, side) in SIDES.iter().enumerate() {
                let mut v: Vec<f64> = results
                    .get(side)
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l["metrics"][&metric].as_f64())
                    .collect();
                if !v.is_empty() {
                    row[i] = Some(median(&mut v));
                }
            }
            rows.insert(metric, row);
        }
        let mut mismatches = Vec::new();
        let mut reference: Option<(&str, &Value)> = None;
        for (side, lines) in results {
            for l in lines {
                let checks = &l["checks"];
                match reference {
                    None => reference = Some((side, checks)),
                    Some((rside, r)) if r != checks => mismatches.push(format!(
                        "{name}: checks of {side} {checks} differ from {rside} {r}"
                    )),
                    Some(_) => {}
                }
            }
        }
        let missing = [args[0].is_none(), args[1].is_none(), args[2].is_none()];
        Table {
            name: name.to_string(),
            rows,
            missing,
            mismatches,
        }
    }

    /// A markdown table.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "## {}\n\n| metric | {} | {} | {} | ours/client-go | ours/kube-rs |\n|---|---|---|---|---|---|\n",
            self.name, SIDES[0], SIDES[1], SIDES[2]
        );
        let cell = |i: usize, v: &Option<Stat>| match v {
            Some((m, lo, hi)) => format!("{} [{}..{}]", fmt(*m), fmt(*lo), fmt(*hi)),
            None if self.missing[i] => "n/a".to_string(),
            None => "—".to_string(),
        };
        for (metric, row) in &self.rows {
            let ratio = |i: usize| match (&row[0], &row[i]) {
                (Some((a, _, _)), Some((b, _, _))) if *b != 0.0 => format!("{:.2}", a / b),
                _ => "n/a".to_string(),
            };
            s += &format!(
                "| {metric} | {} | {} | {} | {} | {} |\n",
                cell(0, &row[0]),
                cell(1, &row[1]),
                cell(2, &row[2]),
                ratio(1),
                ratio(2)
            );
        }
        if self.mismatches.is_empty() {
            s += "\nchecks (object counts, names checksums): identical on every side and run\n";
        } else {
            s += &format!("\nCHECKS DIFFER: {}\n", self.mismatches.join("; "));
        }
        s
    }

    /// The summary as JSON.
    pub fn json(&self) -> Value {
        let rows: BTreeMap<&String, Value> = self
            .rows
            .iter()
            .map(|(k, row)| {
                let side = |v: &Option<Stat>| match v {
                    Some((m, lo, hi)) => json!({"median": m, "min": lo, "max": hi}),
                    None => Value::Null,
                };
                (k, json!({SIDES[0]: side(&row[0]), SIDES[1]: side(&row[1]), SIDES[2]: side(&row[2])}))
            })
            .collect();
        json!({"variant": self.name, "metrics": rows, "mismatches": self.mismatches})
    }
}

/// Three significant digits, no exponent for everyday magnitudes.
fn fmt(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}
