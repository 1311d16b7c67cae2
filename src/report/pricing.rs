//! The pricing table on disk (`pricing.parquet`, `pricing.csv`, `pricing.xlsx`), the adequacy
//! heat map (`plots/pricing_heatmap.svg`) and its terminal rendering.

use super::nullable;
use crate::pricing::{PricingRow, PricingSettings};
use crate::report::terminal;
use polars::prelude::*;

/// A numeric column of the pricing table: name and accessor.
type NumColumn = (&'static str, fn(&PricingRow) -> f64);

/// The numeric columns of the pricing table, in output order (see the README).
pub const NUMERIC_COLUMNS: &[NumColumn] = &[
    ("paths", |r| r.paths as f64),
    ("covered", |r| r.covered),
    ("exposure_eur", |r| r.exposure_eur),
    ("premium_eur", |r| r.premium_eur),
    ("claims_eur", |r| r.claims_eur),
    ("claims_sd_eur", |r| r.claims_sd_eur),
    ("pure_premium_eur", |r| r.pure_premium_eur),
    ("current_premium_eur", |r| r.current_premium_eur),
    ("indicated_premium_eur", |r| r.indicated_premium_eur),
    ("adequacy", |r| r.adequacy),
    ("loss_ratio", |r| r.loss_ratio),
    ("loss_ratio_se", |r| r.loss_ratio_se),
    ("p_lr_over_1", |r| r.p_lr_over_1),
    ("p_lr_over_1_se", |r| r.p_lr_over_1_se),
    ("p_lr_over_target", |r| r.p_lr_over_target),
    ("p_lr_over_target_se", |r| r.p_lr_over_target_se),
    ("wang_premium_eur", |r| r.wang_premium_eur),
    ("current_price", |r| r.current_price),
    ("indicated_price", |r| r.indicated_price),
    ("solved_price", |r| r.solved_price),
    ("p_within_target_at_solved", |r| r.p_within_target_at_solved),
];

/// A text column of the pricing table: name and accessor.
type TextColumn = (&'static str, fn(&PricingRow) -> String);

/// The text columns, first in the table.
pub const TEXT_COLUMNS: &[TextColumn] = &[
    ("product", |r| r.product.clone()),
    ("kind", |r| r.kind.to_string()),
    ("segment", |r| r.segment.clone()),
    ("parameter", |r| r.parameter.clone()),
    ("price_unit", |r| r.price_unit.to_string()),
    ("exposure_unit", |r| r.exposure_unit.to_string()),
];

/// The pricing table as a data frame: text columns, `target_loss_ratio`, `confidence`, then
/// the numeric columns. Non-finite numbers are nulls.
pub fn pricing_frame(rows: &[PricingRow], settings: PricingSettings) -> PolarsResult<DataFrame> {
    let mut cols: Vec<Column> = TEXT_COLUMNS
        .iter()
        .map(|(name, f)| Column::new((*name).into(), rows.iter().map(f).collect::<Vec<_>>()))
        .collect();
    cols.push(Column::new(
        "target_loss_ratio".into(),
        vec![settings.target_loss_ratio; rows.len()],
    ));
    cols.push(Column::new(
        "confidence".into(),
        vec![settings.confidence; rows.len()],
    ));
    for (name, f) in NUMERIC_COLUMNS {
        cols.push(Column::new(
            (*name).into(),
            rows.iter()
                .map(|r| nullable(f(r)))
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    DataFrame::new(rows.len(), cols)
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1} %", 100.0 * x)
    } else {
        "–".into()
    }
}

fn num(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "–".into()
    }
}

/// The readable table printed by `price`: per segment the premium per unit now and indicated,
/// adequacy, loss ratio ± standard error, P(LR > 1) and P(LR > target); then per tariff
/// parameter its current, indicated and solved values.
pub fn render(rows: &[PricingRow], settings: PricingSettings) -> String {
    let mut out = String::new();
    let t = settings.target_loss_ratio;
    out.push_str(&format!(
        "\npricing: target loss ratio {:.0} %, confidence {:.1} % (premium per covered unit, EUR)\n",
        100.0 * t,
        100.0 * settings.confidence
    ));
    out.push_str(&format!(
        "  {:<14} {:<28} {:>12} {:>9} {:>9} {:>9} {:>9} {:>16} {:>10} {:>10}\n",
        "product",
        "segment",
        "covered",
        "pure",
        "current",
        "indicated",
        "adequacy",
        "loss ratio",
        "P(LR>1)",
        format!("P(LR>{:.2})", t)
    ));
    for r in rows {
        out.push_str(&format!(
            "  {:<14} {:<28} {:>12} {:>9} {:>9} {:>9} {:>9} {:>16} {:>10} {:>10}\n",
            r.product,
            r.segment,
            terminal::thousands(r.covered),
            num(r.pure_premium_eur, 3),
            num(r.current_premium_eur, 3),
            num(r.indicated_premium_eur, 3),
            num(r.adequacy, 2),
            format!("{} ± {}", pct(r.loss_ratio), pct(r.loss_ratio_se)),
            pct(r.p_lr_over_1),
            pct(r.p_lr_over_target),
        ));
    }
    out.push_str(&format!(
        "\ntariff: smallest value with P(loss ratio ≤ {:.0} %) ≥ {:.1} % over its segments\n",
        100.0 * t,
        100.0 * settings.confidence
    ));
    out.push_str(&format!(
        "  {:<48} {:>12} {:>12} {:>12} {:>14}\n",
        "parameter", "current", "E[LR]=target", "solved", "P(LR≤target)"
    ));
    let mut seen: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| !r.parameter.is_empty()) {
        if seen.contains(&r.parameter.as_str()) {
            continue;
        }
        seen.push(&r.parameter);
        let d = if r.price_unit == "rate" { 4 } else { 2 };
        out.push_str(&format!(
            "  {:<48} {:>12} {:>12} {:>12} {:>14}\n",
            r.parameter,
            num(r.current_price, d),
            num(r.indicated_price, d + 1),
            num(r.solved_price, d),
            pct(r.p_within_target_at_solved)
        ));
    }
    out
}

/// Writes `pricing.parquet` (with the manifest), `pricing.csv`, `pricing.xlsx` and
/// `plots/pricing_heatmap.svg` into `dir`; returns their names for the manifest.
pub fn write_pricing(
    dir: &std::path::Path,
    rows: &[PricingRow],
    settings: PricingSettings,
    manifest: &super::Manifest,
) -> anyhow::Result<Vec<String>> {
    let mut df = pricing_frame(rows, settings)?;
    super::write_parquet(dir, "pricing.parquet", &mut df, manifest)?;
    super::write_csv(dir, "pricing.csv", &mut df)?;
    Ok(vec!["pricing.parquet".into(), "pricing.csv".into()])
}
