//! The underwriter's files read back: `pricing.xlsx`, `sweep.xlsx` and
//! `frame_recommendation.xlsx` are re-opened as the zip archives they are, and their sheets,
//! number formats, Excel tables, frozen panes and decision colours checked; the CSV files of
//! `price`, `sweep` and `frame` have money rounded to the cent and counts as integers.

use std::io::Read as _;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const QUICKSTART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");
const FRAMES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/frame_black_friday.toml"
);

fn cli(args: &[&str]) {
    let out = Command::new(BIN).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every member of an xlsx archive as text, by name.
fn members(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut member = archive.by_index(i).unwrap();
            let mut text = String::new();
            member.read_to_string(&mut text).unwrap();
            (member.name().unwrap().to_string(), text)
        })
        .collect()
}

fn member<'a>(all: &'a [(String, String)], name: &str) -> &'a str {
    all.iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("no {name} in the workbook"))
}

/// Sheet names in workbook order.
fn sheet_names(all: &[(String, String)]) -> Vec<String> {
    member(all, "xl/workbook.xml")
        .split("<sheet ")
        .skip(1)
        .filter_map(|s| s.split("name=\"").nth(1))
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&gt;", ">"))
        .collect()
}

fn number_formats(all: &[(String, String)]) -> Vec<String> {
    member(all, "xl/styles.xml")
        .split("formatCode=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&quot;", "\""))
        .collect()
}

fn tables(all: &[(String, String)]) -> usize {
    all.iter()
        .filter(|(n, _)| n.starts_with("xl/tables/table"))
        .count()
}

fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Money columns (`_eur`) carry at most two decimals; `paths` is a whole number.
fn assert_cents_and_counts(path: &Path) {
    let (header, rows) = csv(path);
    assert!(!rows.is_empty(), "{}", path.display());
    for row in &rows {
        for (name, value) in header.iter().zip(row) {
            if name.ends_with("_eur") && !value.is_empty() {
                let decimals = value.split_once('.').map_or(0, |(_, d)| d.len());
                assert!(
                    decimals <= 2 && !value.contains('e'),
                    "{}: {name} = {value}",
                    path.display()
                );
            }
            if name == "paths" {
                assert!(
                    value.parse::<u64>().is_ok(),
                    "{}: paths = {value}",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn pricing_workbook_reads_as_an_underwriters_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("price");
    cli(&[
        "price",
        QUICKSTART,
        "--paths",
        "20",
        "--seed",
        "3",
        "--quiet",
        "--no-report",
        "--out",
        out.to_str().unwrap(),
    ]);
    let all = members(&out.join("pricing.xlsx"));
    assert_eq!(
        sheet_names(&all),
        ["Summary", "Segments", "Tariff", "Run"],
        "decisions first"
    );
    let formats = number_formats(&all);
    for want in ["#,##0.00 \"EUR\"", "0.0%", "#,##0", "0.00%", "0.00"] {
        assert!(formats.iter().any(|f| f == want), "{want} in {formats:?}");
    }
    assert!(
        !formats.iter().any(|f| f == "#,##0.000" || f == "0.0000"),
        "{formats:?}"
    );
    assert!(
        tables(&all) >= 4,
        "summary, solved tariff, segments, tariff, run"
    );
    for sheet in 1..=3 {
        let xml = member(&all, &format!("xl/worksheets/sheet{sheet}.xml"));
        assert!(
            xml.contains("state=\"frozen\""),
            "sheet{sheet}: frozen panes"
        );
    }
    for sheet in 1..=2 {
        let xml = member(&all, &format!("xl/worksheets/sheet{sheet}.xml"));
        assert!(
            xml.matches("<conditionalFormatting").count() >= 3,
            "sheet{sheet}: colours on adequacy and the probabilities of a loss"
        );
    }
    let strings = member(&all, "xl/sharedStrings.xml");
    for header in [
        "Adequacy (current / indicated premium)",
        "P(loss ratio &gt; 100 %)",
        "Current premium per unit (EUR)",
        "products[0].tariff.flat_fee_eur",
        "manifest.scenario_hash",
    ] {
        assert!(strings.contains(header), "{header}");
    }
    assert!(
        !strings.contains("<t>adequacy</t>") && !strings.contains("<t>p_lr_over_1</t>"),
        "no snake_case headers"
    );
    assert_cents_and_counts(&out.join("pricing.csv"));
    let (header, _) = csv(&out.join("pricing.csv"));
    assert!(header.contains(&"paths".to_string()));
}

#[test]
fn sweep_workbook_has_a_long_sheet_and_one_grid_per_metric() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    cli(&[
        "sweep",
        QUICKSTART,
        "--vary",
        "products[0].tariff.flat_fee_eur=0.88..0.98:0.1",
        "--vary",
        "products[0].take_up=0.2..0.3:0.1",
        "--paths",
        "10",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let all = members(&out.join("sweep.xlsx"));
    let names = sheet_names(&all);
    assert_eq!(names.first().map(String::as_str), Some("Long"));
    assert_eq!(names.last().map(String::as_str), Some("Run"));
    for grid in ["Adequacy", "Loss ratio", "P(LR > 100 %)", "P(LR > 65 %)"] {
        assert!(names.iter().any(|n| n == grid), "{grid} in {names:?}");
    }
    assert!(tables(&all) >= 2, "the long sheet and the run sheet");
    let (header, rows) = csv(&out.join("sweep.csv"));
    assert_eq!(
        header[..5],
        ["varied_1", "value_1", "varied_2", "value_2", "product"]
    );
    assert_eq!(rows[0][0], "products[0].tariff.flat_fee_eur");
    assert_eq!(rows[0][2], "products[0].take_up");
    assert_cents_and_counts(&out.join("sweep.csv"));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("sweep.xlsx"), "{manifest}");
}

#[test]
fn frame_recommendation_workbook_and_csv_in_cents() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("frames");
    cli(&[
        "frame",
        FRAMES,
        "--paths",
        "16",
        "--quiet",
        "--no-report",
        "--out",
        out.to_str().unwrap(),
    ]);
    let all = members(&out.join("frame_recommendation.xlsx"));
    assert_eq!(sheet_names(&all), ["Frames", "Run"]);
    let formats = number_formats(&all);
    for want in ["#,##0.00 \"EUR\"", "0.0%", "yyyy-mm-dd"] {
        assert!(formats.iter().any(|f| f == want), "{want} in {formats:?}");
    }
    let sheet = member(&all, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("state=\"frozen\"") && sheet.contains("<conditionalFormatting"));
    assert_cents_and_counts(&out.join("frame_recommendation.csv"));
}
