//! The path store: every simulated path's result on disk, in checksummed column-major chunks,
//! so that no command holds all paths in memory.
//!
//! A run appends finished paths, in path order, to `batches/chunk-<first>-<end>.bin` in its
//! result folder ([`chunk`]: one block per column, LEB128 or constant, CRC-32 over the file). Everything after
//! the simulation reads from there: the per-path parquet files are written block by block, and
//! every statistic reads the one or two columns it needs ([`StoredPaths::line_column`]). The
//! same chunks are what `--resume` keeps after a kill and what `merge` reads from each shard, so
//! a resumed or merged result is computed by the same code from the same bytes as a single run.
//!
//! **Durability by time.** A chunk is written to a temporary name and renamed, but flushed to
//! the disk (`fsync`) only every [`SYNC_EVERY`] and at the end of the run: after a power loss
//! the last few seconds of chunks may be missing or torn. A torn chunk fails its checksum and is
//! named; a missing one is simulated again by `--resume`. A kill of the process alone (the
//! operating system survives) loses only the paths in flight.

pub mod chunk;
pub mod layout;

pub use chunk::{Chunk, Columns};
pub use layout::{FrameField, Layout, Line, LineField};

use crate::engine::PathResult;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Folder of the chunk files inside a result folder.
pub const DIR: &str = "batches";

/// Version of the stored layout and of the output schema: stored paths of another layout are
/// refused by `--resume` and `merge`.
pub const SCHEMA_VERSION: u32 = 7;

/// How often written chunks are flushed to the disk.
pub const SYNC_EVERY: Duration = Duration::from_secs(5);

/// Uncompressed bytes of path records per chunk (the memory one chunk takes in flight).
const CHUNK_BYTES: usize = 4 << 20;

/// What must be equal for stored paths to be reused: the same scenario bytes, seed, total path
/// count, shard, program version and schema (the random streams and the model depend on them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunKey {
    pub scenario_hash: String,
    pub seed: u64,
    pub paths: u64,
    /// (K, N) of `--shard K/N`; (1, 1) for a whole run.
    pub shard: (u64, u64),
    pub version: String,
    pub schema: u32,
}

impl RunKey {
    /// Which field differs from `other`, in words.
    fn difference(&self, other: &RunKey) -> &'static str {
        if self.scenario_hash != other.scenario_hash {
            "the scenario file changed"
        } else if self.seed != other.seed {
            "the seed differs"
        } else if self.paths != other.paths {
            "the path count differs"
        } else if self.shard != other.shard {
            "the shard differs"
        } else if self.schema != other.schema {
            "the stored layout differs"
        } else {
            "the protectsim version differs"
        }
    }
}

/// Paths per chunk for `layout`: a multiple of the batch size, about [`CHUNK_BYTES`] of records.
pub fn chunk_paths(layout: &Layout) -> u64 {
    let b = crate::engine::BATCH_PATHS;
    let per = (CHUNK_BYTES / layout.record_bytes().max(1)) as u64;
    (per / b).clamp(1, 1024) * b
}

/// The word columns that hold one value on every path ([`StoredPaths::constants`]).
pub struct Constants {
    layout: Layout,
    value: Vec<Option<i64>>,
}

impl Constants {
    /// The value of word column `j` if it is the same on every path.
    pub fn word(&self, j: usize) -> Option<i64> {
        self.value.get(j).copied().flatten()
    }

    /// The totals of `line` restricted to `fields` (every other field zero) if they are the
    /// same on every path.
    pub fn line_fields(
        &self,
        line: Line,
        fields: &[LineField],
    ) -> Option<crate::products::ProductTotals> {
        let mut t = crate::products::ProductTotals::default();
        for &field in fields {
            let x = self.word(self.layout.line_word(line, field))?;
            field.fill(std::iter::once(&mut t), &[x]);
        }
        Some(t)
    }
}

