//! Risk transfer: the reinsurance treaties of a product, applied to each path's gross result
//! after the simulation (`[[reinsurance]]` in a scenario, one treaty per product).
//!
//! A treaty has up to three parts, applied in this order, the way a cedant usually buys them:
//!
//! 0. **Per-occurrence excess of loss** (`excess_of_loss`): for each occurrence of the product
//!    ([`crate::products::Product::occurrence`]: a day's parcel claims, a legal case), the layer
//!    pays `min((X − retention)⁺, limit)`; over the horizon it pays at most `limit` times one
//!    plus its number of `reinstatements`. The cedant pays the layer's `premium_eur`, and for
//!    each limit's worth of claims reinstated `reinstatement_premium` times it, pro rata:
//!    `premium × reinstatement_premium × min(L, reinstatements × limit) / limit` for the
//!    layer's losses `L = Σ min((X_i − retention)⁺, limit)` (GEMAct's layer with reinstatements
//!    at one percentage, and no aggregate deductible). It inures to the parts below: they
//!    apply to the premium and claims it leaves.
//! 1. **Quota share** (`share`, `commission`): the reinsurer takes `share` of the premium and
//!    of the net claims (claims less recoveries), and pays back a ceding commission of
//!    `commission` × the ceded premium for the cedant's acquisition and management costs.
//! 2. **Aggregate stop-loss** on what the quota share leaves: the reinsurer pays the retained
//!    net claims above the attachment, up to the limit, `min((S − A)⁺, L)`; attachment and
//!    limit either as loss ratios of the retained premium (`attachment_loss_ratio = 0.9`,
//!    `limit_loss_ratio = 0.5`: the layer "50 % xs 90 %") or as amounts (`attachment_eur`,
//!    `limit_eur`). Its price is `rate_on_premium` × the retained
//!    premium. Aggregate layers have no reinstatements: the limit is the most the layer pays
//!    over the horizon.
//!
//! Everything is integer cents: each share is rounded once to the cent (halves away from
//! zero), the attachment of a loss-ratio layer too. The horizon's premium is the premium base
//! of both parts, so a treaty is read per horizon (a year for a one-year scenario).

use crate::input::validate::{Validator, show};
use crate::money::Cents;
use crate::products::MAX_XL_LAYERS;
use serde::Deserialize;

/// The name of the portfolio's line in outputs (the portfolio treaty's rows, EP tables).
pub const PORTFOLIO_LINE: &str = "portfolio";

/// A validated treaty protecting product `product` (index into the scenario's products), or,
/// as `[portfolio_reinsurance]`, the portfolio: what every product keeps after its own treaty,
/// summed path by path (its `product` is then unused).
#[derive(Debug, Clone, PartialEq)]
pub struct Treaty {
    pub product: usize,
    /// The excess-of-loss layers, lowest first and contiguous (empty: none).
    pub excess_of_loss: Vec<ExcessOfLoss>,
    pub quota_share: Option<QuotaShare>,
    pub stop_loss: Option<StopLoss>,
}

/// A per-occurrence excess-of-loss layer with reinstatements (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExcessOfLoss {
    pub retention: Cents,
    pub limit: Cents,
    /// How many times the limit is reinstated after a loss: the layer pays at most
    /// `(reinstatements + 1) × limit` over the horizon.
    pub reinstatements: u32,
    /// The price of one full reinstatement, as a share of `premium` (1: at 100 %).
    pub reinstatement_premium: f64,
    /// The layer's premium for the horizon.
    pub premium: Cents,
}

impl ExcessOfLoss {
    /// One occurrence's loss to the layer: `min((x − retention)⁺, limit)`.
    pub fn layer(&self, x: Cents) -> Cents {
        Cents((x - self.retention).0.clamp(0, self.limit.0))
    }

    /// What the layer pays for a horizon whose occurrences' layer losses add up to `losses`:
    /// at most its limit once plus once per reinstatement.
    pub fn paid(&self, losses: Cents) -> Cents {
        let cap = i128::from(self.limit.0) * (i128::from(self.reinstatements) + 1);
        Cents(i128::from(losses.0.max(0)).min(cap) as i64)
    }

