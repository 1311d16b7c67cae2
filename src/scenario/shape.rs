//! Raw scenario → validated [`Scenario`]: horizon, calendar, companies, shops and products.

use super::raw::*;
use super::{Company, Scenario, Shop};
use crate::calendar::{BlackFriday, CalendarSpec, Christmas, CustomEvent, Horizon, Sales};
use crate::carrier::{Carrier, Disruption};
use crate::catalogue::{Category, Channel, Site};
use crate::distributions::{Basket, DeliveryTime, LogNormal, ParamError, VolumeMultiplier};
use crate::input::mix::mix;
use crate::input::validate::{Issue, Validator, show};
use crate::money::Cents;
use crate::orders::MAX_COVERS;
use crate::products::Product;
use crate::products::bnpl::MAX_CUSTOMERS_PER_SHOP;
use std::collections::{BTreeMap, HashSet};

/// Longest horizon accepted: ten years of days.
const MAX_DAYS: i64 = 3660;
/// Most paths accepted in one run (shards split bigger jobs).
const MAX_PATHS: i64 = super::MAX_PATHS as i64;
/// Largest average daily order count of one shop: far above any real merchant, low enough that a
/// run still ends and its sums stay finite.
const MAX_ORDERS_PER_DAY: f64 = 10_000_000.0;
/// Largest average daily order count of the whole portfolio (every shop added up): it bounds the
/// orders of one path, and with them every money sum (see [`crate::money::Cents`]).
const MAX_PORTFOLIO_ORDERS_PER_DAY: f64 = 10_000_000.0;
/// Largest frame or annual turnover of one company: a trillion euros.
const MAX_COMPANY_EUR: i64 = 1_000_000_000_000;
/// Largest basket median, mean or cap in EUR: a million (parcels, not freight).
const MAX_BASKET_EUR: f64 = 1_000_000.0;
/// Longest description of a scenario, in characters.
const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// Largest basket coefficient of variation (lognormal sigma ≈ 3.03); beyond it the distribution
/// degenerates (an infinite `cv²` gives NaN parameters).
const MAX_BASKET_CV: f64 = 100.0;
/// Largest per-path volume coefficient of variation.
const MAX_VOLUME_CV: f64 = 10.0;
/// Largest yearly volume growth of a shop, in percent (its volume doubles each year).
const MAX_GROWTH_PCT: f64 = 100.0;
/// Largest yearly decline of a shop's volume, in percent (it halves each year).
const MIN_GROWTH_PCT: f64 = -50.0;

