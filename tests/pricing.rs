//! Pricing end to end: the solver's answer checked by simulating again at the solved tariff
//! and one grid step lower, sweep cells equal to single runs, and `--vary` mistakes.

use protectsim::engine::{self, Model, PathResult};
use protectsim::pricing::{self, PricingSettings, TariffParameter};
use protectsim::scenario::Scenario;
use protectsim::sweep;
use rust_decimal::Decimal;
use std::process::Command;
use std::str::FromStr;

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const QUICKSTART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/quickstart.toml");
const PATHS: u64 = 60;
const SEED: u64 = 7;

fn simulate(text: &str) -> (Model, Vec<PathResult>) {
    let model = Model::new(&Scenario::parse(text, "test").unwrap());
    let results = engine::with_threads(2, || model.simulate(SEED, 0..PATHS, &|_| {}))
        .unwrap()
        .unwrap();
    (model, results)
}

/// Share of paths whose real loss ratio over the parameter's segments (written premium, net
/// claims) is at most the target.
fn real_share(p: &TariffParameter, results: &[PathResult], target: f64) -> f64 {
    let ok = results
        .iter()
        .filter(|r| {
            let (c, prem) = p.segments.iter().fold((0i64, 0i64), |(c, q), &s| {
                let t = &r.segments[s];
                (c + t.net_claims().0, q + t.premium.0)
            });
            c as f64 <= target * prem as f64
        })
        .count();
    ok as f64 / results.len() as f64
}

/// The solver's price for each tariff parameter of the quickstart meets the confidence when
/// written into the scenario and simulated again; one grid step lower does not.
#[test]
fn solved_tariff_meets_the_confidence_and_one_step_lower_does_not() {
    let text = std::fs::read_to_string(QUICKSTART).unwrap();
    let params = check_solved_tariff(&text);
    assert_eq!(params.len(), 3, "flat fee and two rates");
}

/// The same with a rating table: each class rate prices its rated domestic cell, the
/// international factor the rated international cells of both classes (the quickstart's
/// international parcels run at a loss ratio over 100 % at the class rates alone), a group's
/// factor the rated baskets of the group and a band's factor those of the band, each solved on
/// the premium it sets across the other factors.
#[test]
fn solved_rating_factor_meets_the_confidence_and_one_step_lower_does_not() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quickstart_like.toml"
    );
    let text = std::fs::read_to_string(fixture).unwrap().replace(
        "rounding = \"half_up\"",
        "rounding = \"half_up\"\nfactors = { destination = { international = \"1.2\" }, \
         category_group = { electronics = \"1.1\" }, \
         value_bands = [{ from_eur = \"400\", factor = \"0.9\" }], rate_range = [\"0.001\", \"1\"] }",
    );
    assert!(text.contains("factors"));
    let params = check_solved_tariff(&text);
    let names: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "products[0].tariff.flat_fee_eur",
            "products[0].tariff.rates.high",
            "products[0].tariff.rates.standard",
            "products[0].tariff.factors.destination.international",
            "products[0].tariff.factors.category_group.electronics",
            "products[0].tariff.factors.value_bands[0].factor",
        ]
    );
    assert_eq!(params[3].segments, [3, 7], "the rated international cells");
    assert_eq!(params[3].unit.name(), "factor");
}

/// Solves every tariff parameter of `text`, then writes each solved value into the scenario,
/// simulates again and checks the confidence is met there and not one grid step lower.
fn check_solved_tariff(text: &str) -> Vec<TariffParameter> {
    let text = text.to_string();
    let settings = PricingSettings {
        target_loss_ratio: 0.65,
        confidence: 0.9,
        cost_of_capital: 0.06,
        ..Default::default()
    };
    let (model, results) = simulate(&text);
    let rows = pricing::pricing_rows(&model, &results, settings);
    let params = pricing::parameters(&model);
    for p in &params {
        let solved = rows
            .iter()
            .find(|r| r.parameter == p.path)
            .unwrap()
            .solved_price;
        assert!(solved > 0.0, "{}: {solved}", p.path);
        let step = Decimal::from_str(&format!("{}", p.unit.step())).unwrap();
        let at = Decimal::from_str(&format!("{solved:.*}", p.unit.decimals())).unwrap();
        let vary = sweep::parse_vary(&format!("{}=0..1:1", p.path)).unwrap();
        for (value, meets) in [(at, true), (at - step, false)] {
            let (edited, _) =
                sweep::cell_scenario(&text, "test", std::slice::from_ref(&vary), &[value]).unwrap();
            let (_, again) = simulate(&edited);
            let share = real_share(p, &again, settings.target_loss_ratio);
            assert_eq!(
                share >= settings.confidence,
                meets,
                "{} = {value}: P(LR ≤ target) = {share}",
                p.path
            );
        }
    }
    params
}

