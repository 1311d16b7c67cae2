//! Active guarantees as an M_t/G/∞ queue (`docs/validation.md`, Eick, Massey and Whitt
//! 1993): with no volume uncertainty the active count on day t is Poisson with mean
//! m(t) = Σ_{d=t−D+1..t} λ(d) (an order of day d is active on days d..d+D−1), the active value is
//! compound Poisson; with a gamma volume multiplier of CV c the count's variance is m + c²m².
//!
//! To observe counts, baskets are capped at 1 EUR (every basket is the cap), so the active value
//! in EUR is the active count.

use protectsim::engine::{stream, stream_id};
use protectsim::frame::{self, active_volume};
use protectsim::money::Cents;
use protectsim::orders::{OrderBlock, OrderMarks, OrderStream};
use protectsim::products::guarantee_frame::{FrameShopBook, Insolvency};
use protectsim::products::{Product, ProductTotals};
use protectsim::scenario::Scenario;
use protectsim::stats::{Moments, quantile_sorted};

const DAYS: u32 = 120;
const D: usize = 30;

/// A flat calendar (every day weighs the same) with one shop of 1000 orders a day.
fn scenario(basket: &str, volume_cv: f64) -> Scenario {
    let days = [
        31.0, 28.0, 31.0, 30.0, 31.0, 30.0, 31.0, 31.0, 30.0, 31.0, 30.0, 31.0,
    ];
    let shares: Vec<String> = days
        .iter()
        .map(|d: &f64| format!("{}", d / 365.0 * 100.0))
        .collect();
    let text = format!(
        r#"
[horizon]
start = "2026-02-01"
days = {DAYS}
[simulation]
seed = 1
paths = 10
[calendar]
weekday_multipliers = [1, 1, 1, 1, 1, 1, 1]
month_shares_pct = [{}]
black_friday = {{ day = 1, week_mon_thu = 1, saturday = 1, sunday = 1, cyber_monday = 1 }}
christmas = {{ ramp = 1, after_cutoff = 1 }}
winter_sales = {{ first_day = 1, following_days = 1 }}
summer_sales = {{ first_day = 1, following_days = 1 }}
[[products]]
name = "g"
kind = "guarantee_frame"
take_up = 1.0
max_per_order_eur = "10000000"
[[companies]]
name = "c"
frame_eur = "100000"
[[companies.shops]]
name = "s"
orders_per_day = 1000
volume_cv = {volume_cv}
basket = {basket}
categories = {{ other = 1.0 }}
products = ["g"]
"#,
        shares.join(", ")
    );
    Scenario::parse(&text, "mgi.toml").unwrap()
}

/// Simulates the active volume (EUR) of `paths` paths of a book with daily `rates` (warm-up
/// days first), through the engine's streams and the frame's window sum.
fn active_paths(s: &Scenario, rates: &[f64], paths: u64) -> Vec<Vec<f64>> {
    let Product::GuaranteeFrame(g) = &s.products()[0] else {
        panic!()
    };
    let shop = &s.companies()[0].shops[0];
    let shape: Vec<f64> = rates.iter().map(|r| r / shop.orders_per_day).collect();
    let book = FrameShopBook::new(g, shop, &shape, s.horizon());
    let demand = book.demand();
    let first = demand.first_day;
    let orders = OrderStream::new(shop, &[demand], s.horizon().days, |d| {
        shape[(d - first) as usize]
    });
    (0..paths)
        .map(|p| {
            let volume = shop.volume.sample(&mut stream(9, p, stream_id("volume")));
            let (mut a, mut b, mut c) = (
                stream(9, p, stream_id("counts")),
                stream(9, p, stream_id("orders")),
                stream(9, p, stream_id("claims")),
            );
            let mut new = vec![Cents::ZERO; rates.len()];
            let mut t = ProductTotals::default();
            let (mut block, mut marks) = (OrderBlock::default(), OrderMarks::default());
            let none = Insolvency { default_day: None };
            orders.simulate(volume, None, &mut a, &mut b, &mut block, |i, orders| {
                let day = i as i64 + first;
                book.apply(day, orders, 0, none, &mut marks, &mut c, &mut new, &mut t)
            });
            active_volume(&new, D, D - 1)
                .iter()
                .map(|&x| x.to_eur())
                .collect()
        })
        .collect()
}

