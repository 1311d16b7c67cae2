//! A seeded mutation fuzzer over the input side: the example scenarios and the test fixtures,
//! mutated (numbers and strings replaced by hostile values, lines dropped, repeated, swapped or
//! spliced from another file, bytes flipped, text cut short), then read by the same code the
//! binary runs (`Scenario::parse`, `Model::new`), with random command-line values
//! (`RunOptions::new` with `--paths`, `--seed`, `--threads`, `--shard`; `--vary` specs through
//! the sweep parser and the first cell's scenario), and for a few small scenarios a 2-path
//! simulation and its summary.
//!
//! Invariant: every input ends in `Ok` or a located error (file:line:column for a scenario, the
//! option for a command line); nothing panics; no summary holds NaN or negative money.
//!
//! `cargo test --release --test fuzz` runs 20,000 inputs; `PROTECTSIM_FUZZ_N=1000000` runs a
//! million (`PROTECTSIM_FUZZ_SEED` picks another sequence). A failing input is written to
//! `target/fuzz-failures/` and named in the failure; commit it under `tests/fixtures/fuzz/`,
//! where [`replay_fuzz_regressions`] reads every file again on each test run.

use protectsim::cli::{RunArgs, RunOptions};
use protectsim::engine::Model;
use protectsim::money::Cents;
use protectsim::scenario::{Scenario, ScenarioError};
use protectsim::{summary, sweep};
use rand::Rng;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Inputs of the default run (inside `cargo test --release`).
const DEFAULT_N: u64 = 20_000;

/// Values a hostile or careless user writes where a number stands.
const NUMBERS: &[&str] = &[
    "0",
    "-0.0",
    "-1",
    "1",
    "0.5",
    "1.5",
    "2",
    "7",
    "100",
    "365",
    "3661",
    "1e6",
    "1e7",
    "1e15",
    "1e308",
    "-1e308",
    "nan",
    "inf",
    "-inf",
    "1e-320",
    "0.0000001",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "\"1\"",
    "[]",
    "{}",
    "true",
];

/// Values written where a string stands (money, rates, dates, names, kinds).
const STRINGS: &[&str] = &[
    "\"\"",
    "\"0\"",
    "\"-1\"",
    "\"0.985\"",
    "\"1.0000001\"",
    "\"2\"",
    "\"1000\"",
    "\"10000001\"",
    "\"800000000000000000000000000\"",
    "\"79228162514264337593543950335\"",
    "\"92233720368547758.07\"",
    "\"80000000000000000000000\"",
    "\"NaN\"",
    "\"2026-02-30\"",
    "\"+262142-01-01\"",
    "\"+262142-12-31\"",
    "\"-0001-01-01\"",
    "\"2026-1-01\"",
    "\" 2026-01-01\"",
    "\"9999-12-31\"",
    "\"a\\u0007b\"",
    "\"tab\\there\"",
    "\"line\\nbreak\"",
    "\"Maison Lumière\"",
    "\"MAISON LUMIERE\"",
    "\"buyer_protection\"",
    "\"e_reputation\"",
    "\"bnpl_non_payment\"",
    "\"legal_protection\"",
    "\"guarantee_frame\"",
    "\"standard\"",
    "\"other\"",
    "\"business\"",
    "\"half_even\"",
    "1",
];

/// Keys inserted at random into a table.
const KEYS: &[&str] = &[
    "kind",
    "kidn",
    "name",
    "take_up",
    "days",
    "paths",
    "seed",
    "sigma",
    "median_eur",
    "cap_eur",
    "orders_per_day",
    "volume_cv",
    "flat_fee_eur",
    "frame_eur",
    "policies",
    "start",
    "multiplier",
    "probability",
    "unknown_key",
];

/// Every scenario the fuzzer starts from: the examples and the fixtures (the fuzz regressions
/// included).
fn corpus() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in ["scenarios", "tests/fixtures", "tests/fixtures/fuzz"] {
        let Ok(entries) = std::fs::read_dir(Path::new(ROOT).join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.extension().is_some_and(|e| e == "toml")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                files.push((p.display().to_string(), text));
            }
        }
    }
    assert!(files.len() >= 6, "corpus: {} files", files.len());
    files
}

