//! The volunteer pool's views: the pool with its filters and the officers' forms, a sign-up
//! link's poster, the screening queue and a volunteer's record.

use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::duty::Mine;
use crate::mobilization::volunteers::{self, Link, Step, Volunteer};
use crate::mobilization::{label, skills_text, POLITICAL, SKILLS, STATUSES, WEEKDAYS};
use crate::registry::validate::{mask_doc, mask_phone};
use crate::web::html::vocab_options;
use crate::web::html::{crumbs, csrf_field, error_box, field, minutes, select, Markup};
use crate::web::pages::Ctx;

use super::volunteers::PoolQuery;

pub(super) fn vol_href(id: i64) -> String {
    format!("/volunteers/{id}")
}

/// A status as a coloured tag.
pub(super) fn status_tag(l: Lang, s: &str) -> Markup {
    let class = match s {
        "approved" => "ok",
        "applied" => "warn",
        "rejected" | "suspended" => "bad",
        _ => "",
    };
    html!(
        "<span class=\"tag {}\">{}</span>",
        class,
        label(STATUSES, s, l)
    )
}

/// "Mon–Fri 08:00–18:00, 2026-11-01 to 2026-12-31", or "any time".
pub(super) fn availability_text(l: Lang, v: &Volunteer) -> String {
    let mut parts = Vec::new();
    if v.days != 127 {
        let days: Vec<String> = WEEKDAYS
            .iter()
            .enumerate()
            .filter(|(i, _)| v.days & (1 << i) != 0)
            .map(|(_, d)| (if l == Lang::Zh { d.2 } else { d.1 }).to_owned())
            .collect();
        parts.push(days.join(if l == Lang::Zh { "、" } else { " " }));
    }
    if !(v.from_min == 0 && v.to_min >= 1440) {
        parts.push(format!(
            "{}–{}",
            crate::mobilization::hhmm(v.from_min),
            crate::mobilization::hhmm(v.to_min)
        ));
    }
    match (&v.avail_from, &v.avail_to) {
        (Some(a), Some(b)) => parts.push(format!("{a} – {b}")),
        (Some(a), None) => parts.push(ta(l, "mob-avail-since", &[("d", Arg::S(a.clone()))])),
        (None, Some(b)) => parts.push(ta(l, "mob-avail-until", &[("d", Arg::S(b.clone()))])),
        (None, None) => {}
    }
    if parts.is_empty() {
        t(l, "mob-avail-any")
    } else {
        parts.join(" · ")
    }
}

/// What the pool page shows.
pub(super) struct Pool {
    pub counts: Vec<(String, i64)>,
    pub units: Vec<(i64, String)>,
    pub list: Vec<Volunteer>,
    /// How many the list reads at most.
    pub limit: usize,
    /// How many were found, the page shown (from 1) and the number of pages.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// For officers: the sign-up links and the areas a new one may serve.
    pub links: Option<Links>,
}

/// The sign-up links, and the areas a new one may serve.
pub(super) struct Links {
    pub list: Vec<Link>,
    pub areas: Vec<(String, String)>,
}

