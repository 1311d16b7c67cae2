//! `pricing.xlsx`: the pricing table as an underwriter reads it. Sheets: `Summary` (per product
//! the adequacy of the current tariff, the loss ratio and the probabilities of a loss, then the
//! solved tariff), `Segments` (every segment, decision columns first), `Tariff` (per tariff
//! value: now, at the target on average, solved at the confidence) and `Run` (settings and
//! manifest).

use super::{Cell, Column, Highlight, Kind, write_run_sheet, write_table, write_title};
use crate::manifest::Manifest;
use crate::pricing::{PricingRow, PricingSettings};
use rust_xlsxwriter::{Workbook, XlsxError};

/// P(loss ratio > 100 %) above this is coloured red.
pub const P_LOSS_ALERT: f64 = 0.05;

/// Readable name of a price unit (`eur_per_order` → `EUR per order`).
pub fn price_unit_label(unit: &str) -> &'static str {
    match unit {
        "eur_per_order" => "EUR per order",
        "rate" => "rate of the amount",
        "eur_per_policy_year" => "EUR per policy-year",
        _ => "",
    }
}

/// A tariff value in its unit's format: EUR with cents, or a rate as a percentage.
pub fn price_cell(x: f64, unit: &str) -> Cell {
    if !x.is_finite() {
        return Cell::Empty;
    }
    Cell::Formatted(
        x,
        if unit == "rate" {
            Kind::Pct2
        } else {
            Kind::Eur
        },
    )
}

