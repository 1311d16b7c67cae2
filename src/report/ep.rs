//! `ep.parquet` and `ep.csv`: the exceedance-probability table of each product's net claims,
//! and of the portfolio's (their sum, path by path) when a scenario has several products, at
//! the return periods of [`crate::ep::RETURN_PERIODS`] (see [`crate::ep`]): the aggregate
//! curve (AEP) of every line, and the occurrence curve (OEP) where an occurrence is defined:
//! a merchant's default for a guarantee frame (a path's largest refund of one company).

use super::nullable;
use crate::engine::Model;
use crate::ep::{self, EpPoint};
use crate::products::Occurrence;
use crate::store::{FrameField, Line, LineField, StoredPaths};
use anyhow::Result;
use polars::prelude::*;

/// The name of the portfolio's line.
pub const PORTFOLIO: &str = "portfolio";

/// One EP curve: whose (a product's name and kind, or the portfolio), which (`aep` or
/// `oep`), over how many paths.
pub struct Curve {
    pub line: String,
    pub kind: String,
    pub curve: &'static str,
    pub paths: u64,
    pub points: Vec<EpPoint>,
}

impl Curve {
    /// The curve `curve` of `line` from its per-path losses (any order).
    fn of(line: &str, kind: &str, curve: &'static str, mut losses: Vec<f64>) -> Curve {
        // Unstable: values equal under `total_cmp` are the same bits, so the order is the same,
        // without the stable sort's buffer of half the column (40 MB at 10^7 paths).
        losses.sort_unstable_by(f64::total_cmp);
        Curve {
            line: line.to_string(),
            kind: kind.to_string(),
            curve,
            paths: losses.len() as u64,
            points: ep::aep(&losses),
        }
    }
}

/// The curves of every product's net claims, then the portfolio's where there are several
/// products, read one product column at a time from the stored paths.
pub fn curves(model: &Model, paths: &StoredPaths) -> Result<Vec<Curve>> {
    // The portfolio's column only where there are several products: a column is 8 bytes a
    // path, the memory of a run of many paths.
    let mut portfolio = (model.products().len() > 1).then(|| vec![0.0; paths.len() as usize]);
    let mut out = Vec::new();
    for (pi, p) in model.products().iter().enumerate() {
        let net = paths.map_line_fields(Line::Product(pi), &crate::summary::MONEY, |t| {
            t.net_claims().to_eur()
        })?;
        for (a, x) in portfolio.iter_mut().flatten().zip(&net) {
            *a += x;
        }
        out.push(Curve::of(p.name(), p.kind(), "aep", net));
        match p.occurrence() {
            Some(Occurrence::Default) => {
                // A merchant's default: a path's largest refund of one company.
                let mut largest = vec![0.0f64; paths.len() as usize];
                let layout = *paths.layout();
                for (c, _) in model
                    .frames()
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.product == pi)
                {
                    let loss = paths.words(layout.frame_word(c, FrameField::InsolvencyLoss))?;
                    for (a, &x) in largest.iter_mut().zip(&loss) {
                        *a = a.max(x as f64 / 100.0);
                    }
                }
                out.push(Curve::of(p.name(), p.kind(), "oep", largest));
            }
            Some(Occurrence::Day | Occurrence::Case) => {
                // A day's claims, or a case: the path's largest, as the engine kept it.
                let largest = paths
                    .line_column(Line::Product(pi), LineField::LargestOccurrence)?
                    .into_iter()
                    .map(|x| x as f64 / 100.0)
                    .collect();
                out.push(Curve::of(p.name(), p.kind(), "oep", largest));
            }
            None => {}
        }
    }
    if let Some(portfolio) = portfolio {
        out.push(Curve::of(PORTFOLIO, PORTFOLIO, "aep", portfolio));
    }
    Ok(out)
}

