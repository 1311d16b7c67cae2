//! `protectsim run`: simulate the paths (storing each finished batch), then write the result
//! folder and print the summary table. Also the simulation half of `frame`.

use crate::cli::{RunArgs, RunOptions, UsageError};
use crate::engine::{self, BATCH_PATHS, Model};
use crate::frame::DailyBand;
use crate::outdir::{self, FolderLock};
use crate::report::{self, Manifest, Shard, terminal};
use crate::scenario::Scenario;
use crate::store::{self, ChunkWriter, Columns, Line, LineField, RunKey, StoredPaths};
use crate::summary::MetricRow;
use anyhow::{Context, Result};
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::ops::Range;
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
        ProgressStyle::with_template(
            "{spinner} {bar:40} {human_pos}/{human_len} paths  {rate}  eta {eta}",
        )
        .expect("valid template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&rate(state.per_sec()));
            },
        ),
    );
    bar
}

/// The progress bar's rate: whole paths per second with thousands separators (indicatif's
/// own `{per_sec}` prints four decimals and no unit).
fn rate(per_sec: f64) -> String {
    if per_sec.is_finite() && per_sec >= 0.0 {
        format!("{} paths/s", terminal::thousands(per_sec.round()))
    } else {
        "- paths/s".into()
    }
}

pub use crate::manifest::SCENARIO_COPY;

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

/// A finished run: what `run`, `frame` and `price` print from. The paths stay on disk.
pub(super) struct Run {
    pub(super) scenario: Scenario,
    pub(super) opts: RunOptions,
    pub(super) model: Model,
    pub(super) paths: StoredPaths,
    pub(super) rows: Vec<MetricRow>,
    /// Under parameter risk, the split of each figure's variance.
    pub(super) splits: Vec<crate::parameter_risk::Split>,
    pub(super) bands: Vec<DailyBand>,
    pub(super) manifest: Manifest,
    /// Covered orders (or policies) simulated by this command, and paths simulated by it (not
    /// those reused by `--resume`): the throughput in the header.
    pub(super) fresh: (u64, u64),
    pub(super) _lock: FolderLock,
}

/// The next round of `todo` from `*at`: consecutive batches of at most `per_round` paths
/// (at least one batch), simulated in parallel and stored as one chunk.
fn next_round(todo: &[Range<u64>], at: &mut usize, per_round: u64) -> Vec<Range<u64>> {
    let mut round: Vec<Range<u64>> = Vec::new();
    while let Some(b) = todo.get(*at) {
        if let (Some(first), Some(last)) = (round.first(), round.last())
            && (last.end != b.start || b.end - first.start > per_round)
        {
            break;
        }
        round.push(b.clone());
        *at += 1;
    }
    round
}

