//! Process risk and parameter risk: the split of a figure's variance over paths.
//!
//! Where a scenario writes values as distributions ([`crate::scenario::uncertain`]), each path
//! draws its own parameters θ and then its own claims given θ. The spread of a figure X over
//! paths (a product's claims, its premium, its loss ratio) then has two sources, by the law of
//! total variance:
//!
//! ```text
//! Var(X) = E[Var(X | θ)]  +  Var(E[X | θ])
//!          process risk      parameter risk
//! ```
//!
//! **The per-path estimator.** Each path has one draw of θ, so the two parts cannot be told
//! apart by repeating paths under one θ (an outer/inner design, which would also make the
//! paths of one θ dependent and every standard error of the summary wrong). Instead the
//! engine's closed forms give each path's conditional mean `μ_p = E[X | θ_p]` exactly (the
//! `analytic` expectations of [`crate::analytic`], evaluated under the path's own draw), and
//! over the n paths:
//!
//! * parameter variance: the sample variance of `μ_p`, unbiased for `Var(E[X | θ])`;
//! * process variance: the mean of `(X_p − μ_p)²`, unbiased for `E[Var(X | θ)]`, since
//!   `E[(X − μ(θ))² | θ] = Var(X | θ)`;
//!
//! each with the standard error of a mean of its squared terms. Their sum estimates the total
//! variance, the sample variance of X, without being forced to equal it: the gap is Monte
//! Carlo noise, and the table shows both. The mean of `μ_p` is the closed-form expectation of
//! X under parameter risk (`E[E[X | θ]]`), which the summary's `analytic` column carries in
//! place of the closed form at the central values.
//!
//! The split exists for the figures with a closed form: covered units, premium, claims, net
//! claims and each peril's claim count, per product and (with several products) for their sum.
//! The loss ratio's split is that of its linearisation `(N_p − R·P_p) / E[P]` around the
//! portfolio loss ratio `R = E[N] / E[P]` (net claims N, premium P), whose conditional mean
//! follows from those of N and P: a first-order split, exact when the premium does not vary.

use crate::analytic;
use crate::engine::Model;
use crate::products::ProductTotals;
use crate::stats::Moments;
use crate::store::{Line, LineField, StoredPaths};
use anyhow::Result;
use rayon::prelude::*;

/// One figure's variance split.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// The product's name, or `portfolio` for the sum of every product.
    pub line: String,
    /// The summary's metric name (`claims_eur`, `dispute_count`, `loss_ratio`, ...).
    pub metric: String,
    pub unit: &'static str,
    /// Paths the split is estimated over.
    pub paths: u64,
    /// Mean of the figure over paths.
    pub mean: f64,
    /// The closed-form expectation under parameter risk, the mean of the paths' conditional
    /// means, with its standard error.
    pub closed_form_mean: f64,
    pub closed_form_mean_se: f64,
    /// Sample variance of the figure over paths.
    pub var_total: f64,
    /// `E[Var(X | θ)]`, with its standard error.
    pub var_process: f64,
    pub var_process_se: f64,
    /// `Var(E[X | θ])`, with its standard error.
    pub var_parameter: f64,
    pub var_parameter_se: f64,
}

impl Split {
    /// The share of the variance that parameter risk carries, of process plus parameter.
    pub fn parameter_share(&self) -> f64 {
        self.var_parameter / (self.var_parameter + self.var_process)
    }

    /// The split of `x` (the figure per path) with conditional means `mu` (same length).
    pub fn of(line: &str, metric: &str, unit: &'static str, x: &[f64], mu: &[f64]) -> Split {
        let n = x.len().min(mu.len());
        let (x, mu) = (&x[..n], &mu[..n]);
        let of = |v: &mut dyn Iterator<Item = f64>| v.collect::<Moments>();
        let (xs, mus) = (of(&mut x.iter().copied()), of(&mut mu.iter().copied()));
        let (mx, mm) = (xs.mean(), mus.mean());
        // The parameter variance is the conditional means' sample variance; its standard
        // error is that of the mean of their squared deviations, scaled the same way.
        let unbiased = n as f64 / (n as f64 - 1.0);
        let parameter = of(&mut mu.iter().map(|v| (v - mm) * (v - mm)));
        let process = of(&mut x.iter().zip(mu).map(|(a, b)| (a - b) * (a - b)));
        let var_parameter = mus.variance();
        Split {
            line: line.to_string(),
            metric: metric.to_string(),
            unit,
            paths: n as u64,
            mean: mx,
            closed_form_mean: mm,
            closed_form_mean_se: mus.standard_error(),
            var_total: xs.variance(),
            var_process: process.mean(),
            var_process_se: process.standard_error(),
            var_parameter,
            var_parameter_se: unbiased * parameter.standard_error(),
        }
    }
}