    /// The reinstatement premium for layer losses `losses`: pro rata of the limit reinstated,
    /// at most `reinstatements` limits, rounded once to the cent.
    pub fn reinstatement_premium(&self, losses: Cents) -> Cents {
        if self.limit.0 == 0 || self.reinstatements == 0 {
            return Cents::ZERO;
        }
        let reinstated =
            (losses.0.max(0) as f64).min(self.limit.0 as f64 * f64::from(self.reinstatements));
        Cents::round(
            self.premium.0 as f64 * self.reinstatement_premium * reinstated / self.limit.0 as f64,
        )
    }
}

/// A quota share: `share` of premium and claims ceded, `commission` of the ceded premium paid
/// back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaShare {
    pub share: f64,
    pub commission: f64,
}

/// Attachment and limit of an aggregate stop-loss.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Layer {
    /// As loss ratios of the premium the quota share leaves.
    LossRatio { attachment: f64, limit: f64 },
    /// As amounts.
    Amount { attachment: Cents, limit: Cents },
}

/// An aggregate stop-loss on the retained net claims, priced at `rate_on_premium` of the
/// retained premium.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopLoss {
    pub layer: Layer,
    pub rate_on_premium: f64,
}

/// What one path cedes under a treaty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ceded {
    /// Premium paid to the reinsurer: the quota share's part plus the stop-loss price.
    pub premium: Cents,
    /// Ceding commission the reinsurer pays back.
    pub commission: Cents,
    /// Net claims the reinsurer pays: the quota share's part plus the stop-loss recovery.
    pub claims: Cents,
    /// Of `claims`, what the stop-loss paid.
    pub stop_loss_claims: Cents,
    /// Of `claims`, what the excess-of-loss layer paid.
    pub xl_claims: Cents,
    /// Of `premium`, the excess-of-loss layer's reinstatement premium.
    pub reinstatement_premium: Cents,
}

impl Ceded {
    /// The cedant's premium after reinsurance: gross premium − ceded premium + commission.
    pub fn net_premium(&self, gross: Cents) -> Cents {
        gross - self.premium + self.commission
    }

    /// The cedant's net claims after reinsurance.
    pub fn net_claims(&self, gross: Cents) -> Cents {
        gross - self.claims
    }

    /// The loss ratio after reinsurance of a path with gross `premium` and gross net claims
    /// `claims`; NaN when no premium is left.
    pub fn loss_ratio(&self, premium: Cents, claims: Cents) -> f64 {
        let premium = self.net_premium(premium);
        if premium.0 == 0 {
            f64::NAN
        } else {
            self.net_claims(claims).0 as f64 / premium.0 as f64
        }
    }
}

impl Treaty {
    /// What a path with gross totals `t` cedes (its premium, net claims and the losses of its
    /// occurrences to the excess-of-loss layer).
    pub fn cede_totals(&self, t: &crate::products::ProductTotals) -> Ceded {
        self.cede(t.premium, t.net_claims(), &t.occurrence_layers)
    }

    /// What a path with gross `premium` and gross net claims `claims` (claims less
    /// recoveries) cedes, its occurrences having lost `layer_losses[k]` to excess-of-loss
    /// layer `k` (`Σ min((X_i − retention)⁺, limit)`; empty without layers).
    pub fn cede(&self, premium: Cents, claims: Cents, layer_losses: &[Cents]) -> Ceded {
        let mut c = Ceded::default();
        let (mut kept_premium, mut kept_claims) = (premium, claims);
        if !self.excess_of_loss.is_empty() {
            for (x, &losses) in self.excess_of_loss.iter().zip(layer_losses) {
                c.xl_claims += x.paid(losses);
                let reinstatement = x.reinstatement_premium(losses);
                c.reinstatement_premium += reinstatement;
                c.premium += x.premium + reinstatement;
            }
            c.claims = c.xl_claims;
            kept_premium = premium - c.premium;
            kept_claims = claims - c.xl_claims;
        }
        if let Some(q) = self.quota_share {
            let qs_premium = share_signed(kept_premium, q.share);
            c.commission = qs_premium.share(q.commission);
            let ceded = share_signed(kept_claims, q.share);
            c.premium += qs_premium;
            c.claims += ceded;
            kept_premium = kept_premium - qs_premium;
            kept_claims = kept_claims - ceded;
        }
        if let Some(s) = self.stop_loss {
            let (attachment, limit) = match s.layer {
                Layer::LossRatio { attachment, limit } => (
                    Cents::round(kept_premium.0 as f64 * attachment),
                    Cents::round(kept_premium.0 as f64 * limit),
                ),
                Layer::Amount { attachment, limit } => (attachment, limit),
            };
            let above = Cents((kept_claims - attachment).0.max(0));
            let paid = Cents(above.0.min(limit.0.max(0)));
            c.stop_loss_claims = paid;
            c.claims += paid;
            c.premium += kept_premium.share(s.rate_on_premium);
        }
        c
    }
}

