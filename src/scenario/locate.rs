//! Field paths and source positions in scenario TOML, so that every error can say where.
//!
//! Two directions are supported:
//!
//! * [`path_at`] turns a byte span reported by the TOML deserializer (`toml::de::Error::span()`)
//!   into a field path such as `companies[1].shops[0].basket.sigma`;
//! * [`locate`] turns a field path produced by semantic validation into the line and column where
//!   that value is written (or where its nearest existing ancestor is written).
//!
//! # Path syntax
//!
//! Keys are joined by `.`; array elements are written as `[i]` with a 0-based index appended
//! directly to the array's path (`companies[1].shops[0].basket.sigma`); a key that is not a bare
//! identifier (only `A-Za-z0-9_-`, non-empty) is written quoted in brackets, with `"` and `\`
//! escaped by a backslash (`categories["home & garden"]`). Build paths with [`push_key`] and
//! [`push_index`].
//!
//! # Which node the deserializer's errors blame
//!
//! `toml` 1.x attaches these spans to errors raised while deserializing with serde:
//!
//! * an unknown field (`#[serde(deny_unknown_fields)]`): the span of the offending *key*, so
//!   [`path_at`] yields the path of the unknown key itself, e.g. `companies[1].shops[1].colour`
//!   (the parent is that path minus its last segment);
//! * a missing field: the span of the *table that lacks it*: for a `[x]` / `[[x]]` table the
//!   header, for an inline table the `{ ... }`, for a dotted-key table the first key naming it,
//!   and `0..0` for the document root; [`path_at`] yields that table's path (`""` for the root),
//!   e.g. `companies[1].shops[1]` or `companies[0].shops[0].basket`;
//! * a wrong type or value (`orders_per_day = "ten"`): the span of the value, so [`path_at`]
//!   yields the field's own path, e.g. `companies[1].shops[0].orders_per_day`.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

pub use crate::input::keys::{is_bare, push_index, push_key};

/// A position in the scenario file, 1-based, as editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Converts a byte offset to a 1-based line and column (column counted in chars).
///
/// An offset past the end of `text` gives the position just after its last char; an offset inside
/// a multi-byte char gives the position of that char.
pub fn position_of(text: &str, offset: usize) -> Position {
    let mut line = 1;
    let mut column = 1;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() > offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Position { line, column }
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Parses a path written by [`push_key`] / [`push_index`]. Parsing stops at the first malformed
/// part; the segments before it are returned.
fn parse_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut chars = path.chars().peekable();
    let mut after_dot = false;
    loop {
        match chars.peek() {
            None => break,
            Some('[') if !after_dot => {
                chars.next();
                match parse_bracket(&mut chars) {
                    Some(segment) => segments.push(segment),
                    None => break,
                }
                after_dot = false;
            }
            Some('.') if !segments.is_empty() && !after_dot => {
                chars.next();
                after_dot = true;
            }
            Some(&c) if (segments.is_empty() || after_dot) && is_bare_char(c) => {
                let mut key = String::new();
                while let Some(&c) = chars.peek() {
                    if !is_bare_char(c) {
                        break;
                    }
                    key.push(c);
                    chars.next();
                }
                segments.push(Segment::Key(key));
                after_dot = false;
            }
            Some(_) => break,
        }
    }
    segments
}

fn is_bare_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Parses the rest of a bracketed segment after its `[`: `"key"]` or `digits]`.
fn parse_bracket(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Segment> {
    if chars.peek() == Some(&'"') {
        chars.next();
        let mut key = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => key.push('\n'),
                    'r' => key.push('\r'),
                    't' => key.push('\t'),
                    'u' => {
                        if chars.next()? != '{' {
                            return None;
                        }
                        let mut hex = String::new();
                        loop {
                            match chars.next()? {
                                '}' => break,
                                c if c.is_ascii_hexdigit() && hex.len() < 8 => hex.push(c),
                                _ => return None,
                            }
                        }
                        let code = u32::from_str_radix(&hex, 16).ok()?;
                        key.push(char::from_u32(code)?);
                    }
                    other => key.push(other),
                },
                c => key.push(c),
            }
        }
        (chars.next()? == ']').then_some(Segment::Key(key))
    } else {
        let mut digits = String::new();
        loop {
            match chars.next()? {
                ']' => break,
                c if c.is_ascii_digit() => digits.push(c),
                _ => return None,
            }
        }
        digits.parse().ok().map(Segment::Index)
    }
}

