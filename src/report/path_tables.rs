//! `paths.parquet` and `segment_paths.parquet`: one row per (path, product) and per (path,
//! product, segment), built block by block straight from the stored word columns.
//!
//! A block of `n` paths and `L` lines becomes `n × L` rows, path-major as the simulation runs.
//! Each row's totals are filled once from the line's words, field by field, and every column
//! is one tight map over those totals, by the same [`ProductTotals`] methods the summary uses.
//! Going through one [`PathResult`](crate::engine::PathResult) per path instead (a heap record
//! per path, a closure call per cell) cost nearly as much as polars' own encoding: on the
//! compound peer model at 10^6 paths it was 2.9 s of building against 3.7 s of writing.

use crate::engine::Model;
use crate::money::Cents;
use crate::products::{Product, ProductTotals};
use crate::store::{Columns, Layout, Line, LineField};
use polars::prelude::*;

/// One line of a table: a product's total, or one of its segments.
#[derive(Debug, Clone, Copy)]
struct TableLine {
    product: usize,
    stored: Line,
    /// Index into the table's segment names; `None` in `paths.parquet`.
    segment: Option<usize>,
}

/// The shape of one per-path table: its lines and the peril columns of their products.
pub struct PathTable<'a> {
    products: &'a [Product],
    layout: Layout,
    lines: Vec<TableLine>,
    segment_names: Option<Vec<&'a str>>,
    /// Union of the lines' peril names, in first-seen order; a line without one has nulls.
    perils: Vec<&'a str>,
    /// Whether some line's product has a first stage (mediation): the stage columns.
    staged: bool,
    /// Per line, its product's reinsurance treaty (product lines only); the treaty columns
    /// when some line has one.
    treaties: Vec<Option<crate::reinsurance::Treaty>>,
}

