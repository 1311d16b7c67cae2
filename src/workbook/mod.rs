//! Excel workbooks for underwriters (`pricing.xlsx`, `sweep.xlsx`,
//! `frame_recommendation.xlsx`): human headers with units, EUR and % number formats, integer
//! counts, every table an Excel table (with its autofilter) under a frozen header row, and
//! colours where a decision is read (adequacy under 1, a high probability of loss).

mod frames;
mod pricing;
mod sweep;

pub use frames::frame_workbook;
pub use pricing::pricing_workbook;
pub use sweep::sweep_workbook;

use crate::manifest::Manifest;
use rust_xlsxwriter::{
    Color, ConditionalFormatCell, ConditionalFormatCellRule, ExcelDateTime, Format, FormatAlign,
    Table, TableStyle, Workbook, Worksheet, XlsxError,
};

/// Euros with thousands separators and cents, e.g. `1,234.56 EUR`.
pub const EUR_FORMAT: &str = "#,##0.00 \"EUR\"";
/// A ratio shown as a percentage with one decimal, e.g. `44.7%`.
pub const PCT_FORMAT: &str = "0.0%";
/// A probability or small rate shown as a percentage with two decimals, e.g. `1.50%`.
pub const PCT2_FORMAT: &str = "0.00%";
/// Counts and means of counts, as whole numbers with thousands separators.
pub const COUNT_FORMAT: &str = "#,##0";
/// Calendar days.
pub const DATE_FORMAT: &str = "yyyy-mm-dd";
/// A plain ratio with two decimals (adequacy: 1.00 is exactly adequate).
pub const RATIO_FORMAT: &str = "0.00";
/// Days and other small decimal quantities.
pub const DECIMAL_FORMAT: &str = "#,##0.0";

/// How a column's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Eur,
    Pct,
    Pct2,
    Count,
    Ratio,
    Decimal,
    Date,
}

impl Kind {
    fn num_format(self) -> Option<&'static str> {
        match self {
            Kind::Text => None,
            Kind::Eur => Some(EUR_FORMAT),
            Kind::Pct => Some(PCT_FORMAT),
            Kind::Pct2 => Some(PCT2_FORMAT),
            Kind::Count => Some(COUNT_FORMAT),
            Kind::Ratio => Some(RATIO_FORMAT),
            Kind::Decimal => Some(DECIMAL_FORMAT),
            Kind::Date => Some(DATE_FORMAT),
        }
    }

    /// The format of a cell of this kind.
    pub fn format(self) -> Format {
        match self.num_format() {
            Some(f) => Format::new().set_num_format(f),
            None => Format::new(),
        }
    }

    fn width(self) -> f64 {
        match self {
            Kind::Text => 24.0,
            Kind::Eur => 17.0,
            Kind::Date => 12.0,
            _ => 13.0,
        }
    }
}

/// One cell: text, a number (shown in its column's format), a date or nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A number with a format of its own (a tariff value in EUR on one row, a rate on the next).
    Formatted(f64, Kind),
    Date(chrono::NaiveDate),
    Empty,
}

impl Cell {
    /// A number, or an empty cell when it is not finite (undefined).
    pub fn num(x: f64) -> Cell {
        if x.is_finite() {
            Cell::Number(x)
        } else {
            Cell::Empty
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// A column of a sheet table: its header (with its unit) and kind.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: Kind) -> Column {
        Column {
            header: header.into(),
            kind,
        }
    }
}

/// A decision colour on one column: cells meeting the rule turn red or green.
#[derive(Debug, Clone, Copy)]
pub enum Highlight {
    /// Red under the threshold, green at or over it (adequacy around 1).
    RedBelowGreenAbove(f64),
    /// Red over the threshold (a probability of loss that is too high).
    RedAbove(f64),
}

/// The bold header of every table.
pub fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xDDEBF7))
}

fn red() -> Format {
    Format::new()
        .set_background_color(Color::RGB(0xF8CBAD))
        .set_font_color(Color::RGB(0x9C0006))
}

fn green() -> Format {
    Format::new()
        .set_background_color(Color::RGB(0xC6EFCE))
        .set_font_color(Color::RGB(0x006100))
}

