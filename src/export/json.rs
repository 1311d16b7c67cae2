//! `--format json`: an array of objects, one per row, keyed by column name; numbers stay
//! numbers, null and NaN are `null`.

use super::Exporter;
use anyhow::Result;
use polars::prelude::*;
use serde_json::{Map, Value};

pub struct Json;

fn value(v: AnyValue) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(b),
        AnyValue::UInt8(x) => x.into(),
        AnyValue::UInt16(x) => x.into(),
        AnyValue::UInt32(x) => x.into(),
        AnyValue::UInt64(x) => x.into(),
        AnyValue::Int8(x) => x.into(),
        AnyValue::Int16(x) => x.into(),
        AnyValue::Int32(x) => x.into(),
        AnyValue::Int64(x) => x.into(),
        AnyValue::Float32(x) => {
            serde_json::Number::from_f64(x as f64).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(x) => serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number),
        other => Value::String(super::cell_text(&other)),
    }
}

impl Exporter for Json {
    fn export(&self, table: &DataFrame) -> Result<String> {
        let columns = table.columns();
        let mut rows = Vec::with_capacity(table.height());
        for i in 0..table.height() {
            let mut row = Map::new();
            for c in columns {
                row.insert(c.name().to_string(), value(c.get(i)?));
            }
            rows.push(Value::Object(row));
        }
        let mut out = serde_json::to_string_pretty(&rows)?;
        out.push('\n');
        Ok(out)
    }
}
