//! Files that appear whole or not at all: written under a hidden temporary name in the same
//! folder, then renamed over the target, so that a killed command never leaves a file that
//! looks whole but is not. Every output of a result folder goes through here.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Writes `dir/name` atomically: into a hidden temporary file in the same folder, flushed to
/// disk, then renamed over the target. The file is buffered: parquet and CSV writers issue a
/// write per page header and per field, which unbuffered cost a system call each (about
/// 200,000 for the per-path files of 2·10^5 paths).
pub fn write_atomic(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
) -> Result<PathBuf> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = BufWriter::with_capacity(
            BUFFER,
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
        );
        write(&mut file)?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|_| target)
}

/// Bytes a result file is written in: 1 MiB.
pub const BUFFER: usize = 1 << 20;

/// Writes `bytes` to `dir/name` through a temporary name and a rename, without flushing it to
/// the disk: for the path store, which syncs by time ([`crate::store::SYNC_EVERY`]).
pub fn write_atomic_unsynced(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let target = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))
        .and_then(|()| {
            std::fs::rename(&tmp, &target)
                .with_context(|| format!("cannot rename {} to {}", tmp.display(), target.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| target)
}