/// Writes a table at `first_row` of `sheet`: the header row, one row per entry of `rows`, as
/// an Excel table named `name` (autofilter on, banded rows), with column widths set and the
/// highlights applied. Returns the row after the table.
pub fn write_table(
    sheet: &mut Worksheet,
    name: &str,
    first_row: u32,
    columns: &[Column],
    rows: &[Vec<Cell>],
    highlights: &[(usize, Highlight)],
) -> Result<u32, XlsxError> {
    if columns.is_empty() {
        return Ok(first_row);
    }
    let header = header_format();
    let formats: Vec<Format> = columns.iter().map(|c| c.kind.format()).collect();
    for (j, c) in columns.iter().enumerate() {
        sheet.write_with_format(first_row, j as u16, c.header.as_str(), &header)?;
        let longest = rows
            .iter()
            .filter_map(|r| match r.get(j) {
                Some(Cell::Text(s)) => Some(s.chars().count() as f64 + 2.0),
                _ => None,
            })
            .fold(0.0, f64::max);
        let width = if c.kind == Kind::Text {
            longest.clamp(10.0, 48.0)
        } else {
            c.kind.width()
        };
        sheet.set_column_width(j as u16, width)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = first_row + 1 + i as u32;
        for (j, cell) in row.iter().enumerate().take(columns.len()) {
            let c = j as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Number(x) => {
                    sheet.write_number_with_format(r, c, *x, &formats[j])?;
                }
                Cell::Formatted(x, kind) => {
                    sheet.write_number_with_format(r, c, *x, &kind.format())?;
                }
                Cell::Date(d) => {
                    use chrono::Datelike;
                    let date =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &date, &formats[j])?;
                }
                Cell::Empty => {}
            }
        }
    }
    // A table needs one data row; an empty one keeps a blank row.
    let last_row = first_row + rows.len().max(1) as u32;
    let last_col = columns.len() as u16 - 1;
    let table = Table::new()
        .set_name(name)
        .set_style(TableStyle::Light9)
        .set_banded_rows(true);
    sheet.add_table(first_row, 0, last_row, last_col, &table)?;
    if !rows.is_empty() {
        for (j, h) in highlights {
            let (r0, r1, c) = (first_row + 1, last_row, *j as u16);
            match *h {
                Highlight::RedBelowGreenAbove(t) => {
                    sheet.add_conditional_format(
                        r0,
                        c,
                        r1,
                        c,
                        &ConditionalFormatCell::new()
                            .set_rule(ConditionalFormatCellRule::LessThan(t))
                            .set_format(red()),
                    )?;
                    sheet.add_conditional_format(
                        r0,
                        c,
                        r1,
                        c,
                        &ConditionalFormatCell::new()
                            .set_rule(ConditionalFormatCellRule::GreaterThanOrEqualTo(t))
                            .set_format(green()),
                    )?;
                }
                Highlight::RedAbove(t) => {
                    sheet.add_conditional_format(
                        r0,
                        c,
                        r1,
                        c,
                        &ConditionalFormatCell::new()
                            .set_rule(ConditionalFormatCellRule::GreaterThan(t))
                            .set_format(red()),
                    )?;
                }
            }
        }
    }
    Ok(last_row + 1)
}

/// Writes a title (bold, larger) and notes above a table; returns the first free row.
pub fn write_title(sheet: &mut Worksheet, title: &str, notes: &[String]) -> Result<u32, XlsxError> {
    sheet.write_with_format(0, 0, title, &Format::new().set_bold().set_font_size(14))?;
    for (i, note) in notes.iter().enumerate() {
        sheet.write_with_format(1 + i as u32, 0, note.as_str(), &Format::new().set_italic())?;
    }
    Ok(2 + notes.len() as u32)
}

/// The "Run" sheet: the settings given on the command line, then every manifest field (what
/// produced the file: scenario and its SHA-256, seed, paths, version, commit, times), one per
/// row, with the manifest JSON in full at the end.
pub fn write_run_sheet(
    book: &mut Workbook,
    settings: &[(&str, Cell)],
    manifest: &Manifest,
) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet();
    sheet.set_name("Run")?;
    let mut rows: Vec<Vec<Cell>> = settings
        .iter()
        .map(|(k, v)| vec![Cell::from(*k), v.clone()])
        .collect();
    let value = serde_json::to_value(manifest).unwrap_or_default();
    flatten("manifest", &value, &mut rows);
    rows.push(vec![
        Cell::from("manifest (JSON)"),
        Cell::Text(manifest.to_json().unwrap_or_default()),
    ]);
    rows.push(vec![
        Cell::from("protectsim commit"),
        Cell::from(crate::cli::COMMIT),
    ]);
    let columns = [
        Column::new("Setting", Kind::Text),
        Column::new("Value", Kind::Text),
    ];
    write_table(sheet, "RunSettings", 0, &columns, &rows, &[])?;
    sheet.set_column_width(1, 60)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// One row per leaf of the manifest JSON, keyed by its dotted path (`manifest.shard.index`);
/// lists are joined with ", ".
fn flatten(prefix: &str, value: &serde_json::Value, rows: &mut Vec<Vec<Cell>>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, rows);
            }
        }
        Value::Array(items) => {
            let text: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            rows.push(vec![Cell::from(prefix), Cell::Text(text.join(", "))]);
        }
        Value::String(s) => rows.push(vec![Cell::from(prefix), Cell::Text(s.clone())]),
        Value::Number(n) => rows.push(vec![
            Cell::from(prefix),
            n.as_f64().map_or(Cell::Empty, Cell::Number),
        ]),
        Value::Bool(b) => rows.push(vec![Cell::from(prefix), Cell::Text(b.to_string())]),
        Value::Null => rows.push(vec![Cell::from(prefix), Cell::Empty]),
    }
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
pub fn sheet_name(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    clean.chars().take(31).collect()
}

/// Saves `book` as `name` in `dir` under a temporary name, then renames it.
pub fn save(dir: &std::path::Path, name: &str, book: &mut Workbook) -> anyhow::Result<()> {
    let buffer = book.save_to_buffer()?;
    crate::atomic::write_atomic(dir, name, |f| {
        use std::io::Write as _;
        Ok(f.write_all(&buffer)?)
    })?;
    Ok(())
}
