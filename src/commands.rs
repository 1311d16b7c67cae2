//! The pipelines behind each subcommand: scenario → model → paths → statistics → files.

use crate::calendar::{self, Horizon};
use crate::cli::{CheckArgs, RunArgs, RunOptions};
use crate::engine::{self, BATCH_PATHS, Model};
use crate::report::{self, Manifest, Shard, terminal};
use crate::scenario::Scenario;
use crate::summary;
use anyhow::Result;
use chrono::{Datelike, Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::time::Instant;

/// `writeln!` into a `String`, which cannot fail.
macro_rules! line {
    ($out:expr) => {{ $out.push('\n'); }};
    ($out:expr, $($arg:tt)*) => {{ let _ = writeln!($out, $($arg)*); }};
}

/// Writes a command's output to stdout at once. A reader that closes the pipe early
/// (`protectsim check x.toml | head`) is not an error: the command just ends.
fn emit(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Version of the random-stream scheme recorded in manifests.
pub const RNG_SCHEME: &str =
    "xoshiro256++ per (seed, path, stream name); splitmix64-chained seeding v1";

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} paths  {per_sec}  eta {eta}")
            .expect("valid template"),
    );
    bar
}

/// `protectsim run`: simulate and write the result folder; prints the summary table.
pub fn run(args: &RunArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let opts = RunOptions::new(args, &scenario)?;
    let model = Model::new(&scenario);
    let range = opts.path_range();

    let started_at = Utc::now();
    let clock = Instant::now();
    let bar = progress_bar(range.end - range.start, opts.quiet());
    let results = engine::with_threads(opts.threads(), || {
        model.simulate(opts.seed(), range.clone(), &|n| bar.inc(n))
    })?;
    bar.finish_and_clear();
    let threads = engine::with_threads(opts.threads(), rayon::current_num_threads)?;
    let wall = clock.elapsed().as_secs_f64();

    let rows = summary::summarise(&model, &results);
    let mut manifest = Manifest {
        tool: "protectsim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario: scenario.name().into(),
        scenario_file: args.scenario.display().to_string(),
        scenario_hash: scenario.hash().into(),
        seed: opts.seed(),
        paths: opts.paths(),
        shard: Shard {
            index: opts.shard().0,
            count: opts.shard().1,
            first_path: range.start,
            end_path: range.end,
        },
        threads,
        batch_paths: BATCH_PATHS,
        rng: RNG_SCHEME.into(),
        horizon_start: scenario.horizon().start.to_string(),
        horizon_days: scenario.horizon().days,
        started_at: started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        wall_time_s: wall,
        files: Vec::new(),
    };
    report::write_run(opts.out(), &mut manifest, model.products(), &results, &rows)?;

    let n = range.end - range.start;
    let covered: u64 = results
        .iter()
        .flat_map(|r| r.products.iter())
        .map(|t| t.covered)
        .sum();
    let mut out = String::new();
    line!(
        out,
        "protectsim run · {} · {} paths · seed {} · {} threads · {:.2} s · {:.1} M covered orders/s",
        scenario.name(),
        terminal::thousands(n as f64),
        opts.seed(),
        threads,
        wall,
        covered as f64 / wall / 1e6
    );
    out.push_str(&terminal::render(&rows));
    line!(
        out,
        "\nresults: {}/ (manifest.json, paths.parquet, summary.parquet, summary.csv)",
        opts.out().display()
    );
    emit(&out)
}

/// `protectsim check`: validate, then print the calendar and the analytic expectations.
pub fn check(args: &CheckArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let h = scenario.horizon();
    let mut out = String::new();
    line!(
        out,
        "scenario {} ({}) is valid",
        scenario.name(),
        args.scenario.display()
    );
    if !scenario.description().is_empty() {
        line!(out, "  {}", scenario.description().trim());
    }
    line!(out, "  sha256 {}", scenario.hash());
    line!(
        out,
        "  horizon {} to {} ({} days), seed {}, {} paths",
        h.start,
        h.end(),
        h.days,
        scenario.seed(),
        scenario.paths()
    );
    let n_shops = scenario.shops().count();
    line!(
        out,
        "  {} companies, {} shops, {} products",
        scenario.companies().len(),
        n_shops,
        scenario.products().len()
    );

    print_calendar(&mut out, &scenario, h);

    let model = Model::new(&scenario);
    line!(
        out,
        "\nanalytic expectations per product over the horizon (E[volume multiplier] = 1):"
    );
    for (pi, product) in scenario.products().iter().enumerate() {
        let Some(e) = summary::expected(&model, pi) else {
            continue;
        };
        line!(out, "\n{} ({})", product.name(), product.kind());
        let mut row = |label: &str, v: String| line!(out, "  {label:<28} {v:>16}");
        row("covered orders", terminal::thousands(e.covered));
        row(
            "ineligible (excluded) orders",
            terminal::thousands(e.ineligible),
        );
        row("sum insured (EUR)", terminal::thousands(e.exposure_eur));
        row("premium (EUR)", terminal::thousands(e.premium_eur));
        for (k, peril) in product.perils().iter().enumerate().take(e.claims_eur.len()) {
            row(
                &format!("{peril} claims (count)"),
                terminal::thousands(e.claim_counts[k]),
            );
            row(
                &format!("{peril} claims (EUR)"),
                terminal::thousands(e.claims_eur[k]),
            );
        }
        row("claims (EUR)", terminal::thousands(e.claims_total_eur()));
        row("loss ratio", format!("{:.2} %", 100.0 * e.loss_ratio()));
    }
    emit(&out)
}

fn print_calendar(out: &mut String, scenario: &Scenario, h: Horizon) {
    let shape = scenario.calendar().daily_shape(h.start, h.days);
    let base: f64 = scenario.shops().map(|(_, s)| s.orders_per_day).sum();
    let lambda: Vec<f64> = shape.iter().map(|s| s * base).collect();
    let mut years: Vec<i32> = h.dates().map(|d| d.year()).collect();
    years.dedup();
    line!(out, "\ncalendar");
    for y in years {
        line!(
            out,
            "  {y}: Black Friday {}, Cyber Monday {}, winter sales from {}, summer sales from {}",
            calendar::black_friday(y),
            calendar::cyber_monday(y),
            calendar::winter_sales_start(y),
            calendar::summer_sales_start(y)
        );
    }
    let mut order: Vec<usize> = (0..lambda.len()).collect();
    order.sort_by(|&a, &b| lambda[b].total_cmp(&lambda[a]));
    line!(
        out,
        "  peak days (all shops, expected orders before take-up):"
    );
    for &d in order.iter().take(5) {
        let date = h.start + Duration::days(d as i64);
        line!(
            out,
            "    {} {}  {:>12}  ({:.2}× an average day)",
            date,
            date.format("%a"),
            terminal::thousands(lambda[d]),
            shape[d]
        );
    }
    line!(
        out,
        "  expected orders per month (all shops, before take-up):"
    );
    let mut month: Option<(i32, u32, f64)> = None;
    let flush = |out: &mut String, m: Option<(i32, u32, f64)>| {
        if let Some((y, mo, total)) = m {
            line!(out, "    {y}-{mo:02}  {:>14}", terminal::thousands(total));
        }
    };
    for (d, date) in h.dates().enumerate() {
        match month {
            Some((y, mo, ref mut total)) if y == date.year() && mo == date.month() => {
                *total += lambda[d]
            }
            _ => {
                flush(out, month);
                month = Some((date.year(), date.month(), lambda[d]));
            }
        }
    }
    flush(out, month);
    line!(
        out,
        "  total {:>14}",
        terminal::thousands(lambda.iter().sum())
    );
}
