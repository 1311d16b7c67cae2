//! The pipelines behind each subcommand: scenario → model → paths → statistics → files.

use crate::analytic;
use crate::calendar::{self, Horizon};
use crate::checkpoint::{self, RunKey};
use crate::cli::{CheckArgs, FrameArgs, MergeArgs, RunArgs, RunOptions, UsageError};
use crate::engine::PathResult;
use crate::engine::{self, BATCH_PATHS, FrameSource, Model};
use crate::frame::{DailyBand, FramePath, Recommendation};
use crate::report::{self, Manifest, Shard, terminal};
use crate::scenario::Scenario;
use crate::summary;
use crate::summary::MetricRow;
use anyhow::{Context, Result, bail};
use chrono::{Datelike, Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The copy of the scenario file in every result folder.
pub const SCENARIO_COPY: &str = "scenario.toml";

/// The run stopped on Ctrl-C; what is done is stored (exit code 130).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupted(pub String);

/// Set by Ctrl-C: batches not yet started are skipped, finished ones are kept.
fn interrupt_flag() -> &'static AtomicBool {
    static STOP: AtomicBool = AtomicBool::new(false);
    static HANDLER: std::sync::Once = std::sync::Once::new();
    HANDLER.call_once(|| {
        // If no handler can be installed (another one exists), Ctrl-C simply kills the
        // process; the stored batches still allow --resume.
        let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst));
    });
    &STOP
}

/// A finished run: what `run` and `frame` print from.
struct Run {
    scenario: Scenario,
    opts: RunOptions,
    model: Model,
    results: Vec<PathResult>,
    rows: Vec<MetricRow>,
    bands: Vec<DailyBand>,
    manifest: Manifest,
}

/// Simulates the paths of `args` and writes the result folder.
fn simulate_and_write(args: &RunArgs, require_frames: bool) -> Result<Run> {
    let scenario = Scenario::load(&args.scenario)?;
    let opts = RunOptions::new(args, &scenario)?;
    let model = Model::new(&scenario);
    if require_frames && model.frames().is_empty() {
        return Err(UsageError(format!(
            "{} has no guarantee_frame product: add a [[products]] table with kind = \"guarantee_frame\" and list it in the shops' products",
            args.scenario.display()
        ))
        .into());
    }
    let range = opts.path_range();
    let out = opts.out();
    let key = RunKey {
        scenario_hash: scenario.hash().into(),
        seed: opts.seed(),
        paths: opts.paths(),
        version: env!("CARGO_PKG_VERSION").into(),
    };

    let started_at = Utc::now();
    let clock = Instant::now();
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    // The scenario travels with its results: `merge` rebuilds the model from this copy.
    let text = std::fs::read(&args.scenario)?;
    report::write_atomic(out, SCENARIO_COPY, |f| Ok(f.write_all(&text)?))?;
    let mut stored = if opts.resume() {
        checkpoint::read_batches(out, &key)?
    } else {
        checkpoint::clear(out)?;
        Vec::new()
    };
    stored.retain(|(b, _)| b.start >= range.start && b.end <= range.end);
    let todo: Vec<_> = engine::batches(range.clone())
        .into_iter()
        .filter(|b| !stored.iter().any(|(s, _)| s == b))
        .collect();
    if opts.resume() {
        eprintln!(
            "resuming: {} of {} batches already done",
            stored.len(),
            stored.len() + todo.len()
        );
    }

    let stop = interrupt_flag();
    let bar = progress_bar(range.end - range.start, opts.quiet());
    bar.inc(stored.iter().map(|(b, _)| b.end - b.start).sum());
    let total = todo.len();
    let fresh = engine::with_threads(opts.threads(), || {
        model.simulate_batches(opts.seed(), todo, stop, &|batch, results| {
            checkpoint::write_batch(out, &key, batch, results)?;
            bar.inc(batch.end - batch.start);
            Ok(())
        })
    })??;
    bar.finish_and_clear();
    if fresh.len() < total {
        return Err(Interrupted(format!(
            "interrupted: {} of {} batches of this run are stored in {}; finish with the same command plus --resume",
            stored.len() + fresh.len(),
            stored.len() + total,
            out.join(checkpoint::DIR).display()
        ))
        .into());
    }
    stored.extend(fresh);
    stored.sort_by_key(|(b, _)| b.start);
    let results: Vec<PathResult> = stored.into_iter().flat_map(|(_, r)| r).collect();
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
    let bands = report::write_run(opts.out(), &mut manifest, &model, &results, &rows)?;
    Ok(Run {
        scenario,
        opts,
        model,
        results,
        rows,
        bands,
        manifest,
    })
}

/// The header line and summary table of a run.
fn render_run(run: &Run) -> String {
    let covered: u64 = run
        .results
        .iter()
        .flat_map(|r| r.products.iter())
        .map(|t| t.covered)
        .sum();
    let wall = run.manifest.wall_time_s;
    let mut out = String::new();
    line!(
        out,
        "protectsim · {} · {} paths · seed {} · {} threads · {:.2} s · {:.1} M covered orders/s",
        run.scenario.name(),
        terminal::thousands(run.results.len() as f64),
        run.opts.seed(),
        run.manifest.threads,
        wall,
        covered as f64 / wall / 1e6
    );
    out.push_str(&terminal::render(&run.rows));
    out
}

