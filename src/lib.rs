//! protectsim: a batch Monte Carlo engine for e-commerce purchase-protection insurance.
//!
//! A scenario file describes merchants (companies and their shops), the calendar their orders
//! follow, and the insurance products sold on those orders. The engine simulates many
//! independent paths of a horizon, streams every covered order through each product's contract
//! rules, and summarises premiums, claims and loss ratios with their Monte Carlo standard
//! errors. See `docs/architecture.md` and the README for the data flow.

// `!(x > 0.0)` is the deliberate way to reject NaN along with non-positive values (as rand_distr
// does); clippy's suggestion would let NaN through.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

#[cfg(test)]
mod adding_a_product;
pub mod analytic;
pub mod atomic;
pub mod calendar;
pub mod carrier;
pub mod catalogue;
pub mod cli;
pub mod commands;
pub mod cpu;
pub mod distributions;
pub mod engine;
pub mod ep;
pub mod export;
pub mod fast_exp;
pub mod frame;
pub mod input;
pub mod manifest;
pub mod money;
pub mod orders;
pub mod outdir;
pub mod parameter_risk;
pub mod portfolio;
pub mod pricing;
pub mod products;
pub mod reinsurance;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod stats;
pub mod store;
pub mod summary;
pub mod sweep;
pub mod workbook;
