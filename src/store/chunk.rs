//! One chunk file: the results of a contiguous range of paths, column by column.
//!
//! ```text
//! "PSIMCHK2"            magic (8 bytes)
//! u32 LE                header length h
//! h bytes               postcard header: run key, path range, layout, block offsets
//! blocks                one zstd frame per column: words as i64 LE, then series as f32 LE
//! u32 LE                CRC-32 of every byte before it
//! ```
//!
//! Column-major, so that a statistic reads only the columns it needs; zstd, because most words
//! of most paths are small or zero (a segment without claims, an unused peril slot). The
//! checksum covers the whole file: any flipped bit, a truncated write or a file of another
//! program is refused with the file's name.

use super::RunKey;
use super::layout::Layout;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"PSIMCHK2";
/// zstd level: 1 is the fastest and already shrinks zero-heavy columns by orders of magnitude.
const LEVEL: i32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    key: RunKey,
    first: u64,
    end: u64,
    layout: Layout,
    /// Start of each column block relative to the first block, plus the end of the last.
    offsets: Vec<u64>,
}

/// The columns of a range of paths, in memory.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    pub words: Vec<Vec<i64>>,
    pub series: Vec<Vec<f32>>,
}

impl Columns {
    /// Empty columns for `layout`, with room for `paths` values each.
    pub fn new(layout: &Layout, paths: usize) -> Columns {
        Columns {
            words: (0..layout.words())
                .map(|_| Vec::with_capacity(paths))
                .collect(),
            series: (0..layout.series())
                .map(|_| Vec::with_capacity(paths))
                .collect(),
        }
    }
}

/// File name of the chunk of paths `range` (sorts in path order).
pub fn file_name(range: &Range<u64>) -> String {
    format!("chunk-{:012}-{:012}.bin", range.start, range.end)
}

/// Encodes a chunk: the file's bytes.
pub fn encode(key: &RunKey, range: &Range<u64>, layout: &Layout, cols: &Columns) -> Result<Vec<u8>> {
    let mut blocks: Vec<Vec<u8>> = Vec::with_capacity(cols.words.len() + cols.series.len());
    let mut raw = Vec::new();
    for w in &cols.words {
        raw.clear();
        raw.extend(w.iter().flat_map(|x| x.to_le_bytes()));
        blocks.push(zstd::bulk::compress(&raw, LEVEL)?);
    }
    for s in &cols.series {
        raw.clear();
        raw.extend(s.iter().flat_map(|x| x.to_le_bytes()));
        blocks.push(zstd::bulk::compress(&raw, LEVEL)?);
    }
    let mut offsets = Vec::with_capacity(blocks.len() + 1);
    let mut at = 0u64;
    for b in &blocks {
        offsets.push(at);
        at += b.len() as u64;
    }
    offsets.push(at);
    let header = postcard::to_stdvec(&Header {
        key: key.clone(),
        first: range.start,
        end: range.end,
        layout: *layout,
        offsets,
    })?;
    let mut bytes = Vec::with_capacity(16 + header.len() + at as usize);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&header);
    for b in &blocks {
        bytes.extend_from_slice(b);
    }
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    Ok(bytes)
}

/// A verified chunk file: where its columns are.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub path: PathBuf,
    pub range: Range<u64>,
    pub key: RunKey,
    pub layout: Layout,
    /// Absolute file offsets of the column blocks, plus the end of the last.
    offsets: Vec<u64>,
}

impl Chunk {
    /// Reads and verifies `path` (checksum, magic, consistent header).
    pub fn open(path: &Path) -> Result<Chunk> {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Chunk::parse(path, &bytes)
    }

    /// Verifies the bytes of the chunk file `path`.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Chunk> {
        let corrupt = |why: &str| {
            anyhow::anyhow!(
                "{} is corrupt ({why}): delete it and run again with --resume to simulate its paths again",
                path.display()
            )
        };
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(corrupt("not a protectsim chunk of this version"));
        }
        let (body, tail) = bytes.split_at(bytes.len() - 4);
        let stored = u32::from_le_bytes(tail.try_into().expect("4 bytes"));
        if crc32fast::hash(body) != stored {
            return Err(corrupt("checksum mismatch"));
        }
        let h = u32::from_le_bytes(body[8..12].try_into().expect("4 bytes")) as usize;
        let header: Header = body
            .get(12..12 + h)
            .and_then(|b| postcard::from_bytes(b).ok())
            .ok_or_else(|| corrupt("unreadable header"))?;
        let base = (12 + h) as u64;
        let columns = header.layout.words() + header.layout.series();
        if header.offsets.len() != columns + 1
            || base + header.offsets[columns] != body.len() as u64
            || header.first >= header.end
        {
            return Err(corrupt("inconsistent header"));
        }
        Ok(Chunk {
            path: path.to_path_buf(),
            range: header.first..header.end,
            key: header.key,
            layout: header.layout,
            offsets: header.offsets.iter().map(|o| base + o).collect(),
        })
    }

    pub fn len(&self) -> usize {
        (self.range.end - self.range.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn block(&self, file: &File, column: usize, width: usize) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let (start, end) = (self.offsets[column], self.offsets[column + 1]);
        let mut compressed = vec![0u8; (end - start) as usize];
        file.read_exact_at(&mut compressed, start)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        let raw = zstd::bulk::decompress(&compressed, self.len() * width)
            .with_context(|| format!("{} is corrupt (column {column})", self.path.display()))?;
        if raw.len() != self.len() * width {
            bail!("{} is corrupt (column {column} length)", self.path.display());
        }
        Ok(raw)
    }

    /// Word column `j` of this chunk's paths, appended to `out`.
    pub fn read_words(&self, file: &File, j: usize, out: &mut Vec<i64>) -> Result<()> {
        let raw = self.block(file, j, 8)?;
        out.extend(
            raw.chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes"))),
        );
        Ok(())
    }

    /// Series column `j` of this chunk's paths, appended to `out`.
    pub fn read_series(&self, file: &File, j: usize, out: &mut Vec<f32>) -> Result<()> {
        let raw = self.block(file, self.layout.words() + j, 4)?;
        out.extend(
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))),
        );
        Ok(())
    }
}