fn at(paths: &[Vec<f64>], day: usize) -> Moments {
    paths.iter().map(|p| p[day]).collect()
}

/// docs/validation.md, stationary case: λ = 1000/day, D = 30: active count mean 30,000,
/// q0.99 = 30,404. Seed 9, 2,000 paths.
#[test]
fn stationary_active_count_is_poisson_30000() {
    let s = scenario("{ median_eur = 100, sigma = 0.5, cap_eur = 1 }", 0.0);
    let rates = vec![1000.0; DAYS as usize + D - 1];
    let paths = active_paths(&s, &rates, 2000);
    let m = at(&paths, 60);
    assert!(
        (m.mean() - 30_000.0).abs() < 4.0 * m.standard_error(),
        "mean {}",
        m.mean()
    );
    // Poisson: variance = mean; the sample variance has relative sd sqrt(2/(n−1)).
    assert!(
        (m.variance() / 30_000.0 - 1.0).abs() < 4.0 * (2.0 / 1999.0_f64).sqrt(),
        "var {}",
        m.variance()
    );
    // q0.99 = 30,404 lies between the order statistics at ranks n q ∓ 4 sqrt(n q (1−q)).
    let mut v: Vec<f64> = paths.iter().map(|p| p[60]).collect();
    v.sort_by(f64::total_cmp);
    let (n, q): (f64, f64) = (2000.0, 0.99);
    let half = 4.0 * (n * q * (1.0 - q)).sqrt();
    let lo = quantile_sorted(&v, (n * q - half) / n);
    let hi = quantile_sorted(&v, ((n * q + half) / n).min(1.0));
    assert!(
        lo <= 30_404.0 && 30_404.0 <= hi,
        "q0.99 bracket [{lo}, {hi}]"
    );
}

/// docs/validation.md, stationary case: X lognormal mean 60 EUR, CV 1: active value mean
/// 1,800,000, sd 14,697.
#[test]
fn stationary_active_value_is_compound_poisson() {
    let s = scenario("{ mean_eur = 60, cv = 1.0, cap_eur = 1000000 }", 0.0);
    let rates = vec![1000.0; DAYS as usize + D - 1];
    let paths = active_paths(&s, &rates, 2000);
    let m = at(&paths, 90);
    assert!(
        (m.mean() - 1_800_000.0).abs() < 4.0 * m.standard_error(),
        "mean {}",
        m.mean()
    );
    // sd within 10 % (the sd estimate's relative error is about 2 % here).
    assert!((m.sd() / 14_697.0 - 1.0).abs() < 0.10, "sd {}", m.sd());
}

/// docs/validation.md, surge case: λ = 1000 before day s, 3000 on [s, s+5), 1500 on [s+5, s+35),
/// 1000 after. The expected count peaks at 52,500 on day s+29 (the 30th day of the surge, not
/// during it) and the simulation follows within 4 standard errors.
#[test]
fn surge_peaks_thirty_days_after_it_began() {
    let s = scenario("{ median_eur = 100, sigma = 0.5, cap_eur = 1 }", 0.0);
    let surge = 40; // horizon day the surge starts
    let warm = D - 1;
    let rates: Vec<f64> = (0..DAYS as usize + warm)
        .map(|i| {
            let day = i as i64 - warm as i64 - surge;
            match day {
                0..5 => 3000.0,
                5..35 => 1500.0,
                _ => 1000.0,
            }
        })
        .collect();
    // The formula: m(t) = Σ of the last D days' rates.
    let m: Vec<f64> = (0..DAYS as usize)
        .map(|t| rates[t..t + D].iter().sum())
        .collect();
    let peak = (0..m.len()).max_by(|&a, &b| m[a].total_cmp(&m[b])).unwrap();
    assert_eq!(peak, surge as usize + 29);
    assert_eq!(m[peak], 52_500.0);
    assert_eq!(m[peak + 1], 51_000.0);

    let paths = active_paths(&s, &rates, 1000);
    for t in [
        surge as usize - 1,
        surge as usize + 4,
        peak,
        peak + 3,
        surge as usize + 40,
    ] {
        let x = at(&paths, t);
        assert!(
            (x.mean() - m[t]).abs() < 4.0 * x.standard_error(),
            "day {t}: {} vs {}",
            x.mean(),
            m[t]
        );
    }
    // The simulated mean's highest day is the formula's (neighbours differ by 500 ± ~7).
    let means: Vec<f64> = (0..DAYS as usize).map(|t| at(&paths, t).mean()).collect();
    let sim_peak = (0..means.len())
        .max_by(|&a, &b| means[a].total_cmp(&means[b]))
        .unwrap();
    assert_eq!(sim_peak, peak);
}

