//! `protectsim price`: simulate, then the pricing table of every segment.

use super::run::{render_run, simulate_and_write};
use crate::cli::PriceArgs;
use crate::pricing;
use crate::report;
use anyhow::Result;

/// `protectsim price`: simulate and write the run folder, then `pricing.parquet`,
/// `pricing.csv`, `pricing.xlsx` and `plots/pricing_heatmap.svg`; prints the table.
pub fn price(args: &PriceArgs) -> Result<()> {
    let settings = args.pricing.settings()?;
    let mut run = simulate_and_write(&args.run, false)?;
    let rows = pricing::pricing_rows_stored(&run.model, &run.paths, settings)?;
    let files = report::pricing::write_pricing(run.opts.out(), &rows, settings, &run.manifest)?;
    run.manifest.files.extend(files);
    report::write_manifest(run.opts.out(), &run.manifest)?;
    // After the pricing files, so the report shows the pricing table and its heat map.
    if run.opts.report() {
        report::html::add_report(run.opts.out(), &mut run.manifest)?;
    }

    let results = format!(
        "\nresults: {}/ (with pricing.parquet, pricing.csv, pricing.xlsx, plots/pricing_heatmap.svg)",
        run.opts.out().display()
    );
    super::emit_as(
        args.run.format,
        || render_run(&run) + &report::pricing::render(&rows, settings) + &results + "\n",
        || {
            let table = report::pricing::pricing_frame(&rows, settings)?;
            Ok(report::pricing::cents(&table)?)
        },
        &results,
        run.opts.quiet(),
    )
}
