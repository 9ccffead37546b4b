//! What a run of the suite found: one [`ScenarioResult`] per scenario, rendered as a table.

use std::fmt;
use std::time::Duration;

/// How one scenario ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every assertion held.
    Passed,
    /// An assertion failed: what was expected and what came back.
    Failed(String),
    /// The scenario did not run its assertions, for the reason given.
    Skipped(String),
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioResult {
    /// The scenario's name.
    pub name: &'static str,
    /// Its area (`create`, `watch`, …).
    pub area: &'static str,
    /// How it ended.
    pub verdict: Verdict,
    /// How long it took, its namespace's setup and cleanup included.
    pub duration: Duration,
}

/// The results of a run against one target.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target's name (`real`, `fake`).
    pub target: &'static str,
    /// One result per scenario that ran, in the order of [`scenarios`](super::scenarios).
    pub results: Vec<ScenarioResult>,
    /// The wall time of the whole run.
    pub wall: Duration,
}

impl Report {
    /// The scenarios that passed.
    pub fn passed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results.iter().filter(|r| r.verdict == Verdict::Passed)
    }

    /// The scenarios that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Failed(_)))
    }

    /// The scenarios that were skipped (each with its reason).
    pub fn skipped(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Skipped(_)))
    }

    /// True when no scenario failed (skips, which always carry a reason, are allowed).
    pub fn is_success(&self) -> bool {
        self.failed().next().is_none()
    }

    /// The failures alone, one paragraph each: for assertion messages.
    pub fn failures(&self) -> String {
        let mut out = String::new();
        for r in self.failed() {
            if let Verdict::Failed(why) = &r.verdict {
                out.push_str(&format!("[{}] {}: {}\n", r.area, r.name, why));
            }
        }
        out
    }
}

impl fmt::Display for Report {
    /// A table: area, scenario, verdict, time; then the reasons of failures and skips, and a
    /// summary line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .results
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(8)
            .max(8);
        writeln!(f, "conformance against {}:", self.target)?;
        writeln!(
            f,
            "{:<8} {:<width$} {:<7} {:>8}",
            "area", "scenario", "result", "time"
        )?;
        writeln!(f, "{}", "-".repeat(8 + 1 + width + 1 + 7 + 1 + 8))?;
        for r in &self.results {
            let verdict = match r.verdict {
                Verdict::Passed => "pass",
                Verdict::Failed(_) => "FAIL",
                Verdict::Skipped(_) => "skip",
            };
            writeln!(
                f,
                "{:<8} {:<width$} {:<7} {:>7}ms",
                r.area,
                r.name,
                verdict,
                r.duration.as_millis()
            )?;
        }
        for r in &self.results {
            match &r.verdict {
                Verdict::Failed(why) => writeln!(f, "\nFAIL {}: {}", r.name, why)?,
                Verdict::Skipped(why) => writeln!(f, "\nskip {}: {}", r.name, why)?,
                Verdict::Passed => {}
            }
        }
        writeln!(
            f,
            "\n{} scenarios: {} passed, {} failed, {} skipped in {:.1}s",
            self.results.len(),
            self.passed().count(),
            self.failed().count(),
            self.skipped().count(),
            self.wall.as_secs_f64()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &'static str, verdict: Verdict) -> ScenarioResult {
        ScenarioResult {
            name,
            area: "read",
            verdict,
            duration: Duration::from_millis(12),
        }
    }

    #[test]
    fn the_table_names_every_scenario_and_the_reasons() {
        let report = Report {
            target: "real",
            results: vec![
                result("a_passes", Verdict::Passed),
                result("b_fails", Verdict::Failed("expected 409, got 200".into())),
                result("c_skips", Verdict::Skipped("no history".into())),
            ],
            wall: Duration::from_millis(1500),
        };
        let text = report.to_string();
        assert!(text.contains("a_passes"), "{text}");
        assert!(
            text.contains("FAIL b_fails: expected 409, got 200"),
            "{text}"
        );
        assert!(text.contains("skip c_skips: no history"), "{text}");
        assert!(
            text.contains("3 scenarios: 1 passed, 1 failed, 1 skipped in 1.5s"),
            "{text}"
        );
        assert!(!report.is_success());
        assert_eq!(report.failures(), "[read] b_fails: expected 409, got 200\n");
        let ok = Report {
            results: vec![
                result("a", Verdict::Passed),
                result("c", Verdict::Skipped("x".into())),
            ],
            ..report
        };
        assert!(ok.is_success());
    }
}