/// A gamma volume multiplier with CV c makes the active count negative binomial:
/// variance m + c²m² (docs/validation.md).
#[test]
fn gamma_volume_gives_variance_m_plus_c2_m2() {
    let c = 0.2;
    let s = scenario("{ median_eur = 100, sigma = 0.5, cap_eur = 1 }", c);
    let rates = vec![1000.0; DAYS as usize + D - 1];
    let paths = active_paths(&s, &rates, 2000);
    let x = at(&paths, 60);
    let m = 30_000.0;
    let want = m + c * c * m * m;
    assert!(
        (x.mean() - m).abs() < 4.0 * x.standard_error(),
        "mean {}",
        x.mean()
    );
    // Relative sd of a variance estimate: sqrt((kurtosis − 1)/n); gamma shape 25 has kurtosis
    // 3 + 6/25.
    let rel = ((3.0 + 6.0 / 25.0 - 1.0) / 2000.0_f64).sqrt();
    assert!(
        (x.variance() / want - 1.0).abs() < 4.0 * rel,
        "variance {} vs {want}",
        x.variance()
    );
}

/// A frame that reacts within a path: with a raise policy the guarantor raises an exhausted
/// frame after its review lag. The policy draws from its own stream, so it changes nothing but
/// the frame's own figures; the raised frame is never below the initial one, and never leaves
/// more days or a larger excess over it than the static frame.
#[test]
fn raised_frames_follow_the_policy_and_change_nothing_else() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/frame_black_friday.toml"
    ))
    .unwrap();
    let insolvency = "insolvency = { stress_multiplier = 1.0, refund_share = 0.9 }";
    assert_eq!(text.matches(insolvency).count(), 1);
    let load = |extra: &str| {
        let t = text.replacen(insolvency, &format!("{insolvency}\n{extra}"), 1);
        let s = Scenario::parse(&t, "frames.toml").unwrap();
        let model = protectsim::engine::Model::new(&s);
        let r = protectsim::engine::with_threads(2, || model.simulate(9, 0..40, &|_| {}))
            .unwrap()
            .unwrap();
        (model, r)
    };
    let (model, fixed) = load("");
    let (_, raised) = load("raise = { review_lag_days = 5, margin = 1.3 }");
    let (_, refused) =
        load("raise = { review_lag_days = 5, margin = 1.3, refusal_probability = 1.0 }");
    let mut raises = 0;
    for ((f, r), x) in fixed.iter().zip(&raised).zip(&refused) {
        assert_eq!(f.products, r.products);
        assert_eq!(f.segments, r.segments);
        for (c, company) in model.frames().iter().enumerate() {
            let (a, b, n) = (&f.frames[c], &r.frames[c], &x.frames[c]);
            assert_eq!(a.saturation, b.saturation);
            assert_eq!(a.active_eur, b.active_eur);
            assert_eq!(a.raised.raises, 0, "no policy, no raise");
            assert_eq!(a.raised.days_over, a.saturation.days_over);
            assert_eq!(a.raised.uncovered, a.saturation.max_excess);
            assert!(b.raised.final_frame >= company.frame);
            assert!(b.raised.days_over <= a.saturation.days_over);
            assert!(b.raised.uncovered <= a.saturation.max_excess);
            if let Some(first) = a.saturation.first_over
                && first + 5 < model.horizon().days
            {
                assert!(b.raised.raises >= 1, "path {} {}", f.path, company.name);
                assert_eq!(b.raised.first_raise, Some(first + 5));
            }
            raises += b.raised.raises;
            assert_eq!(
                (n.raised.raises, n.raised.days_over),
                (0, a.saturation.days_over)
            );
        }
    }
    assert!(raises > 20, "the fixture saturates: {raises} raises");
}

