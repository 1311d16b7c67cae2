//! Hostile input, each test named after a defect it once had: values that made the engine panic
//! (exit 101) or compute wrong numbers with exit 0, resources without a bound, and errors that
//! did not say enough. Every case must now end in exit code 2 with a message that names the
//! file and line (or the option), the bad value and what is allowed, and write nothing.
//!
//! The cases edit `tests/fixtures/quickstart_like.toml`; the limits are listed in
//! `docs/limits.md`.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/quickstart_like.toml"
);

fn fixture() -> String {
    std::fs::read_to_string(FIXTURE).expect("fixture")
}

fn protectsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run protectsim")
}

/// The fixture with `from` (which must occur once) replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    let text = fixture();
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"));
    text[..i].matches('\n').count() + 1
}

/// Exit code 2, no panic, an `error: ` message, nothing on stdout; returns stderr.
fn bad_input(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{what}: exit code; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{what}: stderr:\n{stderr}");
    assert!(output.stdout.is_empty(), "{what}: stdout not empty");
    stderr
}

fn assert_contains(stderr: &str, phrases: &[&str], what: &str) {
    for p in phrases {
        assert!(stderr.contains(p), "{what}: {p:?} not in:\n{stderr}");
    }
}

/// A scenario edit that `check`, `run` and `sweep` must all refuse at `line`, saying `phrases`.
struct Case {
    name: &'static str,
    from: &'static str,
    to: String,
    /// Text on the line the error must cite (its first occurrence in the edited file).
    line_with: String,
    phrases: Vec<String>,
}

fn case(
    name: &'static str,
    from: &'static str,
    to: &str,
    line_with: &str,
    phrases: &[&str],
) -> Case {
    Case {
        name,
        from,
        to: to.to_string(),
        line_with: line_with.to_string(),
        phrases: phrases.iter().map(|s| s.to_string()).collect(),
    }
}

/// Runs every case through `check`, `run` and `sweep`: exit 2, located, nothing written.
fn refuse_everywhere(cases: &[Case]) {
    for c in cases {
        let text = edited(c.from, &c.to);
        let line = line_of(&text, &c.line_with);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.toml"), &text).unwrap();
        let out = dir.path().join("out");
        let out = out.to_str().unwrap();
        let commands: [&[&str]; 3] = [
            &["check", "s.toml"],
            &["run", "s.toml", "--paths", "2", "--quiet", "--out", out],
            &[
                "sweep",
                "s.toml",
                "--paths",
                "2",
                "--quiet",
                "--out",
                out,
                "--vary",
                "products[0].take_up=0.1..0.2:0.1",
            ],
        ];
        for args in commands {
            let what = format!("{} ({})", c.name, args[0]);
            let stderr = bad_input(&protectsim(dir.path(), args), &what);
            assert!(
                stderr.contains(&format!("s.toml:{line}:")),
                "{what}: line {line} not cited:\n{stderr}"
            );
            let phrases: Vec<&str> = c.phrases.iter().map(String::as_str).collect();
            assert_contains(&stderr, &phrases, &what);
            assert!(!Path::new(out).exists(), "{what}: wrote output");
        }
    }
}

/// rust_decimal overflowed ("Multiplication overflowed") on 27-digit amounts and 23-digit rates:
/// exit 101 in `check`, `run` and `sweep`.
#[test]
fn huge_money_and_rates_overflowed_the_decimal_parser() {
    refuse_everywhere(&[
        case(
            "27-digit flat fee",
            r#"flat_fee_eur = "0.98""#,
            r#"flat_fee_eur = "800000000000000000000000000""#,
            "flat_fee_eur",
            &[
                "products[0].tariff.flat_fee_eur = \"800000000000000000000000000\"",
                "at most 10000000 EUR",
            ],
        ),
        case(
            "23-digit rate",
            r#"standard = "0.015""#,
            r#"standard = "80000000000000000000000""#,
            "rates",
            &["products[0].tariff.rates.standard", "at most 1"],
        ),
        case(
            "largest decimal",
            r#"flat_below_eur = "100""#,
            r#"flat_below_eur = "79228162514264337593543950335""#,
            "flat_below_eur",
            &["products[0].tariff.flat_below_eur", "too large"],
        ),
    ]);
}