fn pick<'a, T>(rng: &mut impl Rng, items: &'a [T]) -> &'a T {
    &items[(rng.next_u64() % items.len() as u64) as usize]
}

fn below(rng: &mut impl Rng, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

/// Byte ranges of the values of `key = value` lines (the text after `=`, up to a comment).
fn value_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(eq) = line.find('=')
            && !line.trim_start().starts_with('#')
        {
            let rest = &line[eq + 1..];
            let end = rest.find(" #").unwrap_or(rest.trim_end().len());
            let start = rest.len() - rest.trim_start().len();
            if end > start {
                spans.push((offset + eq + 1 + start, offset + eq + 1 + end));
            }
        }
        offset += line.len();
    }
    spans
}

/// One mutation of `text` (bytes, since a flip may leave invalid UTF-8).
fn mutate(rng: &mut impl Rng, text: &str, other: &str) -> Vec<u8> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines.is_empty() {
        // An empty text (cut short by an earlier mutation): give it one random byte.
        return vec![*pick(rng, b"\"'=[]{}.,#\n\\x")];
    }
    match below(rng, 12) {
        // Replace a value by a hostile number or string (most mutations: they reach validation).
        0..=4 => {
            let spans = value_spans(text);
            if spans.is_empty() {
                return text.as_bytes().to_vec();
            }
            let (a, b) = *pick(rng, &spans);
            let old = &text[a..b];
            let new = if old.starts_with('"') || rng.next_u64().is_multiple_of(4) {
                *pick(rng, STRINGS)
            } else {
                *pick(rng, NUMBERS)
            };
            format!("{}{new}{}", &text[..a], &text[b..]).into_bytes()
        }
        5 => {
            // Drop a line.
            let i = below(rng, lines.len());
            lines
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != i)
                .map(|(_, l)| *l)
                .collect::<String>()
                .into_bytes()
        }
        6 => {
            // Repeat a line (duplicate keys, duplicate tables).
            let i = below(rng, lines.len());
            let mut out: Vec<&str> = lines.clone();
            out.insert(i, lines[i]);
            out.concat().into_bytes()
        }
        7 => {
            // Swap two lines.
            let (i, j) = (below(rng, lines.len()), below(rng, lines.len()));
            let mut out = lines.clone();
            out.swap(i, j);
            out.concat().into_bytes()
        }
        8 => {
            // Splice a line of another file in.
            let theirs: Vec<&str> = other.split_inclusive('\n').collect();
            let mut out = lines.clone();
            out.insert(below(rng, lines.len() + 1), *pick(rng, &theirs));
            out.concat().into_bytes()
        }
        9 => {
            // Insert `key = value` after a random line.
            let key = pick(rng, KEYS);
            let value = if rng.next_u64().is_multiple_of(2) {
                pick(rng, NUMBERS)
            } else {
                pick(rng, STRINGS)
            };
            let line = format!("{key} = {value}\n");
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out.insert(below(rng, lines.len() + 1), line);
            out.concat().into_bytes()
        }
        10 => {
            // Flip, insert or delete a few bytes.
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..1 + below(rng, 3) {
                if bytes.is_empty() {
                    break;
                }
                let i = below(rng, bytes.len());
                match below(rng, 3) {
                    0 => bytes[i] ^= 1 << below(rng, 8),
                    1 => bytes.insert(i, *pick(rng, b"\"'=[]{}.,#\n\\\x00\xff0-")),
                    _ => {
                        bytes.remove(i);
                    }
                }
            }
            bytes
        }
        _ => {
            // Cut the text short.
            text.as_bytes()[..below(rng, text.len() + 1)].to_vec()
        }
    }
}

/// Why an input broke the invariant.
type Failure = String;