impl<'a> PathTable<'a> {
    /// `paths.parquet`: one line per product.
    pub fn products(model: &'a Model) -> PathTable<'a> {
        let lines = (0..model.products().len())
            .map(|pi| TableLine {
                product: pi,
                stored: Line::Product(pi),
                segment: None,
            })
            .collect();
        PathTable::new(model, lines, None)
    }

    /// `segment_paths.parquet`: one line per segment; `None` when no product has segments.
    pub fn segments(model: &'a Model) -> Option<PathTable<'a>> {
        let segments = model.segments();
        if segments.is_empty() {
            return None;
        }
        let lines = segments
            .iter()
            .enumerate()
            .map(|(s, seg)| TableLine {
                product: seg.product,
                stored: Line::Segment(s),
                segment: Some(s),
            })
            .collect();
        let names = segments.iter().map(|s| s.name.as_str()).collect();
        Some(PathTable::new(model, lines, Some(names)))
    }

    fn new(
        model: &'a Model,
        lines: Vec<TableLine>,
        segment_names: Option<Vec<&'a str>>,
    ) -> PathTable<'a> {
        let products = model.products();
        let mut perils: Vec<&str> = Vec::new();
        for l in &lines {
            for peril in products[l.product].perils() {
                if !perils.contains(peril) {
                    perils.push(peril);
                }
            }
        }
        let staged = products.iter().any(|p| p.case_stage().is_some());
        let treaties = lines
            .iter()
            .map(|l| match l.segment {
                None => model.treaty(l.product).cloned(),
                Some(_) => None,
            })
            .collect();
        PathTable {
            products,
            layout: Layout::of(model),
            lines,
            segment_names,
            perils,
            staged,
            treaties,
        }
    }

    /// The rows of the paths `first..first + n`, whose stored columns are `cols`: the
    /// [`COLUMNS`] in order.
    ///
    /// Rows are built a tile of [`TILE_ROWS`] at a time: the tile's totals are filled from the
    /// stored words, field by field, then every column appends the tile's values. A tile's
    /// totals stay in the core's cache while the thirty-odd columns read them; filling every
    /// row's totals first and then mapping each column over all of them read the whole block
    /// from memory once per column (on the compound peer model that cost as much as polars'
    /// encoding of the file).
    pub fn frame(&self, first: u64, n: usize, cols: &Columns) -> PolarsResult<DataFrame> {
        let lines = &self.lines;
        let per_path = lines.len();
        let rows = n * per_path;
        let line_of = |r: usize| &lines[r % per_path];
        let product_of = |r: usize| &self.products[line_of(r).product];
        let text = |name: &str, f: &dyn Fn(usize) -> &'a str| -> PolarsResult<Column> {
            if per_path == 1 {
                // One line: the same text on every row, without a string per row.
                return Ok(Column::new_scalar(
                    name.into(),
                    Scalar::from(PlSmallStr::from(f(0))),
                    rows,
                ));
            }
            // Each line's text once, and every row a view of its line's: a dictionary
            // encoder sees a few texts repeating, not one stored copy per row.
            let texts = StringChunked::from_iter_values(name.into(), (0..per_path).map(f));
            let rows = IdxCa::from_vec(
                "".into(),
                (0..rows).map(|r| (r % per_path) as IdxSize).collect(),
            );
            Ok(texts.take(&rows)?.into_column())
        };
        // Each column, in file order: built now (path, names) or from the rows' totals.
        let mut slots: Vec<Slot> = Vec::with_capacity(COLUMNS.len() + 2 * self.perils.len());
        for c in COLUMNS {
            let name = c.name;
            match c.value {
                Value::Path => slots.push(Slot::Ready(Column::new(
                    name.into(),
                    (0..rows)
                        .map(|r| first + (r / per_path) as u64)
                        .collect::<Vec<u64>>(),
                ))),
                Value::Product => slots.push(Slot::Ready(text(name, &|r| product_of(r).name())?)),
                Value::Kind => slots.push(Slot::Ready(text(name, &|r| product_of(r).kind())?)),
                Value::Segment => {
                    if let Some(names) = &self.segment_names {
                        slots.push(Slot::Ready(text(name, &|r| {
                            line_of(r).segment.map_or("", |s| names[s])
                        })?));
                    }
                }
                Value::Count(f) => slots.push(Slot::cells(name, Cells::Count(f, Vec::new()))),
                Value::Eur(f) => slots.push(Slot::cells(name, Cells::Eur(f, Vec::new()))),
                Value::Ratio(f) => slots.push(Slot::cells(name, Cells::Ratio(f, Vec::new()))),
                Value::Perils => {
                    for peril in &self.perils {
                        // The peril's slot in each line's product, if it has the peril.
                        let slot: Vec<Option<usize>> = lines
                            .iter()
                            .map(|l| {
                                self.products[l.product]
                                    .perils()
                                    .iter()
                                    .position(|x| x == peril)
                            })
                            .collect();
                        let (count, eur) = (format!("{peril}_count"), format!("{peril}_eur"));
                        let (c, e) = match common_slot(&slot) {
                            // Every line has the peril in the same slot: no nulls to build.
                            Some(k) => (
                                Cells::PerilCount(k, Vec::new()),
                                Cells::PerilEur(k, Vec::new()),
                            ),
                            None => (
                                Cells::PerilCountByLine(slot.clone(), Vec::new()),
                                Cells::PerilEurByLine(slot, Vec::new()),
                            ),
                        };
                        slots.push(Slot::Cells(count, c));
                        slots.push(Slot::Cells(eur, e));
                    }
                }
                Value::Treaty(f) => {
                    if self.treaties.iter().any(Option::is_some) {
                        slots.push(Slot::cells(name, Cells::Treaty(f, Vec::new())));
                    }
                }
                Value::Staged(f) => {
                    if self.staged {
                        slots.push(Slot::cells(name, Cells::Staged(f, Vec::new())));
                    }
                }
            }
        }
        for slot in &mut slots {
            if let Slot::Cells(_, cells) = slot {
                cells.reserve(rows);
            }
        }
        let tile_paths = (TILE_ROWS / per_path).max(1);
        let mut tile = vec![ProductTotals::default(); tile_paths * per_path];
        let mut p0 = 0;
        while p0 < n {
            let np = tile_paths.min(n - p0);
            let tile = &mut tile[..np * per_path];
            // Row i × L + l of the tile: path first + p0 + i, line l.
            for (l, line) in lines.iter().enumerate() {
                for field in LineField::all() {
                    let column = &cols.words[self.layout.line_word(line.stored, field)];
                    field.fill(
                        tile.iter_mut().skip(l).step_by(per_path),
                        &column[p0..p0 + np],
                    );
                }
            }
            for slot in &mut slots {
                if let Slot::Cells(_, cells) = slot {
                    cells.extend(self, p0 * per_path, tile);
                }
            }
            p0 += np;
        }
        let out = slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Ready(c) => c,
                Slot::Cells(name, cells) => cells.column(name),
            })
            .collect();
        DataFrame::new(rows, out)
    }
}

