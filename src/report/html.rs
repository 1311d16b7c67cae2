//! `report.html`: one self-contained page per result folder (inline CSS, charts inlined as
//! SVG, no script, no external reference), built only from the files in the folder, so that
//! it can be written for any folder that `run`, `frame` or `merge` wrote.
//!
//! Sections, decisions first: the decision block per product ([`super::headline`]), loss
//! ratios per product (histograms with mean, VaR 99 % and TVaR 99 %), the exceedance
//! probabilities of the net claims ([`super::ep`]), claims by peril,
//! segments, guarantee frames (fan charts and the recommendation), pricing and adequacy (only
//! when `pricing.parquet` exists), the analytic checks, the standard errors (folded), and the
//! run (manifest and scenario).

use super::charts::{self, LossRatioHistogram, PerilBar};
use super::terminal::thousands;
use crate::cli::UsageError;
use crate::manifest::Manifest;
use anyhow::{Context, Result};
use polars::prelude::{AnyValue, DataFrame, DataType, ParquetReader, SerReader};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// File name of the report in a result folder.
pub const REPORT_FILE: &str = "report.html";

/// Escapes `text` for a table cell, with a line-break opportunity after each `/`, `.` and
/// `_`, so that a tariff cell or a parameter path wraps at its parts rather than widening
/// its table past the page.
pub(super) fn breakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for part in text.split_inclusive(['/', '.', '_']) {
        out.push_str(&escape(part));
        if part.ends_with(['/', '.', '_']) {
            out.push_str("<wbr>");
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One row of `summary.parquet`, as read back.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub product: String,
    pub kind: String,
    pub company: Option<String>,
    pub segment: Option<String>,
    pub metric: String,
    pub unit: String,
    pub n: u64,
    pub mean: f64,
    pub se: f64,
    pub p50: f64,
    pub p99: f64,
    pub tvar_99: f64,
    pub analytic: Option<f64>,
}

pub(super) fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .with_context(|| format!("{}: not a readable parquet file", path.display()))
}

/// Only `columns` of a parquet file (a per-path table of millions of rows is read a few
/// columns at a time, not whole).
pub(super) fn read_parquet_columns(path: &Path, columns: &[&str]) -> Result<DataFrame> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(file)
        .with_columns(Some(columns.iter().map(|c| c.to_string()).collect()))
        .finish()
        .with_context(|| format!("{}: not a readable parquet file", path.display()))
}

/// Reads a CSV file the project wrote (a header row, quoted where needed).
pub(super) fn read_csv(path: &Path) -> Result<DataFrame> {
    use polars::prelude::{CsvReadOptions, SerReader as _};
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .with_context(|| format!("{}: not a readable CSV file", path.display()))
}

pub(super) fn strings(df: &DataFrame, name: &str, file: &Path) -> Result<Vec<Option<String>>> {
    let col = df
        .column(name)
        .with_context(|| format!("{}: no column {name}", file.display()))?;
    let ca = col
        .as_materialized_series()
        .str()
        .with_context(|| format!("{}: column {name} is not text", file.display()))?;
    Ok(ca.iter().map(|s| s.map(str::to_string)).collect())
}

pub(super) fn floats(df: &DataFrame, name: &str, file: &Path) -> Result<Vec<f64>> {
    let col = df
        .column(name)
        .with_context(|| format!("{}: no column {name}", file.display()))?;
    let s = col
        .as_materialized_series()
        .cast(&DataType::Float64)
        .with_context(|| format!("{}: column {name} is not numeric", file.display()))?;
    Ok(s.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

fn read_summary(path: &Path) -> Result<Vec<Row>> {
    let df = read_parquet(path)?;
    let text = |name| strings(&df, name, path);
    let num = |name| floats(&df, name, path);
    let (product, kind, company, segment, metric, unit) = (
        text("product")?,
        text("kind")?,
        text("company")?,
        text("segment")?,
        text("metric")?,
        text("unit")?,
    );
    let (n, mean, se, p50, p99, tvar, analytic) = (
        num("n")?,
        num("mean")?,
        num("se")?,
        num("p50")?,
        num("p99")?,
        num("tvar_99")?,
        num("analytic")?,
    );
    Ok((0..df.height())
        .map(|i| Row {
            product: product[i].clone().unwrap_or_default(),
            kind: kind[i].clone().unwrap_or_default(),
            company: company[i].clone(),
            segment: segment[i].clone(),
            metric: metric[i].clone().unwrap_or_default(),
            unit: unit[i].clone().unwrap_or_default(),
            n: if n[i].is_finite() { n[i] as u64 } else { 0 },
            mean: mean[i],
            se: se[i],
            p50: p50[i],
            p99: p99[i],
            tvar_99: tvar[i],
            analytic: Some(analytic[i]).filter(|a| a.is_finite()),
        })
        .collect())
}

/// Reads `dir/manifest.json`; a folder without one (or with a broken one) is not a result
/// folder: a [`UsageError`].
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        UsageError(format!(
            "{}: not a protectsim result folder ({e})",
            path.display()
        ))
    })?;
    Ok(serde_json::from_str(&text).map_err(|e| {
        UsageError(format!(
            "{}: not a protectsim manifest ({e})",
            path.display()
        ))
    })?)
}

