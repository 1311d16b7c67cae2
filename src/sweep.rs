//! Parameter sweeps: a grid of one or two scenario values (`--vary PATH=START..END:STEP`), each
//! cell an edited copy of the scenario text that goes through the normal validation, run with
//! the same seed. Grid values are exact decimals, so `0.005..0.02:0.005` is 0.005, 0.010,
//! 0.015, 0.020 and not their binary approximations.

use crate::cli::UsageError;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Most cells of a sweep (all grids multiplied).
pub const MAX_CELLS: usize = 10_000;

/// One `--vary`: a scenario path and its grid values.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The path as written, e.g. `products[0].damage.probability.domestic`.
    pub path: String,
    /// Its parts: keys and array indices.
    pub parts: Vec<Part>,
    /// START, START + STEP, … up to END included.
    pub values: Vec<Decimal>,
}

/// A part of a scenario path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Key(String),
    Index(usize),
}

const SYNTAX: &str = "write PATH=START..END:STEP, e.g. --vary products[0].damage.probability.domestic=0.005..0.02:0.005 (END included, STEP > 0)";

/// Parses `PATH=START..END:STEP`.
pub fn parse_vary(text: &str) -> Result<Vary, UsageError> {
    let bad = |what: String| UsageError(format!("--vary {text:?}: {what}; {SYNTAX}"));
    let (path, grid) = text
        .split_once('=')
        .ok_or_else(|| bad("no '=' between the path and the grid".into()))?;
    let path = path.trim();
    let parts = parse_path(path).map_err(|e| bad(format!("path {path:?}: {e}")))?;
    let (range, step) = grid
        .rsplit_once(':')
        .ok_or_else(|| bad(format!("grid {grid:?} has no ':STEP'")))?;
    let (start, end) = range
        .split_once("..")
        .ok_or_else(|| bad(format!("grid {grid:?} has no 'START..END'")))?;
    let number = |name: &str, s: &str| {
        Decimal::from_str(s.trim())
            .map_err(|_| bad(format!("{name} {:?} is not a decimal number", s.trim())))
    };
    let (start, end, step) = (
        number("START", start)?,
        number("END", end)?,
        number("STEP", step)?,
    );
    if step <= Decimal::ZERO {
        return Err(bad(format!("STEP {step} must be greater than 0")));
    }
    if end < start {
        return Err(bad(format!("END {end} is smaller than START {start}")));
    }
    let too_many = || bad(format!("more than {MAX_CELLS} grid values"));
    // Checked: a range of ±7.9e28 or a step of 1e-28 overflows the decimal type.
    let count = end
        .checked_sub(start)
        .and_then(|span| span.checked_div(step))
        .ok_or_else(too_many)?
        .floor();
    if count >= Decimal::from(MAX_CELLS) {
        return Err(too_many());
    }
    let count = u64::try_from(count).unwrap_or(0) as usize + 1;
    let values = (0..count)
        .map(|k| {
            step.checked_mul(Decimal::from(k))
                .and_then(|d| start.checked_add(d))
                .map(|d| d.normalize())
                .ok_or_else(too_many)
        })
        .collect::<Result<_, _>>()?;
    Ok(Vary {
        path: path.to_string(),
        parts,
        values,
    })
}

/// Parses `a.b[0].c`: keys of letters, digits, `_` and `-`, each followed by any `[index]`.
pub fn parse_path(path: &str) -> Result<Vec<Part>, String> {
    if path.is_empty() {
        return Err("is empty".into());
    }
    let mut parts = Vec::new();
    for piece in path.split('.') {
        let (key, mut rest) = match piece.find('[') {
            Some(i) => (&piece[..i], &piece[i..]),
            None => (piece, ""),
        };
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(format!(
                "{piece:?} is not a key (letters, digits, '_' and '-', then any [index])"
            ));
        }
        parts.push(Part::Key(key.to_string()));
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("{piece:?}: '[' without ']'"))?;
            let index: usize = rest[1..close]
                .parse()
                .map_err(|_| format!("{piece:?}: [{}] is not an index", &rest[1..close]))?;
            parts.push(Part::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(format!("{piece:?}: text after ']'"));
            }
        }
    }
    Ok(parts)
}

