//! How a row group of the per-path files is encoded: the dictionaries that a scan finds
//! cheaply, polars' own choice for the rest, every column encoded and compressed on the run's
//! threads.
//!
//! polars' writer chooses each column's encoding by trial: for a float or text column it
//! estimates the number of distinct values (a HyperLogLog over every value), and when that is
//! under three quarters of the rows it builds the dictionary by hashing every value. On the
//! per-path tables most columns are of a kind it cannot know is cheap:
//!
//! - constant columns (a peril the scenario leaves out, a recovery that never happens): the
//!   same bits on every row of the row group, which polars wrote plain, 8 bytes a row before
//!   compression;
//! - the names (`product`, `kind`, `segment`): a handful of texts repeating with the lines of
//!   a path, hashed row by row.
//!
//! For a float or text column without nulls, [`dictionary`] first scans the values for at most
//! [`SMALL`] distinct ones, comparing each to the previous value and then to the few found so
//! far; a column that has them is handed to polars' encoder as its dictionary and keys, found
//! at about a nanosecond a value. A column with more stops the scan at its first value past
//! the few, and goes to polars' trial as before. Integer columns always do: polars finds their
//! dictionary from their minimum and maximum, which is as cheap.
//!
//! What a reader sees does not change: the same column types, values and statistics. The files
//! are smaller: a constant float column takes 80 bytes a row group instead of about 12 kB
//! (`segment_paths.parquet` of the compound peer model at 10^6 paths: 102 MB instead of
//! 110 MB). On that model the trial and the row-by-row texts were about a tenth of a run
//! (perf: `estimate_cardinality`, `ValueMap::try_push_valid`, the string hashing).

use polars::prelude::*;
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, IntegerType};
use polars_parquet::write::{
    CompressedPage, Encoding, ParquetType, WriteOptions, array_to_columns, compress,
};
use rayon::prelude::*;

/// Most distinct values a scanned column may have to be written from its scan's dictionary.
pub const SMALL: usize = 8;

/// The pages of the row group of `df` (one chunk per column), compressed, column by column in
/// file order: each column encoded as its dictionary when a scan finds one, else as polars
/// chooses for its type; `fields` are the file's parquet columns, in order. The columns are
/// encoded and compressed in parallel on the current rayon pool (the run's `--threads`), the
/// pages written in order by the caller.
pub fn row_group(
    df: &DataFrame,
    fields: &[ParquetType],
    options: WriteOptions,
) -> PolarsResult<Vec<Vec<CompressedPage>>> {
    let columns: Vec<Vec<Vec<CompressedPage>>> = df
        .columns()
        .par_iter()
        .zip(fields)
        .map(|(column, field)| column_pages(column, field, options))
        .collect::<PolarsResult<_>>()?;
    Ok(columns.into_iter().flatten().collect())
}

/// The compressed pages of one column (of each of its parquet leaves: one for the flat
/// columns of these files).
fn column_pages(
    column: &Column,
    field: &ParquetType,
    options: WriteOptions,
) -> PolarsResult<Vec<Vec<CompressedPage>>> {
    // One chunk (the caller rechunks the row group: then this is a cheap clone).
    let array = column
        .as_materialized_series()
        .rechunk()
        .to_arrow(0, CompatLevel::newest());
    let leaves = match dictionary(array.as_ref()) {
        Some(dict) => array_to_columns(dict, field.clone(), options, &[Encoding::RleDictionary])?,
        None => {
            let encoding = polars_parquet::write::get_dtype_encoding(array.dtype());
            array_to_columns(array, field.clone(), options, &encoding)?
        }
    };
    leaves
        .into_iter()
        .map(|pages| {
            pages
                .map(|page| Ok(compress(page?, Vec::new(), options.compression)?))
                .collect()
        })
        .collect()
}

/// `array` as a dictionary of at most [`SMALL`] values and its keys, when it is a float or
/// text column without nulls that has that few; `None` otherwise.
pub fn dictionary(array: &dyn Array) -> Option<Box<dyn Array>> {
    if array.null_count() > 0 || array.is_empty() {
        return None;
    }
    match array.dtype() {
        ArrowDataType::Float64 => {
            let values = array
                .as_any()
                .downcast_ref::<PrimitiveArray<f64>>()?
                .values();
            let (keys, firsts) = scan(values.iter().map(|v| v.to_bits()), |_, _| false)?;
            let dict = PrimitiveArray::<f64>::from_vec(firsts.iter().map(|&i| values[i]).collect());
            dictionary_array(keys, dict.boxed())
        }
        ArrowDataType::Utf8View => {
            let text = array.as_any().downcast_ref::<Utf8ViewArray>()?;
            // Equal views are equal texts; equal texts at different places in the buffers have
            // different views, and are found equal by value.
            let (keys, firsts) = scan(text.views().iter().map(|v| v.as_u128()), |i, j| {
                text.value(i) == text.value(j)
            })?;
            let dict = Utf8ViewArray::from_slice_values(
                firsts.iter().map(|&i| text.value(i)).collect::<Vec<_>>(),
            );
            dictionary_array(keys, dict.boxed())
        }
        _ => None,
    }
}