/// Builds `report.html` from the files of the result folder `dir` and writes it there
/// atomically; returns its path.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    let mut manifest = read_manifest(dir)?;
    if !manifest.files.iter().any(|f| f == REPORT_FILE) {
        manifest.files.push(REPORT_FILE.into());
    }
    write_report_with(dir, &manifest)
}

/// [`write_report`] showing `manifest` (the one the folder will have once the report is in).
fn write_report_with(dir: &Path, manifest: &Manifest) -> Result<PathBuf> {
    let html = render(dir, manifest)?;
    super::write_atomic(dir, REPORT_FILE, |f| Ok(f.write_all(html.as_bytes())?))
}

/// Writes the report, then lists it in the manifest and rewrites the manifest: a kill in
/// between leaves a manifest that does not list the report, never one that lists a missing
/// report. Used by `run`, `frame`, `price` and `merge` after their other files.
pub fn add_report(dir: &Path, manifest: &mut Manifest) -> Result<PathBuf> {
    if !manifest.files.iter().any(|f| f == REPORT_FILE) {
        manifest.files.push(REPORT_FILE.into());
    }
    let path = write_report_with(dir, manifest)?;
    super::write_manifest(dir, manifest)?;
    Ok(path)
}

const CSS: &str = "
body{font-family:sans-serif;margin:0;background:#f4f5f7;color:#222}
main{max-width:960px;margin:0 auto;padding:16px 24px;background:#fff}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:21px;margin:28px 0 8px;border-bottom:2px solid #3182bd;padding-bottom:4px}
h3{font-size:17px;margin:18px 0 6px}
.note{color:#555;font-size:14px}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px;display:block;overflow-x:auto;max-width:100%}
th,td{border:1px solid #d0d4da;padding:3px 7px;overflow-wrap:break-word}th{background:#eef1f5;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.bad td{background:#fde0dd}
figure{margin:8px 0 16px}figure svg{width:100%;height:auto;display:block}
pre{background:#f6f8fa;border:1px solid #d0d4da;padding:8px;font-size:12px;overflow-x:auto;max-height:480px}
nav a{margin-right:12px;font-size:14px}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #d0d4da;border-radius:6px;padding:0 12px;flex:1 1 400px}
.card h3{margin:10px 0 4px}table.kv{display:table}table.kv td.num{white-space:nowrap}table.kv td.note{white-space:normal}
";

/// Formats a value of unit `unit` for a table cell.
pub(super) fn fmt(unit: &str, x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    match unit {
        "ratio" | "probability" => format!("{:.2} %", 100.0 * x),
        _ if x.abs() >= 100.0 => thousands(x),
        _ => format!("{x:.2}"),
    }
}

/// `mean ± se` in the unit of the row.
pub(super) fn mean_se(r: &Row) -> String {
    if r.se.is_finite() {
        format!("{} ± {}", fmt(&r.unit, r.mean), fmt(&r.unit, r.se))
    } else {
        fmt(&r.unit, r.mean)
    }
}

/// Removes the XML namespace attribute of an SVG to be inlined in HTML (where it is implied),
/// so the page holds no URL at all.
fn inline_svg(svg: &str) -> String {
    svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

fn figure(out: &mut String, svg: &str, caption: &str) {
    let _ = writeln!(
        out,
        "<figure>{}<figcaption class=\"note\">{}</figcaption></figure>",
        inline_svg(svg),
        escape(caption)
    );
}

fn render(dir: &Path, manifest: &Manifest) -> Result<String> {
    if !dir.is_dir() {
        return Err(UsageError(format!("{}: no such result folder", dir.display())).into());
    }
    let summary_path = dir.join("summary.parquet");
    let rows = read_summary(&summary_path)?;
    let scenario_text =
        std::fs::read_to_string(dir.join(crate::manifest::SCENARIO_COPY)).unwrap_or_default();

    let mut out = String::new();
    let title = format!("protectsim report · {}", manifest.scenario);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\"><title>{}</title><style>{CSS}</style></head>\n<body><main>\n",
        escape(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&title));
    let has_frames = rows.iter().any(|r| r.company.is_some());
    let pricing_path = dir.join("pricing.parquet");
    let has_pricing = pricing_path.exists();
    out.push_str(
        "<nav><a href=\"#headline\">decisions</a><a href=\"#loss-ratios\">loss ratios</a>",
    );
    if dir.join("ep.parquet").exists() {
        out.push_str("<a href=\"#ep\">exceedance</a>");
    }
    if dir.join("dependence.parquet").exists() {
        out.push_str("<a href=\"#dependence\">dependence</a>");
    }
    if dir.join("parameter_risk.parquet").exists() {
        out.push_str("<a href=\"#parameter-risk\">parameter risk</a>");
    }
    out.push_str("<a href=\"#perils\">claims by peril</a>");
    if rows.iter().any(|r| r.segment.is_some()) {
        out.push_str("<a href=\"#segments\">segments</a>");
    }
    if has_frames {
        out.push_str("<a href=\"#frames\">guarantee frames</a>");
    }
    if has_pricing {
        out.push_str("<a href=\"#pricing\">pricing</a>");
    }
    out.push_str(
        "<a href=\"#analytic\">analytic checks</a><a href=\"#errors\">standard errors</a><a href=\"#run\">run</a></nav>\n",
    );

    let products = product_rows(&rows);
    super::headline::section(
        &mut out,
        &super::headline::Inputs::read(dir, &rows, &products)?,
    )?;
    loss_ratio_section(&mut out, dir, &rows, &products)?;
    super::ep::section(&mut out, dir)?;
    super::dependence::section(&mut out, dir, &rows)?;
    super::parameter_risk::section(&mut out, dir)?;
    peril_section(&mut out, &rows, &products)?;
    segment_section(&mut out, &rows);
    if has_frames {
        frame_section(&mut out, dir, manifest, &rows)?;
    }
    if has_pricing {
        pricing_section(&mut out, &pricing_path)?;
    }
    analytic_section(&mut out, &rows);
    error_section(&mut out, &rows, manifest);
    run_section(&mut out, manifest, &scenario_text);
    out.push_str("</main></body></html>\n");
    Ok(out)
}

/// Product names in summary order, with their kind.
fn product_rows(rows: &[Row]) -> Vec<(String, String)> {
    let mut products: Vec<(String, String)> = Vec::new();
    for r in rows {
        if !products.iter().any(|(p, _)| *p == r.product) {
            products.push((r.product.clone(), r.kind.clone()));
        }
    }
    products
}

/// A summary metric's name as a reader says it, with its unit: `premium_eur` → "premium
/// (EUR)", `delay_count` → "delay (count)", `p_loss_ratio_above_1` → "P(loss ratio above 1)".
/// The file's own name stays in `summary.parquet`; the report shows this.
pub(super) fn human_label(metric: &str) -> String {
    let words = |s: &str| s.replace('_', " ");
    if let Some(rest) = metric.strip_prefix("p_") {
        return format!("P({})", words(rest));
    }
    for (suffix, unit) in [("_eur", "EUR"), ("_count", "count")] {
        if let Some(rest) = metric.strip_suffix(suffix) {
            return format!("{} ({unit})", words(rest));
        }
    }
    words(metric)
}

/// The product-level row of `metric` (no company, no segment).
pub(super) fn find<'a>(rows: &'a [Row], product: &str, metric: &str) -> Option<&'a Row> {
    rows.iter().find(|r| {
        r.product == product && r.metric == metric && r.company.is_none() && r.segment.is_none()
    })
}

fn run_section(out: &mut String, m: &Manifest, scenario: &str) {
    out.push_str("<h2 id=\"run\">Run</h2>\n<table>\n");
    let shard = if m.shard.count > 1 {
        format!(
            "{}/{} (paths {}..{})",
            m.shard.index, m.shard.count, m.shard.first_path, m.shard.end_path
        )
    } else {
        "whole run".into()
    };
    let items: Vec<(&str, String)> = vec![
        ("scenario", m.scenario.clone()),
        ("scenario file", m.scenario_file.clone()),
        ("scenario sha256", m.scenario_hash.clone()),
        (
            "horizon",
            format!("{} + {} days", m.horizon_start, m.horizon_days),
        ),
        ("paths", thousands(m.paths as f64)),
        ("shard", shard),
        ("seed", m.seed.to_string()),
        ("tool", format!("{} {}", m.tool, m.version)),
        ("random streams", m.rng.clone()),
        ("started", m.started_at.clone()),
        ("threads", m.threads.to_string()),
        ("wall time", format!("{:.2} s", m.wall_time_s)),
        ("files", m.files.join(", ")),
    ];
    for (k, v) in items {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{}</td></tr>", escape(&v));
    }
    out.push_str("</table>\n");
    if scenario.is_empty() {
        out.push_str("<p class=\"note\">The folder holds no copy of the scenario file.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<details><summary>scenario.toml ({} lines)</summary><pre>{}</pre></details>",
            scenario.lines().count(),
            escape(scenario)
        );
    }
}

fn loss_ratio_section(
    out: &mut String,
    dir: &Path,
    rows: &[Row],
    products: &[(String, String)],
) -> Result<()> {
    out.push_str("<h2 id=\"loss-ratios\">Loss ratios</h2>\n<p class=\"note\">Loss ratio of a path: its claims (net of recoveries) over its premium. VaR 99 % is the 99th percentile over paths, TVaR 99 % the mean of the worst 1 %. The portfolio loss ratio is E[net claims] / E[premium].</p>\n");
    out.push_str("<table><tr><th>product</th><th>kind</th><th>paths</th><th>mean ± se</th><th>median</th><th>VaR 99 %</th><th>TVaR 99 %</th><th>portfolio</th><th>P(loss ratio &gt; 100 %)</th></tr>\n");
    for (p, kind) in products {
        let Some(lr) = find(rows, p, "loss_ratio") else {
            continue;
        };
        let cell = |metric: &str| find(rows, p, metric).map_or("–".into(), mean_se);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(p),
            escape(kind),
            thousands(lr.n as f64),
            mean_se(lr),
            fmt("ratio", lr.p50),
            fmt("ratio", lr.p99),
            fmt("ratio", lr.tvar_99),
            cell("portfolio_loss_ratio"),
            cell("p_loss_ratio_above_1"),
        );
    }
    out.push_str("</table>\n");

    let paths_file = dir.join("paths.parquet");
    let df = read_parquet_columns(&paths_file, &["product", "loss_ratio"])?;
    let names = strings(&df, "product", &paths_file)?;
    let ratios = floats(&df, "loss_ratio", &paths_file)?;
    for (p, _) in products {
        let Some(lr) = find(rows, p, "loss_ratio") else {
            continue;
        };
        let mine: Vec<f64> = names
            .iter()
            .zip(&ratios)
            .filter(|(n, _)| n.as_deref() == Some(p.as_str()))
            .map(|(_, x)| *x)
            .filter(|x| x.is_finite())
            .collect();
        let title = format!("{p}: loss ratio per path");
        match charts::loss_ratio_histogram(&LossRatioHistogram {
            title: &title,
            ratios: &mine,
            mean: lr.mean,
            var_99: lr.p99,
            tvar_99: lr.tvar_99,
        }) {
            Ok(svg) => figure(
                out,
                &svg,
                &format!(
                    "{p}: histogram of the loss ratio of {} paths; lines at the mean, VaR 99 % and TVaR 99 %.",
                    thousands(mine.len() as f64)
                ),
            ),
            Err(e) => {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">{}: no histogram ({})</p>",
                    escape(p),
                    escape(&e.to_string())
                );
            }
        }
    }
    Ok(())
}

/// The perils of a product: metrics `<peril>_count` with a matching `<peril>_eur`.
fn perils(rows: &[Row], product: &str) -> Vec<String> {
    rows.iter()
        .filter(|r| r.product == product && r.company.is_none() && r.segment.is_none())
        .filter_map(|r| r.metric.strip_suffix("_count"))
        .filter(|p| *p != "rejected" && find(rows, product, &format!("{p}_eur")).is_some())
        .map(str::to_string)
        .collect()
}

fn peril_section(out: &mut String, rows: &[Row], products: &[(String, String)]) -> Result<()> {
    out.push_str("<h2 id=\"perils\">Claims by peril</h2>\n<p class=\"note\">Mean claims over the horizon per peril, with the Monte Carlo standard error of the mean; the whiskers span ± 1.96 se.</p>\n");
    for (p, _) in products {
        let perils = perils(rows, p);
        if perils.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{}</h3>", escape(p));
        out.push_str("<table><tr><th>peril</th><th>claims (count) mean ± se</th><th>claims (EUR) mean ± se</th><th>share of claims</th></tr>\n");
        let total = find(rows, p, "claims_eur").map_or(f64::NAN, |r| r.mean);
        let mut bars = Vec::new();
        for peril in &perils {
            let count = find(rows, p, &format!("{peril}_count"));
            let Some(eur) = find(rows, p, &format!("{peril}_eur")) else {
                continue;
            };
            let share = if total > 0.0 {
                format!("{:.1} %", 100.0 * eur.mean / total)
            } else {
                "–".into()
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{share}</td></tr>",
                escape(peril),
                count.map_or("–".into(), mean_se),
                mean_se(eur)
            );
            bars.push(PerilBar {
                peril: peril.clone(),
                mean_eur: eur.mean,
                se_eur: eur.se,
            });
        }
        out.push_str("</table>\n");
        if let Ok(svg) = charts::peril_bars(&format!("{p}: claims by peril"), &bars) {
            figure(
                out,
                &svg,
                &format!("{p}: mean claims per peril over the horizon (EUR)."),
            );
        }
    }
    Ok(())
}

fn segment_section(out: &mut String, rows: &[Row]) {
    let seg: Vec<&Row> = rows
        .iter()
        .filter(|r| r.segment.is_some() && r.metric == "loss_ratio")
        .collect();
    if seg.is_empty() {
        return;
    }
    out.push_str("<h2 id=\"segments\">Segments</h2>\n<p class=\"note\">Plan types, sales channels or policy segments of the products that have them.</p>\n");
    out.push_str("<table><tr><th>product</th><th>segment</th><th>covered</th><th>premium (EUR)</th><th>claims (EUR)</th><th>loss ratio mean ± se</th><th>VaR 99 %</th><th>portfolio loss ratio</th></tr>\n");
    for r in seg {
        let s = r.segment.as_deref();
        let get = |metric: &str| {
            rows.iter()
                .find(|x| x.product == r.product && x.segment.as_deref() == s && x.metric == metric)
        };
        let cell = |metric: &str| get(metric).map_or("–".into(), mean_se);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.product),
            breakable(s.unwrap_or_default()),
            cell("covered"),
            cell("premium_eur"),
            cell("claims_eur"),
            mean_se(r),
            fmt("ratio", r.p99),
            cell("portfolio_loss_ratio"),
        );
    }
    out.push_str("</table>\n");
}

