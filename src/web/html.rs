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

/// A maud view's output goes wherever markup goes.
impl From<maud::Markup> for Markup {
    fn from(m: maud::Markup) -> Markup {
        Markup(m.into_string())
    }
}

/// Markup from the partials here (and older `html!` views) goes into a maud view as it is.
impl maud::Render for Markup {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.0);
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

/// Escape text straight into a formatter (no intermediate string).
fn esc_fmt(s: &str, f: &mut std::fmt::Formatter) -> std::fmt::Result {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        f.write_str(&s[last..i])?;
        f.write_str(rep)?;
        last = i + 1;
    }
    f.write_str(&s[last..])
}

/// A value for the [`html!`] macro: text is escaped, [`Markup`] is not. Values write into the
/// page's formatter directly (measured: a String per argument and a clone of every nested
/// `Markup` cost 20–35 % of a page's render time).
pub trait Render {
    fn render_fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result;
}

impl Render for str {
    fn render_fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        esc_fmt(self, f)
    }
}
impl Render for String {
    fn render_fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        esc_fmt(self, f)
    }
}
impl<T: Render + ?Sized> Render for &T {
    fn render_fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        (**self).render_fmt(f)
    }
}
impl Render for Markup {
    fn render_fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
macro_rules! render_display {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn render_fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                std::fmt::Display::fmt(self, f)
            }
        }
    )*};
}
render_display!(i64, i32, u64, usize, u32);

/// Adapts a [`Render`] value to `format!` (used by [`html!`]).
#[doc(hidden)]
pub struct Disp<'a, T: ?Sized>(pub &'a T);

impl<T: Render + ?Sized> std::fmt::Display for Disp<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.render_fmt(f)
    }
}

/// `html!("<p>{}</p>", value)`: positional `{}` only; every argument is escaped unless it is
/// [`Markup`].
#[macro_export]
macro_rules! html {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::web::html::Markup(format!($fmt $(, $crate::web::html::Disp(&$arg))*))
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
    /// Unread notifications of the signed-in user (a count in the header when not 0).
    pub unread: i64,
    /// The signed-in account's id (0 when signed out): the offline queue sends only what this
    /// account kept on the phone.
    pub account: i64,
}

impl<'a> Chrome<'a> {
    /// The chrome of a page for nobody signed in: no user, no menu.
    pub fn anon(lang: Lang, here: &'a str) -> Self {
        Chrome {
            lang,
            here,
            user: None,
            csrf: None,
            can_import: false,
            role: "",
            unread: 0,
            account: 0,
        }
    }
}

