//! The manifest: what produced a result folder, so that any number in it can be traced back to
//! a scenario file (by hash), a seed, a path range and a program version.

use serde::{Deserialize, Serialize};

/// The copy of the scenario file in every result folder.
pub const SCENARIO_COPY: &str = "scenario.toml";

/// Which part of a run's paths a folder holds. A whole run is shard 1 of 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based shard number K of `--shard K/N`.
    pub index: u64,
    /// Number of shards N.
    pub count: u64,
    /// First path index simulated (inclusive).
    pub first_path: u64,
    /// Path index after the last one simulated (exclusive).
    pub end_path: u64,
}

/// Contents of `manifest.json` (and of the `protectsim.manifest` parquet metadata key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    /// The commit the binary was built from (as `--version` prints it; `unknown` for a build
    /// without git); empty in folders written before it was recorded.
    #[serde(default)]
    pub commit: String,
    /// Version of the output schema and of the stored path layout
    /// ([`crate::store::SCHEMA_VERSION`]); 0 in folders written before it was recorded.
    #[serde(default)]
    pub schema: u32,
    pub scenario: String,
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes.
    pub scenario_hash: String,
    pub seed: u64,
    /// Paths of the whole run (all shards together).
    pub paths: u64,
    pub shard: Shard,
    pub threads: usize,
    pub batch_paths: u64,
    /// The random-stream scheme: a change here means results are not comparable.
    pub rng: String,
    pub horizon_start: String,
    pub horizon_days: u32,
    /// When the run started, RFC 3339 in UTC.
    pub started_at: String,
    pub wall_time_s: f64,
    pub files: Vec<String>,
}

impl Manifest {
    pub fn to_json(&self) -> anyhow::Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}
