//! One chunk file: the results of a contiguous range of paths, column by column.
//!
//! ```text
//! "PSIMCHK2"            magic (8 bytes)
//! u32 LE                header length h
//! h bytes               postcard header: run key, path range, layout, block offsets
//! blocks                one block per column: words, then series (see below)
//! u32 LE                CRC-32 of every byte before it
//! ```
//!
//! Column-major, so that a statistic reads only the columns it needs. A word block is either
//! `0x00` and one zigzag LEB128 value (every path has that value: an unused peril slot, a
//! segment with no claims), or `0x01` and one zigzag LEB128 value per path: most words are
//! counts and cents that fit in one to three bytes. A series block is `f32` LE per path. The
//! encoding was chosen over zstd, which the first version used: zstd level 1 cost 15 % of a
//! run's instructions to write and 23 % to read back (callgrind, compound Poisson peer model at
//! 20,000 paths), and LEB128 is within a few bytes per path of it on these columns. The
//! checksum covers the whole file: any flipped bit, a truncated write or a file of another
//! program is refused with the file's name.

use super::RunKey;
use super::layout::Layout;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"PSIMCHK3";

/// Appends `x` as zigzag LEB128.
fn put_varint(out: &mut Vec<u8>, x: i64) {
    let mut z = ((x << 1) ^ (x >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Reads one zigzag LEB128 value at `*at`; `None` past the end or on an overlong value.
fn get_varint(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let mut z = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        z |= ((b & 0x7F) as u64) << shift;
        if b < 0x80 {
            return Some(((z >> 1) as i64) ^ -((z & 1) as i64));
        }
    }
    None
}

/// One word column as a block, from its consecutive parts (one per batch of paths).
fn encode_words<'a>(parts: impl Iterator<Item = &'a [i64]> + Clone, out: &mut Vec<u8>) {
    let first = parts.clone().find_map(|w| w.first().copied());
    match first {
        Some(x) if parts.clone().all(|w| w.iter().all(|&y| y == x)) => {
            out.push(0);
            put_varint(out, x);
        }
        _ => {
            out.push(1);
            for &x in parts.flatten() {
                put_varint(out, x);
            }
        }
    }
}

/// Decodes a word block of `n` values; `None` if it is malformed.
fn decode_words(block: &[u8], n: usize, out: &mut Vec<i64>) -> Option<()> {
    let mut at = 1;
    match block.first()? {
        0 => {
            let x = get_varint(block, &mut at)?;
            out.extend(std::iter::repeat_n(x, n));
        }
        1 => {
            out.reserve(n);
            for _ in 0..n {
                out.push(get_varint(block, &mut at)?);
            }
        }
        _ => return None,
    }
    (at == block.len()).then_some(())
}

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
    /// A batch's paths as they are simulated, a row each ([`super::ColumnSink`]); empty
    /// elsewhere.
    pub(super) rows: Rows,
}

/// Paths as rows: path `i`'s words at `words[i * w..(i + 1) * w]` for the layout's `w` words,
/// its series values likewise.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    pub(super) words: Vec<i64>,
    pub(super) series: Vec<f32>,
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
            rows: Rows::default(),
        }
    }
}

/// File name of the chunk of paths `range` (sorts in path order).
pub fn file_name(range: &Range<u64>) -> String {
    format!("chunk-{:012}-{:012}.bin", range.start, range.end)
}

