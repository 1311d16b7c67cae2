//! Command-line definitions (clap) and their validation into options with private fields.

use crate::scenario::{MAX_PATHS, Scenario};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

pub use crate::export::Format;

/// The version `--version` prints: the crate version, the commit the binary was built from
/// ("unknown" outside a git checkout) and the build date.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PROTECTSIM_COMMIT"),
    ", built ",
    env!("PROTECTSIM_BUILD_DATE"),
    ")"
);

/// The commit the binary was built from (short hash), or "unknown".
pub const COMMIT: &str = env!("PROTECTSIM_COMMIT");

/// Monte Carlo engine for e-commerce purchase-protection insurance.
#[derive(Debug, Parser)]
#[command(name = "protectsim", version = LONG_VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and write results (manifest, paths, summary) to a folder.
    Run(RunArgs),
    /// Validate a scenario and print its analytic expectations (orders, premium, claims).
    Check(CheckArgs),
    /// Simulate, then recommend the guarantee frame each company needs.
    Frame(FrameArgs),
    /// Join the result folders of a sharded run into the result of a single run.
    Merge(MergeArgs),
    /// Write report.html (self-contained: charts inlined as SVG) into a result folder.
    Report(ReportArgs),
    /// Simulate, then write the pricing table: adequacy of the current tariff per segment and
    /// the tariff values that meet a target loss ratio with a given confidence.
    Price(PriceArgs),
    /// Re-run a scenario over a grid of one or two of its values and write the pricing table
    /// of every grid cell in one long table.
    // A sweep runs every cell whole: `--shard` and `--resume` are not its options (refused
    // with a message if given), so its help does not list them.
    #[command(
        mut_arg("shard", |a| a.hide(true)),
        mut_arg("resume", |a| a.hide(true))
    )]
    Sweep(SweepArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) to stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff, for `man -l -`) to stdout, or write one page per command
    /// into a folder.
    Man(ManArgs),
}

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `protectsim.1` and `protectsim-<command>.1` into this folder instead of printing
    /// `protectsim.1`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for, e.g. `protectsim completions bash > protectsim.bash`.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Result folder written by `run`, `frame` or `merge`.
    pub run_dir: PathBuf,
}

/// Options of `price`.
#[derive(Debug, Args)]
pub struct PriceArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,
}

/// The pricing settings shared by `price` and `sweep`.
#[derive(Debug, Clone, Copy, Args)]
pub struct PricingArgs {
    /// Target loss ratio on gross written premium (room for commission, expenses and margin).
    #[arg(long, default_value_t = 0.65)]
    pub target_loss_ratio: f64,
    /// Required probability that the loss ratio stays at or under the target, strictly
    /// between 0 and 1.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Cost-of-capital rate: the yearly return the capital (the 1-in-200 net claims less
    /// their mean) asks for, in [0, 1]; 0.06 is Solvency II's risk-margin rate.
    #[arg(long, default_value_t = crate::pricing::DEFAULT_COST_OF_CAPITAL)]
    pub cost_of_capital: f64,
    /// The premium principle the indicated premium (and the adequacy) follows; every
    /// principle's premium is a column of the table either way.
    #[arg(long, value_enum, default_value_t = PrincipleArg::Pure)]
    pub principle: PrincipleArg,
    /// Loading θ of the expected-value principle, (1 + θ) E[S].
    #[arg(long, default_value_t = 0.1)]
    pub loading: f64,
    /// Multiple k of the standard-deviation principle, E[S] + k sd(S).
    #[arg(long, default_value_t = 0.25)]
    pub sd_multiple: f64,
    /// λ of the Wang transform.
    #[arg(long, default_value_t = crate::pricing::WANG_LAMBDA)]
    pub wang_lambda: f64,
}

/// `--principle`: the premium principles of the pricing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrincipleArg {
    Pure,
    ExpectedValue,
    StdDev,
    Wang,
    CostOfCapital,
}

impl PrincipleArg {
    fn principle(self) -> crate::pricing::Principle {
        use crate::pricing::Principle;
        match self {
            PrincipleArg::Pure => Principle::Pure,
            PrincipleArg::ExpectedValue => Principle::ExpectedValue,
            PrincipleArg::StdDev => Principle::StdDev,
            PrincipleArg::Wang => Principle::Wang,
            PrincipleArg::CostOfCapital => Principle::CostOfCapital,
        }
    }
}

