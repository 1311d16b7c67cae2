//! Frame tables: `frame_daily.parquet` (company × day bands over paths, with the analytic mean
//! beside them), `frame_paths.parquet` (one row per path and company) and
//! `frame_recommendation.csv` (the frame each company needs).

use crate::analytic;
use crate::engine::{Model, PathResult};
use crate::frame::{self, DailyBand, Recommendation};
use crate::money::Cents;
use crate::store::StoredPaths;
use chrono::NaiveDate;
use polars::prelude::*;

/// Days since 1970-01-01, polars' physical representation of a Date.
fn epoch_days(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")).num_days() as i32
}

/// A polars Date column (nullable).
fn date_column(name: &str, dates: Vec<Option<NaiveDate>>) -> PolarsResult<Column> {
    let days: Vec<Option<i32>> = dates.into_iter().map(|d| d.map(epoch_days)).collect();
    Column::new(name.into(), days).cast(&DataType::Date)
}

/// One raise of a company's frame on one path, replayed from the stored daily volumes: a row of
/// `frame_raises.parquet`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RaiseRow {
    pub path: u64,
    pub company: usize,
    /// 1 for the path's first raise of this company's frame, 2 for the next, …
    pub number: u32,
    /// Horizon day the raised frame applies from.
    pub day: u32,
    pub before: Cents,
    pub after: Cents,
    /// Days over the frame in force since the previous raise (or the horizon's start).
    pub days_over_before: u32,
}

/// The daily bands of every frame company, in [`Model::frames`] order, read one day's column
/// at a time from the stored paths; for the companies under a raise policy, also the frame in
/// force day by day, replayed path by path (`seed`: the run's), each raise handed to
/// `on_raise` in path order.
pub fn bands(
    model: &Model,
    paths: &StoredPaths,
    seed: u64,
    mut on_raise: impl FnMut(RaiseRow) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<DailyBand>> {
    let days = model.horizon().days as usize;
    let layout = *paths.layout();
    let mut bands = (0..model.frames().len())
        .map(|c| {
            frame::daily_band(
                |day| paths.series(layout.series_column(c, day)),
                days,
                model.frames()[c].frame,
            )
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let raised: Vec<usize> = (0..model.frames().len())
        .filter(|&c| model.frames()[c].raise.is_some())
        .collect();
    if raised.is_empty() || paths.is_empty() {
        return Ok(bands);
    }
    let mut sums = vec![(vec![0.0; days], vec![0u64; days]); model.frames().len()];
    let mut failed = None;
    for_each_active(model, paths, &raised, |path, c, active| {
        let (sum, over) = &mut sums[c];
        let (mut d, mut number, mut since) = (0usize, 0u32, 0u32);
        let mut previous = model.frames()[c].frame;
        model.frames()[c].raised(seed, path, active, |frame| {
            if frame > previous && failed.is_none() {
                number += 1;
                let row = RaiseRow {
                    path,
                    company: c,
                    number,
                    day: d as u32,
                    before: previous,
                    after: frame,
                    days_over_before: since,
                };
                failed = on_raise(row).err();
                since = 0;
            }
            previous = frame;
            since += (active[d] > frame) as u32;
            sum[d] += frame.to_eur();
            over[d] += (active[d] > frame) as u64;
            d += 1;
        });
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let n = paths.len() as f64;
    for &c in &raised {
        let (sum, over) = &sums[c];
        bands[c].in_force = Some(frame::InForce {
            mean: sum.iter().map(|s| s / n).collect(),
            p_over: over.iter().map(|&k| k as f64 / n).collect(),
        });
    }
    Ok(bands)
}

/// Hands `f(path, company, active)` each path's daily active volume of each of `companies`, in
/// cents (from the stored `f32` euros, rounded to the cent), one stored chunk in memory at a
/// time.
pub fn for_each_active(
    model: &Model,
    paths: &StoredPaths,
    companies: &[usize],
    mut f: impl FnMut(u64, usize, &[Cents]),
) -> anyhow::Result<()> {
    let days = model.horizon().days as usize;
    let layout = *paths.layout();
    let mut active = vec![Cents::ZERO; days];
    paths.for_each_chunk(|range, cols| {
        for (i, path) in range.enumerate() {
            for &c in companies {
                for (d, a) in active.iter_mut().enumerate() {
                    let eur = cols.series[layout.series_column(c, d)][i];
                    *a = Cents::round(f64::from(eur) * 100.0);
                }
                f(path, c, &active);
            }
        }
        Ok(())
    })
}

/// The rows `rows` of `frame_raises.parquet`: one per raise, in path order.
pub fn raises_frame(model: &Model, rows: &[RaiseRow]) -> PolarsResult<DataFrame> {
    let h = model.horizon();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| model.frames()[r.company].name.as_str())
        .collect();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "path".into(),
                rows.iter().map(|r| r.path).collect::<Vec<u64>>(),
            ),
            Column::new("company".into(), names),
            Column::new(
                "raise".into(),
                rows.iter().map(|r| r.number).collect::<Vec<u32>>(),
            ),
            date_column("date", rows.iter().map(|r| Some(h.date(r.day))).collect())?,
            Column::new(
                "frame_before_eur".into(),
                rows.iter().map(|r| r.before.to_eur()).collect::<Vec<f64>>(),
            ),
            Column::new(
                "frame_after_eur".into(),
                rows.iter().map(|r| r.after.to_eur()).collect::<Vec<f64>>(),
            ),
            Column::new(
                "days_over_before".into(),
                rows.iter()
                    .map(|r| r.days_over_before)
                    .collect::<Vec<u32>>(),
            ),
        ],
    )
}

/// One row per (date, company).
pub fn daily_frame(model: &Model, bands: &[DailyBand]) -> PolarsResult<DataFrame> {
    let h = model.horizon();
    let (mut date, mut company, mut frame_eur, mut analytic_mean) =
        (vec![], vec![], vec![], vec![]);
    let (mut mean, mut p05, mut p50, mut p95, mut p99, mut p_over) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut in_force, mut p_over_in_force) = (vec![], vec![]);
    for (c, (f, band)) in model.frames().iter().zip(bands).enumerate() {
        let expected = analytic::expected_active_volume(model, c);
        for (d, &e) in expected.iter().enumerate() {
            date.push(Some(h.date(d as u32)));
            company.push(f.name.clone());
            frame_eur.push(f.frame.to_eur());
            analytic_mean.push(e);
            mean.push(band.mean[d]);
            p05.push(band.p05[d]);
            p50.push(band.p50[d]);
            p95.push(band.p95[d]);
            p99.push(band.p99[d]);
            p_over.push(band.p_over_frame[d]);
            // Without a raise policy the frame in force is the frame.
            match &band.in_force {
                Some(f) => {
                    in_force.push(f.mean[d]);
                    p_over_in_force.push(f.p_over[d]);
                }
                None => {
                    in_force.push(f.frame.to_eur());
                    p_over_in_force.push(band.p_over_frame[d]);
                }
            }
        }
    }
    let n = date.len();
    DataFrame::new(
        n,
        vec![
            date_column("date", date)?,
            Column::new("company".into(), company),
            Column::new("frame_eur".into(), frame_eur),
            Column::new("mean".into(), mean),
            Column::new("p05".into(), p05),
            Column::new("p50".into(), p50),
            Column::new("p95".into(), p95),
            Column::new("p99".into(), p99),
            Column::new("p_over_frame".into(), p_over),
            Column::new("frame_in_force_mean_eur".into(), in_force),
            Column::new("p_over_frame_in_force".into(), p_over_in_force),
            Column::new("analytic_mean".into(), analytic_mean),
        ],
    )
}

