//! The fixed column layout of one path's result for a given model: every per-path figure the
//! engine produces, flattened into 64-bit words (integer cents, counts, days) and `f32` series
//! (a frame company's daily active volume in EUR).
//!
//! The layout depends only on the model (number of products, segments, frame companies and
//! horizon days), so every path of a run has a record of the same shape, and a column (one
//! figure of one line over all paths) can be read without decoding anything else.

use crate::engine::PathResult;
use crate::frame::{FramePath, Raised, Saturation};
use crate::money::Cents;
use crate::products::{MAX_PERILS, MAX_XL_LAYERS, PerilTotals, ProductTotals};

/// Words per product or segment line: covered, ineligible, exposure, premium, (count, amount)
/// per peril slot, rejected, IBNR, outstanding, recoveries, retained, settled, abandoned,
/// first-stage hundredths of a day, shared-order claims, refunds, contracts ended, terminated,
/// largest occurrence, occurrences' losses to each excess-of-loss layer.
pub const LINE_WORDS: usize = 17 + 2 * MAX_PERILS + MAX_XL_LAYERS;
/// Words per frame company: peak, peak day, days over, largest excess, first day over
/// (−1: never), default day (−1: no default), insolvency loss; under the raise policy: raises,
/// first raise day (−1: none), final frame, days over the frame in force, uncovered excess.
pub const FRAME_WORDS: usize = 12;

/// One field of a [`ProductTotals`] line, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineField {
    Covered,
    Ineligible,
    Exposure,
    Premium,
    PerilCount(usize),
    PerilAmount(usize),
    Rejected,
    Ibnr,
    Outstanding,
    Recoveries,
    Retained,
    Settled,
    Abandoned,
    StageCentidays,
    SharedClaims,
    Refunds,
    ContractsEnded,
    Terminated,
    LargestOccurrence,
    /// The losses to excess-of-loss layer `k` (0: the lowest).
    OccurrenceLayer(usize),
}

impl LineField {
    /// Position of the field within its line's words.
    pub fn offset(self) -> usize {
        match self {
            LineField::Covered => 0,
            LineField::Ineligible => 1,
            LineField::Exposure => 2,
            LineField::Premium => 3,
            LineField::PerilCount(k) => 4 + 2 * k,
            LineField::PerilAmount(k) => 5 + 2 * k,
            LineField::Rejected => 4 + 2 * MAX_PERILS,
            LineField::Ibnr => 5 + 2 * MAX_PERILS,
            LineField::Outstanding => 6 + 2 * MAX_PERILS,
            LineField::Recoveries => 7 + 2 * MAX_PERILS,
            LineField::Retained => 8 + 2 * MAX_PERILS,
            LineField::Settled => 9 + 2 * MAX_PERILS,
            LineField::Abandoned => 10 + 2 * MAX_PERILS,
            LineField::StageCentidays => 11 + 2 * MAX_PERILS,
            LineField::SharedClaims => 12 + 2 * MAX_PERILS,
            LineField::Refunds => 13 + 2 * MAX_PERILS,
            LineField::ContractsEnded => 14 + 2 * MAX_PERILS,
            LineField::Terminated => 15 + 2 * MAX_PERILS,
            LineField::LargestOccurrence => 16 + 2 * MAX_PERILS,
            LineField::OccurrenceLayer(k) => 17 + 2 * MAX_PERILS + k,
        }
    }
}

/// One field of a frame company's outcome, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameField {
    Peak,
    PeakDay,
    DaysOver,
    MaxExcess,
    FirstOver,
    DefaultDay,
    InsolvencyLoss,
    Raises,
    FirstRaise,
    FinalFrame,
    DaysOverRaised,
    Uncovered,
}

impl FrameField {
    fn offset(self) -> usize {
        self as usize
    }
}

/// A line of results: a product total or a segment total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// Index into [`PathResult::products`].
    Product(usize),
    /// Index into [`PathResult::segments`].
    Segment(usize),
}

/// The shape of every path's record under one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Layout {
    pub products: u32,
    pub segments: u32,
    pub frames: u32,
    pub days: u32,
}

impl Layout {
    /// The shape of every path's stored record under `model`.
    pub fn of(model: &crate::engine::Model) -> Layout {
        Layout {
            products: model.products().len() as u32,
            segments: model.segments().len() as u32,
            frames: model.frames().len() as u32,
            days: model.horizon().days,
        }
    }

    /// Number of 64-bit word columns.
    pub fn words(&self) -> usize {
        (self.products + self.segments) as usize * LINE_WORDS + self.frames as usize * FRAME_WORDS
    }

    /// Number of `f32` series columns (company × day).
    pub fn series(&self) -> usize {
        self.frames as usize * self.days as usize
    }

