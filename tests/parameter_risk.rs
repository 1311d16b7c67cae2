//! Parameter risk (`tests/fixtures/parameter_risk.toml`): values written as distributions are
//! drawn once per path from their own streams, every draw is validated before a run, and the
//! variance split matches the law of total variance in closed form.

use protectsim::analytic;
use protectsim::engine::{self, Model, PathResult};
use protectsim::parameter_risk::{self, Split};
use protectsim::scenario::Scenario;
use protectsim::store::{Layout, StoredPaths};
use std::process::Command;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/parameter_risk.toml"
);
const BIN: &str = env!("CARGO_BIN_EXE_protectsim");

fn fixture() -> String {
    std::fs::read_to_string(FIXTURE).unwrap()
}

fn simulate(model: &Model, seed: u64, paths: u64, threads: usize) -> Vec<PathResult> {
    engine::with_threads(threads, || model.simulate(seed, 0..paths, &|_| {}))
        .unwrap()
        .unwrap()
}

fn split<'a>(splits: &'a [Split], metric: &str) -> &'a Split {
    splits
        .iter()
        .find(|s| s.line == "legal" && s.metric == metric)
        .unwrap_or_else(|| panic!("no split of {metric}"))
}

/// The dispute probability p is Beta with mean m = 0.04 and CV c = 0.2; given p, the
/// mediation count of a path is Poisson with mean B·p (orders are Poisson with no volume
/// factor, each disputing independently). So, with μ = B·m the closed-form mean at the central
/// values: E[N] = μ, E[Var(N | p)] = μ (Poisson) and Var(E[N | p]) = B²·Var(p) = (μ·c)².
/// Reference: the law of total variance; B·m from the engine's closed form (`check`).
#[test]
fn the_variance_split_of_a_poisson_count_with_a_beta_rate_matches_its_closed_form() {
    let scenario = Scenario::load(FIXTURE.as_ref()).unwrap();
    assert_eq!(scenario.uncertain().len(), 2);
    let model = Model::new(&scenario);
    let mu = analytic::product_metrics(&model, 0)["mediation_count"];
    let paths = 4000;
    let results = simulate(&model, scenario.seed(), paths, 2);
    let stored = StoredPaths::in_memory(&results, Layout::of(&model));
    let splits = parameter_risk::splits(&model, scenario.seed(), &stored).unwrap();
    let n = split(&splits, "mediation_count");
    let within = |what: &str, x: f64, expected: f64, se: f64| {
        assert!(
            (x - expected).abs() < 4.0 * se,
            "{what}: {x} against {expected} (se {se})"
        );
    };
    within("E[E[N | p]]", n.closed_form_mean, mu, n.closed_form_mean_se);
    within("mean", n.mean, mu, (n.var_total / paths as f64).sqrt());
    within("E[Var(N | p)]", n.var_process, mu, n.var_process_se);
    within(
        "Var(E[N | p])",
        n.var_parameter,
        (0.2 * mu).powi(2),
        n.var_parameter_se,
    );
    // Premium does not depend on either drawn value: no parameter risk in it.
    let premium = split(&splits, "premium_eur");
    assert!(premium.var_parameter.abs() < 1e-6 * premium.var_process);
}

/// A path's draws depend on (seed, path, field) only: the same results on 1 and 2 threads,
/// a path simulated alone equals the same path in a run, and paths do draw different values.
#[test]
fn draws_are_per_path_and_the_same_on_any_thread_count() {
    let scenario = Scenario::load(FIXTURE.as_ref()).unwrap();
    let model = Model::new(&scenario);
    let one = simulate(&model, 5, 130, 1);
    let two = simulate(&model, 5, 130, 2);
    assert_eq!(one, two);
    assert_eq!(model.simulate_drawn(5, 77).unwrap(), one[77]);
    let a = scenario.draw(5, 1).unwrap().unwrap();
    let b = scenario.draw(5, 2).unwrap().unwrap();
    assert_ne!(format!("{:?}", a.products()), format!("{:?}", b.products()));
    // The central scenario is not what the paths run.
    assert_ne!(model.simulate_path(5, 77), one[77]);
}

/// A law whose mean is valid but whose draws can break the rule is refused before anything is
/// simulated: exit code 2, the path that drew the bad value named, nothing written.
#[test]
fn a_draw_that_breaks_a_rule_is_refused_before_the_run() {
    let text = fixture().replace(
        "take_up = 0.5, price_eur = \"2.00\"",
        "take_up = { uniform = [0.5, 1.4] }, price_eur = \"2.00\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, &text).unwrap();
    let out = dir.path().join("out");
    let output = Command::new(BIN)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .args(["--paths", "50", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("products[0].sales.checkout.take_up = 1."),
        "{stderr}"
    );
    assert!(stderr.contains("drawn for path"), "{stderr}");
    assert!(stderr.contains("Uniform[0.5, 1.4]"), "{stderr}");
    assert!(!out.exists());
}

/// `run` writes the split, and the summary's analytic column is the closed form under
/// parameter risk (not at the central values) for the figures the split covers.
#[test]
fn a_run_writes_the_split_and_the_analytic_column_under_parameter_risk() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = Command::new(BIN)
        .args(["run", FIXTURE, "--out", out.to_str().unwrap()])
        .args(["--paths", "300", "--no-report"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("parameter risk (2 values drawn per path"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("parameter_risk.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for column in [
        "line",
        "metric",
        "sd_process",
        "sd_parameter",
        "parameter_share",
    ] {
        assert!(header.split(',').any(|c| c == column), "{header}");
    }
    assert!(csv.contains("legal,claims_eur,EUR"));
    assert!(csv.contains("legal,loss_ratio,ratio"));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("parameter_risk.parquet"));
}

/// `price` solves the tariff over the paths with parameter risk and gives, beside it, the
/// tariff of the same paths at the central values: with the dispute rate and the handling
/// cost uncertain, the confidence-level price is higher with parameter risk.
#[test]
fn price_gives_the_tariff_with_and_without_parameter_risk() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = Command::new(BIN)
        .args(["price", FIXTURE, "--out", out.to_str().unwrap()])
        .args(["--paths", "300", "--no-report", "--quiet"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = std::fs::read_to_string(out.join("pricing.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|c| *c == name).unwrap();
    let row: Vec<&str> = lines
        .find(|l| l.starts_with("legal,legal_protection,checkout,"))
        .unwrap()
        .split(',')
        .collect();
    let with: f64 = row[col("solved_price")].parse().unwrap();
    let without: f64 = row[col("solved_price_without_parameter_risk")]
        .parse()
        .unwrap();
    assert!(with > without && without > 0.0, "{with} against {without}");
}