/// Every cell of the grid: the cartesian product of the grids, the first varying slowest.
pub fn cells(varies: &[Vary]) -> Result<Vec<Vec<Decimal>>, UsageError> {
    let mut out: Vec<Vec<Decimal>> = vec![Vec::new()];
    for v in varies {
        out = out
            .into_iter()
            .flat_map(|cell| {
                v.values.iter().map(move |x| {
                    let mut c = cell.clone();
                    c.push(*x);
                    c
                })
            })
            .collect();
        if out.len() > MAX_CELLS {
            return Err(UsageError(format!(
                "--vary: the grid has more than {MAX_CELLS} cells; use fewer values"
            )));
        }
    }
    Ok(out)
}

/// How a value is written into the scenario: the type of the value it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A quoted decimal (money and rates: `flat_fee_eur = "0.98"`).
    Text,
    /// A TOML float.
    Float,
    /// A TOML integer (only whole values).
    Integer,
}

/// The scenario text with `value` written at `vary`'s path, and how it was written. A missing
/// final key (a default not written in the file) is added, as a float unless `as_text`; missing
/// tables on the way are added too. Missing array elements are an error naming the path.
pub fn edit(text: &str, vary: &Vary, value: Decimal, as_text: bool) -> Result<String, UsageError> {
    let mut doc: toml::Table = toml::from_str(text).map_err(|e| {
        UsageError(format!(
            "--vary {}: the scenario is not valid TOML: {e}",
            vary.path
        ))
    })?;
    let bad = |what: String| UsageError(format!("--vary {}: {what}", vary.path));
    let mut at: &mut toml::Value = {
        let Some(Part::Key(first)) = vary.parts.first() else {
            return Err(bad("the path must start with a key".into()));
        };
        doc.entry(first.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
    };
    let mut walked = match vary.parts.first() {
        Some(Part::Key(k)) => k.clone(),
        _ => String::new(),
    };
    for part in &vary.parts[1..] {
        at = match (part, at) {
            (Part::Key(k), toml::Value::Table(t)) => {
                walked.push('.');
                walked.push_str(k);
                t.entry(k.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            }
            (Part::Index(i), toml::Value::Array(a)) => {
                let len = a.len();
                walked.push_str(&format!("[{i}]"));
                a.get_mut(*i).ok_or_else(|| {
                    bad(format!(
                        "{walked} does not exist: the scenario has {len} element(s) there, indices 0 to {}",
                        len.saturating_sub(1)
                    ))
                })?
            }
            (Part::Key(k), _) => {
                return Err(bad(format!(
                    "{walked} is not a table, so it has no key {k:?}"
                )));
            }
            (Part::Index(i), _) => {
                return Err(bad(format!(
                    "{walked} is not an array, so it has no element [{i}]"
                )));
            }
        };
    }
    let new = match at {
        toml::Value::String(_) => toml::Value::String(value.to_string()),
        toml::Value::Integer(_) => {
            let whole = i64::try_from(value)
                .ok()
                .filter(|_| value.fract().is_zero())
                .ok_or_else(|| bad(format!("takes whole numbers, not {value}")))?;
            toml::Value::Integer(whole)
        }
        toml::Value::Float(_) => toml::Value::Float(decimal_f64(value)),
        // Added above as an empty table: the key was not in the file.
        toml::Value::Table(t) if t.is_empty() => {
            if as_text {
                toml::Value::String(value.to_string())
            } else {
                toml::Value::Float(decimal_f64(value))
            }
        }
        other => {
            return Err(bad(format!(
                "holds a {}, not a single number: name one of its values",
                other.type_str()
            )));
        }
    };
    *at = new;
    toml::to_string(&doc).map_err(|e| bad(format!("cannot write the edited scenario: {e}")))
}

fn decimal_f64(d: Decimal) -> f64 {
    d.to_string().parse().unwrap_or(f64::NAN)
}

/// The scenario text of one grid cell, validated: each value is written with the type of the
/// value it replaces; a value the file does not have yet is tried as a number, then as a quoted
/// decimal (money and rates), and the validation error of the number is reported if neither
/// passes.
pub fn cell_scenario(
    text: &str,
    file: &str,
    varies: &[Vary],
    cell: &[Decimal],
) -> anyhow::Result<(String, crate::scenario::Scenario)> {
    let mut edited = text.to_string();
    for (v, &x) in varies.iter().zip(cell) {
        let numeric = edit(&edited, v, x, false)?;
        let quoted = edit(&edited, v, x, true)?;
        edited = if numeric == quoted {
            numeric
        } else {
            // The key was missing: keep the spelling the scenario accepts.
            let only = |t: &str| crate::scenario::Scenario::parse(t, file).is_ok();
            if !only(&numeric) && only(&quoted) {
                quoted
            } else {
                numeric
            }
        };
    }
    let label = |e: crate::scenario::ScenarioError| {
        let at: Vec<String> = varies
            .iter()
            .zip(cell)
            .map(|(v, x)| format!("{}={x}", v.path))
            .collect();
        anyhow::Error::new(e).context(format!("sweep cell {}", at.join(", ")))
    };
    let scenario =
        crate::scenario::Scenario::parse(&edited, file).map_err(|e| label(e.relocated(text)))?;
    Ok((edited, scenario))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_syntax() {
        let v = parse_vary("products[0].damage.probability.domestic=0.005..0.02:0.005").unwrap();
        assert_eq!(
            v.parts,
            [
                Part::Key("products".into()),
                Part::Index(0),
                Part::Key("damage".into()),
                Part::Key("probability".into()),
                Part::Key("domestic".into()),
            ]
        );
        let got: Vec<String> = v.values.iter().map(|d| d.to_string()).collect();
        assert_eq!(got, ["0.005", "0.01", "0.015", "0.02"]);
        let v = parse_vary("a.b=0.98..1.2:0.1").unwrap();
        assert_eq!(v.values.len(), 3, "END not on the grid is not exceeded");
        for (bad, says) in [
            ("a.b", "no '='"),
            ("a.b=1..2", "no ':STEP'"),
            ("a.b=1:0.1", "START..END"),
            ("a.b=x..2:1", "START \"x\""),
            ("a.b=1..2:0", "STEP 0"),
            ("a.b=2..1:1", "END 1 is smaller"),
            ("a..b=1..2:1", "is not a key"),
            ("a[x]=1..2:1", "is not an index"),
            ("=1..2:1", "is empty"),
            ("a=0..1:0.00001", "more than"),
            ("a=0..10:0.0000000000000000000000000001", "more than"),
            (
                "a=-79228162514264337593543950335..79228162514264337593543950335:1",
                "more than",
            ),
        ] {
            let e = parse_vary(bad).unwrap_err().0;
            assert!(e.contains(says), "{bad}: {e}");
            assert!(e.contains("PATH=START..END:STEP"), "{bad}: {e}");
        }
    }

    #[test]
    fn edits_keep_the_type_and_report_bad_paths() {
        let text = "a = \"0.98\"\nb = 2\nc = 0.5\n[[p]]\nx = 1.0\n";
        let v = |p: &str| parse_vary(&format!("{p}=1..1:1")).unwrap();
        let d = Decimal::from_str("1.25").unwrap();
        assert!(
            edit(text, &v("a"), d, false)
                .unwrap()
                .contains("a = \"1.25\"")
        );
        assert!(edit(text, &v("c"), d, false).unwrap().contains("c = 1.25"));
        assert!(
            edit(text, &v("p[0].x"), d, false)
                .unwrap()
                .contains("x = 1.25")
        );
        assert!(
            edit(text, &v("p[0].new.y"), d, true)
                .unwrap()
                .contains("y = \"1.25\"")
        );
        for (path, says) in [
            ("b", "whole numbers"),
            ("p[3].x", "p[3] does not exist"),
            ("a.z", "a is not a table"),
            ("c[0]", "c is not an array"),
            ("p", "holds a array"),
        ] {
            let e = edit(text, &v(path), d, false).unwrap_err().0;
            assert!(e.contains(says), "{path}: {e}");
        }
    }

    #[test]
    fn cells_are_the_cartesian_product() {
        let a = parse_vary("a=1..2:1").unwrap();
        let b = parse_vary("b=0.1..0.3:0.1").unwrap();
        let c = cells(&[a, b]).unwrap();
        assert_eq!(c.len(), 6);
        assert_eq!(c[1][0].to_string(), "1");
        assert_eq!(c[1][1].to_string(), "0.2");
    }
}