    /// Bytes of one path's record before compression.
    pub fn record_bytes(&self) -> usize {
        8 * self.words() + 4 * self.series()
    }

    /// Word column of `field` of `line`.
    pub fn line_word(&self, line: Line, field: LineField) -> usize {
        let l = match line {
            Line::Product(p) => p,
            Line::Segment(s) => self.products as usize + s,
        };
        l * LINE_WORDS + field.offset()
    }

    /// Word column of `field` of frame company `c`.
    pub fn frame_word(&self, c: usize, field: FrameField) -> usize {
        (self.products + self.segments) as usize * LINE_WORDS + c * FRAME_WORDS + field.offset()
    }

    /// Series column of company `c` on horizon day `day`.
    pub fn series_column(&self, c: usize, day: usize) -> usize {
        c * self.days as usize + day
    }

    /// Appends one path's words and series values to column buffers (`words[j]`, `series[j]`).
    pub fn push(&self, r: &PathResult, words: &mut [Vec<i64>], series: &mut [Vec<f32>]) {
        let mut row = vec![0; self.words()];
        let mut days = vec![0.0; self.series()];
        self.row(r, &mut row, &mut days);
        words.iter_mut().zip(row).for_each(|(c, w)| c.push(w));
        series.iter_mut().zip(days).for_each(|(c, v)| c.push(v));
    }

    /// Writes one path's record as one row: its [`Layout::words`] words into `words` and its
    /// [`Layout::series`] series values into `series`, in column order. Every word and value
    /// of the row is written. A run's batch keeps its paths as rows while they are simulated
    /// and turns them into columns once (see [`crate::store::ColumnSink`]): a path then writes
    /// its words into one run of memory, not one word into each of its columns.
    pub fn row(&self, r: &PathResult, words: &mut [i64], series: &mut [f32]) {
        let mut at = 0;
        for t in r.products.iter().chain(&r.segments) {
            words[at..at + LINE_WORDS].copy_from_slice(&line_words(t));
            at += LINE_WORDS;
        }
        for (c, f) in r.frames.iter().enumerate() {
            let s = &f.saturation;
            let opt = |d: Option<u32>| d.map_or(-1, i64::from);
            let frame_words = [
                s.peak.0,
                s.peak_day as i64,
                s.days_over as i64,
                s.max_excess.0,
                opt(s.first_over),
                opt(f.default_day),
                f.insolvency_loss.0,
                f.raised.raises as i64,
                opt(f.raised.first_raise),
                f.raised.final_frame.0,
                f.raised.days_over as i64,
                f.raised.uncovered.0,
            ];
            words[at..at + FRAME_WORDS].copy_from_slice(&frame_words);
            at += FRAME_WORDS;
            let base = self.series_column(c, 0);
            series[base..base + f.active_eur.len()].copy_from_slice(&f.active_eur);
        }
    }

    /// One path's result from its record (`word(j)`, `series(j)` give column `j`'s value).
    pub fn path_result(
        &self,
        path: u64,
        word: impl Fn(usize) -> i64,
        series: impl Fn(usize) -> f32,
    ) -> PathResult {
        let line = |l: usize| totals_from(|k| word(l * LINE_WORDS + k));
        let p = self.products as usize;
        let frames = (0..self.frames as usize)
            .map(|c| {
                let w = |f: FrameField| word(self.frame_word(c, f));
                let opt = |x: i64| (x >= 0).then_some(x as u32);
                FramePath {
                    saturation: Saturation {
                        peak: Cents(w(FrameField::Peak)),
                        peak_day: w(FrameField::PeakDay) as u32,
                        days_over: w(FrameField::DaysOver) as u32,
                        max_excess: Cents(w(FrameField::MaxExcess)),
                        first_over: opt(w(FrameField::FirstOver)),
                    },
                    default_day: opt(w(FrameField::DefaultDay)),
                    insolvency_loss: Cents(w(FrameField::InsolvencyLoss)),
                    raised: Raised {
                        raises: w(FrameField::Raises) as u32,
                        first_raise: opt(w(FrameField::FirstRaise)),
                        final_frame: Cents(w(FrameField::FinalFrame)),
                        days_over: w(FrameField::DaysOverRaised) as u32,
                        uncovered: Cents(w(FrameField::Uncovered)),
                    },
                    active_eur: (0..self.days as usize)
                        .map(|d| series(self.series_column(c, d)))
                        .collect(),
                }
            })
            .collect();
        PathResult {
            path,
            products: (0..p).map(line).collect(),
            segments: (p..p + self.segments as usize).map(line).collect(),
            frames,
        }
    }
}

