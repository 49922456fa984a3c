//! The layout shows the architecture: no two files import each other, directly or in a loop,
//! and the exporter's modules import only modules below them in
//! job < config < aws < aggregate < collect < metrics < http < daemon.
//!
//! Imports are read from the sources: `use` statements (braces expanded) and inline
//! `crate::…`/`super::…` paths, each resolved to the file that defines the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The exporter's layers, lowest first; `cli` and `logging` serve `main` only.
const LAYERS: [&str; 10] = [
    "job",
    "cli",
    "logging",
    "config",
    "aws",
    "aggregate",
    "collect",
    "metrics",
    "http",
    "daemon",
];

/// Removes comments and the contents of string and char literals, keeping line structure.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'r' && i + 1 < b.len() && (b[i + 1] == b'"' || b[i + 1] == b'#') {
            // Raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == b'#' {
                hashes += 1;
                j += 1;
            }
            if j < b.len() && b[j] == b'"' {
                let close = format!("\"{}", "#".repeat(hashes));
                let end = src[j + 1..]
                    .find(&close)
                    .map_or(b.len(), |e| j + 1 + e + close.len());
                out.push_str("\"\"");
                i = end;
            } else {
                out.push('r');
                i += 1;
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal ('x' or '\n'); lifetimes ('a) stay.
            let end = src[i + 1..].find('\'').map_or(b.len(), |e| i + 2 + e);
            out.push_str("' '");
            i = end;
        } else {
            let c = src[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(expand)
        .map(|p| format!("{prefix}{p}"))
        .collect()
}

/// Every `crate::`/`super::` path a file names, with the module path it is written in (the
/// file's module plus any inline `mod x { … }` around it).
fn references(src: &str, file_module: &[String]) -> Vec<(Vec<String>, String)> {
    let s = strip(src);
    let mut out = Vec::new();
    // Inline modules: (brace depth at which it closes, name).
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let bytes = s.as_bytes();
    let mut i = 0;
    let ident_at = |j: usize| -> &str {
        let end = s[j..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(s.len(), |e| j + e);
        &s[j..end]
    };
    let word_start =
        |j: usize| j == 0 || !(bytes[j - 1].is_ascii_alphanumeric() || bytes[j - 1] == b'_');
    while i < bytes.len() {
        let here = || {
            let mut m = file_module.to_vec();
            m.extend(inline.iter().map(|(_, n)| n.clone()));
            m
        };
        match bytes[i] {
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                if inline.last().is_some_and(|(d, _)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ if word_start(i) && s[i..].starts_with("mod ") => {
                let name = ident_at(i + 4).to_owned();
                let after = s[i + 4 + name.len()..].trim_start();
                if after.starts_with('{') {
                    inline.push((depth + 1, name.clone()));
                }
                i += 4 + name.len();
            }
            _ if word_start(i) && s[i..].starts_with("use ") => {
                let end = s[i..].find(';').map_or(s.len(), |e| i + e);
                let tree: String = s[i + 4..end].split_whitespace().collect();
                for p in expand(&tree) {
                    if p.starts_with("crate::")
                        || p.starts_with("super::")
                        || p.starts_with("self::")
                    {
                        out.push((here(), p));
                    }
                }
                i = end;
            }
            _ if word_start(i)
                && (s[i..].starts_with("crate::") || s[i..].starts_with("super::")) =>
            {
                let end = s[i..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .map_or(s.len(), |e| i + e);
                out.push((here(), s[i..end].trim_end_matches(':').to_owned()));
                i = end;
            }
            _ => {
                let c = s[i..].chars().next().unwrap();
                i += c.len_utf8();
            }
        }
    }
    out
}

/// The module path of a source file: `src/aggregate/ended.rs` → `[aggregate, ended]`.
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// File → the files it imports, within one crate rooted at `root`.
fn graph(root: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut all = Vec::new();
    files(root, &mut all);
    let by_module: BTreeMap<Vec<String>, PathBuf> = all
        .iter()
        .filter(|f| !f.ends_with("main.rs"))
        .map(|f| (module_of(root, f), f.clone()))
        .collect();
    let mut g = BTreeMap::new();
    for f in &all {
        let src = std::fs::read_to_string(f).unwrap();
        let mut deps = BTreeSet::new();
        for (module, path) in references(&src, &module_of(root, f)) {
            let mut segs: Vec<String> = Vec::new();
            let mut rest = path.split("::").peekable();
            match rest.next() {
                Some("crate") => {}
                Some("super") => {
                    segs = module.clone();
                    segs.pop();
                    while rest.peek() == Some(&"super") {
                        rest.next();
                        segs.pop();
                    }
                }
                Some("self") => segs = module.clone(),
                _ => continue,
            }
            segs.extend(rest.map(str::to_owned));
            // The longest prefix that names a module file.
            let target = (0..=segs.len())
                .rev()
                .find_map(|n| by_module.get(&segs[..n]));
            if let Some(t) = target
                && t != f
            {
                deps.insert(t.clone());
            }
        }
        g.insert(f.clone(), deps);
    }
    g
}

/// A cycle through `graph`, if there is one.
fn find_cycle(g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    fn visit(
        n: &PathBuf,
        g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<PathBuf, u8>,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        state.insert(n.clone(), 1);
        stack.push(n.clone());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|x| x == d).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(d, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if state.get(n).copied().unwrap_or(0) == 0
            && let Some(c) = visit(n, g, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_two_files_import_each_other_in_either_crate() {
    for root in ["src", "crates/aws-backup-sim/src"] {
        let g = graph(&repo().join(root));
        assert!(g.len() > 10, "{root}: read {} files", g.len());
        if let Some(c) = find_cycle(&g) {
            let names: Vec<_> = c
                .iter()
                .map(|p| p.strip_prefix(repo()).unwrap().display().to_string())
                .collect();
            panic!("import cycle: {}", names.join(" → "));
        }
    }
}

#[test]
fn modules_import_only_modules_below_them() {
    let root = repo().join("src");
    let rank = |f: &Path| -> Option<usize> {
        let m = module_of(&root, f);
        let top = m.first()?;
        LAYERS.iter().position(|l| l == top)
    };
    let mut wrong = Vec::new();
    for (f, deps) in graph(&root) {
        let Some(rf) = rank(&f) else { continue };
        for d in deps {
            let Some(rd) = rank(&d) else { continue };
            if rd > rf {
                wrong.push(format!(
                    "{} imports {}",
                    f.strip_prefix(&root).unwrap().display(),
                    d.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_cycles_and_upward_imports() {
    // The parser itself, on made-up sources: braces, super chains, inline modules, strings.
    let refs = references(
        "use super::{a::X, b::{Y, Z}};\n\
         mod tests { use super::*; }\n\
         fn f() { let s = \"crate::fake::x\"; crate::real::call(); }\n",
        &["m".into(), "n".into()],
    );
    let paths: Vec<_> = refs
        .iter()
        .map(|(m, p)| (m.join("::"), p.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("m::n".to_owned(), "super::a::X"),
            ("m::n".to_owned(), "super::b::Y"),
            ("m::n".to_owned(), "super::b::Z"),
            ("m::n::tests".to_owned(), "super::*"),
            ("m::n".to_owned(), "crate::real::call"),
        ]
    );
    let mut g = BTreeMap::new();
    g.insert(PathBuf::from("a"), BTreeSet::from([PathBuf::from("b")]));
    g.insert(PathBuf::from("b"), BTreeSet::from([PathBuf::from("c")]));
    g.insert(PathBuf::from("c"), BTreeSet::from([PathBuf::from("a")]));
    assert_eq!(find_cycle(&g).map(|c| c.len()), Some(4));
    g.insert(PathBuf::from("c"), BTreeSet::new());
    assert_eq!(find_cycle(&g), None);
}