/// One row per (path, company).
pub fn paths_frame(model: &Model, results: &[PathResult]) -> PolarsResult<DataFrame> {
    let h = model.horizon();
    let day = |d: Option<u32>| d.map(|d| h.date(d));
    let rows: Vec<(&PathResult, usize)> = results
        .iter()
        .flat_map(|r| (0..model.frames().len()).map(move |c| (r, c)))
        .collect();
    fn fp<'a>(&(r, c): &(&'a PathResult, usize)) -> &'a crate::frame::FramePath {
        &r.frames[c]
    }
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "path".into(),
                rows.iter().map(|(r, _)| r.path).collect::<Vec<u64>>(),
            ),
            Column::new(
                "company".into(),
                rows.iter()
                    .map(|(_, c)| model.frames()[*c].name.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "frame_eur".into(),
                rows.iter()
                    .map(|(_, c)| model.frames()[*c].frame.to_eur())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "peak_eur".into(),
                rows.iter()
                    .map(|x| fp(x).saturation.peak.to_eur())
                    .collect::<Vec<_>>(),
            ),
            date_column(
                "peak_date",
                rows.iter()
                    .map(|x| day(Some(fp(x).saturation.peak_day)))
                    .collect(),
            )?,
            Column::new(
                "days_over_frame".into(),
                rows.iter()
                    .map(|x| fp(x).saturation.days_over)
                    .collect::<Vec<u32>>(),
            ),
            Column::new(
                "max_excess_eur".into(),
                rows.iter()
                    .map(|x| fp(x).saturation.max_excess.to_eur())
                    .collect::<Vec<_>>(),
            ),
            date_column(
                "first_saturation_date",
                rows.iter()
                    .map(|x| day(fp(x).saturation.first_over))
                    .collect(),
            )?,
            date_column(
                "default_date",
                rows.iter().map(|x| day(fp(x).default_day)).collect(),
            )?,
            Column::new(
                "insolvency_loss_eur".into(),
                rows.iter()
                    .map(|x| fp(x).insolvency_loss.to_eur())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "raises".into(),
                rows.iter()
                    .map(|x| fp(x).raised.raises)
                    .collect::<Vec<u32>>(),
            ),
            date_column(
                "first_raise_date",
                rows.iter().map(|x| day(fp(x).raised.first_raise)).collect(),
            )?,
            Column::new(
                "final_frame_eur".into(),
                rows.iter()
                    .map(|x| fp(x).raised.final_frame.to_eur())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "days_over_raised_frame".into(),
                rows.iter()
                    .map(|x| fp(x).raised.days_over)
                    .collect::<Vec<u32>>(),
            ),
            Column::new(
                "uncovered_excess_eur".into(),
                rows.iter()
                    .map(|x| fp(x).raised.uncovered.to_eur())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The recommendation table.
pub fn recommendation_frame(recs: &[Recommendation], confidence: f64) -> PolarsResult<DataFrame> {
    let col = |name: &str, f: &dyn Fn(&Recommendation) -> f64| {
        Column::new(name.into(), recs.iter().map(f).collect::<Vec<f64>>())
    };
    DataFrame::new(
        recs.len(),
        vec![
            Column::new(
                "company".into(),
                recs.iter().map(|r| r.company.as_str()).collect::<Vec<_>>(),
            ),
            col("frame_eur", &|r| r.frame_eur),
            col("p_saturation", &|r| r.p_saturation.0),
            col("p_saturation_se", &|r| r.p_saturation.1),
            col("expected_days_over", &|r| r.expected_days_over),
            date_column(
                "peak_date",
                recs.iter().map(|r| Some(r.peak_date)).collect(),
            )?,
            col("peak_mean_eur", &|r| r.peak_mean_eur),
            col("peak_p50_eur", &|r| r.peak.p50),
            col("peak_p99_eur", &|r| r.peak.p99),
            col("confidence", &|_| confidence),
            col("required_frame_eur", &|r| r.required_frame_eur),
            col("raise_by_eur", &|r| r.raise_by_eur),
            col("raise_margin", &|r| {
                r.margin.map_or(f64::NAN, |m| m.current)
            }),
            col("p_raised_frame_saturates_again", &|r| {
                r.margin.map_or(f64::NAN, |m| m.p_saturated_again)
            }),
            col("required_raise_margin", &|r| {
                r.margin.map_or(f64::NAN, |m| m.required)
            }),
        ],
    )
}

pub(crate) use crate::portfolio::slug;

/// Writes `plots/frame_<company>.svg` for every frame company (atomically: temporary name,
/// then rename) and returns the paths written, relative to `dir`.
pub fn write_fan_charts(
    dir: &std::path::Path,
    model: &Model,
    bands: &[DailyBand],
) -> anyhow::Result<Vec<String>> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)?;
    let h = model.horizon();
    let dates: Vec<NaiveDate> = h.dates().collect();
    let mut years: Vec<i32> = dates.iter().map(chrono::Datelike::year).collect();
    years.dedup();
    let labels: Vec<(NaiveDate, String)> = years
        .iter()
        .flat_map(|&y| {
            [
                (crate::calendar::black_friday(y), "Black Friday".to_string()),
                (
                    NaiveDate::from_ymd_opt(y, 12, 25).expect("valid date"),
                    "Christmas".to_string(),
                ),
            ]
        })
        .collect();
    let markers: Vec<(NaiveDate, &str)> = labels.iter().map(|(d, l)| (*d, l.as_str())).collect();
    let mut written = Vec::new();
    for (f, band) in model.frames().iter().zip(bands) {
        let name = format!("frame_{}.svg", slug(&f.name));
        let title = format!("{}: active guaranteed volume", f.name);
        let chart = super::fan_chart::FanChart {
            title: &title,
            dates: &dates,
            p05: &band.p05,
            p50: &band.p50,
            p95: &band.p95,
            p99: &band.p99,
            mean: &band.mean,
            frame_eur: f.frame.to_eur(),
            in_force: band.in_force.as_ref().map(|f| f.mean.as_slice()),
            markers: &markers,
        };
        let tmp = plots.join(format!(".{name}.tmp-{}", std::process::id()));
        super::fan_chart::write_svg(&tmp, &chart)?;
        std::fs::rename(&tmp, plots.join(&name))?;
        written.push(format!("plots/{name}"));
    }
    Ok(written)
}
