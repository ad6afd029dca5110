//! Languages. Every message a user can see is carried in both zh-CN and English and picked at
//! the edge (HTTP `Accept-Language`, `?lang=`, or the CLI's `LANG`).

use serde::{Deserialize, Serialize};

mod fields;
pub use fields::field_label;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Pick from an `Accept-Language` header: the first tag we know wins; Chinese by default,
    /// since most users are in mainland China.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::Zh };
        let mut best: Option<(f32, Lang)> = None;
        for part in h.split(',') {
            let mut it = part.trim().split(';');
            let tag = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Lang::Zh
            } else if tag.starts_with("en") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let c = code.to_ascii_lowercase();
        if c.starts_with("zh") {
            Some(Lang::Zh)
        } else if c.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// For the command line: `LANG`/`LC_ALL` starting with zh → Chinese, else English.
    pub fn from_env() -> Lang {
        for var in ["WARDLINE_LANG", "LC_ALL", "LANG"] {
            if let Some(l) = std::env::var(var).ok().and_then(|v| Lang::from_code(&v)) {
                return l;
            }
        }
        Lang::En
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Msg {
    pub en: String,
    pub zh: String,
}

impl Msg {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Msg {
        Msg {
            en: en.into(),
            zh: zh.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

impl Lang {
    /// The BCP 47 tag, for `<html lang>` and Fluent.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

// ---- Fluent: the web interface's text, one folder per language under `ftl/`, one file per
// capability (so that work on one capability does not touch another's strings). ----

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The files of one language, joined in one resource (a message id must be unique across them).
macro_rules! ftl_files {
    ($lang:literal) => {
        concat!(
            include_str!(concat!("ftl/", $lang, "/common.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/testing.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/mobilization.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/needs.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/zones.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/checkpoints.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/quarantine.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/vaccination.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/supplies.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/hq.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/briefing.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/notify.ftl")),
            "\n",
            include_str!(concat!("ftl/", $lang, "/commendations.ftl")),
        )
    };
}

pub const FTL_ZH: &str = ftl_files!("zh-CN");
pub const FTL_EN: &str = ftl_files!("en");

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static B: std::sync::OnceLock<[FluentBundle<FluentResource>; 2]> = std::sync::OnceLock::new();
    let all = B.get_or_init(|| {
        let make = |tag: &str, src: &str| {
            let res = FluentResource::try_new(src.to_owned())
                .unwrap_or_else(|(_, e)| panic!("{tag}.ftl does not parse: {e:?}"));
            let id: unic_langid::LanguageIdentifier = tag.parse().expect("language tag");
            let mut b = FluentBundle::new_concurrent(vec![id]);
            // No bidi isolation marks: the text goes into HTML, where they would show as noise.
            b.set_use_isolating(false);
            b.add_resource(res)
                .unwrap_or_else(|e| panic!("{tag}.ftl has duplicate messages: {e:?}"));
            b
        };
        [make("zh-CN", FTL_ZH), make("en", FTL_EN)]
    });
    match lang {
        Lang::Zh => &all[0],
        Lang::En => &all[1],
    }
}

fn format(lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
    let b = bundle(lang);
    let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
        // A missing message shows its id rather than failing the page; a test checks that every
        // id used exists in both files.
        return id.to_owned();
    };
    let mut errors = vec![];
    b.format_pattern(pattern, args, &mut errors).into_owned()
}

/// The text of message `id`.
pub fn t(lang: Lang, id: &str) -> String {
    format(lang, id, None)
}

/// The text of message `id` with named arguments (numbers or text).
pub fn ta(lang: Lang, id: &str, args: &[(&str, Arg)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        match v {
            Arg::N(n) => fa.set(*k, FluentValue::from(*n)),
            Arg::S(s) => fa.set(*k, FluentValue::from(s.clone())),
        }
    }
    format(lang, id, Some(&fa))
}

/// An argument to a Fluent message.
pub enum Arg {
    N(i64),
    S(String),
}

/// The message ids of a Fluent file.
pub fn ftl_ids(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_messages() {
        let mut zh = ftl_ids(FTL_ZH);
        let mut en = ftl_ids(FTL_EN);
        zh.sort();
        en.sort();
        assert!(zh.len() > 50, "{} messages", zh.len());
        assert_eq!(zh, en);
        for id in &zh {
            assert!(bundle(Lang::Zh).has_message(id), "{id} missing in zh-CN");
            assert!(bundle(Lang::En).has_message(id), "{id} missing in English");
        }
    }

    /// Every message id the code asks for (`t(lang, "id")`, `ta(..)`, `ctx.t("id")`) exists.
    #[test]
    fn every_id_used_in_the_code_exists() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut files = vec![];
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let known = ftl_ids(FTL_EN);
        let mut used = 0;
        // The registry's term tables have a `t(code, en, zh)` of their own.
        for src in files.iter().filter(|s| !s.contains("const fn t(")) {
            for (i, _) in src.match_indices("t(") {
                let prev = src[..i].bytes().last().unwrap_or(b' ');
                if prev.is_ascii_alphanumeric() || prev == b'_' {
                    continue;
                }
                let rest = &src[i + 2..];
                // `t(l, "id"` / `ta(l, "id"` / `.t("id"`
                let after_arg = match rest.find(", \"") {
                    Some(k) if k < 16 && !rest[..k].contains([')', '(']) => &rest[k + 3..],
                    _ if rest.starts_with('"') => &rest[1..],
                    _ => continue,
                };
                let Some(end) = after_arg.find('"') else {
                    continue;
                };
                let id = &after_arg[..end];
                if id.contains('-')
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                {
                    used += 1;
                    assert!(
                        known.iter().any(|k| k == id),
                        "message {id:?} is used but not defined"
                    );
                }
            }
        }
        assert!(used > 50, "found only {used} uses");
    }
}
