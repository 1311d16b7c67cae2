//! Result folders that say exactly what they hold.
//!
//! A result folder holds the output of one command. Every command that writes one:
//!
//! 1. takes the folder's lock ([`lock`], the file `.protectsim.lock`): a second command into the
//!    same folder stops at once with exit code 2 and says which process holds it; a lock left by
//!    a killed process (its process id no longer runs) is taken over;
//! 2. removes `manifest.json` first ([`prepare`]), so a folder killed while it is rewritten never
//!    shows an old manifest next to new files; then every file protectsim writes (the
//!    [`OWNED`] list, orphaned temporary files of killed writes included), so no file of an
//!    earlier command survives next to the new ones. Files protectsim does not write are left
//!    alone;
//! 3. writes its files atomically (temporary name, then rename) and the manifest last.

use crate::cli::UsageError;
use anyhow::{Context, Result};
use indicatif::{DecimalBytes, HumanDuration};
use std::path::{Path, PathBuf};

/// Name of the lock file inside a result folder.
pub const LOCK: &str = ".protectsim.lock";

/// Files and folders a protectsim command may write into a result folder.
pub const OWNED: &[&str] = &[
    "manifest.json",
    "scenario.toml",
    "paths.parquet",
    "segment_paths.parquet",
    "summary.parquet",
    "summary.csv",
    "ep.parquet",
    "ep.csv",
    "dependence.parquet",
    "dependence.csv",
    "frame_daily.parquet",
    "frame_paths.parquet",
    "frame_raises.parquet",
    "frame_recommendation.csv",
    "frame_recommendation.xlsx",
    "report.html",
    "pricing.parquet",
    "pricing.csv",
    "pricing.xlsx",
    "sweep.parquet",
    "sweep.csv",
    "sweep.xlsx",
    "plots",
];

/// The folder's lock, released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether process `pid` still runs (Linux: `/proc/<pid>`; elsewhere assumed running).
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Takes the lock of the result folder `out` (created if needed).
pub fn lock(out: &Path) -> Result<FolderLock> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let path = out.join(LOCK);
    let me = format!(
        "{} {}\n{}\n",
        std::process::id(),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                std::io::Write::write_all(&mut f, me.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                return Ok(FolderLock { path });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let held = std::fs::read_to_string(&path).unwrap_or_default();
                let mut lines = held.lines();
                let mut first = lines.next().unwrap_or("").split(' ');
                let pid = first.next().and_then(|p| p.parse::<u32>().ok());
                let since = first.next().unwrap_or("?");
                let command = lines.next().unwrap_or("?");
                match pid {
                    Some(pid) if alive(pid) && pid != std::process::id() => {
                        return Err(UsageError(format!(
                            "{} is in use by another protectsim command (process {pid}, since {since}: {command}); wait for it to finish or choose another --out",
                            out.display()
                        ))
                        .into());
                    }
                    // A lock of a process that no longer runs: take it over.
                    _ => {
                        let _ = std::fs::remove_file(&path);
                    }
                }
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot create {}", path.display()));
            }
        }
    }
    Err(UsageError(format!(
        "cannot take the lock {}: another command took it at the same moment",
        path.display()
    ))
    .into())
}

/// Whether `name` is a temporary file of an atomic write (`.NAME.tmp-PID`).
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Removes the temporary files of killed writes in `dir`.
fn remove_temporaries(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        if is_temporary(&e.file_name().to_string_lossy()) {
            let p = e.path();
            std::fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    Ok(())
}

/// Makes the locked folder `out` ready for a new command's output: the manifest goes first,
/// then everything protectsim owns there and the temporaries of killed writes. The stored
/// paths (`batches/`) stay when `keep_store` (a `--resume`, or `frame`/`price` reading them).
pub fn prepare(out: &Path, _lock: &FolderLock, keep_store: bool) -> Result<()> {
    for name in OWNED
        .iter()
        .copied()
        .chain((!keep_store).then_some(crate::store::DIR))
    {
        let p = out.join(name);
        let gone = if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        };
        if let Err(e) = gone
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(e).with_context(|| format!("cannot remove {}", p.display()));
        }
    }
    remove_temporaries(out)?;
    remove_temporaries(&out.join(crate::store::DIR))?;
    Ok(())
}

/// Whether two folder paths name the same folder (either may not exist yet).
pub fn same_folder(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
            abs.components().collect()
        })
    };
    canon(a) == canon(b)
}