/// Parcel pricing cells add up to the product, and the flat cells' premium is the flat fee
/// times their orders.
#[test]
fn parcel_cells_add_up_and_flat_cells_pay_the_fee() {
    let (model, results) = simulate(&std::fs::read_to_string(QUICKSTART).unwrap());
    let names: Vec<&str> = model.segments().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 8);
    assert_eq!(names[0], "high/flat/domestic");
    for r in &results {
        let mut sum = protectsim::products::ProductTotals::default();
        for s in &r.segments {
            sum += *s;
        }
        assert_eq!(sum.additive_part(), r.products[0].additive_part());
        for (s, name) in r.segments.iter().zip(&names) {
            if name.contains("/flat/") {
                assert_eq!(s.premium.0, 98 * s.covered as i64, "{name}");
            }
        }
    }
}

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Each sweep cell's rows are exactly the pricing table of a single `price` run of the edited
/// scenario with the same seed.
#[test]
fn sweep_cells_reproduce_single_runs() {
    let dir = tempfile::tempdir().unwrap();
    let sweep_out = dir.path().join("sweep");
    let (code, stdout, stderr) = cli(&[
        "sweep",
        QUICKSTART,
        "--vary",
        "products[0].tariff.flat_fee_eur=0.78..0.98:0.2",
        "--paths",
        "20",
        "--seed",
        "5",
        "--out",
        sweep_out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 cells"), "{stdout}");
    let sweep_csv = std::fs::read_to_string(sweep_out.join("sweep.csv")).unwrap();
    let mut lines = sweep_csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("varied_1,value_1,product,"), "{header}");
    let text = std::fs::read_to_string(QUICKSTART).unwrap();
    for fee in ["0.78", "0.98"] {
        let edited = text.replace(
            "flat_fee_eur = \"0.98\"",
            &format!("flat_fee_eur = \"{fee}\""),
        );
        let file = dir.path().join(format!("q{fee}.toml"));
        std::fs::write(&file, edited).unwrap();
        let out = dir.path().join(format!("price{fee}"));
        let (code, stdout, stderr) = cli(&[
            "price",
            file.to_str().unwrap(),
            "--paths",
            "20",
            "--seed",
            "5",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("adequacy"), "{stdout}");
        let single = std::fs::read_to_string(out.join("pricing.csv")).unwrap();
        let single: Vec<&str> = single.lines().skip(1).collect();
        let prefix = format!(
            "products[0].tariff.flat_fee_eur,{},",
            fee.trim_end_matches('0')
        );
        let cell: Vec<&str> = sweep_csv
            .lines()
            .skip(1)
            .filter_map(|l| l.strip_prefix(prefix.as_str()))
            .collect();
        assert_eq!(cell, single, "fee {fee}");
        for f in [
            "pricing.parquet",
            "pricing.xlsx",
            "plots/pricing_heatmap.svg",
        ] {
            assert!(out.join(f).exists(), "{f}");
        }
    }
}

#[test]
fn bad_vary_exits_2_naming_the_bad_part() {
    for (vary, says) in [
        (
            "products[0].take_up",
            "no '=' between the path and the grid",
        ),
        ("products[0].take_up=0.1..0.2", "has no ':STEP'"),
        (
            "products[0].take_up=0.2..0.1:0.1",
            "END 0.1 is smaller than START 0.2",
        ),
        (
            "products[0].take_up=a..0.2:0.1",
            "START \"a\" is not a decimal number",
        ),
        (
            "products[0].take_up=0.1..0.2:-1",
            "STEP -1 must be greater than 0",
        ),
        (
            "products[9].take_up=0.1..0.2:0.1",
            "products[9] does not exist",
        ),
        (
            "products[0].take_upp=0.1..0.2:0.1",
            "unknown field `take_upp`",
        ),
        ("products[0].take_up=2..3:1", "products[0].take_up"),
    ] {
        let (code, _, stderr) = cli(&["sweep", QUICKSTART, "--vary", vary, "--paths", "5"]);
        assert_eq!(code, 2, "{vary}: {stderr}");
        assert!(stderr.contains(says), "{vary}: {stderr}");
    }
    let (code, _, stderr) = cli(&["price", QUICKSTART, "--target-loss-ratio", "0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--target-loss-ratio 0"), "{stderr}");
}

/// `pricing_views` adds splits by channel and by category group: each family adds up to the
/// product, the product and its cells are exactly those of a run without views (no draw
/// changes), and the pricing table has a row for each view.
#[test]
fn pricing_views_split_by_channel_and_category_group_without_changing_results() {
    let text = std::fs::read_to_string(QUICKSTART).unwrap();
    let with = text.replace(
        "take_up = 0.30 ",
        "pricing_views = [\"channel\", \"category_group\"]\ntake_up = 0.30 ",
    );
    assert_ne!(with, text, "the edit applies");
    let (plain_model, plain) = simulate(&text);
    let (model, results) = simulate(&with);
    let cells = plain_model.segments().len();
    let views: Vec<usize> = (0..model.segments().len())
        .filter(|&s| !model.segments()[s].additive)
        .collect();
    assert_eq!(views.len(), 3 + 6, "three channels, six category groups");
    assert_eq!(views[0], cells, "views come after the cells");
    for (a, b) in plain.iter().zip(&results) {
        assert_eq!(a.products, b.products);
        assert_eq!(a.segments[..], b.segments[..cells]);
        for family in ["channel:", "category_group:"] {
            let mut sum = protectsim::products::ProductTotals::default();
            for &s in &views {
                if model.segments()[s].name.starts_with(family) {
                    sum += b.segments[s];
                }
            }
            assert_eq!(
                sum.additive_part(),
                b.products[0].additive_part(),
                "{family} views add up to the product"
            );
        }
    }
    let rows = pricing::pricing_rows(
        &model,
        &results,
        PricingSettings {
            target_loss_ratio: 0.65,
            confidence: 0.95,
            cost_of_capital: 0.06,
            ..Default::default()
        },
    );
    for name in ["channel:web", "channel:marketplace", "category_group:home"] {
        let row = rows.iter().find(|r| r.segment == name).expect(name);
        assert!(row.covered > 0.0, "{name}");
        assert!(row.parameter.is_empty(), "views set no tariff value");
    }
    let bad = text.replace(
        "take_up = 0.30 ",
        "pricing_views = [\"colour\"]\ntake_up = 0.30 ",
    );
    let err = Scenario::parse(&bad, "bad.toml").unwrap_err().to_string();
    assert!(
        err.contains("products[0].pricing_views[0]") && err.contains("channel or category_group"),
        "{err}"
    );
}

/// BNPL under the contract's life (a premium change from the first renewal, refunds at the
/// end): each plan's rate is solved on the premium it sets, and the solved rate written back
/// meets the confidence while one step lower does not.
#[test]
fn solved_bnpl_rates_under_the_contracts_life_meet_the_confidence() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bnpl_like.toml");
    let text = std::fs::read_to_string(fixture).unwrap().replacen(
        "asset_correlation = 0.05",
        "asset_correlation = 0.05\ncontract = { term_days = 91, lapse_per_term = 0.1, premium_change = \"0.3\" }",
        1,
    );
    assert!(text.contains("contract"));
    let params = check_solved_tariff(&text);
    assert!(params.iter().all(|p| p.path.ends_with("premium_rate")));
}

/// Capital and its cost on a compound Poisson(10) with a fixed claim of 50 EUR
/// (`tests/fixtures/compound_fixed_claims.toml`): the SCR is the 1-in-200 net claims less
/// their mean, 50 × 19 − 500 = 450 EUR (P(K ≤ 18) = 0.9928 < 0.995 ≤ P(K ≤ 19) = 0.9965 for
/// K ~ Poisson(10)), within 4 standard errors of the mean; the segments' capitals, allocated by
/// co-TVaR, add up to it; and the cost-of-capital premium loads the pure premium with 6 % of
/// the capital per order.
#[test]
fn capital_is_the_one_in_200_loss_less_the_mean_and_its_allocation_adds_up() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/compound_fixed_claims.toml"
    ))
    .unwrap();
    let model = Model::new(&Scenario::parse(&text, "compound.toml").unwrap());
    let results = engine::with_threads(2, || model.simulate(5, 0..20_000, &|_| {}))
        .unwrap()
        .unwrap();
    let settings = PricingSettings {
        target_loss_ratio: 0.65,
        confidence: 0.95,
        cost_of_capital: 0.06,
        ..Default::default()
    };
    let rows = pricing::pricing_rows(&model, &results, settings);
    let all = rows.iter().find(|r| r.segment == "all").unwrap();
    let mean = all.claims_eur;
    assert!(
        (all.capital_eur - (950.0 - mean)).abs() < 1e-9,
        "{}",
        all.capital_eur
    );
    let se = all.claims_sd_eur / (results.len() as f64).sqrt();
    assert!(
        (all.capital_eur - 450.0).abs() < 4.0 * se,
        "{} ± {se}",
        all.capital_eur
    );
    let want = (mean + 0.06 * all.capital_eur) / all.covered;
    assert!((all.coc_premium_eur - want).abs() < 1e-9);
    let additive: Vec<&str> = model
        .segments()
        .iter()
        .filter(|s| s.additive && s.priced)
        .map(|s| s.name.as_str())
        .collect();
    let allocated: f64 = rows
        .iter()
        .filter(|r| additive.contains(&r.segment.as_str()))
        .map(|r| {
            if r.capital_eur.is_nan() {
                0.0
            } else {
                r.capital_eur
            }
        })
        .sum();
    assert!(
        (allocated - all.capital_eur).abs() < 1e-6 * all.capital_eur,
        "{allocated} vs {}",
        all.capital_eur
    );
    // The TVaR alternative: at least the VaR capital, and its Euler shares add up to it.
    assert!(all.capital_tvar_eur >= all.capital_eur);
    let tvar_shares: f64 = rows
        .iter()
        .filter(|r| additive.contains(&r.segment.as_str()))
        .map(|r| {
            if r.capital_tvar_eur.is_nan() {
                0.0
            } else {
                r.capital_tvar_eur
            }
        })
        .sum();
    assert!((tvar_shares - all.capital_tvar_eur).abs() < 1e-6 * all.capital_tvar_eur);
}