/// Percent label of a ratio for headers: 0.65 → "65 %".
pub fn pct_label(x: f64) -> String {
    let p = 100.0 * x;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// The per-product decision columns (row `segment = "all"`) of the summary sheet, and the
/// matching ones of the segment sheet, in one place.
fn decision_columns(target: f64) -> Vec<Column> {
    vec![
        Column::new("Adequacy (current / indicated premium)", Kind::Ratio),
        Column::new("Loss ratio (net claims / premium)", Kind::Pct),
        Column::new("Loss ratio s.e.", Kind::Pct),
        Column::new("P(loss ratio > 100 %)", Kind::Pct),
        Column::new(format!("P(loss ratio > {})", pct_label(target)), Kind::Pct),
        Column::new("Current premium per unit (EUR)", Kind::Eur),
        Column::new("Indicated premium per unit (EUR)", Kind::Eur),
    ]
}

fn decision_cells(r: &PricingRow) -> Vec<Cell> {
    vec![
        Cell::num(r.adequacy),
        Cell::num(r.loss_ratio),
        Cell::num(r.loss_ratio_se),
        Cell::num(r.p_lr_over_1),
        Cell::num(r.p_lr_over_target),
        Cell::num(r.current_premium_eur),
        Cell::num(r.indicated_premium_eur),
    ]
}

/// Highlights of the decision columns placed from column `first`: adequacy red under 1 and
/// green from 1, P(LR > 100 %) red over [`P_LOSS_ALERT`], P(LR > target) red over
/// `1 − confidence`.
pub(super) fn decision_highlights(
    first: usize,
    settings: PricingSettings,
) -> Vec<(usize, Highlight)> {
    vec![
        (first, Highlight::RedBelowGreenAbove(1.0)),
        (first + 3, Highlight::RedAbove(P_LOSS_ALERT)),
        (first + 4, Highlight::RedAbove(1.0 - settings.confidence)),
    ]
}

/// One entry per tariff value (scenario path), in table order: the first row that names it
/// and the segments it prices.
fn tariff_values(rows: &[PricingRow]) -> Vec<(&PricingRow, Vec<&str>)> {
    let mut out: Vec<(&PricingRow, Vec<&str>)> = Vec::new();
    for r in rows.iter().filter(|r| !r.parameter.is_empty()) {
        match out.iter_mut().find(|(p, _)| p.parameter == r.parameter) {
            Some((_, segments)) => segments.push(&r.segment),
            None => out.push((r, vec![&r.segment])),
        }
    }
    out
}

fn tariff_table(
    rows: &[PricingRow],
    settings: PricingSettings,
    detailed: bool,
) -> (Vec<Column>, Vec<Vec<Cell>>) {
    let target = pct_label(settings.target_loss_ratio);
    let mut columns = vec![
        Column::new("Tariff value (scenario path)", Kind::Text),
        Column::new("Current value", Kind::Text),
        Column::new(
            format!(
                "Solved value (P(loss ratio ≤ {target}) ≥ {})",
                pct_label(settings.confidence)
            ),
            Kind::Text,
        ),
        Column::new(format!("P(loss ratio ≤ {target}) at solved"), Kind::Pct),
        Column::new(format!("Value with E[loss ratio] = {target}"), Kind::Text),
    ];
    if detailed {
        columns.extend([
            Column::new("Product", Kind::Text),
            Column::new("Unit", Kind::Text),
            Column::new("Segments priced", Kind::Text),
        ]);
    }
    let cells = tariff_values(rows)
        .into_iter()
        .map(|(r, segments)| {
            let unit = r.price_unit;
            let mut row = vec![
                Cell::from(r.parameter.as_str()),
                price_cell(r.current_price, unit),
                price_cell(r.solved_price, unit),
                Cell::num(r.p_within_target_at_solved),
                price_cell(r.indicated_price, unit),
            ];
            if detailed {
                row.extend([
                    Cell::from(r.product.as_str()),
                    Cell::from(price_unit_label(unit)),
                    Cell::Text(segments.join(", ")),
                ]);
            }
            row
        })
        .collect();
    (columns, cells)
}

/// The columns of the segment table (also the long sheet of `sweep.xlsx`): product and
/// segment, the decisions, then the figures behind them.
pub fn segment_columns(settings: PricingSettings) -> Vec<Column> {
    let mut columns = vec![
        Column::new("Product", Kind::Text),
        Column::new("Segment", Kind::Text),
    ];
    columns.extend(decision_columns(settings.target_loss_ratio));
    columns.extend([
        Column::new("P(loss ratio > 100 %) s.e.", Kind::Pct),
        Column::new(
            format!(
                "P(loss ratio > {}) s.e.",
                pct_label(settings.target_loss_ratio)
            ),
            Kind::Pct,
        ),
        Column::new("Pure premium per unit (EUR)", Kind::Eur),
        Column::new("Wang premium per unit (EUR)", Kind::Eur),
        Column::new("Expected-value premium per unit (EUR)", Kind::Eur),
        Column::new("Standard-deviation premium per unit (EUR)", Kind::Eur),
        Column::new("Capital (EUR)", Kind::Eur),
        Column::new("Cost-of-capital premium per unit (EUR)", Kind::Eur),
        Column::new("Covered units per path", Kind::Count),
        Column::new("Unit", Kind::Text),
        Column::new("Sum insured per path (EUR)", Kind::Eur),
        Column::new("Written premium per path (EUR)", Kind::Eur),
        Column::new("Net claims per path (EUR)", Kind::Eur),
        Column::new("Net claims s.d. (EUR)", Kind::Eur),
        Column::new("Tariff value (scenario path)", Kind::Text),
        Column::new("Kind", Kind::Text),
        Column::new("Paths", Kind::Count),
    ]);
    columns
}

/// One row of the segment table.
pub fn segment_cells(r: &PricingRow) -> Vec<Cell> {
    let mut row = vec![
        Cell::from(r.product.as_str()),
        Cell::from(r.segment.as_str()),
    ];
    row.extend(decision_cells(r));
    row.extend([
        Cell::num(r.p_lr_over_1_se),
        Cell::num(r.p_lr_over_target_se),
        Cell::num(r.pure_premium_eur),
        Cell::num(r.wang_premium_eur),
        Cell::num(r.ev_premium_eur),
        Cell::num(r.sd_premium_eur),
        Cell::num(r.capital_eur),
        Cell::num(r.coc_premium_eur),
        Cell::num(r.covered),
        Cell::from(r.exposure_unit),
        Cell::num(r.exposure_eur),
        Cell::num(r.premium_eur),
        Cell::num(r.claims_eur),
        Cell::num(r.claims_sd_eur),
        Cell::from(r.parameter.as_str()),
        Cell::from(r.kind),
        Cell::Number(r.paths as f64),
    ]);
    row
}

/// The pricing workbook of one `price` run.
pub fn pricing_workbook(
    rows: &[PricingRow],
    settings: PricingSettings,
    manifest: &Manifest,
) -> Result<Workbook, XlsxError> {
    let mut book = Workbook::new();
    let notes = vec![format!(
        "Target loss ratio {}, confidence {}; {} paths; money in EUR, means per path; premiums per covered unit.",
        pct_label(settings.target_loss_ratio),
        pct_label(settings.confidence),
        manifest.paths
    )];

    // Summary: the decisions per product, then the solved tariff.
    let sheet = book.add_worksheet();
    sheet.set_name("Summary")?;
    let start = write_title(
        sheet,
        &format!("Pricing of {}: decisions per product", manifest.scenario),
        &notes,
    )?;
    let mut columns = vec![Column::new("Product", Kind::Text)];
    columns.extend(decision_columns(settings.target_loss_ratio));
    columns.extend([
        Column::new("Covered units per path", Kind::Count),
        Column::new("Unit", Kind::Text),
        Column::new("Written premium per path (EUR)", Kind::Eur),
        Column::new("Net claims per path (EUR)", Kind::Eur),
    ]);
    let products: Vec<Vec<Cell>> = rows
        .iter()
        .filter(|r| r.segment == "all")
        .map(|r| {
            let mut row = vec![Cell::from(r.product.as_str())];
            row.extend(decision_cells(r));
            row.extend([
                Cell::num(r.covered),
                Cell::from(r.exposure_unit),
                Cell::num(r.premium_eur),
                Cell::num(r.claims_eur),
            ]);
            row
        })
        .collect();
    let next = write_table(
        sheet,
        "DecisionTable",
        start,
        &columns,
        &products,
        &decision_highlights(1, settings),
    )?;
    sheet.set_freeze_panes(start + 1, 1)?;
    let (tariff_columns, tariff_rows) = tariff_table(rows, settings, false);
    if !tariff_rows.is_empty() {
        sheet.write_with_format(
            next + 1,
            0,
            "Solved tariff",
            &rust_xlsxwriter::Format::new().set_bold(),
        )?;
        write_table(
            sheet,
            "SolvedTariffTable",
            next + 2,
            &tariff_columns,
            &tariff_rows,
            &[],
        )?;
    }

    // Segments: every row, decisions first.
    let sheet = book.add_worksheet();
    sheet.set_name("Segments")?;
    let start = write_title(sheet, "Pricing table by segment", &notes)?;
    let columns = segment_columns(settings);
    let cells: Vec<Vec<Cell>> = rows.iter().map(segment_cells).collect();
    write_table(
        sheet,
        "SegmentTable",
        start,
        &columns,
        &cells,
        &decision_highlights(2, settings),
    )?;
    sheet.set_freeze_panes(start + 1, 2)?;

    // Tariff: the solved values with their products, units and segments.
    let sheet = book.add_worksheet();
    sheet.set_name("Tariff")?;
    let start = write_title(
        sheet,
        "Tariff: current, solved and at the target on average",
        &[format!(
            "Solved: the smallest value on the grid (1 cent, or 0.01 % for rates) with P(loss ratio ≤ {}) ≥ {} over the segments it prices.",
            pct_label(settings.target_loss_ratio),
            pct_label(settings.confidence)
        )],
    )?;
    let (columns, cells) = tariff_table(rows, settings, true);
    write_table(sheet, "TariffTable", start, &columns, &cells, &[])?;
    sheet.set_freeze_panes(start + 1, 1)?;

    write_run_sheet(
        &mut book,
        &[
            (
                "Target loss ratio",
                Cell::Formatted(settings.target_loss_ratio, Kind::Pct),
            ),
            (
                "Confidence",
                Cell::Formatted(settings.confidence, Kind::Pct),
            ),
        ],
        manifest,
    )?;
    Ok(book)
}