/// Refuses, before anything is simulated or written, a run whose files would not fit the free
/// space of the disk that holds `out`: `paths` paths of `layout` take about
/// [`crate::store::Layout::record_bytes`] each, their stored chunk and their parquet rows
/// together (0.7 to 1.0 times that on the example scenarios: the chunk's integers are
/// variable-length, the parquet columns compressed). A disk whose free space cannot be read is
/// not a refusal.
pub fn check_disk(out: &Path, paths: u64, layout: &crate::store::Layout) -> Result<(), UsageError> {
    let per_path = layout.record_bytes() as u64;
    let need = per_path.saturating_mul(paths);
    // The nearest folder that exists: `out` itself, a parent, or the working directory for a
    // relative path none of whose parents exists yet.
    let dir = out
        .ancestors()
        .find(|d| !d.as_os_str().is_empty() && d.is_dir())
        .unwrap_or(Path::new("."));
    let Ok(free) = fs4::available_space(dir) else {
        return Ok(());
    };
    if need <= free {
        return Ok(());
    }
    Err(UsageError(format!(
        "--paths {paths}: the results would take about {} ({} per path: its stored record and its parquet rows), more than the {} free on the disk of {}: lower --paths, split the run with --shard over machines (then merge), or give an --out on a larger disk",
        DecimalBytes(need),
        DecimalBytes(per_path),
        DecimalBytes(free),
        out.display()
    )))
}

/// Longest the pilot of [`estimate_time`] runs (unless its first path alone takes longer).
pub const PILOT_BUDGET: std::time::Duration = std::time::Duration::from_millis(20);

/// How long the simulation of some paths is expected to take, from a pilot of their first
/// paths (see [`estimate_time`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeEstimate {
    /// Mean seconds per path of the pilot, on one thread.
    pub per_path_s: f64,
    /// Paths the pilot timed.
    pub timed: u64,
    /// Threads that will share the paths: the pool's, or fewer where there are fewer batches.
    pub workers: u64,
}

impl TimeEstimate {
    /// Seconds that `paths` paths take at this pace on [`TimeEstimate::workers`] threads.
    pub fn seconds(&self, paths: u64) -> f64 {
        self.per_path_s * paths as f64 / self.workers as f64
    }
}

/// Times the first paths of `paths` for [`PILOT_BUDGET`] (at most one batch, at least one
/// path) on this thread. `threads` is the pool's thread count (0: one per core).
pub fn estimate_time(
    model: &crate::engine::Model,
    seed: u64,
    paths: std::ops::Range<u64>,
    threads: usize,
) -> TimeEstimate {
    use crate::engine::BATCH_PATHS;
    let total = paths.end - paths.start;
    let (timed, took) = model.pilot(seed, paths, PILOT_BUDGET, BATCH_PATHS);
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        t => t,
    };
    TimeEstimate {
        per_path_s: took.as_secs_f64() / timed.max(1) as f64,
        timed,
        // Batches are the unit of work: fewer batches than threads leave threads idle.
        workers: (threads as u64).min(total.div_ceil(BATCH_PATHS)).max(1),
    }
}

/// Refuses, up front, paths whose simulation would take longer than `max_hours`
/// (`--max-hours`): `what` names them (`--paths 20000`), `seconds` is the estimate, `pace`
/// the pilot it came from and `remedy` what the command can do instead (`lower --paths`, …). Outputs and statistics come on top of the estimate (a few
/// microseconds per path).
pub fn refuse_time(
    what: &str,
    seconds: f64,
    pace: &TimeEstimate,
    max_hours: f64,
    remedy: &str,
) -> Result<(), UsageError> {
    if seconds <= max_hours * 3600.0 {
        return Ok(());
    }
    let workers = pace.workers;
    Err(UsageError(format!(
        "{what}: the simulation alone would take about {} on {workers} thread{} ({:.1?} per path, timed on {} pilot path{}), more than --max-hours {max_hours}: {remedy}, or raise --max-hours if that is expected",
        HumanDuration(std::time::Duration::from_secs_f64(seconds.min(1e15))),
        if workers == 1 { "" } else { "s" },
        std::time::Duration::from_secs_f64(pace.per_path_s),
        pace.timed,
        if pace.timed == 1 { "" } else { "s" },
    )))
}

/// [`refuse_time`] for the paths of one run.
pub fn check_time(
    model: &crate::engine::Model,
    seed: u64,
    paths: std::ops::Range<u64>,
    threads: usize,
    max_hours: f64,
) -> Result<(), UsageError> {
    let total = paths.end - paths.start;
    let pace = estimate_time(model, seed, paths, threads);
    refuse_time(
        &format!("--paths {total}"),
        pace.seconds(total),
        &pace,
        max_hours,
        "lower --paths, split the run with --shard over machines (then merge)",
    )
}
