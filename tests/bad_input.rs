//! The CLI on invalid input: every mistake in a scenario is reported with the file, line and
//! column, field path, bad value and what is allowed; the exit code is 2; nothing panics and
//! `run` writes nothing.
//!
//! Each case is the quickstart scenario with one edit. The expected position is computed from the
//! edited text, so the cases do not depend on the quickstart's line numbers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");

fn quickstart() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quickstart_like.toml"
    );
    std::fs::read_to_string(path).expect("quickstart scenario")
}

/// 1-based line and column (in chars) of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// How the quickstart is edited.
enum Edit {
    /// Replace the only occurrence of the first text by the second.
    Replace(&'static str, &'static str),
    /// Cut the text from the first occurrence of this marker to the end.
    CutFrom(&'static str),
    /// Remove this text, the only occurrence.
    Remove(&'static str),
}

/// Where the error must point.
#[derive(Clone, Copy)]
enum At {
    /// At this text, its first occurrence within the replacement.
    Text(&'static str),
    /// At column 1 of the edited line.
    LineStart,
    /// At the `[x]` / `[[x]]` header of the table the edit is in (column 1).
    Header,
    /// At a fixed position (for edits that leave nothing to point at).
    Fixed(usize, usize),
    /// At the first occurrence of this text in the edited file (a table the issue is about).
    First(&'static str),
}

struct Case {
    name: &'static str,
    edit: Edit,
    at: At,
    /// The field path, written exactly.
    path: &'static str,
    /// The bad value as shown after `path = `, if the message shows one.
    value: Option<&'static str>,
    /// Key phrases of what is allowed.
    allowed: &'static [&'static str],
}

/// Applies `edit` to `text`; returns the new text and the expected (line, column).
fn apply(text: &str, edit: &Edit, at: At) -> (String, (usize, usize)) {
    let unique = |needle: &str| {
        assert_eq!(
            text.matches(needle).count(),
            1,
            "{needle:?} must occur once in the quickstart"
        );
        text.find(needle).unwrap()
    };
    let (new, edit_start, replacement) = match *edit {
        Edit::Replace(from, to) => {
            let i = unique(from);
            (
                format!("{}{to}{}", &text[..i], &text[i + from.len()..]),
                i,
                to,
            )
        }
        Edit::CutFrom(marker) => {
            let i = text.find(marker).expect("marker");
            (text[..i].to_string(), i, "")
        }
        Edit::Remove(what) => {
            let i = unique(what);
            (format!("{}{}", &text[..i], &text[i + what.len()..]), i, "")
        }
    };
    let pos = match at {
        At::Text(t) => {
            let j = replacement
                .find(t)
                .unwrap_or_else(|| panic!("{t:?} not in {replacement:?}"));
            line_col(&new, edit_start + j)
        }
        At::LineStart => (line_col(&new, edit_start).0, 1),
        At::Header => {
            let header = new[..edit_start]
                .rmatch_indices('\n')
                .map(|(i, _)| i + 1)
                .find(|&i| new[i..].starts_with('['))
                .expect("a table header before the edit");
            line_col(&new, header)
        }
        At::Fixed(line, col) => (line, col),
        At::First(t) => line_col(&new, new.find(t).expect("text in the edited file")),
    };
    (new, pos)
}

fn cases() -> Vec<Case> {
    use At::*;
    use Edit::*;
    vec![
        Case {
            name: "missing_field",
            edit: Remove("orders_per_day = 400\n"),
            at: Header,
            path: "companies[0].shops[1].orders_per_day",
            value: None,
            allowed: &["is missing: add `orders_per_day = ...`"],
        },
        Case {
            name: "unknown_field",
            edit: Replace("orders_per_day = 1200", "orders_per_dya = 1200"),
            at: Text("orders_per_dya"),
            path: "companies[0].shops[0].orders_per_dya",
            value: None,
            allowed: &[
                "unknown field `orders_per_dya`, expected one of",
                "`orders_per_day`",
                "check the spelling",
            ],
        },
        Case {
            name: "negative_rate",
            edit: Replace(r#"standard = "0.015""#, r#"standard = "-0.01""#),
            at: Text(r#""-0.01""#),
            path: "products[0].tariff.rates.standard",
            value: Some(r#""-0.01""#),
            allowed: &["is negative", "write a rate as a decimal string fraction"],
        },
        Case {
            name: "probability_above_1",
            edit: Replace("take_up = 0.30", "take_up = 1.5"),
            at: Text("1.5"),
            path: "products[0].take_up",
            value: Some("1.5"),
            allowed: &["must be a probability between 0 and 1"],
        },
        Case {
            name: "nan",
            edit: Replace("sigma = 0.95", "sigma = nan"),
            at: Text("nan"),
            path: "companies[0].shops[0].basket.sigma",
            value: Some("nan"),
            allowed: &["must be a finite number greater than 0"],
        },
        Case {
            name: "sigma_zero",
            edit: Replace("sigma = 0.95", "sigma = 0"),
            at: Text("0"),
            path: "companies[0].shops[0].basket.sigma",
            value: Some("0"),
            allowed: &["must be a finite number greater than 0"],
        },
        Case {
            name: "empty_portfolio",
            edit: CutFrom("[[companies]]"),
            at: Fixed(1, 1),
            path: "companies",
            value: None,
            allowed: &[
                "the portfolio is empty",
                "add at least one [[companies]] table",
            ],
        },
        Case {
            name: "wrong_date",
            edit: Replace(r#"start = "2026-01-01""#, r#"start = "2026-02-30""#),
            at: Text(r#""2026-02-30""#),
            path: "horizon.start",
            value: Some(r#""2026-02-30""#),
            allowed: &[r#"must be a real calendar date written "YYYY-MM-DD""#],
        },
        Case {
            name: "unknown_category",
            edit: Replace("jewellery = 0.2", "jewelery = 0.2"),
            at: Text("0.2"),
            path: "companies[0].shops[1].categories.jewelery",
            value: Some(r#""jewelery""#),
            allowed: &["is not a known category; use one of", "jewellery"],
        },
        Case {
            name: "paths_zero",
            edit: Replace("paths = 500", "paths = 0"),
            at: Text("0"),
            path: "simulation.paths",
            value: Some("0"),
            allowed: &["must be a whole number from 1 to 100000000"],
        },
        Case {
            name: "shares_not_summing_to_1",
            edit: Replace("fashion = 0.25", "fashion = 0.35"),
            at: LineStart,
            path: "companies[0].shops[0].categories",
            value: Some("shares adding up to 1.1"),
            allowed: &["the shares must add up to 1"],
        },
        Case {
            name: "undefined_product",
            edit: Replace("products = [\"parcel\"]\n\n", "products = [\"parcle\"]\n\n"),
            at: Text("\"parcle\""),
            path: "companies[0].shops[0].products[0]",
            value: Some("\"parcle\""),
            allowed: &["is not a product of this scenario; defined products: [parcel]"],
        },
        Case {
            name: "risk_class_without_rate",
            edit: Replace(r#"risk_class = "high""#, r#"risk_class = "medium""#),
            at: Text(r#""medium""#),
            path: "companies[0].shops[1].risk_class",
            value: Some(r#""medium""#),
            allowed: &[
                r#"has no rate in product "parcel""#,
                "its tariff.rates define [high, standard]",
            ],
        },
        Case {
            name: "rating_factor_rate_outside_the_contract_range",
            edit: Replace(
                r#"rounding = "half_up""#,
                "rounding = \"half_up\"\nfactors = { destination = { international = \"1.8\" } }",
            ),
            at: Text("factors"),
            path: "products[0].tariff.factors",
            value: Some(
                "class high × international × fashion_beauty × the first value band: rate 0.054",
            ),
            allowed: &[
                "is outside rate_range [0.015, 0.05]",
                "widen tariff.factors.rate_range",
            ],
        },
        Case {
            name: "rating_factor_of_an_unknown_category_group",
            edit: Replace(
                r#"rounding = "half_up""#,
                "rounding = \"half_up\"\nfactors = { category_group = { gadgets = \"1.1\" } }",
            ),
            at: Text(r#""1.1""#),
            path: "products[0].tariff.factors.category_group.gadgets",
            value: Some(r#""gadgets""#),
            allowed: &["is not a category group", "electronics"],
        },
        Case {
            name: "rating_factor_of_zero",
            edit: Replace(
                r#"rounding = "half_up""#,
                "rounding = \"half_up\"\nfactors = { category_group = { electronics = \"0\" } }",
            ),
            at: Text(r#""0""#),
            path: "products[0].tariff.factors.category_group.electronics",
            value: Some(r#""0""#),
            allowed: &["is zero", "a rating factor is a positive decimal string"],
        },
        Case {
            name: "value_bands_not_ascending",
            edit: Replace(
                r#"rounding = "half_up""#,
                "rounding = \"half_up\"\nfactors = { value_bands = [{ from_eur = \"500\", factor = \"1.1\" }, { from_eur = \"300\", factor = \"1.2\" }] }",
            ),
            at: Text(r#""300""#),
            path: "products[0].tariff.factors.value_bands[1].from_eur",
            value: Some(r#""300""#),
            allowed: &["must be above the previous band's from_eur"],
        },
        Case {
            name: "value_band_under_the_flat_threshold",
            edit: Replace(
                r#"rounding = "half_up""#,
                "rounding = \"half_up\"\nfactors = { value_bands = [{ from_eur = \"50\", factor = \"1.1\" }] }",
            ),
            at: Text(r#""50""#),
            path: "products[0].tariff.factors.value_bands[0].from_eur",
            value: Some(r#""50""#),
            allowed: &["must be above the flat threshold (100 EUR)"],
        },
        Case {
            name: "rate_range_reversed",
            edit: Replace(
                r#"rounding = "half_up""#,
                "rounding = \"half_up\"\nfactors = { rate_range = [\"0.05\", \"0.015\"] }",
            ),
            at: Text(r#"["0.05""#),
            path: "products[0].tariff.factors.rate_range",
            value: Some("[0.05, 0.015]"),
            allowed: &["smallest ≤ largest"],
        },
        Case {
            name: "money_with_3_decimals",
            edit: Replace(r#"flat_fee_eur = "0.98""#, r#"flat_fee_eur = "0.985""#),
            at: Text(r#""0.985""#),
            path: "products[0].tariff.flat_fee_eur",
            value: Some(r#""0.985""#),
            allowed: &["at most 2 decimals"],
        },
        Case {
            name: "money_as_a_float",
            edit: Replace(r#"flat_fee_eur = "0.98""#, "flat_fee_eur = 0.98"),
            at: Text("0.98"),
            path: "products[0].tariff.flat_fee_eur",
            value: None,
            allowed: &["expected a string", "quoted decimal strings"],
        },
        Case {
            name: "unknown_field_in_product",
            edit: Replace("take_up = 0.30", "take_upp = 0.30"),
            at: Text("take_upp"),
            path: "products[0].take_upp",
            value: None,
            allowed: &["unknown field `take_upp`, expected one of", "`take_up`"],
        },
        Case {
            name: "wrong_type_in_product",
            edit: Replace("take_up = 0.30", r#"take_up = "30%""#),
            at: Text(r#""30%""#),
            path: "products[0].take_up",
            value: None,
            allowed: &[r#"invalid type: string "30%", expected a number"#],
        },
        Case {
            name: "unknown_product_kind",
            edit: Replace(r#"kind = "buyer_protection""#, r#"kind = "buyer_protect""#),
            at: Text(r#""buyer_protect""#),
            path: "products[0].kind",
            value: None,
            // Phrased so that adding a product kind does not change the test.
            allowed: &[
                "unknown variant `buyer_protect`, expected",
                "`buyer_protection`",
            ],
        },
        Case {
            name: "wrong_type",
            edit: Replace("orders_per_day = 400", r#"orders_per_day = "400""#),
            at: Text(r#""400""#),
            path: "companies[0].shops[1].orders_per_day",
            value: None,
            allowed: &["expected a number"],
        },
        Case {
            name: "orders_per_day_too_large",
            edit: Replace("orders_per_day = 400", "orders_per_day = 50000000"),
            at: Text("50000000"),
            path: "companies[0].shops[1].orders_per_day",
            value: Some("50000000"),
            allowed: &["must be a number greater than 0 and at most 10000000"],
        },
        Case {
            name: "missing_table",
            edit: Remove("[simulation]\nseed = 20261127\npaths = 500\n"),
            at: Fixed(1, 1),
            path: "simulation",
            value: None,
            allowed: &["is missing: add a [simulation] table"],
        },
        Case {
            name: "toml_syntax_error",
            edit: Replace("days = 365", "days = = 365"),
            at: Text("= 365"),
            path: "horizon.days",
            value: None,
            allowed: &["TOML syntax error"],
        },
        // Guarantee-frame fields.
        Case {
            name: "frame_zero",
            edit: Replace(
                "name = \"Maison Exemple SAS\"",
                "name = \"Maison Exemple SAS\"\nframe_eur = \"0\"",
            ),
            at: Text("\"0\""),
            path: "companies[0].frame_eur",
            value: Some("\"0\""),
            allowed: &["must be above 0", "default frame rule"],
        },
        Case {
            name: "default_probability_above_1",
            edit: Replace(
                "name = \"Maison Exemple SAS\"",
                "name = \"Maison Exemple SAS\"\ndefault_probability = 1.2",
            ),
            at: Text("1.2"),
            path: "companies[0].default_probability",
            value: Some("1.2"),
            allowed: &["between 0 and 1"],
        },
        Case {
            name: "guarantee_duration_0",
            edit: Replace(
                "[[companies]]\nname = \"Maison Exemple SAS\"",
                "[[products]]\nname = \"g\"\nkind = \"guarantee_frame\"\ntake_up = 0.3\nduration_days = 0\n\n[[companies]]\nname = \"Maison Exemple SAS\"",
            ),
            at: Text("0\n\n[[companies"),
            path: "products[1].duration_days",
            value: Some("0"),
            allowed: &["from 1 to 366"],
        },
        // E-reputation cover (a book of policies, not orders).
        Case {
            name: "e_reputation_outcomes_not_summing_to_1",
            edit: Replace(
                "[[companies]]\nname = \"Maison Exemple SAS\"",
                concat!(
                    "[[products]]\nname = \"erep\"\nkind = \"e_reputation\"\n\n",
                    "[[products.segments]]\nname = \"persons\"\nholder = \"person\"\n",
                    "policies = 1000\nannual_premium_eur = \"24\"\n\n",
                    "[products.incidents.defamation.direct_action]\n",
                    "outcomes = { resolved = 0.5, escalate = 0.4, abandoned = 0.2 }\n\n",
                    "[[companies]]\nname = \"Maison Exemple SAS\"",
                ),
            ),
            at: Text("outcomes"),
            path: "products[1].incidents.defamation.direct_action.outcomes",
            value: Some("shares adding up to 1.1"),
            allowed: &["the shares must add up to 1"],
        },
        Case {
            name: "e_reputation_unknown_field_in_phase",
            edit: Replace(
                "[[companies]]\nname = \"Maison Exemple SAS\"",
                concat!(
                    "[[products]]\nname = \"erep\"\nkind = \"e_reputation\"\n\n",
                    "[[products.segments]]\nname = \"persons\"\nholder = \"person\"\n",
                    "policies = 1000\nannual_premium_eur = \"24\"\n\n",
                    "[products.incidents.defamation.court]\ncots = { median_eur = 3000, sigma = 0.5 }\n\n",
                    "[[companies]]\nname = \"Maison Exemple SAS\"",
                ),
            ),
            at: Text("cots"),
            path: "products[1].incidents.defamation.court.cots",
            value: None,
            allowed: &["unknown field `cots`, expected", "`cost`"],
        },
        Case {
            name: "e_reputation_unknown_holder",
            edit: Replace(
                "[[companies]]\nname = \"Maison Exemple SAS\"",
                concat!(
                    "[[products]]\nname = \"erep\"\nkind = \"e_reputation\"\n\n",
                    "[[products.segments]]\nname = \"persons\"\nholder = \"household\"\n",
                    "policies = 1000\nannual_premium_eur = \"24\"\n\n",
                    "[[companies]]\nname = \"Maison Exemple SAS\"",
                ),
            ),
            at: Text("\"household\""),
            path: "products[1].segments[0].holder",
            value: Some("\"household\""),
            allowed: &["is not a kind of policyholder; use one of person, business"],
        },
        Case {
            name: "e_reputation_sold_in_a_shop",
            edit: Replace(
                "products = [\"parcel\"]\n\n[[companies.shops]]",
                concat!(
                    "products = [\"parcel\", \"erep\"]\n\n",
                    "[[products]]\nname = \"erep\"\nkind = \"e_reputation\"\n\n",
                    "[[products.segments]]\nname = \"persons\"\nholder = \"person\"\n",
                    "policies = 1000\nannual_premium_eur = \"24\"\n\n",
                    "[[companies.shops]]",
                ),
            ),
            at: Text("\"erep\""),
            path: "companies[0].shops[0].products[1]",
            value: Some("\"erep\""),
            allowed: &["is sold per policy", "not per order"],
        },
        Case {
            name: "items_per_order_not_adding_up",
            edit: Replace(
                "risk_class = \"standard\"\nproducts = [\"parcel\"]",
                "risk_class = \"standard\"\nitems_per_order = [0.5, 0.4]\nproducts = [\"parcel\"]",
            ),
            at: Text("[0.5, 0.4]"),
            path: "companies[0].shops[0].items_per_order",
            value: Some("shares adding up to 0.9"),
            allowed: &["the shares must add up to 1"],
        },
        Case {
            name: "split_take_up_above_1",
            edit: Replace(
                "risk_class = \"standard\"\nproducts = [\"parcel\"]",
                "risk_class = \"standard\"\npayment = { split_share = 0.2, split_take_up_multipliers = { parcel = 4 } }\nproducts = [\"parcel\"]",
            ),
            at: Text("4 }"),
            path: "companies[0].shops[0].payment.split_take_up_multipliers.parcel",
            value: Some("4"),
            allowed: &["times the product's take-up 0.3 is 1.2", "above 1"],
        },
        Case {
            name: "split_payers_alone_above_the_take_up",
            edit: Replace(
                "risk_class = \"standard\"\nproducts = [\"parcel\"]",
                "risk_class = \"standard\"\npayment = { split_share = 0.5, split_take_up_multipliers = { parcel = 3 } }\nproducts = [\"parcel\"]",
            ),
            at: Text("3 }"),
            path: "companies[0].shops[0].payment.split_take_up_multipliers.parcel",
            value: Some("3"),
            allowed: &["times payment.split_share 0.5 is above 1"],
        },
        Case {
            name: "split_multiplier_of_a_product_not_sold",
            edit: Replace(
                "risk_class = \"standard\"\nproducts = [\"parcel\"]",
                "risk_class = \"standard\"\npayment = { split_share = 0.2, split_take_up_multipliers = { legal = 2 } }\nproducts = [\"parcel\"]",
            ),
            at: Text("2 }"),
            path: "companies[0].shops[0].payment.split_take_up_multipliers.legal",
            value: Some("2"),
            allowed: &["names \"legal\", which this shop does not sell"],
        },
        Case {
            name: "treaty_of_a_product_the_scenario_lacks",
            edit: Replace(
                "risk_class = \"high\"\nproducts = [\"parcel\"]",
                "risk_class = \"high\"\nproducts = [\"parcel\"]\n\n[[reinsurance]]\nproduct = \"parcl\"\nquota_share = { share = 0.3 }",
            ),
            at: Text("\"parcl\""),
            path: "reinsurance[0].product",
            value: Some("\"parcl\""),
            allowed: &["is not a product of the scenario; use one of parcel"],
        },
        Case {
            name: "quota_share_of_everything",
            edit: Replace(
                "risk_class = \"high\"\nproducts = [\"parcel\"]",
                "risk_class = \"high\"\nproducts = [\"parcel\"]\n\n[[reinsurance]]\nproduct = \"parcel\"\nquota_share = { share = 1.0, commission = 0.2 }",
            ),
            at: Text("1.0,"),
            path: "reinsurance[0].quota_share.share",
            value: Some("1"),
            allowed: &["must be below 1"],
        },
        Case {
            name: "treaty_that_cedes_nothing",
            edit: Replace(
                "risk_class = \"high\"\nproducts = [\"parcel\"]",
                "risk_class = \"high\"\nproducts = [\"parcel\"]\n\n[[reinsurance]]\nproduct = \"parcel\"",
            ),
            at: First("[[reinsurance]]"),
            path: "reinsurance[0]",
            value: None,
            allowed: &["cedes nothing", "quota_share", "stop_loss"],
        },
        Case {
            name: "stop_loss_with_both_bases",
            edit: Replace(
                "risk_class = \"high\"\nproducts = [\"parcel\"]",
                "risk_class = \"high\"\nproducts = [\"parcel\"]\n\n[[reinsurance]]\nproduct = \"parcel\"\nstop_loss = { attachment_loss_ratio = 0.9, limit_loss_ratio = 0.5, attachment_eur = \"1000\" }",
            ),
            at: Text("stop_loss"),
            path: "reinsurance[0].stop_loss",
            value: None,
            allowed: &["one pair and not both"],
        },
        Case {
            name: "shop_carrier_not_declared",
            edit: Replace(
                "risk_class = \"standard\"\n",
                "risk_class = \"standard\"\ncarrier = \"Nope\"\n",
            ),
            at: Text("\"Nope\""),
            path: "companies[0].shops[0].carrier",
            value: Some("\"Nope\""),
            allowed: &["names no carrier: add a [[carriers]] table with this name"],
        },
        Case {
            name: "carrier_disruption_too_long",
            edit: Replace(
                "[[companies]]\nname = \"Maison Exemple SAS\"",
                "[[carriers]]\nname = \"Colis\"\ndisruption = { per_year = 2, days = 90 }\n\n[[companies]]\nname = \"Maison Exemple SAS\"",
            ),
            at: Text("90"),
            path: "carriers[0].disruption.days",
            value: Some("90"),
            allowed: &["must be a whole number from 1 to 60"],
        },
        Case {
            name: "excess_of_loss_of_no_width",
            edit: Replace(
                "risk_class = \"high\"\nproducts = [\"parcel\"]",
                "risk_class = \"high\"\nproducts = [\"parcel\"]\n\n[[reinsurance]]\nproduct = \"parcel\"\nexcess_of_loss = { retention_eur = \"1000\", limit_eur = \"0\" }",
            ),
            at: Text("\"0\""),
            path: "reinsurance[0].excess_of_loss.limit_eur",
            value: Some("\"0\""),
            allowed: &["must be greater than 0: a layer of no width pays nothing"],
        },
        Case {
            name: "excess_of_loss_tower_with_a_gap",
            edit: Replace(
                "risk_class = \"high\"\nproducts = [\"parcel\"]",
                "risk_class = \"high\"\nproducts = [\"parcel\"]\n\n[[reinsurance]]\nproduct = \"parcel\"\nexcess_of_loss_layers = [{ retention_eur = \"1000\", limit_eur = \"500\" }, { retention_eur = \"2000\", limit_eur = \"500\" }]",
            ),
            at: Text("\"2000\""),
            path: "reinsurance[0].excess_of_loss_layers[1].retention_eur",
            value: Some("\"2000.00\""),
            allowed: &[
                "must be \"1500.00\", where the layer below ends",
                "contiguous",
            ],
        },
        // Parameter risk: a value written as a distribution.
        Case {
            name: "distribution_whose_mean_breaks_the_rule",
            edit: Replace("take_up = 0.30 ", "take_up = { uniform = [1.0, 2.0] } "),
            at: Text("{"),
            path: "products[0].take_up",
            value: Some("1.5"),
            allowed: &[
                "must be a probability",
                "the mean of the Uniform[1, 2] written here",
            ],
        },
        Case {
            name: "beta_law_wider_than_its_mean_allows",
            edit: Replace(
                "take_up = 0.30 ",
                "take_up = { beta = { mean = 0.3, cv = 5 } } ",
            ),
            at: Text("5 }"),
            path: "products[0].take_up.beta.cv",
            value: Some("5"),
            allowed: &["less than √((1 − mean)/mean) = 1.5275"],
        },
        Case {
            name: "law_that_is_no_distribution",
            edit: Replace(
                "take_up = 0.30 ",
                "take_up = { beta = { mean = 0.3, sd = 0.1 } } ",
            ),
            at: Text("0.1 }"),
            path: "products[0].take_up.beta.sd",
            value: None,
            allowed: &[
                "is not a distribution this engine reads",
                "unknown field `sd`",
            ],
        },
        Case {
            name: "distribution_on_the_horizon",
            edit: Replace("days = 365", "days = { uniform = [300, 365] }"),
            at: LineStart,
            path: "horizon.days",
            value: Some("Uniform[300, 365]"),
            allowed: &["the horizon and the simulation settings fix the shape"],
        },
    ]
}

/// Runs the binary with `args`, in `dir`.
fn protectsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run protectsim")
}

/// Checks what holds for all bad input; returns stderr.
fn assert_bad_input(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{what}: exit code; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    assert!(stderr.starts_with("error: "), "{what}: stderr:\n{stderr}");
    assert!(
        stdout.is_empty(),
        "{what}: no report for bad input; stdout:\n{stdout}"
    );
    stderr
}

/// Each case with `check` and with `run` (which must write nothing).
#[test]
fn each_mistake_is_reported_where_it_is() {
    check_cases(&quickstart(), cases());
}

/// Mistakes in a BNPL non-payment product, on the example scenario.
#[test]
fn each_bnpl_mistake_is_reported_where_it_is() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bnpl_like.toml");
    let base = std::fs::read_to_string(path).expect("bnpl scenario");
    check_cases(&base, bnpl_cases());
}

fn bnpl_cases() -> Vec<Case> {
    use At::*;
    use Edit::*;
    vec![
        Case {
            name: "bnpl_excess_of_loss",
            edit: Replace(
                "categories = { electronics = 0.85, digital_goods = 0.05, subscriptions = 0.03, fashion = 0.07 }\nproducts = [\"bnpl\"]",
                "categories = { electronics = 0.85, digital_goods = 0.05, subscriptions = 0.03, fashion = 0.07 }\nproducts = [\"bnpl\"]\n\n[[reinsurance]]\nproduct = \"bnpl\"\nexcess_of_loss = { retention_eur = \"1000\", limit_eur = \"5000\" }",
            ),
            at: Text("excess_of_loss"),
            path: "reinsurance[0].excess_of_loss",
            value: None,
            allowed: &["is per occurrence, and a bnpl_non_payment product defines none here"],
        },
        Case {
            name: "bnpl_correlation_1",
            edit: Replace("asset_correlation = 0.05", "asset_correlation = 1.0"),
            at: Text("1.0"),
            path: "products[0].asset_correlation",
            value: Some("1"),
            allowed: &["from 0 to below 1", "Vasicek"],
        },
        Case {
            name: "bnpl_correlation_nan",
            edit: Replace("asset_correlation = 0.05", "asset_correlation = nan"),
            at: Text("nan"),
            path: "products[0].asset_correlation",
            value: Some("nan"),
            allowed: &["from 0 to below 1"],
        },
        Case {
            name: "bnpl_plan_shares",
            edit: Replace("share = 0.55", "share = 0.65"),
            at: First("[[products.plans]]"),
            path: "products[0].plans",
            value: Some("shares adding up to 1.1"),
            allowed: &["must add up to 1"],
        },
        Case {
            name: "bnpl_empty_range",
            edit: Replace("max_basket_eur = \"8000\"", "max_basket_eur = \"500\""),
            at: Text("\"500\""),
            path: "products[0].plans[3].max_basket_eur",
            value: Some("\"500\""),
            allowed: &["at least min_basket_eur (800)", "range is empty"],
        },
        Case {
            name: "bnpl_unknown_network",
            edit: Replace("amex = 0.02", "discover = 0.02"),
            at: Text("0.02"),
            path: "products[0].customers.card_networks.discover",
            value: Some("\"discover\""),
            allowed: &[
                "is not a known card network",
                "cb, visa, mastercard, amex, other",
            ],
        },
        Case {
            name: "bnpl_schedule_length",
            edit: Replace(
                "schedule_days = [0, 30, 60, 90]",
                "schedule_days = [0, 30, 60]",
            ),
            at: Text("[0, 30, 60]"),
            path: "products[0].plans[2].schedule_days",
            value: Some("[0, 30, 60]"),
            allowed: &["one due day per instalment (4)", "starting at 0"],
        },
        Case {
            name: "bnpl_unknown_plan_field",
            edit: Replace("hazard = 0.0046", "hazzard = 0.0046"),
            at: Text("hazzard"),
            path: "products[0].plans[2].hazzard",
            value: None,
            allowed: &["unknown field `hazzard`"],
        },
        Case {
            name: "bnpl_unknown_site",
            edit: Replace(
                "sites = [\"unreferenced\", \"peer_to_peer\"]",
                "sites = [\"unreferenced\", \"p2p\"]",
            ),
            at: Text("\"p2p\""),
            path: "products[0].exclusions.sites[1]",
            value: Some("\"p2p\""),
            allowed: &["is not a kind of site", "peer_to_peer"],
        },
    ]
}

/// Runs every case on `base` with `check` and with `run`.
fn check_cases(base: &str, cases: Vec<Case>) {
    let base = base.to_string();
    let dir = tempfile::tempdir().unwrap();
    for case in cases {
        let (text, (line, col)) = apply(&base, &case.edit, case.at);
        let file = format!("{}.toml", case.name);
        std::fs::write(dir.path().join(&file), &text).unwrap();
        let out = dir.path().join(format!("out-{}", case.name));
        let out_arg = out.to_str().unwrap();
        for args in [
            vec!["check", &file],
            vec!["run", &file, "--out", out_arg, "--quiet"],
        ] {
            let what = format!("{} ({})", case.name, args[0]);
            let stderr = assert_bad_input(&protectsim(dir.path(), &args), &what);
            // One problem, on one line that holds everything.
            assert!(
                !stderr.contains("problems in scenario"),
                "{what}: a single problem expected:\n{stderr}"
            );
            let at = format!("{file}:{line}:{col}: ");
            let message = stderr
                .lines()
                .find(|l| l.contains(&at))
                .unwrap_or_else(|| panic!("{what}: no line with {at:?} in:\n{stderr}"));
            let head = match case.value {
                Some(v) => format!("{at}{} = {v}: ", case.path),
                None => format!("{at}{}: ", case.path),
            };
            assert!(
                message.contains(&head),
                "{what}: {head:?} not in {message:?}"
            );
            for phrase in case.allowed {
                assert!(
                    message.contains(phrase),
                    "{what}: {phrase:?} not in {message:?}"
                );
            }
            assert!(!out.exists(), "{what}: run wrote {}", out.display());
        }
    }
}

/// The whole message for a scenario text fixed here, so the format itself is pinned.
#[test]
fn message_format_is_pinned() {
    let text = r#"[horizon]
start = "2026-01-01"
days = 365

[simulation]
seed = 1
paths = 10

[[products]]
name = "parcel"
kind = "buyer_protection"
take_up = 0.3

[[companies]]
name = "A"

[[companies.shops]]
name = "a"
orders_per_day = 100
basket = { median_eur = 38, sigma = 0 }
categories = { fashion = 1.0 }
products = ["parcel"]
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), text).unwrap();
    let output = protectsim(dir.path(), &["check", "bad.toml"]);
    let stderr = assert_bad_input(&output, "pinned");
    assert_eq!(
        stderr,
        "error: bad.toml:20:37: companies[0].shops[0].basket.sigma = 0: must be a finite number greater than 0\n"
    );

    // The same text with sigma fixed is valid: the pinned error came from that value alone.
    std::fs::write(
        dir.path().join("good.toml"),
        text.replace("sigma = 0 }", "sigma = 0.5 }"),
    )
    .unwrap();
    let output = protectsim(dir.path(), &["check", "good.toml"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Products written as inline tables: a mistake inside one is still located at its key or value,
/// not at the whole `products = [...]` array.
#[test]
fn mistakes_inside_inline_products_are_located() {
    let text = r#"products = [
  { name = "parcel", kind = "buyer_protection", take_up = 0.3 },
  { name = "other", kind = "buyer_protection", take_up = 0.3, tarif = {} },
]

[horizon]
start = "2026-01-01"
days = 365

[simulation]
seed = 1
paths = 10

[[companies]]
name = "A"

[[companies.shops]]
name = "a"
orders_per_day = 100
basket = { median_eur = 38, sigma = 0.5 }
categories = { fashion = 1.0 }
products = ["parcel", "other"]
"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("inline.toml"), text).unwrap();
    let stderr = assert_bad_input(&protectsim(dir.path(), &["check", "inline.toml"]), "inline");
    assert!(
        stderr.starts_with(
            "error: inline.toml:3:63: products[1].tarif: unknown field `tarif`, expected one of"
        ),
        "{stderr}"
    );
}

/// Several mistakes at once: all are reported, each on its own line, in one run.
#[test]
fn every_mistake_is_reported_at_once() {
    let base = quickstart();
    let edits = [
        (
            Edit::Replace(r#"start = "2026-01-01""#, r#"start = "2026-02-30""#),
            At::Text("\"2026"),
        ),
        (
            Edit::Replace("take_up = 0.30", "take_up = 1.5"),
            At::Text("1.5"),
        ),
        (Edit::Replace("sigma = 0.95", "sigma = 0"), At::Text("0")),
        (
            Edit::Replace("international_share = 0.05", "international_share = -0.05"),
            At::Text("-0.05"),
        ),
    ];
    let expected = [
        r#"horizon.start = "2026-02-30": must be a real calendar date"#,
        "products[0].take_up = 1.5: must be a probability between 0 and 1",
        "companies[0].shops[0].basket.sigma = 0: must be a finite number greater than 0",
        "companies[0].shops[1].international_share = -0.05: must be a probability between 0 and 1",
    ];
    // Edits change no line count, so each position can be computed on its own edit.
    let mut text = base.clone();
    let mut positions = Vec::new();
    for (edit, at) in &edits {
        positions.push(apply(&base, edit, *at).1);
        text = match edit {
            Edit::Replace(from, to) => text.replacen(from, to, 1),
            _ => unreachable!(),
        };
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("multi.toml"), &text).unwrap();
    let out = dir.path().join("out");
    for args in [
        vec!["check", "multi.toml"],
        vec!["run", "multi.toml", "--out", out.to_str().unwrap()],
    ] {
        let stderr = assert_bad_input(&protectsim(dir.path(), &args), "multi");
        assert!(
            stderr.starts_with("error: 4 problems in scenario multi.toml:\n"),
            "{stderr}"
        );
        for ((line, col), message) in positions.iter().zip(expected) {
            let want = format!("multi.toml:{line}:{col}: {message}");
            assert!(
                stderr.lines().any(|l| l.starts_with(&want)),
                "{want:?} not in:\n{stderr}"
            );
        }
        assert_eq!(stderr.lines().count(), 5, "{stderr}");
        assert!(!out.exists());
    }
}

/// Command-line mistakes with a valid scenario: exit code 2, the option and what is allowed.
#[test]
fn bad_command_line_values() {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/quickstart_like.toml"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--paths", "0"],
            &["--paths 0: must be a whole number from 1 to 100000000"],
        ),
        (
            &["--paths", "2000000000"],
            &["--paths 2000000000: must be a whole number from 1 to 100000000"],
        ),
        (
            &["--shard", "5/4"],
            &[r#"--shard "5/4""#, "write K/N with 1 ≤ K ≤ N ≤ paths (500)"],
        ),
        (&["--shard", "0/4"], &[r#"--shard "0/4""#, "write K/N"]),
        (&["--shard", "2"], &[r#"--shard "2""#, "e.g. --shard 2/8"]),
        (
            &["--shard", "1/501"],
            &[r#"--shard "1/501""#, "N ≤ paths (500)"],
        ),
        // Rejected by the argument parser itself, also with exit code 2.
        (&["--paths", "many"], &["invalid value 'many'", "--paths"]),
        (&["--seed", "-1"], &["'-1'"]),
    ];
    for (extra, phrases) in cases {
        let mut args = vec!["run", scenario, "--out", out_arg, "--quiet"];
        args.extend_from_slice(extra);
        let what = extra.join(" ");
        let output = protectsim(dir.path(), &args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{what}: exit code; stderr:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}:\n{stderr}");
        for phrase in *phrases {
            assert!(
                stderr.contains(phrase),
                "{what}: {phrase:?} not in:\n{stderr}"
            );
        }
        assert!(!out.exists(), "{what}: run wrote output");
    }
}

/// A scenario that cannot be read at all is bad input too (exit code 2), named in the message,
/// with the reason given once.
#[test]
fn unreadable_scenario_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder.toml")).unwrap();
    std::fs::write(dir.path().join("latin1.toml"), b"name = \"caf\xe9\"\n").unwrap();
    let cases: &[(&str, &str)] = &[
        ("no_such_file.toml", "No such file"),
        ("folder.toml", "directory"),
        ("latin1.toml", "valid UTF-8"),
    ];
    let out = dir.path().join("out");
    for &(file, reason) in cases {
        let path: PathBuf = dir.path().join(file);
        let path = path.to_str().unwrap();
        for args in [
            vec!["check", path],
            vec!["run", path, "--out", out.to_str().unwrap()],
        ] {
            let stderr = assert_bad_input(&protectsim(dir.path(), &args), file);
            assert!(
                stderr.contains(&format!("cannot read scenario {path}: ")),
                "{stderr}"
            );
            assert_eq!(
                stderr.matches(reason).count(),
                1,
                "{file}: reason once:\n{stderr}"
            );
            assert!(!out.exists());
        }
    }
}

/// The position helper the cases rely on.
#[test]
fn line_col_counts_chars() {
    let text = "a = 1\nb = \"é\" # x\n";
    assert_eq!(line_col(text, 0), (1, 1));
    assert_eq!(line_col(text, 4), (1, 5));
    assert_eq!(line_col(text, 6), (2, 1));
    assert_eq!(line_col(text, text.find('#').unwrap()), (2, 9));
}