/// Rounds EUR to the cent (what the engine counts in), keeping NaN.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The table of `ep.parquet`: one row per curve and return period.
pub fn frame(curves: &[Curve]) -> PolarsResult<DataFrame> {
    let rows: Vec<(&Curve, &EpPoint)> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(move |p| (c, p)))
        .collect();
    let text = |name: &str, f: fn(&Curve) -> String| {
        Column::new(
            name.into(),
            rows.iter().map(|(c, _)| f(c)).collect::<Vec<_>>(),
        )
    };
    let eur = |name: &str, f: fn(&EpPoint) -> f64| {
        Column::new(
            name.into(),
            rows.iter()
                .map(|(_, p)| nullable(cents(f(p))))
                .collect::<Vec<Option<f64>>>(),
        )
    };
    let cols = vec![
        text("line", |c| c.line.clone()),
        text("kind", |c| c.kind.clone()),
        text("curve", |c| c.curve.to_string()),
        Column::new(
            "return_period".into(),
            rows.iter()
                .map(|(_, p)| p.return_period)
                .collect::<Vec<u32>>(),
        ),
        Column::new(
            "exceedance_probability".into(),
            rows.iter().map(|(_, p)| p.exceedance).collect::<Vec<f64>>(),
        ),
        eur("loss_eur", |p| p.loss),
        eur("ci_low_eur", |p| p.low),
        eur("ci_high_eur", |p| p.high.unwrap_or(f64::NAN)),
        eur("se_eur", |p| p.se),
        Column::new(
            "paths".into(),
            rows.iter().map(|(c, _)| c.paths).collect::<Vec<u64>>(),
        ),
    ];
    DataFrame::new(rows.len(), cols)
}

/// The report's EP section from `ep.parquet`: one card per curve, each return period with
/// its loss and 95 % interval. Nothing when the folder has no `ep.parquet`.
pub(super) fn section(out: &mut String, dir: &std::path::Path) -> Result<()> {
    use super::html::{escape, floats, read_parquet, strings};
    use super::terminal::thousands;
    use std::fmt::Write as _;
    let file = dir.join("ep.parquet");
    if !file.exists() {
        return Ok(());
    }
    let df = read_parquet(&file)?;
    let (lines, curves, periods, loss, low, high) = (
        strings(&df, "line", &file)?,
        strings(&df, "curve", &file)?,
        floats(&df, "return_period", &file)?,
        floats(&df, "loss_eur", &file)?,
        floats(&df, "ci_low_eur", &file)?,
        floats(&df, "ci_high_eur", &file)?,
    );
    out.push_str("<h2 id=\"ep\">Exceedance probabilities</h2>\n<p class=\"note\">The net claims a horizon exceeds once in T horizons (years for a one-year scenario): the 1 − 1/T quantile over paths, with its distribution-free 95 % interval from the order statistics. Where the paths do not bound it from above, more paths would. From ep.parquet.</p>\n<div class=\"cards\">\n");
    let mut names: Vec<(&str, &str)> = Vec::new();
    for (l, c) in lines.iter().zip(&curves) {
        if let (Some(l), Some(c)) = (l, c)
            && !names.contains(&(l.as_str(), c.as_str()))
        {
            names.push((l, c));
        }
    }
    for (name, curve) in names {
        let (title, what) = match curve {
            "oep" => (
                format!("{name}: largest occurrence"),
                "largest refund of one company (EUR)",
            ),
            _ => (name.to_string(), "net claims (EUR)"),
        };
        let _ = writeln!(
            out,
            "<div class=\"card\"><h3>{}</h3><table class=\"kv\"><tr><th>1 in T</th><th>{what}</th><th>95 % interval</th></tr>",
            escape(&title)
        );
        for i in (0..df.height())
            .filter(|&i| lines[i].as_deref() == Some(name) && curves[i].as_deref() == Some(curve))
        {
            let interval = if high[i].is_finite() {
                format!("{} to {}", thousands(low[i]), thousands(high[i]))
            } else {
                format!("at least {}", thousands(low[i]))
            };
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                thousands(periods[i]),
                thousands(loss[i]),
                escape(&interval)
            );
        }
        out.push_str("</table></div>\n");
    }
    out.push_str("</div>\n");
    Ok(())
}
