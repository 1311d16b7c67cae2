//! From per-path results to the rows of `summary.parquet`: for each product and metric, the
//! distribution over paths (mean, sd, Monte Carlo standard error, quantiles, TVaR) beside the
//! analytic expectation where a closed form exists; for each company with a guarantee frame,
//! its saturation and insolvency figures.

use crate::analytic;
use crate::engine::{Model, PathResult};
use crate::products::{Product, ProductTotals};
use crate::stats::{self, Summary};
use std::collections::BTreeMap;

/// One row of the summary table.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub product: String,
    pub kind: &'static str,
    /// The company for company-level rows (guarantee frames); `None` for product totals.
    pub company: Option<String>,
    /// The segment (plan type, sales channel, policy segment) for segment rows; `None` for
    /// product totals.
    pub segment: Option<String>,
    /// Metric name, e.g. `premium_eur`, `loss_ratio`, `damage_count`, `p_saturation`.
    pub metric: String,
    /// Unit of the values: `orders`, `claims`, `days`, `EUR`, `ratio` or `probability`.
    pub unit: &'static str,
    pub summary: Summary,
    /// Closed-form expectation of the mean, where one exists.
    pub analytic: Option<f64>,
}

/// A summary with only a mean and standard error (for ratio estimators and probabilities).
fn point(n: u64, mean: f64, se: f64) -> Summary {
    let nan = f64::NAN;
    Summary {
        n,
        mean,
        sd: nan,
        se,
        p50: nan,
        p75: nan,
        p90: nan,
        p95: nan,
        p99: nan,
        p99_5: nan,
        tvar_99: nan,
    }
}

/// Summarises every product's metrics (and those of its segments), then every frame company's,
/// over the paths.
pub fn summarise(model: &Model, results: &[PathResult]) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for (pi, product) in model.products().iter().enumerate() {
        let totals: Vec<ProductTotals> = results.iter().map(|r| r.products[pi]).collect();
        let expected = analytic::product_metrics(model, pi);
        product_rows(&mut rows, product, None, &totals, &expected);
        for s in model.segment_range(pi) {
            let totals: Vec<ProductTotals> = results.iter().map(|r| r.segments[s]).collect();
            let name = &model.segments()[s].name;
            let expected = analytic::segment_metrics(model, s);
            product_rows(&mut rows, product, Some(name), &totals, &expected);
        }
    }
    for (c, f) in model.frames().iter().enumerate() {
        let product = &model.products()[f.product];
        let mut push = |metric: &str, unit: &'static str, summary: Summary| {
            rows.push(MetricRow {
                product: product.name().into(),
                kind: product.kind(),
                company: Some(f.name.clone()),
                segment: None,
                metric: metric.into(),
                unit,
                summary,
                analytic: None,
            });
        };
        let column = |g: &dyn Fn(&crate::frame::FramePath) -> f64| {
            results
                .iter()
                .map(|r| g(&r.frames[c]))
                .collect::<Vec<f64>>()
        };
        push(
            "frame_eur",
            "EUR",
            point(results.len() as u64, f.frame.to_eur(), 0.0),
        );
        push(
            "peak_eur",
            "EUR",
            Summary::of(&column(&|p| p.saturation.peak.to_eur())),
        );
        push(
            "days_over_frame",
            "days",
            Summary::of(&column(&|p| p.saturation.days_over as f64)),
        );
        push(
            "max_excess_eur",
            "EUR",
            Summary::of(&column(&|p| p.saturation.max_excess.to_eur())),
        );
        let (p, se) = stats::exceedance(&column(&|p| p.saturation.days_over as f64), 0.0);
        push(
            "p_saturation",
            "probability",
            point(results.len() as u64, p, se),
        );
        let (p, se) = stats::exceedance(&column(&|p| p.default_day.is_some() as u8 as f64), 0.5);
        push(
            "p_insolvency",
            "probability",
            point(results.len() as u64, p, se),
        );
        push(
            "insolvency_loss_eur",
            "EUR",
            Summary::of(&column(&|p| p.insolvency_loss.to_eur())),
        );
    }
    rows
}

/// The rows of one product, or of one of its segments, from its per-path totals.
fn product_rows(
    rows: &mut Vec<MetricRow>,
    product: &Product,
    segment: Option<&str>,
    totals: &[ProductTotals],
    expected: &BTreeMap<String, f64>,
) {
    let mut push = |metric: String, unit: &'static str, summary: Summary| {
        let analytic = expected.get(&metric).copied();
        rows.push(MetricRow {
            product: product.name().into(),
            kind: product.kind(),
            company: None,
            segment: segment.map(str::to_string),
            metric,
            unit,
            summary,
            analytic,
        });
    };
    let column = |f: &dyn Fn(&ProductTotals) -> f64| totals.iter().map(f).collect::<Vec<f64>>();
    let of = |f: &dyn Fn(&ProductTotals) -> f64| Summary::of(&column(f));

    let unit = product.exposure_unit();
    push("covered".into(), unit, of(&|t| t.covered as f64));
    push("ineligible".into(), unit, of(&|t| t.ineligible as f64));
    push("exposure_eur".into(), "EUR", of(&|t| t.exposure.to_eur()));
    push("premium_eur".into(), "EUR", of(&|t| t.premium.to_eur()));
    push("claims_eur".into(), "EUR", of(&|t| t.claims().to_eur()));
    for (k, peril) in product.perils().iter().enumerate() {
        push(
            format!("{peril}_count"),
            "claims",
            of(&|t| t.perils[k].count as f64),
        );
        push(
            format!("{peril}_eur"),
            "EUR",
            of(&|t| t.perils[k].amount.to_eur()),
        );
    }
    push(
        "rejected_count".into(),
        "claims",
        of(&|t| t.rejected as f64),
    );
    push("ibnr_eur".into(), "EUR", of(&|t| t.ibnr.to_eur()));
    push(
        "outstanding_eur".into(),
        "EUR",
        of(&|t| t.outstanding.to_eur()),
    );
    push(
        "recoveries_eur".into(),
        "EUR",
        of(&|t| t.recoveries.to_eur()),
    );
    push(
        "net_claims_eur".into(),
        "EUR",
        of(&|t| t.net_claims().to_eur()),
    );
    push("retained_eur".into(), "EUR", of(&|t| t.retained.to_eur()));

    // Per-path loss ratios; paths with no premium have none and are left out (n says so).
    let ratios: Vec<f64> = totals
        .iter()
        .map(|t| t.loss_ratio())
        .filter(|x| !x.is_nan())
        .collect();
    push("loss_ratio".into(), "ratio", Summary::of(&ratios));
    let paid: Vec<f64> = totals
        .iter()
        .map(|t| t.paid_loss_ratio())
        .filter(|x| !x.is_nan())
        .collect();
    push("paid_loss_ratio".into(), "ratio", Summary::of(&paid));
    let (lr, se) = stats::ratio_of_means(
        &column(&|t| t.net_claims().to_eur()),
        &column(&|t| t.premium.to_eur()),
    );
    push(
        "portfolio_loss_ratio".into(),
        "ratio",
        point(totals.len() as u64, lr, se),
    );
    let (p, se) = stats::exceedance(&ratios, 1.0);
    push(
        "p_loss_ratio_above_1".into(),
        "probability",
        point(ratios.len() as u64, p, se),
    );
}
