//! Calendar time: the retail events that drive order volume, and the daily intensity λ(d).
//!
//! Volume follows the calendar the way merchants see it: a share of the year's orders per month,
//! a weekday pattern, and events (Black Friday and its week, Cyber Monday, the Christmas ramp
//! and shipping cut-off, French winter and summer sales, custom dated events). Multipliers of a
//! day multiply together; each calendar month is then normalised to its share of the year, so
//! `base orders per day × days in the year` is the year's expected volume whatever the events.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Black Friday: the day after the fourth Thursday of November.
pub fn black_friday(year: i32) -> NaiveDate {
    let thanksgiving = NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)
        .expect("every November has four Thursdays");
    thanksgiving + Duration::days(1)
}

/// Cyber Monday: three days after Black Friday.
pub fn cyber_monday(year: i32) -> NaiveDate {
    black_friday(year) + Duration::days(3)
}

/// First day of the French winter sales: the second Wednesday of January.
pub fn winter_sales_start(year: i32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, 1, Weekday::Wed, 2)
        .expect("every January has two Wednesdays")
}

/// First day of the French summer sales: the last Wednesday of June.
pub fn summer_sales_start(year: i32) -> NaiveDate {
    let last = NaiveDate::from_ymd_opt(year, 6, 30).expect("June 30 exists");
    let back =
        (last.weekday().num_days_from_monday() + 7 - Weekday::Wed.num_days_from_monday()) % 7;
    last - Duration::days(back as i64)
}

/// Black Week for seasonal peril multipliers and volume: from the Monday before Black Friday to
/// Cyber Monday, both included.
pub fn is_black_week(date: NaiveDate) -> bool {
    let bf = black_friday(date.year());
    date >= bf - Duration::days(4) && date <= bf + Duration::days(3)
}

/// Days in the calendar year of `date`'s year (365 or 366).
pub fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    let next = NaiveDate::from_ymd_opt(ny, nm, 1).expect("valid month");
    (next - first).num_days() as u32
}

/// Black Friday week multipliers (raw, before monthly normalisation).
#[derive(Debug, Clone, PartialEq)]
pub struct BlackFriday {
    /// Black Friday itself.
    pub day: f64,
    /// Monday to Thursday before Black Friday.
    pub week_mon_thu: f64,
    /// The Saturday after Black Friday.
    pub saturday: f64,
    /// The Sunday after Black Friday.
    pub sunday: f64,
    /// Cyber Monday.
    pub cyber_monday: f64,
}

/// The Christmas shopping ramp and the shipping cut-off (days of December).
#[derive(Debug, Clone, PartialEq)]
pub struct Christmas {
    pub ramp_first_day: u32,
    pub ramp_last_day: u32,
    pub ramp: f64,
    /// From this day of December to the 31st, orders fall (parcels would arrive after Christmas).
    pub cutoff_day: u32,
    pub after_cutoff: f64,
}

/// A sales period (French *soldes*): a strong first day, then a lift for some days.
#[derive(Debug, Clone, PartialEq)]
pub struct Sales {
    /// Start date for the year of this date; other years (and `None`) use the legal rule.
    pub start: Option<NaiveDate>,
    pub first_day: f64,
    pub following_days: f64,
    /// Length of the lifted period including the first day.
    pub length_days: u32,
}

impl Sales {
    fn multiplier(&self, date: NaiveDate, rule: fn(i32) -> NaiveDate) -> f64 {
        let start = match self.start {
            Some(s) if s.year() == date.year() => s,
            _ => rule(date.year()),
        };
        let offset = (date - start).num_days();
        if offset == 0 {
            self.first_day
        } else if offset > 0 && offset < self.length_days as i64 {
            self.following_days
        } else {
            1.0
        }
    }
}

/// A merchant's own dated event (an anniversary sale, a TV spot), multiplying volume on
/// `days` days from `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomEvent {
    pub name: String,
    pub start: NaiveDate,
    pub days: u32,
    pub multiplier: f64,
}

/// The validated seasonality of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarSpec {
    /// Monday..Sunday.
    pub weekday_multipliers: [f64; 7],
    /// January..December, fractions of the year's orders summing to 1.
    pub month_shares: [f64; 12],
    pub black_friday: BlackFriday,
    pub christmas: Christmas,
    pub winter_sales: Sales,
    pub summer_sales: Sales,
    pub events: Vec<CustomEvent>,
}

impl Default for CalendarSpec {
    /// The French defaults of `docs/calibration.md` section B.
    fn default() -> Self {
        CalendarSpec {
            weekday_multipliers: [1.155, 1.060, 1.050, 1.016, 0.963, 0.838, 0.918],
            month_shares: [
                0.085, 0.072, 0.082, 0.077, 0.078, 0.081, 0.082, 0.070, 0.078, 0.085, 0.105, 0.105,
            ],
            black_friday: BlackFriday {
                day: 3.0,
                week_mon_thu: 1.4,
                saturday: 2.0,
                sunday: 2.0,
                cyber_monday: 1.8,
            },
            christmas: Christmas {
                ramp_first_day: 1,
                ramp_last_day: 18,
                ramp: 1.15,
                cutoff_day: 24,
                after_cutoff: 0.7,
            },
            winter_sales: Sales {
                start: None,
                first_day: 2.0,
                following_days: 1.3,
                length_days: 7,
            },
            summer_sales: Sales {
                start: None,
                first_day: 2.0,
                following_days: 1.3,
                length_days: 7,
            },
            events: Vec::new(),
        }
    }
}