/// One link of the navigation: (href, Fluent id of its label, element id).
type NavLink = (&'static str, &'static str, &'static str);

const HOME: NavLink = ("/", "nav-home", "nav-home");
const AREAS: NavLink = ("/areas", "nav-areas", "nav-areas");
const SEARCH: NavLink = ("/search", "nav-search", "nav-search");
const TESTING: NavLink = ("/testing", "nav-testing", "nav-testing");
const NEEDS: NavLink = ("/needs", "nav-needs", "nav-needs");
const VOLUNTEERS: NavLink = ("/volunteers", "nav-volunteers", "nav-volunteers");
const ROSTER: NavLink = ("/roster", "nav-roster", "nav-roster");
const BRANCHES: NavLink = ("/branches", "nav-branches", "nav-branches");
const VISITS: NavLink = ("/visits", "nav-visits", "nav-visits");
const MYTASKS: NavLink = ("/me/needs", "nav-mytasks", "nav-mytasks");
const MYSHIFTS: NavLink = ("/me/shifts", "nav-myshifts", "nav-myshifts");
const IMPORT: NavLink = ("/import", "nav-import", "nav-import");
const ACCOUNTS: NavLink = ("/admin/accounts", "nav-accounts", "nav-accounts");
const AUDIT: NavLink = ("/audit", "nav-audit", "nav-audit");
const ZONES: NavLink = ("/zones", "nav-zones", "nav-zones");
const CHECKPOINTS: NavLink = ("/checkpoints", "nav-checkpoints", "nav-checkpoints");
const MYCHECKPOINT: NavLink = ("/checkpoints/me", "nav-mycheckpoint", "nav-mycheckpoint");
const FOLLOWUP: NavLink = ("/followup", "nav-followup", "nav-followup");
const WORKLIST: NavLink = ("/followup/today", "nav-worklist", "nav-worklist");
const REFERRALS: NavLink = ("/followup/referrals", "nav-referrals", "nav-referrals");
const VACCINATION: NavLink = ("/vaccination", "nav-vaccination", "nav-vaccination");
const SUPPLIES: NavLink = ("/supplies", "nav-supplies", "nav-supplies");
const HQ: NavLink = ("/hq/overview", "nav-hq", "nav-hq");
const COMMENDATIONS: NavLink = (
    "/hq/commendations",
    "nav-commendations",
    "nav-commendations",
);

/// The navigation of a role: the main links (one row on a phone: home and at most three more)
/// and the rest, which go in the menu under the person's name. Only pages the role can use.
pub fn nav_links(role: &str, can_import: bool) -> (Vec<NavLink>, Vec<NavLink>) {
    let (main, mut more) = match role {
        "admin" => (
            vec![HOME, AREAS, TESTING, NEEDS],
            vec![
                SEARCH,
                VOLUNTEERS,
                ROSTER,
                BRANCHES,
                VISITS,
                ACCOUNTS,
                AUDIT,
                ZONES,
                CHECKPOINTS,
                VACCINATION,
            ],
        ),
        "hq" | "street" | "community" | "grid" => (
            vec![HOME, AREAS, TESTING, NEEDS],
            vec![
                SEARCH,
                VISITS,
                VOLUNTEERS,
                ROSTER,
                BRANCHES,
                ZONES,
                CHECKPOINTS,
                VACCINATION,
            ],
        ),
        "branch" => (
            vec![HOME, BRANCHES, VISITS, NEEDS],
            vec![
                AREAS,
                SEARCH,
                TESTING,
                VOLUNTEERS,
                ROSTER,
                CHECKPOINTS,
                VACCINATION,
            ],
        ),
        "volunteer" => (vec![HOME, MYTASKS, MYSHIFTS, MYCHECKPOINT], vec![]),
        "collector" | "lab" => (vec![HOME, TESTING], vec![]),
        "auditor" => (vec![HOME, AUDIT], vec![]),
        "medic" => (vec![HOME, REFERRALS], vec![]),
        "keeper" => (vec![HOME, SUPPLIES], vec![]),
        _ => (vec![HOME], vec![]),
    };
    // Health follow-up (issue 15): today's rounds for grid workers and branch secretaries (a
    // volunteer who is a contact person opens /followup/today from their home page: their
    // menu stays empty); the overview for every reader of the registry.
    if matches!(role, "grid" | "branch") {
        more.push(WORKLIST);
    }
    if matches!(
        role,
        "admin" | "hq" | "street" | "community" | "grid" | "branch"
    ) {
        more.push(FOLLOWUP);
        more.push(SUPPLIES);
    }
    if can_import {
        more.push(IMPORT);
    }
    // The HQ overview (issue 18).
    if matches!(role, "admin" | "hq" | "street" | "community") {
        more.push(HQ);
    }
    // Commendations (issue 18): proposed by officers and branch secretaries, decided by HQ.
    if matches!(role, "admin" | "hq" | "street" | "community" | "branch") {
        more.push(COMMENDATIONS);
    }
    (main, more)
}

/// A whole page: the header (brand, the language switch, the menu under the person's name;
/// then the role's main links), then `body`. Two rows on a 360 px phone, every target at least
/// 44 px tall (`app.css`, "The shell").
pub fn page(c: &Chrome, title: &str, body: Markup) -> Markup {
    let l = c.lang;
    let other = l.other();
    let (main, more) = nav_links(c.role, c.can_import);
    let path = c.here.split('?').next().unwrap_or("/");
    let current = |href: &str| {
        if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        }
    };
    maud::html! {
        (maud::DOCTYPE)
        html lang=(l.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · " (t(l, "app-name")) }
                link rel="icon" href="/favicon.ico" type="image/svg+xml";
                link rel="stylesheet" href="/static/app.css";
                @if c.user.is_some() {
                    script src="/static/offline.js" defer {}
                }
                script src="/static/app.js" defer {}
            }
            body {
                header {
                    div.bar {
                        a.brand href="/" { (t(l, "app-name")) }
                        a #lang-switch href={ "/lang/" (other.tag()) "?next=" (url_enc(c.here)) } lang=(other.tag()) {
                            (t(other, "lang-name"))
                        }
                        @if c.user.is_some() && c.unread > 0 {
                            a.unread #nav-unread href="/notifications" title=(t(l, "nav-notifications")) { "● " (c.unread) }
                        }
                        @if let Some((name, role, _, _)) = c.user {
                            details.menu #nav-menu {
                                summary #nav-me title=(role) { span.me { (name) } }
                                div.menu-list {
                                    @for (href, id, el) in &more {
                                        a href=(href) id=(el) { (t(l, id)) }
                                    }
                                    a href="/notifications" #nav-notifications { (t(l, "nav-notifications")) }
                                    @if matches!(c.role, "admin" | "hq" | "street" | "community") {
                                        a href="/notifications/sent" #nav-notify-sent { (t(l, "nav-notify-sent")) }
                                    }
                                    a href="/account" #nav-account { (t(l, "nav-account")) }
                                    form method="post" action="/logout" {
                                        input type="hidden" name="csrf" value=(c.csrf.unwrap_or_default());
                                        button.link #nav-logout { (t(l, "nav-logout")) }
                                    }
                                }
                            }
                        }
                    }
                    @if c.user.is_some() {
                        nav.main {
                            @for (href, id, el) in &main {
                                a href=(href) id=(el) aria-current=[current(href).then_some("page")] { (t(l, id)) }
                            }
                        }
                    }
                }
                main {
                    // The offline queue's box (static/offline.js), its texts in the page's
                    // language; hidden until something waits or was sent.
                    @if c.user.is_some() {
                        div.box #offline-box hidden role="status" data-waiting=(t(l, "offline-waiting"))
                            data-accepted=(t(l, "offline-accepted")) data-already=(t(l, "offline-already"))
                            data-refused=(t(l, "offline-refused")) data-signin=(t(l, "offline-signin"))
                            data-unsent=(t(l, "offline-unsent")) data-queued=(t(l, "offline-queued"))
                            data-who=(c.account) {
                            p #offline-n hidden {}
                        }
                    }
                    (body)
                }
            }
        }
    }
    .into()
}