pub(super) fn validate(raw: RawScenario, hash: String) -> Result<Scenario, Vec<Issue>> {
    let mut v = Validator::new();
    let start = v.date("horizon.start", &raw.horizon.start);
    let days = v.integer_in(
        "horizon.days",
        raw.horizon.days,
        1,
        MAX_DAYS,
        " (days simulated from the start date)",
    ) as u32;
    let seed = v.integer_in("simulation.seed", raw.simulation.seed, 0, i64::MAX, "") as u64;
    let paths = v.integer_in(
        "simulation.paths",
        raw.simulation.paths,
        1,
        MAX_PATHS,
        " (independent Monte Carlo paths)",
    ) as u64;
    let calendar = calendar(&mut v, &raw.calendar);
    if let Some(name) = &raw.name {
        v.name("name", name);
    }
    if let Some(d) = &raw.description {
        let chars = d.chars().count();
        if chars > MAX_DESCRIPTION_CHARS {
            v.fail(
                "description",
                format!("a text of {chars} characters"),
                format!("is too long: at most {MAX_DESCRIPTION_CHARS} characters"),
            );
        } else if let Some(c) = d
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            v.fail(
                "description",
                format!("text with {c:?}"),
                "contains a control character (an escape code): write plain text",
            );
        }
    }

    let mut names = HashSet::new();
    let mut products = Vec::new();
    for (i, p) in raw.products.iter().enumerate() {
        let path = format!("products[{i}]");
        v.name(&format!("{path}.name"), p.name());
        if !names.insert(p.name().to_string()) {
            v.fail(
                &format!("{path}.name"),
                format!("{:?}", p.name()),
                "is used by an earlier product; product names must be unique",
            );
        }
        products.push(p.validate(&path, &mut v));
    }

    // A book of policies needs no merchant: a scenario whose products are all sold per policy
    // may have no companies.
    let policies_only = !products.is_empty() && products.iter().all(Product::sold_per_policy);
    if raw.companies.is_empty() && !policies_only {
        v.fail_field("companies", "the portfolio is empty: add at least one [[companies]] table with a [[companies.shops]] table");
    }
    let carriers = carriers(&mut v, &raw.carriers);
    let mut company_names = HashSet::new();
    // Chart files are named after the company (`plots/frame_<slug>.svg`): two names that give
    // the same file name would share one chart.
    let mut slugs: BTreeMap<String, String> = BTreeMap::new();
    let companies = raw
        .companies
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let cp = format!("companies[{ci}]");
            v.name(&format!("{cp}.name"), &c.name);
            let slug = crate::portfolio::slug(&c.name);
            if !company_names.insert(c.name.clone()) {
                v.fail(
                    &format!("{cp}.name"),
                    format!("{:?}", c.name),
                    "is used by an earlier company; company names must be unique",
                );
            } else if let Some(earlier) = slugs.get(&slug) {
                v.fail(
                    &format!("{cp}.name"),
                    format!("{:?}", c.name),
                    format!(
                        "gives the same chart file name (plots/frame_{slug}.svg) as the earlier company {earlier:?}: names must differ in letters or digits, not only in case, accents or punctuation"
                    ),
                );
            } else {
                slugs.insert(slug, c.name.clone());
            }
            if c.shops.is_empty() {
                v.fail_field(
                    &cp,
                    "has no shops: add a [[companies.shops]] table after it",
                );
            }
            let mut shop_names = HashSet::new();
            let shops = c
                .shops
                .iter()
                .enumerate()
                .map(|(si, s)| {
                    let sp = format!("{cp}.shops[{si}]");
                    v.name(&format!("{sp}.name"), &s.name);
                    if !shop_names.insert(s.name.clone()) {
                        v.fail(
                            &format!("{sp}.name"),
                            format!("{:?}", s.name),
                            "is used by an earlier shop of this company",
                        );
                    }
                    shop(&mut v, &sp, s, &products, &carriers)
                })
                .collect();
            company(&mut v, &cp, c, shops, &products)
        })
        .collect();

    let companies: Vec<Company> = companies;
    let total: f64 = companies
        .iter()
        .flat_map(|c| c.shops.iter())
        // A growing shop's busiest level is that of the horizon's last day.
        .map(|s| s.orders_per_day * s.trend(days as i64 - 1).max(1.0))
        .sum();
    if total > MAX_PORTFOLIO_ORDERS_PER_DAY {
        v.fail(
            "companies",
            format!("shops adding up to {} orders per day", show(total)),
            format!(
                "the portfolio may have at most {} orders per day over all shops (so that no money total of a path can overflow); split it into several scenarios",
                show(MAX_PORTFOLIO_ORDERS_PER_DAY)
            ),
        );
    }

    let product_names: Vec<String> = products.iter().map(|p| p.name().to_string()).collect();
    let product_names: Vec<&str> = product_names.iter().map(String::as_str).collect();
    let mut treaties: Vec<crate::reinsurance::Treaty> = Vec::new();
    for (i, raw) in raw.reinsurance.iter().enumerate() {
        let path = format!("reinsurance[{i}]");
        let t = crate::reinsurance::Treaty::validate(raw, &path, &product_names, &mut v);
        if treaties.iter().any(|o| o.product == t.product) {
            v.fail(
                &format!("{path}.product"),
                format!("{:?}", raw.product),
                "already has a treaty: write one [[reinsurance]] table per product, with its quota_share and stop_loss together",
            );
        }
        if !t.excess_of_loss.is_empty()
            && let Some(product) = products.get_mut(t.product)
        {
            match product.occurrence() {
                Some(crate::products::Occurrence::Day | crate::products::Occurrence::Case) => {
                    product.set_occurrence_layers(
                        t.excess_of_loss.iter().map(|x| (x.retention, x.limit)).collect(),
                    )
                }
                _ => v.fail_field(
                    &format!("{path}.excess_of_loss"),
                    format!(
                        "is per occurrence, and a {} product defines none here: an excess of loss protects parcel protection (an occurrence is a day's claims), legal protection or e-reputation (a case); use a stop_loss",
                        product.kind()
                    ),
                ),
            }
        }
        treaties.push(t);
    }

    let portfolio_treaty = raw.portfolio_reinsurance.as_ref().map(|t| {
        crate::reinsurance::Treaty::validate_portfolio(t, "portfolio_reinsurance", &mut v)
    });

    v.finish()?;
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| "scenario".to_string()),
        description: raw.description.unwrap_or_default(),
        hash,
        horizon: Horizon { start, days },
        seed,
        paths,
        calendar,
        companies,
        products,
        treaties,
        portfolio_treaty,
        parameters: None,
    })
}

