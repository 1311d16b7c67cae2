//! `protectsim check`: validation, the calendar and the analytic expectations.

use super::emit;
use crate::analytic;
use crate::calendar::{self, Horizon};
use crate::cli::CheckArgs;
use crate::engine::{FrameSource, Model};
use crate::products::Product;
use crate::products::e_reputation::{EReputation, PERILS, PHASES};
use crate::report::terminal;
use crate::scenario::Scenario;
use anyhow::Result;
use chrono::{Datelike, Duration};
use std::fmt::Write as _;
/// `protectsim check`: validate, then print the calendar and the analytic expectations.
pub fn check(args: &CheckArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let h = scenario.horizon();
    let mut out = String::new();
    line!(
        out,
        "scenario {} ({}) is valid",
        scenario.name(),
        args.scenario.display()
    );
    if !scenario.description().is_empty() {
        line!(out, "  {}", scenario.description().trim());
    }
    line!(out, "  sha256 {}", scenario.hash());
    line!(
        out,
        "  horizon {} to {} ({} days), seed {}, {} paths",
        h.start,
        h.end(),
        h.days,
        scenario.seed(),
        scenario.paths()
    );
    let n_shops = scenario.shops().count();
    line!(
        out,
        "  {}, {}, {}",
        count(scenario.companies().len(), "company", "companies"),
        count(n_shops, "shop", "shops"),
        count(scenario.products().len(), "product", "products")
    );

    // Each carrier with disruptions once, with the shops it serves.
    let mut carriers: Vec<(&crate::carrier::Carrier, usize)> = Vec::new();
    for (_, shop) in scenario.shops() {
        if let Some(c) = shop.carrier.as_ref().filter(|c| c.disruption.is_some()) {
            match carriers.iter_mut().find(|(k, _)| k.name == c.name) {
                Some((_, n)) => *n += 1,
                None => carriers.push((c, 1)),
            }
        }
    }
    for (c, shops) in carriers {
        if let Some(d) = c.disruption {
            line!(
                out,
                "  carrier {}: {} episodes a year of {} days, loss × {}, late × {}; a day is disrupted with probability {:.2} % (from day {} of the horizon on); {}",
                c.name,
                d.per_year,
                d.days,
                d.loss_multiplier,
                d.delay_multiplier,
                100.0 * d.probability(d.days - 1),
                d.days,
                count(shops, "shop", "shops")
            );
        }
    }

    if n_shops > 0 {
        print_calendar(&mut out, &scenario, h);
    }

    let model = Model::new(&scenario);
    analytic::check_money_headroom(&model)?;
    if !scenario.uncertain().is_empty() {
        print_parameter_risk(&mut out, &scenario, &model)?;
    }
    line!(
        out,
        "\nanalytic expectations per product over the horizon (E[volume multiplier] = 1{}):",
        if scenario.uncertain().is_empty() {
            ""
        } else {
            "; at the central values"
        }
    );
    for (pi, product) in scenario.products().iter().enumerate() {
        let m = analytic::product_metrics(&model, pi);
        line!(out, "\n{} ({})", product.name(), product.kind());
        let mut row = |metric: &str, label: &str| {
            if let Some(&x) = m.get(metric) {
                let v = if metric.ends_with("loss_ratio") || metric.ends_with("_share") {
                    format!("{:.2} %", 100.0 * x)
                } else if metric.ends_with("_mean") || (metric.ends_with("_count") && x < 100.0) {
                    format!("{x:.2}")
                } else {
                    terminal::thousands(x)
                };
                line!(out, "  {label:<38} {v:>16}");
            }
        };
        let unit = product.exposure_unit();
        row("covered", &format!("covered {unit}"));
        row("ineligible", &format!("ineligible (excluded) {unit}"));
        row("exposure_eur", "sum insured (EUR)");
        row("premium_eur", "premium (EUR)");
        for peril in product.perils() {
            row(
                &format!("{peril}_count"),
                &format!("{peril} claims (count)"),
            );
            row(&format!("{peril}_eur"), &format!("{peril} claims (EUR)"));
        }
        row("claims_eur", "claims (EUR)");
        row("recoveries_eur", "recoveries (EUR)");
        row("outstanding_eur", "paid after the horizon (EUR)");
        row("retained_eur", "retained by insured (EUR)");
        row("refunds_eur", "premium refunded (EUR)");
        row("contracts_ended_count", "contracts ended (count)");
        row("portfolio_loss_ratio", "loss ratio");
        row("ceded_premium_eur", "ceded premium, quota share (EUR)");
        row("ceding_commission_eur", "ceding commission (EUR)");
        row("ceded_claims_eur", "ceded claims, quota share (EUR)");
        if let Some(cs) = product.case_stage() {
            let (stage, cases) = (cs.stage, cs.cases);
            row(
                &format!("{cases}_per_million"),
                &format!("{cases} per million covered"),
            );
            row(
                &format!("{stage}_settled_count"),
                &format!("settled in {stage} in time (count)"),
            );
            row(
                &format!("{stage}_settled_share"),
                &format!("share settled in {stage} in time"),
            );
            row(
                &format!("{stage}_abandoned_count"),
                &format!("abandoned after {stage} (count)"),
            );
            row(
                &format!("{stage}_days_mean"),
                &format!("{stage} days per case"),
            );
        }
        // The pure premium: what the cover costs per unit sold, before expenses and margin.
        if let (Some(&claims), Some(&n)) = (
            m.get("net_claims_eur").or(m.get("claims_eur")),
            m.get("covered"),
        ) && n > 0.0
        {
            line!(
                out,
                "  {:<38} {:>16}",
                format!("break-even price per {} (EUR)", unit.trim_end_matches('s')),
                format!("{:.2}", claims / n)
            );
        }
        if let Product::EReputation(p) = product {
            print_policy_book(&mut out, &model, pi, p);
        } else {
            print_segments(&mut out, &model, pi);
        }
    }
    if !model.frames().is_empty() {
        line!(
            out,
            "\nguarantee frames (expected active volume: the M_t/G/inf mean; an order of day d is active on days d..d+D-1)"
        );
        line!(
            out,
            "  {:<28} {:>14} {:<28} {:>16} {:<12} {:>10}",
            "company",
            "frame (EUR)",
            "set by",
            "E[peak] (EUR)",
            "on",
            "P(default)"
        );
    }
    for (c, f) in model.frames().iter().enumerate() {
        let mean = analytic::expected_active_volume(&model, c);
        let peak = (0..mean.len())
            .max_by(|&a, &b| mean[a].total_cmp(&mean[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let source = match f.source {
            FrameSource::Given => "frame_eur".to_string(),
            FrameSource::RuleOnTurnover => format!(
                "rule on turnover {}",
                terminal::thousands(f.turnover.to_eur())
            ),
            FrameSource::RuleOnExpectedTurnover => format!(
                "rule on E[turnover] {}",
                terminal::thousands(f.turnover.to_eur())
            ),
        };
        line!(
            out,
            "  {:<28} {:>14} {:<28} {:>16} {:<12} {:>9.2} %",
            f.name,
            terminal::thousands(f.frame.to_eur()),
            source,
            terminal::thousands(mean[peak]),
            h.date(peak as u32).to_string(),
            100.0 * f.p_default
        );
    }
    match args.format.exporter() {
        None => emit(&out),
        Some(exporter) => emit(&exporter.export(&expectations_frame(&model)?)?),
    }
}

/// Paths whose draws `check` evaluates the closed forms under, at most.
const CHECK_DRAWS: u64 = 1000;

/// The values written as distributions, and the closed forms under parameter risk: over the
/// draws of the first paths (as a run with the scenario's seed draws them), the mean of each
/// figure's conditional mean `E[X | θ]` with its standard error, and their standard deviation,
/// the parameter part of the figure's spread. Every draw is validated first.
fn print_parameter_risk(out: &mut String, scenario: &Scenario, model: &Model) -> Result<()> {
    let n = scenario.paths().min(CHECK_DRAWS);
    scenario.validate_draws(scenario.seed(), 0..n)?;
    line!(
        out,
        "\nparameter risk: {} values are distributions, drawn once per path",
        scenario.uncertain().len()
    );
    for u in scenario.uncertain() {
        line!(
            out,
            "  {:<46} {:<36} mean {:<12} sd {}",
            u.path,
            u.law.to_string(),
            format!("{:.6}", u.law.mean())
                .trim_end_matches('0')
                .trim_end_matches('.'),
            format!("{:.6}", u.law.sd())
                .trim_end_matches('0')
                .trim_end_matches('.')
        );
    }
    let means = crate::parameter_risk::ConditionalMeans::over(model, scenario.seed(), 0..n)?;
    line!(
        out,
        "closed forms under parameter risk, over the draws of paths 0..{n}: E[E[X | θ]] ± se, and sd of E[X | θ] (parameter risk alone)"
    );
    for (pi, product) in model.products().iter().enumerate() {
        for (k, (metric, _)) in means.metrics(pi).enumerate() {
            let v = means.values(pi, k);
            let mut m = crate::stats::Moments::default();
            v.iter().for_each(|&x| m.push(x));
            let show = |x: f64| {
                if x.abs() >= 100.0 {
                    terminal::thousands(x)
                } else {
                    format!("{x:.2}")
                }
            };
            line!(
                out,
                "  {:<12} {:<24} {:>16} ± {:<12} sd {}",
                product.name(),
                metric,
                show(m.mean()),
                show(m.standard_error()),
                show(m.sd())
            );
        }
    }
    Ok(())
}

/// The analytic expectations `check` prints, as a table: one row per (product[, segment],
/// metric), the closed-form mean over the horizon of each summary metric that has one.
fn expectations_frame(model: &Model) -> Result<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let (mut product, mut kind, mut segment, mut metric, mut expected) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (pi, p) in model.products().iter().enumerate() {
        let lines = std::iter::once((None, analytic::product_metrics(model, pi))).chain(
            model.segment_range(pi).map(|s| {
                (
                    Some(model.segments()[s].name.clone()),
                    analytic::segment_metrics(model, s),
                )
            }),
        );
        for (seg, metrics) in lines {
            for (m, x) in metrics {
                product.push(p.name().to_string());
                kind.push(p.kind().to_string());
                segment.push(seg.clone());
                metric.push(m);
                expected.push(x.is_finite().then_some(x));
            }
        }
    }
    let n = product.len();
    Ok(DataFrame::new(
        n,
        vec![
            Column::new("product".into(), product),
            Column::new("kind".into(), kind),
            Column::new("segment".into(), segment),
            Column::new("metric".into(), metric),
            Column::new("expected".into(), expected),
        ],
    )?)
}

fn print_calendar(out: &mut String, scenario: &Scenario, h: Horizon) {
    let shape = scenario.calendar().daily_shape(h.start, h.days);
    let base: f64 = scenario.shops().map(|(_, s)| s.orders_per_day).sum();
    let lambda: Vec<f64> = shape.iter().map(|s| s * base).collect();
    let mut years: Vec<i32> = h.dates().map(|d| d.year()).collect();
    years.dedup();
    line!(out, "\ncalendar");
    for y in years {
        line!(
            out,
            "  {y}: Black Friday {}, Cyber Monday {}, winter sales from {}, summer sales from {}",
            calendar::black_friday(y),
            calendar::cyber_monday(y),
            calendar::winter_sales_start(y),
            calendar::summer_sales_start(y)
        );
    }
    let mut order: Vec<usize> = (0..lambda.len()).collect();
    order.sort_by(|&a, &b| lambda[b].total_cmp(&lambda[a]));
    line!(
        out,
        "  peak days (all shops, expected orders before take-up):"
    );
    for &d in order.iter().take(5) {
        let date = h.start + Duration::days(d as i64);
        line!(
            out,
            "    {} {}  {:>12}  ({:.2}× an average day)",
            date,
            date.format("%a"),
            terminal::thousands(lambda[d]),
            shape[d]
        );
    }
    line!(
        out,
        "  expected orders per month (all shops, before take-up):"
    );
    let mut month: Option<(i32, u32, f64)> = None;
    let flush = |out: &mut String, m: Option<(i32, u32, f64)>| {
        if let Some((y, mo, total)) = m {
            line!(out, "    {y}-{mo:02}  {:>14}", terminal::thousands(total));
        }
    };
    for (d, date) in h.dates().enumerate() {
        match month {
            Some((y, mo, ref mut total)) if y == date.year() && mo == date.month() => {
                *total += lambda[d]
            }
            _ => {
                flush(out, month);
                month = Some((date.year(), date.month(), lambda[d]));
            }
        }
    }
    flush(out, month);
    line!(
        out,
        "  total {:>14}",
        terminal::thousands(lambda.iter().sum())
    );
}

/// Per segment (plan type) of product `pi`, the analytic covered count, premium and claims
/// where closed forms exist; for BNPL also the expected unpaid instalments before the ceiling.
fn print_segments(out: &mut String, model: &Model, pi: usize) {
    let range = model.segment_range(pi);
    if range.is_empty() {
        return;
    }
    // BNPL only: the unpaid instalments before the ceiling, the one closed form its claims
    // have when a ceiling is set.
    let unpaid: Option<Vec<f64>> = match &model.products()[pi] {
        crate::products::Product::BnplNonPayment(_) => Some(
            analytic::bnpl(model, pi)
                .0
                .iter()
                .map(|e| e.unpaid_total_eur())
                .collect(),
        ),
        _ => None,
    };
    // Only the segments with a closed form for at least one column get a row, and only the
    // products with such a segment get a table: no table of "-" cells.
    let metrics: Vec<_> = range
        .clone()
        .map(|s| analytic::segment_metrics(model, s))
        .collect();
    let has = |k: usize| {
        ["covered", "premium_eur", "claims_eur"]
            .iter()
            .any(|m| metrics[k].contains_key(*m))
            || unpaid.as_ref().is_some_and(|u| k < u.len())
    };
    let shown: Vec<usize> = (0..metrics.len()).filter(|&k| has(k)).collect();
    if shown.is_empty() {
        line!(
            out,
            "  {} segments: no closed form per segment (`price` simulates the per-segment table)",
            metrics.len()
        );
        return;
    }
    let width = shown
        .iter()
        .map(|&k| model.segments()[range.start + k].name.chars().count())
        .max()
        .unwrap_or(0)
        .max("segment".len());
    let extra = |x: String| {
        if unpaid.is_some() {
            format!(" {x:>22}")
        } else {
            String::new()
        }
    };
    line!(
        out,
        "  {:<width$} {:>14} {:>16}{} {:>16}",
        "segment",
        "covered",
        "premium (EUR)",
        extra("unpaid, no ceiling".into()),
        "claims (EUR)"
    );
    for &k in &shown {
        let s = range.start + k;
        let m = &metrics[k];
        let get = |metric: &str| {
            m.get(metric)
                .map_or("-".to_string(), |&x| terminal::thousands(x))
        };
        let unpaid = unpaid
            .as_ref()
            .and_then(|u| u.get(k))
            .map_or("-".to_string(), |&x| terminal::thousands(x));
        line!(
            out,
            "  {:<width$} {:>14} {:>16}{} {:>16}",
            model.segments()[s].name,
            get("covered"),
            get("premium_eur"),
            extra(unpaid),
            get("claims_eur")
        );
    }
}

/// "1 company", "2 companies": a count with the noun in the number it takes.
fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// An e-reputation product's book (per segment: policies, premium, expected cases) and, per
/// incident type, the phase-tree reach probabilities and mean case cost.
fn print_policy_book(out: &mut String, model: &Model, pi: usize, p: &EReputation) {
    line!(
        out,
        "  per case: ceiling {} EUR, deductible {} EUR",
        p.ceiling,
        p.deductible
    );
    if !p.ceiling_cannot_bind() {
        line!(
            out,
            "  (the ceiling or deductible can bind: expected claims have no closed form; see `run`)"
        );
    }
    line!(
        out,
        "  {:<24} {:<9} {:>12} {:>16} {:>14}",
        "segment",
        "holder",
        "policies",
        "premium (EUR)",
        "E[cases]"
    );
    for s in model.segment_range(pi) {
        let e = analytic::segment_metrics(model, s);
        let seg = &p.segments[s - model.segment_range(pi).start];
        let cases: f64 = PERILS
            .iter()
            .filter_map(|peril| e.get(&format!("{peril}_count")))
            .sum();
        line!(
            out,
            "  {:<24} {:<9} {:>12} {:>16} {:>14.1}",
            seg.name,
            format!("{:?}", seg.holder).to_lowercase(),
            terminal::thousands(seg.policies as f64),
            terminal::thousands(e.get("premium_eur").copied().unwrap_or(0.0)),
            cases
        );
    }
    line!(
        out,
        "  {:<22} {}  {:>34}",
        "P(case reaches phase)",
        PHASES
            .iter()
            .map(|ph| format!("{:>16}", ph))
            .collect::<String>(),
        "E[case cost] (EUR, before ceiling)"
    );
    for (k, inc) in p.incidents.iter().enumerate() {
        line!(
            out,
            "  {:<22} {}  {:>34.2}",
            PERILS[k],
            inc.reach()
                .iter()
                .map(|r| format!("{:>16.4}", r))
                .collect::<String>(),
            inc.mean_case_cost()
        );
    }
}