/// Breadcrumbs: (label, link) pairs, the last one unlinked.
pub fn crumbs(items: &[(String, String)]) -> Markup {
    maud::html! {
        nav.crumbs {
            @for (i, (label, href)) in items.iter().enumerate() {
                @if i + 1 == items.len() {
                    span { (label) }
                } @else {
                    a href=(href) { (label) } i { "›" }
                }
            }
        }
    }
    .into()
}

/// Errors for a form: a summary at the top (role=alert) listing each problem.
pub fn error_box(lang: Lang, errors: &[String]) -> Markup {
    if errors.is_empty() {
        return Markup::default();
    }
    maud::html! {
        div.errors role="alert" {
            strong { (t(lang, "form-has-errors")) }
            ul { @for e in errors { li { (e) } } }
        }
    }
    .into()
}

/// A notice (success) line.
pub fn notice(text: &str) -> Markup {
    maud::html! { p.notice role="status" { (text) } }.into()
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
    maud::html! {
        label.field.bad[error.is_some()] {
            span { (label) }
            select name=(name) {
                @for (v, l) in options {
                    option value=(v) selected[v == selected] { (l) }
                }
            }
            @if let Some(e) = error { em.err { (e) } }
        }
    }
    .into()
}

/// A group of checkboxes (value, label) with its inline error; `checked` values are ticked.
pub fn checkboxes(
    name: &str,
    label: &str,
    options: &[(String, String)],
    checked: &[&str],
    error: Option<&str>,
) -> Markup {
    maud::html! {
        fieldset.field.bad[error.is_some()] id={ "f-" (name) } {
            span { (label) }
            @for (v, l) in options {
                label.tag {
                    input type="checkbox" name=(name) value=(v) checked[checked.contains(&v.as_str())];
                    " " (l)
                }
            }
            @if let Some(e) = error { em.err { (e) } }
        }
    }
    .into()
}

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

/// The hidden CSRF field every state-changing form carries.
pub fn csrf_field(token: &str) -> Markup {
    maud::html! { input type="hidden" name="csrf" value=(token); }.into()
}

/// A QR code as inline SVG (no XML declaration), for printing.
pub fn qr_svg(text: &str) -> Markup {
    use qrcode::render::svg;
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let s = code
                .render::<svg::Color>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            let s = match s.find("<svg") {
                Some(i) => s[i..].to_owned(),
                None => s,
            };
            Markup(format!("<div class=\"qr\">{s}</div>"))
        }
        Err(_) => Markup::default(),
    }
}

/// Date and time (UTC+8, China Standard Time) from unix milliseconds.
pub fn datetime(ms: i64) -> String {
    let secs = ms / 1000 + 8 * 3600;
    let (y, m, d) = crate::calendar::civil_from_days(secs.div_euclid(86400));
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
/// The site's icon (SVG), served as `/favicon.ico` and named in every page's head.
pub const ICON: &str = include_str!("static/icon.svg");

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

    #[test]
    fn each_role_gets_one_row_of_main_links_and_only_pages_it_can_use() {
        for (role, ..) in crate::access::ROLES {
            let (main, more) = nav_links(role, false);
            assert!(main.len() <= 4, "{role}: {main:?}");
            assert_eq!(main[0].0, "/", "{role}: home comes first");
            let all: Vec<&str> = main.iter().chain(&more).map(|l| l.0).collect();
            let mut seen = all.clone();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), all.len(), "{role}: a link twice");
            if matches!(*role, "volunteer" | "collector" | "lab" | "auditor") {
                assert!(
                    !all.contains(&"/areas") && !all.contains(&"/search"),
                    "{role}: {all:?}"
                );
            }
        }
        let (main, more) = nav_links("volunteer", false);
        assert_eq!(
            main.iter().map(|l| l.0).collect::<Vec<_>>(),
            ["/", "/me/needs", "/me/shifts", "/checkpoints/me"]
        );
        assert!(more.is_empty());
        assert!(nav_links("grid", true).1.iter().any(|l| l.0 == "/import"));
        assert!(!nav_links("grid", false).1.iter().any(|l| l.0 == "/import"));
    }
}
