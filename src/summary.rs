//! From per-path results to the rows of `summary.parquet`: for each product and metric, the
//! distribution over paths (mean, sd, Monte Carlo standard error, quantiles, TVaR) beside the
//! analytic expectation where a closed form exists; for each company with a guarantee frame,
//! its saturation and insolvency figures.

use crate::analytic;
use crate::engine::{Model, PathResult};
use crate::money::Cents;
use crate::products::{Product, ProductTotals};
use crate::stats::{self, Summary};
use crate::store::{FrameField, Line, LineField, StoredPaths};
use anyhow::Result;
use rayon::prelude::*;
use std::cell::{RefCell, RefMut};
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

/// [`summarise_stored`] of results held in memory (tests, small runs).
pub fn summarise(model: &Model, results: &[PathResult]) -> Vec<MetricRow> {
    summarise_stored(
        model,
        &StoredPaths::in_memory(results, crate::store::Layout::of(model)),
    )
    .expect("paths in memory are always readable")
}

/// Summarises every product's metrics (and those of its segments), then every frame company's,
/// over the stored paths. Each metric reads its own column(s) from the store, so a piece of
/// the summary (a line, a treaty, a company) holds one or two columns of `8 × paths` bytes,
/// whatever the number of products and segments; pieces run side by side on the current rayon
/// pool within [`COLUMN_BUDGET`], their rows in the same order as one after another.
pub fn summarise_stored(model: &Model, paths: &StoredPaths) -> Result<Vec<MetricRow>> {
    let constants = paths.constants()?;
    let units = Unit::all(model);
    let rows = in_parallel_within(
        COLUMN_BUDGET,
        piece_bytes(model, paths.len()),
        &units,
        |u| u.rows(model, (paths, &constants)),
    )?;
    rows.into_iter()
        .collect::<Result<Vec<Vec<MetricRow>>>>()
        .map(|r| r.concat())
}

/// The most memory one piece of the summary (a line, a treaty, a frame company) holds at
/// once: its columns of `paths` paths.
pub fn piece_bytes(model: &Model, paths: u64) -> usize {
    let per_path = Unit::all(model).into_iter().map(Unit::bytes_per_path).max();
    per_path.unwrap_or(0).saturating_mul(paths as usize)
}

/// Memory the summary's columns may take at once, over the units summarised side by side:
/// a unit holds one or two columns of the paths (8 bytes a path each), so a run of 10^6
/// paths summarises up to 16 lines at once, one of 10^7 one line at a time, as with one
/// thread.
pub const COLUMN_BUDGET: usize = 256 << 20;

/// `f` of every item on the current rayon pool, each on one thread, and at most as many at
/// once as keep `bytes` each within `budget`; results in the items' order. The same results
/// as one after another: each item's `f` runs alone, only the items run side by side.
pub fn in_parallel_within<T: Sync, R: Send>(
    budget: usize,
    bytes: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync + Send,
) -> Result<Vec<R>> {
    let threads = rayon::current_num_threads();
    let width = (budget / bytes.max(1)).clamp(1, threads);
    if width == 1 || items.len() < 2 {
        return Ok(items.iter().map(f).collect());
    }
    let run = || items.par_iter().with_max_len(1).map(&f).collect();
    if width == threads {
        return Ok(run());
    }
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(width)
        .build()?
        .install(run))
}

/// What the summary computes in one piece, reading its own columns: a product's line (and its
/// treaty) or a segment's, the portfolio's treaty, a guarantee-frame company.
#[derive(Clone, Copy)]
enum Unit {
    Product(usize),
    Treaty(usize),
    Segment { product: usize, segment: usize },
    Portfolio,
    Frame(usize),
}