/// Encodes the chunk file of the paths `range`, whose columns are the consecutive `parts`
/// (the batches of the range, in path order), into `bytes`, with `body` as room for the
/// blocks. Both keep their capacity from chunk to chunk, so that storing a chunk allocates
/// nothing: fresh buffers of a few hundred kB per chunk sent the allocator's pages back to the
/// kernel and faulted them in again. The parts are read where they are: copying them into one
/// set of columns first was 3 % of a compound peer run.
pub fn encode_into(
    key: &RunKey,
    range: &Range<u64>,
    layout: &Layout,
    parts: &[Columns],
    body: &mut Vec<u8>,
    bytes: &mut Vec<u8>,
) -> Result<()> {
    body.clear();
    let mut offsets = Vec::with_capacity(layout.words() + layout.series() + 1);
    for j in 0..layout.words() {
        offsets.push(body.len() as u64);
        encode_words(parts.iter().map(|c| c.words[j].as_slice()), body);
    }
    for j in 0..layout.series() {
        offsets.push(body.len() as u64);
        for c in parts {
            body.extend(c.series[j].iter().flat_map(|x| x.to_le_bytes()));
        }
    }
    offsets.push(body.len() as u64);
    let header = postcard::to_stdvec(&Header {
        key: key.clone(),
        first: range.start,
        end: range.end,
        layout: *layout,
        offsets,
    })?;
    bytes.clear();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(body);
    let crc = crc32fast::hash(bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    Ok(())
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
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
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

    fn block(&self, file: &File, column: usize) -> Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let (start, end) = (self.offsets[column], self.offsets[column + 1]);
        let mut block = vec![0u8; (end - start) as usize];
        file.read_exact_at(&mut block, start)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        Ok(block)
    }

    /// Per word column, its value if this chunk stores it as a constant block: the file read
    /// once, only its word blocks decoded, and those stored path by path only for their tag.
    pub fn constant_words(&self) -> Result<Vec<Option<i64>>> {
        use std::os::unix::fs::FileExt;
        let words = self.layout.words();
        let (start, end) = (self.offsets[0], self.offsets[words]);
        let file = File::open(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        let mut bytes = vec![0u8; (end - start) as usize];
        file.read_exact_at(&mut bytes, start)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        (0..words)
            .map(|j| {
                let block = &bytes
                    [(self.offsets[j] - start) as usize..(self.offsets[j + 1] - start) as usize];
                match block.first() {
                    Some(0) => {
                        let mut at = 1;
                        match get_varint(block, &mut at) {
                            Some(x) if at == block.len() => Ok(Some(x)),
                            _ => bail!("{} is corrupt (column {j})", self.path.display()),
                        }
                    }
                    _ => Ok(None),
                }
            })
            .collect()
    }

    /// Word column `j` of this chunk's paths, appended to `out`.
    pub fn read_words(&self, file: &File, j: usize, out: &mut Vec<i64>) -> Result<()> {
        let block = self.block(file, j)?;
        decode_words(&block, self.len(), out)
            .with_context(|| format!("{} is corrupt (column {j})", self.path.display()))
    }

    /// Series column `j` of this chunk's paths, appended to `out`.
    pub fn read_series(&self, file: &File, j: usize, out: &mut Vec<f32>) -> Result<()> {
        let raw = self.block(file, self.layout.words() + j)?;
        if raw.len() != 4 * self.len() {
            bail!("{} is corrupt (series {j} length)", self.path.display());
        }
        out.extend(
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_blocks_round_trip_constant_and_varying_columns() {
        let columns: [&[i64]; 5] = [
            &[0; 64],
            &[7; 3],
            &[0, -1, 1, 127, 128, -129, 300_000, i64::MAX, i64::MIN],
            &[i64::MAX; 2],
            &[5],
        ];
        for w in columns {
            let mut b = Vec::new();
            encode_words(std::iter::once(w), &mut b);
            let mut back = Vec::new();
            decode_words(&b, w.len(), &mut back).expect("decodes");
            assert_eq!(back, w);
            // A truncated or extended block is refused, not misread.
            let mut short = Vec::new();
            assert!(b.len() < 2 || decode_words(&b[..b.len() - 1], w.len(), &mut short).is_none());
            let mut long = b.clone();
            long.push(0);
            assert!(decode_words(&long, w.len(), &mut Vec::new()).is_none());
        }
    }
}