/// A company: its shops, and the frame and default fields the guarantee frame uses. A company's
/// shops may sell at most one guarantee-frame product, since the frame is the company's.
fn company(
    v: &mut Validator,
    cp: &str,
    c: &RawCompany,
    shops: Vec<Shop>,
    products: &[Product],
) -> Company {
    let mut frames: Vec<usize> = shops
        .iter()
        .flat_map(|s| s.products.iter().copied())
        .filter(|&p| matches!(products[p], Product::GuaranteeFrame(_)))
        .collect();
    frames.sort_unstable();
    frames.dedup();
    if frames.len() > 1 {
        let names: Vec<&str> = frames.iter().map(|&p| products[p].name()).collect();
        v.fail_field(cp, format!("its shops sell {} guarantee-frame products ({}); a company has one frame, so one such product", names.len(), names.join(", ")));
    }
    let money = |v: &mut Validator, field: &str, text: &Option<String>| {
        text.as_deref().map(|t| {
            v.eur_at_most(
                &format!("{cp}.{field}"),
                t,
                MAX_COMPANY_EUR,
                "of one company",
            )
        })
    };
    let frame = money(v, "frame_eur", &c.frame_eur);
    if frame == Some(Cents::ZERO) {
        v.fail(
            &format!("{cp}.frame_eur"),
            "\"0\"",
            "must be above 0 (omit it to use the product's default frame rule)",
        );
    }
    Company {
        name: c.name.clone(),
        shops,
        frame,
        online_turnover: money(v, "online_turnover_eur", &c.online_turnover_eur),
        default_probability: c.default_probability.map_or(0.0, |p| {
            v.probability(&format!("{cp}.default_probability"), p)
        }),
    }
}

fn param(v: &mut Validator, path: &str, value: f64, r: Result<(), ParamError>) {
    if let Err(e) = r {
        v.fail(path, show(value), e.to_string());
    }
}

