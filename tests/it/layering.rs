//! The layering rule (issue 13), read from `src/`: every file belongs to a room, and a room may
//! use only the rooms below it. A failure names each offending line as
//! `src/file.rs:LINE: <room> may not use <room> (the line)`.
//!
//! The same checks hold two conventions of the page kit for all of `src/`: no positional row
//! reads outside `src/db/` (map rows by column name: `from_row!`, `FromRow`), and no untyped
//! form reads outside `src/web/` (take a `CsrfForm<F>` / `PublicForm<F>` of a typed struct).
//!
//! The scanner is a small lexer, not a parser: comments, doc comments and string literals are
//! blanked first; then `use` trees (groups expanded), `crate::…` paths (and `$crate::…` in
//! macros) and `super::…` paths (resolved against the file's module and its inline `mod`s)
//! name the room they reach. A room is taken from a path's first segment, plus `pages` for a
//! capability's pages (`crate::needs::pages::…` is the room `needs/pages`); `crate::html!`
//! and other exported macros belong to the room of the file that defines them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Layers, bottom to top.
const FOUNDATION: u8 = 0;
const AUDIT: u8 = 1;
const ACCESS: u8 = 2;
const KIT: u8 = 3;
const REGISTRY: u8 = 4;
const CAPABILITY: u8 = 5;
const TOP: u8 = 9;

/// One room: its name (the folder or file under `src/`), its layer, and the rooms of its own
/// layer it may use (one way: the test checks these names form no circle).
struct Room {
    name: &'static str,
    layer: u8,
    also: &'static [&'static str],
}