/// The frame in force replayed from the stored daily volumes (what the report's fan chart and
/// `frame_daily.parquet` draw) gives each path the raises the simulation gave it; and the
/// margin `frame` recommends is each path's need: a raised frame of at least that margin never
/// saturates again, one of less does.
#[test]
fn the_replayed_frame_in_force_and_the_margin_each_path_needs() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/frame_black_friday.toml"
    ))
    .unwrap();
    let insolvency = "insolvency = { stress_multiplier = 1.0, refund_share = 0.9 }";
    let policy = "raise = { review_lag_days = 5, margin = 1.3, refusal_probability = 0.3 }";
    let t = text.replacen(insolvency, &format!("{insolvency}\n{policy}"), 1);
    let s = Scenario::parse(&t, "frames.toml").unwrap();
    let model = protectsim::engine::Model::new(&s);
    let results = protectsim::engine::with_threads(2, || model.simulate(9, 0..60, &|_| {}))
        .unwrap()
        .unwrap();
    let (mut raised_paths, mut sized) = (0, 0);
    for r in &results {
        for (c, company) in model.frames().iter().enumerate() {
            let stored = &r.frames[c];
            let active: Vec<Cents> = (stored.active_eur.iter())
                .map(|&a| Cents::round(f64::from(a) * 100.0))
                .collect();
            let mut in_force = Vec::new();
            let replay = company.raised(9, r.path, &active, |f| in_force.push(f));
            // The stored volumes are f32 euros (7 significant digits): the same raises on the
            // same days, amounts within that precision.
            let (x, y) = (replay, stored.raised);
            let what = format!("path {} {}: {x:?} against {y:?}", r.path, company.name);
            assert_eq!(
                (x.raises, x.first_raise, x.days_over),
                (y.raises, y.first_raise, y.days_over),
                "{what}"
            );
            for (a, b) in [(x.final_frame, y.final_frame), (x.uncovered, y.uncovered)] {
                assert!(
                    (a.0 - b.0).abs() as f64 <= 50.0 + 1e-6 * b.0 as f64,
                    "{what}"
                );
            }
            assert_eq!(in_force.len(), active.len());
            assert!(
                in_force.windows(2).all(|w| w[0] <= w[1]),
                "a frame only goes up"
            );
            raised_paths += (replay.raises > 0) as u32;
            // The margin this path needs, against a replay without refusals at margins just
            // above and just below it: over the frame in force after the first raise or not.
            let need = frame::margin_needed(&active, company.frame, 5);
            if need <= 1.0 {
                continue;
            }
            sized += 1;
            for (margin, again) in [(need * 1.001, false), (need * 0.999, true)] {
                let p = frame::RaisePolicy {
                    review_lag_days: 5,
                    margin,
                    refusal_probability: 0.0,
                };
                let mut days = Vec::new();
                let once = frame::raised_by_day(
                    &active,
                    company.frame,
                    Some(&p),
                    || false,
                    |f| days.push(f),
                );
                let first = once.first_raise.expect("a raise") as usize;
                let over_after = (first..active.len()).any(|d| active[d] > days[d]);
                assert_eq!(
                    over_after, again,
                    "path {} {} margin {margin}",
                    r.path, company.name
                );
            }
        }
    }
    assert!(
        raised_paths > 20 && sized > 20,
        "{raised_paths} raised, {sized} sized"
    );
    let (required, again) = frame::recommend_margin(vec![0.0, 1.1, 1.2, 1.5], 0.75, 1.3);
    assert_eq!((required, again), (1.2, 0.25));
}