impl CalendarSpec {
    /// The raw multiplier of one day: weekday × every event that covers it.
    pub fn raw_multiplier(&self, date: NaiveDate) -> f64 {
        let mut m = self.weekday_multipliers[date.weekday().num_days_from_monday() as usize];
        let bf = black_friday(date.year());
        let from_bf = (date - bf).num_days();
        let bfw = &self.black_friday;
        m *= match from_bf {
            -4..=-1 => bfw.week_mon_thu,
            0 => bfw.day,
            1 => bfw.saturday,
            2 => bfw.sunday,
            3 => bfw.cyber_monday,
            _ => 1.0,
        };
        if date.month() == 12 {
            let c = &self.christmas;
            let d = date.day();
            if (c.ramp_first_day..=c.ramp_last_day).contains(&d) {
                m *= c.ramp;
            }
            if d >= c.cutoff_day {
                m *= c.after_cutoff;
            }
        }
        m *= self.winter_sales.multiplier(date, winter_sales_start);
        m *= self.summer_sales.multiplier(date, summer_sales_start);
        for e in &self.events {
            let offset = (date - e.start).num_days();
            if offset >= 0 && offset < e.days as i64 {
                m *= e.multiplier;
            }
        }
        m
    }

    /// Seasonal shape of each horizon day relative to an average day of its year:
    /// `shape(d) = month_share × days_in_year × raw(d) / Σ_{days of that month} raw`.
    /// Multiplied by base orders per day it is the daily intensity λ(d). Months are normalised
    /// over the whole calendar month even where the horizon covers only part of it, so a
    /// partial month keeps the intensity it has in a full-year run.
    pub fn daily_shape(&self, start: NaiveDate, days: u32) -> Vec<f64> {
        let mut shape = Vec::with_capacity(days as usize);
        let mut cached: Option<(i32, u32, f64)> = None;
        for i in 0..days {
            let date = start + Duration::days(i as i64);
            let (y, mo) = (date.year(), date.month());
            let month_sum = match cached {
                Some((cy, cm, s)) if cy == y && cm == mo => s,
                _ => {
                    let first = NaiveDate::from_ymd_opt(y, mo, 1).expect("valid date");
                    let s: f64 = (0..days_in_month(y, mo))
                        .map(|k| self.raw_multiplier(first + Duration::days(k as i64)))
                        .sum();
                    cached = Some((y, mo, s));
                    s
                }
            };
            let share = self.month_shares[mo as usize - 1];
            shape.push(share * days_in_year(y) as f64 * self.raw_multiplier(date) / month_sum);
        }
        shape
    }
}

/// The dates of a horizon: day index `d` is `start + d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizon {
    pub start: NaiveDate,
    pub days: u32,
}

impl Horizon {
    pub fn date(&self, day: u32) -> NaiveDate {
        self.start + Duration::days(day as i64)
    }

    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..self.days).map(|d| self.date(d))
    }

    /// The last day of the horizon (inclusive).
    pub fn end(&self) -> NaiveDate {
        self.date(self.days.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Dates from docs/validation.md ("Calendar").
    #[test]
    fn black_friday_and_cyber_monday_dates() {
        let cases = [
            (2025, ymd(2025, 11, 28)),
            (2026, ymd(2026, 11, 27)),
            (2027, ymd(2027, 11, 26)),
        ];
        for (year, bf) in cases {
            assert_eq!(black_friday(year), bf);
            assert_eq!(cyber_monday(year), bf + Duration::days(3));
            assert_eq!(cyber_monday(year).weekday(), Weekday::Mon);
        }
    }

    #[test]
    fn sales_start_dates() {
        // Second Wednesday of January, last Wednesday of June.
        assert_eq!(winter_sales_start(2025), ymd(2025, 1, 8));
        assert_eq!(winter_sales_start(2026), ymd(2026, 1, 14));
        assert_eq!(summer_sales_start(2025), ymd(2025, 6, 25));
        assert_eq!(summer_sales_start(2026), ymd(2026, 6, 24));
        assert_eq!(summer_sales_start(2022), ymd(2022, 6, 29));
    }

    #[test]
    fn black_week_runs_monday_to_cyber_monday() {
        assert!(!is_black_week(ymd(2026, 11, 22)));
        assert!(is_black_week(ymd(2026, 11, 23)));
        assert!(is_black_week(ymd(2026, 11, 30)));
        assert!(!is_black_week(ymd(2026, 12, 1)));
    }

    #[test]
    fn year_total_matches_base_volume_and_month_shares() {
        let spec = CalendarSpec::default();
        let shape = spec.daily_shape(ymd(2026, 1, 1), 365);
        let total: f64 = shape.iter().sum();
        assert!((total - 365.0).abs() < 1e-9, "{total}");
        let nov: f64 = shape[304..334].iter().sum();
        assert!((nov / 365.0 - 0.105).abs() < 1e-12);
        // Black Friday is the peak day of the year.
        let peak = (0..365)
            .max_by(|&a, &b| shape[a].total_cmp(&shape[b]))
            .unwrap();
        assert_eq!(
            ymd(2026, 1, 1) + Duration::days(peak as i64),
            black_friday(2026)
        );
        // About 3× an average day, as calibrated (Criteo FR: ×3.15).
        let bf = shape[peak];
        assert!(bf > 2.8 && bf < 3.6, "{bf}");
    }

    #[test]
    fn custom_event_multiplies_its_days_only() {
        let mut spec = CalendarSpec::default();
        let base = spec.raw_multiplier(ymd(2026, 3, 10));
        spec.events.push(CustomEvent {
            name: "anniversary".into(),
            start: ymd(2026, 3, 10),
            days: 2,
            multiplier: 1.5,
        });
        assert_eq!(spec.raw_multiplier(ymd(2026, 3, 10)), base * 1.5);
        assert_eq!(
            spec.raw_multiplier(ymd(2026, 3, 12)),
            CalendarSpec::default().raw_multiplier(ymd(2026, 3, 12))
        );
    }
}