/// Rows a tile of [`PathTable::frame`] holds at most (a few hundred kB of totals).
const TILE_ROWS: usize = 512;

/// A column of a block: built whole, or from the rows' totals tile by tile.
enum Slot {
    Ready(Column),
    Cells(String, Cells),
}

impl Slot {
    fn cells(name: &str, cells: Cells) -> Slot {
        Slot::Cells(name.to_string(), cells)
    }
}

/// The values of one column so far, and how a row's totals give the next one.
enum Cells {
    Count(fn(&ProductTotals) -> u64, Vec<u64>),
    Eur(fn(&ProductTotals) -> Cents, Vec<f64>),
    Ratio(fn(&ProductTotals) -> f64, Vec<Option<f64>>),
    /// A peril every line's product has, in this slot.
    PerilCount(usize, Vec<u64>),
    PerilEur(usize, Vec<f64>),
    /// A peril in a slot that depends on the line (none: null).
    PerilCountByLine(Vec<Option<usize>>, Vec<Option<u64>>),
    PerilEurByLine(Vec<Option<usize>>, Vec<Option<f64>>),
    Treaty(
        fn(&ProductTotals, &crate::reinsurance::Ceded) -> f64,
        Vec<Option<f64>>,
    ),
    Staged(fn(&ProductTotals) -> f64, Vec<Option<f64>>),
}

impl Cells {
    fn reserve(&mut self, rows: usize) {
        match self {
            Cells::Count(_, v) | Cells::PerilCount(_, v) => v.reserve_exact(rows),
            Cells::Eur(_, v) | Cells::PerilEur(_, v) => v.reserve_exact(rows),
            Cells::PerilCountByLine(_, v) => v.reserve_exact(rows),
            Cells::Ratio(_, v)
            | Cells::PerilEurByLine(_, v)
            | Cells::Treaty(_, v)
            | Cells::Staged(_, v) => v.reserve_exact(rows),
        }
    }

    /// Appends the values of `tile`, the rows from `row` on.
    fn extend(&mut self, table: &PathTable<'_>, row: usize, tile: &[ProductTotals]) {
        let per_path = table.lines.len();
        let rows = tile
            .iter()
            .enumerate()
            .map(|(i, t)| ((row + i) % per_path, t));
        match self {
            Cells::Count(f, v) => v.extend(tile.iter().map(*f)),
            Cells::Eur(f, v) => v.extend(tile.iter().map(|t| f(t).to_eur())),
            Cells::Ratio(f, v) => v.extend(tile.iter().map(|t| super::nullable(f(t)))),
            Cells::PerilCount(k, v) => v.extend(tile.iter().map(|t| t.perils[*k].count)),
            Cells::PerilEur(k, v) => v.extend(tile.iter().map(|t| t.perils[*k].amount.to_eur())),
            Cells::PerilCountByLine(slot, v) => {
                v.extend(rows.map(|(l, t)| slot[l].map(|k| t.perils[k].count)))
            }
            Cells::PerilEurByLine(slot, v) => {
                v.extend(rows.map(|(l, t)| slot[l].map(|k| t.perils[k].amount.to_eur())))
            }
            Cells::Treaty(f, v) => v.extend(rows.map(|(l, t)| {
                table.treaties[l]
                    .as_ref()
                    .and_then(|treaty| super::nullable(f(t, &treaty.cede_totals(t))))
            })),
            Cells::Staged(f, v) => v.extend(rows.map(|(l, t)| {
                table.products[table.lines[l].product]
                    .case_stage()
                    .map(|_| f(t))
            })),
        }
    }

    fn column(self, name: String) -> Column {
        let name: PlSmallStr = name.into();
        match self {
            Cells::Count(_, v) | Cells::PerilCount(_, v) => Column::new(name, v),
            Cells::Eur(_, v) | Cells::PerilEur(_, v) => Column::new(name, v),
            Cells::PerilCountByLine(_, v) => Column::new(name, v),
            Cells::Ratio(_, v)
            | Cells::PerilEurByLine(_, v)
            | Cells::Treaty(_, v)
            | Cells::Staged(_, v) => Column::new(name, v),
        }
    }
}