fn basket(v: &mut Validator, path: &str, b: &RawBasket) -> Basket {
    let eur = |v: &mut Validator, field: &str, x: f64| {
        v.positive_at_most(&format!("{path}.{field}"), x, MAX_BASKET_EUR, " (EUR)")
    };
    let cap = b.cap_eur.map_or(2500.0, |c| eur(v, "cap_eur", c));
    let (median_eur, mean_eur) = (
        b.median_eur.map(|m| eur(v, "median_eur", m)),
        b.mean_eur.map(|m| eur(v, "mean_eur", m)),
    );
    let dist = match (median_eur, b.sigma, mean_eur, b.cv) {
        (Some(median), Some(sigma), None, None) => {
            param(
                v,
                &format!("{path}.median_eur"),
                median,
                LogNormal::from_median_sigma(median, 1.0).map(|_| ()),
            );
            param(
                v,
                &format!("{path}.sigma"),
                sigma,
                LogNormal::from_median_sigma(1.0, sigma).map(|_| ()),
            );
            LogNormal::from_median_sigma(median, sigma)
        }
        (None, None, Some(mean), Some(cv)) => {
            param(
                v,
                &format!("{path}.mean_eur"),
                mean,
                LogNormal::from_mean_cv(mean, 1.0).map(|_| ()),
            );
            param(
                v,
                &format!("{path}.cv"),
                cv,
                LogNormal::from_mean_cv(1.0, cv).map(|_| ()),
            );
            if cv.is_finite() && cv > MAX_BASKET_CV {
                v.fail(&format!("{path}.cv"), show(cv), format!("must be at most {MAX_BASKET_CV} (coefficient of variation of the basket value; 1.2 is typical)"));
            }
            LogNormal::from_mean_cv(mean, cv)
        }
        _ => {
            v.fail_field(path, "give the lognormal basket either as { median_eur, sigma } or as { mean_eur, cv }, not both or a mix");
            Err(ParamError::NotPositive)
        }
    };
    let dist = dist.unwrap_or_else(|_| LogNormal::from_median_sigma(1.0, 1.0).expect("valid"));
    Basket::new(dist, cap).expect("cap validated")
}

fn delivery(
    v: &mut Validator,
    path: &str,
    raw: Option<&RawDeliveryTime>,
    default: (f64, f64),
) -> DeliveryTime {
    let (median, sigma) = raw.map_or(default, |r| {
        (
            v.days(&format!("{path}.median_days"), r.median_days),
            v.sigma(&format!("{path}.sigma"), r.sigma),
        )
    });
    DeliveryTime::from_median_sigma(median, sigma)
        .unwrap_or_else(|_| DeliveryTime::from_median_sigma(1.0, 1.0).expect("valid"))
}

