//! Fan chart of a company's active guaranteed volume against its frame (SVG).
//!
//! Text is written by the SVG backend as `<text>` elements, so no font file and no `ttf`
//! feature of plotters is needed; text sizes used for layout are plotters' own estimates.
use crate::report::terminal::thousands;
use anyhow::{Context, Result, bail};
use chrono::{Datelike, Months, NaiveDate};
use plotters::coord::combinators::BindKeyPoints;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Daily quantile bands of one company's active guaranteed volume over paths, in EUR.
pub struct FanChart<'a> {
    /// Caption above the chart, e.g. "Maison Lumière SAS: active guaranteed volume".
    pub title: &'a str,
    /// Consecutive days, strictly increasing.
    pub dates: &'a [NaiveDate],
    pub p05: &'a [f64],
    pub p50: &'a [f64],
    pub p95: &'a [f64],
    pub p99: &'a [f64],
    pub mean: &'a [f64],
    /// Drawn as a red horizontal line labelled "frame 150,000 EUR".
    pub frame_eur: f64,
    /// Under a raise policy, the mean frame in force each day over paths: a red dashed line
    /// stepping up from the frame as paths' frames are raised.
    pub in_force: Option<&'a [f64]>,
    /// Vertical dashed lines with labels, e.g. Black Friday, Christmas.
    pub markers: &'a [(NaiveDate, &'a str)],
}

/// Chart width in pixels; every chart of a report shares it (and the fonts below).
pub(super) const WIDTH: u32 = 900;
const HEIGHT: u32 = 500;
pub(super) const FONT: &str = "sans-serif";
/// Plotters font sizes; the SVG backend writes `font-size` as this divided by 1.24.
pub(super) const TITLE_SIZE: f64 = 22.0;
pub(super) const LABEL_SIZE: f64 = 16.0;
const DESC_SIZE: f64 = 16.0;
pub(super) const LEGEND_SIZE: f64 = 15.0;
const NOTE_SIZE: f64 = 15.0;

const BAND: RGBColor = RGBColor(158, 202, 225);
const P99: RGBColor = RGBColor(49, 130, 189);
const MEDIAN: RGBColor = RGBColor(8, 48, 107);
pub(super) const MEAN: RGBColor = RGBColor(230, 85, 13);
const FRAME: RGBColor = RGBColor(204, 0, 0);
const MARKER: RGBColor = RGBColor(110, 110, 110);

/// Writes the chart as an SVG file (atomically is the caller's business: write to `path`).
/// Errors (not panics) on empty or inconsistent input (slices of different lengths).
pub fn write_svg(path: &Path, chart: &FanChart) -> anyhow::Result<()> {
    let svg = render_svg(chart)?;
    std::fs::write(path, svg).with_context(|| format!("writing fan chart {}", path.display()))
}

/// The window to show: from 15 October to 15 January around the Black Friday in the dates,
/// clipped to the dates available; the whole range if it contains no November.
///
/// `dates` are expected sorted; the first Black Friday present is used, else the first
/// November day present.
pub fn window(dates: &[NaiveDate]) -> std::ops::Range<usize> {
    let full = 0..dates.len();
    let anchor = dates
        .iter()
        .find(|d| crate::calendar::black_friday(d.year()) == **d)
        .or_else(|| dates.iter().find(|d| d.month() == 11));
    let Some(anchor) = anchor else {
        return full;
    };
    let year = anchor.year();
    let Some(lo) = NaiveDate::from_ymd_opt(year, 10, 15) else {
        return full;
    };
    let hi = year
        .checked_add(1)
        .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 15));
    let start = dates.partition_point(|d| *d < lo);
    let end = match hi {
        Some(hi) => dates.partition_point(|d| *d <= hi),
        None => dates.len(),
    };
    start..end.max(start)
}

