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
    let mut rows = pricing::pricing_rows_stored(&run.model, &run.paths, settings)?;
    if !run.model.uncertain().is_empty() {
        // The same paths at the central values: what the tariff would be without parameter
        // risk (held in memory, like a sweep's cells).
        let central = run.model.central();
        let results = crate::engine::with_threads(run.opts.threads(), || {
            central.simulate(run.opts.seed(), run.opts.path_range(), &|_| {})
        })??;
        let without = pricing::pricing_rows(&central, &results, settings);
        for (r, w) in rows.iter_mut().zip(&without) {
            r.solved_price_without_parameter_risk = w.solved_price;
        }
    }
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