fn shop(
    v: &mut Validator,
    sp: &str,
    s: &RawShop,
    products: &[Product],
    carriers: &[Carrier],
) -> Shop {
    let orders_per_day = v.positive_at_most(
        &format!("{sp}.orders_per_day"),
        s.orders_per_day,
        MAX_ORDERS_PER_DAY,
        " (average orders per day over the year)",
    );
    let cv = s.volume_cv.unwrap_or(0.0);
    let volume = match VolumeMultiplier::from_cv(cv) {
        Ok(volume) if cv <= MAX_VOLUME_CV => volume,
        _ => {
            v.fail(
                &format!("{sp}.volume_cv"),
                show(cv),
                format!("must be a number from 0 to {MAX_VOLUME_CV} (0 means no volume uncertainty; 0.15 is typical)"),
            );
            VolumeMultiplier::from_cv(0.0).expect("valid")
        }
    };
    let growth_pct = s.growth_pct_per_year.unwrap_or(0.0);
    let growth = if (MIN_GROWTH_PCT..=MAX_GROWTH_PCT).contains(&growth_pct) {
        growth_pct / 100.0
    } else {
        v.fail(
            &format!("{sp}.growth_pct_per_year"),
            show(growth_pct),
            format!("must be a yearly growth in percent from {MIN_GROWTH_PCT} to {MAX_GROWTH_PCT} (0: no trend; 10 means 10 % more orders a year after the horizon starts)"),
        );
        0.0
    };
    let ship = s.shipping.as_ref();
    let handling_days = ship.and_then(|r| r.handling_days).map_or(1.0, |h| {
        let path = format!("{sp}.shipping.handling_days");
        if h > super::validate::MAX_DAYS {
            v.days(&path, h)
        } else {
            v.non_negative(&path, h, " (days)")
        }
    });
    let delivery = [
        delivery(
            v,
            &format!("{sp}.shipping.domestic"),
            ship.and_then(|r| r.domestic.as_ref()),
            (3.0, 0.55),
        ),
        delivery(
            v,
            &format!("{sp}.shipping.international"),
            ship.and_then(|r| r.international.as_ref()),
            (6.0, 0.5),
        ),
    ];
    let categories = mix(
        v,
        &format!("{sp}.categories"),
        &s.categories,
        Category::parse,
        Category::allowed(),
        "category",
    );
    let web_only = BTreeMap::from([("web".to_string(), 1.0)]);
    let channels = mix(
        v,
        &format!("{sp}.channels"),
        s.channels.as_ref().unwrap_or(&web_only),
        Channel::parse,
        Channel::allowed(),
        "channel",
    );
    let international_share = s.international_share.map_or(0.0, |p| {
        v.probability(&format!("{sp}.international_share"), p)
    });
    let shipping_fee = ship
        .and_then(|r| r.fee_eur.as_deref())
        .map_or(Cents::ZERO, |t| v.eur(&format!("{sp}.shipping.fee_eur"), t));
    let used_goods_share = s
        .used_goods_share
        .map_or(0.0, |p| v.probability(&format!("{sp}.used_goods_share"), p));
    let site = match s.site.as_deref() {
        None => Site::Referenced,
        Some(name) => Site::parse(name).unwrap_or_else(|| {
            v.fail(
                &format!("{sp}.site"),
                format!("{name:?}"),
                format!("is not a kind of site; use one of {}", Site::allowed()),
            );
            Site::Referenced
        }),
    };
    let risk_class = s
        .risk_class
        .clone()
        .unwrap_or_else(|| "standard".to_string());
    v.name(&format!("{sp}.risk_class"), &risk_class);

    let mut attached = Vec::new();
    for (i, name) in s.products.iter().enumerate() {
        let path = format!("{sp}.products[{i}]");
        let Some(idx) = products.iter().position(|p| p.name() == name) else {
            let known: Vec<&str> = products.iter().map(|p| p.name()).collect();
            v.fail(
                &path,
                format!("{name:?}"),
                format!(
                    "is not a product of this scenario; defined products: [{}]",
                    known.join(", ")
                ),
            );
            continue;
        };
        if products[idx].sold_per_policy() {
            v.fail(
                &path,
                format!("{name:?}"),
                format!(
                    "is sold per policy from its own [[products.segments]] book (kind {}), not per order: remove it from the shop's products",
                    products[idx].kind()
                ),
            );
            continue;
        }
        if attached.contains(&idx) {
            v.fail(&path, format!("{name:?}"), "is listed twice for this shop");
            continue;
        }
        let on_stream = attached
            .iter()
            .filter(|&&p| products[p].stream_take_up().is_some())
            .count();
        if products[idx].stream_take_up().is_some() && on_stream >= MAX_COVERS {
            v.fail(
                &path,
                format!("{name:?}"),
                format!("is one cover too many: a shop sells at most {MAX_COVERS} covers on its orders (BNPL aside); split the shop or drop a product"),
            );
            continue;
        }
        if let Some(rates) = products[idx]
            .risk_class_rates()
            .filter(|r| !r.contains_key(&risk_class))
        {
            let classes: Vec<&str> = rates.keys().map(|k| k.as_str()).collect();
            v.fail(
                &format!("{sp}.risk_class"),
                format!("{risk_class:?}"),
                format!(
                    "has no rate in product {name:?}; its tariff.rates define [{}]",
                    classes.join(", ")
                ),
            );
        }
        if let Product::BnplNonPayment(b) = &products[idx] {
            let bound = b.population_bound(orders_per_day);
            if bound > MAX_CUSTOMERS_PER_SHOP {
                v.fail(
                    &format!("{sp}.orders_per_day"),
                    show(orders_per_day),
                    format!("gives product {name:?} a customer population of about {} (instalment orders per year over customers.purchases_per_year), above the {MAX_CUSTOMERS_PER_SHOP:e} a shop may hold: raise purchases_per_year or split the shop", show(bound.round())),
                );
            }
        }
        attached.push(idx);
    }
    let (split_share, split_take_up) = payment(v, sp, s.payment.as_ref(), products, &attached);
    let items_per_order = items_per_order(v, sp, s.items_per_order.as_deref());
    let sector = match &s.sector {
        Some(name) => {
            v.name(&format!("{sp}.sector"), name);
            name.clone()
        }
        // The category group of the largest share (by group), ties to the first group.
        None => {
            let groups = crate::catalogue::CATEGORY_GROUPS;
            let mut by_group = vec![0.0; groups.len()];
            for (c, w) in categories.iter() {
                by_group[c.group()] += w;
            }
            let best =
                (0..groups.len()).fold(0, |b, g| if by_group[g] > by_group[b] { g } else { b });
            groups[best].to_string()
        }
    };
    Shop {
        name: s.name.clone(),
        orders_per_day,
        volume,
        growth,
        basket: basket(v, &format!("{sp}.basket"), &s.basket),
        handling_days,
        delivery,
        categories,
        international_share,
        channels,
        risk_class,
        shipping_fee,
        used_goods_share,
        site,
        products: attached,
        split_share,
        split_take_up,
        items_per_order,
        foreign_merchant: s.foreign_merchant.unwrap_or(false),
        sector,
        carrier: s.carrier.as_ref().and_then(|name| {
            let found = carriers.iter().find(|c| &c.name == name).cloned();
            if found.is_none() {
                let known: Vec<String> = carriers.iter().map(|c| format!("{:?}", c.name)).collect();
                v.fail(
                    &format!("{sp}.carrier"),
                    format!("{name:?}"),
                    if known.is_empty() {
                        "names no carrier: add a [[carriers]] table with this name".to_string()
                    } else {
                        format!(
                            "names no carrier: the scenario's carriers are {}",
                            known.join(", ")
                        )
                    },
                );
            }
            found
        }),
    }
}