/// Simulates the paths of `args` and writes the result folder.
pub(super) fn simulate_and_write(args: &RunArgs, require_frames: bool) -> Result<Run> {
    let scenario = Scenario::load(&args.scenario)?;
    let opts = RunOptions::new(args, &scenario)?;
    // Every path's draw of the values written as distributions is checked before any path
    // is simulated.
    engine::pool(opts.threads())?
        .install(|| scenario.validate_draws(opts.seed(), opts.path_range()))?;
    let model = Model::new(&scenario);
    crate::analytic::check_money_headroom(&model)?;
    if require_frames && model.frames().is_empty() {
        return Err(UsageError(format!(
            "{} has no guarantee_frame product: add a [[products]] table with kind = \"guarantee_frame\" and list it in the shops' products",
            args.scenario.display()
        ))
        .into());
    }
    let range = opts.path_range();
    let out = opts.out();
    let layout = crate::store::Layout::of(&model);
    outdir::check_disk(out, range.end - range.start, &layout)?;
    outdir::check_time(
        &model,
        opts.seed(),
        range.clone(),
        opts.threads(),
        opts.max_hours(),
    )?;
    let key = RunKey {
        scenario_hash: scenario.hash().into(),
        seed: opts.seed(),
        paths: opts.paths(),
        shard: opts.shard(),
        version: env!("CARGO_PKG_VERSION").into(),
        schema: store::SCHEMA_VERSION,
    };

    let started_at = Utc::now();
    let clock = Instant::now();
    let lock = outdir::lock(out)?;
    // A refused resume must leave the folder as it was: check the stored paths first.
    let mut chunks = if opts.resume() {
        store::scan(out, &key).map_err(|e| UsageError(format!("cannot resume: {e:#}")))?
    } else {
        Vec::new()
    };
    outdir::prepare(out, &lock, opts.resume())?;
    // The scenario travels with its results: `merge` rebuilds the model from this copy.
    let text = std::fs::read(&args.scenario)
        .with_context(|| format!("cannot read {}", args.scenario.display()))?;
    report::write_atomic(out, SCENARIO_COPY, |f| Ok(f.write_all(&text)?))?;
    if let Some(c) = chunks
        .iter()
        .find(|c| c.range.start < range.start || c.range.end > range.end)
    {
        return Err(UsageError(format!(
            "cannot resume: {} holds paths outside {}..{}",
            c.path.display(),
            range.start,
            range.end
        ))
        .into());
    }
    let todo: Vec<_> = engine::batches(range.clone())
        .into_iter()
        .filter(|b| {
            !chunks
                .iter()
                .any(|c| c.range.start <= b.start && b.end <= c.range.end)
        })
        .collect();
    let stored_paths: u64 = chunks.iter().map(|c| c.range.end - c.range.start).sum();
    if opts.resume() {
        let all = engine::batches(range.clone()).len();
        eprintln!(
            "resuming: {} of {all} batches ({stored_paths} of {} paths) already stored",
            all - todo.len(),
            range.end - range.start
        );
    }

    let stop = interrupt_flag();
    let fresh_total = range.end - range.start - stored_paths;
    let bar = progress_bar(fresh_total, opts.quiet());
    let mut writer = ChunkWriter::new(out, key, layout)?;
    let mut interrupted = false;
    // Rounds start at two batches per thread, so that the first paths are stored within
    // seconds, and double while a round takes under half a second, up to a chunk's size.
    let pool = engine::pool(opts.threads())?;
    let threads = pool.current_num_threads();
    let mut per_round = 2 * threads as u64 * BATCH_PATHS;
    let max_round = store::chunk_paths(&layout).max(per_round);
    let sink = store::ColumnSink::new(layout);
    // Each round's batches are stored while the next round is simulated: the storing takes
    // one of the run's threads, the simulation the others (and that one once it is done).
    let mut finished: Vec<engine::Batch<Columns>> = Vec::new();
    let mut at = 0;
    loop {
        let round =
            (at < todo.len() && !interrupted).then(|| next_round(&todo, &mut at, per_round));
        if round.is_none() && finished.is_empty() {
            break;
        }
        let round_clock = Instant::now();
        let to_store = std::mem::take(&mut finished);
        let (stored, done) = pool.install(|| {
            rayon::join(
                // The storing first: on one thread it runs before the next round, while
                // the batches are still in the cache, as if there were no overlap (after
                // the round it cost a fifth more of the simulation).
                || store_batches(&mut writer, &sink, to_store),
                || {
                    round.as_ref().map(|r| {
                        model.simulate_batches(opts.seed(), r.clone(), stop, &sink, &|batch| {
                            bar.inc(batch.end - batch.start);
                            Ok(())
                        })
                    })
                },
            )
        });
        chunks.extend(stored?);
        if let (Some(round), Some(done)) = (round, done) {
            finished = done?;
            interrupted |= finished.len() < round.len();
            if round_clock.elapsed().as_secs_f64() < 0.5 {
                per_round = (2 * per_round).min(max_round);
            }
        }
    }
    writer.sync()?;
    // The simulation's buffers (a chunk's columns, its encoding) go before the statistics.
    drop((sink, writer));
    bar.finish_and_clear();
    if interrupted {
        let stored: u64 = chunks.iter().map(|c| c.range.end - c.range.start).sum();
        return Err(Interrupted(format!(
            "interrupted: {stored} of {} paths of this run are stored in {}; finish with the same command plus --resume",
            range.end - range.start,
            out.join(store::DIR).display()
        ))
        .into());
    }
    let paths = StoredPaths::new(chunks, range.clone(), layout)?;
    let wall = clock.elapsed().as_secs_f64();
    let fresh_covered = covered_units(&model, &paths, stored_paths)?;

    let mut manifest = Manifest {
        tool: "protectsim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        commit: crate::cli::COMMIT.into(),
        schema: store::SCHEMA_VERSION,
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
    // On the run's threads: the summary, the per-path files and their columns' encoding.
    let report::Outputs {
        rows,
        splits,
        bands,
    } = pool.install(|| report::write_run(opts.out(), &mut manifest, &model, &paths))?;
    Ok(Run {
        scenario,
        opts,
        model,
        paths,
        rows,
        splits,
        bands,
        manifest,
        fresh: (fresh_covered, fresh_total),
        _lock: lock,
    })
}

/// Stores finished batches (in path order) as chunks, one per contiguous run of them, and
/// hands their columns back to the sink.
fn store_batches(
    writer: &mut ChunkWriter,
    sink: &store::ColumnSink,
    done: Vec<engine::Batch<Columns>>,
) -> Result<Vec<store::Chunk>> {
    let mut chunks = Vec::new();
    let mut parts: Vec<Columns> = Vec::new();
    let mut run: Option<Range<u64>> = None;
    let mut store = |r: Range<u64>, parts: &mut Vec<Columns>| -> Result<()> {
        chunks.push(writer.write(r, parts)?);
        parts.drain(..).for_each(|c| sink.recycle(c));
        Ok(())
    };
    for (b, cols) in done {
        match &mut run {
            Some(r) if r.end == b.start => r.end = b.end,
            _ => {
                if let Some(r) = run.take() {
                    store(r, &mut parts)?;
                }
                run = Some(b);
            }
        }
        parts.push(cols);
    }
    if let Some(r) = run {
        store(r, &mut parts)?;
    }
    Ok(chunks)
}

/// The unit the header counts throughput in: covered orders when any product is sold on
/// orders, else policies.
fn by_orders(model: &Model) -> bool {
    model.products().iter().any(|p| !p.sold_per_policy())
}

/// Covered orders (or policies) of the paths simulated now, estimated as the total over all
/// paths scaled to the share of paths simulated now (exact when nothing was resumed).
fn covered_units(model: &Model, paths: &StoredPaths, reused: u64) -> Result<u64> {
    let orders = by_orders(model);
    let mut total = 0u64;
    for (pi, p) in model.products().iter().enumerate() {
        if p.sold_per_policy() != orders {
            total += paths
                .line_column(Line::Product(pi), LineField::Covered)?
                .into_iter()
                .map(|x| x as u64)
                .sum::<u64>();
        }
    }
    let n = paths.len();
    Ok(if reused == 0 || n == 0 {
        total
    } else {
        (total as u128 * (n - reused) as u128 / n as u128) as u64
    })
}

/// The header line and summary table of a run.
pub(super) fn render_run(run: &Run) -> String {
    // Throughput in orders when any product is sold on orders, else in policies simulated.
    let unit = if by_orders(&run.model) {
        "covered orders"
    } else {
        "policies"
    };
    let (covered, fresh) = run.fresh;
    let wall = run.manifest.wall_time_s;
    let mut out = String::new();
    let paths = if fresh < run.paths.len() {
        format!(
            "{} paths ({} simulated now)",
            terminal::thousands(run.paths.len() as f64),
            terminal::thousands(fresh as f64)
        )
    } else {
        format!("{} paths", terminal::thousands(run.paths.len() as f64))
    };
    line!(
        out,
        "protectsim · {} · {paths} · seed {} · {} threads · {:.2} s · {:.1} M {unit}/s",
        run.scenario.name(),
        run.opts.seed(),
        run.manifest.threads,
        wall,
        covered as f64 / wall / 1e6
    );
    out.push_str(&terminal::render_styled(
        &run.rows,
        terminal::Style::for_stdout(),
    ));
    out.push_str(&report::parameter_risk::lines(
        &run.splits,
        run.model.uncertain(),
    ));
    out
}

/// `protectsim run`: simulate and write the result folder; prints the summary table.
pub fn run(args: &RunArgs) -> Result<()> {
    let mut run = simulate_and_write(args, false)?;
    if run.opts.report() {
        report::html::add_report(run.opts.out(), &mut run.manifest)?;
    }
    let results = format!(
        "\nresults: {}/ ({})",
        run.opts.out().display(),
        run.manifest.files.join(", ")
    );
    super::emit_as(
        args.format,
        || render_run(&run) + &results + "\n",
        || Ok(report::summary_frame(&run.rows)?),
        &results,
        run.opts.quiet(),
    )
}

#[cfg(test)]
mod tests {
    use super::rate;

    /// Regression: the bar printed `21816164.6275/s`.
    #[test]
    fn the_progress_rate_is_whole_paths_per_second() {
        assert_eq!(rate(21_816_164.627_5), "21,816,165 paths/s");
        assert_eq!(rate(0.4), "0 paths/s");
        assert_eq!(rate(f64::INFINITY), "- paths/s");
    }
}