impl PricingArgs {
    /// Checks the settings: the target loss ratio in (0, 1], the confidence strictly between 0
    /// and 1 (as for `frame`: a confidence of 1 would ask every simulated path, however many,
    /// to stay within the target).
    pub fn settings(&self) -> Result<crate::pricing::PricingSettings, UsageError> {
        let (t, c) = (self.target_loss_ratio, self.confidence);
        if !(t > 0.0 && t <= 1.0) {
            return Err(UsageError(format!(
                "--target-loss-ratio {t}: must be in (0, 1], e.g. 0.65"
            )));
        }
        if !(c > 0.0 && c < 1.0) {
            return Err(UsageError(format!(
                "--confidence {c}: must be between 0 and 1 (exclusive), e.g. 0.95"
            )));
        }
        let k = self.cost_of_capital;
        if !(0.0..=1.0).contains(&k) {
            return Err(UsageError(format!(
                "--cost-of-capital {k}: must be between 0 and 1, e.g. 0.06"
            )));
        }
        for (flag, x, max) in [
            ("--loading", self.loading, 10.0),
            ("--sd-multiple", self.sd_multiple, 10.0),
            ("--wang-lambda", self.wang_lambda, 5.0),
        ] {
            if !(0.0..=max).contains(&x) {
                return Err(UsageError(format!(
                    "{flag} {x}: must be between 0 and {max}"
                )));
            }
        }
        Ok(crate::pricing::PricingSettings {
            target_loss_ratio: t,
            confidence: c,
            cost_of_capital: k,
            loading: self.loading,
            sd_multiple: self.sd_multiple,
            wang_lambda: self.wang_lambda,
            principle: self.principle.principle(),
        })
    }
}

/// Options of `sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// A scenario value and its grid, `PATH=START..END:STEP` (END included), e.g.
    /// `products[0].damage.probability.domestic=0.005..0.02:0.005`. Once or twice.
    #[arg(long, required = true, value_name = "PATH=START..END:STEP")]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub pricing: PricingArgs,
}

#[derive(Debug, Args)]
pub struct FrameArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Required probability of no saturation over the horizon.
    #[arg(long, default_value_t = 0.99)]
    pub confidence: f64,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// Number of Monte Carlo paths [default: the scenario's simulation.paths].
    #[arg(long)]
    pub paths: Option<u64>,
    /// Seed of every random stream [default: the scenario's simulation.seed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads; 0 means one per core. Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Output folder [default: results/<scenario file stem>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Simulate only shard K of N (a contiguous range of paths), e.g. 2/8.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Reuse the batches of paths an interrupted run left in --out and simulate only the rest.
    #[arg(long)]
    pub resume: bool,
    /// No progress bar and no table: only errors (a machine-readable --format still prints
    /// its table on stdout).
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not write report.html into the output folder.
    #[arg(long)]
    pub no_report: bool,
    /// Refuse, before writing anything, a run whose simulation is estimated (from a pilot of
    /// its first paths) to take longer than this many hours on the threads it has.
    #[arg(long, value_name = "HOURS", default_value_t = DEFAULT_MAX_HOURS)]
    pub max_hours: f64,
    /// How to print the command's table: `table` for people; `json`, `csv` or `markdown` put
    /// that table alone on stdout (the header and the results line go to stderr).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Default of `--max-hours`: a day.
pub const DEFAULT_MAX_HOURS: f64 = 24.0;
/// Largest `--max-hours`: about 114 years, past which a run is not a batch job.
pub const MAX_HOURS: f64 = 1e6;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Result folders of the shards of one run (`--shard K/N`), in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Folder for the merged result.
    #[arg(long)]
    pub out: PathBuf,
    /// Do not write report.html into the merged folder.
    #[arg(long)]
    pub no_report: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// How to print: `table` for people; `json`, `csv` or `markdown` put the analytic
    /// expectations alone on stdout, one row per (product, segment, metric).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A mistake on the command line found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Validated options of `run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    paths: u64,
    seed: u64,
    threads: usize,
    out: PathBuf,
    shard: (u64, u64),
    quiet: bool,
    resume: bool,
    report: bool,
    max_hours: f64,
}

