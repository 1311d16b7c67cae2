//! From per-path totals to the rows of `summary.parquet`: for each product and metric, the
//! distribution over paths (mean, sd, Monte Carlo standard error, quantiles, TVaR) beside the
//! analytic expectation where a closed form exists.

use crate::engine::{Model, PathResult};
use crate::products::buyer_protection::Expected;
use crate::products::{Product, ProductTotals};
use crate::stats::{self, Summary};

/// One row of the summary table.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub product: String,
    pub kind: &'static str,
    /// Metric name, e.g. `premium_eur`, `loss_ratio`, `damage_count`.
    pub metric: String,
    /// Unit of the values: `orders`, `claims`, `EUR` or `ratio`.
    pub unit: &'static str,
    pub summary: Summary,
    /// Closed-form expectation of the mean, where one exists.
    pub analytic: Option<f64>,
}

/// Analytic expectations of a product, summed over the shops that sell it.
pub fn expected(model: &Model, product: usize) -> Option<Expected> {
    match &model.products()[product] {
        Product::BuyerProtection(_) => {
            let mut e = Expected::default();
            for (_, book) in model.books().filter(|(p, _)| *p == product) {
                e += Expected::of(book);
            }
            Some(e)
        }
    }
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

/// Summarises every product's metrics over the paths.
pub fn summarise(model: &Model, results: &[PathResult]) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    for (pi, product) in model.products().iter().enumerate() {
        let totals: Vec<ProductTotals> = results.iter().map(|r| r.products[pi]).collect();
        let exp = expected(model, pi);
        let mut push =
            |metric: String, unit: &'static str, summary: Summary, analytic: Option<f64>| {
                rows.push(MetricRow {
                    product: product.name().to_string(),
                    kind: product.kind(),
                    metric,
                    unit,
                    summary,
                    analytic,
                });
            };
        let column = |f: &dyn Fn(&ProductTotals) -> f64| totals.iter().map(f).collect::<Vec<f64>>();
        let of = |f: &dyn Fn(&ProductTotals) -> f64| Summary::of(&column(f));

        push(
            "covered".into(),
            "orders",
            of(&|t| t.covered as f64),
            exp.map(|e| e.covered),
        );
        push(
            "ineligible".into(),
            "orders",
            of(&|t| t.ineligible as f64),
            exp.map(|e| e.ineligible),
        );
        push(
            "exposure_eur".into(),
            "EUR",
            of(&|t| t.exposure.to_eur()),
            exp.map(|e| e.exposure_eur),
        );
        push(
            "premium_eur".into(),
            "EUR",
            of(&|t| t.premium.to_eur()),
            exp.map(|e| e.premium_eur),
        );
        push(
            "claims_eur".into(),
            "EUR",
            of(&|t| t.claims().to_eur()),
            exp.map(|e| e.claims_total_eur()),
        );
        for (k, peril) in product.perils().iter().enumerate() {
            push(
                format!("{peril}_count"),
                "claims",
                of(&|t| t.perils[k].count as f64),
                exp.map(|e| e.claim_counts[k]),
            );
            push(
                format!("{peril}_eur"),
                "EUR",
                of(&|t| t.perils[k].amount.to_eur()),
                exp.map(|e| e.claims_eur[k]),
            );
        }
        push(
            "rejected_count".into(),
            "claims",
            of(&|t| t.rejected as f64),
            None,
        );
        push("ibnr_eur".into(), "EUR", of(&|t| t.ibnr.to_eur()), None);

        // Per-path loss ratios; paths with no premium have none and are left out (n says so).
        let ratios: Vec<f64> = totals
            .iter()
            .map(|t| t.loss_ratio())
            .filter(|x| !x.is_nan())
            .collect();
        push("loss_ratio".into(), "ratio", Summary::of(&ratios), None);
        let (lr, se) = stats::ratio_of_means(
            &column(&|t| t.claims().to_eur()),
            &column(&|t| t.premium.to_eur()),
        );
        push(
            "portfolio_loss_ratio".into(),
            "ratio",
            point(totals.len() as u64, lr, se),
            exp.map(|e| e.loss_ratio()),
        );
        let (p, se) = stats::exceedance(&ratios, 1.0);
        push(
            "p_loss_ratio_above_1".into(),
            "probability",
            point(ratios.len() as u64, p, se),
            None,
        );
    }
    rows
}