const fn room(name: &'static str, layer: u8, also: &'static [&'static str]) -> Room {
    Room { name, layer, also }
}

/// THE RULE. A room may use every room of a lower layer, the rooms named in its `also`, and
/// itself. A capability's pages (`src/<cap>/pages/**`, room `<cap>/pages`) sit just above the
/// capability: they may use their own engine, every room their engine may use, and the web
/// kit with every room the kit may use. The pages of one capability may use the pages of
/// another only through a module that capability declares in [`PAGE_INTERFACES`], and only if
/// their engine may use that capability. A top room may use anything; no other room may use a
/// top room. A new folder or file under `src/` must be added here (the test says so).
const ROOMS: &[Room] = &[
    // Foundation: plain helpers that know nothing of the capabilities.
    room("privacy", FOUNDATION, &[]), // pseudonyms, masking, personal-data rules
    room("rng", FOUNDATION, &[]),     // the deterministic random source (demo data)
    room("hex", FOUNDATION, &[]),     // hex encoding of tokens, hashes, MACs
    room("i18n", FOUNDATION, &[]),    // messages in both languages, field labels
    room("db", FOUNDATION, &[]),      // storage: SQLite and PostgreSQL, typed rows
    room("error", FOUNDATION, &["i18n", "db"]), // AppError, field errors in both languages
    room("calendar", FOUNDATION, &["error", "db"]), // days ↔ dates, the date field
    room("scope", FOUNDATION, &["db"]), // an account's area subtrees and their SQL condition
    // The audit log: every change is written through it.
    room("audit", AUDIT, &[]),
    // Notifications (issue 19): the outbox every capability puts its events in, and the
    // senders; knows no capability (their re-checks are installed by the server).
    room("notify", AUDIT, &["audit"]),
    // Accounts, sessions, roles and areas of authority.
    room("access", ACCESS, &[]),
    // The web kit: AppState, Ctx, Auth, error pages, typed forms, markup helpers.
    room("web", KIT, &[]),
    // The registry: areas, households, residents, imports; every capability builds on it.
    room("registry", REGISTRY, &[]),
    // Capabilities on the registry. Among them a dependency runs one way only, as listed.
    room("zones", CAPABILITY, &[]),
    room("testing", CAPABILITY, &["zones"]), // shows the zone in force; no-epidemic candidates
    room("mobilization", CAPABILITY, &[]),
    // reads the pass log's "refer to quarantine" decisions (checkpoints::referrals)
    room(
        "quarantine",
        CAPABILITY,
        &["testing", "mobilization", "checkpoints"],
    ),
    // asks mobilization for volunteers; sealed and quarantined households' needs sort first
    room(
        "needs",
        CAPABILITY,
        &["mobilization", "zones", "quarantine"],
    ),
    room(
        "checkpoints",
        CAPABILITY,
        &["zones", "testing", "mobilization"],
    ), // places, duty, tests, zones
    room("vaccination", CAPABILITY, &["needs"]), // transport goes through the needs engine
    room("supplies", CAPABILITY, &["needs", "mobilization"]),
    // the overview: reads every capability's figures
    room(
        "hq",
        CAPABILITY,
        &[
            "zones",
            "testing",
            "mobilization",
            "checkpoints",
            "quarantine",
            "needs",
            "vaccination",
            "supplies",
        ],
    ),
    // Top: the composition. May use anything; nothing below may use it.
    room("config", TOP, &[]),    // the configuration file and environment
    room("retention", TOP, &[]), // composes every capability's retention rule
    room("server", TOP, &[]),    // router, serve, the registry read API, OpenAPI
    room("home", TOP, &[]),      // the first page of each role: reads several capabilities
    room("cli", TOP, &[]),       // the command line (demo data, import, backup, …)
    room("lib", TOP, &[]),
    room("main", TOP, &[]),
];

/// Modules of a capability's pages that the pages of higher capabilities may use (each a
/// small interface the lower capability declares).
const PAGE_INTERFACES: &[&str] = &[
    // The parts other capabilities draw on the registry's household and resident pages
    // (the needs' section, the visit button, test results); the server installs them.
    "registry::pages::parts",
];

/// Files allowed to read rows by position: the storage layer itself.
const POSITIONAL_READS_ALLOWED: &[&str] = &["src/db/"];
/// Files allowed to read forms as raw pairs: none (the kit decodes every form into a struct).
const FORM_READS_ALLOWED: &[&str] = &[];

// ---------------------------------------------------------------------------------------
// The checks.

#[test]
fn rooms_use_only_rooms_below() {
    let files = sources();
    let macros = exported_macros(files);
    let mut bad = Vec::new();
    for f in files {
        bad.extend(layering_violations(f, &macros));
    }
    assert!(
        bad.is_empty(),
        "{} layering violations:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn no_positional_row_reads_outside_storage() {
    let mut bad = Vec::new();
    for f in sources() {
        if !POSITIONAL_READS_ALLOWED
            .iter()
            .any(|p| f.path.starts_with(p))
        {
            bad.extend(positional_reads(f));
        }
    }
    assert!(
        bad.is_empty(),
        "{} positional row reads:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn no_untyped_form_reads_outside_the_kit() {
    let mut bad = Vec::new();
    for f in sources() {
        if !FORM_READS_ALLOWED.iter().any(|p| f.path.starts_with(p)) {
            bad.extend(form_reads(f));
        }
    }
    assert!(
        bad.is_empty(),
        "{} untyped form reads:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn the_rule_has_no_circle() {
    let names: BTreeSet<&str> = ROOMS.iter().map(|r| r.name).collect();
    for r in ROOMS {
        for a in r.also {
            let other = ROOMS.iter().find(|o| o.name == *a);
            let other = other.unwrap_or_else(|| panic!("{} names an unknown room {a}", r.name));
            assert_eq!(
                other.layer, r.layer,
                "{} names {a} of another layer",
                r.name
            );
        }
    }
    // Depth-first search over the in-layer edges.
    fn visit<'a>(n: &'a str, path: &mut Vec<&'a str>, done: &mut BTreeSet<&'a str>) {
        if let Some(at) = path.iter().position(|p| *p == n) {
            panic!("circle in the rule: {} -> {n}", path[at..].join(" -> "));
        }
        if !done.insert(n) && path.is_empty() {
            return;
        }
        path.push(n);
        for a in ROOMS.iter().find(|r| r.name == n).unwrap().also {
            visit(a, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for n in names {
        visit(n, &mut Vec::new(), &mut done);
    }
    for i in PAGE_INTERFACES {
        let segs: Vec<&str> = i.split("::").collect();
        assert!(
            segs.len() > 2 && segs[1] == "pages",
            "{i}: not a module of a capability's pages"
        );
    }
}

/// The checker itself: a planted violation of each kind is found, and lawful uses are not.
#[test]
fn the_checker_finds_planted_violations() {
    let src = r#"//! crate::server in a doc comment is fine
use crate::{db::Db, web::kit::Id};
use crate::testing::{
    pages::round_areas,
    Round,
};
use super::Thing;
fn f(r: &Row, c: &mut Check) {
    let s = ("crate::cli::run in a string is fine", '"', '中', /* crate::cli */ 'x');
    let a = r.int(0);
    let b = r.opt_text(i + 1);
    let n = c.int("count", &f.count);
    let g = r.get::<i64>("id");
    let h = crate::server::routes();
    let t = (first(&f, "name"), all(f, "ids"));
    let p: Pairs = todo!();
    let ok = xs.iter().all(|x| x > 0);
}
#[cfg(test)]
mod tests {
    use super::*;
}
"#;
    let f = Source::new("src/needs/flow.rs", src);
    let macros = BTreeMap::new();
    let l = layering_violations(&f, &macros);
    let got: Vec<&str> = l.iter().map(|s| s.split(" (").next().unwrap()).collect();
    assert_eq!(
        got,
        [
            "src/needs/flow.rs:4: needs may not use testing/pages",
            "src/needs/flow.rs:5: needs may not use testing",
            "src/needs/flow.rs:14: needs may not use server",
        ],
        "{l:#?}"
    );
    let p = positional_reads(&f);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(p[0].starts_with("src/needs/flow.rs:10:") && p[1].starts_with("src/needs/flow.rs:11:"));
    let fr = form_reads(&f);
    assert_eq!(fr.len(), 3, "{fr:#?}");
    assert!(
        fr[0].starts_with("src/needs/flow.rs:15:") && fr[2].starts_with("src/needs/flow.rs:16:")
    );
    // A capability's engine may not reach its own pages; its pages may use the engine.
    let e = Source::new(
        "src/registry/edit.rs",
        "fn x() { crate::registry::pages::y(); }",
    );
    assert_eq!(layering_violations(&e, &macros).len(), 1);
    let p = Source::new(
        "src/registry/pages/mod.rs",
        "use super::edit; use crate::web::kit::Id;",
    );
    assert!(layering_violations(&p, &macros).is_empty());
    // The foundation may not reach up.
    let e = Source::new("src/error.rs", "use crate::registry::model::field_label;");
    assert_eq!(layering_violations(&e, &macros).len(), 1);
}

// ---------------------------------------------------------------------------------------
// Rooms.

fn rule(name: &str) -> Option<&'static Room> {
    ROOMS.iter().find(|r| r.name == name)
}

/// The room of a module path (`["needs", "pages", "volunteer"]` → `needs/pages`).
fn room_of(segs: &[&str]) -> String {
    match segs {
        [] => "lib".into(),
        [cap, "pages", ..] if *cap != "web" && rule(cap).is_some_and(|r| r.layer < TOP) => {
            format!("{cap}/pages")
        }
        [first, ..] => first.to_string(),
    }
}

/// May room `from` use room `to`?
fn may_use(from: &str, to: &str, path: &[&str]) -> bool {
    if from == to {
        return true;
    }
    let engine_may = |from: &str, to: &str| -> bool {
        let (Some(f), Some(t)) = (rule(from), rule(to)) else {
            return false;
        };
        f.layer == TOP || t.layer < f.layer && t.layer != TOP || f.also.contains(&to)
    };
    match (from.split_once('/'), to.split_once('/')) {
        (None, None) => engine_may(from, to),
        // An engine never uses pages (its own or another's).
        (None, Some(_)) => rule(from).is_some_and(|r| r.layer == TOP),
        // Pages use their engine, what it may use, and the kit with what it may use.
        (Some((cap, _)), None) => {
            to == cap || engine_may(cap, to) || to == "web" || engine_may("web", to)
        }
        // Pages of another capability: only through its declared interface.
        (Some((cap, _)), Some((other, _))) => {
            engine_may(cap, other)
                && PAGE_INTERFACES.iter().any(|i| {
                    let i: Vec<&str> = i.split("::").collect();
                    path.starts_with(&i)
                })
        }
    }
}

// ---------------------------------------------------------------------------------------
// Sources.

struct Source {
    /// `src/…`, with `/` separators.
    path: String,
    /// The file as written (for the messages).
    lines: Vec<String>,
    /// The file's bytes with comments and string contents blanked (same lines, same offsets).
    code: Vec<u8>,
    /// Line starts (byte offsets) in `code`.
    starts: Vec<usize>,
}

impl Source {
    fn new(path: &str, text: &str) -> Source {
        let code = blank(text);
        let mut starts = vec![0];
        for (i, c) in code.iter().enumerate() {
            if *c == b'\n' {
                starts.push(i + 1);
            }
        }
        Source {
            path: path.into(),
            lines: text.lines().map(str::to_string).collect(),
            code,
            starts,
        }
    }

    fn line_no(&self, at: usize) -> usize {
        self.starts.partition_point(|s| *s <= at)
    }

    fn report(&self, at: usize, what: &str) -> String {
        let n = self.line_no(at);
        let line = self.lines.get(n - 1).map_or("", |l| l.trim());
        format!("{}:{n}: {what} ({line})", self.path)
    }

    /// The module path of the file (`src/needs/pages/mod.rs` → `needs::pages`).
    fn module(&self) -> Vec<String> {
        let rel = self.path.trim_start_matches("src/").trim_end_matches(".rs");
        let mut segs: Vec<String> = rel.split('/').map(str::to_string).collect();
        if matches!(
            segs.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            segs.pop();
        }
        segs
    }

    fn room(&self) -> String {
        let rel = self.path.trim_start_matches("src/").trim_end_matches(".rs");
        let segs: Vec<&str> = rel.split('/').collect();
        room_of(&segs)
    }
}

/// Every `.rs` file under `src/`, read and blanked once for all the checks.
fn sources() -> &'static [Source] {
    static SOURCES: std::sync::OnceLock<Vec<Source>> = std::sync::OnceLock::new();
    SOURCES.get_or_init(read_sources)
}

fn read_sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    walk(&root.join("src"), &mut paths);
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            Source::new(&rel, &std::fs::read_to_string(p).unwrap())
        })
        .collect()
}

/// Comments (line, block, doc) become spaces; string and char literals keep their quotes and
/// lose their contents. Newlines stay, so offsets map to the same lines.
fn blank(text: &str) -> Vec<u8> {
    let s: Vec<u8> = text.as_bytes().to_vec();
    let mut out = s.clone();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let wipe = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(s.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c == b'/' && next == Some(b'/') {
            let end = s[i..]
                .iter()
                .position(|c| *c == b'\n')
                .map_or(s.len(), |e| i + e);
            wipe(&mut out, i, end);
            i = end;
        } else if c == b'/' && next == Some(b'*') {
            let (mut depth, mut j) = (1, i + 2);
            while j < s.len() && depth > 0 {
                if s[j] == b'/' && s.get(j + 1) == Some(&b'*') {
                    depth += 1;
                    j += 2;
                } else if s[j] == b'*' && s.get(j + 1) == Some(&b'/') {
                    depth -= 1;
                    j += 2;
                } else {
                    j += 1;
                }
            }
            wipe(&mut out, i, j);
            i = j;
        } else if c == b'r'
            && matches!(next, Some(b'"' | b'#'))
            && (i == 0 || !ident(s[i - 1]) || (s[i - 1] == b'b' && (i < 2 || !ident(s[i - 2]))))
        {
            // A raw string r"…", r#"…"#, br"…".
            let hashes = s[i + 1..].iter().take_while(|c| **c == b'#').count();
            let open = i + 1 + hashes;
            if s.get(open) != Some(&b'"') {
                i += 1;
                continue;
            }
            let mut j = open + 1;
            while j < s.len() {
                if s[j] == b'"'
                    && s[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|c| **c == b'#')
                        .count()
                        == hashes
                {
                    break;
                }
                j += 1;
            }
            wipe(&mut out, open + 1, j);
            i = j + 1 + hashes;
        } else if c == b'"' {
            let mut j = i + 1;
            while j < s.len() && s[j] != b'"' {
                j += if s[j] == b'\\' { 2 } else { 1 };
            }
            wipe(&mut out, i + 1, j);
            i = j + 1;
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if next == Some(b'\\') {
                let end = s[i + 2..]
                    .iter()
                    .position(|c| *c == b'\'')
                    .map_or(s.len(), |e| i + 2 + e);
                wipe(&mut out, i + 1, end);
                i = end + 1;
            } else if s.get(i + 1 + utf8_len(next)) == Some(&b'\'') {
                let end = i + 1 + utf8_len(next);
                wipe(&mut out, i + 1, end);
                i = end + 1;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The length of the UTF-8 character starting with byte `b` (1 for none).
fn utf8_len(b: Option<u8>) -> usize {
    match b {
        Some(b) if b >= 0xF0 => 4,
        Some(b) if b >= 0xE0 => 3,
        Some(b) if b >= 0xC0 => 2,
        _ => 1,
    }
}

/// Exported macros (`crate::html!`, `crate::args!`) and the room of the file defining them.
fn exported_macros(files: &[Source]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in files {
        let code = String::from_utf8_lossy(&f.code);
        for (at, _) in code.match_indices("macro_rules!") {
            let name: String = code[at + "macro_rules!".len()..]
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            m.insert(name, f.room());
        }
    }
    m
}

// ---------------------------------------------------------------------------------------
// References.

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Does the word `w` start at `at` (not inside a longer identifier)?
fn word_at(code: &[u8], at: usize, w: &str) -> bool {
    let n = w.len();
    code.get(at) == w.as_bytes().first() // the quick refusal, for speed
        && at + n <= code.len()
        && code[at..at + n].iter().copied().eq(w.bytes())
        && (at == 0 || !is_ident(code[at - 1]))
        && code.get(at + n).is_none_or(|c| !is_ident(*c))
}

fn skip_ws(code: &[u8], mut at: usize) -> usize {
    while at < code.len() && code[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

fn read_ident(code: &[u8], at: usize) -> (String, usize) {
    let mut j = at;
    while j < code.len() && is_ident(code[j]) {
        j += 1;
    }
    (String::from_utf8_lossy(&code[at..j]).into_owned(), j)
}

/// The inline modules (`mod tests { … }`): name and the span of their body.
fn inline_modules(code: &[u8]) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Vec<(Option<String>, usize)> = Vec::new();
    let mut pending: Option<String> = None;
    let mut i = 0;
    while i < code.len() {
        if word_at(code, i, "mod") {
            let (name, j) = read_ident(code, skip_ws(code, i + 3));
            let k = skip_ws(code, j);
            if !name.is_empty() && code.get(k) == Some(&b'{') {
                pending = Some(name);
            }
            i = k;
            continue;
        }
        match code[i] {
            b'{' => open.push((pending.take(), i)),
            b'}' => {
                if let Some((Some(name), start)) = open.pop() {
                    out.push((name, start, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Expands a `use` tree starting at `at` (just after `use`): every leaf path with the offset
/// where its last written piece starts. Returns the offset after the tree.
fn use_tree(
    code: &[u8],
    at: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let mut path = prefix.to_vec();
    let mut i = skip_ws(code, at);
    let start = i;
    if code.get(i) == Some(&b':') && code.get(i + 1) == Some(&b':') {
        i = skip_ws(code, i + 2); // `use ::std::…`
    }
    loop {
        match code.get(i) {
            Some(b'{') => {
                i += 1;
                loop {
                    i = skip_ws(code, i);
                    if code.get(i) == Some(&b'}') {
                        return i + 1;
                    }
                    i = use_tree(code, i, &path, out);
                    i = skip_ws(code, i);
                    if code.get(i) == Some(&b',') {
                        i += 1;
                    }
                    if i >= code.len() {
                        return i;
                    }
                }
            }
            Some(b'*') => {
                out.push((path, start));
                return i + 1;
            }
            Some(b'$') => i += 1,
            Some(c) if is_ident(*c) => {
                let (seg, j) = read_ident(code, i);
                if seg != "self" || path.is_empty() {
                    path.push(seg);
                }
                i = skip_ws(code, j);
                if code.get(i) == Some(&b':') && code.get(i + 1) == Some(&b':') {
                    i = skip_ws(code, i + 2);
                    continue;
                }
                if word_at(code, i, "as") {
                    let (_, j) = read_ident(code, skip_ws(code, i + 2));
                    i = j;
                }
                out.push((path, start));
                return i;
            }
            _ => {
                out.push((path, start));
                return i;
            }
        }
    }
}

/// Every crate-internal reference of a file: the module path it names and where.
fn references(f: &Source) -> Vec<(Vec<String>, usize)> {
    let code = &f.code;
    let module = f.module();
    let inline = inline_modules(code);
    // The module an offset is in: the file's, then the inline modules around it.
    let here = |at: usize| -> Vec<String> {
        let mut m = module.clone();
        let mut around: Vec<&(String, usize, usize)> = inline
            .iter()
            .filter(|(_, s, e)| *s < at && at < *e)
            .collect();
        around.sort_by_key(|(_, s, _)| *s);
        m.extend(around.iter().map(|(n, _, _)| n.clone()));
        m
    };
    // Raw paths: from `use` trees, and `crate::…` / `super::…` in code.
    let mut raw: Vec<(Vec<String>, usize)> = Vec::new();
    let mut in_use = vec![false; code.len()];
    let mut i = 0;
    while i < code.len() {
        if word_at(code, i, "use") && (i == 0 || code[i - 1] != b':') {
            let end = use_tree(code, i + 3, &[], &mut raw);
            for b in &mut in_use[i..end.min(code.len())] {
                *b = true;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    let mut i = 0;
    while i < code.len() {
        if !in_use[i] && (word_at(code, i, "crate") || word_at(code, i, "super")) {
            let mut path = Vec::new();
            let mut j = i;
            loop {
                let (seg, k) = read_ident(code, j);
                if seg.is_empty() {
                    break;
                }
                path.push(seg);
                j = k;
                if code.get(j) == Some(&b':') && code.get(j + 1) == Some(&b':') {
                    j += 2;
                } else {
                    break;
                }
            }
            if path.len() > 1 {
                raw.push((path, i));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    // Resolve to paths from the crate root.
    let mut out = Vec::new();
    for (path, at) in raw {
        let resolved = match path.first().map(String::as_str) {
            Some("crate") => path[1..].to_vec(),
            Some("super") => {
                let mut m = here(at);
                let mut rest = &path[..];
                while rest.first().map(String::as_str) == Some("super") {
                    m.pop();
                    rest = &rest[1..];
                }
                m.extend(rest.iter().cloned());
                m
            }
            _ => continue, // std, external crates, `self::`, local names
        };
        out.push((resolved, at));
    }
    out
}

fn layering_violations(f: &Source, macros: &BTreeMap<String, String>) -> Vec<String> {
    let from = f.room();
    let base = |r: &str| r.split('/').next().unwrap().to_string();
    if rule(&base(&from)).is_none() {
        return vec![format!(
            "{}:1: {from} is no room of the rule: add it to ROOMS",
            f.path
        )];
    }
    let mut bad = Vec::new();
    for (path, at) in references(f) {
        let segs: Vec<&str> = path.iter().map(String::as_str).collect();
        let to = match segs.as_slice() {
            [m, ..] if macros.contains_key(*m) && rule(m).is_none() => macros[*m].clone(),
            _ => room_of(&segs),
        };
        let known = rule(&base(&to)).is_some();
        if !known || !may_use(&from, &to, &segs) {
            let why = if known { "" } else { " (no room of the rule)" };
            bad.push(f.report(at, &format!("{from} may not use {to}{why}")));
        }
    }
    bad.sort_by_key(|l| line_key(l));
    bad.dedup();
    bad
}

fn line_key(l: &str) -> usize {
    l.split(':')
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// Conventions of the page kit.

/// `.int(N)`, `.text(i)`, `.opt_string(at + 1)`: a `Row` method with one argument that is not
/// a string (the kit's `Check::int("field", v)` takes two).
fn positional_reads(f: &Source) -> Vec<String> {
    const METHODS: &[&str] = &["int", "text", "opt_int", "opt_text", "string", "opt_string"];
    let code = &f.code;
    let mut bad = Vec::new();
    for i in 0..code.len() {
        if code[i] != b'.' {
            continue;
        }
        let Some(m) = METHODS.iter().find(|m| word_at(code, i + 1, m)) else {
            continue;
        };
        let open = i + 1 + m.len();
        if code.get(open) != Some(&b'(') {
            continue;
        }
        let (mut depth, mut j, mut commas) = (1, open + 1, 0);
        while j < code.len() && depth > 0 {
            match code[j] {
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b',' if depth == 1 => commas += 1,
                _ => {}
            }
            j += 1;
        }
        let arg = String::from_utf8_lossy(&code[open + 1..j - 1]);
        let arg = arg.trim();
        if commas == 0 && !arg.is_empty() && !arg.starts_with('"') && !arg.starts_with('&') {
            bad.push(f.report(i, "positional row read: read the column by name"));
        }
    }
    bad
}

/// `first(&f, "name")`, `all(f, "ids")`, `fv(&f, "next")` (calls of the kit's transitional
/// helpers or a page's own, not methods such as `iter().all(…)`) and `Pairs`: forms read as
/// raw pairs instead of a typed struct.
fn form_reads(f: &Source) -> Vec<String> {
    let code = &f.code;
    let mut bad = Vec::new();
    for i in 0..code.len() {
        let call = ["first", "all", "fv"].iter().find(|w| {
            word_at(code, i, w)
                && (i == 0 || code[i - 1] != b'.')
                && code.get(i + w.len()) == Some(&b'(')
        });
        if call.is_some() || word_at(code, i, "Pairs") {
            bad.push(f.report(i, "untyped form read: take a typed form (CsrfForm<F>)"));
        }
    }
    bad
}
