//! Scenario files: TOML in, a validated [`Scenario`] out, or every mistake with its file, line,
//! column, field path, bad value and what is allowed.
//!
//! Reading happens in three steps: the TOML is parsed into [`raw`] serde types (syntax, unknown
//! fields, missing fields and wrong types fail here, located by the deserializer's span); the
//! raw values are validated into domain types (`shape.rs`), collecting every issue; the issues'
//! field paths are then located in the text ([`locate`]) so the message can point at the line.

mod error;
pub mod locate;
pub mod raw;
mod shape;
pub mod uncertain;

/// The validator lives below both `scenario/` and `products/` (see [`crate::input`]).
pub use crate::input::validate;

pub use crate::portfolio::{Company, Shop};
pub use error::{LocatedIssue, ScenarioError};
pub use uncertain::{Law, Uncertain};

use crate::calendar::{CalendarSpec, Horizon};
use crate::products::Product;
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Most Monte Carlo paths accepted in one run, from the scenario or from `--paths`: 10^8. Every
/// path's result is held in memory and written as a row of `paths.parquet`, and at 10^8 paths
/// the Monte Carlo error of a mean is already 10^-4 of the spread between paths.
pub const MAX_PATHS: u64 = 100_000_000;

/// Largest scenario file read: 1 MiB, a hundred times the largest example scenario. Reading
/// stops there, so `check /dev/zero` ends at once.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// A validated scenario. Built only by [`Scenario::load`] or [`Scenario::parse`], so every
/// value in it has passed validation.
#[derive(Debug, Clone)]
pub struct Scenario {
    name: String,
    description: String,
    hash: String,
    horizon: Horizon,
    seed: u64,
    paths: u64,
    calendar: CalendarSpec,
    companies: Vec<Company>,
    products: Vec<Product>,
    treaties: Vec<crate::reinsurance::Treaty>,
    portfolio_treaty: Option<crate::reinsurance::Treaty>,
    /// The values written as distributions (parameter risk), with the text they are drawn
    /// into; `None` when every value is a number.
    parameters: Option<Arc<Parameters>>,
}

/// A scenario's values given as distributions, with the file's text and name.
#[derive(Debug)]
struct Parameters {
    text: String,
    file: String,
    values: Vec<Uncertain>,
}