/// The frame rule weighs the product range: a multiplier per category group of the turnover
/// (`default_frame.category_group_multipliers`, default 1). A merchant of home goods only gets
/// twice the frame with `home = 2`; a frame written on the company does not move.
#[test]
fn the_frame_rule_weighs_the_product_range() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/frame_black_friday.toml"
    ))
    .unwrap();
    let rule = r#"default_frame = { turnover_divisor = 36, floor_eur = "5000" }"#;
    assert_eq!(text.matches(rule).count(), 1);
    let frames = |t: &str| -> Vec<(String, Cents)> {
        let s = Scenario::parse(t, "frames.toml").unwrap();
        let model = protectsim::engine::Model::new(&s);
        model
            .frames()
            .iter()
            .map(|f| (f.name.clone(), f.frame))
            .collect()
    };
    let base = frames(&text);
    let weighted = frames(&text.replacen(
        rule,
        r#"default_frame = { turnover_divisor = 36, floor_eur = "5000", category_group_multipliers = { home = 2.0 } }"#,
        1,
    ));
    let (name, before) = &base[0];
    assert_eq!(
        name, "Maison Lumière SAS",
        "the fixture's rule-based home merchant"
    );
    assert!(
        (weighted[0].1.0 - 2 * before.0).abs() <= 1,
        "{weighted:?} vs {base:?}"
    );
    let given = base.iter().zip(&weighted).filter(|(a, b)| a == b).count();
    assert!(
        given >= 1,
        "frames given on the company stay: {base:?} {weighted:?}"
    );

    let bad = text.replacen(
        rule,
        r#"default_frame = { category_group_multipliers = { kitchen = 2.0 } }"#,
        1,
    );
    let e = Scenario::parse(&bad, "frames.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("is not a category group; use one of fashion_beauty"),
        "{e}"
    );
}

/// `frame_raises.parquet` lists every raise of a run, one row each, replayed from the stored
/// volumes: as many per path and company as `frame_paths.parquet`'s `raises`, each to a higher
/// frame after at least one day over the frame in force, numbered from 1.
#[test]
fn every_raise_has_its_row_in_frame_raises() {
    use polars::prelude::*;
    let dir = std::env::temp_dir().join(format!("protectsim-raises-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/frame_black_friday.toml"
    );
    let text = std::fs::read_to_string(fixture).unwrap();
    let insolvency = "insolvency = { stress_multiplier = 1.0, refund_share = 0.9 }";
    let scenario = dir.with_extension("toml");
    std::fs::write(
        &scenario,
        text.replacen(
            insolvency,
            &format!("{insolvency}\nraise = {{ review_lag_days = 5, margin = 1.2 }}"),
            1,
        ),
    )
    .unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_protectsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--paths",
            "30",
            "--quiet",
            "--no-report",
        ])
        .arg("--out")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    let read = |name: &str| {
        ParquetReader::new(std::fs::File::open(dir.join(name)).unwrap())
            .finish()
            .unwrap()
    };
    let (raises, paths) = (read("frame_raises.parquet"), read("frame_paths.parquet"));
    let stored: u64 = paths
        .column("raises")
        .unwrap()
        .u32()
        .unwrap()
        .sum()
        .unwrap_or(0) as u64;
    assert!(stored > 20, "the fixture raises: {stored}");
    assert_eq!(raises.height() as u64, stored);
    let before = raises.column("frame_before_eur").unwrap().f64().unwrap();
    let after = raises.column("frame_after_eur").unwrap().f64().unwrap();
    assert!(
        before
            .iter()
            .zip(after.iter())
            .all(|(b, a)| a.unwrap() > b.unwrap())
    );
    let first = raises.column("raise").unwrap().u32().unwrap();
    assert!(first.iter().all(|n| n.unwrap() >= 1));
    let over = raises.column("days_over_before").unwrap().u32().unwrap();
    assert!(
        over.iter().all(|d| d.unwrap() >= 1),
        "a raise follows a review opened by a day over the frame"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&scenario);
}