/// A scenario error must name the file and, for every issue, a line and column inside it.
fn check_located(e: &ScenarioError, text: &str) -> Result<(), Failure> {
    let shown = e.to_string();
    if !shown.contains("fuzz.toml") {
        return Err(format!("error does not name the file: {shown}"));
    }
    let lines = text.lines().count() + 1;
    if let ScenarioError::Invalid { issues, .. } = e {
        if issues.is_empty() {
            return Err(format!("invalid with no issue: {shown}"));
        }
        for li in issues {
            match li.position {
                Some(p) if p.line >= 1 && p.line <= lines && p.column >= 1 => {}
                other => return Err(format!("issue not located ({other:?}): {shown}")),
            }
            if li.issue.rule.is_empty() {
                return Err(format!("issue without a rule: {shown}"));
            }
        }
    }
    Ok(())
}

/// Random `run` options for `scenario`.
fn run_args(rng: &mut impl Rng) -> RunArgs {
    let paths = *pick(
        rng,
        &[
            None,
            Some(0),
            Some(1),
            Some(2),
            Some(500),
            Some(100_000_000),
            Some(100_000_001),
            Some(1_000_000_000),
            Some(u64::MAX),
        ],
    );
    let threads = *pick(rng, &[0, 1, 2, 7, 64, 1024, 1025, 5000, usize::MAX]);
    let shard = pick(
        rng,
        &[
            None,
            Some("1/1"),
            Some("2/3"),
            Some("0/4"),
            Some("5/4"),
            Some("1/0"),
            Some("a/b"),
            Some(""),
            Some("/"),
            Some("18446744073709551615/18446744073709551615"),
            Some("1/18446744073709551615"),
            Some("１/２"),
        ],
    )
    .map(str::to_string);
    let seed = *pick(rng, &[None, Some(0), Some(42), Some(u64::MAX)]);
    let scenario = PathBuf::from(*pick(rng, &["fuzz.toml", "", "/", "a/../b.toml", "é.toml"]));
    RunArgs {
        scenario,
        paths,
        seed,
        threads,
        out: None,
        shard,
        resume: false,
        quiet: true,
        no_report: true,
        max_hours: protectsim::cli::DEFAULT_MAX_HOURS,
        format: protectsim::cli::Format::Table,
    }
}

/// A random `--vary` spec: a real or made-up path and a grid, hostile or not.
fn vary_spec(rng: &mut impl Rng) -> String {
    let path = *pick(
        rng,
        &[
            "products[0].take_up",
            "products[0].tariff.flat_fee_eur",
            "products[0].tariff.rates.standard",
            "products[9].take_up",
            "horizon.days",
            "simulation.paths",
            "companies[0].shops[0].orders_per_day",
            "companies[0].shops[0].basket.sigma",
            "companies[0].name",
            "a..b",
            "",
            "x[",
            "products[18446744073709551616].x",
        ],
    );
    let grid = *pick(
        rng,
        &[
            "0..1:0.5",
            "0.1..0.3:0.1",
            "1..3:1",
            "0..10:0.0000000000000000000000000001",
            "-79228162514264337593543950335..79228162514264337593543950335:1",
            "79228162514264337593543950335..79228162514264337593543950335:79228162514264337593543950335",
            "0..1:0",
            "1..0:1",
            "x..y:z",
            "0..100000:1",
            "800000000000000000000000000..800000000000000000000000000:1",
            "1e5..1e6:1",
            "",
        ],
    );
    format!("{path}={grid}")
}

/// True when a 2-path simulation of `s` is cheap (few orders and policies).
fn small(s: &Scenario) -> bool {
    let days = s.horizon().days as f64;
    let orders: f64 = s.shops().map(|(_, shop)| shop.orders_per_day).sum::<f64>() * days;
    let policies: u64 = s
        .products()
        .iter()
        .map(|p| match p {
            protectsim::products::Product::EReputation(e) => {
                e.segments.iter().map(|g| g.policies).sum()
            }
            _ => 0,
        })
        .sum();
    orders <= 3_000_000.0 && policies <= 1_000_000 && days <= 800.0
}