impl Unit {
    /// Every unit of `model`, in the order of the summary's rows.
    fn all(model: &Model) -> Vec<Unit> {
        let mut units = Vec::new();
        for pi in 0..model.products().len() {
            units.push(Unit::Product(pi));
            if model.treaty(pi).is_some() {
                units.push(Unit::Treaty(pi));
            }
            units.extend(model.segment_range(pi).map(|segment| Unit::Segment {
                product: pi,
                segment,
            }));
        }
        if model.portfolio_treaty().is_some() {
            units.push(Unit::Portfolio);
        }
        units.extend((0..model.frames().len()).map(Unit::Frame));
        units
    }

    /// The most memory a unit holds, in bytes per path: a line its stored words and their
    /// values; a treaty each path's cession and three columns beside it.
    fn bytes_per_path(self) -> usize {
        let ceded = std::mem::size_of::<(Cents, Cents, crate::reinsurance::Ceded)>();
        match self {
            Unit::Product(_) | Unit::Segment { .. } | Unit::Frame(_) => 16,
            Unit::Treaty(_) => ceded + 24,
            Unit::Portfolio => ceded + 40,
        }
    }

    fn rows(
        self,
        model: &Model,
        (paths, constants): (&StoredPaths, &crate::store::Constants),
    ) -> Result<Vec<MetricRow>> {
        let mut rows = Vec::new();
        let products = model.products();
        match self {
            Unit::Product(pi) => product_rows(
                &mut rows,
                &products[pi],
                None,
                (paths, constants),
                Line::Product(pi),
                &analytic::product_metrics(model, pi),
            )?,
            Unit::Treaty(pi) => {
                if let Some(treaty) = model.treaty(pi) {
                    let expected = analytic::product_metrics(model, pi);
                    let line = Line::Product(pi);
                    reinsurance_rows(&mut rows, &products[pi], treaty, paths, line, &expected)?
                }
            }
            Unit::Segment { product, segment } => product_rows(
                &mut rows,
                &products[product],
                Some(&model.segments()[segment].name),
                (paths, constants),
                Line::Segment(segment),
                &analytic::segment_metrics(model, segment),
            )?,
            Unit::Portfolio => {
                if let Some(treaty) = model.portfolio_treaty() {
                    portfolio_reinsurance_rows(&mut rows, model, treaty, paths)?
                }
            }
            Unit::Frame(c) => frame_rows(&mut rows, model, paths, c)?,
        }
        Ok(rows)
    }
}

/// The rows of frame company `c`: its frame, saturation, insolvency and, under a raise
/// policy, the raises and what stays uncovered.
fn frame_rows(
    rows: &mut Vec<MetricRow>,
    model: &Model,
    paths: &StoredPaths,
    c: usize,
) -> Result<()> {
    let n = paths.len();
    let layout = *paths.layout();
    let f = &model.frames()[c];
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
    let column = |field: FrameField, g: fn(i64) -> f64| -> Result<Vec<f64>> {
        Ok(paths
            .words(layout.frame_word(c, field))?
            .into_iter()
            .map(g)
            .collect())
    };
    let money = |field: FrameField| column(field, |x| Cents(x).to_eur()).map(Summary::of_owned);
    // A count's summary and the probability that it is above zero.
    let counted = |field: FrameField| -> Result<(Summary, (f64, f64))> {
        let v = column(field, |x| x as f64)?;
        let above = stats::exceedance(&v, 0.0);
        Ok((Summary::of_owned(v), above))
    };
    push("frame_eur", "EUR", point(n, f.frame.to_eur(), 0.0));
    push("peak_eur", "EUR", money(FrameField::Peak)?);
    let (days_over, (p, se)) = counted(FrameField::DaysOver)?;
    push("days_over_frame", "days", days_over);
    push("max_excess_eur", "EUR", money(FrameField::MaxExcess)?);
    push("p_saturation", "probability", point(n, p, se));
    let defaults = column(FrameField::DefaultDay, |d| (d >= 0) as u8 as f64)?;
    let (p, se) = stats::exceedance(&defaults, 0.5);
    push("p_insolvency", "probability", point(n, p, se));
    push(
        "insolvency_loss_eur",
        "EUR",
        money(FrameField::InsolvencyLoss)?,
    );
    if f.raise.is_some() {
        let (raises, (p, se)) = counted(FrameField::Raises)?;
        push("raises", "count", raises);
        push("p_raise", "probability", point(n, p, se));
        push("final_frame_eur", "EUR", money(FrameField::FinalFrame)?);
        let (over, (p, se)) = counted(FrameField::DaysOverRaised)?;
        push("days_over_raised_frame", "days", over);
        push("p_uncovered", "probability", point(n, p, se));
        push("uncovered_excess_eur", "EUR", money(FrameField::Uncovered)?);
    }
    Ok(())
}

