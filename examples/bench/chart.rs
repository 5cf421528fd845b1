//! The chart of a run's results: `bench/results/<backend>.json` keeps each backend's last
//! run, and `bench/ratios.svg` is drawn from every backend's file there, so after
//! `bench/run all` it shows both backends of that run side by side with the targets.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

/// A workload's target: a ratio to the ceiling, or acknowledged posts per second on
/// SQLite and on PostgreSQL.
#[derive(Debug, Clone, Copy)]
enum Target {
    Ratio(f64),
    PerSecond { sqlite: f64, postgres: f64 },
}

/// The target of the workload named `name`, if it has one (the issue's third round).
fn target(name: &str) -> Option<Target> {
    if name.starts_with("posting,") && !name.contains("hook") {
        return Some(Target::PerSecond {
            sqlite: 8000.0,
            postgres: 4000.0,
        });
    }
    let ratio = match name {
        n if n.starts_with("counts of 20 articles") => 0.5,
        "count of one article" => 0.6,
        "first page, small article, anonymous" => 0.6,
        "first page, hot article, anonymous" => 0.3,
        "first page, small article, signed-in reader" => 0.2,
        _ => return None,
    };
    Some(Target::Ratio(ratio))
}

/// One backend's run as kept in `bench/results/<backend>.json`.
pub struct Results {
    pub backend: String,
    pub when: String,
    pub commit: String,
    /// Each workload: name, requests (or posts) per second, ratio to the ceiling.
    pub rows: Vec<(String, f64, f64)>,
}

impl Results {
    fn to_json(&self) -> Value {
        json!({
            "backend": self.backend,
            "when": self.when,
            "commit": self.commit,
            "rows": self.rows.iter().map(|(name, rps, ratio)| json!({"name": name, "per_second": rps, "ratio": ratio})).collect::<Vec<_>>(),
        })
    }

    fn from_json(value: &Value) -> Option<Self> {
        let text = |k: &str| value[k].as_str().map(str::to_owned);
        let rows = value["rows"]
            .as_array()?
            .iter()
            .filter_map(|row| {
                Some((
                    row["name"].as_str()?.to_owned(),
                    row["per_second"].as_f64()?,
                    row["ratio"].as_f64()?,
                ))
            })
            .collect();
        Some(Self {
            backend: text("backend")?,
            when: text("when")?,
            commit: text("commit")?,
            rows,
        })
    }
}

/// Keeps `results` in `dir` and redraws the chart (see [`redraw`]).
pub fn record(dir: &Path, results: &Results) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(&results.to_json()).unwrap_or_default();
    std::fs::write(dir.join(format!("{}.json", results.backend)), json + "\n")?;
    redraw(dir)
}

/// Redraws `dir/../ratios.svg` from every backend's results kept in `dir`.
pub fn redraw(dir: &Path) -> std::io::Result<()> {
    let mut all = Vec::new();
    for backend in ["sqlite", "postgres"] {
        let file = dir.join(format!("{backend}.json"));
        if let Ok(text) = std::fs::read_to_string(&file)
            && let Ok(value) = serde_json::from_str::<Value>(&text)
            && let Some(kept) = Results::from_json(&value)
        {
            all.push(kept);
        }
    }
    let svg = draw(&all);
    let out = dir.parent().unwrap_or(dir).join("ratios.svg");
    std::fs::write(&out, svg)?;
    eprintln!("drew {}", out.display());
    Ok(())
}

const WIDTH: f64 = 960.0;
const LABEL: f64 = 400.0;
const PLOT: f64 = 460.0;
const BAR: f64 = 11.0;
const ROW: f64 = 34.0;
const COLOURS: [(&str, &str); 2] = [("sqlite", "#4c78a8"), ("postgres", "#e45756")];

fn colour(backend: &str) -> &'static str {
    COLOURS
        .iter()
        .find(|(b, _)| *b == backend)
        .map_or("#888888", |(_, c)| c)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart: reads as ratios to the ceiling, posting in posts per second, each row with