/// The same overflow reached through `sweep --vary`: a grid value written into the scenario.
#[test]
fn huge_money_through_sweep_vary_overflowed_the_decimal_parser() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), fixture()).unwrap();
    let line = line_of(&fixture(), "flat_fee_eur");
    for vary in [
        "products[0].tariff.flat_fee_eur=800000000000000000000000000..800000000000000000000000000:1",
        "products[0].tariff.rates.standard=80000000000000000000000..80000000000000000000000:1",
    ] {
        let out = protectsim(
            dir.path(),
            &["sweep", "s.toml", "--paths", "2", "--quiet", "--vary", vary],
        );
        let stderr = bad_input(&out, vary);
        assert_contains(&stderr, &["sweep cell", "too large"], vary);
        assert!(stderr.contains("s.toml:"), "{vary}: {stderr}");
        if vary.contains("flat_fee") {
            assert!(stderr.contains(&format!("s.toml:{line}:")), "{stderr}");
        }
    }
}

/// `+262142-01-01` panicked in calendar.rs ("valid month"), `+262142-12-31` with 365 days
/// overflowed `NaiveDate + TimeDelta`; signed, short and padded years were accepted.
#[test]
fn dates_outside_four_digit_years_panicked_or_were_accepted() {
    let cases: Vec<Case> = [
        "+262142-01-01",
        "+262142-12-31",
        "-0001-01-01",
        "2026-1-01",
        " 2026-01-01",
        "0999-01-01",
        "2026-01-01T00:00",
    ]
    .iter()
    .map(|d| Case {
        name: "horizon.start",
        from: r#"start = "2026-01-01""#,
        to: format!("start = \"{d}\""),
        line_with: "start =".into(),
        phrases: vec![format!("horizon.start = \"{d}\""), "YYYY-MM-DD".into()],
    })
    .collect();
    // 0999 has four digits but lies before 1900: the message says the years.
    let (years, shape): (Vec<Case>, Vec<Case>) =
        cases.into_iter().partition(|c| c.to.contains("0999"));
    refuse_everywhere(&shape);
    let mut years = years;
    years[0].phrases[1] = "in the years 1900 to 2999".into();
    refuse_everywhere(&years);
}

/// A 65,534-character segment name passed `check`, then `run` panicked in the terminal table
/// ("Formatting argument out of range") after writing every file; control characters were
/// printed raw. Names now have a length limit and no control characters, shown escaped.
#[test]
fn huge_names_panicked_the_terminal_table_and_control_characters_were_printed_raw() {
    let long = "x".repeat(65_534);
    refuse_everywhere(&[
        case(
            "long shop name",
            r#"name = "exemple-deco.fr""#,
            &format!("name = \"{long}\""),
            &"x".repeat(50),
            &[
                "companies[0].shops[0].name",
                "at most 100 characters",
                "65534 characters",
            ],
        ),
        case(
            "long risk class",
            r#"risk_class = "standard""#,
            &format!("risk_class = \"{long}\""),
            &format!("risk_class = \"{}", "x".repeat(50)),
            &["companies[0].shops[0].risk_class", "at most 100 characters"],
        ),
        case(
            "long product name",
            r#"name = "parcel""#,
            &format!("name = \"{}\"", "p".repeat(101)),
            &"p".repeat(101),
            &["products[0].name", "at most 100 characters"],
        ),
        case(
            "bell in a company name",
            r#"name = "Maison Exemple SAS""#,
            r#"name = "Maison\u0007Exemple\u001b[2J""#,
            "Maison\\u0007",
            &[
                r#"companies[0].name = "Maison\u{7}Exemple\u{1b}[2J""#,
                "control character",
            ],
        ),
        case(
            "tab in a shop name",
            r#"name = "exemple-tech.fr""#,
            r#"name = "exemple\ttech""#,
            "exemple\\ttech",
            &[
                r#"companies[0].shops[1].name = "exemple\ttech""#,
                "control character",
            ],
        ),
    ]);
}

