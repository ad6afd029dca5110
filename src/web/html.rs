//! Server-rendered HTML. Every value put into a page goes through [`esc`] unless it is already
//! [`Markup`], so escaping is the default and raw HTML the visible exception. Pages share one
//! layout ([`page`]): a top bar, the content, nothing from third parties.

use std::fmt::Write as _;

use crate::i18n::{t, Lang};

/// HTML that is already safe to emit.
#[derive(Debug, Clone, Default)]
pub struct Markup(pub String);

impl Markup {
    pub fn push(&mut self, m: Markup) {
        self.0.push_str(&m.0);
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Escape text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A value for the [`html!`] macro: text is escaped, [`Markup`] is not.
pub trait Render {
    fn render(&self) -> String;
}

impl Render for str {
    fn render(&self) -> String {
        esc(self)
    }
}
impl Render for String {
    fn render(&self) -> String {
        esc(self)
    }
}
impl<T: Render + ?Sized> Render for &T {
    fn render(&self) -> String {
        (**self).render()
    }
}
impl Render for Markup {
    fn render(&self) -> String {
        self.0.clone()
    }
}
macro_rules! render_display {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
render_display!(i64, i32, u64, usize, u32);

/// `html!("<p>{}</p>", value)`: positional `{}` only; every argument is escaped unless it is
/// [`Markup`].
#[macro_export]
macro_rules! html {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::web::html::Markup(format!($fmt $(, $crate::web::html::Render::render(&$arg))*))
    };
}

/// Percent-encode a query-string value.
pub fn url_enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// What the layout needs to know about the request.
pub struct Chrome<'a> {
    pub lang: Lang,
    /// The current path and query, for the language switch.
    pub here: &'a str,
    /// Signed-in user: (display name, role name, is admin, reads audit).
    pub user: Option<(&'a str, &'a str, bool, bool)>,
    pub csrf: Option<&'a str>,
    /// Whether the user may import (writes the registry).
    pub can_import: bool,
    /// The user's role code ("" when signed out): decides the links in the header.
    pub role: &'a str,
}

/// A whole page.
pub fn page(c: &Chrome, title: &str, body: Markup) -> Markup {
    let l = c.lang;
    let mut nav = Markup::default();
    if let Some((name, role, admin, audit)) = c.user {
        nav.push(html!(
            "<a href=\"/areas\">{}</a><a href=\"/search\">{}</a><a href=\"/testing\" id=\"nav-testing\">{}</a>",
            t(l, "nav-areas"),
            t(l, "nav-search"),
            t(l, "nav-testing")
        ));
        if matches!(
            c.role,
            "admin" | "hq" | "street" | "community" | "grid" | "branch"
        ) {
            nav.push(html!(
                "<a href=\"/needs\" id=\"nav-needs\">{}</a>",
                t(l, "nav-needs")
            ));
            nav.push(html!(
                "<a href=\"/volunteers\" id=\"nav-volunteers\">{}</a><a href=\"/roster\" id=\"nav-roster\">{}</a><a href=\"/branches\" id=\"nav-branches\">{}</a>",
                t(l, "nav-volunteers"),
                t(l, "nav-roster"),
                t(l, "nav-branches")
            ));
        }
        if c.role == "volunteer" {
            nav.push(html!(
                "<a href=\"/me/needs\" id=\"nav-mytasks\">{}</a><a href=\"/me/shifts\" id=\"nav-myshifts\">{}</a>",
                t(l, "nav-mytasks"),
                t(l, "nav-myshifts")
            ));
        }
        if c.can_import {
            nav.push(html!("<a href=\"/import\">{}</a>", t(l, "nav-import")));
        }
        if admin {
            nav.push(html!(
                "<a href=\"/admin/accounts\">{}</a>",
                t(l, "nav-accounts")
            ));
        }
        if audit {
            nav.push(html!("<a href=\"/audit\">{}</a>", t(l, "nav-audit")));
        }
        nav.push(html!(
            "<a href=\"/account\" title=\"{}\">{}</a>",
            role,
            name
        ));
        nav.push(html!(
            "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><button class=\"link\">{}</button></form>",
            c.csrf.unwrap_or_default(),
            t(l, "nav-logout")
        ));
    }
    let other = l.other();
    let switch = html!(
        "<a id=\"lang-switch\" href=\"/lang/{}?next={}\" lang=\"{}\">{}</a>",
        other.tag(),
        url_enc(c.here),
        other.tag(),
        t(other, "lang-name")
    );
    html!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{} · {}</title><link rel=\"stylesheet\" href=\"/static/app.css\">\
<script src=\"/static/app.js\" defer></script></head><body>\
<header><a class=\"brand\" href=\"/\">{}</a><nav>{}{}</nav></header>\
<main>{}</main></body></html>",
        l.tag(),
        title,
        t(l, "app-name"),
        t(l, "app-name"),
        nav,
        switch,
        body
    )
}