/// Whether the table value `value` is an inline table (`{ ... }`), judged from the source text.
fn is_inline_table(text: &str, value: &Spanned<DeValue<'_>>) -> bool {
    matches!(value.get_ref(), DeValue::Table(_))
        && text
            .get(value.span().start..)
            .is_some_and(|rest| rest.starts_with('{'))
}

/// Whether the table value `value` was opened by a `[x]` or `[[x]]` header.
fn is_header_table(text: &str, value: &Spanned<DeValue<'_>>) -> bool {
    matches!(value.get_ref(), DeValue::Table(_))
        && text
            .get(value.span().start..)
            .is_some_and(|rest| rest.starts_with('['))
}

/// The field path of the deepest value in `text` whose span contains `span` (path syntax in the
/// module docs), or "" for the document root. Returns "" if the text does not parse.
///
/// Both keys and values count: a span inside a key gives the path of that key's value. Among the
/// spans containing `span` the smallest wins, ties going to the deeper node (so a `[[x]]` header
/// gives the array element, not the array). If no key or value contains `span` (say it points at
/// blank space inside a table's body), the path of the `[x]`/`[[x]]` section it lies in is
/// returned. The deserializer reports the root table as `0..0`, which gives "".
pub fn path_at(text: &str, span: Range<usize>) -> String {
    let Ok(root) = DeTable::parse(text) else {
        return String::new();
    };
    let (start, end) = (span.start, span.end);

    // Best containing candidate: (span length, depth, path).
    let mut best: Option<(usize, usize, String)> = None;
    // Fallback: the last section header starting at or before `start`: (header start, path).
    let mut section: Option<(usize, String)> = None;

    let mut consider = |node: Range<usize>, depth: usize, path: &str| {
        if node.start <= start && end <= node.end {
            let len = node.end - node.start;
            let better = match &best {
                None => true,
                Some((best_len, best_depth, _)) => {
                    len < *best_len || (len == *best_len && depth > *best_depth)
                }
            };
            if better {
                best = Some((len, depth, path.to_owned()));
            }
        }
    };

    consider(root.span(), 0, "");

    // Explicit stack: no recursion, whatever the nesting depth of the document.
    let mut stack: Vec<(&Spanned<DeValue<'_>>, String, usize)> = Vec::new();
    push_table_entries(root.get_ref(), "", 0, &mut stack, &mut consider);
    while let Some((value, path, depth)) = stack.pop() {
        consider(value.span(), depth, &path);
        match value.get_ref() {
            DeValue::Table(table) => {
                if is_header_table(text, value) {
                    let header = value.span().start;
                    if header <= start && section.as_ref().is_none_or(|(s, _)| *s < header) {
                        section = Some((header, path.clone()));
                    }
                }
                push_table_entries(table, &path, depth, &mut stack, &mut consider);
            }
            DeValue::Array(array) => push_array_items(array, &path, depth, &mut stack),
            _ => {}
        }
    }

    match (best, section) {
        (Some((_, _, path)), _) => path,
        (None, Some((_, path))) => path,
        (None, None) => String::new(),
    }
}

fn push_table_entries<'t, 'i>(
    table: &'t DeTable<'i>,
    path: &str,
    depth: usize,
    stack: &mut Vec<(&'t Spanned<DeValue<'i>>, String, usize)>,
    consider: &mut impl FnMut(Range<usize>, usize, &str),
) {
    for (key, value) in table.iter() {
        let mut child = path.to_owned();
        push_key(&mut child, key.get_ref());
        consider(key.span(), depth + 1, &child);
        stack.push((value, child, depth + 1));
    }
}

fn push_array_items<'t, 'i>(
    array: &'t DeArray<'i>,
    path: &str,
    depth: usize,
    stack: &mut Vec<(&'t Spanned<DeValue<'i>>, String, usize)>,
) {
    for (i, value) in array.iter().enumerate() {
        let mut child = path.to_owned();
        push_index(&mut child, i);
        stack.push((value, child, depth + 1));
    }
}

/// The position where the value at `path` is written; if that exact path is absent, the position
/// of its nearest existing ancestor (for a key inside a table, the table header or the key of the
/// inline table); None if the text does not parse or nothing matches (then position (1,1) is fine
/// for callers, but return None).
///
/// A scalar or array points at the value itself (`0` in `sigma = 0`, `[` of an array); a table
/// points at its `[x]` / `[[x]]` header, or at its key when it is an inline table or made by
/// dotted keys; an array element points at the element (for `[[x]]` elements, their header).
/// The empty path is the document root, at (1,1). A path whose first key is absent, or that is
/// malformed from its start, gives None; a path malformed further on is followed as far as it
/// is well formed.
pub fn locate(text: &str, path: &str) -> Option<Position> {
    let root = DeTable::parse(text).ok()?;
    if path.is_empty() {
        return Some(Position { line: 1, column: 1 });
    }
    let mut table: Option<&DeTable<'_>> = Some(root.get_ref());
    let mut array: Option<&DeArray<'_>> = None;
    let mut found: Option<usize> = None;
    for segment in parse_path(path) {
        let next = match &segment {
            Segment::Key(key) => table
                .and_then(|t| t.get_key_value(key.as_str()))
                .map(|(k, v)| {
                    let offset = if is_inline_table(text, v) {
                        k.span().start
                    } else {
                        v.span().start
                    };
                    (v, offset)
                }),
            Segment::Index(i) => array.and_then(|a| a.get(*i)).map(|v| (v, v.span().start)),
        };
        let Some((value, offset)) = next else {
            break;
        };
        found = Some(offset);
        table = value.get_ref().as_table();
        array = value.get_ref().as_array();
    }
    found.map(|offset| position_of(text, offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    const SCENARIO: &str = r#"# Scenario: two companies, three shops
name = "baseline"
seed = 42

[horizon]
days = 365
start = "2025-01-01"

[calendar]
weekday_multipliers = [1.0, 1.1, 0.9, 1.2, 1.0, 0.8, 0.7]

[[companies]]
name = "Müller GmbH"
claims.rate = 0.02
claims.severity = 0.5

[[companies.shops]]
name = "möbel"
orders_per_day = 120
basket = { median_eur = 38, sigma = 0 }

[companies.shops.categories]
"home & garden" = 0.25
"électronique" = 0.75

[[companies]]
name = "Beta"

[[companies.shops]]
name = "beta-1"
orders_per_day = 10
basket = { median_eur = 20, sigma = 0.3 }

[[companies.shops]]
name = "beta-2"
orders_per_day = 15
basket.median_eur = 55
basket.sigma = 0.4
"#;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Scenario {
        name: String,
        seed: u64,
        horizon: Horizon,
        calendar: Calendar,
        companies: Vec<Company>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Horizon {
        days: u32,
        start: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Calendar {
        weekday_multipliers: Vec<f64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Company {
        name: String,
        claims: Option<Claims>,
        shops: Vec<Shop>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Claims {
        rate: f64,
        severity: f64,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shop {
        name: String,
        orders_per_day: u32,
        basket: Basket,
        categories: Option<BTreeMap<String, f64>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Basket {
        median_eur: f64,
        sigma: f64,
    }

    /// The text at `pos` (1-based line and char column) to the end of that line.
    fn text_at(text: &str, pos: Position) -> String {
        let line = text.lines().nth(pos.line - 1).unwrap_or("");
        line.chars().skip(pos.column - 1).collect()
    }

    #[test]
    fn the_scenario_deserializes() {
        let scenario: Scenario = toml::from_str(SCENARIO).expect("valid scenario");
        assert_eq!(scenario.companies.len(), 2);
        assert_eq!(scenario.companies[1].shops.len(), 2);
    }

    #[test]
    fn locate_finds_values_tables_and_fallbacks() {
        // (path, line, column, text starting there)
        let cases: &[(&str, usize, usize, &str)] = &[
            ("", 1, 1, "# Scenario"),
            ("name", 2, 8, "\"baseline\""),
            ("horizon", 5, 1, "[horizon]"),
            ("horizon.days", 6, 8, "365"),
            ("calendar.weekday_multipliers", 10, 23, "[1.0, 1.1"),
            ("calendar.weekday_multipliers[3]", 10, 39, "1.2, 1.0"),
            // Index past the end: falls back to the array.
            ("calendar.weekday_multipliers[7]", 10, 23, "[1.0, 1.1"),
            // An array of tables points at its first header, an element at its own header.
            ("companies", 12, 1, "[[companies]]"),
            ("companies[1]", 26, 1, "[[companies]]"),
            ("companies[0].name", 13, 8, "\"Müller GmbH\""),
            // Dotted keys: the implicit table at its key, the leaf at its value.
            ("companies[0].claims", 14, 1, "claims.rate"),
            ("companies[0].claims.severity", 15, 19, "0.5"),
            // Inline table: the table at its key, the values at themselves.
            ("companies[0].shops[0].basket", 20, 1, "basket = {"),
            ("companies[0].shops[0].basket.sigma", 20, 37, "0 }"),
            ("companies[0].shops[0].basket.median_eur", 20, 25, "38,"),
            // Missing key inside an inline table: falls back to the inline table's key.
            ("companies[0].shops[0].basket.mu", 20, 1, "basket = {"),
            // Quoted keys, with multi-byte chars before the value on the same line.
            (
                "companies[0].shops[0].categories",
                22,
                1,
                "[companies.shops.categories]",
            ),
            (
                "companies[0].shops[0].categories[\"home & garden\"]",
                23,
                19,
                "0.25",
            ),
            (
                "companies[0].shops[0].categories[\"électronique\"]",
                24,
                18,
                "0.75",
            ),
            // The second company's second shop, and values in it.
            ("companies[1].shops[1]", 34, 1, "[[companies.shops]]"),
            ("companies[1].shops[1].orders_per_day", 36, 18, "15"),
            ("companies[1].shops[1].basket", 37, 1, "basket.median_eur"),
            ("companies[1].shops[1].basket.sigma", 38, 16, "0.4"),
            ("companies[1].shops[0].basket.sigma", 32, 37, "0.3 }"),
            // Missing optional field: falls back to the shop's header.
            (
                "companies[1].shops[1].refund_rate",
                34,
                1,
                "[[companies.shops]]",
            ),
            (
                "companies[1].shops[1].categories[\"x\"]",
                34,
                1,
                "[[companies.shops]]",
            ),
            // Shop index out of range: the company's `shops` array (its first header).
            ("companies[1].shops[5].name", 29, 1, "[[companies.shops]]"),
            // Descending into a scalar: stays at the scalar.
            ("horizon.days.value", 6, 8, "365"),
            // Malformed tail: followed as far as it is well formed.
            ("horizon.days[", 6, 8, "365"),
        ];
        for &(path, line, column, snippet) in cases {
            let pos = locate(SCENARIO, path);
            assert_eq!(pos, Some(Position { line, column }), "locate({path:?})");
            let at = text_at(SCENARIO, Position { line, column });
            assert!(at.starts_with(snippet), "{path:?}: {at:?} !~ {snippet:?}");
        }
    }

    #[test]
    fn locate_gives_none_when_nothing_matches() {
        for path in [
            "nonexistent",
            "nonexistent.x",
            "[0]",
            "[\"seed\"x",
            ".name",
            "\"name\"",
        ] {
            assert_eq!(locate(SCENARIO, path), None, "locate({path:?})");
        }
        assert_eq!(locate("name = \n", "name"), None, "invalid TOML");
        assert_eq!(locate("[a]\n[a]\n", ""), None, "duplicate table");
        assert_eq!(
            locate("[\"seed\"]\nx = 1\n", "[\"seed\"].x"),
            Some(Position { line: 2, column: 5 })
        );
    }

    /// `path_at` of the span of the error `toml::from_str::<Scenario>` reports for `text`.
    fn error_path(text: &str) -> String {
        let err = toml::from_str::<Scenario>(text).expect_err("scenario must be rejected");
        let span = err.span().expect("error has a span");
        path_at(text, span)
    }

    #[test]
    fn path_at_maps_deserializer_errors_back() {
        let edit = |from: &str, to: &str| {
            assert!(SCENARIO.contains(from), "{from:?}");
            SCENARIO.replacen(from, to, 1)
        };
        let cases: Vec<(String, &str)> = vec![
            // Unknown field inside the second company's second shop: the unknown key is blamed.
            (
                edit(
                    "name = \"beta-2\"\n",
                    "name = \"beta-2\"\ncolour = \"red\"\n",
                ),
                "companies[1].shops[1].colour",
            ),
            // Unknown field inside a dotted-key table and an inline table.
            (
                edit("basket.sigma = 0.4", "basket.sigma = 0.4\nbasket.mu = 1"),
                "companies[1].shops[1].basket.mu",
            ),
            (
                edit("sigma = 0 }", "sigma = 0, mu = 3 }"),
                "companies[0].shops[0].basket.mu",
            ),
            // Unknown sub-table under a shop: the key in its header.
            (
                format!("{SCENARIO}\n[companies.shops.extra]\nx = 1\n"),
                "companies[1].shops[1].extra",
            ),
            // Unknown field at the root.
            (edit("seed = 42", "seed = 42\nsede = 43"), "sede"),
            // Type errors: the field itself.
            (
                edit("orders_per_day = 10", "orders_per_day = \"ten\""),
                "companies[1].shops[0].orders_per_day",
            ),
            (
                edit("sigma = 0 }", "sigma = \"zero\" }"),
                "companies[0].shops[0].basket.sigma",
            ),
            (
                edit("1.2, 1.0", "\"high\", 1.0"),
                "calendar.weekday_multipliers[3]",
            ),
            (
                edit("\"home & garden\" = 0.25", "\"home & garden\" = true"),
                "companies[0].shops[0].categories[\"home & garden\"]",
            ),
            (edit("days = 365", "days = -1"), "horizon.days"),
            // Missing fields: the table that lacks them.
            (edit("orders_per_day = 15\n", ""), "companies[1].shops[1]"),
            (edit(", sigma = 0 }", " }"), "companies[0].shops[0].basket"),
            (
                edit("basket.sigma = 0.4\n", ""),
                "companies[1].shops[1].basket",
            ),
            (edit("start = \"2025-01-01\"\n", ""), "horizon"),
            (edit("seed = 42\n", ""), ""),
        ];
        for (text, expected) in &cases {
            assert_eq!(&error_path(text), expected, "in\n{text}");
            // And back: the blamed path is locatable.
            if !expected.is_empty() {
                assert!(locate(text, expected).is_some(), "locate({expected:?})");
            }
        }
    }

    #[test]
    fn path_at_maps_source_spans() {
        let offset = |needle: &str| SCENARIO.find(needle).expect(needle);
        let span_of = |needle: &str| offset(needle)..offset(needle) + needle.len();
        let cases: Vec<(Range<usize>, &str)> = vec![
            (0..0, ""),
            (span_of("\"baseline\""), "name"),
            (span_of("[horizon]"), "horizon"),
            (span_of("horizon]"), "horizon"),
            (span_of("1.1"), "calendar.weekday_multipliers[1]"),
            (
                span_of("weekday_multipliers"),
                "calendar.weekday_multipliers",
            ),
            (span_of("rate"), "companies[0].claims.rate"),
            (span_of("median_eur = 38"), "companies[0].shops[0].basket"),
            (
                span_of("\"home & garden\""),
                "companies[0].shops[0].categories[\"home & garden\"]",
            ),
            (span_of("0.4"), "companies[1].shops[1].basket.sigma"),
            // Blank line inside the second company's body: the section it lies in.
            (
                offset("name = \"Beta\"\n") + 14..offset("name = \"Beta\"\n") + 14,
                "companies[1]",
            ),
            // Comment before any header: the root.
            (2..5, ""),
            // Out of range and reversed spans do not panic.
            (
                SCENARIO.len() + 10..SCENARIO.len() + 20,
                "companies[1].shops[1]",
            ),
            (usize::MAX..usize::MAX, "companies[1].shops[1]"),
        ];
        for (span, expected) in cases {
            assert_eq!(path_at(SCENARIO, span.clone()), expected, "span {span:?}");
        }
        assert_eq!(path_at("name = \n", 0..4), "", "invalid TOML");
    }

    #[test]
    fn path_syntax_round_trips() {
        let keys = [
            "companies",
            "home & garden",
            "",
            "a.b",
            "with \"quotes\" and \\",
            "line\nbreak\ttab\u{1}",
            "électronique",
            "42",
            "]",
        ];
        for key in keys {
            let mut path = String::new();
            push_key(&mut path, "root");
            push_key(&mut path, key);
            push_index(&mut path, 7);
            push_key(&mut path, key);
            assert_eq!(
                parse_path(&path),
                vec![
                    Segment::Key("root".into()),
                    Segment::Key(key.into()),
                    Segment::Index(7),
                    Segment::Key(key.into()),
                ],
                "{path}"
            );
        }
        let mut path = String::new();
        push_key(&mut path, "companies");
        push_index(&mut path, 1);
        push_key(&mut path, "shops");
        push_index(&mut path, 0);
        push_key(&mut path, "basket");
        push_key(&mut path, "sigma");
        assert_eq!(path, "companies[1].shops[0].basket.sigma");
        let mut path = String::new();
        push_key(&mut path, "home & garden");
        assert_eq!(path, "[\"home & garden\"]");
    }

    #[test]
    fn position_of_counts_chars_after_multibyte_text() {
        let text = "a = \"ü€😀\"\nb = 1\r\nc = \"→\" # ✓\n";
        let cases: &[(usize, usize, usize)] = &[
            (0, 1, 1),
            (4, 1, 5),
            (5, 1, 6),   // ü (2 bytes)
            (6, 1, 6),   // inside ü
            (7, 1, 7),   // € (3 bytes)
            (10, 1, 8),  // 😀 (4 bytes)
            (12, 1, 8),  // inside 😀
            (14, 1, 9),  // closing quote
            (15, 1, 10), // the newline itself
            (16, 2, 1),
            (20, 2, 5),
            (23, 3, 1),
            (28, 3, 6), // →
            (31, 3, 7), // closing quote after → (3 bytes)
            (text.len(), 4, 1),
            (text.len() + 100, 4, 1),
            (usize::MAX, 4, 1),
        ];
        for &(offset, line, column) in cases {
            assert_eq!(
                position_of(text, offset),
                Position { line, column },
                "offset {offset}"
            );
        }
        assert_eq!(position_of("", 3), Position { line: 1, column: 1 });
    }

    #[test]
    fn no_panics_on_odd_input() {
        let texts = [
            SCENARIO,
            "",
            "é = 1",
            "\"é\" = { \"ü\" = [[1], [2, { x = 3 }]] }",
            "[[a]]\n[[a.b]]\n[a.b.c]\nd.e = 1\n[[a]]\n",
            "x = [\n  1,\n\n  2,\n]\n",
            "not toml at all ü",
        ];
        let paths = [
            "",
            "[",
            "[\"",
            "[\"\\",
            "[\"\\u{",
            "[\"\\u{d800}\"]",
            "[99999999999999999999999]",
            "a..b",
            ".",
            "a.",
            "é",
            "\"é\"",
            "[\"é\"][\"ü\"][0][1].x",
            "a[0].b[0].c.d.e",
        ];
        for text in texts {
            for path in paths {
                let _ = locate(text, path);
            }
            for start in 0..text.len() + 3 {
                let _ = position_of(text, start);
                for end in [start, start + 1, start + 7, 0] {
                    let _ = path_at(text, start..end);
                }
            }
        }
    }
}