/// Where a run's paths go: each finished path's words are written as one row of its batch
/// ([`Layout::row`]), and no result outlives its path; a finished batch's rows become its
/// columns ([`PathSink::finish`](crate::engine::PathSink::finish)). Written straight into
/// the columns, a path's 168 words on the compound peer model went to 168 places a column
/// apart, each store a cache line of its own: a fifth of the path's time (perf, 155 ns of
/// 750). A batch's columns, once stored, come back for another batch
/// ([`ColumnSink::recycle`]): a fresh set per batch (a vector per word) allocated on a worker
/// thread and freed on the main one made the allocator hand its pages back to the kernel and
/// fault them in again, about a tenth of a run's time.
pub struct ColumnSink {
    layout: Layout,
    spare: std::sync::Mutex<Vec<Columns>>,
}

impl ColumnSink {
    pub fn new(layout: Layout) -> ColumnSink {
        ColumnSink {
            layout,
            spare: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Takes back a batch's columns once they are stored. Their rows and columns keep the
    /// stored words until the next batch's paths overwrite them: [`Layout::row`] writes every
    /// word and series value of a path's row, a batch is finished only once every one of its
    /// paths is written, and finishing writes every value of every column, so zeroing them
    /// first (1.4 kB a path on the compound peer model, 6 % of its run) would only be written
    /// over.
    pub fn recycle(&self, cols: Columns) {
        if let Ok(mut spare) = self.spare.lock() {
            spare.push(cols);
        }
    }
}

impl crate::engine::PathSink for ColumnSink {
    type Records = Columns;
    /// Room for `paths` rows and columns of `paths` values; recycled columns of the same
    /// length are handed out as they are (see [`ColumnSink::recycle`]).
    fn empty(&self, paths: usize) -> Columns {
        let spare = self.spare.lock().ok().and_then(|mut s| s.pop());
        let mut cols = spare.unwrap_or_else(|| Columns::new(&self.layout, paths));
        cols.words.iter_mut().for_each(|w| w.resize(paths, 0));
        cols.series.iter_mut().for_each(|s| s.resize(paths, 0.0));
        cols.rows.words.resize(paths * self.layout.words(), 0);
        cols.rows.series.resize(paths * self.layout.series(), 0.0);
        cols
    }
    fn push(&self, cols: &mut Columns, i: usize, r: &PathResult) {
        let (w, s) = (self.layout.words(), self.layout.series());
        let words = &mut cols.rows.words[i * w..(i + 1) * w];
        self.layout
            .row(r, words, &mut cols.rows.series[i * s..(i + 1) * s]);
    }
    /// Turns the batch's rows into its columns, column by column: the rows a column reads
    /// stay in the cache from one column to the next.
    fn finish(&self, cols: &mut Columns) {
        transpose(&cols.rows.words, &mut cols.words);
        transpose(&cols.rows.series, &mut cols.series);
    }
}

/// Copies `rows` (row `i` at `rows[i * n..(i + 1) * n]` for the `n = columns.len()`) into
/// `columns`, each as long as the rows are many.
fn transpose<T: Copy>(rows: &[T], columns: &mut [Vec<T>]) {
    let n = columns.len();
    if n == 0 {
        return; // no columns (a model without frame series): nothing to copy
    }
    for (j, column) in columns.iter_mut().enumerate() {
        for (v, row) in column.iter_mut().zip(rows.chunks_exact(n)) {
            *v = row[j];
        }
    }
}

/// Writes chunks of finished paths into a result folder's [`DIR`], syncing by time.
pub struct ChunkWriter {
    dir: PathBuf,
    key: RunKey,
    layout: Layout,
    last_sync: Instant,
    unsynced: Vec<PathBuf>,
    /// The encoding's buffers, kept from chunk to chunk.
    body: Vec<u8>,
    bytes: Vec<u8>,
}

impl ChunkWriter {
    pub fn new(out: &Path, key: RunKey, layout: Layout) -> Result<ChunkWriter> {
        let dir = out.join(DIR);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(ChunkWriter {
            dir,
            key,
            layout,
            last_sync: Instant::now(),
            unsynced: Vec::new(),
            body: Vec::new(),
            bytes: Vec::new(),
        })
    }

    /// Stores the columns of the contiguous paths `range` as one chunk: `parts` are the
    /// columns of its consecutive batches (one row per path, in path order).
    pub fn write(&mut self, range: Range<u64>, parts: &[Columns]) -> Result<Chunk> {
        let rows = |c: &Columns| c.words.first().map_or(0, Vec::len) as u64;
        debug_assert!(parts.iter().all(|c| {
            c.words.len() == self.layout.words()
                && c.series.len() == self.layout.series()
                && c.words.iter().all(|w| w.len() as u64 == rows(c))
        }));
        debug_assert_eq!(parts.iter().map(rows).sum::<u64>(), range.end - range.start);
        chunk::encode_into(
            &self.key,
            &range,
            &self.layout,
            parts,
            &mut self.body,
            &mut self.bytes,
        )?;
        let name = chunk::file_name(&range);
        let path = crate::atomic::write_atomic_unsynced(&self.dir, &name, &self.bytes)?;
        let chunk = Chunk::parse(&path, &self.bytes)?;
        self.unsynced.push(path);
        if self.last_sync.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(chunk)
    }

    /// Flushes every chunk written since the last sync, and the folder's entries.
    pub fn sync(&mut self) -> Result<()> {
        for p in self.unsynced.drain(..) {
            File::open(&p)
                .and_then(|f| f.sync_all())
                .with_context(|| format!("cannot flush {}", p.display()))?;
        }
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        self.last_sync = Instant::now();
        Ok(())
    }
}

/// The stored chunks of the run `key` in `out` (verified), sorted by first path. A chunk of
/// another run, a corrupt chunk, or chunks that overlap are errors naming the file.
pub fn scan(out: &Path, key: &RunKey) -> Result<Vec<Chunk>> {
    let dir = out.join(DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut chunks = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !name.ends_with(".bin") || name.starts_with('.') {
            continue;
        }
        if !name.starts_with("chunk-") {
            bail!(
                "{} is a stored batch of an older protectsim; run without --resume",
                path.display()
            );
        }
        let chunk = Chunk::open(&path)?;
        if chunk.key != *key {
            bail!(
                "{} belongs to another run ({}); run without --resume into an empty folder, or resume with the original settings",
                path.display(),
                chunk.key.difference(key)
            );
        }
        if chunk::file_name(&chunk.range) != name {
            bail!(
                "{} is inconsistent: its paths do not match its name",
                path.display()
            );
        }
        chunks.push(chunk);
    }
    chunks.sort_by_key(|c| c.range.start);
    for w in chunks.windows(2) {
        if w[0].range.end > w[1].range.start {
            bail!(
                "{} and {} hold the same paths",
                w[0].path.display(),
                w[1].path.display()
            );
        }
    }
    Ok(chunks)
}

/// Removes the stored chunks of a folder (a fresh run into a folder used before).
pub fn clear(out: &Path) -> Result<()> {
    let dir = out.join(DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    Ok(())
}

/// The results of the paths `first..first + n` from their columns `cols`.
pub fn path_results(layout: &Layout, first: u64, n: usize, cols: &Columns) -> Vec<PathResult> {
    (0..n)
        .map(|i| {
            layout.path_result(
                first + i as u64,
                |j| cols.words[j][i],
                |j| cols.series[j][i],
            )
        })
        .collect()
}

/// Where one chunk's columns are: a verified file, or columns in memory.
#[derive(Debug, Clone)]
enum Part {
    Disk(Chunk),
    Memory(Range<u64>, Columns),
}

impl Part {
    fn range(&self) -> Range<u64> {
        match self {
            Part::Disk(c) => c.range.clone(),
            Part::Memory(r, _) => r.clone(),
        }
    }

    fn len(&self) -> usize {
        let r = self.range();
        (r.end - r.start) as usize
    }

    /// An open handle for reading several columns (none in memory).
    fn open(&self) -> Result<Option<File>> {
        match self {
            Part::Disk(c) => File::open(&c.path)
                .map(Some)
                .with_context(|| format!("cannot read {}", c.path.display())),
            Part::Memory(..) => Ok(None),
        }
    }

    fn words(&self, file: &Option<File>, j: usize, out: &mut Vec<i64>) -> Result<()> {
        match (self, file) {
            (Part::Disk(c), Some(f)) => c.read_words(f, j, out),
            (Part::Memory(_, cols), _) => {
                out.extend_from_slice(&cols.words[j]);
                Ok(())
            }
            (Part::Disk(_), None) => unreachable!("disk parts are read through their file"),
        }
    }

    fn series(&self, file: &Option<File>, j: usize, out: &mut Vec<f32>) -> Result<()> {
        match (self, file) {
            (Part::Disk(c), Some(f)) => c.read_series(f, j, out),
            (Part::Memory(_, cols), _) => {
                out.extend_from_slice(&cols.series[j]);
                Ok(())
            }
            (Part::Disk(_), None) => unreachable!("disk parts are read through their file"),
        }
    }
}

/// The per-path results of a whole path range, read column by column: the verified chunks of
/// a run (or of all shards of a run), or results held in memory (a sweep's cells).
#[derive(Debug, Clone)]
pub struct StoredPaths {
    layout: Layout,
    parts: Vec<Part>,
    range: Range<u64>,
}

impl StoredPaths {
    /// The paths `range` from `chunks`, which must cover it exactly once, in `layout`.
    pub fn new(mut chunks: Vec<Chunk>, range: Range<u64>, layout: Layout) -> Result<StoredPaths> {
        chunks.sort_by_key(|c| c.range.start);
        let mut at = range.start;
        for c in &chunks {
            if c.range.start != at {
                bail!(
                    "the stored paths do not cover {}..{}: {} starts at path {}, expected {at}",
                    range.start,
                    range.end,
                    c.path.display(),
                    c.range.start
                );
            }
            if c.layout != layout {
                bail!(
                    "{} was stored with another layout of results",
                    c.path.display()
                );
            }
            at = c.range.end;
        }
        if at != range.end {
            bail!(
                "the stored paths end at path {at}, expected {} (paths missing)",
                range.end
            );
        }
        Ok(StoredPaths {
            layout,
            parts: chunks.into_iter().map(Part::Disk).collect(),
            range,
        })
    }

    /// Results held in memory (consecutive paths), in the same column form.
    pub fn in_memory(results: &[PathResult], layout: Layout) -> StoredPaths {
        let first = results.first().map_or(0, |r| r.path);
        let range = first..first + results.len() as u64;
        let mut cols = Columns::new(&layout, results.len());
        for r in results {
            layout.push(r, &mut cols.words, &mut cols.series);
        }
        StoredPaths {
            layout,
            parts: vec![Part::Memory(range.clone(), cols)],
            range,
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn range(&self) -> Range<u64> {
        self.range.clone()
    }

    /// Number of paths.
    pub fn len(&self) -> u64 {
        self.range.end - self.range.start
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Word column `j` over all paths, in path order.
    pub fn words(&self, j: usize) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        self.words_into(j, &mut out)?;
        Ok(out)
    }

    /// [`StoredPaths::words`] into `out` (emptied first), whose room is reused: a column of
    /// 10^7 paths is 80 MB, which the allocator maps afresh, page by page, for every new one.
    pub fn words_into(&self, j: usize, out: &mut Vec<i64>) -> Result<()> {
        out.clear();
        out.reserve(self.len() as usize);
        for p in &self.parts {
            p.words(&p.open()?, j, out)?;
        }
        Ok(())
    }

    /// Which word columns hold one value on every path, and that value: from the chunks'
    /// constant blocks, each chunk read once. Most columns of a run are constant (an unused
    /// peril, a cell no order reaches, a window nobody reports outside), and a statistic of
    /// a constant column needs no pass over the paths.
    pub fn constants(&self) -> Result<Constants> {
        let mut value: Vec<Option<i64>> = vec![None; self.layout.words()];
        for (k, p) in self.parts.iter().enumerate() {
            let here = match p {
                Part::Disk(c) => c.constant_words()?,
                Part::Memory(_, cols) => cols
                    .words
                    .iter()
                    .map(|w| match w.split_first() {
                        Some((&x, rest)) if rest.iter().all(|&y| y == x) => Some(x),
                        _ => None,
                    })
                    .collect(),
            };
            for (v, h) in value.iter_mut().zip(here) {
                *v = match (k, *v, h) {
                    (0, _, h) => h,
                    (_, Some(v), Some(h)) if v == h => Some(v),
                    _ => None,
                };
            }
        }
        Ok(Constants {
            layout: self.layout,
            value,
        })
    }

    /// Column `field` of `line` over all paths.
    pub fn line_column(&self, line: Line, field: LineField) -> Result<Vec<i64>> {
        self.words(self.layout.line_word(line, field))
    }

    /// A line's totals path by path, mapped with `f` (one chunk of the line in memory at once).
    pub fn map_line<T>(
        &self,
        line: Line,
        f: impl FnMut(&crate::products::ProductTotals) -> T,
    ) -> Result<Vec<T>> {
        let fields: Vec<LineField> = LineField::all().collect();
        self.map_line_fields(line, &fields, f)
    }

    /// [`StoredPaths::map_line`] reading only the words of `fields`: the totals `f` sees have
    /// every other field zero, so `f` must look at no other (the claims and loss ratios read
    /// 7 of a line's words).
    pub fn map_line_fields<T>(
        &self,
        line: Line,
        fields: &[LineField],
        f: impl FnMut(&crate::products::ProductTotals) -> T,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.map_line_fields_into(line, fields, f, &mut out)?;
        Ok(out)
    }

    /// [`StoredPaths::map_line_fields`] into `out` (emptied first), whose room is reused.
    pub fn map_line_fields_into<T>(
        &self,
        line: Line,
        fields: &[LineField],
        mut f: impl FnMut(&crate::products::ProductTotals) -> T,
        out: &mut Vec<T>,
    ) -> Result<()> {
        out.clear();
        out.reserve(self.len() as usize);
        self.for_each_line_fields(line, fields, |t| out.push(f(t)))
    }

    /// [`StoredPaths::map_line_fields`] without the column: `f` sees each path's totals in
    /// path order, and the memory is one chunk's.
    pub fn for_each_line_fields(
        &self,
        line: Line,
        fields: &[LineField],
        mut f: impl FnMut(&crate::products::ProductTotals),
    ) -> Result<()> {
        let mut column = Vec::new();
        let mut totals = Vec::new();
        for p in &self.parts {
            let file = p.open()?;
            totals.clear();
            totals.resize(p.len(), crate::products::ProductTotals::default());
            for &field in fields {
                column.clear();
                p.words(&file, self.layout.line_word(line, field), &mut column)?;
                field.fill(totals.iter_mut(), &column);
            }
            totals.iter().for_each(&mut f);
        }
        Ok(())
    }

    /// Series column `j` over all paths, in path order.
    pub fn series(&self, j: usize) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(self.len() as usize);
        for p in &self.parts {
            p.series(&p.open()?, j, &mut out)?;
        }
        Ok(out)
    }

    /// Every column of each chunk in turn, with the chunk's path range.
    pub fn for_each_chunk(
        &self,
        mut f: impl FnMut(Range<u64>, &Columns) -> Result<()>,
    ) -> Result<()> {
        for p in &self.parts {
            if let Part::Memory(range, cols) = p {
                f(range.clone(), cols)?;
                continue;
            }
            let file = p.open()?;
            let mut cols = Columns::default();
            for j in 0..self.layout.words() {
                let mut v = Vec::with_capacity(p.len());
                p.words(&file, j, &mut v)?;
                cols.words.push(v);
            }
            for j in 0..self.layout.series() {
                let mut v = Vec::with_capacity(p.len());
                p.series(&file, j, &mut v)?;
                cols.series.push(v);
            }
            f(p.range(), &cols)?;
        }
        Ok(())
    }

    /// Every column of the paths in order, handed over in blocks of `block` paths aligned to
    /// multiples of `block` (so the blocks of a run and of its merged shards are the same), as
    /// `f(first path, paths, columns)`; the columns of a block may be longer than its paths.
    ///
    /// Each chunk is decoded column by column straight onto the ends of the paths not yet
    /// handed over, so a block costs its own columns and what the chunk that completes it has
    /// past it: no chunk-sized buffer beside the block (4 MB of the 20 MB a quickstart run of
    /// 20,000 paths held, heaptrack).
    pub fn for_each_column_block(
        &self,
        block: u64,
        mut f: impl FnMut(u64, usize, &Columns) -> Result<()>,
    ) -> Result<()> {
        let block = block.max(1);
        // The paths `first..first + held`, decoded and not yet handed over.
        let mut pending = Columns::new(&self.layout, 0);
        let (mut first, mut held) = (self.range.start, 0usize);
        for p in &self.parts {
            let file = p.open()?;
            for (j, w) in pending.words.iter_mut().enumerate() {
                w.reserve_exact(p.len());
                p.words(&file, j, w)?;
            }
            for (j, s) in pending.series.iter_mut().enumerate() {
                s.reserve_exact(p.len());
                p.series(&file, j, s)?;
            }
            held += p.len();
            loop {
                let boundary = (first / block + 1).saturating_mul(block);
                let take = (boundary - first) as usize;
                if held < take {
                    break;
                }
                f(first, take, &pending)?;
                pending.words.iter_mut().for_each(|w| drop(w.drain(..take)));
                pending
                    .series
                    .iter_mut()
                    .for_each(|s| drop(s.drain(..take)));
                first = boundary;
                held -= take;
            }
        }
        if held > 0 {
            f(first, held, &pending)?;
        }
        Ok(())
    }

    /// Every path's result in order, handed over in blocks of `block` paths aligned to multiples
    /// of `block` (see [`StoredPaths::for_each_column_block`]).
    pub fn for_each_block(
        &self,
        block: u64,
        mut f: impl FnMut(&[PathResult]) -> Result<()>,
    ) -> Result<()> {
        let layout = self.layout;
        self.for_each_column_block(block, |first, n, cols| {
            f(&path_results(&layout, first, n, cols))
        })
    }

    /// All paths' results in memory (small runs and tests only).
    pub fn load_all(&self) -> Result<Vec<PathResult>> {
        let mut all = Vec::with_capacity(self.len() as usize);
        self.for_each_block(u64::MAX, |b| {
            all.extend_from_slice(b);
            Ok(())
        })?;
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored paths `start..` in parts of the given lengths, in memory: word `j` of path `p`
    /// is `1000 p + j`, series value `j` is `p + j / 10`.
    fn parts(layout: Layout, start: u64, lengths: &[u64]) -> StoredPaths {
        let mut parts = Vec::new();
        let mut first = start;
        for &n in lengths {
            let range = first..first + n;
            let mut cols = Columns::new(&layout, n as usize);
            for (j, w) in cols.words.iter_mut().enumerate() {
                w.extend(range.clone().map(|p| 1000 * p as i64 + j as i64));
            }
            for (j, s) in cols.series.iter_mut().enumerate() {
                s.extend(range.clone().map(|p| p as f32 + j as f32 / 10.0));
            }
            parts.push(Part::Memory(range, cols));
            first += n;
        }
        StoredPaths {
            layout,
            parts,
            range: start..first,
        }
    }

    /// Blocks of paths are aligned to multiples of the block size whatever the chunks (longer,
    /// shorter, straddling a boundary, a shard that starts mid-block), and each block's columns
    /// start with its own paths' values.
    #[test]
    fn column_blocks_are_aligned_whatever_the_chunks() {
        let layout = Layout {
            products: 1,
            segments: 1,
            frames: 1,
            days: 3,
        };
        let cases: [(u64, &[u64], u64); 5] = [
            (0, &[100, 150, 10, 140], 64),
            (0, &[100, 150, 10, 140], 50),
            (0, &[100, 150, 10, 140], 1000),
            (130, &[20, 250], 64),
            (0, &[64, 64, 64], 64),
        ];
        for (start, lengths, block) in cases {
            let stored = parts(layout, start, lengths);
            let mut seen = Vec::new();
            stored
                .for_each_column_block(block, |first, n, cols| {
                    for (j, w) in cols.words.iter().enumerate() {
                        let want: Vec<i64> = (first..first + n as u64)
                            .map(|p| 1000 * p as i64 + j as i64)
                            .collect();
                        assert_eq!(w[..n], want[..], "word {j} of block {first}");
                    }
                    for (j, s) in cols.series.iter().enumerate() {
                        let want: Vec<f32> = (first..first + n as u64)
                            .map(|p| p as f32 + j as f32 / 10.0)
                            .collect();
                        assert_eq!(s[..n], want[..], "series {j} of block {first}");
                    }
                    seen.push((first, n as u64));
                    Ok(())
                })
                .unwrap();
            let end = stored.range().end;
            let mut want = Vec::new();
            let mut p = start;
            while p < end {
                let next = ((p / block + 1) * block).min(end);
                want.push((p, next - p));
                p = next;
            }
            assert_eq!(seen, want, "chunks {lengths:?}, block {block}");
        }
    }
}