/// What [`ProductTotals::claims`], [`ProductTotals::net_claims`], [`ProductTotals::loss_ratio`]
/// and [`ProductTotals::paid_loss_ratio`] read.
pub(crate) const MONEY: [LineField; 7] = [
    LineField::PerilAmount(0),
    LineField::PerilAmount(1),
    LineField::PerilAmount(2),
    LineField::PerilAmount(3),
    LineField::Recoveries,
    LineField::Premium,
    LineField::Outstanding,
];

const _: () = assert!(
    crate::products::MAX_PERILS == 4,
    "MONEY names every peril slot"
);

/// What [`crate::reinsurance::Treaty::cede_totals`] reads: [`MONEY`] and the occurrences'
/// excess-of-loss layer losses.
const TREATY: [LineField; 7 + crate::products::MAX_XL_LAYERS] = {
    let mut fields = [LineField::Premium; 7 + crate::products::MAX_XL_LAYERS];
    let mut i = 0;
    while i < fields.len() {
        fields[i] = if i < MONEY.len() {
            MONEY[i]
        } else {
            LineField::OccurrenceLayer(i - MONEY.len())
        };
        i += 1;
    }
    fields
};

/// The rows of a product's result after its reinsurance treaty, path by path: what it cedes
/// (premium, commission, claims, the stop-loss's part) and what it keeps, with the loss ratio
/// after reinsurance per path, over the portfolio and P(> 100 %). The closed forms come with
/// `expected` (a quota share's, [`analytic::product_metrics`]).
fn reinsurance_rows(
    rows: &mut Vec<MetricRow>,
    product: &Product,
    treaty: &crate::reinsurance::Treaty,
    paths: &StoredPaths,
    line: Line,
    expected: &BTreeMap<String, f64>,
) -> Result<()> {
    let per_path = paths.map_line_fields(line, &TREATY, |t| {
        (t.premium, t.net_claims(), treaty.cede_totals(t))
    })?;
    treaty_rows(
        rows,
        (product.name(), product.kind()),
        treaty,
        &per_path,
        expected,
    );
    Ok(())
}

/// The rows of the portfolio's treaty (`[portfolio_reinsurance]`): it protects what the
/// products keep after their own treaties, summed path by path; the rows' product is
/// `portfolio`, with the premium and net claims it protects.
fn portfolio_reinsurance_rows(
    rows: &mut Vec<MetricRow>,
    model: &Model,
    treaty: &crate::reinsurance::Treaty,
    paths: &StoredPaths,
) -> Result<()> {
    let n = paths.len() as usize;
    let (mut premium, mut claims) = (vec![Cents::ZERO; n], vec![Cents::ZERO; n]);
    for pi in 0..model.products().len() {
        let own = model.treaty(pi);
        let kept = paths.map_line_fields(Line::Product(pi), &TREATY, |t| match own {
            Some(o) => {
                let c = o.cede_totals(t);
                (c.net_premium(t.premium), c.net_claims(t.net_claims()))
            }
            None => (t.premium, t.net_claims()),
        })?;
        for (i, (p, c)) in kept.into_iter().enumerate() {
            premium[i] += p;
            claims[i] += c;
        }
    }
    let unit = |metric: &str, values: &[Cents]| MetricRow {
        product: crate::reinsurance::PORTFOLIO_LINE.into(),
        kind: crate::reinsurance::PORTFOLIO_LINE,
        company: None,
        segment: None,
        metric: metric.into(),
        unit: "EUR",
        summary: Summary::of_owned(values.iter().map(|c| c.to_eur()).collect()),
        analytic: None,
    };
    rows.push(unit("premium_eur", &premium));
    rows.push(unit("net_claims_eur", &claims));
    let per_path: Vec<(Cents, Cents, crate::reinsurance::Ceded)> = premium
        .into_iter()
        .zip(claims)
        .map(|(p, c)| (p, c, treaty.cede(p, c, &[])))
        .collect();
    treaty_rows(
        rows,
        (
            crate::reinsurance::PORTFOLIO_LINE,
            crate::reinsurance::PORTFOLIO_LINE,
        ),
        treaty,
        &per_path,
        &BTreeMap::new(),
    );
    Ok(())
}

