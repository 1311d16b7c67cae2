//! The module graph of `src/`: no circle between top-level modules, and no product importing
//! another product. Read from the `crate::` paths of the source (comments excepted), so that a
//! change that closes a circle fails here with the circle spelt out.
//!
//! Anyone can print the graph: `cargo test --release --test module_graph -- --nocapture`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments (line comments and doc comments; the code has no block comments).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string ("https://…") is rare in code lines; cutting there only
            // drops text, it cannot add an edge.
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow `prefix` (`crate::` → `engine`, `products`, …).
fn after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &code[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|m| !m.is_empty())
        .collect()
}

/// The path of `file` below `src/`, as module names: `products/bnpl/mod.rs` → [products, bnpl].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(SRC).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

struct Graph {
    /// Top-level module → the top-level modules it names.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// Product folder → the other products it names.
    product_edges: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let mut files = Vec::new();
    rust_files(Path::new(SRC), &mut files);
    let products: BTreeSet<String> = files
        .iter()
        .map(|f| module_of(f))
        .filter(|m| m.len() >= 2 && m[0] == "products")
        .map(|m| m[1].clone())
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut product_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file);
        let top = module[0].clone();
        if top == "lib" || top == "main" {
            continue;
        }
        let code = code(&std::fs::read_to_string(file).unwrap());
        for target in after(&code, "crate::") {
            if target != top {
                edges
                    .entry(top.clone())
                    .or_default()
                    .insert(target.to_string());
            }
        }
        if module.len() >= 2 && top == "products" {
            let own = &module[1];
            let mut named: Vec<&str> = after(&code, "crate::products::");
            // `super::x` from a product's own mod.rs is its submodule; from a submodule
            // (`products/p/simulate.rs`), `super::` is the product itself.
            if module.len() == 2 && !file.ends_with("mod.rs") {
                named.extend(after(&code, "super::"));
            }
            if module.len() >= 3 {
                named.extend(after(&code, "super::super::"));
            }
            for other in named {
                if products.contains(other) && other != own {
                    product_edges
                        .entry(own.clone())
                        .or_default()
                        .insert(other.to_string());
                }
            }
        }
    }
    Graph {
        edges,
        product_edges,
    }
}

/// A circle through `start`, if any: `[start, …, start]`.
fn circle_from(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        edges: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in edges.get(at).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(edges, next, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(edges, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_circle_between_top_level_modules() {
    let g = graph();
    for (from, to) in &g.edges {
        println!(
            "{from} -> {}",
            to.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let circles: Vec<String> = g
        .edges
        .keys()
        .filter_map(|m| circle_from(&g.edges, m))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "module circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_product_imports_another_product() {
    let g = graph();
    assert!(
        g.product_edges.is_empty(),
        "products importing other products: {:?}",
        g.product_edges
    );
}

/// The checker itself: a made-up graph with a circle is caught, one without is not.
#[test]
fn the_circle_finder_finds_circles() {
    let mut e: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |a: &str, b: &str| {
        e.entry(a.into()).or_default().insert(b.into());
    };
    add("scenario", "money");
    add("products", "scenario");
    add("engine", "products");
    assert_eq!(circle_from(&e, "engine"), None);
    e.entry("scenario".into())
        .or_default()
        .insert("engine".into());
    assert_eq!(
        circle_from(&e, "engine").unwrap(),
        ["engine", "products", "scenario", "engine"]
    );
    assert_eq!(
        after(
            &code("use crate::a::b; // crate::c\nx(crate::d)"),
            "crate::"
        ),
        ["a", "d"]
    );
}
