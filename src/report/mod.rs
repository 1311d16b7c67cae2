//! Results on disk: `manifest.json`, `paths.parquet`, `summary.parquet` and `summary.csv`,
//! each written under a temporary name and renamed, so a killed run never leaves a file that
//! looks whole but is not. The manifest is also stored in every parquet file's key-value
//! metadata under `protectsim.manifest`. `report.html` ([`html`]) is built from those files.

pub mod charts;
pub mod dependence;
mod encoding;
pub mod ep;
pub mod fan_chart;
pub mod frames;
mod headline;
pub mod html;
pub mod parameter_risk;
pub mod path_tables;
pub mod pricing;
pub mod terminal;

pub use crate::atomic::{write_atomic, write_atomic_unsynced};
pub use crate::manifest::{Manifest, Shard};

use crate::engine::Model;
use crate::frame::DailyBand;
use crate::store::StoredPaths;
use crate::summary::MetricRow;
use anyhow::{Context, Result};
use polars::prelude::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Key of the manifest in parquet key-value metadata.
pub const MANIFEST_KEY: &str = "protectsim.manifest";

/// Most row groups a per-path parquet file is cut into, whatever the number of paths: the
/// writer holds each row group's metadata (its pages' headers and statistics, about 2 kB a
/// column) until it closes the file, which at 10^7 paths in blocks of 8,192 was 75 MB a file.
/// Past `blocks × MAX_ROW_GROUPS` rows, consecutive blocks are written as one row group; at
/// 10^7 paths a row group of `paths.parquet` then holds about 20,000 rows.
const MAX_ROW_GROUPS: u64 = 512;

/// A parquet file written row group by row group (one per block of paths, or per run of
/// consecutive blocks: see [`MAX_ROW_GROUPS`]), under a temporary name until
/// [`ParquetSink::finish`] flushes and renames it.
struct ParquetSink {
    tmp: PathBuf,
    target: PathBuf,
    writer: polars::io::parquet::write::BatchedWriter<Shared>,
    /// The file behind `writer`, to flush and sync once the writer has written its footer.
    file: Shared,
    /// The paths of the whole file, for the size of its row groups.
    paths: u64,
    /// Rows a row group holds at least, set by the first block (0: not yet).
    group_rows: usize,
    /// Blocks written to the sink and not yet to the file.
    pending: Option<DataFrame>,
    /// The file's parquet columns and write options, for [`encoding::row_group`].
    fields: Vec<polars_parquet::write::ParquetType>,
    options: polars_parquet::write::WriteOptions,
}

impl ParquetSink {
    fn new(dir: &Path, name: &str, schema: &Schema, manifest: &Manifest) -> Result<ParquetSink> {
        Self::with_paths(dir, name, schema, manifest, 0)
    }

    /// A sink for a file of `paths` paths' rows, whose row groups grow past one block each
    /// when there would otherwise be more than [`MAX_ROW_GROUPS`].
    fn with_paths(
        dir: &Path,
        name: &str,
        schema: &Schema,
        manifest: &Manifest,
        paths: u64,
    ) -> Result<ParquetSink> {
        let target = dir.join(name);
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let file = Shared(std::sync::Arc::new(std::sync::Mutex::new(
            BufWriter::with_capacity(
                crate::atomic::BUFFER,
                File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
            ),
        )));
        let meta =
            KeyValueMetadata::from_static(vec![(MANIFEST_KEY.to_string(), manifest.to_json()?)]);
        // Snappy: the per-path files are large and read once by a dataframe library; zstd's
        // better ratio cost 15 % of a run's instructions (callgrind, compound peer model).
        let compression = ParquetCompression::Snappy;
        let writer = ParquetWriter::new(file.clone())
            .with_compression(compression)
            .with_key_value_metadata(Some(meta))
            .batched(schema)?;
        let fields = schema
            .to_arrow(CompatLevel::newest())
            .iter_values()
            .map(polars_parquet::write::to_parquet_type)
            .collect::<PolarsResult<_>>()?;
        let options = polars_parquet::write::WriteOptions {
            statistics: Default::default(),
            version: polars_parquet::write::Version::V1,
            compression: compression.into(),
            data_page_size: None,
        };
        Ok(ParquetSink {
            tmp,
            target,
            writer,
            file,
            paths,
            group_rows: 0,
            pending: None,
            fields,
            options,
        })
    }

