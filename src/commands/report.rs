//! `protectsim report`: (re)write `report.html` in a result folder.

use super::emit;
use crate::cli::ReportArgs;
use crate::report::html;
use anyhow::Result;

/// `protectsim report RUN_DIR`: builds `report.html` from the folder's files (manifest,
/// scenario copy, parquet files, fan charts) and prints its path.
pub fn report(args: &ReportArgs) -> Result<()> {
    let path = html::write_report(&args.run_dir)?;
    emit(&format!("report: {}\n", path.display()))
}
