//! The history plot: for each scenario variant, `target/bench/history/<variant>.svg` draws the
//! ratio ours / client-go of every metric over the full (non-smoke) runs recorded in
//! `history.jsonl`, on a log scale (1.0 = parity; for `_per_s` higher is better, for the rest
//! lower is better).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;
use serde_json::Value;

/// Ratios are drawn within this range (a p99 of 0.0004× would flatten everything else).
const RANGE: (f64, f64) = (0.01, 100.0);

/// One variant's series: metric → (history index, ratio ours/client-go).
type Series = BTreeMap<String, Vec<(usize, f64)>>;

fn ratio(metric: &Value) -> Option<f64> {
    let ours = metric.get("k8s-rs")?.get("median")?.as_f64()?;
    let peer = metric.get("client-go")?.get("median")?.as_f64()?;
    (peer > 0.0).then(|| (ours / peer).clamp(RANGE.0, RANGE.1))
}

/// Reads `history.jsonl` and writes one SVG per variant; returns how many it wrote.
pub fn history(out_dir: &Path) -> Result<usize> {
    let path = out_dir.join("history.jsonl");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut variants: BTreeMap<String, (usize, Series)> = BTreeMap::new();
    for (line_no, line) in text.lines().enumerate() {
        let entry: Value = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not JSON", path.display(), line_no + 1))?;
        if entry["smoke"].as_bool() != Some(false) {
            continue;
        }
        let Some(variant) = entry["variant"].as_str() else {
            continue;
        };
        let (runs, series) = variants.entry(variant.to_string()).or_default();
        if let Some(metrics) = entry["summary"]["metrics"].as_object() {
            for (name, m) in metrics {
                if let Some(r) = ratio(m) {
                    series.entry(name.clone()).or_default().push((*runs, r));
                }
            }
        }
        *runs += 1;
    }
    let dir = out_dir.join("history");
    std::fs::create_dir_all(&dir)?;
    for (variant, (runs, series)) in &variants {
        let file = dir.join(format!("{variant}.svg"));
        draw(&file, variant, *runs, series)
            .with_context(|| format!("drawing {}", file.display()))?;
    }
    Ok(variants.len())
}

fn draw(file: &Path, variant: &str, runs: usize, series: &Series) -> Result<()> {
    let last = runs.saturating_sub(1).max(1);
    let root = SVGBackend::new(file, (900, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{variant}: k8s-rs / client-go (median)"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(0..last, (RANGE.0..RANGE.1).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("full run (oldest first)")
        .y_desc("ratio (log)")
        .draw()?;
    chart.draw_series(LineSeries::new([(0, 1.0), (last, 1.0)], BLACK.mix(0.4)))?;
    for (i, (metric, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(metric.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 11))
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    fn entry(variant: &str, smoke: bool, ours: f64) -> String {
        serde_json::json!({
            "variant": variant, "smoke": smoke, "commit": "abc",
            "summary": {"metrics": {"events_per_s": {
                "k8s-rs": {"median": ours}, "client-go": {"median": 100.0}, "kube-rs": {"median": 1.0}
            }}}
        })
        .to_string()
    }

    #[test]
    fn draws_full_runs_per_variant_and_skips_smoke_runs() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let lines = [
            entry("watch", false, 400.0),
            entry("codec", true, 50.0),
            entry("watch", false, 516.0),
        ];
        std::fs::write(dir.join("history.jsonl"), lines.join("\n")).unwrap();
        assert_eq!(super::history(&dir).unwrap(), 1);
        let svg = std::fs::read_to_string(dir.join("history/watch.svg")).unwrap();
        assert!(svg.contains("events_per_s"), "{svg}");
        assert!(svg.contains("watch: k8s-rs / client-go"), "{svg}");
        assert!(!dir.join("history/codec.svg").exists());

        std::fs::write(dir.join("history.jsonl"), "{not json").unwrap();
        let err = format!("{:#}", super::history(&dir).unwrap_err());
        assert!(err.contains("history.jsonl:1: not JSON"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn ratios_are_ours_over_client_go_within_the_drawn_range() {
        let m = serde_json::json!({"k8s-rs": {"median": 3.0}, "client-go": {"median": 2.0}});
        assert_eq!(super::ratio(&m), Some(1.5));
        let tiny = serde_json::json!({"k8s-rs": {"median": 0.0}, "client-go": {"median": 2.0}});
        assert_eq!(super::ratio(&tiny), Some(super::RANGE.0));
        let no_peer = serde_json::json!({"k8s-rs": {"median": 3.0}});
        assert_eq!(super::ratio(&no_peer), None);
    }
}