    /// Writes a block of rows (of `block_paths` paths, for a sink with paths), as a row group
    /// or, past [`MAX_ROW_GROUPS`], as part of one.
    fn write_block(&mut self, df: &DataFrame, block_paths: usize) -> Result<()> {
        if self.group_rows == 0 && block_paths > 0 {
            let rows_per_path = df.height() as u64 / block_paths as u64;
            self.group_rows = (rows_per_path * self.paths).div_ceil(MAX_ROW_GROUPS) as usize;
        }
        match &mut self.pending {
            Some(p) => {
                p.vstack_mut(df)?;
            }
            None => self.pending = Some(df.clone()),
        }
        if self.pending.as_ref().map_or(0, DataFrame::height) >= self.group_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn write(&mut self, df: &DataFrame) -> Result<()> {
        self.write_block(df, 0)
    }

    /// Writes the pending blocks as one row group.
    fn flush(&mut self) -> Result<()> {
        if let Some(mut df) = self.pending.take()
            && df.height() > 0
        {
            // The pending blocks, one chunk per column, become one row group.
            df.rechunk_mut();
            let pages = encoding::row_group(&df, &self.fields, self.options)?;
            self.writer.write_row_group(df.height() as u64, &pages)?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.flush()?;
        self.writer.finish()?;
        {
            let mut file = self.file.lock()?;
            file.flush()
                .and_then(|()| file.get_ref().sync_all())
                .with_context(|| format!("cannot flush {}", self.tmp.display()))?;
        }
        std::fs::rename(&self.tmp, &self.target).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.tmp.display(),
                self.target.display()
            )
        })
    }
}

/// A buffered file the parquet writer writes into (it issues a write per page header and per
/// page: unbuffered, a system call each, about 200,000 for the per-path files of 2·10^5
/// paths), shared so that the sink can flush and sync it after the writer's footer.
#[derive(Clone)]
struct Shared(std::sync::Arc<std::sync::Mutex<BufWriter<File>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lock()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.lock()?.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.lock()?.flush()
    }
}

impl Shared {
    fn lock(&self) -> std::io::Result<std::sync::MutexGuard<'_, BufWriter<File>>> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("a parquet writer panicked"))
    }
}

/// Paths per row group of the per-path parquet files: about 32k rows, at most about 16 MB of
/// stored words and 4 MB of frame series (a frame company's daily series is 1.5 kB a path), a multiple of the batch size,
/// aligned to multiples of itself from path 0, so that a run, a resumed run and merged shards
/// write the same row groups.
fn block_paths(model: &Model) -> u64 {
    let lines = model
        .products()
        .len()
        .max(model.segments().len())
        .max(model.frames().len())
        .max(1) as u64;
    // Fewer, larger row groups keep the files' metadata (which the writer holds until it
    // closes them) small at 10^7 paths; the frame series bound a block's memory.
    let layout = crate::store::Layout::of(model);
    let by_words = (16 << 20) / (8 * layout.words()).max(1) as u64;
    let by_series = (4 << 20) / (4 * layout.series()).max(1) as u64;
    let b = crate::engine::BATCH_PATHS;
    ((32_768 / lines).min(by_words).min(by_series) / b).max(1) * b
}

fn nullable(x: f64) -> Option<f64> {
    if x.is_finite() { Some(x) } else { None }
}