/// A 2-path simulation and its summary: no NaN and no negative money.
fn check_simulation(s: &Scenario) -> Result<(), Failure> {
    let model = Model::new(s);
    if protectsim::analytic::check_money_headroom(&model).is_err() {
        return Ok(()); // refused before simulation, as the binary does (exit 2)
    }
    let results: Vec<_> = (0..2).map(|p| model.simulate_path(s.seed(), p)).collect();
    for r in &results {
        if model.overflow(r).is_some() {
            return Ok(()); // refused with the path, as the binary does (exit 2)
        }
        // A BNPL development month may recover more than it pays (recoveries of earlier
        // months' payments): its net claims alone may be negative.
        let names = model.segments().iter().map(|s| s.name.as_str());
        let lines = r.products.iter().map(|t| (t, false)).chain(
            r.segments
                .iter()
                .zip(names)
                .map(|(t, name)| (t, name.starts_with("dev_month:"))),
        );
        for (t, development) in lines {
            let net = if development {
                Cents::ZERO
            } else {
                t.net_claims()
            };
            let money = [
                ("exposure", t.exposure),
                ("premium", t.premium),
                ("claims", t.claims()),
                ("net_claims", net),
                ("ibnr", t.ibnr),
                ("outstanding", t.outstanding),
                ("recoveries", t.recoveries),
                ("retained", t.retained),
            ];
            for (what, c) in money {
                if c.0 < 0 || c.is_overflow() {
                    return Err(format!("path {}: negative {what} {c}", r.path));
                }
            }
        }
    }
    for row in summary::summarise(&model, &results) {
        let development = row.metric == "net_claims_eur"
            && (row.segment.as_deref()).is_some_and(|s| s.starts_with("dev_month:"));
        if row.unit == "EUR"
            && !development
            && (row.summary.mean.is_nan() || row.summary.mean < 0.0)
        {
            return Err(format!(
                "summary {} {}: mean {} EUR",
                row.product, row.metric, row.summary.mean
            ));
        }
    }
    Ok(())
}

/// What the inputs ended in, for the end-of-run line.
#[derive(Debug, Default)]
struct Tally {
    valid: u64,
    simulated: u64,
}

/// Runs one input through everything; `Err` when the invariant breaks.
fn check_input(bytes: &[u8], rng: &mut impl Rng, simulate: bool) -> Result<(), Failure> {
    check_counted(bytes, rng, simulate, &mut Tally::default())
}

fn check_counted(
    bytes: &[u8],
    rng: &mut impl Rng,
    simulate: bool,
    tally: &mut Tally,
) -> Result<(), Failure> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // Not UTF-8: the file reader must say where.
        let dir = std::env::temp_dir().join(format!("protectsim-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let file = dir.join("fuzz.toml");
        std::fs::write(&file, bytes).map_err(|e| e.to_string())?;
        let r = catch_unwind(|| Scenario::load(&file)).map_err(|_| "panic in load".to_string())?;
        return match r {
            Err(ScenarioError::Io { source, .. }) if source.to_string().contains("byte ") => Ok(()),
            other => Err(format!(
                "invalid UTF-8 not reported with its byte: {other:?}"
            )),
        };
    };
    let parsed = catch_unwind(|| Scenario::parse(text, "fuzz.toml"))
        .map_err(|_| "panic in Scenario::parse".to_string())?;
    let scenario = match parsed {
        Ok(s) => s,
        Err(e) => return check_located(&e, text),
    };
    tally.valid += 1;
    let headroom = catch_unwind(AssertUnwindSafe(|| {
        protectsim::analytic::check_money_headroom(&Model::new(&scenario))
    }))
    .map_err(|_| "panic in Model::new".to_string())?;
    if headroom.is_err() {
        return Ok(()); // refused before simulation with exit code 2
    }
    let args = run_args(rng);
    let opts = catch_unwind(AssertUnwindSafe(|| RunOptions::new(&args, &scenario)))
        .map_err(|_| format!("panic in RunOptions::new {args:?}"))?;
    match opts {
        Ok(o) => {
            let range = o.path_range();
            if range.end > o.paths() || range.start > range.end {
                return Err(format!("shard range {range:?} of {} paths", o.paths()));
            }
        }
        Err(e) if e.0.starts_with("--") => {}
        Err(e) => return Err(format!("usage error without its option: {}", e.0)),
    }
    let spec = vary_spec(rng);
    let swept = catch_unwind(AssertUnwindSafe(|| -> Result<(), Failure> {
        let Ok(vary) = sweep::parse_vary(&spec) else {
            return Ok(());
        };
        let varies = [vary];
        let Ok(cells) = sweep::cells(&varies) else {
            return Ok(());
        };
        match sweep::cell_scenario(text, "fuzz.toml", &varies, &cells[0]) {
            Ok(_) => Ok(()),
            Err(e) => {
                let known = e
                    .chain()
                    .any(|c| c.is::<ScenarioError>() || c.is::<protectsim::cli::UsageError>());
                if known {
                    Ok(())
                } else {
                    Err(format!("sweep cell: not a usage or scenario error: {e:#}"))
                }
            }
        }
    }))
    .map_err(|_| format!("panic in the sweep of --vary {spec}"))?;
    swept?;
    if simulate && small(&scenario) {
        tally.simulated += 1;
        catch_unwind(AssertUnwindSafe(|| check_simulation(&scenario)))
            .map_err(|_| "panic in a 2-path simulation".to_string())??;
    }
    Ok(())
}

