//! The `Cover` seam: a cover written outside the crate, against the trait alone, runs on a
//! shop's order stream beside parcel protection, reads the marks parcel protection leaves on
//! the orders, and shares orders with it, with no change to the engine or to any product.
//! The toy is the example of `docs/architecture.md` ("Adding a cover").

use protectsim::engine::{PathRng, stream, stream_id};
use protectsim::money::Cents;
use protectsim::orders::{CoverDemand, OrderBlock, OrderMarks, OrderStream, event};
use protectsim::products::buyer_protection::{Expected, ShopBook};
use protectsim::products::{Cover, CoverOut, PathOutputs, ProductTotals, run_stream};
use protectsim::scenario::Scenario;
use protectsim::stats::Moments;
use std::any::Any;
use std::sync::Arc;

/// A toy cover, "delivery care": bought by a share `take_up` of the shop's orders for a flat
/// premium, it pays a flat amount when the order's uniform falls under `probability`, and
/// always when parcel protection found the parcel lost.
#[derive(Debug)]
struct DeliveryCare {
    take_up: f64,
    premium: Cents,
    payout: Cents,
    probability: f64,
}

impl Cover for DeliveryCare {
    fn demand(&self) -> CoverDemand {
        CoverDemand::one_way(self.take_up, true)
    }

    fn stage(&self) -> u8 {
        1
    }

    fn apply(
        &self,
        day: i64,
        block: &OrderBlock,
        slot: usize,
        marks: &mut OrderMarks,
        _claims: &mut PathRng,
        out: &mut CoverOut<'_>,
    ) {
        if day < 0 {
            return;
        }
        let t = &mut out.slots[0];
        for j in 0..block.len {
            if block.bought[slot][j] == 0 {
                continue;
            }
            t.covered += 1;
            t.premium += self.premium;
            let lost = marks.events[j] & event::LOST != 0;
            if lost || block.u[slot][j] < self.probability {
                t.perils[0].count += 1;
                t.perils[0].amount += self.payout;
                marks.claimed[j] |= 1 << slot;
            }
        }
    }

    fn add_shared(&self, _: &OrderBlock, _: usize, _: usize, out: &mut CoverOut<'_>) {
        out.slots[0].shared_claims += 1;
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Each cover's results: parcel protection's result slots, then the toy's one.
struct Outputs {
    parcel: Vec<ProductTotals>,
    toy: Vec<ProductTotals>,
}

impl PathOutputs for Outputs {
    fn cover(&mut self, c: usize) -> CoverOut<'_> {
        let slots = if c == 0 {
            &mut self.parcel
        } else {
            &mut self.toy
        };
        CoverOut {
            slots,
            company: None,
            disrupted: &[],
            day_claims: &mut [],
        }
    }
}

#[test]
fn a_cover_written_against_the_trait_runs_beside_parcel_protection() {
    let text = include_str!("fixtures/quickstart_like.toml");
    let scenario = Scenario::parse(text, "quickstart_like.toml").unwrap();
    let model = protectsim::engine::Model::new(&scenario);
    let horizon = scenario.horizon();
    let shop = &scenario.companies()[0].shops[0];
    let parcel = model.covers::<ShopBook>().next().unwrap();
    let (product, book) = (parcel.product, parcel.book.clone());
    let toy = DeliveryCare {
        take_up: 0.2,
        premium: Cents(50),
        payout: Cents(1_000),
        probability: 0.01,
    };
    let shape = scenario.calendar().daily_shape(horizon.start, horizon.days);
    let stream_of = OrderStream::new(shop, &[book.demand(), toy.demand()], horizon.days, |d| {
        shape[d as usize]
    });
    let covers: Vec<Arc<dyn Cover>> = vec![Arc::new(book.clone()), Arc::new(toy)];
    let slots = model.segment_range(product).len();
    let ids = ["counts", "orders", "parcel", "toy"].map(stream_id);
    let (mut covered, mut claims, mut parcel_covered) =
        (Moments::default(), Moments::default(), Moments::default());
    let mut shared = 0;
    let paths = 40;
    let mut block = OrderBlock::default();
    for path in 0..paths {
        let volume = shop
            .volume
            .sample(&mut stream(3, path, stream_id("volume")));
        let mut out = Outputs {
            parcel: vec![ProductTotals::default(); slots],
            toy: vec![ProductTotals::default()],
        };
        run_stream(
            &stream_of,
            &covers,
            None,
            volume,
            &mut stream(3, path, ids[0]),
            &mut stream(3, path, ids[1]),
            |c| stream(3, path, ids[2 + c]),
            &mut block,
            &mut out,
        );
        let toy = &out.toy[0];
        covered.push(toy.covered as f64);
        claims.push(toy.perils[0].count as f64);
        parcel_covered.push(out.parcel.iter().map(|t| t.covered).sum::<u64>() as f64);
        shared += toy.shared_claims;
        assert!(toy.shared_claims <= toy.perils[0].count);
        assert_eq!(toy.premium, Cents(50 * toy.covered as i64));
    }
    let within = |m: &Moments, want: f64, what: &str| {
        let z = (m.mean() - want) / m.standard_error();
        assert!(
            z.abs() < 4.0,
            "{what}: {} ± {}, want {want}, z = {z:.2}",
            m.mean(),
            m.standard_error()
        );
    };
    // The toy's buyers: a thinning of the shop's orders by its take-up.
    let orders: f64 = shape.iter().map(|s| s * shop.orders_per_day).sum();
    within(&covered, orders * 0.2, "toy buyers");
    // Parcel protection keeps its closed form with a second cover on its orders.
    within(
        &parcel_covered,
        Expected::of(&book).covered,
        "parcel covered",
    );
    // The toy pays on 1 % of its orders, and on every lost parcel it shares with parcel
    // protection: more than 1 %, and some of its claims share an order.
    assert!(claims.mean() > covered.mean() * 0.01, "{}", claims.mean());
    assert!(shared > 0);
}
