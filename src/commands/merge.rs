//! `protectsim merge`: shard folders into the result of one run.

use super::emit;
use super::run::SCENARIO_COPY;
use crate::cli::{MergeArgs, UsageError};
use crate::engine::Model;
use crate::outdir;
use crate::report::{self, Manifest, Shard, terminal};
use crate::scenario::Scenario;
use crate::store::{self, RunKey, StoredPaths};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;
/// `protectsim merge`: checks that the shard folders belong to one run and cover its paths
/// exactly once, reloads their stored batches and writes the result a single machine would have
/// written. Nothing is simulated.
pub fn merge(args: &MergeArgs) -> Result<()> {
    let clock = Instant::now();
    if let Some(dir) = args
        .shards
        .iter()
        .find(|d| outdir::same_folder(d, &args.out))
    {
        return Err(UsageError(format!(
            "--out {} is one of the shard folders ({}): merging into it would destroy the shard; choose another --out",
            args.out.display(),
            dir.display()
        ))
        .into());
    }
    let mut shards = Vec::new();
    for dir in &args.shards {
        let path = dir.join("manifest.json");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            UsageError(format!(
                "{}: not a finished result folder ({e})",
                path.display()
            ))
        })?;
        let m: Manifest = serde_json::from_str(&text).map_err(|e| {
            UsageError(format!(
                "{}: not a protectsim manifest ({e})",
                path.display()
            ))
        })?;
        shards.push((dir.clone(), m));
    }
    shards.sort_by_key(|(_, m)| m.shard.index);
    let (first_dir, first) = &shards[0];
    let n = first.shard.count;
    for (dir, m) in &shards {
        let differs = |what: &str| {
            UsageError(format!(
                "{} is not a shard of the same run as {}: {what} differs",
                dir.display(),
                first_dir.display()
            ))
        };
        if m.scenario_hash != first.scenario_hash {
            return Err(differs("the scenario (hash)").into());
        }
        if m.seed != first.seed {
            return Err(differs("the seed").into());
        }
        if m.paths != first.paths {
            return Err(differs("the path count").into());
        }
        if m.version != first.version {
            return Err(differs("the protectsim version").into());
        }
        if m.schema != store::SCHEMA_VERSION {
            return Err(UsageError(format!(
                "{} was written with output schema {} and this protectsim reads schema {}: run the shard again",
                dir.display(),
                m.schema,
                store::SCHEMA_VERSION
            ))
            .into());
        }
        if m.shard.count != n {
            return Err(differs("the shard count N").into());
        }
    }
    let indices: Vec<u64> = shards.iter().map(|(_, m)| m.shard.index).collect();
    for k in 1..=n {
        let times = indices.iter().filter(|&&i| i == k).count();
        if times != 1 {
            let what = if times == 0 {
                "missing"
            } else {
                "given more than once"
            };
            return Err(UsageError(format!(
                "shard {k}/{n} is {what}: merge needs each of the {n} shards exactly once"
            ))
            .into());
        }
    }
    let mut expected_first = 0;
    for (dir, m) in &shards {
        if m.shard.first_path != expected_first {
            return Err(UsageError(format!(
                "{}: shard {}/{n} starts at path {}, expected {expected_first}",
                dir.display(),
                m.shard.index,
                m.shard.first_path
            ))
            .into());
        }
        expected_first = m.shard.end_path;
    }
    if expected_first != first.paths {
        return Err(UsageError(format!(
            "the shards end at path {expected_first}, the run has {} paths",
            first.paths
        ))
        .into());
    }

    let text = std::fs::read_to_string(first_dir.join(SCENARIO_COPY))
        .with_context(|| format!("{} has no {SCENARIO_COPY}", first_dir.display()))?;
    let scenario = Scenario::parse(&text, &first_dir.join(SCENARIO_COPY).display().to_string())?;
    if scenario.hash() != first.scenario_hash {
        bail!(
            "{}/{SCENARIO_COPY} does not match the manifest's scenario hash",
            first_dir.display()
        );
    }
    let model = Model::new(&scenario);
    crate::analytic::check_money_headroom(&model)?;
    let mut chunks = Vec::new();
    for (dir, m) in &shards {
        let key = RunKey {
            scenario_hash: first.scenario_hash.clone(),
            seed: first.seed,
            paths: first.paths,
            shard: (m.shard.index, n),
            version: first.version.clone(),
            schema: store::SCHEMA_VERSION,
        };
        let stored = store::scan(dir, &key).map_err(|e| UsageError(format!("{e:#}")))?;
        // Each shard's chunks must cover exactly its own paths.
        StoredPaths::new(
            stored.clone(),
            m.shard.first_path..m.shard.end_path,
            crate::store::Layout::of(&model),
        )
        .map_err(|e| UsageError(format!("{}: {e:#}", dir.display())))?;
        chunks.extend(stored);
    }
    let paths = StoredPaths::new(chunks, 0..first.paths, crate::store::Layout::of(&model))?;

    let lock = outdir::lock(&args.out)?;
    outdir::prepare(&args.out, &lock, false)?;
    report::write_atomic(&args.out, SCENARIO_COPY, |f| {
        Ok(f.write_all(text.as_bytes())?)
    })?;
    let mut manifest = Manifest {
        shard: Shard {
            index: 1,
            count: 1,
            first_path: 0,
            end_path: first.paths,
        },
        threads: shards.iter().map(|(_, m)| m.threads).max().unwrap_or(1),
        started_at: shards
            .iter()
            .map(|(_, m)| m.started_at.clone())
            .min()
            .unwrap_or_default(),
        wall_time_s: shards.iter().map(|(_, m)| m.wall_time_s).sum::<f64>()
            + clock.elapsed().as_secs_f64(),
        files: Vec::new(),
        ..first.clone()
    };
    let report::Outputs { rows, .. } = report::write_run(&args.out, &mut manifest, &model, &paths)?;
    if !args.no_report {
        report::html::add_report(&args.out, &mut manifest)?;
    }
    let mut out = String::new();
    line!(
        out,
        "merged {n} shards ({} paths) into {}/",
        first.paths,
        args.out.display()
    );
    out.push_str(&terminal::render_styled(
        &rows,
        terminal::Style::for_stdout(),
    ));
    emit(&out)
}