/// One row per (product, metric): the summary statistics over paths.
pub fn summary_frame(rows: &[MetricRow]) -> PolarsResult<DataFrame> {
    let s = |name: &str, f: &dyn Fn(&MetricRow) -> String| {
        Column::new(name.into(), rows.iter().map(f).collect::<Vec<String>>())
    };
    let x = |name: &str, f: &dyn Fn(&MetricRow) -> f64| {
        Column::new(
            name.into(),
            rows.iter()
                .map(|r| nullable(f(r)))
                .collect::<Vec<Option<f64>>>(),
        )
    };
    let cols = vec![
        s("product", &|r| r.product.clone()),
        s("kind", &|r| r.kind.to_string()),
        Column::new(
            "company".into(),
            rows.iter()
                .map(|r| r.company.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        Column::new(
            "segment".into(),
            rows.iter()
                .map(|r| r.segment.clone())
                .collect::<Vec<Option<String>>>(),
        ),
        s("metric", &|r| r.metric.clone()),
        s("unit", &|r| r.unit.to_string()),
        Column::new(
            "n".into(),
            rows.iter().map(|r| r.summary.n).collect::<Vec<u64>>(),
        ),
        x("mean", &|r| r.summary.mean),
        x("sd", &|r| r.summary.sd),
        x("se", &|r| r.summary.se),
        x("p50", &|r| r.summary.p50),
        x("p75", &|r| r.summary.p75),
        x("p90", &|r| r.summary.p90),
        x("p95", &|r| r.summary.p95),
        x("p99", &|r| r.summary.p99),
        x("p99_5", &|r| r.summary.p99_5),
        x("tvar_99", &|r| r.summary.tvar_99),
        x("analytic", &|r| r.analytic.unwrap_or(f64::NAN)),
    ];
    DataFrame::new(rows.len(), cols)
}

/// Writes a frame as parquet (zstd) with the manifest in its metadata.
pub fn write_parquet(
    dir: &Path,
    name: &str,
    df: &mut DataFrame,
    manifest: &Manifest,
) -> Result<PathBuf> {
    let meta = KeyValueMetadata::from_static(vec![(MANIFEST_KEY.to_string(), manifest.to_json()?)]);
    write_atomic(dir, name, |file| {
        ParquetWriter::new(file)
            .with_key_value_metadata(Some(meta))
            .finish(df)?;
        Ok(())
    })
}

/// Writes a frame as CSV with a header row.
pub fn write_csv(dir: &Path, name: &str, df: &mut DataFrame) -> Result<PathBuf> {
    write_atomic(dir, name, |file| {
        CsvWriter::new(file).include_header(true).finish(df)?;
        Ok(())
    })
}

/// What a run's statistics are: the summary's rows, the parameter-risk splits, and the daily
/// bands of the guarantee frames (for the `frame` command).
pub struct Outputs {
    pub rows: Vec<MetricRow>,
    pub splits: Vec<crate::parameter_risk::Split>,
    pub bands: Vec<DailyBand>,
}

/// Summarises the stored paths and writes every output file of a run into `dir` (created if
/// needed); the manifest last, so a folder with a manifest is complete. The per-path files
/// are written block by block from the stored paths while the summary reads its columns,
/// side by side on the current rayon pool (one after the other on one thread, or when the
/// summary's columns are large); frame files and fan charts only when the scenario has
/// guarantee frames.
pub fn write_run(
    dir: &Path,
    manifest: &mut Manifest,
    model: &Model,
    paths: &StoredPaths,
) -> Result<Outputs> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output folder {}", dir.display()))?;
    let seed = manifest.seed;
    let summarise = || crate::parameter_risk::summarise(model, seed, paths);
    // Side by side while a piece of the summary takes at most half its memory budget (10^6
    // paths: 16 MB); at 10^7 paths its 160 MB go before the files' row groups come.
    let side_by_side =
        crate::summary::piece_bytes(model, paths.len()) <= crate::summary::COLUMN_BUDGET / 2;
    let (summary, files) = if side_by_side {
        rayon::join(summarise, || write_path_files(dir, manifest, model, paths))
    } else {
        (summarise(), write_path_files(dir, manifest, model, paths))
    };
    files?;
    let (rows, splits) = summary?;
    let bands = write_statistics(dir, manifest, model, paths, (&rows, &splits))?;
    Ok(Outputs {
        rows,
        splits,
        bands,
    })
}

/// Writes the per-path files (`paths.parquet`, `segment_paths.parquet` where the model has
/// segments, `frame_paths.parquet` where it has frames) block by block from the stored paths,
/// the files of a block side by side.
fn write_path_files(
    dir: &Path,
    manifest: &mut Manifest,
    model: &Model,
    paths: &StoredPaths,
) -> Result<()> {
    manifest.files = vec![
        "paths.parquet".into(),
        "summary.parquet".into(),
        "summary.csv".into(),
    ];
    for extra in ["scenario.toml", "batches"] {
        if dir.join(extra).exists() {
            manifest.files.push(extra.into());
        }
    }
    let has_segments = !model.segments().is_empty();
    let has_frames = !model.frames().is_empty();
    if has_segments {
        manifest.files.push("segment_paths.parquet".into());
    }
    let table_paths = path_tables::PathTable::products(model);
    let table_segments = path_tables::PathTable::segments(model);
    let empty = crate::store::Columns::new(&crate::store::Layout::of(model), 0);
    let mut sink_paths = ParquetSink::with_paths(
        dir,
        "paths.parquet",
        table_paths.frame(0, 0, &empty)?.schema(),
        manifest,
        paths.len(),
    )?;
    let mut sink_segments = match &table_segments {
        Some(t) => Some(ParquetSink::with_paths(
            dir,
            "segment_paths.parquet",
            t.frame(0, 0, &empty)?.schema(),
            manifest,
            paths.len(),
        )?),
        None => None,
    };
    let mut sink_frames = if has_frames {
        let schema = frames::paths_frame(model, &[])?.schema().clone();
        Some(ParquetSink::with_paths(
            dir,
            "frame_paths.parquet",
            &schema,
            manifest,
            paths.len(),
        )?)
    } else {
        None
    };
    let layout = *paths.layout();
    paths.for_each_column_block(block_paths(model), |first, n, cols| {
        let products = || sink_paths.write_block(&table_paths.frame(first, n, cols)?, n);
        let segments = || match (sink_segments.as_mut(), &table_segments) {
            (Some(sink), Some(table)) => sink.write_block(&table.frame(first, n, cols)?, n),
            _ => Ok(()),
        };
        let companies = || match sink_frames.as_mut() {
            Some(sink) => {
                let results = crate::store::path_results(&layout, first, n, cols);
                sink.write_block(&frames::paths_frame(model, &results)?, n)
            }
            None => Ok(()),
        };
        let (a, (b, c)) = rayon::join(products, || rayon::join(segments, companies));
        a.and(b).and(c)
    })?;
    sink_paths.finish()?;
    if let Some(sink) = sink_segments {
        sink.finish()?;
    }
    if let Some(sink) = sink_frames {
        sink.finish()?;
    }
    Ok(())
}

/// Writes the summary, the exceedance curves, the dependence and parameter-risk tables, the
/// frames' raises, daily bands and fan charts, then the manifest; returns the bands.
fn write_statistics(
    dir: &Path,
    manifest: &mut Manifest,
    model: &Model,
    paths: &StoredPaths,
    (rows, splits): (&[MetricRow], &[crate::parameter_risk::Split]),
) -> Result<Vec<DailyBand>> {
    let mut summary = summary_frame(rows)?;
    write_parquet(dir, "summary.parquet", &mut summary, manifest)?;
    write_csv(dir, "summary.csv", &mut summary)?;
    let mut exceedance = ep::frame(&ep::curves(model, paths)?)?;
    write_parquet(dir, "ep.parquet", &mut exceedance, manifest)?;
    write_csv(dir, "ep.csv", &mut exceedance)?;
    manifest
        .files
        .extend(["ep.parquet".into(), "ep.csv".into()]);
    if model.products().len() > 1 {
        let mut pairs = dependence::frame(&dependence::pairs(model, paths)?)?;
        write_parquet(dir, "dependence.parquet", &mut pairs, manifest)?;
        write_csv(dir, "dependence.csv", &mut pairs)?;
        manifest
            .files
            .extend(["dependence.parquet".into(), "dependence.csv".into()]);
    }
    if !splits.is_empty() {
        let mut df = parameter_risk::frame(splits)?;
        write_parquet(dir, "parameter_risk.parquet", &mut df, manifest)?;
        write_csv(dir, "parameter_risk.csv", &mut df)?;
        manifest
            .files
            .extend(["parameter_risk.parquet".into(), "parameter_risk.csv".into()]);
    }
    // Raises replayed with the bands, written a batch of rows at a time.
    let raising = model.frames().iter().any(|f| f.raise.is_some());
    let mut sink_raises = if raising {
        let schema = frames::raises_frame(model, &[])?.schema().clone();
        Some(ParquetSink::new(
            dir,
            "frame_raises.parquet",
            &schema,
            manifest,
        )?)
    } else {
        None
    };
    let mut pending: Vec<frames::RaiseRow> = Vec::new();
    let bands = frames::bands(model, paths, manifest.seed, |row| {
        pending.push(row);
        if let Some(sink) = sink_raises.as_mut()
            && pending.len() >= RAISE_ROWS
        {
            sink.write(&frames::raises_frame(model, &pending)?)?;
            pending.clear();
        }
        Ok(())
    })?;
    if let Some(mut sink) = sink_raises {
        sink.write(&frames::raises_frame(model, &pending)?)?;
        sink.finish()?;
        manifest.files.push("frame_raises.parquet".into());
    }
    if !model.frames().is_empty() {
        let mut daily = frames::daily_frame(model, &bands)?;
        write_parquet(dir, "frame_daily.parquet", &mut daily, manifest)?;
        manifest
            .files
            .extend(["frame_daily.parquet".into(), "frame_paths.parquet".into()]);
        manifest
            .files
            .extend(frames::write_fan_charts(dir, model, &bands)?);
    }
    write_manifest(dir, manifest)?;
    Ok(bands)
}

/// Rows of `frame_raises.parquet` held before they are written as one row group.
const RAISE_ROWS: usize = 65_536;

/// Writes `manifest.json` (atomically). Written last: a folder with a manifest is complete.
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<PathBuf> {
    let json = manifest.to_json()?;
    write_atomic(dir, "manifest.json", |f| Ok(f.write_all(json.as_bytes())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Shard;

    fn manifest() -> Manifest {
        Manifest {
            tool: "protectsim".into(),
            version: "test".into(),
            commit: "test".into(),
            schema: crate::store::SCHEMA_VERSION,
            scenario: "test".into(),
            scenario_file: "test.toml".into(),
            scenario_hash: String::new(),
            seed: 1,
            paths: 0,
            shard: Shard {
                index: 1,
                count: 1,
                first_path: 0,
                end_path: 0,
            },
            threads: 1,
            batch_paths: 1,
            rng: String::new(),
            horizon_start: String::new(),
            horizon_days: 1,
            started_at: String::new(),
            wall_time_s: 0.0,
            files: Vec::new(),
        }
    }

    /// Writes `paths` one-path blocks of two rows each through a sink of `paths` paths;
    /// returns the file's row groups and its `path` column.
    fn write_blocks(dir: &Path, paths: u64) -> (usize, Vec<i64>) {
        let block = |p: i64| df!("path" => [p, p], "line" => ["a", "b"]).unwrap();
        let mut sink =
            ParquetSink::with_paths(dir, "t.parquet", block(0).schema(), &manifest(), paths)
                .unwrap();
        for p in 0..paths as i64 {
            sink.write_block(&block(p), 1).unwrap();
        }
        sink.finish().unwrap();
        let mut reader = polars::io::parquet::read::ParquetReader::new(
            File::open(dir.join("t.parquet")).unwrap(),
        );
        let groups = reader.get_metadata().unwrap().row_groups.len();
        let df = reader.finish().unwrap();
        let path = df.column("path").unwrap().i64().unwrap();
        (groups, path.into_no_null_iter().collect())
    }

    /// Regression (the parquet writer held every row group's metadata until the file closed,
    /// 75 MB a file at 10^7 paths): past `MAX_ROW_GROUPS` blocks, consecutive blocks share a
    /// row group, in order and whole; below it, each block is its own row group as before.
    #[test]
    fn per_path_files_keep_at_most_max_row_groups_in_path_order() {
        let dir = std::env::temp_dir().join(format!("protectsim-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (groups, path) = write_blocks(&dir, 2_000);
        assert_eq!(
            groups, 500,
            "4 blocks a row group: ceil(2 × 2000 / 512) = 8 rows"
        );
        let want: Vec<i64> = (0..2_000).flat_map(|p| [p, p]).collect();
        assert_eq!(path, want);
        let (groups, path) = write_blocks(&dir, 300);
        assert_eq!(groups, 300);
        assert_eq!(path.len(), 600);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The dictionaries a scan finds (a constant float, two zeros told apart by their sign,
    /// texts repeating with the lines, the same text stored on every row) are written as
    /// dictionaries and read back as the frame written; a column of many values, one with
    /// nulls and a count column, which polars encodes, read back the same too.
    #[test]
    fn scanned_dictionaries_read_back_as_written() {
        let n = 1_000;
        let names = StringChunked::from_iter_values(
            "segment".into(),
            ["standard/flat/domestic", "standard/flat/international"].into_iter(),
        );
        let lines = IdxCa::from_vec("".into(), (0..n).map(|r| (r % 2) as IdxSize).collect());
        let text = |r: usize| match r % 3 {
            0 => "a long text, stored on its row",
            _ => "another long text, on its row",
        };
        let df = DataFrame::new(
            n,
            vec![
                names.take(&lines).unwrap().into_column(),
                Column::new("stored".into(), (0..n).map(text).collect::<Vec<_>>()),
                Column::new("constant".into(), vec![2.5f64; n]),
                Column::new(
                    "zeros".into(),
                    (0..n)
                        .map(|r| if r % 2 == 0 { 0.0 } else { -0.0 })
                        .collect::<Vec<f64>>(),
                ),
                Column::new(
                    "many".into(),
                    (0..n).map(|r| r as f64 / 7.0).collect::<Vec<f64>>(),
                ),
                Column::new(
                    "nulls".into(),
                    (0..n)
                        .map(|r| (r % 5 != 0).then_some(1.0))
                        .collect::<Vec<Option<f64>>>(),
                ),
                Column::new(
                    "count".into(),
                    (0..n).map(|r| (r % 4) as u64).collect::<Vec<u64>>(),
                ),
            ],
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("protectsim-dict-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut sink = ParquetSink::new(&dir, "t.parquet", df.schema(), &manifest()).unwrap();
        sink.write(&df).unwrap();
        sink.finish().unwrap();
        let mut reader = polars::io::parquet::read::ParquetReader::new(
            File::open(dir.join("t.parquet")).unwrap(),
        );
        let meta = reader.get_metadata().unwrap().clone();
        let back = reader.finish().unwrap();
        assert!(back.equals_missing(&df), "{back}");
        let bits = |d: &DataFrame| -> Vec<u64> {
            let zeros = d.column("zeros").unwrap().f64().unwrap();
            zeros.into_no_null_iter().map(f64::to_bits).collect()
        };
        assert_eq!(bits(&back), bits(&df));
        for name in ["segment", "stored", "constant", "zeros"] {
            let chunk = meta.row_groups[0]
                .columns_under_root_iter(name)
                .unwrap()
                .next()
                .unwrap();
            assert!(chunk.dictionary_page_offset().is_some(), "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
