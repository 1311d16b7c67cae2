//! `protectsim sweep`: the pricing table over a grid of one or two scenario values.

use super::emit;
use super::run::RNG_SCHEME;
use crate::cli::{RunOptions, SweepArgs, UsageError};
use crate::engine::{self, BATCH_PATHS, Model};
use crate::pricing::{self, PricingRow};
use crate::report::{self, Manifest, Shard};
use crate::scenario::Scenario;
use crate::sweep::{self, Vary};
use anyhow::Result;
use chrono::Utc;
use polars::prelude::*;
use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::time::Instant;

/// Cells whose pilot times the sweep's estimate: spread over the grid, first and last included.
const PILOT_CELLS: usize = 8;

/// Refuses a sweep whose cells would take longer than `--max-hours` together: a pilot in up
/// to [`PILOT_CELLS`] cells spread over the grid gives the mean time per path.
fn check_time(scenarios: &[Scenario], opts: &RunOptions) -> Result<(), UsageError> {
    let n = scenarios.len();
    let picked: Vec<usize> = if n <= PILOT_CELLS {
        (0..n).collect()
    } else {
        (0..PILOT_CELLS)
            .map(|i| i * (n - 1) / (PILOT_CELLS - 1))
            .collect()
    };
    let paces: Vec<crate::outdir::TimeEstimate> = picked
        .iter()
        .map(|&k| {
            crate::outdir::estimate_time(
                &Model::new(&scenarios[k]),
                opts.seed(),
                opts.path_range(),
                opts.threads(),
            )
        })
        .collect();
    let Some(first) = paces.first() else {
        return Ok(());
    };
    let pace = crate::outdir::TimeEstimate {
        per_path_s: paces.iter().map(|p| p.per_path_s).sum::<f64>() / paces.len() as f64,
        timed: paces.iter().map(|p| p.timed).sum(),
        workers: first.workers,
    };
    let paths = opts.paths();
    crate::outdir::refuse_time(
        &format!("--paths {paths} in each of {n} sweep cells"),
        pace.seconds(paths) * n as f64,
        &pace,
        opts.max_hours(),
        "lower --paths, vary fewer values (a coarser --vary step)",
    )
}

