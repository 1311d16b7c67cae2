//! `protectsim report`: (re)write `report.html` in a result folder.

use super::emit;
use crate::cli::ReportArgs;
use crate::report::html;
use anyhow::Result;

/// `protectsim report RUN_DIR`: builds `report.html` from the folder's files (manifest,
/// scenario copy, parquet files, fan charts) and prints its path.
pub fn report(args: &ReportArgs) -> Result<()> {
    // A folder that is not a finished result is bad input (exit 2), and one that a command is
    // writing is locked.
    if !args.run_dir.join("manifest.json").is_file() {
        return Err(crate::cli::UsageError(format!(
            "{}: not a finished result folder (no manifest.json)",
            args.run_dir.display()
        ))
        .into());
    }
    let _lock = crate::outdir::lock(&args.run_dir)?;
    let path = html::write_report(&args.run_dir)?;
    emit(&format!("report: {}\n", path.display()))
}
