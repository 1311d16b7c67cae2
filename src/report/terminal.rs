//! The short table a run prints on stdout: headline numbers as mean ± standard error, a few
//! quantiles, and the analytic expectation beside the simulated mean.

use crate::summary::MetricRow;
use std::fmt::Write;

/// Groups digits in thousands: 1234567.8 → "1,234,568".
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x.abs() >= 1e15 {
        return format!("{x:.3e}");
    }
    let n = x.round().abs() as u128;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if x.round() < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

fn value(unit: &str, x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    match unit {
        "ratio" | "probability" => format!("{:.2} %", 100.0 * x),
        _ if x.abs() >= 1000.0 => thousands(x),
        _ => format!("{x:.2}"),
    }
}

/// Metrics shown in the terminal before the perils, with their labels (the rest are in
/// summary.csv).
const HEAD: &[(&str, &str)] = &[
    ("covered", "covered"),
    ("premium_eur", "premium (EUR)"),
    ("claims_eur", "claims (EUR)"),
];

/// Metrics shown after the perils; those marked `true` only when not zero on average.
const TAIL: &[(&str, &str, bool)] = &[
    ("recoveries_eur", "recoveries (EUR)", true),
    ("retained_eur", "retained by insured (EUR)", true),
    ("shared_claims_count", "claims sharing an order", true),
    ("refunds_eur", "premium refunded (EUR)", true),
    ("contracts_ended_count", "contracts ended", true),
    ("terminated_count", "terminated by the insurer", true),
    ("disputes_per_million", "disputes per million covered", true),
    (
        "mediation_settled_share",
        "settled in mediation in time",
        true,
    ),
    ("mediation_days_mean", "mediation days per case", true),
    ("loss_ratio", "loss ratio per path", false),
    ("portfolio_loss_ratio", "E[net claims] / E[premium]", false),
    ("paid_loss_ratio", "paid-to-date loss ratio", true),
    ("p_loss_ratio_above_1", "P(loss ratio > 100 %)", false),
    ("ceded_claims_eur", "ceded claims (EUR)", false),
    ("stop_loss_claims_eur", "  of which stop-loss (EUR)", false),
    (
        "premium_after_reinsurance_eur",
        "premium after reinsurance",
        false,
    ),
    (
        "portfolio_loss_ratio_after_reinsurance",
        "E[net] / E[premium] after reins.",
        false,
    ),
    (
        "p_loss_ratio_after_reinsurance_above_1",
        "P(LR after reins. > 100 %)",
        false,
    ),
];

/// How the tables are laid out for where they are printed: a width to fit (columns of lowest
/// priority are left out until the table fits; `None`: every column) and whether bad cells
/// are coloured (ANSI red).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub width: Option<usize>,
    pub colour: bool,
}

impl Style {
    /// The style for stdout: its terminal's width and colour when it is a terminal (colour
    /// unless `NO_COLOR` is set); no limit and no colour when it is a pipe or a file.
    pub fn for_stdout() -> Style {
        use std::io::IsTerminal as _;
        if !std::io::stdout().is_terminal() {
            return Style::default();
        }
        let width = console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| cols as usize)
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok());
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            width,
            colour: !no_colour,
        }
    }
}

/// A probability of a loss ratio above 100 % above this is shown as bad.
const BAD_P_LOSS: f64 = 0.05;

/// One cell: its text and whether it is bad (coloured where the style colours).
struct Cell {
    text: String,
    bad: bool,
}

impl Cell {
    fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            bad: false,
        }
    }
    fn bad_if(mut self, bad: bool) -> Cell {
        self.bad = bad;
        self
    }
}

/// A column: its header, left- or right-aligned, and its priority (0: always shown; higher
/// numbers are left out first when the table must narrow).
struct Column {
    header: &'static str,
    left: bool,
    drop_order: u8,
}

/// A text table sized to its cells and narrowed to the style's width.
struct TextTable {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
}