impl RunOptions {
    /// Combines the command line with the scenario's defaults and checks them.
    pub fn new(args: &RunArgs, scenario: &Scenario) -> Result<RunOptions, UsageError> {
        let paths = args.paths.unwrap_or(scenario.paths());
        if paths == 0 || paths > MAX_PATHS {
            return Err(UsageError(format!(
                "--paths {paths}: must be a whole number from 1 to {MAX_PATHS} (every path is stored and written as a row; for more precision than 10^8 paths give, the model, not the sample, is the limit)"
            )));
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let max_threads = max_threads(cores);
        if args.threads > max_threads {
            return Err(UsageError(format!(
                "--threads {}: must be at most {max_threads} on this machine ({cores} cores; the bound is 4 threads per core, at least {MIN_THREAD_BOUND} and never above {MAX_THREADS}): threads beyond the cores only add switching; 0 means one per core",
                args.threads
            )));
        }
        let shard = match &args.shard {
            None => (1, 1),
            Some(text) => parse_shard(text, paths)?,
        };
        if !(args.max_hours > 0.0 && args.max_hours <= MAX_HOURS) {
            return Err(UsageError(format!(
                "--max-hours {}: must be a number of hours above 0 and at most {MAX_HOURS} (default {DEFAULT_MAX_HOURS}); it bounds the estimated time of the simulation",
                args.max_hours
            )));
        }
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| default_out(&args.scenario));
        Ok(RunOptions {
            paths,
            seed: args.seed.unwrap_or(scenario.seed()),
            threads: args.threads,
            out,
            shard,
            quiet: args.quiet,
            resume: args.resume,
            report: !args.no_report,
            max_hours: args.max_hours,
        })
    }

    pub fn paths(&self) -> u64 {
        self.paths
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn threads(&self) -> usize {
        self.threads
    }
    pub fn out(&self) -> &Path {
        &self.out
    }
    pub fn quiet(&self) -> bool {
        self.quiet
    }
    pub fn resume(&self) -> bool {
        self.resume
    }
    /// Whether to write `report.html` after the other files (not `--no-report`).
    pub fn report(&self) -> bool {
        self.report
    }
    /// `--max-hours`: the longest simulation a run accepts, in hours.
    pub fn max_hours(&self) -> f64 {
        self.max_hours
    }
    /// (K, N) of `--shard K/N`; (1, 1) for a whole run.
    pub fn shard(&self) -> (u64, u64) {
        self.shard
    }

    /// The contiguous path range of this shard: `[⌊(K−1)P/N⌋, ⌊KP/N⌋)`.
    pub fn path_range(&self) -> std::ops::Range<u64> {
        let (k, n) = self.shard;
        let p = self.paths as u128;
        ((p * (k as u128 - 1) / n as u128) as u64)..((p * k as u128 / n as u128) as u64)
    }
}

/// Hard upper bound of `--threads`, whatever the machine.
pub const MAX_THREADS: usize = 1024;
/// `--threads` may always go this high, so that a script runs on any machine.
pub const MIN_THREAD_BOUND: usize = 64;

/// Largest `--threads` on a machine with `cores` cores: 4 per core, at least
/// [`MIN_THREAD_BOUND`], at most [`MAX_THREADS`].
pub fn max_threads(cores: usize) -> usize {
    cores.saturating_mul(4).clamp(MIN_THREAD_BOUND, MAX_THREADS)
}

fn parse_shard(text: &str, paths: u64) -> Result<(u64, u64), UsageError> {
    let bad = || {
        UsageError(format!(
            "--shard {text:?}: write K/N with 1 ≤ K ≤ N ≤ paths ({paths}), e.g. --shard 2/8"
        ))
    };
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (k, n): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || n == 0 || k > n || n > paths {
        return Err(bad());
    }
    Ok((k, n))
}

/// `results/<file stem>`.
pub fn default_out(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or("run".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("results").join(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_syntax() {
        assert_eq!(parse_shard("2/8", 100).unwrap(), (2, 8));
        for bad in ["0/4", "5/4", "1/0", "a/b", "3", "1/200"] {
            assert!(parse_shard(bad, 100).is_err(), "{bad}");
        }
    }
}
