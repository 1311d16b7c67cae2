//! Finished batches of paths on disk, so that a killed run resumes where it stopped and shards
//! merge without re-simulating anything.
//!
//! Every run writes each finished batch of paths to `batches/batch-<first>-<end>.bin` in its
//! result folder (atomically: a temporary name, then rename), as postcard-encoded
//! [`PathResult`]s with the identity of the run ([`RunKey`]). Floats are stored as their bits,
//! so a reloaded path is bit-identical to the simulated one. `--resume` reloads the batches
//! whose key matches and simulates only the missing ones; `merge` reloads every shard's batches
//! and writes the result one machine would have written.

use crate::engine::{Batch, PathResult};
use crate::report;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::Path;

/// Folder of the batch files inside a result folder.
pub const DIR: &str = "batches";

/// What must be equal for stored paths to be reused: the same scenario bytes, seed, total path
/// count and program version (the random streams and the model depend on all four).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunKey {
    pub scenario_hash: String,
    pub seed: u64,
    pub paths: u64,
    pub version: String,
}

/// A stored batch as read back.
#[derive(Deserialize)]
struct BatchFile {
    key: RunKey,
    first: u64,
    end: u64,
    results: Vec<PathResult>,
}

/// The same layout, borrowed, for writing without copying the batch (postcard encodes a slice
/// and a `Vec` the same way).
#[derive(Serialize)]
struct BatchRef<'a> {
    key: &'a RunKey,
    first: u64,
    end: u64,
    results: &'a [PathResult],
}

fn file_name(batch: &Range<u64>) -> String {
    format!("batch-{:012}-{:012}.bin", batch.start, batch.end)
}

/// Stores one finished batch.
pub fn write_batch(
    out: &Path,
    key: &RunKey,
    batch: &Range<u64>,
    results: &[PathResult],
) -> Result<()> {
    let dir = out.join(DIR);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let file = BatchRef {
        key,
        first: batch.start,
        end: batch.end,
        results,
    };
    let bytes = postcard::to_stdvec(&file)?;
    report::write_atomic(&dir, &file_name(batch), |f| {
        Ok(std::io::Write::write_all(f, &bytes)?)
    })?;
    Ok(())
}

/// The stored batches of `out` that belong to the run `key`, sorted by first path. A batch of
/// another run is an error that says which field differs (resuming it would mix two runs).
pub fn read_batches(out: &Path, key: &RunKey) -> Result<Vec<Batch>> {
    let dir = out.join(DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut batches = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !(name.starts_with("batch-") && name.ends_with(".bin")) {
            continue; // temporary files of a killed write, or anything else
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let file: BatchFile = postcard::from_bytes(&bytes).with_context(|| {
            format!(
                "{} is not a protectsim batch of this version",
                path.display()
            )
        })?;
        if file.key != *key {
            let what = if file.key.scenario_hash != key.scenario_hash {
                "the scenario file changed"
            } else if file.key.seed != key.seed {
                "the seed differs"
            } else if file.key.paths != key.paths {
                "the path count differs"
            } else {
                "the protectsim version differs"
            };
            bail!(
                "{} belongs to another run ({what}); run without --resume into an empty folder, or resume with the original settings",
                path.display()
            );
        }
        if file.results.len() as u64 != file.end - file.first
            || file
                .results
                .iter()
                .zip(file.first..)
                .any(|(r, p)| r.path != p)
        {
            bail!(
                "{} is inconsistent: its paths do not match its name",
                path.display()
            );
        }
        batches.push((file.first..file.end, file.results));
    }
    batches.sort_by_key(|b| b.0.start);
    Ok(batches)
}

/// Removes stored batches (a fresh run into a folder used before).
pub fn clear(out: &Path) -> Result<()> {
    let dir = out.join(DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(())
}
