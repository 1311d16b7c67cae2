//! The charts of `report.html` besides the fan charts: the loss-ratio histogram of a product
//! and its claims by peril, as SVG strings (plotters' SVG backend, text as `<text>` elements,
//! the same fonts and greys as the fan charts).
use crate::report::terminal::thousands;
use anyhow::{Result, bail};
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::fan_chart::{FONT, LABEL_SIZE, LEGEND_SIZE, MEAN, TITLE_SIZE, WIDTH};

const HEIGHT: u32 = 420;

const BAR: RGBColor = RGBColor(107, 174, 214);
const BAR_EDGE: RGBColor = RGBColor(49, 130, 189);
const VAR: RGBColor = RGBColor(204, 0, 0);
const TVAR: RGBColor = RGBColor(117, 0, 0);
const GRID: RGBColor = RGBColor(225, 225, 225);
const AXIS: RGBColor = RGBColor(90, 90, 90);

/// A histogram of per-path loss ratios with the mean, VaR 99 % and TVaR 99 % marked.
pub struct LossRatioHistogram<'a> {
    /// Caption above the chart, e.g. "parcel: loss ratio per path".
    pub title: &'a str,
    /// Per-path loss ratios as ratios (1.0 = 100 %); non-finite values are left out.
    pub ratios: &'a [f64],
    /// Mean loss ratio (ratio); not drawn when not finite.
    pub mean: f64,
    /// 99th percentile (VaR 99 %) as a ratio; not drawn when not finite.
    pub var_99: f64,
    /// Mean of the worst 1 % (TVaR 99 %) as a ratio; not drawn when not finite.
    pub tvar_99: f64,
}

/// Number of bins of the histogram (fewer when there are few paths).
fn bin_count(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).clamp(5, 60)
}

/// Renders the histogram as an SVG string; x in %, y in paths. Errors when no ratio is finite.
/// `k` of `n` as a percentage for a legend: "97 %", or "99.5 %" near the ends.
fn percent_of(k: usize, n: usize) -> String {
    let p = 100.0 * k as f64 / n as f64;
    if !(1.0..=99.0).contains(&p) {
        format!("{p:.1} %")
    } else {
        format!("{p:.0} %")
    }
}

pub fn loss_ratio_histogram(h: &LossRatioHistogram) -> Result<String> {
    let xs: Vec<f64> = h
        .ratios
        .iter()
        .map(|r| 100.0 * r)
        .filter(|x| x.is_finite())
        .collect();
    if xs.is_empty() {
        bail!("histogram '{}': no finite loss ratio", h.title);
    }
    // Where most paths have no loss (a guarantee frame: a default is rare), one bar at 0 would
    // flatten the rest: those paths are counted in the legend and the bars show the others.
    let zeros = xs.iter().filter(|&&x| x == 0.0).count();
    let (xs, bars_label) = if 2 * zeros >= xs.len() && zeros < xs.len() {
        let n = xs.len();
        let positive: Vec<f64> = xs.into_iter().filter(|&x| x != 0.0).collect();
        let label = format!(
            "{} paths with a loss ({} at 0 not drawn)",
            thousands(positive.len() as f64),
            percent_of(zeros, n)
        );
        (positive, label)
    } else {
        let label = format!("{} paths", thousands(xs.len() as f64));
        (xs, label)
    };
    let marks: Vec<(f64, &str, RGBColor, bool)> = [
        (h.mean, "mean", MEAN, false),
        (h.var_99, "VaR 99 %", VAR, true),
        (h.tvar_99, "TVaR 99 %", TVAR, true),
    ]
    .into_iter()
    .map(|(x, l, c, d)| (100.0 * x, l, c, d))
    .filter(|(x, ..)| x.is_finite())
    .collect();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = marks.iter().map(|m| m.0).fold(lo, f64::min);
    let hi = marks.iter().map(|m| m.0).fold(hi, f64::max);
    let span = (hi - lo).max(1e-6 * hi.abs().max(1.0)).max(1e-9);
    let bins = bin_count(xs.len());
    let width = span / bins as f64;
    let mut counts = vec![0u32; bins];
    for x in &xs {
        let b = (((x - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (x0, x1) = (lo - 0.02 * span, hi + 0.02 * span);
    // Headroom above the bars for the legend.
    let (y0, y1) = (0.0, top * 1.6);
    if !(x0.is_finite() && x1.is_finite() && (x1 - x0).is_finite()) {
        bail!("histogram '{}': values too large to plot", h.title);
    }
    let decimals = if span < 0.5 {
        3
    } else if span < 5.0 {
        2
    } else if span < 50.0 {
        1
    } else {
        0
    };

    // The legend goes to the side away from the tail lines.
    let right_marks = marks.iter().any(|m| m.0 > lo + 0.5 * span);
    let legend_at = if right_marks {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::UpperRight
    };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut ctx = ChartBuilder::on(&root)
            .caption(h.title, (FONT, TITLE_SIZE).into_font())
            .margin_top(8)
            .margin_left(10)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let format_x = move |v: &f64| format!("{v:.decimals$}");
        let format_y = |v: &f64| thousands(*v);
        ctx.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .x_labels(10)
            .y_labels(6)
            .x_label_formatter(&format_x)
            .y_label_formatter(&format_y)
            .x_desc("loss ratio per path (%)")
            .y_desc("paths")
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE))
            .draw()?;
        ctx.draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(b, c)| {
                    let left = lo + b as f64 * width;
                    Rectangle::new([(left, 0.0), (left + width, *c as f64)], BAR.filled())
                }),
        )?
        .label(bars_label)
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 22, y + 6)], BAR.filled()));
        ctx.draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(b, c)| {
                    let left = lo + b as f64 * width;
                    Rectangle::new(
                        [(left, 0.0), (left + width, *c as f64)],
                        BAR_EDGE.stroke_width(1),
                    )
                }),
        )?;
        for (x, label, color, dashed) in marks {
            let style = color.stroke_width(2);
            let text = format!("{label} {x:.decimals$} %");
            if dashed {
                ctx.draw_series(DashedLineSeries::new([(x, y0), (x, y1)], 7, 4, style))?
                    .label(text)
                    .legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 22, y)], 7, 4, style)
                    });
            } else {
                ctx.draw_series(LineSeries::new([(x, y0), (x, y1)], style))?
                    .label(text)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
            }
        }
        ctx.configure_series_labels()
            .position(legend_at)
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

