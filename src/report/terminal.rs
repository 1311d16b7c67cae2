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
];

/// Renders the table for every product, then its segments, then the frames.
pub fn render(rows: &[MetricRow]) -> String {
    let mut out = String::new();
    let mut products: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !products.contains(&(&r.product, r.kind)) {
            products.push((&r.product, r.kind));
        }
    }
    for (name, kind) in products {
        let _ = writeln!(out, "\n{name} ({kind})");
        let _ = writeln!(
            out,
            "  {:<26} {:>28} {:>14} {:>14} {:>14} {:>14}",
            "", "mean ± se", "p50", "p99", "TVaR 99", "analytic"
        );
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
        for (label, r) in lines {
            let s = &r.summary;
            let mean = format!("{} ± {}", value(r.unit, s.mean), value(r.unit, s.se));
            let analytic = r.analytic.map_or("-".to_string(), |a| value(r.unit, a));
            let _ = writeln!(
                out,
                "  {:<26} {:>28} {:>14} {:>14} {:>14} {:>14}",
                label,
                mean,
                value(r.unit, s.p50),
                value(r.unit, s.p99),
                value(r.unit, s.tvar_99),
                analytic
            );
        }
        render_segments(&mut out, rows, name);
    }
    render_frames(&mut out, rows);
    out
}

/// One line per segment of a product: volume, premium, net claims and loss ratio.
fn render_segments(out: &mut String, rows: &[MetricRow], product: &str) {
    let mut segments: Vec<&str> = Vec::new();
    for r in rows.iter().filter(|r| r.product == product) {
        if let Some(s) = r.segment.as_deref().filter(|s| !segments.contains(s)) {
            segments.push(s);
        }
    }
    if segments.is_empty() {
        return;
    }
    // Wide enough for the longest name (parcel cells read `standard/rated/international`).
    let w = segments
        .iter()
        .map(|s| s.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(26);
    let _ = writeln!(
        out,
        "  {:<w$} {:>14} {:>14} {:>14} {:>22} {:>14}",
        "by segment", "covered", "premium", "net claims", "E[net] / E[premium]", "P(LR > 1)"
    );
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
        let _ = writeln!(
            out,
            "  {:<w$} {:>14} {:>14} {:>14} {:>22} {:>14}",
            format!("  {seg}"),
            value("", covered.mean),
            value("EUR", premium.mean),
            value("EUR", net.mean),
            format!("{} ± {}", value("ratio", lr.mean), value("ratio", lr.se)),
            value("probability", p1.mean)
        );
    }
}

/// One line per company with a guarantee frame: saturation and insolvency at a glance.
fn render_frames(out: &mut String, rows: &[MetricRow]) {
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
    let _ = writeln!(
        out,
        "  {:<26} {:>12} {:>20} {:>10} {:>12} {:>12} {:>22} {:>12}",
        "company",
        "frame",
        "P(saturation)",
        "E[days]",
        "peak p50",
        "peak p99",
        "insolvency loss",
        "TVaR 99"
    );
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
        let _ = writeln!(
            out,
            "  {:<26} {:>12} {:>20} {:>10.1} {:>12} {:>12} {:>22} {:>12}",
            c,
            value("EUR", frame.mean),
            format!(
                "{} ± {}",
                value("probability", sat.mean),
                value("probability", sat.se)
            ),
            days.mean,
            value("EUR", peak.p50),
            value("EUR", peak.p99),
            format!("{} ± {}", value("EUR", loss.mean), value("EUR", loss.se)),
            value("EUR", loss.tvar_99)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
