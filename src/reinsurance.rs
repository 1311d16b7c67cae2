//! Risk transfer: the reinsurance treaties of a product, applied to each path's gross result
//! after the simulation (`[[reinsurance]]` in a scenario, one treaty per product).
//!
//! A treaty has up to two parts, applied in this order, the way a cedant usually buys them:
//!
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
use serde::Deserialize;

/// A validated treaty protecting product `product` (index into the scenario's products).
#[derive(Debug, Clone, PartialEq)]
pub struct Treaty {
    pub product: usize,
    pub quota_share: Option<QuotaShare>,
    pub stop_loss: Option<StopLoss>,
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
    /// What a path with gross `premium` and gross net claims `claims` (claims less
    /// recoveries) cedes.
    pub fn cede(&self, premium: Cents, claims: Cents) -> Ceded {
        let mut c = Ceded::default();
        let (mut kept_premium, mut kept_claims) = (premium, claims);
        if let Some(q) = self.quota_share {
            c.premium = premium.share(q.share);
            c.commission = c.premium.share(q.commission);
            let ceded = share_signed(claims, q.share);
            c.claims = ceded;
            kept_premium = premium - c.premium;
            kept_claims = claims - ceded;
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
    pub quota_share: Option<RawQuotaShare>,
    pub stop_loss: Option<RawStopLoss>,
}

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
        if raw.quota_share.is_none() && raw.stop_loss.is_none() {
            v.fail_field(
                path,
                "cedes nothing: write a quota_share = { share, commission }, a stop_loss = { attachment_loss_ratio, limit_loss_ratio, rate_on_premium }, or both",
            );
        }
        let quota_share = raw.quota_share.as_ref().map(|q| {
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
        let stop_loss = raw.stop_loss.as_ref().map(|s| {
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
            quota_share,
            stop_loss,
        }
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
        let c = t.cede(Cents(100_000), Cents(120_000));
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
            t.cede(Cents(100_000), Cents(1_000_000)).stop_loss_claims,
            Cents(35_000)
        );
        assert_eq!(
            t.cede(Cents(100_000), Cents(80_000)).stop_loss_claims,
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
        assert_eq!(t.cede(Cents(0), Cents(55_000)).claims, Cents(5_000));
        assert_eq!(t.cede(Cents(0), Cents(90_000)).claims, Cents(10_000));
        let q = treaty(
            Some(QuotaShare {
                share: 0.5,
                commission: 0.0,
            }),
            None,
        );
        assert_eq!(q.cede(Cents(100), Cents(-301)).claims, Cents(-151));
    }
}
