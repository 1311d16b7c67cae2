//! The pipelines behind each subcommand: scenario → model → paths → statistics → files.
//! One file per subcommand; shared output helpers here.

/// `writeln!` into a `String`, which cannot fail.
macro_rules! line {
    ($out:expr) => {{ $out.push('\n'); }};
    ($out:expr, $($arg:tt)*) => {{ let _ = writeln!($out, $($arg)*); }};
}

mod check;
mod completions;
mod frame;
mod merge;
mod price;
mod report;
mod run;
mod sweep;

pub use check::check;
pub use completions::{completions, man};
pub use frame::frame;
pub use merge::merge;
pub use price::price;
pub use report::report;
pub use run::{Interrupted, RNG_SCHEME, SCENARIO_COPY, run};
pub use sweep::sweep;

use anyhow::Result;
use std::io::Write as _;

/// Writes a command's output to stdout at once. A reader that closes the pipe early
/// (`protectsim check x.toml | head`) is not an error: the command just ends.
pub(crate) fn emit(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints what a command shows: with `--format table` the people's text `human`, unless
/// `quiet` (then nothing: the files say it all); with a machine-readable format the command's
/// `table` alone on stdout, and the `results` line on stderr unless `quiet`.
pub(crate) fn emit_as(
    format: crate::cli::Format,
    human: impl FnOnce() -> String,
    table: impl FnOnce() -> Result<polars::prelude::DataFrame>,
    results: &str,
    quiet: bool,
) -> Result<()> {
    match format.exporter() {
        None if quiet => Ok(()),
        None => emit(&human()),
        Some(exporter) => {
            if !quiet {
                eprintln!("{}", results.trim());
            }
            emit(&exporter.export(&table()?)?)
        }
    }
}
