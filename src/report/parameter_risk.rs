//! `parameter_risk.parquet` and `parameter_risk.csv`: where a scenario writes values as
//! distributions, the split of each figure's variance over paths into process risk and
//! parameter risk (see [`crate::parameter_risk`]), with the report's section and the
//! terminal's lines.

use super::html::{escape, floats, read_parquet, strings};
use super::terminal::thousands;
use crate::parameter_risk::Split;
use anyhow::Result;
use polars::prelude::*;
use std::fmt::Write as _;

/// The table of `parameter_risk.parquet`: one row per (line, metric).
pub fn frame(splits: &[Split]) -> PolarsResult<DataFrame> {
    let text = |f: fn(&Split) -> String| -> Vec<String> { splits.iter().map(f).collect() };
    let num = |f: fn(&Split) -> f64| -> Vec<Option<f64>> {
        splits.iter().map(|s| super::nullable(f(s))).collect()
    };
    DataFrame::new(
        splits.len(),
        vec![
            Column::new("line".into(), text(|s| s.line.clone())),
            Column::new("metric".into(), text(|s| s.metric.clone())),
            Column::new("unit".into(), text(|s| s.unit.to_string())),
            Column::new("mean".into(), num(|s| s.mean)),
            Column::new("closed_form_mean".into(), num(|s| s.closed_form_mean)),
            Column::new("closed_form_mean_se".into(), num(|s| s.closed_form_mean_se)),
            Column::new("sd".into(), num(|s| s.var_total.sqrt())),
            Column::new("sd_process".into(), num(|s| s.var_process.sqrt())),
            Column::new("sd_parameter".into(), num(|s| s.var_parameter.sqrt())),
            Column::new("var_total".into(), num(|s| s.var_total)),
            Column::new("var_process".into(), num(|s| s.var_process)),
            Column::new("var_process_se".into(), num(|s| s.var_process_se)),
            Column::new("var_parameter".into(), num(|s| s.var_parameter)),
            Column::new("var_parameter_se".into(), num(|s| s.var_parameter_se)),
            Column::new("parameter_share".into(), num(Split::parameter_share)),
            Column::new(
                "paths".into(),
                splits.iter().map(|s| s.paths).collect::<Vec<u64>>(),
            ),
        ],
    )
}

/// The headline figures whose split the terminal and the report's table show.
const SHOWN: [&str; 3] = ["premium_eur", "net_claims_eur", "loss_ratio"];

/// A value in its unit: a ratio in percent, anything else with thousands separators.
fn show(x: f64, unit: &str) -> String {
    if unit == "ratio" {
        format!("{:.1} %", 100.0 * x)
    } else {
        thousands(x)
    }
}

/// The terminal's lines after the summary table: per product, the standard deviation of its
/// premium, net claims and loss ratio, and the share of their variance due to parameter risk.
pub fn lines(splits: &[Split], uncertain: &[crate::scenario::Uncertain]) -> String {
    if splits.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nparameter risk ({} values drawn per path: {}): sd over paths = process + parameter (variance shares)\n",
        uncertain.len(),
        uncertain
            .iter()
            .map(|u| u.path.rsplit('.').next().unwrap_or(&u.path).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for s in splits.iter().filter(|s| SHOWN.contains(&s.metric.as_str())) {
        let _ = writeln!(
            out,
            "  {:<12} {:<16} sd {:>14}  process {:>14}  parameter {:>14}  ({:.0} % parameter)",
            s.line,
            s.metric,
            show(s.var_total.sqrt(), s.unit),
            show(s.var_process.sqrt(), s.unit),
            show(s.var_parameter.sqrt(), s.unit),
            100.0 * s.parameter_share()
        );
    }
    out
}

/// The report's section, from `parameter_risk.parquet`; nothing without it.
pub(super) fn section(out: &mut String, dir: &std::path::Path) -> Result<()> {
    let file = dir.join("parameter_risk.parquet");
    if !file.exists() {
        return Ok(());
    }
    let df = read_parquet(&file)?;
    let (line, metric, unit) = (
        strings(&df, "line", &file)?,
        strings(&df, "metric", &file)?,
        strings(&df, "unit", &file)?,
    );
    let (mean, closed, sd, process, parameter, share) = (
        floats(&df, "mean", &file)?,
        floats(&df, "closed_form_mean", &file)?,
        floats(&df, "sd", &file)?,
        floats(&df, "sd_process", &file)?,
        floats(&df, "sd_parameter", &file)?,
        floats(&df, "parameter_share", &file)?,
    );
    out.push_str("<h2 id=\"parameter-risk\">Parameter risk</h2>\n<p class=\"note\">The scenario writes some values as distributions: each path draws its own. The spread of a figure over paths is then process risk (claims given the parameters) plus parameter risk (the parameters themselves): Var X = E[Var(X | θ)] + Var(E[X | θ]), each part estimated from the paths and the closed-form mean under each path's own parameters. The closed-form mean is E[E[X | θ]] over the paths' draws. Loss ratios are split through their linearisation around the portfolio loss ratio. From parameter_risk.parquet, which also holds each variance with its standard error.</p>\n<table><tr><th>line</th><th>figure</th><th>mean</th><th>closed form</th><th>sd</th><th>sd process</th><th>sd parameter</th><th>parameter share</th></tr>\n");
    for i in 0..df.height() {
        let u = unit[i].as_deref().unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.1} %</td></tr>",
            escape(line[i].as_deref().unwrap_or_default()),
            escape(&super::html::human_label(
                metric[i].as_deref().unwrap_or_default()
            )),
            show(mean[i], u),
            show(closed[i], u),
            show(sd[i], u),
            show(process[i], u),
            show(parameter[i], u),
            100.0 * share[i]
        );
    }
    out.push_str("</table>\n");
    Ok(())
}