/// Two companies whose names reduce to the same chart file name shared one
/// `plots/frame_<name>.svg`.
#[test]
fn company_names_with_the_same_chart_file_name_shared_one_chart() {
    let second = "\n[[companies]]\nname = \"MAISON-EXEMPLE, SAS\"\n\n[[companies.shops]]\nname = \"b\"\norders_per_day = 10\nbasket = { median_eur = 38, sigma = 0.95 }\ncategories = { fashion = 1.0 }\nproducts = [\"parcel\"]\n";
    let text = format!("{}{second}", fixture());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let line = line_of(&text, "MAISON-EXEMPLE");
    let stderr = bad_input(&protectsim(dir.path(), &["check", "s.toml"]), "slug");
    assert_contains(
        &stderr,
        &[
            &format!("s.toml:{line}:"),
            "companies[1].name = \"MAISON-EXEMPLE, SAS\"",
            "plots/frame_maison-exemple-sas.svg",
            "\"Maison Exemple SAS\"",
        ],
        "slug",
    );
}

/// `sweep --vary` with a step of 1e-28 ("Division overflowed") or a range of ±7.9e28
/// ("Subtraction overflowed") panicked; now a usage error that states the cap on grid values.
#[test]
fn sweep_grids_overflowed_the_decimal_type() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), fixture()).unwrap();
    for vary in [
        "products[0].take_up=0..10:0.0000000000000000000000000001",
        "products[0].take_up=-79228162514264337593543950335..79228162514264337593543950335:1",
        "products[0].take_up=0..1:0.00001",
    ] {
        let out = protectsim(
            dir.path(),
            &["sweep", "s.toml", "--paths", "2", "--quiet", "--vary", vary],
        );
        let stderr = bad_input(&out, vary);
        assert_contains(&stderr, &["--vary", "more than 10000 grid values"], vary);
    }
    // The largest decimal as START, END and STEP is one grid value, refused by validation.
    let vary = "products[0].take_up=79228162514264337593543950335..79228162514264337593543950335:79228162514264337593543950335";
    let out = protectsim(
        dir.path(),
        &["sweep", "s.toml", "--paths", "2", "--quiet", "--vary", vary],
    );
    let stderr = bad_input(&out, vary);
    assert_contains(
        &stderr,
        &["products[0].take_up", "must be a probability"],
        vary,
    );
}