/// `--principle`: each principle's premium is a column whatever the choice, and the chosen one
/// sets the indicated premium (over the target loss ratio) and the adequacy: expected value
/// `(1 + θ) × pure`, standard deviation `(E[S] + k sd) / units`, cost of capital; the default
/// (pure) keeps `pure / target`. A negative loading is refused with exit code 2.
#[test]
fn the_chosen_principle_sets_the_indicated_premium() {
    let text = std::fs::read_to_string(QUICKSTART).unwrap();
    let (model, results) = simulate(&text);
    let rows_by = |principle| {
        pricing::pricing_rows(
            &model,
            &results,
            PricingSettings {
                loading: 0.2,
                sd_multiple: 0.5,
                principle,
                ..Default::default()
            },
        )
    };
    let pure = rows_by(pricing::Principle::Pure);
    let target = PricingSettings::default().target_loss_ratio;
    for (principle, column) in [
        (
            pricing::Principle::ExpectedValue,
            (|r: &pricing::PricingRow| r.ev_premium_eur) as fn(&pricing::PricingRow) -> f64,
        ),
        (pricing::Principle::StdDev, |r| r.sd_premium_eur),
        (pricing::Principle::Wang, |r| r.wang_premium_eur),
        (pricing::Principle::CostOfCapital, |r| r.coc_premium_eur),
    ] {
        for (a, p) in rows_by(principle).iter().zip(&pure) {
            if !a.pure_premium_eur.is_finite() || a.pure_premium_eur == 0.0 {
                continue;
            }
            assert!((a.indicated_premium_eur - column(a) / target).abs() < 1e-9);
            assert!((a.adequacy - a.current_premium_eur / a.indicated_premium_eur).abs() < 1e-9);
            // Every principle's column is there whatever the choice.
            assert_eq!(column(a).to_bits(), column(p).to_bits());
            assert!((p.indicated_premium_eur - p.pure_premium_eur / target).abs() < 1e-9);
        }
    }
    let all = pure.iter().find(|r| r.segment == "all").unwrap();
    assert!((all.ev_premium_eur - 1.2 * all.pure_premium_eur).abs() < 1e-9);
    let sd = (all.claims_eur + 0.5 * all.claims_sd_eur) / all.covered;
    assert!((all.sd_premium_eur - sd).abs() < 1e-9);
    let (code, _, stderr) = cli(&["price", QUICKSTART, "--paths", "5", "--loading=-0.1"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--loading -0.1"), "{stderr}");
}