/// `protectsim run`: simulate and write the result folder; prints the summary table.
pub fn run(args: &RunArgs) -> Result<()> {
    let run = simulate_and_write(args, false)?;
    let mut out = render_run(&run);
    line!(
        out,
        "\nresults: {}/ ({})",
        run.opts.out().display(),
        run.manifest.files.join(", ")
    );
    emit(&out)
}

/// `protectsim frame`: simulate, then recommend per company the frame that keeps the
/// probability of any saturation over the horizon under `1 − confidence`.
pub fn frame(args: &FrameArgs) -> Result<()> {
    let confidence = args.confidence;
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(UsageError(format!(
            "--confidence {confidence}: must be between 0 and 1 (exclusive), e.g. 0.99"
        ))
        .into());
    }
    let mut run = simulate_and_write(&args.run, true)?;
    let dates: Vec<_> = run.model.horizon().dates().collect();
    let recs: Vec<Recommendation> = run
        .model
        .frames()
        .iter()
        .enumerate()
        .map(|(c, f)| {
            let paths: Vec<&FramePath> = run.results.iter().map(|r| &r.frames[c]).collect();
            crate::frame::recommend(&f.name, f.frame, &paths, &run.bands[c], &dates, confidence)
        })
        .collect();
    let mut table = report::frames::recommendation_frame(&recs, confidence)?;
    report::write_csv(run.opts.out(), "frame_recommendation.csv", &mut table)?;
    run.manifest.files.push("frame_recommendation.csv".into());
    report::write_manifest(run.opts.out(), &run.manifest)?;

    let mut out = render_run(&run);
    line!(
        out,
        "\nrecommended frames: P(any saturation over the horizon) ≤ {:.1} %",
        100.0 * (1.0 - confidence)
    );
    line!(
        out,
        "  {:<28} {:>14} {:>18} {:>10} {:>12} {:>16} {:>14}",
        "company",
        "frame (EUR)",
        "P(saturation)",
        "E[days]",
        "peak date",
        "required (EUR)",
        "raise by"
    );
    for r in &recs {
        line!(
            out,
            "  {:<28} {:>14} {:>18} {:>10.1} {:>12} {:>16} {:>14}",
            r.company,
            terminal::thousands(r.frame_eur),
            format!(
                "{:.1} % ± {:.1} %",
                100.0 * r.p_saturation.0,
                100.0 * r.p_saturation.1
            ),
            r.expected_days_over,
            r.peak_date.to_string(),
            terminal::thousands(r.required_frame_eur),
            terminal::thousands(r.raise_by_eur)
        );
    }
    line!(
        out,
        "\nresults: {}/ (with frame_recommendation.csv)",
        run.opts.out().display()
    );
    emit(&out)
}