fn frame_section(out: &mut String, dir: &Path, m: &Manifest, rows: &[Row]) -> Result<()> {
    out.push_str("<h2 id=\"frames\">Guarantee frames</h2>\n<p class=\"note\">Active guaranteed volume per company against its frame around Black Friday, from 15 October to 15 January (or the horizon's end, if earlier): p05–p95 band, median, mean and p99 over paths.</p>\n");
    let mut companies: Vec<&str> = Vec::new();
    for r in rows {
        if let Some(c) = r.company.as_deref()
            && !companies.contains(&c)
        {
            companies.push(c);
        }
    }
    out.push_str("<table><tr><th>company</th><th>frame (EUR)</th><th>peak (EUR) mean</th><th>peak p99</th><th>P(saturation)</th><th>days over frame</th><th>P(insolvency)</th></tr>\n");
    for c in &companies {
        let get = |metric: &str| {
            rows.iter()
                .find(|r| r.company.as_deref() == Some(*c) && r.metric == metric)
        };
        let cell = |metric: &str| get(metric).map_or("–".into(), mean_se);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(c),
            get("frame_eur").map_or("–".into(), |r| thousands(r.mean)),
            cell("peak_eur"),
            get("peak_eur").map_or("–".into(), |r| thousands(r.p99)),
            cell("p_saturation"),
            cell("days_over_frame"),
            cell("p_insolvency"),
        );
    }
    out.push_str("</table>\n");
    let rec = dir.join("frame_recommendation.csv");
    if rec.exists() {
        let df = read_csv(&rec)?;
        out.push_str("<h3>Recommended frames</h3>\n");
        decision_table(out, &df, &rec, FRAME_DECISIONS, None);
        full_table(out, &df, None, "frame_recommendation.csv");
    }
    let mut svgs: Vec<&String> = m
        .files
        .iter()
        .filter(|f| f.starts_with("plots/") && f.ends_with(".svg"))
        .collect();
    svgs.sort();
    for f in svgs {
        let path = dir.join(f);
        match std::fs::read_to_string(&path) {
            Ok(svg) if svg.trim_start().starts_with("<svg") => {
                figure(
                    out,
                    &svg,
                    &format!(
                        "{f}: active guaranteed volume against the frame (EUR), Black Friday and Christmas marked."
                    ),
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "<p class=\"note\">{}: missing or not an SVG file</p>",
                    escape(f)
                );
            }
        }
    }
    Ok(())
}