pub(super) fn pool(ctx: &Ctx, qs: &PoolQuery, p: &Pool, errors: &[String]) -> Markup {
    let l = ctx.lang;
    let mut body = html!("<h1>{}</h1>", t(l, "mob-pool-title"));
    body.push(error_box(l, errors));
    let n = |s: &str| p.counts.iter().find(|c| c.0 == s).map_or(0, |c| c.1);
    // The screening queue opens for those who screen; others see the count only.
    let screens = crate::mobilization::can_manage(ctx.reader());
    let (applied_tag, applied_href) = if screens {
        ("a", " href=\"/volunteers/screening\"")
    } else {
        ("div", "")
    };
    body.push(html!(
        "<div class=\"cards\" id=\"pool-counts\"><{} class=\"card{}\"{}><b>{}</b><span>{}</span></{}><a class=\"card\" href=\"/volunteers?status=approved\"><b>{}</b><span>{}</span></a><a class=\"card\" href=\"/volunteers?status=suspended\"><b>{}</b><span>{}</span></a><a class=\"card\" href=\"/volunteers?status=rejected\"><b>{}</b><span>{}</span></a></div>",
        Markup(applied_tag.into()),
        if n("applied") > 0 { " warn" } else { "" },
        Markup(applied_href.into()),
        n("applied"),
        t(l, "mob-count-applied"),
        Markup(applied_tag.into()),
        n("approved"),
        t(l, "mob-count-approved"),
        n("suspended"),
        t(l, "mob-count-suspended"),
        n("rejected"),
        t(l, "mob-count-rejected")
    ));
    let mut st = vec![(String::new(), t(l, "mob-any"))];
    st.extend(vocab_options(STATUSES, l));
    let mut sk = vec![(String::new(), t(l, "mob-any"))];
    sk.extend(vocab_options(SKILLS, l));
    let mut un = vec![(String::new(), t(l, "mob-any"))];
    un.extend(p.units.iter().map(|(i, n)| (i.to_string(), n.clone())));
    body.push(html!(
        "<form method=\"get\" action=\"/volunteers\" class=\"filters box\" id=\"pool-filters\">{}{}{}{}{}<button>{}</button></form>",
        field("q", &t(l, "mob-f-name"), &qs.q, None, "maxlength=\"50\""),
        select("status", &t(l, "mob-f-status"), &st, &qs.status, None),
        select("skill", &t(l, "mob-f-skill"), &sk, &qs.skill, None),
        select("unit", &t(l, "mob-f-unit-short"), &un, &qs.unit, None),
        field("on", &t(l, "mob-f-available-on"), &qs.on, None, "type=\"date\""),
        t(l, "mob-filter")
    ));
    if p.list.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"pool-empty\">{}</p>",
            t(l, "mob-pool-empty")
        ));
    } else {
        body.push(html!(
            "<table id=\"pool\" class=\"stack\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(l, "mob-f-name"),
            t(l, "mob-f-unit-short"),
            t(l, "mob-officer-skills"),
            t(l, "mob-f-when"),
            t(l, "mob-f-status")
        ));
        for v in &p.list {
            body.push(html!(
                "<tr><td class=\"title\"><a class=\"name\" href=\"{}\">{}</a><span class=\"sub\">{} · {}</span></td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                vol_href(v.id),
                v.name,
                label(POLITICAL, &v.political, l),
                mask_phone(&v.phone),
                t(l, "mob-f-unit-short"),
                if v.unit.is_empty() { "—".to_owned() } else { v.unit.clone() },
                t(l, "mob-officer-skills"),
                if v.skills.trim().is_empty() { "—".to_owned() } else { skills_text(&v.skills, l) },
                t(l, "mob-f-when"),
                availability_text(l, v),
                t(l, "mob-f-status"),
                status_tag(l, &v.status)
            ));
        }
        body.0.push_str("</tbody></table>");
        if p.pages > 1 {
            body.push(pager(l, qs, p.page, p.pages));
        }
        if p.total >= p.limit {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-pool-more")));
        }
    }
    if let Some(links) = &p.links {
        body.push(links_section(ctx, &links.list, &links.areas));
        body.push(html!(
            "<h2>{}</h2><p class=\"muted\" id=\"units\">{}</p><form method=\"post\" action=\"/volunteers/units\" class=\"inline-form\">{}<input name=\"name\" maxlength=\"100\" required placeholder=\"{}\" aria-label=\"{}\"><button class=\"alt\">{}</button></form>",
            t(l, "mob-units-title"),
            if p.units.is_empty() {
                t(l, "mob-units-none")
            } else {
                p.units.iter().map(|u| u.1.as_str()).collect::<Vec<_>>().join(" · ")
            },
            csrf_field(&ctx.session.csrf),
            t(l, "mob-unit-new"),
            t(l, "mob-unit-new"),
            t(l, "mob-add")
        ));
    }
    body
}

/// The pool's pager: previous and next page with the filters kept, and "page X of Y".
fn pager(l: Lang, qs: &PoolQuery, page: usize, pages: usize) -> Markup {
    super::pager(l, page, pages, "pool-pager", |n| {
        let mut q: Vec<String> = [
            ("q", &qs.q),
            ("status", &qs.status),
            ("skill", &qs.skill),
            ("unit", &qs.unit),
            ("on", &qs.on),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::web::html::url_enc(v)))
        .collect();
        q.push(format!("page={n}"));
        format!("/volunteers?{}", q.join("&"))
    })
}

fn links_section(ctx: &Ctx, links: &[Link], areas: &[(String, String)]) -> Markup {
    let l = ctx.lang;
    let mut m = html!("<h2>{}</h2>", t(l, "mob-links-title"));
    if links.is_empty() {
        m.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-links-none")));
    } else {
        m.0.push_str("<ul class=\"home\" id=\"signup-links\">");
        for k in links {
            m.push(html!(
                "<li><a class=\"name\" href=\"/volunteers/links/{}\"><b>{}</b></a> {}<span class=\"sub\">/join/{}</span></li>",
                k.id,
                k.title,
                if k.active {
                    Markup::default()
                } else {
                    html!("<span class=\"tag\">{}</span>", t(l, "mob-link-closed"))
                },
                k.token
            ));
        }
        m.0.push_str("</ul>");
    }
    m.push(html!(
        "<details class=\"box\"><summary>{}</summary><form method=\"post\" action=\"/volunteers/links\" id=\"link-form\">{}{}{}<button>{}</button></form></details>",
        t(l, "mob-link-new"),
        csrf_field(&ctx.session.csrf),
        select("area", &t(l, "mob-f-area"), areas, "", None),
        field("title", &t(l, "mob-f-title"), "", None, "required maxlength=\"100\""),
        t(l, "mob-link-create")
    ));
    m
}