/// `share` of an amount that may be negative (a path whose recoveries exceed its claims).
fn share_signed(x: Cents, share: f64) -> Cents {
    if x.0 >= 0 {
        x.share(share)
    } else {
        Cents(-Cents(-x.0).share(share).0)
    }
}

/// `[[reinsurance]]`: one treaty, naming the product it protects.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTreaty {
    pub product: String,
    pub excess_of_loss: Option<RawExcessOfLoss>,
    /// A tower of contiguous layers, lowest first (instead of `excess_of_loss`).
    pub excess_of_loss_layers: Option<Vec<RawExcessOfLoss>>,
    pub quota_share: Option<RawQuotaShare>,
    pub stop_loss: Option<RawStopLoss>,
}

/// `[portfolio_reinsurance]`: a quota share and/or a stop-loss on the whole portfolio.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPortfolioTreaty {
    pub quota_share: Option<RawQuotaShare>,
    pub stop_loss: Option<RawStopLoss>,
}

/// `excess_of_loss = { retention_eur = "5000", limit_eur = "10000", reinstatements = 1,
/// reinstatement_premium = 1.0, premium_eur = "20000" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExcessOfLoss {
    pub retention_eur: String,
    pub limit_eur: String,
    pub reinstatements: Option<i64>,
    pub reinstatement_premium: Option<f64>,
    pub premium_eur: Option<String>,
}

/// Most reinstatements of an excess-of-loss layer.
const MAX_REINSTATEMENTS: i64 = 100;

/// `quota_share = { share = 0.3, commission = 0.25 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuotaShare {
    pub share: f64,
    pub commission: Option<f64>,
}

/// `stop_loss = { attachment_loss_ratio = 0.9, limit_loss_ratio = 0.5, rate_on_premium = 0.03 }`
/// or with `attachment_eur` and `limit_eur`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStopLoss {
    pub attachment_loss_ratio: Option<f64>,
    pub limit_loss_ratio: Option<f64>,
    pub attachment_eur: Option<String>,
    pub limit_eur: Option<String>,
    pub rate_on_premium: Option<f64>,
}

/// The largest attachment or limit of a layer in EUR (10^12: far above any book, far below
/// what a path's cents can hold).
const MAX_LAYER_EUR: i64 = 1_000_000_000_000;

/// The largest loss ratio a stop-loss attachment or limit may be written at (100 × premium).
const MAX_LAYER_LOSS_RATIO: f64 = 100.0;

