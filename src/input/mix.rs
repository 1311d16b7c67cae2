//! Closed-vocabulary shares: `categories = { fashion = 0.6, home_garden = 0.4 }`.

use super::keys::push_key;
use super::validate::Validator;
use crate::distributions::Mix;
use std::collections::BTreeMap;

/// A `{ name = share }` table over a closed vocabulary, shares adding up to 1.
pub fn mix<T: Copy + Ord>(
    v: &mut Validator,
    path: &str,
    map: &BTreeMap<String, f64>,
    parse: fn(&str) -> Option<T>,
    allowed: String,
    what: &str,
) -> Mix<T> {
    let mut pairs = Vec::new();
    let mut unknown = false;
    for (name, &share) in map {
        let mut p = path.to_string();
        push_key(&mut p, name);
        let share = v.probability(&p, share);
        match parse(name) {
            Some(item) => pairs.push((item, share)),
            None => {
                unknown = true;
                v.fail(
                    &p,
                    format!("{name:?}"),
                    format!("is not a known {what}; use one of {allowed}"),
                );
            }
        }
    }
    pairs.sort_by_key(|p| p.0);
    let shares: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    if pairs.is_empty() || shares.iter().sum::<f64>() <= 0.0 {
        if map.is_empty() || !v.has_issues() {
            v.fail_field(
                path,
                format!("must give at least one {what} with a share above 0"),
            );
        }
        return Mix::new(vec![(parse_first(parse, &allowed), 1.0)]);
    }
    // With a misspelt name the shares written may well add up to 1; the sum of the known ones
    // would be a second, misleading complaint about the same mistake.
    if !unknown {
        v.shares_sum_to_one(path, &shares);
    }
    Mix::new(pairs)
}

fn parse_first<T>(parse: fn(&str) -> Option<T>, allowed: &str) -> T {
    parse(allowed.split(", ").next().expect("non-empty vocabulary"))
        .expect("vocabulary parses its own names")
}
