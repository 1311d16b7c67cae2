//! Field paths as error messages print them: `companies[0].shops[1].basket.sigma`,
//! `products[0].tariff.rates["risk class"]`. Written here, read back by `scenario::locate` to
//! find a path's line and column in the file.

/// Whether `key` can be written bare in a path (and in TOML): non-empty, only `A-Za-z0-9_-`.
pub fn is_bare(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Appends a table key to `path`: `.key` (no dot at the start), or `["key"]` when the key is not a
/// bare identifier (`"` and `\` are escaped with a backslash, control chars as `\u{..}`).
pub fn push_key(path: &mut String, key: &str) {
    if is_bare(key) {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str("[\"");
        for c in key.chars() {
            match c {
                '"' => path.push_str("\\\""),
                '\\' => path.push_str("\\\\"),
                '\n' => path.push_str("\\n"),
                '\r' => path.push_str("\\r"),
                '\t' => path.push_str("\\t"),
                c if c.is_control() => {
                    path.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
                }
                c => path.push(c),
            }
        }
        path.push_str("\"]");
    }
}

/// Appends an array index to `path`: `[i]`.
pub fn push_index(path: &mut String, i: usize) {
    path.push('[');
    path.push_str(&i.to_string());
    path.push(']');
}
