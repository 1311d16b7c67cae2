//! The pricing table on disk (`pricing.parquet`, `pricing.csv`, `pricing.xlsx`), the adequacy
//! heat map (`plots/pricing_heatmap.svg`) and its terminal rendering.

use super::nullable;
use crate::pricing::{PricingRow, PricingSettings};
use crate::report::terminal;
use polars::prelude::*;

/// A numeric column of the pricing table: name and accessor.
type NumColumn = (&'static str, fn(&PricingRow) -> f64);

/// The numeric columns of the pricing table after `paths` (an integer), in output order (see
/// `docs/outputs.md`).
pub const NUMERIC_COLUMNS: &[NumColumn] = &[
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
    ("ev_premium_eur", |r| r.ev_premium_eur),
    ("sd_premium_eur", |r| r.sd_premium_eur),
    ("capital_eur", |r| r.capital_eur),
    ("coc_premium_eur", |r| r.coc_premium_eur),
    ("capital_tvar_eur", |r| r.capital_tvar_eur),
    ("current_price", |r| r.current_price),
    ("indicated_price", |r| r.indicated_price),
    ("solved_price", |r| r.solved_price),
    ("p_within_target_at_solved", |r| r.p_within_target_at_solved),
    ("solved_price_without_parameter_risk", |r| {
        r.solved_price_without_parameter_risk
    }),
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

/// The pricing table as a data frame: text columns, `target_loss_ratio`, `confidence`, `paths`
/// (u64), then the numeric columns. Non-finite numbers are nulls.
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
    cols.push(Column::new(
        "principle".into(),
        vec![settings.principle.name(); rows.len()],
    ));
    cols.push(Column::new(
        "paths".into(),
        rows.iter().map(|r| r.paths).collect::<Vec<u64>>(),
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
    // The text columns as wide as their longest entry (a rating table's views and factors
    // have long names), at least the width the quickstart's cells need.
    let wp = rows
        .iter()
        .map(|r| r.product.chars().count())
        .fold(14, usize::max);
    let ws = rows
        .iter()
        .map(|r| r.segment.chars().count())
        .fold(28, usize::max);
    let wq = rows
        .iter()
        .map(|r| r.parameter.chars().count())
        .fold(48, usize::max);
    out.push_str(&format!(
        "  {:<wp$} {:<ws$} {:>12} {:>9} {:>9} {:>9} {:>9} {:>16} {:>10} {:>10}\n",
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
            "  {:<wp$} {:<ws$} {:>12} {:>9} {:>9} {:>9} {:>9} {:>16} {:>10} {:>10}\n",
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
    let parameter_risk = rows
        .iter()
        .any(|r| r.solved_price_without_parameter_risk.is_finite());
    out.push_str(&format!(
        "  {:<wq$} {:>12} {:>12} {:>12} {:>14}{}\n",
        "parameter",
        "current",
        "E[LR]=target",
        "solved",
        "P(LR≤target)",
        if parameter_risk {
            "  solved without parameter risk"
        } else {
            ""
        }
    ));
    let mut seen: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| !r.parameter.is_empty()) {
        if seen.contains(&r.parameter.as_str()) {
            continue;
        }
        seen.push(&r.parameter);
        let d = if r.price_unit == "rate" { 4 } else { 2 };
        out.push_str(&format!(
            "  {:<wq$} {:>12} {:>12} {:>12} {:>14}{}\n",
            r.parameter,
            num(r.current_price, d),
            num(r.indicated_price, d + 1),
            num(r.solved_price, d),
            pct(r.p_within_target_at_solved),
            if parameter_risk {
                format!("  {:>30}", num(r.solved_price_without_parameter_risk, d))
            } else {
                String::new()
            }
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
    super::write_csv(dir, "pricing.csv", &mut cents(&df)?)?;
    let mut book = crate::workbook::pricing_workbook(rows, settings, manifest)?;
    crate::workbook::save(dir, "pricing.xlsx", &mut book)?;
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)?;
    let svg = heatmap_svg(rows, settings)?;
    super::write_atomic(&plots, "pricing_heatmap.svg", |f| {
        use std::io::Write as _;
        Ok(f.write_all(svg.as_bytes())?)
    })?;
    Ok(vec![
        "pricing.parquet".into(),
        "pricing.csv".into(),
        "pricing.xlsx".into(),
        "plots/pricing_heatmap.svg".into(),
    ])
}

/// A copy of `df` for CSV: every money column (name ending in `_eur`, float) rounded to the
/// cent, so that `0.9799999999999988` is written `0.98`. Other columns are unchanged.
pub fn cents(df: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = df.clone();
    for name in df.get_column_names_owned() {
        let col = df.column(&name)?;
        if !name.ends_with("_eur") || col.dtype() != &DataType::Float64 {
            continue;
        }
        let rounded: Float64Chunked = col.f64()?.apply_values(|x| (x * 100.0).round() / 100.0);
        out.with_column(rounded.with_name(name.clone()).into_series().into_column())?;
    }
    Ok(out)
}

/// Colour of an adequacy ratio: red under 1 (underpriced), white at 1, green over 1, saturated
/// at 0.5 and 1.5; grey when undefined.
pub fn adequacy_colour(a: f64) -> (u8, u8, u8) {
    if !a.is_finite() {
        return (200, 200, 200);
    }
    let mix = |from: (f64, f64, f64), to: (f64, f64, f64), t: f64| {
        let c = |x: f64, y: f64| (x + (y - x) * t).round().clamp(0.0, 255.0) as u8;
        (c(from.0, to.0), c(from.1, to.1), c(from.2, to.2))
    };
    let white = (255.0, 255.0, 255.0);
    if a < 1.0 {
        mix(white, (203.0, 24.0, 29.0), ((1.0 - a) / 0.5).min(1.0))
    } else {
        mix(white, (35.0, 139.0, 69.0), ((a - 1.0) / 0.5).min(1.0))
    }
}

/// The heat map of adequacy (current / indicated premium): one row per product, one cell per
/// segment and the product as a whole ("all"), each labelled with its segment and ratio, with
/// a colour legend. Returns the SVG text.
pub fn heatmap_svg(rows: &[PricingRow], settings: PricingSettings) -> anyhow::Result<String> {
    use plotters::prelude::*;
    const FONT: &str = "sans-serif";
    let mut products: Vec<&str> = Vec::new();
    for r in rows {
        if !products.contains(&r.product.as_str()) {
            products.push(&r.product);
        }
    }
    let per: Vec<Vec<&PricingRow>> = products
        .iter()
        .map(|p| rows.iter().filter(|r| r.product == *p).collect())
        .collect();
    let columns = per.iter().map(Vec::len).max().unwrap_or(1).max(1) as i32;
    let (cell_w, cell_h, left, top) = (190, 56, 170, 70);
    let width = (left + columns * cell_w + 20) as u32;
    let height = (top + products.len().max(1) as i32 * cell_h + 110) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let text = |size: f64| TextStyle::from((FONT, size).into_font()).color(&BLACK);
        let bold = |size: f64| {
            TextStyle::from((FONT, size).into_font().style(FontStyle::Bold)).color(&BLACK)
        };
        root.draw(&Text::new(
            format!(
                "Premium adequacy by segment: current / indicated premium at a {:.0} % target loss ratio",
                100.0 * settings.target_loss_ratio
            ),
            (12, 14),
            bold(18.0),
        ))?;
        root.draw(&Text::new(
            "under 1 (red): underpriced; over 1 (green): room against the target",
            (12, 40),
            text(14.0),
        ))?;
        for (i, (product, cells)) in products.iter().zip(&per).enumerate() {
            let y = top + i as i32 * cell_h;
            root.draw(&Text::new(
                product.to_string(),
                (12, y + cell_h / 2 - 8),
                bold(15.0),
            ))?;
            for (j, r) in cells.iter().enumerate() {
                let x = left + j as i32 * cell_w;
                let (cr, cg, cb) = adequacy_colour(r.adequacy);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell_w - 4, y + cell_h - 4)],
                    RGBColor(cr, cg, cb).filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell_w - 4, y + cell_h - 4)],
                    RGBColor(150, 150, 150),
                ))?;
                root.draw(&Text::new(r.segment.clone(), (x + 6, y + 6), text(12.0)))?;
                let value = if r.adequacy.is_finite() {
                    format!("{:.2}", r.adequacy)
                } else {
                    "–".into()
                };
                root.draw(&Text::new(value, (x + 6, y + 26), bold(17.0)))?;
            }
        }
        // Legend: a colour bar from 0.5 to 1.5.
        let ly = top + products.len().max(1) as i32 * cell_h + 30;
        let (lx, lw) = (left, 400);
        for k in 0..lw {
            let a = 0.5 + k as f64 / lw as f64;
            let (cr, cg, cb) = adequacy_colour(a);
            root.draw(&Rectangle::new(
                [(lx + k, ly), (lx + k + 1, ly + 18)],
                RGBColor(cr, cg, cb).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(lx, ly), (lx + lw, ly + 18)],
            RGBColor(150, 150, 150),
        ))?;
        root.draw(&Text::new("adequacy", (12, ly + 2), text(14.0)))?;
        for tick in [0.5, 0.75, 1.0, 1.25, 1.5] {
            let x = lx + ((tick - 0.5) * lw as f64) as i32;
            root.draw(&PathElement::new(
                vec![(x, ly + 18), (x, ly + 24)],
                RGBColor(90, 90, 90),
            ))?;
            let label = if tick == 0.5 {
                "≤ 0.5".to_string()
            } else if tick == 1.5 {
                "≥ 1.5".to_string()
            } else {
                format!("{tick}")
            };
            root.draw(&Text::new(label, (x - 10, ly + 28), text(12.0)))?;
        }
        root.present()?;
    }
    Ok(svg)
}