/// Mean claims of one peril over paths with its Monte Carlo standard error, in EUR.
pub struct PerilBar {
    /// Peril name, e.g. `delay`.
    pub peril: String,
    /// Mean claims in EUR over the horizon.
    pub mean_eur: f64,
    /// Standard error of the mean, in EUR.
    pub se_eur: f64,
}

/// Renders the mean claims per peril as bars with ± 1.96 se whiskers (a 95 % interval).
/// Errors when there is no peril or no finite amount.
pub fn peril_bars(title: &str, bars: &[PerilBar]) -> Result<String> {
    if bars.is_empty() {
        bail!("peril chart '{title}': no peril");
    }
    let top = bars
        .iter()
        .map(|b| b.mean_eur + 1.96 * b.se_eur.max(0.0))
        .filter(|x| x.is_finite())
        .fold(0.0_f64, f64::max);
    let bottom = bars
        .iter()
        .map(|b| b.mean_eur)
        .filter(|x| x.is_finite())
        .fold(0.0_f64, f64::min);
    let y1 = if top > bottom { top * 1.15 } else { 1.0 };
    let y0 = bottom * 1.15;
    if !(y0.is_finite() && y1.is_finite() && (y1 - y0).is_finite()) {
        bail!("peril chart '{title}': values too large to plot");
    }
    let n = bars.len();
    let names: Vec<String> = bars.iter().map(|b| b.peril.clone()).collect();
    let widest = thousands(y1).len().max(thousands(y0).len());
    let y_area = (widest as f64 * 0.58 * LABEL_SIZE / 1.24 + 40.0).clamp(60.0, 180.0) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut ctx = ChartBuilder::on(&root)
            .caption(title, (FONT, TITLE_SIZE).into_font())
            .margin_top(8)
            .margin_left(10)
            .margin_right(24)
            .margin_bottom(6)
            .x_label_area_size(48)
            .y_label_area_size(y_area)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), y0..y1)?;
        let format_x = move |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        };
        let format_y = |v: &f64| thousands(*v);
        ctx.configure_mesh()
            .bold_line_style(GRID)
            .light_line_style(TRANSPARENT)
            .axis_style(AXIS)
            .disable_x_mesh()
            .x_labels(n + 1)
            .y_labels(6)
            .x_label_formatter(&format_x)
            .y_label_formatter(&format_y)
            .x_desc("peril")
            .y_desc("mean claims over the horizon (EUR)")
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE))
            .draw()?;
        ctx.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let x = i as f64;
            let v = if b.mean_eur.is_finite() {
                b.mean_eur
            } else {
                0.0
            };
            Rectangle::new([(x - 0.3, 0.0), (x + 0.3, v)], BAR.filled())
        }))?
        .label("mean claims")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 22, y + 6)], BAR.filled()));
        let whisker = AXIS.stroke_width(2);
        for (i, b) in bars.iter().enumerate() {
            if !(b.mean_eur.is_finite() && b.se_eur.is_finite()) {
                continue;
            }
            let x = i as f64;
            let (lo, hi) = (b.mean_eur - 1.96 * b.se_eur, b.mean_eur + 1.96 * b.se_eur);
            ctx.draw_series([
                PathElement::new(vec![(x, lo), (x, hi)], whisker),
                PathElement::new(vec![(x - 0.08, lo), (x + 0.08, lo)], whisker),
                PathElement::new(vec![(x - 0.08, hi), (x + 0.08, hi)], whisker),
            ])?;
        }
        ctx.draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
            .label("± 1.96 se (95 %)")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x + 11, y - 7), (x + 11, y + 7)], whisker)
            });
        ctx.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_has_axes_in_percent_and_paths() {
        let ratios: Vec<f64> = (0..200).map(|i| 0.4 + 0.001 * i as f64).collect();
        let svg = loss_ratio_histogram(&LossRatioHistogram {
            title: "parcel: loss ratio per path",
            ratios: &ratios,
            mean: 0.5,
            var_99: 0.598,
            tvar_99: 0.599,
        })
        .unwrap();
        assert!(svg.starts_with("<svg"));
        for want in ["loss ratio per path (%)", "paths", "VaR 99 %", "TVaR 99 %"] {
            assert!(svg.contains(want), "{want}");
        }
    }

    /// Where most paths have no loss, their count goes to the legend and the bars show the
    /// paths with a loss (a guarantee frame's histogram was one bar at 0); otherwise every
    /// path is a bar.
    #[test]
    fn paths_without_loss_are_counted_not_drawn_when_they_are_most() {
        let mut ratios = vec![0.0; 970];
        ratios.extend((0..30).map(|i| 2.0 + 0.5 * i as f64));
        let h = |r: &[f64]| {
            loss_ratio_histogram(&LossRatioHistogram {
                title: "trustmark: loss ratio per path",
                ratios: r,
                mean: 0.5,
                var_99: 10.0,
                tvar_99: 14.0,
            })
            .unwrap()
        };
        let svg = h(&ratios);
        assert!(
            svg.contains("30 paths with a loss (97 % at 0 not drawn)"),
            "{svg:.300}"
        );
        // 20 of 50 at 0: every path is a bar.
        let svg = h(&ratios[950..]);
        assert!(svg.contains("50 paths"), "every path a bar");
        assert!(!svg.contains("not drawn"));
        // All at 0: one bar, nothing to leave out.
        assert!(h(&[0.0; 10]).contains("10 paths"));
    }

    #[test]
    fn odd_input_is_an_error_or_a_chart_never_a_panic() {
        let h = |r: &[f64], m: f64| {
            loss_ratio_histogram(&LossRatioHistogram {
                title: "t",
                ratios: r,
                mean: m,
                var_99: f64::NAN,
                tvar_99: f64::INFINITY,
            })
        };
        assert!(h(&[], 0.5).is_err());
        assert!(h(&[f64::NAN], 0.5).is_err());
        assert!(h(&[0.3], 0.3).is_ok());
        assert!(h(&[0.3, 0.3, 0.3], f64::NAN).is_ok());
        let _ = h(&[1e300, -1e300], 0.0);
        assert!(h(&[1e308, -1e308], 0.0).is_err());
        assert!(peril_bars("t", &[]).is_err());
        let bar = |m: f64, s: f64| PerilBar {
            peril: "delay".into(),
            mean_eur: m,
            se_eur: s,
        };
        assert!(peril_bars("t", &[bar(0.0, 0.0)]).is_ok());
        assert!(peril_bars("t", &[bar(f64::NAN, f64::NAN), bar(5.0, 1.0)]).is_ok());
        let svg = peril_bars("t", &[bar(1200.0, 30.0), bar(800.0, 20.0)]).unwrap();
        assert!(svg.contains("EUR") && svg.contains("delay"));
    }
}