/// Reads a scenario file as UTF-8 text of at most [`MAX_FILE_BYTES`]: a bigger file, or bytes
/// that are not UTF-8 (named by byte offset, line and column), are refused.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read as _;
    let io = |source| ScenarioError::Io {
        file: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the file is larger than {MAX_FILE_BYTES} bytes (1 MiB), the most a scenario may have: a scenario describes a portfolio in a few kilobytes"
            ),
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "stream did not contain valid UTF-8: byte {at} (line {line}, column {column}) is 0x{:02x}; save the file as UTF-8",
                e.as_bytes()[at]
            ),
        ))
    })
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = read_text(path)?;
        Scenario::parse(&text, &path.display().to_string())
    }

    /// Validates scenario text; `file` names it in error messages. Values written as
    /// distributions ([`uncertain`]) are validated at their means here, and each path's draws
    /// by [`Scenario::validate_draws`].
    pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
        let hash = format!("{:x}", Sha256::digest(text.as_bytes()));
        let values =
            uncertain::find(text).map_err(|issues| ScenarioError::invalid(text, file, issues))?;
        if values.is_empty() {
            return Scenario::parse_plain(text, file, hash);
        }
        if let Some(u) = values
            .iter()
            .find(|u| u.path.starts_with("horizon") || u.path.starts_with("simulation"))
        {
            return Err(ScenarioError::invalid(
                text,
                file,
                vec![validate::Issue {
                    path: u.path.clone(),
                    value: Some(u.law.to_string()),
                    rule: "must be a number: the horizon and the simulation settings fix the shape of every path's results, so they cannot be distributions".into(),
                }],
            ));
        }
        let central: Vec<String> = values.iter().map(Uncertain::central).collect();
        let mut scenario =
            Scenario::parse_plain(&uncertain::substitute(text, &values, &central), file, hash)
                .map_err(|e| {
                    e.explained(&values, |u| {
                        format!(
                            "the mean of the {} written here; every value the distribution gives must satisfy this rule",
                            u.law
                        )
                    })
                })?;
        scenario.parameters = Some(Arc::new(Parameters {
            text: text.to_string(),
            file: file.to_string(),
            values,
        }));
        Ok(scenario)
    }

    /// Validates scenario text whose values are all numbers, recording `hash` as its identity.
    fn parse_plain(text: &str, file: &str, hash: String) -> Result<Scenario, ScenarioError> {
        let raw: raw::RawScenario = toml::from_str(text).map_err(|e| {
            ScenarioError::from_toml(text, file, &raw::precise_product_error(text, e))
        })?;
        shape::validate(raw, hash).map_err(|issues| ScenarioError::invalid(text, file, issues))
    }

    /// The values written as distributions, in file order (empty without parameter risk).
    pub fn uncertain(&self) -> &[Uncertain] {
        self.parameters.as_ref().map_or(&[], |p| &p.values)
    }

    /// The scenario path `path` of a run with `seed` is simulated under: every value written
    /// as a distribution replaced by the path's own draw. `None` without parameter risk (every
    /// path runs this scenario). The drawn scenario keeps this one's hash and name.
    pub fn draw(&self, seed: u64, path: u64) -> Result<Option<Scenario>, ScenarioError> {
        let Some(p) = &self.parameters else {
            return Ok(None);
        };
        let drawn: Vec<String> = p.values.iter().map(|u| u.draw(seed, path)).collect();
        let text = uncertain::substitute(&p.text, &p.values, &drawn);
        Scenario::parse_plain(&text, &p.file, self.hash.clone())
            .map(Some)
            .map_err(|e| {
                e.explained(&p.values, |u| {
                    format!(
                        "drawn for path {path} (seed {seed}) from the {} written here; every value the distribution gives must satisfy this rule: choose a law whose values all do (a beta law for a probability, a lognormal or gamma law for a positive amount)",
                        u.law
                    )
                })
            })
    }

    /// Checks every draw of the paths `paths` of a run with `seed` before any is simulated,
    /// in parallel on the current rayon pool: the first path (by index) whose drawn values
    /// break a rule of the scenario is refused with that rule. Nothing to do without
    /// parameter risk.
    pub fn validate_draws(&self, seed: u64, paths: Range<u64>) -> Result<(), ScenarioError> {
        use rayon::prelude::*;
        if self.parameters.is_none() {
            return Ok(());
        }
        match paths
            .into_par_iter()
            .find_map_first(|p| self.draw(seed, p).err())
        {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Scenario name (the file's `name`, or "scenario").
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    /// SHA-256 of the scenario file's bytes: the identity recorded in every manifest.
    pub fn hash(&self) -> &str {
        &self.hash
    }
    pub fn horizon(&self) -> Horizon {
        self.horizon
    }
    /// Default seed (the command line may override it).
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Default number of paths (the command line may override it).
    pub fn paths(&self) -> u64 {
        self.paths
    }
    pub fn calendar(&self) -> &CalendarSpec {
        &self.calendar
    }
    pub fn companies(&self) -> &[Company] {
        &self.companies
    }
    pub fn products(&self) -> &[Product] {
        &self.products
    }
    /// The reinsurance treaties, at most one per product.
    pub fn treaties(&self) -> &[crate::reinsurance::Treaty] {
        &self.treaties
    }

    /// The treaty on the whole portfolio (`[portfolio_reinsurance]`), if any.
    pub fn portfolio_treaty(&self) -> Option<&crate::reinsurance::Treaty> {
        self.portfolio_treaty.as_ref()
    }

    /// Every shop with its company, in file order.
    pub fn shops(&self) -> impl Iterator<Item = (&Company, &Shop)> {
        self.companies
            .iter()
            .flat_map(|c| c.shops.iter().map(move |s| (c, s)))
    }
}