/// The slot of a peril when every line has it in the same one.
fn common_slot(slots: &[Option<usize>]) -> Option<usize> {
    let first = (*slots.first()?)?;
    slots.iter().all(|&s| s == Some(first)).then_some(first)
}

/// How a column's values come from a row (a line of one path).
#[derive(Clone, Copy)]
enum Value {
    /// The path index.
    Path,
    /// The product's name.
    Product,
    /// The product's scenario `kind`.
    Kind,
    /// The segment's name: only in `segment_paths.parquet`.
    Segment,
    /// A count of the line's totals.
    Count(fn(&ProductTotals) -> u64),
    /// An amount of the line's totals, in EUR.
    Eur(fn(&ProductTotals) -> Cents),
    /// A ratio; null where it has no value (no premium).
    Ratio(fn(&ProductTotals) -> f64),
    /// `<peril>_count` and `<peril>_eur`, peril by peril over the table's products; null on
    /// the rows of a product without the peril.
    Perils,
    /// A figure of cases with a first stage (mediation): present when some product has one,
    /// null on the rows of the others.
    Staged(fn(&ProductTotals) -> f64),
    /// A figure of the row after its product's reinsurance treaty: present when some product
    /// has one, null on the rows of the others.
    Treaty(fn(&ProductTotals, &crate::reinsurance::Ceded) -> f64),
}

/// One column of `paths.parquet` and `segment_paths.parquet`: its name, its parquet type, its
/// unit, what it means (the table in `results/README.md` is [`markdown`] of these, checked by
/// a test) and how it is computed from a row's totals.
pub struct PathColumn {
    pub name: &'static str,
    pub dtype: &'static str,
    pub unit: &'static str,
    pub meaning: &'static str,
    value: Value,
}

const fn column(
    name: &'static str,
    dtype: &'static str,
    unit: &'static str,
    meaning: &'static str,
    value: Value,
) -> PathColumn {
    PathColumn {
        name,
        dtype,
        unit,
        meaning,
        value,
    }
}