/// A figure of a product line: its metric name, unit, and where its per-path value is read.
struct Figure {
    metric: String,
    unit: &'static str,
    source: Source,
}

/// Where a figure's per-path value comes from.
#[derive(Clone, Copy)]
enum Source {
    /// Computed from a path's totals.
    Totals(fn(&ProductTotals) -> f64),
    /// The claim count of the peril in this slot.
    PerilCount(usize),
}

fn figures(model: &Model, pi: usize) -> Vec<Figure> {
    let product = &model.products()[pi];
    let mut f = vec![
        Figure {
            metric: "covered".into(),
            unit: product.exposure_unit(),
            source: Source::Totals(|t| t.covered as f64),
        },
        Figure {
            metric: "premium_eur".into(),
            unit: "EUR",
            source: Source::Totals(|t| t.premium.to_eur()),
        },
        Figure {
            metric: "claims_eur".into(),
            unit: "EUR",
            source: Source::Totals(|t| t.claims().to_eur()),
        },
        Figure {
            metric: "net_claims_eur".into(),
            unit: "EUR",
            source: Source::Totals(|t| t.net_claims().to_eur()),
        },
    ];
    for (k, peril) in product.perils().iter().enumerate() {
        f.push(Figure {
            metric: format!("{peril}_count"),
            unit: "claims",
            source: Source::PerilCount(k),
        });
    }
    f
}

/// Each path's closed-form means of each product's figures under its own draw.
pub struct ConditionalMeans {
    /// Per product, the figures with a closed form (at the central values).
    figures: Vec<Vec<Figure>>,
    /// Per path, per product, per figure: `E[X | θ_p]`.
    per_path: Vec<Vec<Vec<f64>>>,
}

impl ConditionalMeans {
    /// The conditional means of the paths `paths` of a run with `seed`, in parallel on the
    /// current rayon pool: one model and its closed forms per path.
    pub fn over(model: &Model, seed: u64, paths: std::ops::Range<u64>) -> Result<Self> {
        let products = model.products().len();
        let figures: Vec<Vec<Figure>> = (0..products)
            .map(|pi| {
                let m = analytic::product_metrics(model, pi);
                figures(model, pi)
                    .into_iter()
                    .filter(|f| m.contains_key(&f.metric))
                    .collect()
            })
            .collect();
        let per_path = paths
            .into_par_iter()
            .map(|p| -> Result<Vec<Vec<f64>>> {
                let drawn = model.drawn(seed, p)?;
                let m = drawn.as_ref().unwrap_or(model);
                Ok((0..products)
                    .map(|pi| {
                        let e = analytic::product_metrics(m, pi);
                        figures[pi]
                            .iter()
                            .map(|f| e.get(&f.metric).copied().unwrap_or(f64::NAN))
                            .collect()
                    })
                    .collect())
            })
            .collect::<Result<_>>()?;
        Ok(ConditionalMeans { figures, per_path })
    }

    /// The metric names of product `pi`'s figures, with their units.
    pub fn metrics(&self, pi: usize) -> impl Iterator<Item = (&str, &'static str)> {
        self.figures[pi].iter().map(|f| (f.metric.as_str(), f.unit))
    }

    /// Figure `k` of product `pi` over the paths.
    pub fn values(&self, pi: usize, k: usize) -> Vec<f64> {
        self.per_path.iter().map(|r| r[pi][k]).collect()
    }
}