/// A sign-up link's poster: its QR code (`qr`) and address, to print.
pub(super) fn link(ctx: &Ctx, link: &Link, area: &str, url: &str, qr: Markup) -> Markup {
    let l = ctx.lang;
    let mut body = html!(
        "{}<div class=\"poster\" id=\"link-poster\"><h1>{}</h1><p>{} · {}</p>{}<p class=\"mono\" id=\"link-url\">{}</p><p class=\"muted\">{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button>",
        crumbs(&[(t(l, "mob-pool-title"), "/volunteers".into()), (link.title.clone(), String::new())]),
        link.title,
        t(l, "mob-join-intro"),
        area,
        qr,
        url,
        t(l, "mob-poster-hint"),
        t(l, "mob-print")
    );
    if link.active && crate::mobilization::can_manage(ctx.reader()) {
        body.push(html!(
            "<form method=\"post\" action=\"/volunteers/links/{}/close\" class=\"inline\">{}<button class=\"alt\" data-confirm=\"{}\">{}</button></form>",
            link.id,
            csrf_field(&ctx.session.csrf),
            t(l, "mob-link-close-confirm"),
            t(l, "mob-link-close")
        ));
    } else if !link.active {
        body.push(html!(
            "<span class=\"tag\">{}</span>",
            t(l, "mob-link-closed")
        ));
    }
    body.0.push_str("</div>");
    body
}

/// The actions an officer may take on a volunteer now: (target status, button label id,
/// whether a reason is required).
fn actions(status: &str) -> Vec<(&'static str, &'static str, bool)> {
    // "Withdraw" an application (撤回申请), never "退出", which is the shell's "sign out"; a
    // volunteer already serving leaves the pool.
    let withdraw = if status == "applied" {
        "mob-act-withdraw"
    } else {
        "mob-act-leave"
    };
    [
        ("approved", "mob-act-approve", false),
        ("rejected", "mob-act-reject", true),
        ("suspended", "mob-act-suspend", true),
        ("withdrawn", withdraw, false),
        ("applied", "mob-act-reopen", false),
    ]
    .into_iter()
    .filter(|(to, _, _)| volunteers::allowed(status, to))
    .collect()
}

fn action_forms(ctx: &Ctx, v: &Volunteer, back: &str) -> Markup {
    let l = ctx.lang;
    let mut m = Markup("<div class=\"actions\">".into());
    for (to, id, reason) in actions(&v.status) {
        if reason {
            m.push(html!(
                "<form method=\"post\" action=\"/volunteers/{}/status\" class=\"inline-form\">{}<input type=\"hidden\" name=\"to\" value=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{}\"><input name=\"reason\" required maxlength=\"300\" placeholder=\"{}\" aria-label=\"{}\"><button class=\"alt\">{}</button></form>",
                v.id,
                csrf_field(&ctx.session.csrf),
                to,
                back,
                t(l, "mob-f-reason"),
                t(l, "mob-f-reason"),
                t(l, id)
            ));
        } else {
            m.push(html!(
                "<form method=\"post\" action=\"/volunteers/{}/status\" class=\"inline\">{}<input type=\"hidden\" name=\"to\" value=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{}\"><button{}{} id=\"act-{}-{}\">{}</button></form>",
                v.id,
                csrf_field(&ctx.session.csrf),
                to,
                back,
                Markup(if to == "approved" { String::new() } else { " class=\"alt\"".into() }),
                Markup(if to == "withdrawn" {
                    format!(" data-confirm=\"{}\"", crate::web::html::esc(&t(l, "mob-act-withdraw-confirm")))
                } else {
                    String::new()
                }),
                to,
                v.id,
                t(l, id)
            ));
        }
    }
    m.0.push_str("</div>");
    m
}

fn person_facts(l: Lang, v: &Volunteer) -> Markup {
    html!(
        "<dl class=\"kv\"><dt>{}</dt><dd class=\"masked\">{}</dd><dt>{}</dt><dd><a class=\"btn alt call\" href=\"tel:{}\">{}</a></dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "mob-f-doc-number"),
        mask_doc(&v.doc_number),
        t(l, "mob-f-phone"),
        v.phone,
        v.phone,
        t(l, "mob-f-unit-short"),
        if v.unit.is_empty() { "—".to_owned() } else { v.unit.clone() },
        t(l, "mob-f-political"),
        label(POLITICAL, &v.political, l),
        t(l, "mob-officer-skills"),
        skills_text(&v.skills, l),
        if v.skills_note.is_empty() { String::new() } else { format!(" · {}", v.skills_note) },
        t(l, "mob-f-when"),
        availability_text(l, v),
        t(l, "mob-f-health-short"),
        if v.health_ok { t(l, "mob-health-declared") } else { "—".into() },
        t(l, "mob-f-registry"),
        match v.resident_id {
            Some(_) => t(l, "mob-registry-matched"),
            None => t(l, "mob-registry-none"),
        },
        t(l, "mob-f-signed-up"),
        minutes(v.created_ms)
    )
}

