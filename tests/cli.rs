//! The `run` and `check` commands end to end: files written, values identical across thread
//! counts, manifest present in JSON and in parquet metadata; `--version`, shell completions and
//! the manual page; options every command checks alike.

use polars::prelude::*;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const QUICKSTART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");

fn run(out: &Path, threads: &str) -> String {
    let output = Command::new(BIN)
        .args([
            "run",
            QUICKSTART,
            "--paths",
            "40",
            "--seed",
            "99",
            "--threads",
            threads,
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "run failed: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn run_writes_identical_values_for_1_and_8_threads() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("t1"), dir.path().join("t8"));
    let stdout = run(&a, "1");
    run(&b, "8");
    assert!(stdout.contains("mean ± se"), "{stdout}");
    assert!(stdout.contains("E[net claims] / E[premium]"), "{stdout}");

    for name in ["paths.parquet", "summary.parquet"] {
        let (x, y) = (read_parquet(&a.join(name)), read_parquet(&b.join(name)));
        assert!(x.height() > 0);
        assert!(
            x.equals_missing(&y),
            "{name} differs between 1 and 8 threads"
        );
    }
    // The CSV carries no run metadata, so it is byte-identical.
    assert_eq!(
        std::fs::read(a.join("summary.csv")).unwrap(),
        std::fs::read(b.join("summary.csv")).unwrap()
    );

    let paths = read_parquet(&a.join("paths.parquet"));
    assert_eq!(paths.height(), 40);
    for col in [
        "path",
        "product",
        "covered",
        "premium_eur",
        "claims_eur",
        "loss_ratio",
        "delay_count",
        "damage_eur",
        "loss_eur",
        "ibnr_eur",
    ] {
        assert!(paths.column(col).is_ok(), "paths.parquet lacks {col}");
    }
}

#[test]
fn manifest_is_written_as_json_and_in_parquet_metadata() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), "2");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["seed"], 99);
    assert_eq!(manifest["paths"], 40);
    assert_eq!(manifest["threads"], 2);
    assert_eq!(manifest["shard"]["count"], 1);
    // The commit the binary was built from, the one `--version` names.
    let (_, version, _) = cli(&["--version"]);
    let commit = manifest["commit"]
        .as_str()
        .expect("manifest names its commit");
    assert!(
        version.contains(&format!("(commit {commit}, built ")),
        "{commit} vs {version}"
    );
    assert_eq!(manifest["schema"], protectsim::store::SCHEMA_VERSION);
    let hash = manifest["scenario_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    for name in ["paths.parquet", "summary.parquet"] {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("protectsim.manifest") && text.contains(hash),
            "{name} lacks the manifest"
        );
    }
    // No temporary files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn shards_cover_the_paths_of_a_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    run(&whole, "2");
    let mut shard_rows = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("s{k}"));
        let status = Command::new(BIN)
            .args([
                "run",
                QUICKSTART,
                "--paths",
                "40",
                "--seed",
                "99",
                "--quiet",
                "--shard",
                &format!("{k}/3"),
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(status.status.success());
        shard_rows.push(read_parquet(&out.join("paths.parquet")));
    }
    let mut stacked = shard_rows[0].clone();
    for df in &shard_rows[1..] {
        stacked.vstack_mut(df).unwrap();
    }
    assert!(stacked.equals_missing(&read_parquet(&whole.join("paths.parquet"))));
}