/// `protectsim sweep`: every grid cell is the scenario with the `--vary` values written in,
/// validated like any scenario and simulated with the same seed and paths (common random
/// numbers across cells). Writes `sweep.parquet`, `sweep.csv` and `sweep.xlsx`: the pricing
/// table of every cell, led per `--vary` by `varied_i` (its scenario path) and `value_i` (the
/// cell's value).
pub fn sweep(args: &SweepArgs) -> Result<()> {
    let settings = args.pricing.settings()?;
    if args.run.shard.is_some() || args.run.resume {
        return Err(UsageError(
            "sweep runs every cell whole: --shard and --resume are for run, frame and price".into(),
        )
        .into());
    }
    if args.vary.len() > 2 {
        return Err(UsageError(format!(
            "--vary given {} times: a sweep varies one or two scenario values",
            args.vary.len()
        ))
        .into());
    }
    let varies: Vec<Vary> = args
        .vary
        .iter()
        .map(|v| sweep::parse_vary(v))
        .collect::<Result<_, _>>()?;
    if varies.len() == 2 && varies[0].path == varies[1].path {
        return Err(UsageError(format!(
            "--vary {} given twice: vary two different values",
            varies[0].path
        ))
        .into());
    }
    let base = Scenario::load(&args.run.scenario)?;
    let opts = RunOptions::new(&args.run, &base)?;
    let file = args.run.scenario.display().to_string();
    let text = crate::scenario::read_text(&args.run.scenario)?;
    let cells = sweep::cells(&varies)?;
    // Every cell is validated before any is simulated: a bad value fails at once.
    let scenarios: Vec<Scenario> = cells
        .iter()
        .map(|c| sweep::cell_scenario(&text, &file, &varies, c).map(|(_, s)| s))
        .collect::<Result<_>>()?;
    let pool = engine::pool(opts.threads())?;
    for s in &scenarios {
        pool.install(|| s.validate_draws(opts.seed(), 0..opts.paths()))?;
    }

    check_time(&scenarios, &opts)?;

    let started_at = Utc::now();
    let clock = Instant::now();
    let mut all: Vec<(usize, PricingRow)> = Vec::new();
    for (k, scenario) in scenarios.iter().enumerate() {
        if !opts.quiet() {
            eprintln!(
                "sweep cell {} of {}: {}",
                k + 1,
                cells.len(),
                label(&varies, &cells[k])
            );
        }
        let model = Model::new(scenario);
        crate::analytic::check_money_headroom(&model)?;
        let rows =
            pricing::simulate_rows(&model, opts.seed(), opts.paths(), opts.threads(), settings)?;
        all.extend(rows.into_iter().map(|r| (k, r)));
    }
    let wall = clock.elapsed().as_secs_f64();

    let rows: Vec<PricingRow> = all.iter().map(|(_, r)| r.clone()).collect();
    let mut df = report::pricing::pricing_frame(&rows, settings)?;
    // The grid values as numbers, per cell (Decimal → f64 through its text: 0.1 stays 0.1).
    let values: Vec<Vec<f64>> = cells
        .iter()
        .map(|c| {
            c.iter()
                .map(|x| x.to_string().parse().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    // Plain column names any tool reads (`varied_1`, `value_1`, ...): the scenario path in
    // `varied_i`, the cell's value in `value_i`.
    for (i, v) in varies.iter().enumerate().rev() {
        let column: Vec<f64> = all.iter().map(|(k, _)| values[*k][i]).collect();
        df.insert_column(0, Column::new(format!("value_{}", i + 1).into(), column))?;
        df.insert_column(
            0,
            Column::new(
                format!("varied_{}", i + 1).into(),
                vec![v.path.as_str(); all.len()],
            ),
        )?;
    }
    // A sweep's folder is its own: `results/<stem>-sweep` unless --out says otherwise, so it
    // never mixes with the run of the same scenario.
    let out = args
        .run
        .out
        .clone()
        .unwrap_or_else(|| sweep_out(&args.run.scenario));
    let out = out.as_path();
    let lock = crate::outdir::lock(out)?;
    crate::outdir::prepare(out, &lock, false)?;
    let mut manifest = Manifest {
        tool: "protectsim".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        commit: crate::cli::COMMIT.into(),
        schema: crate::store::SCHEMA_VERSION,
        scenario: base.name().into(),
        scenario_file: file,
        scenario_hash: base.hash().into(),
        seed: opts.seed(),
        paths: opts.paths(),
        shard: Shard {
            index: 1,
            count: 1,
            first_path: 0,
            end_path: opts.paths(),
        },
        threads: engine::with_threads(opts.threads(), rayon::current_num_threads)?,
        batch_paths: BATCH_PATHS,
        rng: RNG_SCHEME.into(),
        horizon_start: base.horizon().start.to_string(),
        horizon_days: base.horizon().days,
        started_at: started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        wall_time_s: wall,
        files: vec![
            "sweep.parquet".into(),
            "sweep.csv".into(),
            "sweep.xlsx".into(),
        ],
    };
    report::write_parquet(out, "sweep.parquet", &mut df, &manifest)?;
    report::write_csv(out, "sweep.csv", &mut report::pricing::cents(&df)?)?;
    let paths: Vec<String> = varies.iter().map(|v| v.path.clone()).collect();
    let mut book = crate::workbook::sweep_workbook(&paths, &values, &all, settings, &manifest)?;
    crate::workbook::save(out, "sweep.xlsx", &mut book)?;
    manifest.wall_time_s = clock.elapsed().as_secs_f64();
    report::write_manifest(out, &manifest)?;

    let mut text = String::new();
    line!(
        text,
        "protectsim sweep · {} · {} cells · {} paths each · seed {} · {:.2} s",
        base.name(),
        cells.len(),
        opts.paths(),
        opts.seed(),
        wall
    );
    line!(
        text,
        "target loss ratio {:.0} %, confidence {:.1} %: per cell, each product and each tariff value solved",
        100.0 * settings.target_loss_ratio,
        100.0 * settings.confidence
    );
    for (k, cell) in cells.iter().enumerate() {
        line!(text, "\n{}", label(&varies, cell));
        for (_, r) in all.iter().filter(|(c, r)| *c == k && r.segment == "all") {
            line!(
                text,
                "  {:<20} premium/unit {:>9.3}  indicated {:>9.3}  adequacy {:>5.2}  loss ratio {:>6.1} % ± {:.1} %  P(LR>1) {:>5.1} %",
                r.product,
                r.current_premium_eur,
                r.indicated_premium_eur,
                r.adequacy,
                100.0 * r.loss_ratio,
                100.0 * r.loss_ratio_se,
                100.0 * r.p_lr_over_1
            );
        }
        let mut seen: Vec<&str> = Vec::new();
        for (_, r) in all
            .iter()
            .filter(|(c, r)| *c == k && !r.parameter.is_empty())
        {
            if seen.contains(&r.parameter.as_str()) {
                continue;
            }
            seen.push(&r.parameter);
            line!(
                text,
                "    {:<46} current {:>9}  solved {:>9}",
                r.parameter,
                fmt(r.current_price),
                fmt(r.solved_price)
            );
        }
    }
    line!(
        text,
        "\nresults: {}/ (sweep.parquet, sweep.csv, sweep.xlsx)",
        out.display()
    );
    if opts.quiet() {
        return Ok(());
    }
    emit(&text)
}

/// `results/<file stem>-sweep`: the default folder of a sweep.
pub fn sweep_out(scenario: &std::path::Path) -> std::path::PathBuf {
    let mut name = crate::cli::default_out(scenario).into_os_string();
    name.push("-sweep");
    name.into()
}

fn fmt(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "–".into()
    }
}

fn label(varies: &[Vary], cell: &[Decimal]) -> String {
    varies
        .iter()
        .zip(cell)
        .map(|(v, x)| format!("{} = {x}", v.path))
        .collect::<Vec<_>>()
        .join(", ")
}
