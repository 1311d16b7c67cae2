//! `results/README.md` describes every column the result files hold: each column of
//! `paths.parquet`, `segment_paths.parquet`, `frame_paths.parquet`, `frame_daily.parquet` and
//! `summary.parquet` and `ep.parquet`, and each summary metric, written by runs of the golden fixtures (one per
//! kind of product), is named there. A column added without its description fails here.

use polars::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// Runs the golden fixture `fixture` for 3 paths into `dir/<fixture>`; its result folder.
fn run_fixture(fixture: &str, dir: &Path) -> std::path::PathBuf {
    let out = dir.join(fixture);
    let status = Command::new(BIN)
        .args([
            "run",
            &format!("{ROOT}/tests/fixtures/golden/{fixture}.toml"),
        ])
        .args(["--paths", "3", "--quiet", "--no-report", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "{fixture}");
    out
}

#[test]
fn results_readme_names_every_column_and_metric() {
    let readme = std::fs::read_to_string(format!("{ROOT}/results/README.md")).unwrap();
    let named = |name: &str| readme.contains(&format!("`{name}`"));
    // Peril columns are described once as `<peril>_count` / `<peril>_eur`, with the perils listed.
    let peril_column = |name: &str| {
        ["_count", "_eur"].iter().any(|suffix| {
            name.strip_suffix(suffix)
                .is_some_and(|peril| named(peril) && readme.contains("<peril>"))
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let mut missing = BTreeSet::new();
    for fixture in [
        "quickstart",
        "frame_black_friday",
        "legal_protection",
        "bnpl_non_payment",
        "e_reputation",
    ] {
        let out = run_fixture(fixture, dir.path());
        for file in [
            "paths.parquet",
            "segment_paths.parquet",
            "frame_paths.parquet",
            "frame_daily.parquet",
            "summary.parquet",
            "ep.parquet",
            "dependence.parquet",
        ] {
            let path = out.join(file);
            if !path.exists() {
                continue;
            }
            let df = read(&path);
            for name in df.get_column_names() {
                if !named(name) && !peril_column(name) {
                    missing.insert(format!("{file}: {name}"));
                }
            }
            if file == "summary.parquet" {
                let metrics = df.column("metric").unwrap().str().unwrap().clone();
                for m in metrics.iter().flatten() {
                    if !named(m) && !peril_column(m) && !m.starts_with("p_") {
                        missing.insert(format!("summary metric: {m}"));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "results/README.md does not describe: {missing:#?}"
    );
}

/// The column table of `paths.parquet` and `segment_paths.parquet` in `results/README.md` is
/// the code's own table (`report::path_tables::COLUMNS`), and the files hold those columns, in
/// that order, with those types: the legal-protection fixture has segments, perils and staged
/// cases, so every kind of column.
#[test]
fn the_per_path_column_table_of_results_readme_is_the_one_the_files_are_written_from() {
    use protectsim::report::path_tables::{COLUMNS, markdown};
    let readme = std::fs::read_to_string(format!("{ROOT}/results/README.md")).unwrap();
    let table = markdown();
    assert!(
        readme.contains(&table),
        "results/README.md must hold this table under `paths.parquet`:\n{table}"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run_fixture("legal_protection", dir.path());
    let df = read(&out.join("segment_paths.parquet"));
    let mut entries = COLUMNS.iter().peekable();
    for col in df.columns() {
        let name = col.name().as_str();
        let dtype = match col.dtype() {
            DataType::UInt64 => "u64",
            DataType::Float64 => "f64",
            DataType::String => "str",
            other => panic!("{name}: unexpected type {other}"),
        };
        // The peril entry stands for a `_count` and an `_eur` column per peril.
        while let Some(e) = entries.peek() {
            let perils = e.name.starts_with("<peril>");
            let fits = if perils {
                name.ends_with("_count") && dtype == "u64"
                    || name.ends_with("_eur") && dtype == "f64"
            } else {
                e.name == name
            };
            if fits && (perils || e.dtype.starts_with(dtype)) {
                break;
            }
            entries.next();
        }
        assert!(
            entries.peek().is_some(),
            "{name} ({dtype}) is not in COLUMNS, or out of order"
        );
    }
}