impl Treaty {
    /// Validates `reinsurance[i]` against the scenario's product names.
    pub fn validate(raw: &RawTreaty, path: &str, products: &[&str], v: &mut Validator) -> Treaty {
        let p = |field: &str| format!("{path}.{field}");
        let product = match products.iter().position(|n| *n == raw.product) {
            Some(i) => i,
            None => {
                v.fail(
                    &p("product"),
                    format!("{:?}", raw.product),
                    format!(
                        "is not a product of the scenario; use one of {}",
                        products.join(", ")
                    ),
                );
                0
            }
        };
        if raw.excess_of_loss.is_none()
            && raw.excess_of_loss_layers.is_none()
            && raw.quota_share.is_none()
            && raw.stop_loss.is_none()
        {
            v.fail_field(
                path,
                "cedes nothing: write an excess_of_loss = { retention_eur, limit_eur, reinstatements, reinstatement_premium, premium_eur }, a quota_share = { share, commission }, a stop_loss = { attachment_loss_ratio, limit_loss_ratio, rate_on_premium }, or several",
            );
        }
        let mut layers: Vec<(String, &RawExcessOfLoss)> = Vec::new();
        match (&raw.excess_of_loss, &raw.excess_of_loss_layers) {
            (Some(x), None) => layers.push(("excess_of_loss".into(), x)),
            (None, Some(tower)) => {
                if tower.is_empty() || tower.len() > MAX_XL_LAYERS {
                    v.fail(
                        &format!("{path}.excess_of_loss_layers"),
                        format!("{} layers", tower.len()),
                        format!("must list 1 to {MAX_XL_LAYERS} layers, lowest first"),
                    );
                }
                for (k, x) in tower.iter().take(MAX_XL_LAYERS).enumerate() {
                    layers.push((format!("excess_of_loss_layers[{k}]"), x));
                }
            }
            (Some(_), Some(_)) => v.fail_field(
                &format!("{path}.excess_of_loss_layers"),
                "and excess_of_loss are two ways to write the same cover: write one layer as excess_of_loss, or every layer of a tower in excess_of_loss_layers",
            ),
            (None, None) => {}
        }
        let parts = (
            layers.as_slice(),
            raw.quota_share.as_ref(),
            raw.stop_loss.as_ref(),
        );
        Treaty::validate_parts(product, parts, path, v)
    }

    /// Validates `[portfolio_reinsurance]`: the parts of a product's treaty that apply to a
    /// sum of products, a quota share and a stop-loss (an excess of loss is per occurrence,
    /// and the portfolio has none).
    pub fn validate_portfolio(raw: &RawPortfolioTreaty, path: &str, v: &mut Validator) -> Treaty {
        if raw.quota_share.is_none() && raw.stop_loss.is_none() {
            v.fail_field(
                path,
                "cedes nothing: write a quota_share = { share, commission }, a stop_loss = { attachment_loss_ratio, limit_loss_ratio, rate_on_premium }, or both",
            );
        }
        let parts = (&[][..], raw.quota_share.as_ref(), raw.stop_loss.as_ref());
        Treaty::validate_parts(0, parts, path, v)
    }

