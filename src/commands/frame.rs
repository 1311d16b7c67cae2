//! `protectsim frame`: the frame each company needs.

use super::run::{render_run, simulate_and_write};
use crate::cli::{FrameArgs, UsageError};
use crate::frame::Recommendation;
use crate::money::Cents;
use crate::report::{self, terminal};
use crate::store::FrameField;
use anyhow::Result;
use std::fmt::Write as _;
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
    let layout = *run.paths.layout();
    let mut recs: Vec<Recommendation> = Vec::new();
    for (c, f) in run.model.frames().iter().enumerate() {
        let column = |field: FrameField| run.paths.words(layout.frame_word(c, field));
        let peaks: Vec<f64> = column(FrameField::Peak)?
            .into_iter()
            .map(|cents| Cents(cents).to_eur())
            .collect();
        let days_over: Vec<f64> = column(FrameField::DaysOver)?
            .into_iter()
            .map(|d| d as f64)
            .collect();
        recs.push(crate::frame::recommend(
            &f.name,
            f.frame,
            peaks,
            &days_over,
            &run.bands[c],
            &dates,
            confidence,
        ));
    }
    // Under a raise policy, the margin: each path's need, from its stored daily volumes.
    let raised: Vec<usize> = (0..run.model.frames().len())
        .filter(|&c| run.model.frames()[c].raise.is_some())
        .collect();
    let mut needed = vec![Vec::new(); run.model.frames().len()];
    report::frames::for_each_active(&run.model, &run.paths, &raised, |_, c, active| {
        let f = &run.model.frames()[c];
        let lag = f.raise.map_or(1, |r| r.review_lag_days);
        needed[c].push(crate::frame::margin_needed(active, f.frame, lag));
    })?;
    for &c in &raised {
        let current = run.model.frames()[c].raise.map_or(f64::NAN, |r| r.margin);
        let (required, again) =
            crate::frame::recommend_margin(std::mem::take(&mut needed[c]), confidence, current);
        recs[c].margin = Some(crate::frame::MarginAdvice {
            current,
            p_saturated_again: again,
            required,
        });
    }
    let table = report::frames::recommendation_frame(&recs, confidence)?;
    report::write_csv(
        run.opts.out(),
        "frame_recommendation.csv",
        &mut report::pricing::cents(&table)?,
    )?;
    let mut book = crate::workbook::frame_workbook(&recs, confidence, &run.manifest)?;
    crate::workbook::save(run.opts.out(), "frame_recommendation.xlsx", &mut book)?;
    run.manifest.files.extend([
        "frame_recommendation.csv".into(),
        "frame_recommendation.xlsx".into(),
    ]);
    report::write_manifest(run.opts.out(), &run.manifest)?;
    if run.opts.report() {
        report::html::add_report(run.opts.out(), &mut run.manifest)?;
    }

    let mut out = render_run(&run);
    line!(
        out,
        "\nrecommended frames: P(any saturation over the horizon) ≤ {:.1} %",
        100.0 * (1.0 - confidence)
    );
    line!(
        out,
        "  {:<28} {:>14} {:>18} {:>10} {:>12} {:>16} {:>14} {:>16}",
        "company",
        "frame (EUR)",
        "P(saturation)",
        "E[days]",
        "peak date",
        "required (EUR)",
        "raise by",
        "raise margin"
    );
    for r in &recs {
        let margin = r.margin.map_or("-".to_string(), |m| {
            format!("{:.2} (now {:.2})", m.required, m.current)
        });
        line!(
            out,
            "  {:<28} {:>14} {:>18} {:>10.1} {:>12} {:>16} {:>14} {:>16}",
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
            terminal::thousands(r.raise_by_eur),
            margin
        );
    }
    if recs.iter().any(|r| r.margin.is_some()) {
        line!(
            out,
            "  raise margin: the smallest margin whose raised frame saturates again on at most {:.1} % of paths",
            100.0 * (1.0 - confidence)
        );
    }
    let results = format!(
        "\nresults: {}/ (with frame_recommendation.csv, frame_recommendation.xlsx)",
        run.opts.out().display()
    );
    super::emit_as(
        args.run.format,
        || out + &results + "\n",
        || Ok(report::pricing::cents(&table)?),
        &results,
        run.opts.quiet(),
    )
}