/// The applicants waiting, the oldest first (`list` is newest first).
pub(super) fn screening(ctx: &Ctx, list: &[Volunteer], top: Markup) -> Markup {
    let l = ctx.lang;
    let mut body = html!(
        "{}<h1>{}</h1>{}",
        crumbs(&[
            (t(l, "mob-pool-title"), "/volunteers".into()),
            (t(l, "mob-screening-title"), String::new())
        ]),
        t(l, "mob-screening-title"),
        top
    );
    if list.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"queue-empty\">{}</p>",
            t(l, "mob-screening-empty")
        ));
    }
    body.0.push_str("<div id=\"queue\">");
    for v in list.iter().rev() {
        body.push(html!(
            "<section class=\"hh applicant\" id=\"applicant-{}\"><div class=\"hh-head\"><a class=\"name\" href=\"{}\"><b>{}</b></a>{}</div>{}{}</section>",
            v.id,
            vol_href(v.id),
            v.name,
            status_tag(l, &v.status),
            person_facts(l, v),
            action_forms(ctx, v, "screening")
        ));
    }
    body.0.push_str("</div>");
    body
}

/// The account just made for an approved volunteer, with its one-time password (shown once).
pub(super) fn new_login(l: Lang, user: &str, password: &str) -> Markup {
    html!(
        "<div class=\"notice\" role=\"status\" id=\"new-login\"><b>{}</b><dl class=\"kv\"><dt>{}</dt><dd class=\"mono\" id=\"new-username\">{}</dd><dt>{}</dt><dd class=\"mono\" id=\"new-password\">{}</dd></dl><p class=\"muted\">{}</p></div>",
        t(l, "mob-account-made"),
        t(l, "field-username"),
        user,
        t(l, "mob-one-time-password"),
        password,
        t(l, "mob-account-hint")
    )
}

/// A volunteer's record: `top` above it (a notice or the problems of a screening step), their
/// facts, the screening actions, their shifts and their screening history.
pub(super) fn volunteer(
    ctx: &Ctx,
    v: &Volunteer,
    steps: &[Step],
    shifts: &[Mine],
    top: Markup,
    names: &std::collections::HashMap<String, String>,
) -> Markup {
    let l = ctx.lang;
    let mut body = html!(
        "{}{}<h1>{} {}</h1>{}",
        crumbs(&[
            (t(l, "mob-pool-title"), "/volunteers".into()),
            (v.name.clone(), String::new())
        ]),
        top,
        v.name,
        status_tag(l, &v.status),
        person_facts(l, v)
    );
    if !v.status_reason.is_empty() {
        body.push(html!(
            "<p><b>{}</b>: {}</p>",
            t(l, "mob-f-reason"),
            v.status_reason
        ));
    }
    if crate::mobilization::can_manage(ctx.reader()) {
        body.push(action_forms(ctx, v, "volunteer"));
    }
    body.push(html!("<h2>{}</h2>", t(l, "mob-shifts-title")));
    if shifts.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-shifts-none")));
    } else {
        body.push(super::rosters::mine_table(l, shifts));
    }
    body.push(html!(
        "<p><a class=\"btn alt\" href=\"/volunteers/{}/certificate\" id=\"cert-link\">{}</a></p><h2>{}</h2><ol class=\"steps\" id=\"history\">",
        v.id,
        t(l, "mob-cert-link"),
        t(l, "mob-history-title")
    ));
    for s in steps {
        body.push(html!(
            "<li><span class=\"nowrap\">{}</span> · {} → {} · {}{}</li>",
            minutes(s.at_ms),
            if s.from.is_empty() {
                "—".to_owned()
            } else {
                label(STATUSES, &s.from, l)
            },
            label(STATUSES, &s.to, l),
            // Who: a person by name; the public sign-up form and the applicant themselves in
            // words.
            match s.actor.as_str() {
                "(sign-up)" => t(l, "mob-by-signup"),
                a => names.get(a).cloned().unwrap_or_else(|| a.to_owned()),
            },
            match s.reason.as_str() {
                "" => String::new(),
                "withdrawn by the volunteer" => format!(" · {}", t(l, "mob-withdrawn-by-self")),
                r => format!(" · {r}"),
            }
        ));
    }
    body.0.push_str("</ol>");
    body
}