    /// Validates a treaty's parts, written at `path`.
    fn validate_parts(
        product: usize,
        (xl, qs, sl): (
            &[(String, &RawExcessOfLoss)],
            Option<&RawQuotaShare>,
            Option<&RawStopLoss>,
        ),
        path: &str,
        v: &mut Validator,
    ) -> Treaty {
        let p = |field: &str| format!("{path}.{field}");
        let excess_of_loss: Vec<ExcessOfLoss> = xl
            .iter()
            .map(|(prefix, x)| {
                let limit = v.eur_at_most(
                    &p(&format!("{prefix}.limit_eur")),
                    &x.limit_eur,
                    MAX_LAYER_EUR,
                    "a layer's limit",
                );
                if limit.0 == 0 {
                    v.fail(
                        &p(&format!("{prefix}.limit_eur")),
                        format!("{:?}", x.limit_eur),
                        "must be greater than 0: a layer of no width pays nothing",
                    );
                }
                ExcessOfLoss {
                    retention: v.eur_at_most(
                        &p(&format!("{prefix}.retention_eur")),
                        &x.retention_eur,
                        MAX_LAYER_EUR,
                        "a layer's retention",
                    ),
                    limit,
                    reinstatements: v.integer_in(
                        &p(&format!("{prefix}.reinstatements")),
                        x.reinstatements.unwrap_or(0),
                        0,
                        MAX_REINSTATEMENTS,
                        " (times the limit is reinstated; 0: the limit once)",
                    ) as u32,
                    reinstatement_premium: x.reinstatement_premium.map_or(1.0, |r| {
                        let r = v.non_negative(
                            &p(&format!("{prefix}.reinstatement_premium")),
                            r,
                            " (1: a reinstatement at 100 % of the layer's premium)",
                        );
                        if r > 10.0 {
                            v.fail(
                                &p(&format!("{prefix}.reinstatement_premium")),
                                show(r),
                                "must be at most 10 (times the layer's premium per reinstatement)",
                            );
                        }
                        r
                    }),
                    premium: x.premium_eur.as_deref().map_or(Cents::ZERO, |s| {
                        v.eur_at_most(
                            &p(&format!("{prefix}.premium_eur")),
                            s,
                            MAX_LAYER_EUR,
                            "a layer's premium",
                        )
                    }),
                }
            })
            .collect();
        // A tower's layers are contiguous: each starts where the one below ends.
        for (k, pair) in excess_of_loss.windows(2).enumerate() {
            let top = pair[0].retention + pair[0].limit;
            if pair[1].retention != top {
                v.fail(
                    &p(&format!("excess_of_loss_layers[{}].retention_eur", k + 1)),
                    format!("\"{}\"", pair[1].retention),
                    format!(
                        "must be \"{top}\", where the layer below ends (its retention plus its limit): the layers of a tower are contiguous, lowest first, so that every euro of an occurrence between the lowest retention and the top is in exactly one layer"
                    ),
                );
            }
        }
        let quota_share = qs.map(|q| {
            let share = v.probability(&p("quota_share.share"), q.share);
            if share >= 1.0 {
                v.fail(
                    &p("quota_share.share"),
                    show(share),
                    "must be below 1: a quota share of 100 % leaves the cedant nothing to keep",
                );
            }
            QuotaShare {
                share,
                commission: q
                    .commission
                    .map_or(0.0, |c| v.probability(&p("quota_share.commission"), c)),
            }
        });
        let stop_loss = sl.map(|s| {
            let ratio = |v: &mut Validator, field: &str, x: f64| {
                let x = v.non_negative(&p(field), x, " (a loss ratio: 0.9 for 90 %)");
                if x > MAX_LAYER_LOSS_RATIO {
                    v.fail(
                        &p(field),
                        show(x),
                        format!("must be at most {MAX_LAYER_LOSS_RATIO} (a loss ratio: 0.9 for 90 %)"),
                    );
                }
                x
            };
            let layer = match (
                s.attachment_loss_ratio,
                s.limit_loss_ratio,
                s.attachment_eur.as_deref(),
                s.limit_eur.as_deref(),
            ) {
                (Some(a), Some(l), None, None) => Layer::LossRatio {
                    attachment: ratio(v, "stop_loss.attachment_loss_ratio", a),
                    limit: ratio(v, "stop_loss.limit_loss_ratio", l),
                },
                (None, None, Some(a), Some(l)) => Layer::Amount {
                    attachment: v.eur_at_most(&p("stop_loss.attachment_eur"), a, MAX_LAYER_EUR, "a layer's attachment"),
                    limit: v.eur_at_most(&p("stop_loss.limit_eur"), l, MAX_LAYER_EUR, "a layer's limit"),
                },
                _ => {
                    v.fail_field(
                        &p("stop_loss"),
                        "needs its attachment and limit either as loss ratios (attachment_loss_ratio and limit_loss_ratio) or as amounts (attachment_eur and limit_eur), one pair and not both",
                    );
                    Layer::LossRatio {
                        attachment: 0.0,
                        limit: 0.0,
                    }
                }
            };
            StopLoss {
                layer,
                rate_on_premium: s
                    .rate_on_premium
                    .map_or(0.0, |r| v.probability(&p("stop_loss.rate_on_premium"), r)),
            }
        });
        Treaty {
            product,
            excess_of_loss,
            quota_share,
            stop_loss,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn treaty(quota_share: Option<QuotaShare>, stop_loss: Option<StopLoss>) -> Treaty {
        Treaty {
            product: 0,
            excess_of_loss: Vec::new(),
            quota_share,
            stop_loss,
        }
    }

    /// A layer 10,000 xs 5,000 with one reinstatement at 100 % of a 2,000 premium, as GEMAct
    /// computes it: occurrences of 4,000, 8,000 and 30,000 lose 0, 3,000 and 10,000 to the
    /// layer (13,000 in all), which pays 13,000 (under its 20,000 of two limits) and charges
    /// 2,000 × 10,000 / 10,000 = 2,000 of reinstatement premium (one limit reinstated at most).
    /// Then a 50 % quota share of what it leaves.
    #[test]
    fn excess_of_loss_with_a_reinstatement_by_hand() {
        let eur = |x: i64| Cents(100 * x);
        let x = ExcessOfLoss {
            retention: eur(5_000),
            limit: eur(10_000),
            reinstatements: 1,
            reinstatement_premium: 1.0,
            premium: eur(2_000),
        };
        let losses: Cents = [4_000, 8_000, 30_000]
            .map(|c| x.layer(eur(c)))
            .into_iter()
            .sum();
        assert_eq!(losses, eur(13_000));
        assert_eq!(x.paid(losses), eur(13_000));
        assert_eq!(x.reinstatement_premium(losses), eur(2_000));
        // Half a limit lost: half a reinstatement; three limits lost: two paid, one charged.
        assert_eq!(x.reinstatement_premium(eur(5_000)), eur(1_000));
        assert_eq!(x.paid(eur(30_000)), eur(20_000));
        assert_eq!(x.reinstatement_premium(eur(30_000)), eur(2_000));
        let t = Treaty {
            product: 0,
            excess_of_loss: vec![x],
            quota_share: Some(QuotaShare {
                share: 0.5,
                commission: 0.0,
            }),
            stop_loss: None,
        };
        // Premium 50,000, claims 42,000: the layer takes 13,000 and 4,000 of premium; the
        // quota share half of the 46,000 and 29,000 left.
        let c = t.cede(eur(50_000), eur(42_000), &[losses]);
        assert_eq!(c.xl_claims, eur(13_000));
        assert_eq!(c.reinstatement_premium, eur(2_000));
        assert_eq!(c.claims, eur(13_000 + 14_500));
        assert_eq!(c.premium, eur(4_000 + 23_000));
        assert_eq!(c.net_claims(eur(42_000)), eur(14_500));
    }

    /// A 30 % quota share with 25 % commission, then a stop-loss 50 % xs 90 % of the retained
    /// premium at a 3 % rate: each figure by hand.
    #[test]
    fn quota_share_then_stop_loss_by_hand() {
        let t = treaty(
            Some(QuotaShare {
                share: 0.3,
                commission: 0.25,
            }),
            Some(StopLoss {
                layer: Layer::LossRatio {
                    attachment: 0.9,
                    limit: 0.5,
                },
                rate_on_premium: 0.03,
            }),
        );
        // Premium 1,000.00, claims 1,200.00: QS cedes 300.00 and 360.00, commission 75.00;
        // retained 700.00 and 840.00; the layer attaches at 630.00 and pays up to 350.00:
        // 210.00; its price 21.00.
        let c = t.cede(Cents(100_000), Cents(120_000), &[]);
        assert_eq!(c.premium, Cents(30_000 + 2_100));
        assert_eq!(c.commission, Cents(7_500));
        assert_eq!(c.claims, Cents(36_000 + 21_000));
        assert_eq!(c.stop_loss_claims, Cents(21_000));
        assert_eq!(
            c.net_premium(Cents(100_000)),
            Cents(100_000 - 32_100 + 7_500)
        );
        assert_eq!(c.net_claims(Cents(120_000)), Cents(63_000));
        // Past the limit the layer pays its limit; below the attachment nothing.
        assert_eq!(
            t.cede(Cents(100_000), Cents(1_000_000), &[])
                .stop_loss_claims,
            Cents(35_000)
        );
        assert_eq!(
            t.cede(Cents(100_000), Cents(80_000), &[]).stop_loss_claims,
            Cents::ZERO
        );
    }

    /// A layer in amounts ignores the premium; a negative net result cedes its share and
    /// reaches no layer.
    #[test]
    fn amount_layers_and_negative_results() {
        let t = treaty(
            None,
            Some(StopLoss {
                layer: Layer::Amount {
                    attachment: Cents(50_000),
                    limit: Cents(10_000),
                },
                rate_on_premium: 0.0,
            }),
        );
        assert_eq!(t.cede(Cents(0), Cents(55_000), &[]).claims, Cents(5_000));
        assert_eq!(t.cede(Cents(0), Cents(90_000), &[]).claims, Cents(10_000));
        let q = treaty(
            Some(QuotaShare {
                share: 0.5,
                commission: 0.0,
            }),
            None,
        );
        assert_eq!(q.cede(Cents(100), Cents(-301), &[]).claims, Cents(-151));
    }
}
