//! `sweep.xlsx`: the pricing tables of a sweep. Sheets: `Long` (one row per grid cell and
//! segment, the varied values first: ready for a pivot table), one grid sheet per decision
//! metric (the products' rows; with two varied values one grid per product, the first value
//! down, the second across) and `Run` (the varied paths, the settings and the manifest).

use super::pricing::{decision_highlights, pct_label, segment_cells, segment_columns};
use super::{Cell, Column, Kind, header_format, sheet_name, write_run_sheet, write_table};
use crate::manifest::Manifest;
use crate::pricing::{PricingRow, PricingSettings};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// A decision metric shown as a grid: sheet title, kind and accessor.
type Metric = (String, Kind, fn(&PricingRow) -> f64);

fn metric(title: impl Into<String>, kind: Kind, value: fn(&PricingRow) -> f64) -> Metric {
    (title.into(), kind, value)
}

fn metrics(settings: PricingSettings) -> Vec<Metric> {
    vec![
        metric("Adequacy", Kind::Ratio, |r| r.adequacy),
        metric("Loss ratio", Kind::Pct, |r| r.loss_ratio),
        metric("P(LR > 100 %)", Kind::Pct, |r| r.p_lr_over_1),
        metric(
            format!("P(LR > {})", pct_label(settings.target_loss_ratio)),
            Kind::Pct,
            |r| r.p_lr_over_target,
        ),
        metric("Indicated premium per unit", Kind::Eur, |r| {
            r.indicated_premium_eur
        }),
    ]
}

/// The sweep workbook: `paths` are the varied scenario paths, `values[k]` the values of grid
/// cell `k` (one per path), `rows` the pricing rows tagged with their cell.
pub fn sweep_workbook(
    paths: &[String],
    values: &[Vec<f64>],
    rows: &[(usize, PricingRow)],
    settings: PricingSettings,
    manifest: &Manifest,
) -> Result<Workbook, XlsxError> {
    let mut book = Workbook::new();

    let sheet = book.add_worksheet();
    sheet.set_name("Long")?;
    let mut columns: Vec<Column> = paths
        .iter()
        .map(|p| Column::new(p.as_str(), Kind::Decimal))
        .collect();
    let shift = columns.len();
    columns.extend(segment_columns(settings));
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|(k, r)| {
            let mut row: Vec<Cell> = values[*k].iter().map(|&v| Cell::num(v)).collect();
            row.extend(segment_cells(r));
            row
        })
        .collect();
    let highlights: Vec<_> = decision_highlights(shift + 2, settings);
    write_table(sheet, "SweepLong", 0, &columns, &cells, &highlights)?;
    sheet.set_freeze_panes(1, (shift + 2) as u16)?;

    let mut products: Vec<&str> = Vec::new();
    for (_, r) in rows {
        if !products.contains(&r.product.as_str()) {
            products.push(&r.product);
        }
    }
    for (title, kind, f) in metrics(settings) {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&title))?;
        let bold = Format::new().set_bold().set_font_size(13);
        sheet.write_with_format(0, 0, format!("{title} (whole product)"), &bold)?;
        let header = header_format();
        let fmt = kind.format();
        let value_of = |k: usize, product: &str| {
            rows.iter()
                .find(|(c, r)| *c == k && r.product == product && r.segment == "all")
                .map(|(_, r)| f(r))
                .filter(|x| x.is_finite())
        };
        let distinct = |i: usize| {
            let mut v: Vec<f64> = values.iter().map(|c| c[i]).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        };
        sheet.set_column_width(0, 34)?;
        if paths.len() == 1 {
            // One grid: the value down, the products across.
            sheet.write_with_format(2, 0, paths[0].as_str(), &header)?;
            for (j, p) in products.iter().enumerate() {
                sheet.write_with_format(2, 1 + j as u16, *p, &header)?;
                sheet.set_column_width(1 + j as u16, 16)?;
            }
            for (k, cell) in values.iter().enumerate() {
                let r = 3 + k as u32;
                sheet.write_number(r, 0, cell[0])?;
                for (j, p) in products.iter().enumerate() {
                    if let Some(x) = value_of(k, p) {
                        sheet.write_number_with_format(r, 1 + j as u16, x, &fmt)?;
                    }
                }
            }
            sheet.set_freeze_panes(3, 1)?;
        } else {
            // Per product: the first value down, the second across.
            let (down, across) = (distinct(0), distinct(1));
            let mut row = 2u32;
            for p in &products {
                sheet.write_with_format(row, 0, *p, &Format::new().set_bold())?;
                sheet.write_with_format(
                    row + 1,
                    0,
                    format!("{} ↓ · {} →", paths[0], paths[1]),
                    &header,
                )?;
                for (j, b) in across.iter().enumerate() {
                    sheet.write_number_with_format(row + 1, 1 + j as u16, *b, &header)?;
                    sheet.set_column_width(1 + j as u16, 14)?;
                }
                for (i, a) in down.iter().enumerate() {
                    let r = row + 2 + i as u32;
                    sheet.write_number_with_format(r, 0, *a, &header)?;
                    for (j, b) in across.iter().enumerate() {
                        let k = values.iter().position(|c| c[0] == *a && c[1] == *b);
                        if let Some(x) = k.and_then(|k| value_of(k, p)) {
                            sheet.write_number_with_format(r, 1 + j as u16, x, &fmt)?;
                        }
                    }
                }
                row += down.len() as u32 + 3;
            }
        }
    }

    let mut settings_rows: Vec<(&str, Cell)> = Vec::new();
    let labels = ["Varied value 1", "Varied value 2"];
    for (label, p) in labels.iter().zip(paths) {
        settings_rows.push((label, Cell::Text(p.clone())));
    }
    settings_rows.push((
        "Target loss ratio",
        Cell::Formatted(settings.target_loss_ratio, Kind::Pct),
    ));
    settings_rows.push((
        "Confidence",
        Cell::Formatted(settings.confidence, Kind::Pct),
    ));
    settings_rows.push(("Grid cells", Cell::Number(values.len() as f64)));
    write_run_sheet(&mut book, &settings_rows, manifest)?;
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_sheet_names_are_valid() {
        let settings = PricingSettings {
            target_loss_ratio: 0.65,
            confidence: 0.95,
            cost_of_capital: 0.06,
            ..Default::default()
        };
        for (title, _, _) in metrics(settings) {
            let name = sheet_name(&title);
            assert!(name.len() <= 31 && !name.contains(['[', ']', ':', '*', '?', '/', '\\']));
        }
    }
}