/// Cent sums wrapped around in release builds: a basket median of 1e15, a sigma of 1e308 or a
/// fee of 92,233,720,368,547,758.07 EUR gave negative premiums with exit 0. Every value now has
/// a physical upper bound.
#[test]
fn values_without_an_upper_bound_wrapped_money_sums() {
    refuse_everywhere(&[
        case(
            "basket median 1e15",
            "median_eur = 38, sigma = 0.95",
            "median_eur = 1e15, sigma = 0.95",
            "1e15",
            &[
                "companies[0].shops[0].basket.median_eur = 1e15",
                "at most 1000000",
            ],
        ),
        case(
            "sigma 1e308",
            "median_eur = 38, sigma = 0.95",
            "median_eur = 38, sigma = 1e308",
            "1e308",
            &["companies[0].shops[0].basket.sigma = 1e308", "at most 5"],
        ),
        case(
            "fee of i64::MAX cents",
            r#"flat_fee_eur = "0.98""#,
            r#"flat_fee_eur = "92233720368547758.07""#,
            "flat_fee_eur",
            &["products[0].tariff.flat_fee_eur", "at most 10000000 EUR"],
        ),
        case(
            "basket cap 1e300",
            "median_eur = 38, sigma = 0.95, cap_eur = 2500",
            "median_eur = 38, sigma = 0.95, cap_eur = 1e300",
            "1e300",
            &["companies[0].shops[0].basket.cap_eur", "at most 1000000"],
        ),
        case(
            "rate of 2",
            r#"high = "0.03""#,
            r#"high = "2""#,
            "rates",
            &["products[0].tariff.rates.high", "at most 1"],
        ),
        case(
            "portfolio of 2e7 orders a day",
            "orders_per_day = 1200 ",
            "orders_per_day = 9999999 ",
            "[[companies]]",
            &[
                "companies = shops adding up to 10000399 orders per day",
                "at most 10000000 orders per day over all shops",
            ],
        ),
        case(
            "growth of 200 % a year",
            "orders_per_day = 1200 ",
            "growth_pct_per_year = 200\norders_per_day = 1200 ",
            "growth_pct_per_year",
            &["growth_pct_per_year = 200", "from -50 to 100"],
        ),
        case(
            "a portfolio that grows past the bound",
            "orders_per_day = 1200 ",
            "growth_pct_per_year = 100\norders_per_day = 6000000 ",
            "[[companies]]",
            &["at most 10000000 orders per day over all shops"],
        ),
        case(
            "delivery sigma 1e6",
            "risk_class = \"high\"",
            "risk_class = \"high\"\nshipping = { domestic = { median_days = 3, sigma = 1e6 } }",
            "1e6",
            &["shipping.domestic.sigma", "at most 5"],
        ),
        case(
            "multiplier 1e300",
            "[[companies]]",
            "[calendar]\nblack_friday = { day = 1e300 }\n\n[[companies]]",
            "1e300",
            &["calendar.black_friday.day", "at most 100"],
        ),
    ]);
}

/// The portfolio case above needs two shops adding up past the bound.
#[test]
fn portfolio_order_bound_adds_up_the_shops() {
    let text = edited("orders_per_day = 400\n", "orders_per_day = 9000000\n").replacen(
        "orders_per_day = 1200 ",
        "orders_per_day = 2000000 ",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let stderr = bad_input(&protectsim(dir.path(), &["check", "s.toml"]), "portfolio");
    let line = line_of(&text, "[[companies]]");
    assert_contains(
        &stderr,
        &[&format!(
            "s.toml:{line}:1: companies = shops adding up to 11000000 orders per day"
        )],
        "portfolio",
    );
}

/// Cent sums could wrap around even with every value inside its bound: ten years of 9 million
/// orders a day at the largest flat fee expect 3.3 × 10^17 EUR of premium per path, more than
/// an `i64` of cents holds. Now refused before simulation, naming the product and the figure;
/// a sum that still overflows on some path stops the run (see `Cents::OVERFLOW`).
#[test]
fn money_sums_within_every_bound_could_still_wrap() {
    let text = edited("days = 365", "days = 3660")
        .replacen("orders_per_day = 1200 ", "orders_per_day = 9000000 ", 1)
        .replacen(
            r#"flat_fee_eur = "0.98""#,
            r#"flat_fee_eur = "10000000""#,
            1,
        )
        .replacen("take_up = 0.30", "take_up = 1", 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    for command in [
        vec!["check", "s.toml"],
        vec!["run", "s.toml", "--paths", "2", "--out", "out"],
    ] {
        let stderr = bad_input(&protectsim(dir.path(), &command), command[0]);
        assert_contains(
            &stderr,
            &[
                r#"products[0] ("parcel"): its expected premium per path is"#,
                "92 quadrillion EUR per path",
                "orders_per_day",
            ],
            command[0],
        );
    }
    assert!(!dir.path().join("out").exists(), "run wrote a folder");
}

/// A `--paths` whose results cannot fit the disk was accepted and failed hours later. Ten years
/// of daily frame series for five companies take about 73 kB per path: 10^8 paths would need
/// 7.3 TB. Refused before anything is simulated or written, with the estimate and the free space.
#[test]
fn paths_that_cannot_fit_the_disk_were_accepted() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/frame_black_friday.toml"
    ))
    .unwrap()
    .replacen("days = 365", "days = 3660", 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let args = ["run", "s.toml", "--paths", "100000000", "--out", "out"];
    let stderr = bad_input(&protectsim(dir.path(), &args), "disk");
    assert_contains(
        &stderr,
        &[
            "--paths 100000000",
            "TB",
            "per path",
            "free on the disk",
            "--shard",
        ],
        "disk",
    );
    assert!(!dir.path().join("out").exists(), "run wrote a folder");
}

