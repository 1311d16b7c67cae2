//! `dependence.parquet` and `dependence.csv`: how the products of a scenario move together,
//! the correlation over paths of each pair's net claims (written where a scenario has several
//! products). Products sold on the same orders share them (a lost parcel its buyer disputes),
//! BNPL and guarantee frames share the economy's factor: this is what the portfolio's
//! diversification rests on. The report adds the diversification of capital: the products'
//! standalone SCRs (1-in-200 net claims less their mean) against the portfolio's.

use super::html::{escape, find, floats, read_parquet, strings};
use crate::engine::Model;
use crate::stats;
use crate::store::{Line, StoredPaths};
use anyhow::Result;
use polars::prelude::*;
use std::fmt::Write as _;

/// The correlation of two products' per-path net claims.
pub struct Pair {
    pub a: String,
    pub b: String,
    pub correlation: f64,
    pub se: f64,
    pub paths: u64,
}

/// Every pair of products, two stored columns in memory at a time; empty with one product.
pub fn pairs(model: &Model, paths: &StoredPaths) -> Result<Vec<Pair>> {
    let products = model.products();
    let net = |pi: usize| {
        paths.map_line_fields(Line::Product(pi), &crate::summary::MONEY, |t| {
            t.net_claims().to_eur()
        })
    };
    let mut out = Vec::new();
    for a in 0..products.len() {
        let x = net(a)?;
        for b in a + 1..products.len() {
            let y = net(b)?;
            let (correlation, se) = stats::correlation(&x, &y);
            out.push(Pair {
                a: products[a].name().to_string(),
                b: products[b].name().to_string(),
                correlation,
                se,
                paths: x.len() as u64,
            });
        }
    }
    Ok(out)
}

/// The table of `dependence.parquet`: one row per pair.
pub fn frame(pairs: &[Pair]) -> PolarsResult<DataFrame> {
    let nullable = |x: f64| super::nullable(x);
    DataFrame::new(
        pairs.len(),
        vec![
            Column::new(
                "product_a".into(),
                pairs.iter().map(|p| p.a.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "product_b".into(),
                pairs.iter().map(|p| p.b.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "correlation".into(),
                pairs
                    .iter()
                    .map(|p| nullable(p.correlation))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "correlation_se".into(),
                pairs.iter().map(|p| nullable(p.se)).collect::<Vec<_>>(),
            ),
            Column::new(
                "paths".into(),
                pairs.iter().map(|p| p.paths).collect::<Vec<u64>>(),
            ),
        ],
    )
}

/// The report's section: the pairs' correlations, and the diversification of capital from
/// `ep.parquet` (each line's 1-in-200) and the summary's mean net claims. Nothing without
/// `dependence.parquet`.
pub(super) fn section(
    out: &mut String,
    dir: &std::path::Path,
    rows: &[super::html::Row],
) -> Result<()> {
    let file = dir.join("dependence.parquet");
    if !file.exists() {
        return Ok(());
    }
    let df = read_parquet(&file)?;
    let (a, b, r, se) = (
        strings(&df, "product_a", &file)?,
        strings(&df, "product_b", &file)?,
        floats(&df, "correlation", &file)?,
        floats(&df, "correlation_se", &file)?,
    );
    out.push_str("<h2 id=\"dependence\">Dependence and diversification</h2>\n<p class=\"note\">Correlation over paths of the products' net claims (± its standard error): covers sold on the same orders share them, BNPL and guarantee frames share the economy's factor. Capital: each product's SCR (its 1-in-200 net claims less their mean) against the portfolio's; the diversification benefit is what the portfolio needs less than the sum. From dependence.parquet and ep.parquet.</p>\n<table><tr><th>products</th><th>correlation</th></tr>\n");
    for i in 0..df.height() {
        let _ = writeln!(
            out,
            "<tr><td>{} · {}</td><td class=\"num\">{:.3} ± {:.3}</td></tr>",
            escape(a[i].as_deref().unwrap_or_default()),
            escape(b[i].as_deref().unwrap_or_default()),
            r[i],
            se[i]
        );
    }
    out.push_str("</table>\n");
    let ep_file = dir.join("ep.parquet");
    if ep_file.exists() {
        let ep = read_parquet(&ep_file)?;
        let (lines, curves, periods, loss) = (
            strings(&ep, "line", &ep_file)?,
            strings(&ep, "curve", &ep_file)?,
            floats(&ep, "return_period", &ep_file)?,
            floats(&ep, "loss_eur", &ep_file)?,
        );
        let one_in_200 = |line: &str| {
            (0..ep.height())
                .find(|&i| {
                    lines[i].as_deref() == Some(line)
                        && curves[i].as_deref() == Some("aep")
                        && periods[i] == 200.0
                })
                .map(|i| loss[i])
        };
        let mut standalone = 0.0;
        let mut portfolio_mean = 0.0;
        let mut names: Vec<&str> = Vec::new();
        for l in lines.iter().flatten() {
            if l != super::ep::PORTFOLIO && !names.contains(&l.as_str()) {
                names.push(l);
            }
        }
        for name in &names {
            let mean = find(rows, name, "net_claims_eur").map_or(f64::NAN, |r| r.mean);
            standalone += one_in_200(name).unwrap_or(f64::NAN) - mean;
            portfolio_mean += mean;
        }
        let portfolio = one_in_200(super::ep::PORTFOLIO).unwrap_or(f64::NAN) - portfolio_mean;
        let _ = writeln!(
            out,
            "<p>Sum of the products' SCRs: <b>{}</b> EUR; the portfolio's SCR: <b>{}</b> EUR; diversification benefit: <b>{:.1} %</b>.</p>",
            super::terminal::thousands(standalone),
            super::terminal::thousands(portfolio),
            100.0 * (1.0 - portfolio / standalone)
        );
    }
    Ok(())
}