impl TextTable {
    fn new(columns: Vec<Column>) -> TextTable {
        TextTable {
            columns,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// Writes the table indented by two spaces, one space between columns.
    fn write(&self, out: &mut String, style: Style) {
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|c| {
                let cells = self.rows.iter().map(|r| r[c].text.chars().count());
                cells
                    .chain([self.columns[c].header.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut shown: Vec<bool> = vec![true; self.columns.len()];
        if let Some(limit) = style.width {
            let total = |shown: &[bool]| -> usize {
                2 + (widths.iter().zip(shown))
                    .filter(|(_, s)| **s)
                    .map(|(w, _)| w + 1)
                    .sum::<usize>()
            };
            let mut order: Vec<usize> = (0..self.columns.len())
                .filter(|&c| self.columns[c].drop_order > 0)
                .collect();
            // Highest drop order first; among equals, the rightmost first.
            order.sort_by_key(|&c| {
                (
                    std::cmp::Reverse(self.columns[c].drop_order),
                    std::cmp::Reverse(c),
                )
            });
            for c in order {
                if total(&shown) <= limit {
                    break;
                }
                shown[c] = false;
            }
        }
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = (usize, &str, bool)>| {
            out.push(' ');
            for (c, text, bad) in cells {
                if !shown[c] {
                    continue;
                }
                let w = widths[c];
                let padded = if self.columns[c].left {
                    format!("{text:<w$}")
                } else {
                    format!("{text:>w$}")
                };
                out.push(' ');
                if bad && style.colour {
                    let _ = write!(out, "\x1b[31m{padded}\x1b[0m");
                } else {
                    out.push_str(&padded);
                }
            }
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        };
        line(
            out,
            &mut self
                .columns
                .iter()
                .enumerate()
                .map(|(c, col)| (c, col.header, false)),
        );
        for r in &self.rows {
            line(
                out,
                &mut r
                    .iter()
                    .enumerate()
                    .map(|(c, cell)| (c, cell.text.as_str(), cell.bad)),
            );
        }
    }
}

/// A column, left-aligned for labels.
fn col(header: &'static str, left: bool, drop_order: u8) -> Column {
    Column {
        header,
        left,
        drop_order,
    }
}

/// Renders the table for every product, then its segments, then the frames, every column
/// shown and nothing coloured (for files, pipes and tests).
pub fn render(rows: &[MetricRow]) -> String {
    render_styled(rows, Style::default())
}

/// [`render`] laid out for `style`.
pub fn render_styled(rows: &[MetricRow], style: Style) -> String {
    let mut out = String::new();
    let mut products: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !products.contains(&(&r.product, r.kind)) {
            products.push((&r.product, r.kind));
        }
    }
    for (name, kind) in products {
        let _ = writeln!(out, "\n{name} ({kind})");
        let own: Vec<&MetricRow> = rows
            .iter()
            .filter(|r| r.product == name && r.company.is_none() && r.segment.is_none())
            .collect();
        let find = |metric: &str| own.iter().copied().find(|r| r.metric == metric);
        let mut lines: Vec<(String, &MetricRow)> = Vec::new();
        for (metric, label) in HEAD {
            if let Some(r) = find(metric) {
                let label = if *metric == "covered" {
                    format!("covered {}", r.unit)
                } else {
                    label.to_string()
                };
                lines.push((label, r));
            }
        }
        // Perils: every `<peril>_eur` row with a `<peril>_count` beside it.
        for r in &own {
            if let Some(peril) = r.metric.strip_suffix("_count")
                && peril != "rejected"
                && let Some(eur) = find(&format!("{peril}_eur"))
            {
                lines.push((format!("  {peril} (EUR)"), eur));
            }
        }
        for (metric, label, only_if_nonzero) in TAIL {
            if let Some(r) = find(metric)
                && !(*only_if_nonzero && r.summary.mean == 0.0)
            {
                lines.push((label.to_string(), r));
            }
        }
        let mut table = TextTable::new(vec![
            col("", true, 0),
            col("mean ± se", false, 0),
            col("p50", false, 3),
            col("p99", false, 1),
            col("TVaR 99", false, 2),
            col("analytic", false, 0),
        ]);
        for (label, r) in lines {
            let s = &r.summary;
            let mean = format!("{} ± {}", value(r.unit, s.mean), value(r.unit, s.se));
            let analytic = r.analytic.map_or("-".to_string(), |a| value(r.unit, a));
            let bad = matches!(
                r.metric.as_str(),
                "p_loss_ratio_above_1" | "p_loss_ratio_after_reinsurance_above_1"
            ) && s.mean > BAD_P_LOSS;
            table.push(vec![
                Cell::new(label),
                Cell::new(mean).bad_if(bad),
                Cell::new(value(r.unit, s.p50)),
                Cell::new(value(r.unit, s.p99)),
                Cell::new(value(r.unit, s.tvar_99)),
                Cell::new(analytic),
            ]);
        }
        table.write(&mut out, style);
        render_segments(&mut out, rows, name, style);
    }
    render_frames(&mut out, rows, style);
    out
}

/// One line per segment of a product: volume, premium, net claims and loss ratio. A view
/// without premium (development months, motives) has no loss ratio: its cells stay blank.
fn render_segments(out: &mut String, rows: &[MetricRow], product: &str, style: Style) {
    let mut segments: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.product == product) {
        if let Some(s) = r.segment.as_deref().filter(|s| !segments.contains(s)) {
            segments.push(s);
        }
    }
    if segments.is_empty() {
        return;
    }
    let mut table = TextTable::new(vec![
        col("by segment", true, 0),
        col("covered", false, 3),
        col("premium", false, 2),
        col("net claims", false, 1),
        col("E[net] / E[premium]", false, 0),
        col("P(LR > 1)", false, 0),
    ]);
    for seg in segments {
        let get = |metric: &str| {
            rows.iter()
                .find(|r| {
                    r.product == product && r.segment.as_deref() == Some(seg) && r.metric == metric
                })
                .map(|r| r.summary)
        };
        let (Some(covered), Some(premium), Some(net), Some(lr), Some(p1)) = (
            get("covered"),
            get("premium_eur"),
            get("net_claims_eur"),
            get("portfolio_loss_ratio"),
            get("p_loss_ratio_above_1"),
        ) else {
            continue;
        };
        let priced = premium.mean != 0.0;
        if !priced && net.mean == 0.0 && covered.mean == 0.0 {
            continue; // a view with nothing in it: no row.
        }
        let blank_unless = |shown: bool, text: String| if shown { text } else { String::new() };
        table.push(vec![
            Cell::new(format!("  {seg}")),
            Cell::new(blank_unless(covered.mean != 0.0, value("", covered.mean))),
            Cell::new(blank_unless(priced, value("EUR", premium.mean))),
            Cell::new(value("EUR", net.mean)),
            Cell::new(blank_unless(
                priced,
                format!("{} ± {}", value("ratio", lr.mean), value("ratio", lr.se)),
            )),
            Cell::new(blank_unless(priced, value("probability", p1.mean)))
                .bad_if(priced && p1.mean > BAD_P_LOSS),
        ]);
    }
    table.write(out, style);
}

/// One line per company with a guarantee frame: saturation and insolvency at a glance.
fn render_frames(out: &mut String, rows: &[MetricRow], style: Style) {
    let mut companies: Vec<&str> = Vec::new();
    for r in rows {
        if let Some(c) = r.company.as_deref().filter(|c| !companies.contains(c)) {
            companies.push(c);
        }
    }
    if companies.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nguarantee frames");
    let mut table = TextTable::new(vec![
        col("company", true, 0),
        col("frame", false, 0),
        col("P(saturation)", false, 0),
        col("E[days]", false, 3),
        col("peak p50", false, 4),
        col("peak p99", false, 0),
        col("insolvency loss", false, 1),
        col("TVaR 99", false, 2),
    ]);
    for c in companies {
        let get = |metric: &str| {
            rows.iter()
                .find(|r| r.company.as_deref() == Some(c) && r.metric == metric)
                .map(|r| r.summary)
        };
        let (Some(frame), Some(sat), Some(days), Some(peak), Some(loss)) = (
            get("frame_eur"),
            get("p_saturation"),
            get("days_over_frame"),
            get("peak_eur"),
            get("insolvency_loss_eur"),
        ) else {
            continue;
        };
        table.push(vec![
            Cell::new(c),
            Cell::new(value("EUR", frame.mean)),
            Cell::new(format!(
                "{} ± {}",
                value("probability", sat.mean),
                value("probability", sat.se)
            )),
            Cell::new(format!("{:.1}", days.mean)),
            Cell::new(value("EUR", peak.p50)),
            Cell::new(value("EUR", peak.p99)),
            Cell::new(format!(
                "{} ± {}",
                value("EUR", loss.mean),
                value("EUR", loss.se)
            )),
            Cell::new(value("EUR", loss.tvar_99)),
        ]);
    }
    table.write(out, style);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Summary;

    /// A product row and a segment row of each metric the tables show, the segment's
    /// P(loss ratio > 100 %) at 30 %.
    fn rows() -> Vec<MetricRow> {
        let row =
            |segment: Option<&str>, metric: &str, unit: &'static str, values: &[f64]| MetricRow {
                product: "parcel".into(),
                kind: "buyer_protection",
                company: None,
                segment: segment.map(str::to_string),
                metric: metric.into(),
                unit,
                summary: Summary::of(values),
                analytic: None,
            };
        let mut out = Vec::new();
        for segment in [None, Some("standard/rated/international")] {
            out.push(row(segment, "covered", "orders", &[1e5, 1.2e5, 0.9e5]));
            out.push(row(
                segment,
                "premium_eur",
                "EUR",
                &[123456.0, 130000.0, 120000.0],
            ));
            out.push(row(
                segment,
                "claims_eur",
                "EUR",
                &[80000.0, 90000.0, 150000.0],
            ));
            out.push(row(
                segment,
                "net_claims_eur",
                "EUR",
                &[80000.0, 90000.0, 150000.0],
            ));
            out.push(row(segment, "loss_ratio", "ratio", &[0.6, 0.7, 1.2]));
            out.push(row(
                segment,
                "portfolio_loss_ratio",
                "ratio",
                &[0.8, 0.8, 0.8],
            ));
            out.push(row(
                segment,
                "p_loss_ratio_above_1",
                "probability",
                &[0.3, 0.3, 0.3],
            ));
        }
        out
    }

    /// At 80 columns every line fits, by leaving out the quantiles a reader needs least; with
    /// no width every column is there.
    #[test]
    fn tables_fit_the_terminal_width_by_leaving_out_columns() {
        let wide = render_styled(&rows(), Style::default());
        assert!(wide.contains("TVaR 99") && wide.contains("p50"), "{wide}");
        assert!(wide.lines().any(|l| l.chars().count() > 80), "{wide}");
        for (width, gone) in [(80, &["p50"][..]), (70, &["p50", "TVaR 99"][..])] {
            let narrow = render_styled(
                &rows(),
                Style {
                    width: Some(width),
                    colour: false,
                },
            );
            for line in narrow.lines() {
                assert!(line.chars().count() <= width, "{line:?} in\n{narrow}");
            }
            assert!(narrow.contains("mean ± se") && narrow.contains("analytic"));
            assert!(narrow.contains("E[net] / E[premium]") && narrow.contains("P(LR > 1)"));
            for header in gone {
                assert!(!narrow.contains(header), "{header} at {width}:\n{narrow}");
            }
        }
    }

    /// A P(loss ratio > 100 %) above 5 % is red where the style colours, and only there; the
    /// colour codes do not move the columns.
    #[test]
    fn bad_cells_are_red_only_in_colour() {
        let plain = render_styled(&rows(), Style::default());
        assert!(!plain.contains('\x1b'));
        let coloured = render_styled(
            &rows(),
            Style {
                width: None,
                colour: true,
            },
        );
        assert_eq!(coloured.matches("\x1b[31m").count(), 2, "{coloured}");
        let stripped = coloured.replace("\x1b[31m", "").replace("\x1b[0m", "");
        assert_eq!(stripped, plain);
    }

    #[test]
    fn thousands_groups_digits() {
        for (x, want) in [
            (0.0, "0"),
            (999.4, "999"),
            (1234.0, "1,234"),
            (1234567.8, "1,234,568"),
            (-1000.0, "-1,000"),
        ] {
            assert_eq!(thousands(x), want);
        }
    }
}