/// The splits of every product's figures that have a closed form, then of the portfolio's
/// (with several products), over the stored paths of a run with `seed`. Empty without
/// parameter risk. The conditional means are computed in parallel on the current rayon pool,
/// one model per path (each path's own draw), which costs what building the model and its
/// closed forms costs, once per path.
pub fn splits(model: &Model, seed: u64, paths: &StoredPaths) -> Result<Vec<Split>> {
    if model.uncertain().is_empty() || paths.len() < 2 {
        return Ok(Vec::new());
    }
    let products = model.products();
    let conditional = ConditionalMeans::over(model, seed, paths.range())?;
    let central = &conditional.figures;
    let mu = |pi: usize, k: usize| conditional.values(pi, k);

    let fields: Vec<LineField> = [LineField::Covered, LineField::Premium]
        .into_iter()
        .chain(crate::summary::MONEY)
        .collect();
    let mut out = Vec::new();
    let mut portfolio: Vec<(String, &'static str, Vec<f64>, Vec<f64>)> = Vec::new();
    for (pi, product) in products.iter().enumerate() {
        let line = Line::Product(pi);
        let mut net_premium: [Option<(Vec<f64>, Vec<f64>)>; 2] = [None, None];
        for (k, f) in central[pi].iter().enumerate() {
            let x: Vec<f64> = match f.source {
                Source::PerilCount(slot) => paths
                    .line_column(line, LineField::PerilCount(slot))?
                    .into_iter()
                    .map(|c| c as f64)
                    .collect(),
                Source::Totals(value) => paths.map_line_fields(line, &fields, value)?,
            };
            let m = mu(pi, k);
            out.push(Split::of(product.name(), &f.metric, f.unit, &x, &m));
            match f.metric.as_str() {
                "net_claims_eur" => net_premium[0] = Some((x.clone(), m.clone())),
                "premium_eur" => net_premium[1] = Some((x.clone(), m.clone())),
                _ => {}
            }
            if matches!(f.source, Source::Totals(_)) && f.metric != "covered" {
                match portfolio.iter_mut().find(|(name, ..)| name == &f.metric) {
                    Some((_, _, px, pm)) => {
                        px.iter_mut().zip(&x).for_each(|(a, b)| *a += b);
                        pm.iter_mut().zip(&m).for_each(|(a, b)| *a += b);
                    }
                    None => portfolio.push((f.metric.clone(), f.unit, x, m)),
                }
            }
        }
        if let [Some(net), Some(premium)] = net_premium {
            out.push(loss_ratio(product.name(), &net, &premium));
        }
    }
    if products.len() > 1 {
        let find = |name: &str| portfolio.iter().find(|(n, ..)| n == name);
        let lr = match (find("net_claims_eur"), find("premium_eur")) {
            (Some((_, _, nx, nm)), Some((_, _, px, pm))) => Some(loss_ratio(
                "portfolio",
                &(nx.clone(), nm.clone()),
                &(px.clone(), pm.clone()),
            )),
            _ => None,
        };
        for (metric, unit, x, m) in &portfolio {
            out.push(Split::of("portfolio", metric, unit, x, m));
        }
        out.extend(lr);
    }
    Ok(out)
}

/// The split of the loss ratio's linearisation `(N − R·P) / E[P]` (module doc).
fn loss_ratio(line: &str, net: &(Vec<f64>, Vec<f64>), premium: &(Vec<f64>, Vec<f64>)) -> Split {
    let n = net.0.len() as f64;
    let mean_p = premium.0.iter().sum::<f64>() / n;
    let r = net.0.iter().sum::<f64>() / n / mean_p;
    let lin = |a: &[f64], b: &[f64]| -> Vec<f64> {
        a.iter()
            .zip(b)
            .map(|(x, p)| r + (x - r * p) / mean_p)
            .collect()
    };
    Split::of(
        line,
        "loss_ratio",
        "ratio",
        &lin(&net.0, &premium.0),
        &lin(&net.1, &premium.1),
    )
}

/// The summary rows of a run's stored paths and, under parameter risk, the splits of its
/// figures, the summary's `analytic` column set by [`set_analytic`].
pub fn summarise(
    model: &Model,
    seed: u64,
    paths: &StoredPaths,
) -> Result<(Vec<crate::summary::MetricRow>, Vec<Split>)> {
    let mut rows = crate::summary::summarise_stored(model, paths)?;
    let splits = splits(model, seed, paths)?;
    set_analytic(&mut rows, &splits);
    Ok((rows, splits))
}

/// Replaces the summary's `analytic` column where parameter risk makes the closed form at the
/// central values the wrong reference: a product total with a split gets the closed-form
/// mean under parameter risk; every other row of a product (and its segments) has none.
pub fn set_analytic(rows: &mut [crate::summary::MetricRow], splits: &[Split]) {
    if splits.is_empty() {
        return;
    }
    for row in rows.iter_mut().filter(|r| r.company.is_none()) {
        row.analytic = if row.segment.is_none() {
            splits
                .iter()
                .find(|s| {
                    s.line == row.product && s.metric == row.metric && s.metric != "loss_ratio"
                })
                .map(|s| s.closed_form_mean)
        } else {
            None
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X = θ + ε with θ and ε independent: the split finds Var θ and Var ε.
    #[test]
    fn the_split_recovers_known_parameter_and_process_variances() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        let mut rng = crate::rng::PathRng::seed_from_u64(3);
        let (theta, eps) = (
            Normal::new(10.0, 2.0).unwrap(),
            Normal::new(0.0, 1.0).unwrap(),
        );
        let n = 40_000;
        let mu: Vec<f64> = (0..n).map(|_| theta.sample(&mut rng)).collect();
        let x: Vec<f64> = mu.iter().map(|m| m + eps.sample(&mut rng)).collect();
        let s = Split::of("p", "x", "EUR", &x, &mu);
        assert!(
            (s.var_parameter - 4.0).abs() < 4.0 * s.var_parameter_se,
            "{s:?}"
        );
        assert!(
            (s.var_process - 1.0).abs() < 4.0 * s.var_process_se,
            "{s:?}"
        );
        assert!((s.parameter_share() - 0.8).abs() < 0.02);
        assert!((s.var_total - 5.0).abs() < 0.2);
        assert!((s.closed_form_mean - 10.0).abs() < 4.0 * s.closed_form_mean_se);
    }
}