/// A `--paths` whose simulation would run for days was accepted and discovered hours later.
/// A pilot of the first paths gives the estimate; above `--max-hours` the run is refused with
/// it before anything is written. (20,000 quickstart-like paths take seconds, far more than
/// the 36 ms allowed here on any machine; the bad values of the option are refused too.)
#[test]
fn paths_that_would_run_for_days_were_accepted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), fixture()).unwrap();
    let args = [
        "run",
        "s.toml",
        "--paths",
        "20000",
        "--max-hours",
        "0.00001",
        "--out",
        "out",
    ];
    let stderr = bad_input(&protectsim(dir.path(), &args), "time");
    assert_contains(
        &stderr,
        &[
            "--paths 20000: the simulation alone would take about",
            "per path, timed on",
            "pilot path",
            "more than --max-hours 0.00001",
            "--shard",
        ],
        "time",
    );
    assert!(!dir.path().join("out").exists(), "run wrote a folder");
    // A sweep adds up its cells: 11 cells of 2,000 paths.
    let args = [
        "sweep",
        "s.toml",
        "--paths",
        "2000",
        "--max-hours",
        "0.00001",
        "--out",
        "out",
        "--vary",
        "products[0].take_up=0.1..0.2:0.01",
    ];
    let stderr = bad_input(&protectsim(dir.path(), &args), "sweep time");
    assert_contains(
        &stderr,
        &[
            "--paths 2000 in each of 11 sweep cells: the simulation alone would take about",
            "more than --max-hours 0.00001",
            "a coarser --vary step",
        ],
        "sweep time",
    );
    assert!(!dir.path().join("out").exists(), "sweep wrote a folder");
    for (bad, shown) in [
        ("0", "0"),
        ("-1", "-1"),
        ("NaN", "NaN"),
        ("inf", "inf"),
        ("1e7", "10000000"),
    ] {
        let option = format!("--max-hours={bad}");
        let args = ["run", "s.toml", &option, "--out", "out"];
        let stderr = bad_input(&protectsim(dir.path(), &args), bad);
        assert_contains(
            &stderr,
            &[&format!("--max-hours {shown}:"), "hours above 0"],
            bad,
        );
    }
    assert!(!dir.path().join("out").exists(), "run wrote a folder");
}

/// `--threads 5000` was accepted (0.1 s became 86 s), `--paths 1e9` too.
#[test]
fn threads_and_paths_had_no_upper_bound() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), fixture()).unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--threads", "5000"],
            &["--threads 5000: must be at most", "1024", "per core"],
        ),
        (&["--threads", "1025"], &["--threads 1025: must be at most"]),
        (
            &["--paths", "1000000000"],
            &[
                "--paths 1000000000: must be a whole number from 1 to 100000000",
                "every path is stored",
            ],
        ),
    ];
    for (extra, phrases) in cases {
        for cmd in ["run", "price"] {
            let mut args = vec![cmd, "s.toml", "--quiet", "--out", "out"];
            args.extend_from_slice(extra);
            let what = args.join(" ");
            let stderr = bad_input(&protectsim(dir.path(), &args), &what);
            assert_contains(&stderr, phrases, &what);
            assert!(!dir.path().join("out").exists(), "{what}: wrote output");
        }
    }
}

/// `check /dev/zero` read 2.5 GB in 2 s before failing: the reader stops at 1 MiB.
#[test]
fn scenario_files_had_no_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{}{}", fixture(), "# padding\n".repeat(110_000));
    std::fs::write(dir.path().join("big.toml"), big).unwrap();
    let mut files = vec!["big.toml"];
    if Path::new("/dev/zero").exists() {
        files.push("/dev/zero");
    }
    for file in files {
        let stderr = bad_input(&protectsim(dir.path(), &["check", file]), file);
        assert_contains(
            &stderr,
            &[
                &format!("cannot read scenario {file}"),
                "larger than 1048576 bytes (1 MiB)",
            ],
            file,
        );
    }
}