/// The scenario's `[[carriers]]`: unique names, disruptions within their bounds.
fn carriers(v: &mut Validator, raw: &[RawCarrier]) -> Vec<Carrier> {
    let mut seen = HashSet::new();
    raw.iter()
        .enumerate()
        .map(|(i, c)| {
            let cp = format!("carriers[{i}]");
            v.name(&format!("{cp}.name"), &c.name);
            if !seen.insert(c.name.clone()) {
                v.fail(
                    &format!("{cp}.name"),
                    format!("{:?}", c.name),
                    "is used by an earlier carrier",
                );
            }
            let disruption = c.disruption.as_ref().map(|d| {
                let dp = format!("{cp}.disruption");
                let per_year = if d.per_year.is_finite()
                    && (0.0..=crate::carrier::MAX_PER_YEAR).contains(&d.per_year)
                {
                    d.per_year
                } else {
                    v.fail(
                        &format!("{dp}.per_year"),
                        show(d.per_year),
                        format!(
                            "must be from 0 to {} (expected episodes starting per 365 days)",
                            crate::carrier::MAX_PER_YEAR
                        ),
                    );
                    0.0
                };
                let days = v.integer_in(
                    &format!("{dp}.days"),
                    d.days,
                    1,
                    crate::carrier::MAX_DAYS as i64,
                    " (length of an episode in days)",
                ) as u32;
                let factor = |v: &mut Validator, name: &str, x: Option<f64>| match x {
                    Some(x) => v.multiplier(&format!("{dp}.{name}"), x),
                    None => 1.0,
                };
                Disruption {
                    per_year,
                    days: days.max(1),
                    loss_multiplier: factor(v, "loss_multiplier", d.loss_multiplier),
                    delay_multiplier: factor(v, "delay_multiplier", d.delay_multiplier),
                }
            });
            Carrier {
                name: c.name.clone(),
                disruption,
            }
        })
        .collect()
}

