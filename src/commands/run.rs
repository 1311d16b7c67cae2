//! `protectsim run`: simulate the paths (storing each finished batch), then write the result
//! folder and print the summary table. Also the simulation half of `frame`.

use super::emit;
use crate::checkpoint::{self, RunKey};
use crate::cli::{RunArgs, RunOptions, UsageError};
use crate::engine::PathResult;
use crate::engine::{self, BATCH_PATHS, Model};
use crate::frame::DailyBand;
use crate::report::{self, Manifest, Shard, terminal};
use crate::scenario::Scenario;
use crate::summary;
use crate::summary::MetricRow;
use anyhow::{Context, Result};
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
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
pub(super) struct Run {
    pub(super) scenario: Scenario,
    pub(super) opts: RunOptions,
    pub(super) model: Model,
    pub(super) results: Vec<PathResult>,
    pub(super) rows: Vec<MetricRow>,
    pub(super) bands: Vec<DailyBand>,
    pub(super) manifest: Manifest,
}

/// Simulates the paths of `args` and writes the result folder.
pub(super) fn simulate_and_write(args: &RunArgs, require_frames: bool) -> Result<Run> {
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
pub(super) fn render_run(run: &Run) -> String {
    // Throughput in orders when any product is sold on orders, else in policies simulated.
    let products = run.model.products();
    let by_orders = products.iter().any(|p| !p.sold_per_policy());
    let unit = if by_orders {
        "covered orders"
    } else {
        "policies"
    };
    let covered: u64 = run
        .results
        .iter()
        .flat_map(|r| r.products.iter().zip(products))
        .filter(|(_, p)| p.sold_per_policy() != by_orders)
        .map(|(t, _)| t.covered)
        .sum();
    let wall = run.manifest.wall_time_s;
    let mut out = String::new();
    line!(
        out,
        "protectsim · {} · {} paths · seed {} · {} threads · {:.2} s · {:.1} M {unit}/s",
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
    let mut run = simulate_and_write(args, false)?;
    if run.opts.report() {
        report::html::add_report(run.opts.out(), &mut run.manifest)?;
    }
    let mut out = render_run(&run);
    line!(
        out,
        "\nresults: {}/ ({})",
        run.opts.out().display(),
        run.manifest.files.join(", ")
    );
    emit(&out)
}
