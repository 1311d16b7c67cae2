//! The decision block that opens `report.html`: per product what an actuary or an underwriter
//! decides on, each figure with its Monte Carlo uncertainty. The premium, net claims, loss
//! ratio and P(loss ratio > 100 %) carry their standard error; the 1-in-200 net claims (the
//! 99.5 % quantile a Solvency II capital figure reads) its distribution-free 95 % interval
//! from the paths' order statistics, as `ep.parquet` holds them ([`crate::ep`]). A priced folder adds
//! the tariff's verdict (which cells are under-priced), a frame folder each company's required
//! frame and raise. Everything else, run metadata included, comes below.

use super::html::{Row, escape, find, floats, fmt, mean_se, read_csv, read_parquet, strings};
use super::terminal::thousands;
use anyhow::Result;
use polars::prelude::DataFrame;
use std::fmt::Write as _;
use std::path::Path;

/// What the block reads besides the summary rows: the exceedance table, and the pricing and
/// frame-recommendation tables, where the folder has them.
pub(super) struct Inputs<'a> {
    pub rows: &'a [Row],
    pub products: &'a [(String, String)],
    pub ep: Option<DataFrame>,
    pub pricing: Option<DataFrame>,
    pub recommendation: Option<DataFrame>,
}

impl Inputs<'_> {
    /// Reads what the block needs from result folder `dir`.
    pub fn read<'a>(
        dir: &Path,
        rows: &'a [Row],
        products: &'a [(String, String)],
    ) -> Result<Inputs<'a>> {
        let ep_file = dir.join("ep.parquet");
        let pricing_file = dir.join("pricing.parquet");
        let recommendation_file = dir.join("frame_recommendation.csv");
        Ok(Inputs {
            rows,
            products,
            ep: match ep_file.exists() {
                true => Some(read_parquet(&ep_file)?),
                false => None,
            },
            pricing: match pricing_file.exists() {
                true => Some(read_parquet(&pricing_file)?),
                false => None,
            },
            recommendation: match recommendation_file.exists() {
                true => Some(read_csv(&recommendation_file)?),
                false => None,
            },
        })
    }
}

/// One line of a product's card: a human label with its unit, the value, a note.
fn line(out: &mut String, label: &str, value: &str, note: &str) {
    let _ = writeln!(
        out,
        "<tr><th>{}</th><td class=\"num\">{}</td><td class=\"note\">{}</td></tr>",
        escape(label),
        escape(value),
        escape(note)
    );
}

/// Writes the block: `<section id="headline">`, one card per product.
pub(super) fn section(out: &mut String, inputs: &Inputs<'_>) -> Result<()> {
    out.push_str("<section id=\"headline\"><h2>Decisions</h2>\n<p class=\"note\">Per product over the horizon: means with their Monte Carlo standard error (±), the 1-in-200 net claims with its 95 % interval. The sections below give the detail; the run's settings and the scenario are at the end.</p>\n<div class=\"cards\">\n");
    for (p, kind) in inputs.products {
        let _ = writeln!(
            out,
            "<div class=\"card\"><h3>{} <span class=\"note\">{}</span></h3><table class=\"kv\">",
            escape(p),
            escape(kind)
        );
        let row = |metric: &str| find(inputs.rows, p, metric);
        for (metric, label) in [
            ("premium_eur", "Premium (EUR)"),
            ("net_claims_eur", "Net claims (EUR)"),
            (
                "portfolio_loss_ratio",
                "Loss ratio, E[net claims] / E[premium]",
            ),
            ("p_loss_ratio_above_1", "P(loss ratio > 100 %)"),
        ] {
            if let Some(r) = row(metric) {
                let note = r.analytic.map_or(String::new(), |a| {
                    format!("closed form {}", fmt(&r.unit, a))
                });
                line(out, label, &mean_se(r), &note);
            }
        }
        if let Some(df) = &inputs.ep {
            one_in_200(out, df, p);
        }
        if let Some(df) = &inputs.pricing {
            tariff(out, df, p);
        }
        if let Some(df) = &inputs.recommendation {
            frames(out, df, inputs.rows, p);
        }
        out.push_str("</table></div>\n");
    }
    out.push_str("</div></section>\n");
    Ok(())
}