/// Breadcrumbs: (label, link) pairs, the last one unlinked.
pub fn crumbs(items: &[(String, String)]) -> Markup {
    let mut m = Markup("<nav class=\"crumbs\">".into());
    for (i, (label, href)) in items.iter().enumerate() {
        if i + 1 == items.len() {
            m.push(html!("<span>{}</span>", label));
        } else {
            m.push(html!("<a href=\"{}\">{}</a><i>›</i>", href, label));
        }
    }
    m.0.push_str("</nav>");
    m
}

/// Errors for a form: a summary at the top (role=alert) listing each problem.
pub fn error_box(lang: Lang, errors: &[String]) -> Markup {
    if errors.is_empty() {
        return Markup::default();
    }
    let mut m = html!(
        "<div class=\"errors\" role=\"alert\"><strong>{}</strong><ul>",
        t(lang, "form-has-errors")
    );
    for e in errors {
        m.push(html!("<li>{}</li>", e));
    }
    m.0.push_str("</ul></div>");
    m
}

/// A notice (success) line.
pub fn notice(text: &str) -> Markup {
    html!("<p class=\"notice\" role=\"status\">{}</p>", text)
}

/// One labelled text input with its inline error.
pub fn field(name: &str, label: &str, value: &str, error: Option<&str>, attrs: &str) -> Markup {
    let mut m = html!(
        "<label class=\"field{}\"><span>{}</span><input name=\"{}\" value=\"{}\" {}>",
        if error.is_some() { " bad" } else { "" },
        label,
        name,
        value,
        Markup(attrs.to_owned())
    );
    if let Some(e) = error {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</label>");
    m
}

/// A labelled multi-line text field with its inline error.
pub fn textarea(name: &str, label: &str, value: &str, error: Option<&str>, attrs: &str) -> Markup {
    let mut m = html!(
        "<label class=\"field{}\"><span>{}</span><textarea name=\"{}\" rows=\"3\" {}>{}</textarea>",
        if error.is_some() { " bad" } else { "" },
        label,
        name,
        Markup(attrs.to_owned()),
        value
    );
    if let Some(e) = error {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</label>");
    m
}

/// A select with options (value, label).
pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    error: Option<&str>,
) -> Markup {
    let mut m = html!(
        "<label class=\"field{}\"><span>{}</span><select name=\"{}\">",
        if error.is_some() { " bad" } else { "" },
        label,
        name
    );
    for (v, l) in options {
        m.push(html!(
            "<option value=\"{}\"{}>{}</option>",
            v,
            Markup(if v == selected {
                " selected".into()
            } else {
                String::new()
            }),
            l
        ));
    }
    m.0.push_str("</select>");
    if let Some(e) = error {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</label>");
    m
}

/// A group of checkboxes (value, label) with its inline error; `checked` values are ticked.
pub fn checkboxes(
    name: &str,
    label: &str,
    options: &[(String, String)],
    checked: &[&str],
    error: Option<&str>,
) -> Markup {
    let mut m = html!(
        "<fieldset class=\"field{}\" id=\"f-{}\"><span>{}</span>",
        if error.is_some() { " bad" } else { "" },
        name,
        label
    );
    for (v, l) in options {
        m.push(html!(
            "<label class=\"tag\"><input type=\"checkbox\" name=\"{}\" value=\"{}\"{}> {}</label>",
            name,
            v,
            Markup(if checked.contains(&v.as_str()) {
                " checked".into()
            } else {
                String::new()
            }),
            l
        ));
    }
    if let Some(e) = error {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</fieldset>");
    m
}

/// The hidden CSRF field every state-changing form carries.
/// Minutes, China time: `2026-11-23 07:00`.
pub fn minutes(ms: i64) -> String {
    datetime(ms)[..16].to_owned()
}

/// `07:12` (China time).
pub fn clock(ms: i64) -> String {
    datetime(ms)[11..16].to_owned()
}

/// The options of a vocabulary (code, English, Chinese) in one language.
pub fn vocab_options(v: &[(&str, &str, &str)], l: Lang) -> Vec<(String, String)> {
    v.iter()
        .map(|(c, en, zh)| {
            (
                (*c).to_owned(),
                (if l == Lang::Zh { *zh } else { *en }).to_owned(),
            )
        })
        .collect()
}

pub fn csrf_field(token: &str) -> Markup {
    html!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", token)
}

/// Date and time (UTC+8, China Standard Time) from unix milliseconds.
pub fn datetime(ms: i64) -> String {
    let secs = ms / 1000 + 8 * 3600;
    let (y, m, d) = crate::registry::validate::civil_from_days(secs.div_euclid(86400));
    let s = secs.rem_euclid(86400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

pub const CSS: &str = include_str!("static/app.css");
pub const JS: &str = include_str!("static/app.js");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_markup_is_not() {
        let evil = "<script>alert('x')</script>";
        let m = html!(
            "<p title=\"{}\">{}</p>{}",
            evil,
            evil,
            Markup("<b>ok</b>".into())
        );
        assert!(!m.0.contains("<script>"));
        assert!(m.0.contains("&lt;script&gt;alert(&#39;x&#39;)"));
        assert!(m.0.ends_with("<b>ok</b>"));
        assert_eq!(url_enc("/a?b=c d"), "%2Fa%3Fb%3Dc%20d");
        assert_eq!(datetime(0), "1970-01-01 08:00:00");
    }
}