/// A background colour for an adequacy ratio (current / indicated premium): red below 1,
/// green above, white at 1.
fn heat(x: f64) -> String {
    if !x.is_finite() {
        return "#ffffff".into();
    }
    let t = ((x - 1.0) / 0.3).clamp(-1.0, 1.0);
    let (r, g, b) = if t < 0.0 {
        (255.0, 255.0 + 90.0 * t, 255.0 + 90.0 * t)
    } else {
        (255.0 - 90.0 * t, 255.0 - 20.0 * t, 255.0 - 90.0 * t)
    };
    format!("#{:02x}{:02x}{:02x}", r as u8, g as u8, b as u8)
}

fn cell_text(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => "–".into(),
        AnyValue::String(s) => (*s).to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(x) => float_text(*x),
        AnyValue::Float32(x) => float_text(f64::from(*x)),
        other => other.to_string(),
    }
}

fn float_text(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x.abs() >= 1000.0 {
        thousands(x)
    } else {
        format!("{x:.4}")
    }
}

fn pricing_section(out: &mut String, path: &Path) -> Result<()> {
    let df = read_parquet(path)?;
    out.push_str("<h2 id=\"pricing\">Pricing and adequacy</h2>\n<p class=\"note\">From pricing.parquet. Adequacy: current premium over indicated premium; red cells are under-priced, green over-priced.</p>\n");
    let adequacy = floats(&df, "adequacy", path).ok();
    if let (Some(adequacy), Ok(products), Ok(segments)) = (
        &adequacy,
        strings(&df, "product", path),
        strings(&df, "segment", path),
    ) {
        // A grid: a cell `a/b/c` is row `a/b`, column `c` (the destination of a parcel tariff
        // cell, the last part of any path-like segment name); other segments are columns of
        // their product's row.
        let split = |s: &str| -> (String, String) {
            match s.rsplit_once('/') {
                Some((row, col)) => (row.to_string(), col.to_string()),
                None if s.is_empty() => (String::new(), "(all)".to_string()),
                None => (String::new(), s.to_string()),
            }
        };
        let mut cols: Vec<String> = Vec::new();
        let mut grid_rows: Vec<(String, String)> = Vec::new();
        for (p, s) in products.iter().zip(&segments) {
            let p = p.clone().unwrap_or_default();
            let (row, col) = split(s.as_deref().unwrap_or_default());
            if !grid_rows.contains(&(p.clone(), row.clone())) {
                grid_rows.push((p, row));
            }
            if !cols.contains(&col) {
                cols.push(col);
            }
        }
        out.push_str("<h3>Adequacy by tariff cell</h3>\n<table><tr><th>product · cell</th>");
        for c in &cols {
            let _ = write!(out, "<th>{}</th>", escape(c));
        }
        out.push_str("</tr>\n");
        for (p, row) in &grid_rows {
            let label = if row.is_empty() {
                p.clone()
            } else {
                format!("{p} · {row}")
            };
            let _ = write!(out, "<tr><th>{}</th>", escape(&label));
            for c in &cols {
                let x = (0..df.height())
                    .find(|&i| {
                        products[i].as_deref().unwrap_or_default() == p
                            && split(segments[i].as_deref().unwrap_or_default())
                                == (row.clone(), c.clone())
                    })
                    .map(|i| adequacy[i]);
                match x {
                    Some(x) => {
                        let _ = write!(
                            out,
                            "<td class=\"num\" style=\"background:{}\">{}</td>",
                            heat(x),
                            float_text(x)
                        );
                    }
                    None => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h3>Pricing table</h3>\n");
    decision_table(out, &df, path, PRICING_DECISIONS, adequacy.as_deref());
    full_table(out, &df, adequacy.as_deref(), "pricing.parquet");
    Ok(())
}

/// The frame recommendation's decision columns, first in the report.
const FRAME_DECISIONS: &[(&str, &str)] = &[
    ("company", "company"),
    ("frame_eur", "frame (EUR)"),
    ("p_saturation", "P(saturation)"),
    ("confidence", "confidence"),
    ("required_frame_eur", "required frame (EUR)"),
    ("raise_by_eur", "raise by (EUR)"),
    ("required_raise_margin", "required raise margin"),
];

/// The pricing table's decision columns, first in the report, with human labels and units.
const PRICING_DECISIONS: &[(&str, &str)] = &[
    ("product", "product"),
    ("segment", "cell"),
    ("parameter", "tariff parameter"),
    ("current_price", "current price"),
    ("solved_price", "solved price"),
    ("adequacy", "adequacy (current / indicated)"),
    ("loss_ratio", "loss ratio"),
    ("p_lr_over_1", "P(loss ratio > 100 %)"),
];

/// A table of the `columns` (name in `df`, label) that `df` has, ratios as percentages, with
/// the adequacy cells coloured; the columns a reader decides on, narrow enough for the page.
fn decision_table(
    out: &mut String,
    df: &DataFrame,
    path: &Path,
    columns: &[(&str, &str)],
    adequacy: Option<&[f64]>,
) {
    let present: Vec<(&str, &str)> = (columns.iter())
        .filter(|(name, _)| df.column(name).is_ok())
        .copied()
        .collect();
    out.push_str("<table><tr>");
    for (_, label) in &present {
        let _ = write!(out, "<th>{}</th>", escape(label));
    }
    out.push_str("</tr>\n");
    for i in 0..df.height() {
        out.push_str("<tr>");
        for (name, _) in &present {
            let ratio = name.starts_with("p_") || matches!(*name, "loss_ratio" | "confidence");
            let numeric = df
                .column(name)
                .is_ok_and(|c| c.dtype().is_primitive_numeric());
            let numbers = numeric.then(|| floats(df, name, path).ok()).flatten();
            let text = match &numbers {
                Some(v) if ratio => fmt("ratio", v[i]),
                Some(v) if name.ends_with("_eur") => fmt("EUR", v[i]),
                _ => {
                    let v = df
                        .column(name)
                        .and_then(|c| c.get(i))
                        .unwrap_or(AnyValue::Null);
                    cell_text(&v)
                }
            };
            let style = match (*name, adequacy) {
                ("adequacy", Some(a)) => format!(" style=\"background:{}\"", heat(a[i])),
                _ => String::new(),
            };
            let (class, text) = match numbers {
                Some(_) => (" class=\"num\"", escape(&text)),
                None => ("", breakable(&text)),
            };
            let _ = write!(out, "<td{class}{style}>{text}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// Every column of `df`, folded under a summary naming the file it comes from.
fn full_table(out: &mut String, df: &DataFrame, adequacy: Option<&[f64]>, file: &str) {
    let _ = write!(
        out,
        "<details><summary>every column of {} ({} rows)</summary><table><tr>",
        escape(file),
        df.height()
    );
    let columns = df.columns();
    for c in columns {
        let _ = write!(out, "<th>{}</th>", escape(c.name()));
    }
    out.push_str("</tr>\n");
    for i in 0..df.height() {
        out.push_str("<tr>");
        for c in columns {
            let v = c.get(i).unwrap_or(AnyValue::Null);
            let style = match (c.name().as_str(), adequacy) {
                ("adequacy", Some(a)) => format!(" style=\"background:{}\"", heat(a[i])),
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<td class=\"num\"{style}>{}</td>",
                escape(&cell_text(&v))
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></details>\n");
}

fn error_section(out: &mut String, rows: &[Row], m: &Manifest) {
    let _ = writeln!(
        out,
        "<h2 id=\"errors\">Standard errors</h2>\n<p class=\"note\">Monte Carlo standard error of each mean over {} paths (se = sd / √n); the relative se is se / |mean|. Quadrupling the paths halves them.</p>",
        thousands(m.paths as f64)
    );
    let _ = writeln!(
        out,
        "<details><summary>{} rows: every summary metric's mean and standard error</summary>",
        rows.len()
    );
    out.push_str("<table><tr><th>product</th><th>company / segment</th><th>metric</th><th>unit</th><th>mean</th><th>se</th><th>relative se</th></tr>\n");
    for r in rows {
        let rel = if r.mean != 0.0 && r.se.is_finite() && r.mean.is_finite() {
            format!("{:.2} %", 100.0 * r.se / r.mean.abs())
        } else {
            "–".into()
        };
        let who = r.company.as_deref().or(r.segment.as_deref()).unwrap_or("");
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{rel}</td></tr>",
            escape(&r.product),
            escape(who),
            escape(&human_label(&r.metric)),
            escape(&r.unit),
            fmt(&r.unit, r.mean),
            fmt(&r.unit, r.se),
        );
    }
    out.push_str("</table></details>\n");
}

fn analytic_section(out: &mut String, rows: &[Row]) {
    out.push_str("<h2 id=\"analytic\">Analytic checks</h2>\n<p class=\"note\">The closed-form expectations that <code>protectsim check</code> prints, against the simulated means: z = (mean − analytic) / se. Rows with |z| &gt; 4 are marked.</p>\n");
    let checks: Vec<&Row> = rows.iter().filter(|r| r.analytic.is_some()).collect();
    if checks.is_empty() {
        out.push_str("<p class=\"note\">No metric of this run has a closed form.</p>\n");
        return;
    }
    out.push_str("<table><tr><th>product</th><th>segment</th><th>metric</th><th>simulated mean ± se</th><th>analytic</th><th>z</th></tr>\n");
    for r in checks {
        let a = r.analytic.unwrap_or(f64::NAN);
        let z = if r.se > 0.0 {
            (r.mean - a) / r.se
        } else {
            f64::NAN
        };
        let class = if z.abs() > 4.0 { " class=\"bad\"" } else { "" };
        let z_text = if z.is_finite() {
            format!("{z:+.2}")
        } else {
            "–".into()
        };
        let _ = writeln!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{z_text}</td></tr>",
            escape(&r.product),
            escape(r.segment.as_deref().unwrap_or("")),
            escape(&human_label(&r.metric)),
            mean_se(r),
            fmt(&r.unit, a),
        );
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<b>\"Vasseur & Fils\"</b>"),
            "&lt;b&gt;&quot;Vasseur &amp; Fils&quot;&lt;/b&gt;"
        );
    }

    #[test]
    fn metric_names_read_as_words_with_their_unit() {
        for (metric, want) in [
            ("premium_eur", "premium (EUR)"),
            ("delay_count", "delay (count)"),
            ("p_loss_ratio_above_1", "P(loss ratio above 1)"),
            ("portfolio_loss_ratio", "portfolio loss ratio"),
            ("covered", "covered"),
        ] {
            assert_eq!(human_label(metric), want);
        }
    }

    #[test]
    fn breakable_escapes_and_breaks_after_path_separators() {
        assert_eq!(
            breakable("products[0].tariff/<a>"),
            "products[0].<wbr>tariff/<wbr>&lt;a&gt;"
        );
        assert_eq!(breakable("flat_fee"), "flat_<wbr>fee");
        assert_eq!(breakable(""), "");
    }

    #[test]
    fn heat_is_white_at_one_red_below_green_above() {
        assert_eq!(heat(1.0), "#ffffff");
        assert!(heat(0.7).starts_with("#ffa5"));
        assert_eq!(heat(1.3), "#a5eba5");
        assert_eq!(heat(f64::NAN), "#ffffff");
    }

    #[test]
    fn a_folder_without_manifest_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_report(dir.path()).unwrap_err();
        assert!(err.chain().any(|e| e.is::<UsageError>()));
        assert!(err.to_string().contains("manifest.json"));
        let err = write_report(&dir.path().join("nope")).unwrap_err();
        assert!(err.chain().any(|e| e.is::<UsageError>()));
    }
}
