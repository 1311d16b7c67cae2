//! Machine-readable copies of the table a command prints (`--format`): the summary of `run`,
//! the pricing table of `price`, the recommendation of `frame`. With a format other than
//! `table`, stdout holds that table alone, so that `protectsim price s.toml --format csv >
//! prices.csv` is a file any tool reads; the header and the results line go to stderr.
//!
//! One [`Exporter`] per format, one file each: a new format is a file and an arm of
//! [`Format::exporter`].

mod csv;
mod json;
mod markdown;

use anyhow::Result;
use polars::prelude::*;

/// How a command prints its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The aligned table for people (the default).
    #[default]
    Table,
    /// One JSON array of objects, one per row; null where a figure has no value.
    Json,
    /// CSV with a header row, as the result folder's CSV files hold it.
    Csv,
    /// A GitHub-flavoured markdown table.
    Markdown,
}

/// Writes a table in one machine-readable format.
pub trait Exporter {
    fn export(&self, table: &DataFrame) -> Result<String>;
}

impl Format {
    /// The exporter of this format; `None` for the terminal table.
    pub fn exporter(self) -> Option<Box<dyn Exporter>> {
        match self {
            Format::Table => None,
            Format::Json => Some(Box::new(json::Json)),
            Format::Csv => Some(Box::new(csv::Csv)),
            Format::Markdown => Some(Box::new(markdown::Markdown)),
        }
    }
}

/// A cell as text: shortest round-trip decimals for floats, empty for null and NaN.
fn cell_text(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::Float64(x) if !x.is_finite() => String::new(),
        AnyValue::Float64(x) => x.to_string(),
        AnyValue::Float32(x) => x.to_string(),
        AnyValue::String(s) => (*s).to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> DataFrame {
        df![
            "product" => ["parcel", "a|b \"quoted\", with comma"],
            "n" => [500u64, 3],
            "mean" => [Some(0.98), None],
            "p99" => [f64::NAN, 1e-7],
        ]
        .unwrap()
    }

    #[test]
    fn json_is_an_array_of_row_objects_with_nulls() {
        let out = Format::Json.exporter().unwrap().export(&table()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["product"], "parcel");
        assert_eq!(v[0]["n"], 500);
        assert_eq!(v[0]["mean"], 0.98);
        assert!(v[0]["p99"].is_null(), "NaN is null");
        assert!(v[1]["mean"].is_null());
        assert_eq!(v[1]["p99"], 1e-7);
        assert_eq!(v.as_array().unwrap().len(), 2);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let out = Format::Csv.exporter().unwrap().export(&table()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "product,n,mean,p99");
        // NaN as polars writes it in the result folder's CSV files.
        assert_eq!(lines[1], "parcel,500,0.98,NaN");
        assert_eq!(lines[2], "\"a|b \"\"quoted\"\", with comma\",3,,1e-7");
    }

    #[test]
    fn markdown_escapes_pipes_and_aligns_numbers_right() {
        let out = Format::Markdown
            .exporter()
            .unwrap()
            .export(&table())
            .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "| product | n | mean | p99 |");
        assert_eq!(lines[1], "|---|---:|---:|---:|");
        assert_eq!(lines[2], "| parcel | 500 | 0.98 |  |");
        assert_eq!(
            lines[3],
            "| a\\|b \"quoted\", with comma | 3 |  | 0.0000001 |"
        );
    }

    #[test]
    fn the_terminal_table_has_no_exporter() {
        assert!(Format::Table.exporter().is_none());
    }
}