/// The 1-in-200 net claims of product `p` and its 95 % interval: the 200-year row of its
/// aggregate curve in `ep.parquet`.
fn one_in_200(out: &mut String, df: &DataFrame, p: &str) {
    let file = Path::new("ep.parquet");
    let (Ok(lines), Ok(curves), Ok(periods), Ok(loss), Ok(low), Ok(high), Ok(paths)) = (
        strings(df, "line", file),
        strings(df, "curve", file),
        floats(df, "return_period", file),
        floats(df, "loss_eur", file),
        floats(df, "ci_low_eur", file),
        floats(df, "ci_high_eur", file),
        floats(df, "paths", file),
    ) else {
        return;
    };
    let Some(i) = (0..df.height()).find(|&i| {
        lines[i].as_deref() == Some(p) && curves[i].as_deref() == Some("aep") && periods[i] == 200.0
    }) else {
        return;
    };
    let note = if high[i].is_finite() {
        format!("95 %: {} to {}", thousands(low[i]), thousands(high[i]))
    } else {
        format!(
            "95 %: at least {}; {} paths do not bound it from above",
            thousands(low[i]),
            thousands(paths[i])
        )
    };
    line(out, "1-in-200 net claims (EUR)", &thousands(loss[i]), &note);
}

/// The tariff's verdict for product `p` from `pricing.parquet`: its priced cells and those
/// whose current premium falls short of the indicated one (adequacy below 1).
fn tariff(out: &mut String, df: &DataFrame, p: &str) {
    let file = Path::new("pricing.parquet");
    let (Ok(products), Ok(segments), Ok(adequacy)) = (
        strings(df, "product", file),
        strings(df, "segment", file),
        floats(df, "adequacy", file),
    ) else {
        return;
    };
    let mine: Vec<(String, f64)> = (0..df.height())
        .filter(|&i| products[i].as_deref() == Some(p))
        .map(|i| (segments[i].clone().unwrap_or_default(), adequacy[i]))
        .collect();
    if mine.is_empty() {
        return;
    }
    let short: Vec<&str> = (mine.iter())
        .filter(|(_, a)| *a < 1.0)
        .map(|(s, _)| s.as_str())
        .collect();
    let shown = short.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    let more = short.len().saturating_sub(5);
    let note = match (short.is_empty(), more) {
        (true, _) => "every cell's premium covers its indicated premium".to_string(),
        (false, 0) => format!("under-priced: {shown}"),
        (false, m) => format!("under-priced: {shown} and {m} more"),
    };
    line(
        out,
        "Tariff cells under-priced",
        &format!("{} of {}", short.len(), mine.len()),
        &note,
    );
}

/// Each company of frame product `p`: its frame, P(saturation), and the frame and raise
/// margin `frame_recommendation.csv` gives.
fn frames(out: &mut String, df: &DataFrame, rows: &[Row], p: &str) {
    let file = Path::new("frame_recommendation.csv");
    let Ok(companies) = strings(df, "company", file) else {
        return;
    };
    let num = |name: &str| floats(df, name, file).ok();
    let (required, raise_by, margin, confidence) = (
        num("required_frame_eur"),
        num("raise_by_eur"),
        num("required_raise_margin"),
        num("confidence"),
    );
    for (i, c) in companies.iter().enumerate() {
        let Some(c) = c else { continue };
        let saturation = rows.iter().find(|r| {
            r.product == p && r.company.as_deref() == Some(c.as_str()) && r.metric == "p_saturation"
        });
        let Some(saturation) = saturation else {
            continue;
        };
        let at = |v: &Option<Vec<f64>>| v.as_ref().map_or(f64::NAN, |v| v[i]);
        line(
            out,
            &format!("{c}: P(saturation)"),
            &mean_se(saturation),
            &format!("of the frame {} EUR", thousands(at(&num("frame_eur")))),
        );
        line(
            out,
            &format!("{c}: required frame (EUR)"),
            &thousands(at(&required)),
            &format!(
                "at {} confidence: raise by {} EUR; raise margin {:.2}",
                fmt("probability", at(&confidence)),
                thousands(at(&raise_by)),
                at(&margin)
            ),
        );
    }
}