/// The words of one line, in [`LineField::offset`] order.
fn line_words(t: &ProductTotals) -> [i64; LINE_WORDS] {
    let mut w = [0i64; LINE_WORDS];
    w[0] = t.covered as i64;
    w[1] = t.ineligible as i64;
    w[2] = t.exposure.0;
    w[3] = t.premium.0;
    for (k, p) in t.perils.iter().enumerate() {
        w[4 + 2 * k] = p.count as i64;
        w[5 + 2 * k] = p.amount.0;
    }
    w[4 + 2 * MAX_PERILS] = t.rejected as i64;
    w[5 + 2 * MAX_PERILS] = t.ibnr.0;
    w[6 + 2 * MAX_PERILS] = t.outstanding.0;
    w[7 + 2 * MAX_PERILS] = t.recoveries.0;
    w[8 + 2 * MAX_PERILS] = t.retained.0;
    w[9 + 2 * MAX_PERILS] = t.settled as i64;
    w[10 + 2 * MAX_PERILS] = t.abandoned as i64;
    w[11 + 2 * MAX_PERILS] = t.stage_centidays as i64;
    w[12 + 2 * MAX_PERILS] = t.shared_claims as i64;
    w[13 + 2 * MAX_PERILS] = t.refunds.0;
    w[14 + 2 * MAX_PERILS] = t.contracts_ended as i64;
    w[15 + 2 * MAX_PERILS] = t.terminated as i64;
    w[16 + 2 * MAX_PERILS] = t.largest_occurrence.0;
    for (k, l) in t.occurrence_layers.iter().enumerate() {
        w[17 + 2 * MAX_PERILS + k] = l.0;
    }
    w
}

impl LineField {
    /// Every field of a line, in stored order ([`LineField::offset`]).
    pub fn all() -> impl Iterator<Item = LineField> {
        let head = [
            LineField::Covered,
            LineField::Ineligible,
            LineField::Exposure,
            LineField::Premium,
        ];
        let perils =
            (0..MAX_PERILS).flat_map(|k| [LineField::PerilCount(k), LineField::PerilAmount(k)]);
        let tail = [
            LineField::Rejected,
            LineField::Ibnr,
            LineField::Outstanding,
            LineField::Recoveries,
            LineField::Retained,
            LineField::Settled,
            LineField::Abandoned,
            LineField::StageCentidays,
            LineField::SharedClaims,
            LineField::Refunds,
            LineField::ContractsEnded,
            LineField::Terminated,
            LineField::LargestOccurrence,
        ];
        let layers = (0..MAX_XL_LAYERS).map(LineField::OccurrenceLayer);
        head.into_iter().chain(perils).chain(tail).chain(layers)
    }

    /// Sets this field of each of `totals` from the stored column `column`, value by value:
    /// one tight loop per field, where decoding a line's totals path by path
    /// ([`totals_from`]) reads every word of every path through a closure.
    pub fn fill<'a>(self, totals: impl Iterator<Item = &'a mut ProductTotals>, column: &[i64]) {
        let pairs = totals.zip(column.iter().copied());
        match self {
            LineField::Covered => pairs.for_each(|(t, x)| t.covered = x as u64),
            LineField::Ineligible => pairs.for_each(|(t, x)| t.ineligible = x as u64),
            LineField::Exposure => pairs.for_each(|(t, x)| t.exposure = Cents(x)),
            LineField::Premium => pairs.for_each(|(t, x)| t.premium = Cents(x)),
            LineField::PerilCount(k) => pairs.for_each(|(t, x)| t.perils[k].count = x as u64),
            LineField::PerilAmount(k) => pairs.for_each(|(t, x)| t.perils[k].amount = Cents(x)),
            LineField::Rejected => pairs.for_each(|(t, x)| t.rejected = x as u64),
            LineField::Ibnr => pairs.for_each(|(t, x)| t.ibnr = Cents(x)),
            LineField::Outstanding => pairs.for_each(|(t, x)| t.outstanding = Cents(x)),
            LineField::Recoveries => pairs.for_each(|(t, x)| t.recoveries = Cents(x)),
            LineField::Retained => pairs.for_each(|(t, x)| t.retained = Cents(x)),
            LineField::Settled => pairs.for_each(|(t, x)| t.settled = x as u64),
            LineField::Abandoned => pairs.for_each(|(t, x)| t.abandoned = x as u64),
            LineField::StageCentidays => pairs.for_each(|(t, x)| t.stage_centidays = x as u64),
            LineField::SharedClaims => pairs.for_each(|(t, x)| t.shared_claims = x as u64),
            LineField::Refunds => pairs.for_each(|(t, x)| t.refunds = Cents(x)),
            LineField::ContractsEnded => pairs.for_each(|(t, x)| t.contracts_ended = x as u64),
            LineField::Terminated => pairs.for_each(|(t, x)| t.terminated = x as u64),
            LineField::LargestOccurrence => {
                pairs.for_each(|(t, x)| t.largest_occurrence = Cents(x))
            }
            LineField::OccurrenceLayer(k) => {
                pairs.for_each(|(t, x)| t.occurrence_layers[k] = Cents(x))
            }
        }
    }
}