/// its target marked.
fn draw(all: &[Results]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for results in all {
        for (name, _, _) in &results.rows {
            if target(name).is_some() && !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    let (reads, posts): (Vec<&str>, Vec<&str>) = names
        .iter()
        .partition(|n| matches!(target(n), Some(Target::Ratio(_))));
    let height = 110.0 + ROW * (reads.len() + posts.len()) as f64 + 90.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="12" y="22" font-size="15" font-weight="bold">Tribune: bench/run, each workload against its target</text>"##
    );
    let mut y = 40.0;
    for (i, results) in all.iter().enumerate() {
        let x = 12.0 + 330.0 * i as f64;
        let _ = writeln!(
            svg,
            r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{} — {}, commit {}</text>"#,
            colour(&results.backend),
            x + 18.0,
            y + 10.0,
            escape(&results.backend),
            escape(&results.when),
            escape(&results.commit)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" fill="#333333">▏ target</text>"##,
        12.0 + 330.0 * all.len() as f64,
        y + 10.0
    );
    y += 34.0;
    y = section(
        &mut svg,
        all,
        &reads,
        y,
        "× ceiling (a constant actix-web endpoint in the same run)",
        1.0,
        // Three decimals: 0.497 beside a target of 0.5 must not read "0.50".
        |v| format!("{v:.3} ×"),
    );
    y += 24.0;
    let top = posts
        .iter()
        .flat_map(|n| {
            all.iter()
                .filter_map(move |r| r.rows.iter().find(|row| row.0 == *n).map(|row| row.1))
        })
        .fold(8000.0_f64, f64::max);
    section(
        &mut svg,
        all,
        &posts,
        y,
        "acknowledged posts per second",
        top * 1.05,
        |v| format!("{v:.0}/s"),
    );
    svg.push_str("</svg>\n");
    svg
}

/// One panel: a heading, an axis from 0 to `max`, and a row of bars per workload.
fn section(
    svg: &mut String,
    all: &[Results],
    names: &[&str],
    mut y: f64,
    heading: &str,
    max: f64,
    label: impl Fn(f64) -> String,
) -> f64 {
    let scale = |v: f64| LABEL + PLOT * (v / max).clamp(0.0, 1.0);
    let _ = writeln!(
        svg,
        r#"<text x="12" y="{y}" font-weight="bold">{}</text>"#,
        escape(heading)
    );
    let axis_top = y + 8.0;
    let axis_bottom = axis_top + ROW * names.len() as f64;
    for step in 0..=4 {
        let v = max * f64::from(step) / 4.0;
        let x = scale(v);
        let _ = writeln!(
            svg,
            r##"<line x1="{x}" y1="{axis_top}" x2="{x}" y2="{axis_bottom}" stroke="#dddddd"/><text x="{x}" y="{}" text-anchor="middle" fill="#666666">{}</text>"##,
            axis_bottom + 14.0,
            label(v)
        );
    }
    y = axis_top;
    for name in names {
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL - 8.0,
            y + ROW / 2.0 + 4.0,
            escape(name)
        );
        for (i, results) in all.iter().enumerate() {
            let bar_y = y + 5.0 + (BAR + 1.0) * i as f64;
            let value = results.rows.iter().find(|row| row.0 == *name).map(|row| {
                if matches!(target(name), Some(Target::Ratio(_))) {
                    row.2
                } else {
                    row.1
                }
            });
            if let Some(value) = value {
                let end = scale(value);
                let _ = writeln!(
                    svg,
                    r##"<rect x="{LABEL}" y="{bar_y}" width="{}" height="{BAR}" fill="{}"/><text x="{}" y="{}" font-size="10" fill="#333333">{}</text>"##,
                    (end - LABEL).max(1.0),
                    colour(&results.backend),
                    end + 4.0,
                    bar_y + BAR - 2.0,
                    label(value)
                );
            }
            let goal = match target(name) {
                Some(Target::Ratio(r)) => r,
                Some(Target::PerSecond { sqlite, postgres }) => {
                    if results.backend == "sqlite" {
                        sqlite
                    } else {
                        postgres
                    }
                }
                None => continue,
            };
            let x = scale(goal);
            let _ = writeln!(
                svg,
                r##"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#111111" stroke-width="2"/>"##,
                bar_y - 1.0,
                bar_y + BAR + 1.0
            );
        }
        y += ROW;
    }
    axis_bottom + 20.0
}
