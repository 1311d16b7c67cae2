//! `--format csv`: polars' CSV writer (RFC 4180 quoting), with a header row.

use super::Exporter;
use anyhow::Result;
use polars::prelude::*;

pub struct Csv;

impl Exporter for Csv {
    fn export(&self, table: &DataFrame) -> Result<String> {
        let mut bytes = Vec::new();
        CsvWriter::new(&mut bytes)
            .include_header(true)
            .finish(&mut table.clone())?;
        Ok(String::from_utf8(bytes)?)
    }
}