/// A line's totals from its words (`word(k)` is the line's k-th word).
pub fn totals_from(word: impl Fn(usize) -> i64) -> ProductTotals {
    let mut perils = [PerilTotals::default(); MAX_PERILS];
    for (k, p) in perils.iter_mut().enumerate() {
        p.count = word(4 + 2 * k) as u64;
        p.amount = Cents(word(5 + 2 * k));
    }
    ProductTotals {
        covered: word(0) as u64,
        ineligible: word(1) as u64,
        exposure: Cents(word(2)),
        premium: Cents(word(3)),
        perils,
        rejected: word(4 + 2 * MAX_PERILS) as u64,
        ibnr: Cents(word(5 + 2 * MAX_PERILS)),
        outstanding: Cents(word(6 + 2 * MAX_PERILS)),
        recoveries: Cents(word(7 + 2 * MAX_PERILS)),
        retained: Cents(word(8 + 2 * MAX_PERILS)),
        settled: word(9 + 2 * MAX_PERILS) as u64,
        abandoned: word(10 + 2 * MAX_PERILS) as u64,
        stage_centidays: word(11 + 2 * MAX_PERILS) as u64,
        shared_claims: word(12 + 2 * MAX_PERILS) as u64,
        refunds: Cents(word(13 + 2 * MAX_PERILS)),
        contracts_ended: word(14 + 2 * MAX_PERILS) as u64,
        terminated: word(15 + 2 * MAX_PERILS) as u64,
        largest_occurrence: Cents(word(16 + 2 * MAX_PERILS)),
        occurrence_layers: std::array::from_fn(|k| Cents(word(17 + 2 * MAX_PERILS + k))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: `set` zipped the columns before the words, and a zip takes from its first
    /// iterator before it finds the second empty, so every line after the first was written
    /// one column late. Every word of a result with two products, three segments and two
    /// frame companies lands in its own column, in place or appended, and reads back whole.
    #[test]
    fn a_set_path_writes_every_word_in_its_column() {
        let layout = Layout {
            products: 2,
            segments: 3,
            frames: 2,
            days: 4,
        };
        let line = |base: i64| totals_from(|k| base + k as i64 + 1);
        let frame = |k: u32| FramePath {
            saturation: Saturation {
                peak: Cents(101 + k as i64),
                peak_day: 2 + k,
                days_over: 3 + k,
                max_excess: Cents(104),
                first_over: Some(k),
            },
            default_day: None,
            insolvency_loss: Cents(106 + k as i64),
            raised: Raised {
                raises: 7,
                first_raise: Some(1 + k),
                final_frame: Cents(109),
                days_over: 10 + k,
                uncovered: Cents(111),
            },
            active_eur: (0..4).map(|d| (d * 10 + k) as f32).collect(),
        };
        let r = PathResult {
            path: 5,
            products: vec![line(0), line(100)],
            segments: vec![line(200), line(300), line(400)],
            frames: vec![frame(0), frame(1)],
        };
        let (mut words, mut series) = (vec![0; layout.words()], vec![0.0; layout.series()]);
        layout.row(&r, &mut words, &mut series);
        let back = layout.path_result(5, |j| words[j], |j| series[j]);
        assert_eq!(back, r);
        let (mut words, mut series) = (
            vec![Vec::new(); layout.words()],
            vec![Vec::new(); layout.series()],
        );
        layout.push(&r, &mut words, &mut series);
        assert_eq!(layout.path_result(5, |j| words[j][0], |j| series[j][0]), r);
    }

    /// `LineField::fill` of every field rebuilds the totals `totals_from` decodes, and
    /// `LineField::all` lists the fields in stored order.
    #[test]
    fn filling_every_field_column_by_column_equals_decoding_the_words() {
        let words: Vec<[i64; LINE_WORDS]> = (0..3)
            .map(|p| std::array::from_fn(|k| (p * 100 + k as i64 + 1) * 7))
            .collect();
        let mut filled = vec![ProductTotals::default(); words.len()];
        for (k, field) in LineField::all().enumerate() {
            assert_eq!(field.offset(), k);
            let column: Vec<i64> = words.iter().map(|w| w[k]).collect();
            field.fill(filled.iter_mut(), &column);
        }
        for (w, t) in words.iter().zip(&filled) {
            assert_eq!(*t, totals_from(|k| w[k]));
            assert_eq!(line_words(t), *w);
        }
    }
}