/// Invalid UTF-8 was reported without a position.
#[test]
fn invalid_utf8_gave_no_byte_position() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"name = \"ok\"\ndescription = \"caf".to_vec();
    bytes.extend_from_slice(b"\xe9\"\n");
    std::fs::write(dir.path().join("latin1.toml"), bytes).unwrap();
    let stderr = bad_input(&protectsim(dir.path(), &["check", "latin1.toml"]), "latin1");
    assert_contains(
        &stderr,
        &[
            "valid UTF-8",
            "byte 30 (line 2, column 19) is 0xe9",
            "save the file as UTF-8",
        ],
        "latin1",
    );
}

/// Clearer TOML errors: a duplicate key says which key; an integer too large for any field says
/// the range instead of "as i128, expected any value"; a misspelt `kind` key is reported as the
/// unknown field it is, not as "kind is missing".
#[test]
fn toml_errors_did_not_say_which_key_or_range() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "duplicate key",
            "days = 365",
            "days = 365\ndays = 366",
            &["horizon.days", "duplicate key"],
        ),
        (
            "integer beyond i64",
            "days = 365",
            "days = 99999999999999999999",
            &["horizon.days", "whole number", "from 1 to 3660"],
        ),
        (
            "seed beyond i64",
            "seed = 20261127",
            "seed = 18446744073709551616",
            &[
                "simulation.seed",
                "whole number",
                "from 0 to 9223372036854775807",
            ],
        ),
        (
            "misspelt kind",
            r#"kind = "buyer_protection""#,
            r#"kidn = "buyer_protection""#,
            &[
                "products[0].kidn",
                "unknown field `kidn`",
                "did you mean `kind`",
            ],
        ),
    ];
    for &(what, from, to, phrases) in cases {
        let text = edited(from, to);
        let needle = to.lines().last().unwrap();
        let line = line_of(&text, needle);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.toml"), &text).unwrap();
        let stderr = bad_input(&protectsim(dir.path(), &["check", "s.toml"]), what);
        assert!(
            stderr.contains(&format!("s.toml:{line}:")),
            "{what}: line {line}:\n{stderr}"
        );
        assert!(!stderr.contains("i128"), "{what}: {stderr}");
        assert!(!stderr.contains("is missing"), "{what}: {stderr}");
        assert_contains(&stderr, phrases, what);
    }
}

/// A bad `sweep` cell cited the line of an internal, reformatted copy (`quickstart.toml:57:11`
/// in a 52-line file): it now cites the user's line.
#[test]
fn sweep_errors_cited_an_internal_copy() {
    let dir = tempfile::tempdir().unwrap();
    let text = fixture();
    std::fs::write(dir.path().join("s.toml"), &text).unwrap();
    let cases = [
        (
            "products[0].take_up=1..2:1",
            "take_up = 0.30",
            "products[0].take_up = 2",
        ),
        (
            "companies[0].shops[1].orders_per_day=0..0:1",
            "orders_per_day = 400",
            "companies[0].shops[1].orders_per_day = 0",
        ),
        // Not in the file: the nearest table that is, the product.
        (
            "products[0].delay.claim_propensity=5..5:1",
            "[[products]]",
            "products[0].delay.claim_propensity = 5",
        ),
    ];
    for (vary, on_line, phrase) in cases {
        let line = line_of(&text, on_line);
        let out = protectsim(
            dir.path(),
            &["sweep", "s.toml", "--paths", "2", "--quiet", "--vary", vary],
        );
        let stderr = bad_input(&out, vary);
        assert_contains(
            &stderr,
            &[&format!("s.toml:{line}:"), phrase, "sweep cell"],
            vary,
        );
    }
}