#[test]
fn check_prints_calendar_and_expectations() {
    let output = Command::new(BIN)
        .args(["check", QUICKSTART])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    for want in [
        "is valid",
        "Black Friday 2026-11-27",
        "Cyber Monday 2026-11-30",
        "peak days",
        "2026-11-27 Fri",
        "expected orders per month",
        "premium (EUR)",
        "loss ratio",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    // Counts in words that agree with their number, and no per-segment table of "-" cells
    // where no segment has a closed form (the parcel cells).
    assert!(
        stdout.contains("1 company, 2 shops, 1 product\n"),
        "counts in:\n{stdout}"
    );
    assert!(!stdout.contains("companies,") && !stdout.contains("1 products"));
    for line in stdout.lines() {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert!(
            cells.iter().filter(|c| **c == "-").count() < 2,
            "a row of \"-\" cells: {line:?}"
        );
    }
    assert!(
        stdout.contains("8 segments: no closed form per segment"),
        "{stdout}"
    );
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--version` names the version, the commit the binary was built from (a short hash, or
/// "unknown" outside a git checkout) and the build date.
#[test]
fn version_names_the_commit_and_the_build_date() {
    let (code, stdout, _) = cli(&["--version"]);
    assert_eq!(code, 0);
    let line = stdout.trim();
    let rest = line
        .strip_prefix(concat!(
            "protectsim ",
            env!("CARGO_PKG_VERSION"),
            " (commit "
        ))
        .unwrap_or_else(|| panic!("{line}"));
    let (commit, built) = rest.split_once(", built ").expect(line);
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    let date = built.strip_suffix(')').expect(line);
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{date}"
    );
}

/// Completion scripts for the four shells name every subcommand; the manual page is roff with
/// the commands, and `man --out` writes one page per command.
#[test]
fn completions_and_manual_pages() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, stdout, stderr) = cli(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        for sub in ["run", "check", "frame", "price", "sweep", "merge", "report"] {
            assert!(stdout.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(stdout.contains("target-loss-ratio"), "{shell}");
    }
    let (code, _, stderr) = cli(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is bad input: {stderr}");
    assert!(
        stderr.contains("bash") && stderr.contains("powershell"),
        "{stderr}"
    );

    let (code, stdout, _) = cli(&["man"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(".ie") || stdout.contains(".TH protectsim"),
        "{stdout}"
    );
    assert!(stdout.contains("sweep") && stdout.contains("completions"));
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = cli(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    for page in ["protectsim.1", "protectsim-run.1", "protectsim-price.1"] {
        let text = std::fs::read_to_string(dir.path().join(page)).expect(page);
        assert!(text.contains(".TH"), "{page}");
        assert!(stdout.contains(page), "{stdout}");
    }
    let run_page = std::fs::read_to_string(dir.path().join("protectsim-run.1")).unwrap();
    assert!(run_page.contains("resume"), "{run_page}");
}

/// `price --confidence 1` is refused as `frame --confidence 1` is: the confidence lies strictly
/// between 0 and 1.
#[test]
fn price_and_frame_refuse_a_confidence_of_1_alike() {
    for command in ["price", "frame"] {
        let scenario = if command == "frame" {
            FRAMES
        } else {
            QUICKSTART
        };
        let (code, _, stderr) = cli(&[command, scenario, "--confidence", "1", "--paths", "5"]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(
            stderr.contains("--confidence 1: must be between 0 and 1 (exclusive)"),
            "{command}: {stderr}"
        );
    }
}

const FRAMES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/frame_black_friday.toml"
);

fn frame_cmd(out: &Path, threads: &str) -> std::process::Output {
    Command::new(BIN)
        .args([
            "frame",
            FRAMES,
            "--paths",
            "30",
            "--threads",
            threads,
            "--confidence",
            "0.9",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn frame_writes_frame_files_and_recommendations_identically_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("t1"), dir.path().join("t8"));
    let output = frame_cmd(&a, "1");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(frame_cmd(&b, "8").status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    for want in [
        "guarantee frames",
        "recommended frames",
        "Maison Lumière SAS",
        "2026-12-",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    for name in [
        "frame_daily.parquet",
        "frame_paths.parquet",
        "paths.parquet",
        "summary.parquet",
    ] {
        let (x, y) = (read_parquet(&a.join(name)), read_parquet(&b.join(name)));
        assert!(x.height() > 0);
        assert!(
            x.equals_missing(&y),
            "{name} differs between 1 and 8 threads"
        );
    }
    let daily = read_parquet(&a.join("frame_daily.parquet"));
    assert_eq!(daily.height(), 5 * 365, "one row per company and day");
    for col in [
        "date",
        "company",
        "frame_eur",
        "mean",
        "p05",
        "p50",
        "p95",
        "p99",
        "p_over_frame",
        "analytic_mean",
    ] {
        assert!(daily.column(col).is_ok(), "frame_daily lacks {col}");
    }
    assert_eq!(
        read_parquet(&a.join("frame_paths.parquet")).height(),
        5 * 30
    );
    let csv = std::fs::read_to_string(a.join("frame_recommendation.csv")).unwrap();
    assert!(csv.starts_with("company,frame_eur,p_saturation"), "{csv}");
    assert_eq!(csv.lines().count(), 6);
    let manifest = std::fs::read_to_string(a.join("manifest.json")).unwrap();
    for f in [
        "frame_daily.parquet",
        "frame_recommendation.csv",
        "plots/frame_maison-lumiere-sas.svg",
    ] {
        assert!(manifest.contains(f), "manifest lacks {f}");
        assert!(a.join(f).exists(), "{f} not written");
    }
    let svg = std::fs::read_to_string(a.join("plots/frame_pichon-jouets.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("frame"));
}

#[test]
fn frame_refuses_scenarios_without_frames_and_bad_confidence() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["frame", QUICKSTART, "--paths", "5", "--out"])
        .arg(dir.path().join("q"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no guarantee_frame product"));
    let out = Command::new(BIN)
        .args(["frame", FRAMES, "--confidence", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--confidence 1.5: must be between 0 and 1")
    );
}

#[test]
fn run_writes_a_report_and_report_rewrites_it_from_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    run(&a, "1");
    let html = std::fs::read_to_string(a.join("report.html")).unwrap();
    for want in [
        "<!DOCTYPE html>",
        "loss ratio per path (%)",
        "claims by peril",
        "Analytic checks",
        "<svg",
    ] {
        assert!(html.contains(want), "report lacks {want:?}");
    }
    let manifest = std::fs::read_to_string(a.join("manifest.json")).unwrap();
    assert!(manifest.contains("report.html"));

    std::fs::remove_file(a.join("report.html")).unwrap();
    let out = Command::new(BIN).arg("report").arg(&a).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(a.join("report.html")).unwrap(),
        html
    );

    // --no-report: no report, none listed.
    let b = dir.path().join("b");
    let out = Command::new(BIN)
        .args([
            "run",
            QUICKSTART,
            "--paths",
            "5",
            "--quiet",
            "--no-report",
            "--out",
        ])
        .arg(&b)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!b.join("report.html").exists());
    assert!(
        !std::fs::read_to_string(b.join("manifest.json"))
            .unwrap()
            .contains("report.html")
    );
}

#[test]
fn report_of_a_folder_that_is_not_a_result_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    for target in [dir.path().to_path_buf(), dir.path().join("missing")] {
        let out = Command::new(BIN)
            .arg("report")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("error:") && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
    // A manifest but a broken summary: a runtime error naming the file.
    let d = dir.path();
    run(&d.join("r"), "1");
    std::fs::write(d.join("r/summary.parquet"), b"not parquet").unwrap();
    let out = Command::new(BIN)
        .arg("report")
        .arg(d.join("r"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("summary.parquet"));
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// `--format csv|json|markdown` puts the command's table alone on stdout: for `check` the
/// analytic expectations, for `run` the
/// summary, byte for byte what `summary.csv` holds; for `price` the pricing table and for
/// `frame` the recommendation, as their CSV files hold them; the results line goes to stderr.
#[test]
fn format_prints_the_command_table_alone_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = format!("{FIXTURES}/quickstart_like.toml");
    let frames = format!("{FIXTURES}/golden/frame_black_friday.toml");
    let go = |cmd: &str, scenario: &str, format: &str| {
        let out = dir.path().join(format!("{cmd}-{format}"));
        let out_s = out.to_str().unwrap().to_string();
        let (code, stdout, stderr) = cli(&[
            cmd,
            scenario,
            "--paths",
            "20",
            "--no-report",
            "--format",
            format,
            "--out",
            &out_s,
        ]);
        assert_eq!(code, 0, "{cmd} --format {format}: {stderr}");
        assert!(stderr.contains("results: "), "{stderr}");
        assert!(!stdout.contains("results: ") && !stdout.contains("protectsim ·"));
        (out, stdout)
    };

    let (out, csv) = go("run", &parcels, "csv");
    assert_eq!(
        csv,
        std::fs::read_to_string(out.join("summary.csv")).unwrap()
    );
    let (_, json) = go("run", &parcels, "json");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), csv.lines().count() - 1);
    assert!(rows[0]["metric"].is_string() && rows[0]["mean"].is_number());
    let (_, md) = go("run", &parcels, "markdown");
    assert!(
        md.starts_with("| product | kind | company | segment | metric |"),
        "{md}"
    );
    assert_eq!(md.lines().count(), csv.lines().count() + 1);

    let (out, csv) = go("price", &parcels, "csv");
    assert_eq!(
        csv,
        std::fs::read_to_string(out.join("pricing.csv")).unwrap()
    );
    let (out, csv) = go("frame", &frames, "csv");
    assert_eq!(
        csv,
        std::fs::read_to_string(out.join("frame_recommendation.csv")).unwrap()
    );

    // `check` simulates nothing: its table is the closed forms it prints.
    let (code, json, stderr) = cli(&["check", &parcels, "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let premium = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "premium_eur" && r["segment"].is_null())
        .expect("a product's expected premium");
    assert!(premium["expected"].as_f64().unwrap() > 0.0);

    let (code, _, stderr) = cli(&["run", &parcels, "--format", "yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("json") && stderr.contains("markdown"),
        "{stderr}"
    );
}

/// Regression: `sweep --help` listed `--shard` and `--resume`, which a sweep always refuses
/// (it runs every cell whole). Its help no longer lists them; given anyway, they are refused
/// with exit code 2 and a message that says which commands take them.
#[test]
fn sweep_help_lists_no_option_it_refuses() {
    let (code, out, _) = cli(&["sweep", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--vary") && out.contains("--paths"), "{out}");
    assert!(
        !out.contains("--shard") && !out.contains("--resume"),
        "{out}"
    );
    let (_, run_help, _) = cli(&["run", "--help"]);
    assert!(run_help.contains("--shard") && run_help.contains("--resume"));
    let quickstart = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quickstart_like.toml"
    );
    let (code, _, err) = cli(&[
        "sweep",
        quickstart,
        "--vary",
        "products[0].take_up=0.2..0.3:0.1",
        "--resume",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("are for run, frame and price"), "{err}");
}

/// `--quiet` hides the table as well as the progress bar: nothing on stdout or stderr, the
/// files written as without it; a machine-readable `--format` still prints its table.
#[test]
fn quiet_prints_nothing_but_a_format_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q");
    let out = out.to_str().unwrap();
    let (code, stdout, stderr) = cli(&["run", QUICKSTART, "--paths", "5", "--quiet", "--out", out]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    assert!(Path::new(out).join("summary.csv").exists());
    let csv = dir.path().join("c");
    let (code, stdout, stderr) = cli(&[
        "run",
        QUICKSTART,
        "--paths",
        "5",
        "--quiet",
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("product,"), "{stdout}");
    assert_eq!(stderr, "");
}

/// Runs the shared-orders fixture (three products on one order stream) for `paths` paths into
/// `dir/<name>`, with or without its report; the folder.
fn run_shared_orders(dir: &Path, name: &str, paths: &str, report: bool) -> std::path::PathBuf {
    let out = dir.join(name);
    let fixture = format!("{FIXTURES}/shared_orders.toml");
    let mut args = vec!["run", &fixture, "--paths", paths, "--quiet"];
    if !report {
        args.push("--no-report");
    }
    let out_arg = out.to_str().unwrap().to_string();
    args.extend(["--out", &out_arg]);
    let (code, _, stderr) = cli(&args);
    assert_eq!(code, 0, "{stderr}");
    out
}

/// A text column of `df`, nulls as empty strings.
fn text_column(df: &DataFrame, c: &str) -> Vec<String> {
    let col = df.column(c).unwrap().str().unwrap().clone();
    col.iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect()
}

/// A numeric column of `df` as f64, nulls as NaN.
fn num_column(df: &DataFrame, c: &str) -> Vec<f64> {
    let col = df.column(c).unwrap().cast(&DataType::Float64).unwrap();
    let ca = col.f64().unwrap().clone();
    ca.iter().map(|x| x.unwrap_or(f64::NAN)).collect()
}

/// `ep.parquet`: per product and for the portfolio, the net claims at each return period is
/// the order statistic of rank ⌈n (1 − 1/T)⌉ of the paths' net claims in `paths.parquet`
/// (computed here from that file), inside its 95 % interval; the portfolio's (the products'
/// sum path by path) is at least each product's; the 1-in-200 row is the summary's `p99_5`;
/// `ep.csv` holds the same rows; the manifest lists both files.
#[test]
fn ep_table_is_the_order_statistic_of_each_return_period() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_shared_orders(dir.path(), "ep", "300", false);
    let ep = read_parquet(&out.join("ep.parquet"));
    let paths = read_parquet(&out.join("paths.parquet"));
    let (text, num) = (text_column, num_column);
    // The aggregate curves (the occurrence curve of the frame product is checked below).
    let aep: Vec<bool> = text(&ep, "curve").iter().map(|c| c == "aep").collect();
    let ep = ep
        .filter(&BooleanChunked::from_slice("aep".into(), &aep))
        .unwrap();
    let (lines, periods, loss, low, high) = (
        text(&ep, "line"),
        num(&ep, "return_period"),
        num(&ep, "loss_eur"),
        num(&ep, "ci_low_eur"),
        num(&ep, "ci_high_eur"),
    );
    let (products, path_index, net) = (
        text(&paths, "product"),
        num(&paths, "path"),
        num(&paths, "net_claims_eur"),
    );
    let mut names: Vec<String> = products.clone();
    names.dedup();
    names.sort();
    names.dedup();
    assert!(
        names.len() >= 2,
        "a portfolio of several products: {names:?}"
    );
    let mut portfolio = vec![0.0; 300];
    let mut by_line: Vec<(String, Vec<f64>)> = Vec::new();
    for name in &names {
        let mut v: Vec<f64> = Vec::new();
        for i in (0..products.len()).filter(|&i| products[i] == *name) {
            v.push(net[i]);
            portfolio[path_index[i] as usize] += net[i];
        }
        by_line.push((name.clone(), v));
    }
    by_line.push(("portfolio".into(), portfolio));
    for (name, mut v) in by_line {
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let rows: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == name).collect();
        assert_eq!(rows.len(), 10, "{name}");
        for i in rows {
            let q = 1.0 - 1.0 / periods[i];
            let want = v[((n * q).ceil() as usize).max(1) - 1];
            assert!(
                (loss[i] - want).abs() < 0.02,
                "{name} 1 in {}: {} vs {want}",
                periods[i],
                loss[i]
            );
            assert!(low[i] <= loss[i] && (high[i].is_nan() || loss[i] <= high[i]));
        }
    }
    // The portfolio dominates each product path by path, so at every return period.
    for (i, line) in lines.iter().enumerate().filter(|(_, l)| *l != "portfolio") {
        let j = (0..lines.len())
            .find(|&j| lines[j] == "portfolio" && periods[j] == periods[i])
            .unwrap();
        assert!(loss[j] >= loss[i], "{line} at {}", periods[i]);
    }
    // The 1-in-200 row is the summary's p99_5 of net claims.
    let summary = read_parquet(&out.join("summary.parquet"));
    let (s_product, s_metric, p995) = (
        text(&summary, "product"),
        text(&summary, "metric"),
        num(&summary, "p99_5"),
    );
    let segment = summary.column("segment").unwrap().str().unwrap().clone();
    let company = summary.column("company").unwrap().str().unwrap().clone();
    for name in &names {
        let k = (0..s_product.len())
            .find(|&k| {
                s_product[k] == *name
                    && s_metric[k] == "net_claims_eur"
                    && segment.get(k).is_none()
                    && company.get(k).is_none()
            })
            .unwrap();
        let i = (0..lines.len())
            .find(|&i| lines[i] == *name && periods[i] == 200.0)
            .unwrap();
        assert!(
            (loss[i] - p995[k]).abs() < 0.02,
            "{name}: {} vs {}",
            loss[i],
            p995[k]
        );
    }
    // The frame product's occurrence curve: with one company, its largest default is its
    // whole year's refunds, so the OEP is the AEP.
    let all = read_parquet(&out.join("ep.parquet"));
    let (all_lines, all_curves, all_loss) = (
        text(&all, "line"),
        text(&all, "curve"),
        num(&all, "loss_eur"),
    );
    let frame_curve = |c: &str| -> Vec<f64> {
        (0..all_lines.len())
            .filter(|&i| all_lines[i] == "trustmark" && all_curves[i] == c)
            .map(|i| all_loss[i])
            .collect()
    };
    assert_eq!(frame_curve("oep").len(), 10);
    assert_eq!(frame_curve("oep"), frame_curve("aep"));
    let csv = std::fs::read_to_string(out.join("ep.csv")).unwrap();
    assert_eq!(csv.lines().count(), all_lines.len() + 1);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"ep.parquet\"") && manifest.contains("\"ep.csv\""));
}

/// `dependence.parquet`: each pair of products' correlation of net claims over paths is the
/// Pearson correlation of their `paths.parquet` columns (computed here); a one-product run
/// writes no such file; the report shows the diversification of capital.
#[test]
fn dependence_table_is_the_correlation_of_the_products_net_claims() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_shared_orders(dir.path(), "dep", "120", true);
    let paths = read_parquet(&out.join("paths.parquet"));
    let products = text_column(&paths, "product");
    let net = num_column(&paths, "net_claims_eur");
    let of = |name: &str| -> Vec<f64> {
        (0..net.len())
            .filter(|&i| products[i] == name)
            .map(|i| net[i])
            .collect()
    };
    let pearson = |x: &[f64], y: &[f64]| {
        let n = x.len() as f64;
        let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
        let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
        let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
        cov / (vx * vy).sqrt()
    };
    let dep = read_parquet(&out.join("dependence.parquet"));
    assert_eq!(dep.height(), 3, "three products, three pairs");
    for i in 0..dep.height() {
        let a = dep
            .column("product_a")
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap()
            .to_string();
        let b = dep
            .column("product_b")
            .unwrap()
            .str()
            .unwrap()
            .get(i)
            .unwrap()
            .to_string();
        let r = dep
            .column("correlation")
            .unwrap()
            .f64()
            .unwrap()
            .get(i)
            .unwrap();
        let want = pearson(&of(&a), &of(&b));
        assert!((r - want).abs() < 1e-9, "{a} · {b}: {r} vs {want}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("diversification benefit"),
        "the report's section"
    );
    let one = dir.path().join("one");
    let (code, _, stderr) = cli(&[
        "run",
        QUICKSTART,
        "--paths",
        "5",
        "--quiet",
        "--no-report",
        "--out",
        one.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!one.join("dependence.parquet").exists());
}
