//! `--format markdown`: a GitHub-flavoured pipe table, numeric columns aligned right, `|` in a
//! cell escaped.

use super::Exporter;
use anyhow::Result;
use polars::prelude::*;

pub struct Markdown;

impl Exporter for Markdown {
    fn export(&self, table: &DataFrame) -> Result<String> {
        let columns = table.columns();
        let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
        let mut out = row(columns.iter().map(|c| c.name().to_string()).collect());
        let rule: Vec<&str> = columns
            .iter()
            .map(|c| {
                if c.dtype().is_primitive_numeric() {
                    "---:"
                } else {
                    "---"
                }
            })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for i in 0..table.height() {
            let mut cells = Vec::with_capacity(columns.len());
            for c in columns {
                // Display of a float is plain decimals (no exponent), which a reader of a
                // markdown table does not have to parse.
                let text = super::cell_text(&c.get(i)?);
                cells.push(text.replace('|', "\\|"));
            }
            out.push_str(&row(cells));
        }
        Ok(out)
    }
}