/// Checks the input and renders the windowed chart into an SVG string.
fn render_svg(chart: &FanChart) -> Result<String> {
    let n = chart.dates.len();
    if n == 0 {
        bail!("fan chart '{}': no dates", chart.title);
    }
    for (name, series) in [
        ("p05", chart.p05),
        ("p50", chart.p50),
        ("p95", chart.p95),
        ("p99", chart.p99),
        ("mean", chart.mean),
    ] {
        if series.len() != n {
            bail!(
                "fan chart '{}': {name} has {} values for {n} dates",
                chart.title,
                series.len()
            );
        }
    }
    if let Some(w) = chart.dates.windows(2).find(|w| w[0] >= w[1]) {
        bail!(
            "fan chart '{}': dates not strictly increasing ({} then {})",
            chart.title,
            w[0],
            w[1]
        );
    }
    if chart.in_force.is_some_and(|f| f.len() != n) {
        bail!(
            "fan chart '{}': the frame in force has {} values for {n} dates",
            chart.title,
            chart.in_force.map_or(0, <[f64]>::len)
        );
    }
    if !chart.frame_eur.is_finite() {
        bail!(
            "fan chart '{}': frame is not a finite amount ({})",
            chart.title,
            chart.frame_eur
        );
    }

    let w = window(chart.dates);
    let dates = &chart.dates[w.clone()];
    let (first, last) = match (dates.first(), dates.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => bail!("fan chart '{}': empty window", chart.title),
    };
    let (x0, x1) = if first < last {
        (first, last)
    } else if let Some(next) = first.succ_opt() {
        (first, next)
    } else {
        (
            first.pred_opt().context("no day before the last date")?,
            first,
        )
    };
    let series = |s: &'_ [f64]| -> Vec<f64> { s[w.clone()].to_vec() };
    let (p05, p50, p95, p99, mean) = (
        series(chart.p05),
        series(chart.p50),
        series(chart.p95),
        series(chart.p99),
        series(chart.mean),
    );

    // Vertical range: zero (or below), all finite values and the frame, with headroom at the
    // top for the marker labels and the legend.
    let in_force = chart.in_force.map(series);
    let finite = || {
        [&p05, &p50, &p95, &p99, &mean]
            .into_iter()
            .chain(in_force.as_ref())
            .flat_map(|s| s.iter().copied())
            .filter(|v| v.is_finite())
    };
    let lo = finite().fold(0.0_f64.min(chart.frame_eur), f64::min);
    let hi = finite().fold(chart.frame_eur.max(0.0), f64::max);
    let span = (hi - lo).max(10.0);
    let (y0, y1) = (lo, hi + 0.18 * span);
    if !(y0.is_finite() && y1.is_finite() && (y1 - y0).is_finite()) {
        bail!("fan chart '{}': values too large to plot", chart.title);
    }

    let (ticks, tick_format) = date_ticks(x0, x1);
    let widest_y_label = [y0, y1]
        .iter()
        .map(|v| thousands(*v).chars().count())
        .max()
        .unwrap_or(1);
    let y_label_area = (text_width(widest_y_label, LABEL_SIZE) + 16.0).clamp(40.0, 160.0) as u32;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut ctx = ChartBuilder::on(&root)
            .caption(chart.title, (FONT, TITLE_SIZE).into_font())
            .margin_top(8)
            .margin_left(10)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(48)
            .y_label_area_size(y_label_area + 24)
            .build_cartesian_2d((x0..x1).with_key_points(ticks), y0..y1)?;

        let x_desc = if x0.year() == x1.year() {
            format!("date ({})", x0.year())
        } else {
            format!("date ({}–{})", x0.year(), x1.year())
        };
        let format_x = move |d: &NaiveDate| tick_format.format(*d);
        let format_y = |v: &f64| thousands(*v);
        ctx.configure_mesh()
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(TRANSPARENT)
            .axis_style(RGBColor(90, 90, 90))
            .y_labels(8)
            .x_label_formatter(&format_x)
            .y_label_formatter(&format_y)
            .x_desc(x_desc)
            .y_desc("active guaranteed volume (EUR)")
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .draw()?;

        // p05–p95 band: one polygon per run of days where both bounds are finite.
        let mut labelled = false;
        for run in finite_runs(dates.len(), |i| p05[i].is_finite() && p95[i].is_finite()) {
            let points: Vec<(NaiveDate, f64)> = run
                .clone()
                .map(|i| (dates[i], p95[i]))
                .chain(run.rev().map(|i| (dates[i], p05[i])))
                .collect();
            let anno = ctx.draw_series(std::iter::once(Polygon::new(
                points,
                BAND.mix(0.6).filled(),
            )))?;
            if !labelled {
                labelled = true;
                anno.label("p05–p95").legend(|(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 22, y + 6)], BAND.mix(0.6).filled())
                });
            }
        }

        // p99: thin dashed line.
        let p99_style = P99.stroke_width(1);
        let mut labelled = false;
        for run in finite_runs(dates.len(), |i| p99[i].is_finite()) {
            let points: Vec<_> = run.map(|i| (dates[i], p99[i])).collect();
            let anno = ctx.draw_series(DashedLineSeries::new(points, 6, 4, p99_style))?;
            if !labelled {
                labelled = true;
                anno.label("p99").legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 22, y)], 6, 4, p99_style)
                });
            }
        }

        // Median: solid line.
        let median_style = MEDIAN.stroke_width(2);
        let mut labelled = false;
        for run in finite_runs(dates.len(), |i| p50[i].is_finite()) {
            let points: Vec<_> = run.map(|i| (dates[i], p50[i])).collect();
            let anno = ctx.draw_series(LineSeries::new(points, median_style))?;
            if !labelled {
                labelled = true;
                anno.label("median").legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 22, y)], median_style)
                });
            }
        }

        // Mean: dotted line (short dashes).
        let mean_style = MEAN.stroke_width(2);
        let mut labelled = false;
        for run in finite_runs(dates.len(), |i| mean[i].is_finite()) {
            let points: Vec<_> = run.map(|i| (dates[i], mean[i])).collect();
            let anno = ctx.draw_series(DashedLineSeries::new(points, 2, 3, mean_style))?;
            if !labelled {
                labelled = true;
                anno.label("mean").legend(move |(x, y)| {
                    DashedPathElement::new(vec![(x, y), (x + 22, y)], 2, 3, mean_style)
                });
            }
        }

        // Frame: red horizontal line, labelled at its right end.
        let frame_style = FRAME.stroke_width(2);
        ctx.draw_series(LineSeries::new(
            [(x0, chart.frame_eur), (x1, chart.frame_eur)],
            frame_style,
        ))?
        .label("frame")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], frame_style));

        // The frame in force under the raise policy, mean over paths: dashed, stepping up.
        if let Some(in_force) = &in_force {
            let style = FRAME.mix(0.8).stroke_width(2);
            let mut labelled = false;
            for run in finite_runs(dates.len(), |i| in_force[i].is_finite()) {
                let points: Vec<_> = run.map(|i| (dates[i], in_force[i])).collect();
                let anno = ctx.draw_series(DashedLineSeries::new(points, 8, 4, style))?;
                if !labelled {
                    labelled = true;
                    anno.label("frame in force, mean (raises)")
                        .legend(move |(x, y)| {
                            DashedPathElement::new(vec![(x, y), (x + 22, y)], 8, 4, style)
                        });
                }
            }
        }

        let (px_range, py_range) = ctx.plotting_area().get_pixel_range();

        // Markers: grey dashed vertical lines, labels at the top, moved down a row where they
        // would overlap the label before them.
        let mut rows_end: Vec<f64> = Vec::new();
        let mut marker_list: Vec<(NaiveDate, &str)> = chart
            .markers
            .iter()
            .copied()
            .filter(|(d, _)| *d >= x0 && *d <= x1)
            .collect();
        marker_list.sort_by_key(|(d, _)| *d);
        for (date, label) in marker_list {
            ctx.draw_series(DashedLineSeries::new(
                [(date, y0), (date, y1)],
                5,
                4,
                MARKER.stroke_width(1),
            ))?;
            let (mx, _) = ctx.backend_coord(&(date, y0));
            let width = text_width(label.chars().count(), NOTE_SIZE);
            // Right of the line unless that runs past the plot, then left of it.
            let right_of_line = f64::from(mx) + 4.0 + width <= f64::from(px_range.end);
            let (left, right, x, h) = if right_of_line {
                let l = f64::from(mx) + 4.0;
                (l, l + width, mx + 4, HPos::Left)
            } else {
                let r = f64::from(mx) - 4.0;
                (r - width, r, mx - 4, HPos::Right)
            };
            let row = match rows_end.iter().position(|end| *end + 6.0 <= left) {
                Some(r) => r,
                None => {
                    rows_end.push(f64::NEG_INFINITY);
                    rows_end.len() - 1
                }
            };
            rows_end[row] = right;
            let y = py_range.start + 4 + (row as i32) * (NOTE_SIZE as i32 + 2);
            let style = TextStyle::from((FONT, NOTE_SIZE).into_font())
                .color(&RGBColor(60, 60, 60))
                .pos(Pos::new(h, VPos::Top));
            root.draw(&Text::new(label.to_string(), (x, y), style))?;
        }

        // Frame label on the line, on a light background, where it hides the least: above or
        // below the line, at the place whose box covers the fewest points of the drawn lines
        // (median, mean, p99, frame in force) while staying off the legend (upper left) and
        // inside the plot.
        let frame_label = format!("frame {} EUR", thousands(chart.frame_eur));
        let (_, fy) = ctx.backend_coord(&(x1, chart.frame_eur));
        let label_w = text_width(frame_label.chars().count(), NOTE_SIZE);
        let label_h = NOTE_SIZE / 1.24;
        let lines: Vec<(i32, i32)> = [Some(&p50), Some(&mean), Some(&p99), in_force.as_ref()]
            .into_iter()
            .flatten()
            .flat_map(|v| {
                (0..dates.len())
                    .filter(|&i| v[i].is_finite())
                    .map(|i| ctx.backend_coord(&(dates[i], v[i])))
                    .collect::<Vec<_>>()
            })
            .collect();
        let legend_entries = 5 + usize::from(in_force.is_some());
        let legend = (
            px_range.start,
            py_range.start,
            px_range.start + 270,
            py_range.start + 20 + 19 * legend_entries as i32,
        );
        let width = f64::from(px_range.end - px_range.start);
        // The right end first (where the label always was), then the left end, then every
        // twentieth of the width in between.
        let right = f64::from(px_range.end - 6) - label_w;
        let candidates: Vec<(f64, bool)> = [right, f64::from(px_range.start + 8)]
            .into_iter()
            .chain((4..19).map(|k| f64::from(px_range.start) + 0.05 * k as f64 * width))
            .filter(|&left| left <= right)
            .flat_map(|left| [(left, true), (left, false)])
            .collect();
        let boxed = |(left, above): (f64, bool)| {
            let (top, bottom) = if above {
                (f64::from(fy) - 6.0 - label_h, f64::from(fy) - 2.0)
            } else {
                (f64::from(fy) + 2.0, f64::from(fy) + 6.0 + label_h)
            };
            (left - 4.0, top, left + label_w + 4.0, bottom)
        };
        let cost = |c: (f64, bool)| {
            let (l, t, r, b) = boxed(c);
            let hidden = lines
                .iter()
                .filter(|&&(x, y)| {
                    (l..=r).contains(&f64::from(x)) && (t - 2.0..=b + 2.0).contains(&f64::from(y))
                })
                .count();
            let on_legend = l < f64::from(legend.2)
                && r > f64::from(legend.0)
                && t < f64::from(legend.3)
                && b > f64::from(legend.1);
            let outside = t < f64::from(py_range.start) || b > f64::from(py_range.end);
            hidden + 1000 * usize::from(on_legend || outside)
        };
        let best = candidates
            .iter()
            .enumerate()
            .min_by_key(|&(k, &c)| (cost(c), k))
            .map_or((right, true), |(_, &c)| c);
        let (bg_left, bg_top, bg_right, bg_bottom) = boxed(best);
        root.draw(&Rectangle::new(
            [
                (bg_left as i32, bg_top as i32),
                (bg_right as i32, bg_bottom as i32),
            ],
            WHITE.mix(0.8).filled(),
        ))?;
        let (fx, fy_text, vpos) = if best.1 {
            (best.0 as i32, fy - 4, VPos::Bottom)
        } else {
            (best.0 as i32, fy + 4, VPos::Top)
        };
        let style = TextStyle::from((FONT, NOTE_SIZE).into_font().style(FontStyle::Bold))
            .color(&FRAME)
            .pos(Pos::new(HPos::Left, vpos));
        root.draw(&Text::new(frame_label, (fx, fy_text), style))?;

        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .margin(10)
            .legend_area_size(30)
            .label_font((FONT, LEGEND_SIZE))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()?;

        root.present()?;
    }
    Ok(svg)
}