/// Most items per order a shop's `items_per_order` may list.
pub const MAX_ITEMS_PER_ORDER: usize = 20;

/// A shop's `items_per_order`: shares of orders with 1, 2, 3, … items, adding up to 1.
fn items_per_order(v: &mut Validator, sp: &str, raw: Option<&[f64]>) -> Vec<f64> {
    let Some(shares) = raw else {
        return vec![1.0];
    };
    let path = format!("{sp}.items_per_order");
    if shares.is_empty() || shares.len() > MAX_ITEMS_PER_ORDER {
        v.fail(
            &path,
            format!("a list of {}", shares.len()),
            format!("must list the shares of orders with 1, 2, … items: 1 to {MAX_ITEMS_PER_ORDER} shares"),
        );
        return vec![1.0];
    }
    let shares: Vec<f64> = (shares.iter().enumerate())
        .map(|(i, &x)| v.probability(&format!("{path}[{i}]"), x))
        .collect();
    v.shares_sum_to_one(&path, &shares);
    shares
}

/// A shop's `payment`: the share of orders paid in instalments, and the take-up multipliers
/// among them of the covers the shop sells on its orders (`attached`), by product index. A
/// multiplier `m` of a cover with take-up `t` gives split-plan payers the take-up `m·t` and the
/// others what keeps the cover's take-up `t` over all orders, so both must lie in [0, 1].
fn payment(
    v: &mut Validator,
    sp: &str,
    raw: Option<&RawPayment>,
    products: &[Product],
    attached: &[usize],
) -> (f64, BTreeMap<usize, f64>) {
    let mut multipliers = BTreeMap::new();
    let Some(raw) = raw else {
        return (0.0, multipliers);
    };
    let pp = format!("{sp}.payment");
    let share = raw
        .split_share
        .map_or(0.0, |p| v.probability(&format!("{pp}.split_share"), p));
    for (name, &m) in &raw.split_take_up_multipliers {
        let path = format!("{pp}.split_take_up_multipliers.{name}");
        let m = v.multiplier(&path, m);
        let Some(idx) = attached
            .iter()
            .copied()
            .find(|&i| products[i].name() == name)
        else {
            v.fail(
                &path,
                show(m),
                format!("names {name:?}, which this shop does not sell: name one of its products"),
            );
            continue;
        };
        let Some(t) = products[idx].stream_take_up() else {
            v.fail(
                &path,
                show(m),
                format!(
                    "applies to covers bought on the shop's orders; {name:?} ({}) is not one",
                    products[idx].kind()
                ),
            );
            continue;
        };
        if m * t > 1.0 {
            v.fail(
                &path,
                show(m),
                format!(
                    "times the product's take-up {} is {}, above 1: lower the multiplier",
                    show(t),
                    show(m * t)
                ),
            );
        } else if share * m > 1.0 {
            v.fail(
                &path,
                show(m),
                format!("times payment.split_share {} is above 1: the split-plan payers alone would buy more covers than the take-up allows; lower the multiplier or the share", show(share)),
            );
        }
        multipliers.insert(idx, m);
    }
    (share, multipliers)
}

/// An optional field of an optional table, validated by `check` when written, else the default:
/// `optional!(v, "calendar.christmas", (raw_table, &defaults), ramp, multiplier)`.
macro_rules! optional {
    ($v:expr, $table:expr, $raw:expr, $field:ident, $check:ident) => {
        match $raw.0.and_then(|r| r.$field) {
            Some(x) => $check($v, &format!("{}.{}", $table, stringify!($field)), x),
            None => $raw.1.$field,
        }
    };
}