/// The rows of a treaty from each path's (premium, net claims, what it cedes).
fn treaty_rows(
    rows: &mut Vec<MetricRow>,
    (name, kind): (&str, &'static str),
    treaty: &crate::reinsurance::Treaty,
    per_path: &[(Cents, Cents, crate::reinsurance::Ceded)],
    expected: &BTreeMap<String, f64>,
) {
    let n = per_path.len() as u64;
    let mut push = |metric: &'static str, unit: &'static str, summary: Summary| {
        rows.push(MetricRow {
            product: name.into(),
            kind,
            company: None,
            segment: None,
            metric: metric.into(),
            unit,
            summary,
            analytic: expected.get(metric).copied(),
        });
    };
    let eur = |f: &dyn Fn(&(Cents, Cents, crate::reinsurance::Ceded)) -> Cents| {
        Summary::of_owned(per_path.iter().map(|x| f(x).to_eur()).collect())
    };
    push("ceded_premium_eur", "EUR", eur(&|x| x.2.premium));
    push("ceding_commission_eur", "EUR", eur(&|x| x.2.commission));
    push("ceded_claims_eur", "EUR", eur(&|x| x.2.claims));
    if !treaty.excess_of_loss.is_empty() {
        push("xl_claims_eur", "EUR", eur(&|x| x.2.xl_claims));
        push(
            "reinstatement_premium_eur",
            "EUR",
            eur(&|x| x.2.reinstatement_premium),
        );
    }
    if treaty.stop_loss.is_some() {
        push(
            "stop_loss_claims_eur",
            "EUR",
            eur(&|x| x.2.stop_loss_claims),
        );
    }
    let premium: Vec<f64> = (per_path.iter())
        .map(|(p, _, c)| c.net_premium(*p).to_eur())
        .collect();
    let claims: Vec<f64> = (per_path.iter())
        .map(|(_, s, c)| c.net_claims(*s).to_eur())
        .collect();
    let (lr, se) = stats::ratio_of_means(&claims, &premium);
    let ratios: Vec<f64> = (per_path.iter())
        .map(|(p, s, c)| c.loss_ratio(*p, *s))
        .filter(|x| !x.is_nan())
        .collect();
    let (p1, p1_se) = stats::exceedance(&ratios, 1.0);
    let n_ratios = ratios.len() as u64;
    push(
        "premium_after_reinsurance_eur",
        "EUR",
        Summary::of_owned(premium),
    );
    push(
        "net_claims_after_reinsurance_eur",
        "EUR",
        Summary::of_owned(claims),
    );
    push(
        "loss_ratio_after_reinsurance",
        "ratio",
        Summary::of_owned(ratios),
    );
    push(
        "portfolio_loss_ratio_after_reinsurance",
        "ratio",
        point(n, lr, se),
    );
    push(
        "p_loss_ratio_after_reinsurance_above_1",
        "probability",
        point(n_ratios, p1, p1_se),
    );
}

/// The rows of one product, or of one of its segments, from its stored per-path totals.
fn product_rows(
    rows: &mut Vec<MetricRow>,
    product: &Product,
    segment: Option<&str>,
    (paths, constants): (&StoredPaths, &crate::store::Constants),
    line: Line,
    expected: &BTreeMap<String, f64>,
) -> Result<()> {
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
    // One stored field as counts or as EUR; a constant column without reading it. The
    // columns are read into two buffers kept from metric to metric.
    let n = paths.len() as usize;
    let (words, values) = (RefCell::new(Vec::new()), RefCell::new(Vec::new()));
    let field = |field: LineField, g: fn(i64) -> f64| -> Result<Summary> {
        let j = paths.layout().line_word(line, field);
        if let Some(s) = constants.word(j).and_then(|x| Summary::of_copies(g(x), n)) {
            return Ok(s);
        }
        let (mut w, mut v) = (words.borrow_mut(), values.borrow_mut());
        paths.words_into(j, &mut w)?;
        v.clear();
        v.extend(w.iter().map(|&x| g(x)));
        Ok(Summary::of_mut(&mut v))
    };
    let count = |f: LineField| field(f, |x| x as f64);
    let eur = |f: LineField| field(f, |x| Cents(x).to_eur());
    // Claims, net claims and the loss ratios, from the 7 words they are made of.
    let derived = |f: fn(&ProductTotals) -> f64| -> Result<RefMut<'_, Vec<f64>>> {
        let mut v = values.borrow_mut();
        match constants.line_fields(line, &MONEY) {
            Some(t) => {
                v.clear();
                v.resize(n, f(&t));
            }
            None => paths.map_line_fields_into(line, &MONEY, f, &mut v)?,
        }
        Ok(v)
    };

    let unit = product.exposure_unit();
    push("covered".into(), unit, count(LineField::Covered)?);
    push("ineligible".into(), unit, count(LineField::Ineligible)?);
    push("exposure_eur".into(), "EUR", eur(LineField::Exposure)?);
    push("premium_eur".into(), "EUR", eur(LineField::Premium)?);
    push(
        "claims_eur".into(),
        "EUR",
        Summary::of_mut(&mut derived(|t| t.claims().to_eur())?),
    );
    for (k, peril) in product.perils().iter().enumerate() {
        push(
            format!("{peril}_count"),
            "claims",
            count(LineField::PerilCount(k))?,
        );
        push(
            format!("{peril}_eur"),
            "EUR",
            eur(LineField::PerilAmount(k))?,
        );
    }
    push(
        "rejected_count".into(),
        "claims",
        count(LineField::Rejected)?,
    );
    push("ibnr_eur".into(), "EUR", eur(LineField::Ibnr)?);
    push(
        "outstanding_eur".into(),
        "EUR",
        eur(LineField::Outstanding)?,
    );
    push("recoveries_eur".into(), "EUR", eur(LineField::Recoveries)?);
    // The portfolio loss ratio from two passes over the stored paths, so that no two columns
    // are held at once (80 MB each at 10^7 paths).
    // A line whose money is the same on every path hands the same pair n times, without
    // reading the store.
    let constant = constants.line_fields(line, &MONEY);
    let (lr, se) = stats::ratio_of_means_by(|f| match &constant {
        Some(t) => {
            let (y, x) = (t.net_claims().to_eur(), t.premium.to_eur());
            (0..n).for_each(|_| f(y, x));
            Ok(())
        }
        None => paths.for_each_line_fields(line, &MONEY, |t| {
            f(t.net_claims().to_eur(), t.premium.to_eur())
        }),
    })?;
    let net = Summary::of_mut(&mut derived(|t| t.net_claims().to_eur())?);
    push("net_claims_eur".into(), "EUR", net);
    push("retained_eur".into(), "EUR", eur(LineField::Retained)?);
    if product.exposure_unit() == "orders" {
        // Sold on the shops' order streams: the claims that share an order with another cover.
        push(
            "shared_claims_count".into(),
            "claims",
            count(LineField::SharedClaims)?,
        );
    }
    if product.has_contract_life() {
        // Contracts that end within the horizon: the premium they refund, and (on the
        // product's line) how many ended and how many the insurer terminated.
        push("refunds_eur".into(), "EUR", eur(LineField::Refunds)?);
        if segment.is_none() {
            push(
                "contracts_ended_count".into(),
                "contracts",
                count(LineField::ContractsEnded)?,
            );
            push(
                "terminated_count".into(),
                "contracts",
                count(LineField::Terminated)?,
            );
        }
    }
    if let Some(cs) = product.case_stage() {
        // Per path, over its cases (paths without cases have no ratio and are left out).
        let per_case = |f: fn(&ProductTotals) -> f64| -> Result<Summary> {
            let v: Vec<f64> = paths.map_line(line, f)?;
            Ok(Summary::of_owned(
                v.into_iter().filter(|x| !x.is_nan()).collect(),
            ))
        };
        let stage = cs.stage;
        push(
            format!("{stage}_settled_count"),
            cs.cases,
            count(LineField::Settled)?,
        );
        push(
            format!("{stage}_abandoned_count"),
            cs.cases,
            count(LineField::Abandoned)?,
        );
        push(
            format!("{stage}_settled_share"),
            "ratio",
            per_case(|t| t.settled as f64 / t.perils[0].count as f64)?,
        );
        push(
            format!("{stage}_days_mean"),
            "days",
            per_case(ProductTotals::mean_stage_days)?,
        );
        push(
            format!("{}_per_million", cs.cases),
            cs.cases,
            per_case(|t| 1e6 * t.perils[0].count as f64 / t.covered as f64)?,
        );
    }

    // Per-path loss ratios; paths with no premium have none and are left out (n says so).
    let mut ratios = derived(ProductTotals::loss_ratio)?;
    ratios.retain(|x| !x.is_nan());
    let (p, p_se) = stats::exceedance(&ratios, 1.0);
    let n_ratios = ratios.len() as u64;
    let summary = Summary::of_mut(&mut ratios);
    drop(ratios);
    push("loss_ratio".into(), "ratio", summary);
    let mut paid = derived(ProductTotals::paid_loss_ratio)?;
    paid.retain(|x| !x.is_nan());
    let summary = Summary::of_mut(&mut paid);
    drop(paid);
    push("paid_loss_ratio".into(), "ratio", summary);
    push(
        "portfolio_loss_ratio".into(),
        "ratio",
        point(paths.len(), lr, se),
    );
    push(
        "p_loss_ratio_above_1".into(),
        "probability",
        point(n_ratios, p, p_se),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `in_parallel_within` on a pool of `threads`: the results, and the most items that ran
    /// at once.
    fn run(threads: usize, budget: usize, bytes: usize) -> (Vec<u64>, usize) {
        let items: Vec<u64> = (0..24).collect();
        let (now, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let pool = crate::engine::pool(threads).expect("a pool");
        let out = pool
            .install(|| {
                in_parallel_within(budget, bytes, &items, |&x| {
                    let at_once = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(at_once, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    now.fetch_sub(1, Ordering::SeqCst);
                    x * x
                })
            })
            .expect("runs");
        (out, most.into_inner())
    }

    #[test]
    fn items_side_by_side_keep_their_order_and_the_memory_budget() {
        let squares: Vec<u64> = (0..24u64).map(|x| x * x).collect();
        // Room for 2 of 4 threads' items: never more than 2 at once.
        let (out, most) = run(4, 200, 100);
        assert_eq!(out, squares);
        assert!(most <= 2, "{most} items at once within a budget of 2");
        // Room for every thread: up to 4 at once, the same results.
        let (out, most) = run(4, 1 << 20, 100);
        assert_eq!(out, squares);
        assert!(most <= 4, "{most} items at once on 4 threads");
        // An item larger than the budget still runs, alone.
        let (out, most) = run(4, 50, 100);
        assert_eq!(out, squares);
        assert_eq!(most, 1);
    }
}
