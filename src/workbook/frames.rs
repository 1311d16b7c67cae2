//! `frame_recommendation.xlsx`: per company the frame it has, the frame it needs at the
//! confidence and the raise, then saturation and the peak; a `Run` sheet with the settings and
//! the manifest.

use super::pricing::pct_label;
use super::{Cell, Column, Highlight, Kind, write_run_sheet, write_table, write_title};
use crate::frame::Recommendation;
use crate::manifest::Manifest;
use rust_xlsxwriter::{Workbook, XlsxError};

/// The recommendation workbook of one `frame` run.
pub fn frame_workbook(
    recs: &[Recommendation],
    confidence: f64,
    manifest: &Manifest,
) -> Result<Workbook, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Frames")?;
    let start = write_title(
        sheet,
        &format!("Guarantee frames of {}: recommendation", manifest.scenario),
        &[format!(
            "Required frame: the {} quantile of the path peaks of active guaranteed volume, so that P(any saturation over the horizon) ≤ {}; {} paths.",
            pct_label(confidence),
            pct_label(1.0 - confidence),
            manifest.paths
        )],
    )?;
    let columns = [
        Column::new("Company", Kind::Text),
        Column::new("Frame (EUR)", Kind::Eur),
        Column::new("Required frame (EUR)", Kind::Eur),
        Column::new("Raise by (EUR)", Kind::Eur),
        Column::new("Required raise margin", Kind::Decimal),
        Column::new("Raise margin", Kind::Decimal),
        Column::new("P(raised frame saturates again)", Kind::Pct),
        Column::new("P(saturation)", Kind::Pct),
        Column::new("P(saturation) s.e.", Kind::Pct),
        Column::new("Expected days over the frame", Kind::Decimal),
        Column::new("Peak date (highest mean)", Kind::Date),
        Column::new("Peak, mean (EUR)", Kind::Eur),
        Column::new("Peak, median (EUR)", Kind::Eur),
        Column::new("Peak, p99 (EUR)", Kind::Eur),
    ];
    let rows: Vec<Vec<Cell>> = recs
        .iter()
        .map(|r| {
            vec![
                Cell::from(r.company.as_str()),
                Cell::num(r.frame_eur),
                Cell::num(r.required_frame_eur),
                Cell::num(r.raise_by_eur),
                Cell::num(r.margin.map_or(f64::NAN, |m| m.required)),
                Cell::num(r.margin.map_or(f64::NAN, |m| m.current)),
                Cell::num(r.margin.map_or(f64::NAN, |m| m.p_saturated_again)),
                Cell::num(r.p_saturation.0),
                Cell::num(r.p_saturation.1),
                Cell::num(r.expected_days_over),
                Cell::Date(r.peak_date),
                Cell::num(r.peak_mean_eur),
                Cell::num(r.peak.p50),
                Cell::num(r.peak.p99),
            ]
        })
        .collect();
    write_table(
        sheet,
        "FrameTable",
        start,
        &columns,
        &rows,
        &[
            (3, Highlight::RedAbove(0.0)),
            (6, Highlight::RedAbove(1.0 - confidence)),
            (7, Highlight::RedAbove(1.0 - confidence)),
        ],
    )?;
    sheet.set_freeze_panes(start + 1, 1)?;
    write_run_sheet(
        &mut book,
        &[("Confidence", Cell::Formatted(confidence, Kind::Pct))],
        manifest,
    )?;
    Ok(book)
}