/// `protectsim merge`: checks that the shard folders belong to one run and cover its paths
/// exactly once, reloads their stored batches and writes the result a single machine would have
/// written. Nothing is simulated.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let clock = Instant::now();
    let mut shards = Vec::new();
    for dir in &args.shards {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            UsageError(format!(
                "{}: not a finished result folder ({e})",
                path.display()
            ))
        })?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            UsageError(format!(
                "{}: not a protectsim manifest ({e})",
                path.display()
            ))
        })?;
        shards.push((dir.clone(), m));
    }
    shards.sort_by_key(|(_, m)| m.shard.index);
    let (first_dir, first) = &shards[0];
    let n = first.shard.count;
    for (dir, m) in &shards {
        let differs = |what: &str| {
            UsageError(format!(
                "{} is not a shard of the same run as {}: {what} differs",
                dir.display(),
                first_dir.display()
            ))
        };
        if m.scenario_hash != first.scenario_hash {
            return Err(differs("the scenario (hash)").into());
        }
        if m.seed != first.seed {
            return Err(differs("the seed").into());
        }
        if m.paths != first.paths {
            return Err(differs("the path count").into());
        }
        if m.version != first.version {
            return Err(differs("the protectsim version").into());
        }
        if m.shard.count != n {
            return Err(differs("the shard count N").into());
        }
    }
    let indices: Vec<u64> = shards.iter().map(|(_, m)| m.shard.index).collect();
    for k in 1..=n {
        let times = indices.iter().filter(|&&i| i == k).count();
        if times != 1 {
            let what = if times == 0 {
                "missing"
            } else {
                "given more than once"
            };
            return Err(UsageError(format!(
                "shard {k}/{n} is {what}: merge needs each of the {n} shards exactly once"
            ))
            .into());
        }
    }
    let mut expected_first = 0;
    for (dir, m) in &shards {
        if m.shard.first_path != expected_first {
            return Err(UsageError(format!(
                "{}: shard {}/{n} starts at path {}, expected {expected_first}",
                dir.display(),
                m.shard.index,
                m.shard.first_path
            ))
            .into());
        }
        expected_first = m.shard.end_path;
    }
    if expected_first != first.paths {
        return Err(UsageError(format!(
            "the shards end at path {expected_first}, the run has {} paths",
            first.paths
        ))
        .into());
    }

    let text = std::fs::read_to_string(first_dir.join(SCENARIO_COPY))
        .with_context(|| format!("{} has no {SCENARIO_COPY}", first_dir.display()))?;
    let scenario = Scenario::parse(&text, &first_dir.join(SCENARIO_COPY).display().to_string())?;
    if scenario.hash() != first.scenario_hash {
        bail!(
            "{}/{SCENARIO_COPY} does not match the manifest's scenario hash",
            first_dir.display()
        );
    }
    let key = RunKey {
        scenario_hash: first.scenario_hash.clone(),
        seed: first.seed,
        paths: first.paths,
        version: first.version.clone(),
    };
    let mut results = Vec::with_capacity(first.paths as usize);
    for (dir, m) in &shards {
        let batches = checkpoint::read_batches(dir, &key)?;
        let covered: Vec<_> = batches.iter().map(|(b, _)| b.clone()).collect();
        if covered != engine::batches(m.shard.first_path..m.shard.end_path) {
            bail!(
                "{}: its stored batches do not cover paths {}..{}",
                dir.display(),
                m.shard.first_path,
                m.shard.end_path
            );
        }
        results.extend(batches.into_iter().flat_map(|(_, r)| r));
    }

    let model = Model::new(&scenario);
    let rows = summary::summarise(&model, &results);
    std::fs::create_dir_all(&args.out)?;
    report::write_atomic(&args.out, SCENARIO_COPY, |f| {
        Ok(f.write_all(text.as_bytes())?)
    })?;
    let mut manifest = Manifest {
        shard: Shard {
            index: 1,
            count: 1,
            first_path: 0,
            end_path: first.paths,
        },
        threads: shards.iter().map(|(_, m)| m.threads).max().unwrap_or(1),
        started_at: shards
            .iter()
            .map(|(_, m)| m.started_at.clone())
            .min()
            .unwrap_or_default(),
        wall_time_s: shards.iter().map(|(_, m)| m.wall_time_s).sum::<f64>()
            + clock.elapsed().as_secs_f64(),
        files: Vec::new(),
        ..first.clone()
    };
    report::write_run(&args.out, &mut manifest, &model, &results, &rows)?;
    let mut out = String::new();
    line!(
        out,
        "merged {n} shards ({} paths) into {}/",
        first.paths,
        args.out.display()
    );
    out.push_str(&terminal::render(&rows));
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
        let m = analytic::product_metrics(&model, pi);
        line!(out, "\n{} ({})", product.name(), product.kind());
        let mut row = |metric: &str, label: &str| {
            if let Some(&x) = m.get(metric) {
                let v = if metric.ends_with("loss_ratio") {
                    format!("{:.2} %", 100.0 * x)
                } else {
                    terminal::thousands(x)
                };
                line!(out, "  {label:<30} {v:>16}");
            }
        };
        row("covered", "covered orders");
        row("ineligible", "ineligible (excluded) orders");
        row("exposure_eur", "sum insured (EUR)");
        row("premium_eur", "premium (EUR)");
        for peril in product.perils() {
            row(
                &format!("{peril}_count"),
                &format!("{peril} claims (count)"),
            );
            row(&format!("{peril}_eur"), &format!("{peril} claims (EUR)"));
        }
        row("claims_eur", "claims (EUR)");
        row("portfolio_loss_ratio", "loss ratio");
    }
    if !model.frames().is_empty() {
        line!(
            out,
            "\nguarantee frames (expected active volume: the M_t/G/inf mean; an order of day d is active on days d..d+D-1)"
        );
        line!(
            out,
            "  {:<28} {:>14} {:<28} {:>16} {:<12} {:>10}",
            "company",
            "frame (EUR)",
            "set by",
            "E[peak] (EUR)",
            "on",
            "P(default)"
        );
    }
    for (c, f) in model.frames().iter().enumerate() {
        let mean = analytic::expected_active_volume(&model, c);
        let peak = (0..mean.len())
            .max_by(|&a, &b| mean[a].total_cmp(&mean[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let source = match f.source {
            FrameSource::Given => "frame_eur".to_string(),
            FrameSource::RuleOnTurnover => format!(
                "rule on turnover {}",
                terminal::thousands(f.turnover.to_eur())
            ),
            FrameSource::RuleOnExpectedTurnover => format!(
                "rule on E[turnover] {}",
                terminal::thousands(f.turnover.to_eur())
            ),
        };
        line!(
            out,
            "  {:<28} {:>14} {:<28} {:>16} {:<12} {:>9.2} %",
            f.name,
            terminal::thousands(f.frame.to_eur()),
            source,
            terminal::thousands(mean[peak]),
            h.date(peak as u32).to_string(),
            100.0 * f.p_default
        );
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