/// The columns of the per-path tables, in file order.
pub const COLUMNS: &[PathColumn] = &[
    column(
        "path",
        "u64",
        "index",
        "path index (0-based, the same in any shard)",
        Value::Path,
    ),
    column("product", "str", "", "product name", Value::Product),
    column(
        "kind",
        "str",
        "",
        "the product's scenario `kind`",
        Value::Kind,
    ),
    column(
        "segment",
        "str",
        "",
        "segment name (`segment_paths.parquet` only)",
        Value::Segment,
    ),
    column(
        "covered",
        "u64",
        "orders / guarantees / plans / policies",
        "covered exposure units",
        Value::Count(|t| t.covered),
    ),
    column(
        "ineligible",
        "u64",
        "same as `covered`",
        "took the cover up but outside the wording: no premium, no cover",
        Value::Count(|t| t.ineligible),
    ),
    column(
        "exposure_eur",
        "f64",
        "EUR",
        "sum insured (basket values, guaranteed values, financed amounts)",
        Value::Eur(|t| t.exposure),
    ),
    column(
        "premium_eur",
        "f64",
        "EUR",
        "written premium (fees for a guarantee frame)",
        Value::Eur(|t| t.premium),
    ),
    column(
        "claims_eur",
        "f64",
        "EUR",
        "claims paid by the insurer, all perils, whenever paid",
        Value::Eur(ProductTotals::claims),
    ),
    column(
        "claim_count",
        "u64",
        "claims",
        "number of paid claims",
        Value::Count(ProductTotals::claim_count),
    ),
    column(
        "loss_ratio",
        "f64",
        "ratio",
        "(claims − recoveries) / premium; null without premium",
        Value::Ratio(ProductTotals::loss_ratio),
    ),
    column(
        "<peril>_count, <peril>_eur",
        "u64, f64",
        "claims, EUR",
        "paid claims of each peril and their amount, peril by peril (null where the product lacks the peril)",
        Value::Perils,
    ),
    column(
        "rejected_count",
        "u64",
        "claims",
        "claims reported outside a reporting window (not paid)",
        Value::Count(|t| t.rejected),
    ),
    column(
        "ibnr_eur",
        "f64",
        "EUR",
        "part of `claims_eur` reported after the horizon ends",
        Value::Eur(|t| t.ibnr),
    ),
    column(
        "outstanding_eur",
        "f64",
        "EUR",
        "part of `claims_eur` paid after the horizon ends",
        Value::Eur(|t| t.outstanding),
    ),
    column(
        "paid_loss_ratio",
        "f64",
        "ratio",
        "(claims − outstanding) / premium at the end of the horizon; null without premium",
        Value::Ratio(ProductTotals::paid_loss_ratio),
    ),
    column(
        "recoveries_eur",
        "f64",
        "EUR",
        "recovered after payment (subrogation)",
        Value::Eur(|t| t.recoveries),
    ),
    column(
        "net_claims_eur",
        "f64",
        "EUR",
        "claims − recoveries",
        Value::Eur(ProductTotals::net_claims),
    ),
    column(
        "retained_eur",
        "f64",
        "EUR",
        "borne by the insured (above ceilings, uninsured), not in claims",
        Value::Eur(|t| t.retained),
    ),
    column(
        "settled_count",
        "f64 or null",
        "disputes",
        "legal protection only: disputes settled in mediation within its limit",
        Value::Staged(|t| t.settled as f64),
    ),
    column(
        "abandoned_count",
        "f64 or null",
        "disputes",
        "legal protection only: disputes abandoned after a failed mediation",
        Value::Staged(|t| t.abandoned as f64),
    ),
    column(
        "stage_days",
        "f64 or null",
        "days",
        "legal protection only: mediation days summed over the disputes",
        Value::Staged(|t| t.stage_centidays as f64 / 100.0),
    ),
    column(
        "shared_claims_count",
        "u64",
        "claims",
        "paid claims on orders on which another of the shop's covers also paid a claim",
        Value::Count(|t| t.shared_claims),
    ),
    column(
        "refunds_eur",
        "f64",
        "EUR",
        "BNPL with a contract life: premium refunded pro rata when the contract ended before a plan's last instalment (already out of `premium_eur`)",
        Value::Eur(|t| t.refunds),
    ),
    column(
        "contracts_ended_count",
        "u64",
        "contracts",
        "BNPL with a contract life, product rows only: insured merchants whose contract ended within the horizon (lapse or termination)",
        Value::Count(|t| t.contracts_ended),
    ),
    column(
        "terminated_count",
        "u64",
        "contracts",
        "BNPL with a contract life, product rows only: of those, contracts the insurer terminated after a claim",
        Value::Count(|t| t.terminated),
    ),
    column(
        "ceded_premium_eur",
        "f64 or null",
        "EUR",
        "products with a [[reinsurance]] treaty, product rows: premium paid to the reinsurer (excess-of-loss premium with its reinstatement premium, quota share part and stop-loss price)",
        Value::Treaty(|_, c| c.premium.to_eur()),
    ),
    column(
        "ceding_commission_eur",
        "f64 or null",
        "EUR",
        "products with a treaty: the quota share's commission paid back by the reinsurer",
        Value::Treaty(|_, c| c.commission.to_eur()),
    ),
    column(
        "ceded_claims_eur",
        "f64 or null",
        "EUR",
        "products with a treaty: net claims (claims − recoveries) the reinsurer pays: excess-of-loss recovery, quota share part and stop-loss recovery",
        Value::Treaty(|_, c| c.claims.to_eur()),
    ),
    column(
        "loss_ratio_after_reinsurance",
        "f64 or null",
        "ratio",
        "products with a treaty: (net claims − ceded claims) / (premium − ceded premium + commission); null without premium",
        Value::Treaty(|t, c| c.loss_ratio(t.premium, t.net_claims())),
    ),
];

/// The column table of `results/README.md` for the per-path tables, one row per [`COLUMNS`]
/// entry.
pub fn markdown() -> String {
    let mut out = String::from("| column | type | unit | meaning |\n|---|---|---|---|\n");
    for c in COLUMNS {
        let names: Vec<String> = c.name.split(", ").map(|n| format!("`{n}`")).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            names.join(", "),
            c.dtype,
            c.unit,
            c.meaning
        ));
    }
    out
}