/// Writes a failing input where it can be committed from, and fails with its path.
fn report_failure(bytes: &[u8], why: &str, n: u64) -> ! {
    let dir = Path::new(ROOT).join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("input-{n}.toml"));
    let _ = std::fs::write(&file, bytes);
    panic!(
        "fuzz input {n} breaks the invariant: {why}\ninput written to {} (commit it under tests/fixtures/fuzz/)",
        file.display()
    );
}

#[test]
fn fuzz_scenarios_and_command_lines() {
    let n: u64 = std::env::var("PROTECTSIM_FUZZ_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_N);
    let seed: u64 = std::env::var("PROTECTSIM_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14);
    let corpus = corpus();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Panics are caught and reported as failures; keep their messages off the output.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let mut tally = Tally::default();
    for k in 0..n {
        let (_, base) = pick(&mut rng, &corpus);
        let (_, other) = pick(&mut rng, &corpus);
        let mut bytes = mutate(&mut rng, base, other);
        // A second mutation on a quarter of the inputs.
        if rng.next_u64().is_multiple_of(4)
            && let Ok(t) = String::from_utf8(bytes.clone())
        {
            bytes = mutate(&mut rng, &t, other);
        }
        let simulate = rng.next_u64().is_multiple_of(32);
        if let Err(why) = check_counted(&bytes, &mut rng, simulate, &mut tally) {
            failures.push((k, bytes, why));
            if failures.len() >= 5 {
                break;
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "fuzz: {n} inputs (seed {seed}), {} valid scenarios, {} simulated",
        tally.valid, tally.simulated
    );
    // The mutations must leave enough inputs valid to reach the model and the simulation.
    if n >= 1000 {
        assert!(tally.valid * 20 > n, "{tally:?}");
        assert!(tally.simulated > 0, "{tally:?}");
    }
    if let Some((k, bytes, why)) = failures.first() {
        let all: Vec<String> = failures
            .iter()
            .map(|(k, _, w)| format!("{k}: {w}"))
            .collect();
        eprintln!("{}", all.join("\n"));
        report_failure(bytes, why, *k);
    }
}

/// Every input the fuzzer ever found failing, and the hostile reproducers of the input limits,
/// read again: each must now end in `Ok` or a located error, with a simulation if small.
#[test]
fn replay_fuzz_regressions() {
    let dir = Path::new(ROOT).join("tests/fixtures/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/fuzz")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        if let Err(why) = check_input(&bytes, &mut rng, true) {
            panic!("{}: {why}", file.display());
        }
    }
}