/// The dictionary array of `keys` into `values`; `None` (the column then goes to polars' own
/// choice) if arrow refuses it, which keys found by [`scan`] never give it cause to.
fn dictionary_array(keys: Vec<u32>, values: Box<dyn Array>) -> Option<Box<dyn Array>> {
    let dtype =
        ArrowDataType::Dictionary(IntegerType::UInt32, Box::new(values.dtype().clone()), false);
    DictionaryArray::try_new(dtype, PrimitiveArray::from_vec(keys), values)
        .ok()
        .map(|array| array.boxed())
}

/// The keys of a column of `ids` into its distinct values, and the first row of each value;
/// `None` when it has more than [`SMALL`] of them. Rows with the same id have the same value;
/// rows with different ids have the same value when `same(row, other_row)` says so (never for
/// numbers, whose id is their bits).
fn scan<I: Copy + Eq>(
    ids: impl ExactSizeIterator<Item = I>,
    same: impl Fn(usize, usize) -> bool,
) -> Option<(Vec<u32>, Vec<usize>)> {
    let mut keys = Vec::with_capacity(ids.len());
    // Each id seen so far and its key; several ids may share a key.
    let mut seen: Vec<(I, u32)> = Vec::with_capacity(SMALL);
    let mut firsts: Vec<usize> = Vec::with_capacity(SMALL);
    let mut last: Option<(I, u32)> = None;
    for (row, id) in ids.enumerate() {
        let key = match last {
            Some((l, k)) if l == id => k,
            _ => {
                let k = match seen.iter().find(|(s, _)| *s == id) {
                    Some(&(_, k)) => k,
                    None => {
                        if seen.len() == 2 * SMALL {
                            return None;
                        }
                        let k = match firsts.iter().position(|&f| same(f, row)) {
                            Some(k) => k as u32,
                            None if firsts.len() == SMALL => return None,
                            None => {
                                firsts.push(row);
                                (firsts.len() - 1) as u32
                            }
                        };
                        seen.push((id, k));
                        k
                    }
                };
                last = Some((id, k));
                k
            }
        };
        keys.push(key);
    }
    Some((keys, firsts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_column_is_one_value() {
        let (keys, firsts) = scan([7u64, 7, 7].into_iter(), |_, _| false).unwrap();
        assert_eq!((keys, firsts), (vec![0, 0, 0], vec![0]));
    }

    #[test]
    fn repeating_names_are_keyed_in_first_seen_order() {
        let ids = [3u8, 1, 2, 3, 1, 2];
        let (keys, firsts) = scan(ids.into_iter(), |_, _| false).unwrap();
        assert_eq!((keys, firsts), (vec![0, 1, 2, 0, 1, 2], vec![0, 1, 2]));
    }

    #[test]
    fn equal_values_under_different_ids_share_a_key() {
        // Ids 10 and 20 are the same value (rows 0 and 1), 30 another.
        let value = [1, 1, 2];
        let ids = [10u8, 20, 30, 20];
        let (keys, firsts) = scan(ids.into_iter(), |i, j| value[i % 3] == value[j % 3]).unwrap();
        assert_eq!((keys, firsts), (vec![0, 0, 1, 0], vec![0, 2]));
    }

    #[test]
    fn more_than_a_few_values_is_no_dictionary() {
        assert!(scan(0..SMALL as u32, |_, _| false).is_some());
        assert!(scan(0..SMALL as u32 + 1, |_, _| false).is_none());
    }

    #[test]
    fn floats_are_told_apart_by_their_bits() {
        let a = PrimitiveArray::<f64>::from_vec(vec![0.0, -0.0, 0.0]);
        let d = dictionary(&a).unwrap();
        let d = d.as_any().downcast_ref::<DictionaryArray<u32>>().unwrap();
        assert_eq!(d.keys().values().as_slice(), &[0, 1, 0]);
        assert_eq!(d.values().len(), 2);
    }

    #[test]
    fn nulls_and_integers_go_to_polars() {
        let nulls = PrimitiveArray::<f64>::from(vec![Some(1.0), None]);
        assert!(dictionary(&nulls).is_none());
        let ints = PrimitiveArray::<u64>::from_vec(vec![1, 1]);
        assert!(dictionary(&ints).is_none());
    }
}