fn multiplier(v: &mut Validator, path: &str, x: f64) -> f64 {
    v.multiplier(path, x)
}

fn december_day(v: &mut Validator, path: &str, n: i64) -> u32 {
    v.integer_in(path, n, 1, 31, " (a day of December)") as u32
}

fn sales_days(v: &mut Validator, path: &str, n: i64) -> u32 {
    v.integer_in(path, n, 1, 60, " (days)") as u32
}

fn calendar(v: &mut Validator, c: &RawCalendar) -> CalendarSpec {
    let d = CalendarSpec::default();
    let weekday_multipliers = c
        .weekday_multipliers
        .as_ref()
        .map_or(d.weekday_multipliers, |w| {
            v.multipliers::<7>("calendar.weekday_multipliers", w, "Monday to Sunday")
        });
    let month_shares = match &c.month_shares_pct {
        Some(m) => {
            let pct = v.multipliers::<12>(
                "calendar.month_shares_pct",
                m,
                "January to December, in percent of the year's orders",
            );
            let sum: f64 = pct.iter().sum();
            if m.len() == 12 && (sum - 100.0).abs() > 0.01 {
                v.fail(
                    "calendar.month_shares_pct",
                    format!("shares adding up to {sum}"),
                    "the twelve monthly shares must add up to 100 (percent)",
                );
            }
            pct.map(|p| p / sum)
        }
        None => d.month_shares,
    };
    let t = "calendar.black_friday";
    let r = (c.black_friday.as_ref(), &d.black_friday);
    let black_friday = BlackFriday {
        day: optional!(v, t, r, day, multiplier),
        week_mon_thu: optional!(v, t, r, week_mon_thu, multiplier),
        saturday: optional!(v, t, r, saturday, multiplier),
        sunday: optional!(v, t, r, sunday, multiplier),
        cyber_monday: optional!(v, t, r, cyber_monday, multiplier),
    };
    let t = "calendar.christmas";
    let r = (c.christmas.as_ref(), &d.christmas);
    let christmas = Christmas {
        ramp_first_day: optional!(v, t, r, ramp_first_day, december_day),
        ramp_last_day: optional!(v, t, r, ramp_last_day, december_day),
        ramp: optional!(v, t, r, ramp, multiplier),
        cutoff_day: optional!(v, t, r, cutoff_day, december_day),
        after_cutoff: optional!(v, t, r, after_cutoff, multiplier),
    };
    let sales = |v: &mut Validator, t: &str, raw: Option<&RawSales>, d: &Sales| {
        let r = (raw, d);
        Sales {
            start: raw
                .and_then(|s| s.start.as_deref())
                .map(|s| v.date(&format!("{t}.start"), s)),
            first_day: optional!(v, t, r, first_day, multiplier),
            following_days: optional!(v, t, r, following_days, multiplier),
            length_days: optional!(v, t, r, length_days, sales_days),
        }
    };
    let winter_sales = sales(
        v,
        "calendar.winter_sales",
        c.winter_sales.as_ref(),
        &d.winter_sales,
    );
    let summer_sales = sales(
        v,
        "calendar.summer_sales",
        c.summer_sales.as_ref(),
        &d.summer_sales,
    );
    let events = c
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let p = format!("calendar.events[{i}]");
            v.name(&format!("{p}.name"), &e.name);
            CustomEvent {
                name: e.name.clone(),
                start: v.date(&format!("{p}.start"), &e.start),
                days: v.integer_in(&format!("{p}.days"), e.days, 1, MAX_DAYS, " (days)") as u32,
                multiplier: v.multiplier(&format!("{p}.multiplier"), e.multiplier),
            }
        })
        .collect();
    CalendarSpec {
        weekday_multipliers,
        month_shares,
        black_friday,
        christmas,
        winter_sales,
        summer_sales,
        events,
    }
}