/// Estimated width in pixels of `chars` characters of a sans-serif font at plotters size
/// `size` (the SVG font size is `size / 1.24`).
fn text_width(chars: usize, size: f64) -> f64 {
    chars as f64 * 0.58 * size / 1.24
}

/// Maximal runs of consecutive indices in `0..n` where `ok` holds.
fn finite_runs(n: usize, ok: impl Fn(usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for i in 0..n {
        match (ok(i), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(s..n);
    }
    runs
}

/// How the x-axis ticks are labelled.
#[derive(Clone, Copy)]
enum TickFormat {
    /// "Nov 27"
    Day,
    /// "Nov 2026"
    Month,
    /// "2026"
    Year,
}

impl TickFormat {
    fn format(self, d: NaiveDate) -> String {
        match self {
            TickFormat::Day => d.format("%b %-d").to_string(),
            TickFormat::Month => d.format("%b %Y").to_string(),
            TickFormat::Year => d.format("%Y").to_string(),
        }
    }
}

/// Calendar-aligned ticks in `first..=last`: the finest of every day, every other day, every
/// Monday, the 1st and 15th, the 1st of each month, of each quarter, of each year (or of every
/// k-th year) that keeps the labels apart.
fn date_ticks(first: NaiveDate, last: NaiveDate) -> (Vec<NaiveDate>, TickFormat) {
    const MAX: usize = 13;
    let by_step = |start: NaiveDate, step: u64, max: usize| -> Option<Vec<NaiveDate>> {
        let mut out = Vec::new();
        let mut d = Some(start);
        while let Some(day) = d.filter(|day| *day <= last) {
            out.push(day);
            if out.len() > max {
                return None;
            }
            d = day.checked_add_days(chrono::Days::new(step));
        }
        Some(out)
    };
    // Days of month `days` in every `months`-th month (counted from January).
    let by_month = |days: &[u32], months: u32| -> Option<Vec<NaiveDate>> {
        let mut out = Vec::new();
        let mut month = NaiveDate::from_ymd_opt(first.year(), 1, 1)?;
        while month <= last {
            if (month.month() - 1) % months == 0 {
                for &day in days {
                    let d = month.with_day(day)?;
                    if d >= first && d <= last {
                        out.push(d);
                    }
                }
            }
            if out.len() > MAX {
                return None;
            }
            match month.checked_add_months(Months::new(1)) {
                Some(m) => month = m,
                None => break,
            }
        }
        Some(out)
    };
    if let Some(t) = by_step(first, 1, MAX) {
        return (t, TickFormat::Day);
    }
    if let Some(t) = by_step(first, 2, MAX) {
        return (t, TickFormat::Day);
    }
    let to_monday = (7 - first.weekday().num_days_from_monday()) % 7;
    if let Some(monday) = first.checked_add_days(chrono::Days::new(u64::from(to_monday)))
        && let Some(t) = by_step(monday, 7, 10)
    {
        return (t, TickFormat::Day);
    }
    if let Some(t) = by_month(&[1, 15], 1) {
        return (t, TickFormat::Day);
    }
    if let Some(t) = by_month(&[1], 1) {
        return (t, TickFormat::Month);
    }
    if let Some(t) = by_month(&[1], 3) {
        return (t, TickFormat::Month);
    }
    // Every k-th year, k a 1-2-5 multiple.
    let years = i64::from(last.year()) - i64::from(first.year()) + 1;
    let mut k: i64 = 1;
    while years / k > MAX as i64 {
        k = if k.to_string().starts_with('2') {
            k / 2 * 5
        } else {
            k * 2
        };
    }
    let mut out = Vec::new();
    let mut y = i64::from(first.year()).div_euclid(k) * k;
    while y <= i64::from(last.year()) {
        if let Some(d) = i32::try_from(y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
            .filter(|d| *d >= first && *d <= last)
        {
            out.push(d);
        }
        y += k;
    }
    (out, TickFormat::Year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn days(from: NaiveDate, n: usize) -> Vec<NaiveDate> {
        (0..n)
            .map(|i| from.checked_add_days(chrono::Days::new(i as u64)).unwrap())
            .collect()
    }

    fn temp_path(name: &str) -> std::path::PathBuf {
        let unique = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        std::env::temp_dir().join(format!(
            "protectsim-fan-{}-{unique}-{name}",
            std::process::id()
        ))
    }

    /// Synthetic 2026 volumes: a slow rise with a bump 30 days after Black Friday.
    struct Synthetic {
        dates: Vec<NaiveDate>,
        p05: Vec<f64>,
        p50: Vec<f64>,
        p95: Vec<f64>,
        p99: Vec<f64>,
        mean: Vec<f64>,
    }

    fn synthetic() -> Synthetic {
        let dates = days(day(2026, 1, 1), 365);
        let bump = day(2026, 11, 27) + chrono::Duration::days(30);
        let p50: Vec<f64> = dates
            .iter()
            .map(|d| {
                let t = (*d - bump).num_days() as f64;
                60_000.0 + 40.0 * d.ordinal() as f64 + 55_000.0 * (-(t * t) / 200.0).exp()
            })
            .collect();
        Synthetic {
            p05: p50.iter().map(|v| v * 0.7).collect(),
            p95: p50.iter().map(|v| v * 1.35).collect(),
            p99: p50.iter().map(|v| v * 1.6).collect(),
            mean: p50.iter().map(|v| v * 1.05).collect(),
            p50,
            dates,
        }
    }

    const MARKERS: [(NaiveDate, &str); 2] = [
        (
            NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            "Black Friday",
        ),
        (NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(), "Christmas"),
    ];

    fn chart<'a>(s: &'a Synthetic, title: &'a str) -> FanChart<'a> {
        FanChart {
            title,
            dates: &s.dates,
            p05: &s.p05,
            p50: &s.p50,
            p95: &s.p95,
            p99: &s.p99,
            mean: &s.mean,
            frame_eur: 150_000.0,
            in_force: None,
            markers: &MARKERS,
        }
    }

    #[test]
    fn writes_svg_with_title_and_frame() {
        let s = synthetic();
        let path = temp_path("chart.svg");
        write_svg(
            &path,
            &chart(&s, "Maison Lumière SAS: active guaranteed volume"),
        )
        .unwrap();
        assert!(path.exists());
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(text.starts_with("<svg"), "{}", &text[..text.len().min(80)]);
        assert!(text.contains("Maison Lumière SAS: active guaranteed volume"));
        assert!(text.contains("frame 150,000 EUR"));
        assert!(text.contains("Black Friday") && text.contains("Christmas"));
        assert!(text.contains("Nov 15") && text.contains("Dec 1"));
        assert!(text.trim_end().ends_with("</svg>"));
    }

    /// The x position and the text of the frame label in an SVG.
    fn frame_label_x(svg: &str) -> f64 {
        let at = svg.find("frame 150,000 EUR").expect("the frame label");
        let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
        let x = tag.split("x=\"").nth(1).unwrap();
        x[..x.find('"').unwrap()].parse().unwrap()
    }

    /// The frame label goes where it hides no line: at the right end when the lines are far
    /// from the frame there, elsewhere when the median sits right on the frame at the end of
    /// the window (the December peak the label used to cover).
    #[test]
    fn the_frame_label_hides_no_line() {
        let s = synthetic();
        let right = frame_label_x(&render_svg(&chart(&s, "far")).unwrap());
        assert!(right > 0.6 * f64::from(WIDTH), "at the right end: {right}");
        let mut on = synthetic();
        let n = on.dates.len();
        for i in n - 40..n {
            for v in [&mut on.p50, &mut on.mean, &mut on.p99] {
                v[i] = 150_000.0 * (1.0 + 0.004 * (i % 3) as f64);
            }
        }
        let moved = frame_label_x(&render_svg(&chart(&on, "on the frame")).unwrap());
        assert!(moved < right - 100.0, "moved from {right} to {moved}");
    }

    /// Under a raise policy the chart adds the mean frame in force, stepping up from the
    /// frame; a series of another length is an error, not a panic.
    #[test]
    fn draws_the_frame_in_force_under_a_raise_policy() {
        let s = synthetic();
        let stepping: Vec<f64> = (0..s.dates.len())
            .map(|i| {
                if i < s.dates.len() / 2 {
                    150_000.0
                } else {
                    190_000.0
                }
            })
            .collect();
        let mut c = chart(&s, "raised");
        c.in_force = Some(&stepping);
        let text = render_svg(&c).unwrap();
        assert!(text.contains("frame in force, mean (raises)"));
        assert!(
            !render_svg(&chart(&s, "static"))
                .unwrap()
                .contains("frame in force")
        );
        c.in_force = Some(&stepping[1..]);
        assert!(render_svg(&c).is_err());
    }

    #[test]
    fn window_is_october_15_to_january_15_clipped() {
        let dates = days(day(2026, 1, 1), 365);
        let w = window(&dates);
        assert_eq!(dates[w.start], day(2026, 10, 15));
        assert_eq!(dates[w.end - 1], day(2026, 12, 31));
        assert_eq!(w.end, dates.len());

        let across = days(day(2026, 6, 1), 400);
        let w = window(&across);
        assert_eq!(across[w.start], day(2026, 10, 15));
        assert_eq!(across[w.end - 1], day(2027, 1, 15));

        let spring = days(day(2026, 3, 1), 92);
        assert_eq!(window(&spring), 0..spring.len());
        assert_eq!(window(&[]), 0..0);
    }

    #[test]
    fn bad_input_is_an_error() {
        let s = synthetic();
        let path = temp_path("bad.svg");
        let mut c = chart(&s, "mismatch");
        c.p95 = &s.p95[..100];
        assert!(write_svg(&path, &c).is_err());

        let mut c = chart(&s, "empty");
        c.dates = &[];
        c.p05 = &[];
        c.p50 = &[];
        c.p95 = &[];
        c.p99 = &[];
        c.mean = &[];
        assert!(write_svg(&path, &c).is_err());

        let mut c = chart(&s, "nan frame");
        c.frame_eur = f64::NAN;
        assert!(write_svg(&path, &c).is_err());

        let reversed: Vec<NaiveDate> = s.dates.iter().rev().copied().collect();
        let mut c = chart(&s, "unsorted");
        c.dates = &reversed;
        assert!(write_svg(&path, &c).is_err());
        assert!(!path.exists());
    }

    #[test]
    fn odd_values_do_not_panic() {
        let mut s = synthetic();
        for i in (290..300).chain(330..331) {
            s.p50[i] = f64::NAN;
            s.p95[i] = f64::INFINITY;
        }
        s.mean.iter_mut().for_each(|v| *v = f64::NAN);
        let path = temp_path("odd.svg");
        write_svg(&path, &chart(&s, "gaps & <odd> values")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(text.contains("gaps &amp; &lt;odd&gt; values"));

        // One day, all zero, negative frame.
        let one = [day(2026, 11, 27)];
        let zero = [0.0];
        let c = FanChart {
            title: "one day",
            dates: &one,
            p05: &zero,
            p50: &zero,
            p95: &zero,
            p99: &zero,
            mean: &zero,
            frame_eur: -5.0,
            in_force: Some(&zero),
            markers: &MARKERS,
        };
        write_svg(&path, &c).unwrap();
        std::fs::remove_file(&path).unwrap();

        // Huge values and a long horizon.
        let long = days(day(2020, 1, 1), 3000);
        let huge = vec![1e300; long.len()];
        let c = FanChart {
            title: "huge",
            dates: &long,
            p05: &huge,
            p50: &huge,
            p95: &huge,
            p99: &huge,
            mean: &huge,
            frame_eur: 1e308,
            in_force: Some(&huge),
            markers: &[],
        };
        let _ = write_svg(&path, &c);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn ticks_and_amounts_read_well() {
        let (t, _) = date_ticks(day(2026, 10, 15), day(2026, 12, 31));
        assert_eq!(
            t,
            vec![
                day(2026, 10, 15),
                day(2026, 11, 1),
                day(2026, 11, 15),
                day(2026, 12, 1),
                day(2026, 12, 15)
            ]
        );
        let (t, _) = date_ticks(day(2026, 1, 1), day(2026, 12, 31));
        assert_eq!(t.len(), 12);
        let (t, _) = date_ticks(day(2000, 1, 1), day(2100, 1, 1));
        assert!(!t.is_empty() && t.len() <= 13);
        let (t, _) = date_ticks(NaiveDate::MIN, NaiveDate::MAX);
        assert!(t.len() <= 13);
        assert_eq!(thousands(1_250_000.4), "1,250,000");
        assert_eq!(thousands(-150_000.0), "-150,000");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(0.0), "0");
    }
}
