//! The staff's pages: the queue of an area (most urgent and oldest first, late ones escalated to
//! the reader on top), a need with its history and the dispatch forms, the intake form, a
//! household's door plate, the figures and the deadlines. The household link's pages are in
//! `public_pages`, the volunteer's in `volunteer_pages`.

pub mod public;
pub mod volunteer;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::pages::branch::{
    answer, err, errors_of, id_of, state, textarea, val, Posted,
};
use crate::mobilization::pages::{origin, qr_svg};
use crate::needs::deadlines::Deadlines;
use crate::needs::figures::{self, Figures};
use crate::needs::flow::{self, Action, QueueFilter, Who};
use crate::needs::intake::{self, NewNeed};
use crate::needs::{
    can_dispatch, can_intake, label, level_of_role, tags_text, Need, CATEGORIES, ITEM_KINDS,
    LEVELS, SOURCES, STATUSES, URGENCIES,
};
use crate::registry::areas::scope_choices;
use crate::web::html::minutes;
use crate::web::html::vocab_options;
use crate::web::html::{crumbs, csrf_field, field, notice, select, url_enc, Markup};
use crate::web::kit::{first, q, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// Needs shown per page of the queue.
pub const PAGE: i64 = 50;

/// "25 min", "3 h 05 min", "2 d 4 h".
pub fn span(l: Lang, ms: i64) -> String {
    let m = (ms / 60_000).max(0);
    let (d, h, mm) = (m / 1440, m / 60 % 24, m % 60);
    match (l, d, h) {
        (Lang::Zh, 0, 0) => format!("{mm} 分钟"),
        (Lang::Zh, 0, _) => format!("{h} 小时 {mm} 分"),
        (Lang::Zh, _, _) => format!("{d} 天 {h} 小时"),
        (Lang::En, 0, 0) => format!("{mm} min"),
        (Lang::En, 0, _) => format!("{h} h {mm:02} min"),
        (Lang::En, _, _) => format!("{d} d {h} h"),
    }
}

/// The urgency as a coloured tag.
pub fn urgency_tag(l: Lang, u: i64) -> Markup {
    let class = match u {
        1 => "bad",
        2 => "warn",
        _ => "",
    };
    html!(
        "<span class=\"tag {} urg\">{}</span>",
        class,
        label(URGENCIES, &u.to_string(), l)
    )
}

pub fn status_tag(l: Lang, s: &str) -> Markup {
    let class = match s {
        "done" => "ok",
        "new" => "warn",
        "cancelled" => "",
        _ => "home",
    };
    html!(
        "<span class=\"tag {} st\">{}</span>",
        class,
        label(STATUSES, s, l)
    )
}

/// The flags of a need: late (with its escalation), possible duplicate, vulnerable tags.
pub fn flags(l: Lang, n: &Need, d: &Deadlines, now: i64) -> Markup {
    let mut m = Markup::default();
    if let Some(since) = d.late_since(n, now) {
        m.push(html!(
            "<span class=\"tag bad late\">{}</span>",
            ta(l, "need-late-by", &[("t", Arg::S(span(l, now - since)))])
        ));
        if n.escalation > 0 {
            m.push(html!(
                "<span class=\"tag bad esc\">{}</span>",
                ta(
                    l,
                    "need-escalated-to",
                    &[("who", Arg::S(label(LEVELS, &n.escalation.to_string(), l)))]
                )
            ));
        }
    }
    if let Some(d) = n.duplicate_of {
        m.push(html!(
            "<span class=\"tag warn dup\">{}</span>",
            ta(l, "need-dup-of", &[("n", Arg::N(d))])
        ));
    }
    if n.tags != 0 {
        m.push(html!(
            "<span class=\"tag warn vuln\">{}</span>",
            tags_text(n.tags, l)
        ));
    }
    m
}

/// Who has a need: the team or volunteer, or "nobody yet".
pub fn holder(l: Lang, n: &Need) -> String {
    match (&n.volunteer, &n.team) {
        (Some(v), _) => v.clone(),
        (None, Some(t)) => ta(l, "need-team-n", &[("team", Arg::S(t.clone()))]),
        _ => t(l, "need-nobody"),
    }
}

fn need_href(id: i64) -> String {
    format!("/needs/{id}")
}

/// One row of the queue.
fn queue_row(l: Lang, n: &Need, d: &Deadlines, now: i64) -> Markup {
    html!(
        "<tr id=\"need-{}\"><td>{}</td><td><a href=\"{}\"><b>#{} {}</b></a><span class=\"sub\">{}</span><span class=\"sub\">{}</span>{}</td><td>{}<span class=\"sub\">{}</span></td><td class=\"nowrap\">{}<span class=\"sub\">{}</span></td></tr>",
        n.id,
        urgency_tag(l, n.urgency),
        need_href(n.id),
        n.id,
        n.category_label(l),
        short(&n.description, 80),
        n.address,
        flags(l, n, d, now),
        status_tag(l, &n.status),
        holder(l, n),
        span(l, now - n.created_ms),
        minutes(n.created_ms)
    )
}

pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

fn area_select(l: Lang, choices: &[(String, String)], code: &str) -> Markup {
    select("area", &t(l, "need-area"), choices, code, None)
}

// ---- The queue ----

async fn queue_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let run = async {
        crate::needs::require_read(r)?;
        let area = crate::needs::area_in_scope(&db, r, q(&qs, "area")).await?;
        let d = Deadlines::load(&db).await?;
        let page = q(&qs, "page").parse::<i64>().unwrap_or(1).max(1);
        let status = q(&qs, "status");
        // `late=1`: only the needs escalated to the reader's level.
        let my_level = level_of_role(&r.role);
        let late_only = q(&qs, "late") == "1";
        let filter = QueueFilter {
            status: Some(status.to_owned()).filter(|s| !s.is_empty()),
            category: Some(q(&qs, "category").to_owned()).filter(|s| !s.is_empty()),
            urgency: q(&qs, "urgency").parse().ok(),
            escalated: my_level.filter(|_| late_only),
            limit: PAGE,
            offset: (page - 1) * PAGE,
        };
        let (list, total) = flow::queue(&db, r, &area.path, &filter).await?;
        let counts = flow::open_counts(&db, r, &area.path).await?;
        let mut body = crumbs(&[(t(l, "need-title"), String::new())]);
        body.push(html!("<h1>{} · {}</h1>", t(l, "need-title"), area.name));
        if q(&qs, "done") == "created" {
            body.push(notice(&t(l, "need-done-created")));
        }
        let mut links = html!(
            "<p class=\"actions noprint\"><a class=\"btn alt\" href=\"/needs/figures?area={}\" id=\"to-figures\">{}</a>",
            area.code,
            t(l, "need-figures")
        );
        if can_intake(r) {
            links.push(html!(
                "<a class=\"btn alt\" href=\"/needs/new\" id=\"to-intake\">{}</a>",
                t(l, "need-new")
            ));
        }
        if matches!(r.role.as_str(), "admin" | "hq") {
            links.push(html!(
                "<a class=\"btn alt\" href=\"/needs/deadlines\" id=\"to-deadlines\">{}</a>",
                t(l, "need-deadlines")
            ));
        }
        links.0.push_str("</p>");
        body.push(links);
        // The most urgent late needs escalated to the reader's level, whatever the filters,
        // and a link to all of them.
        if let Some(level) = my_level.filter(|_| !late_only) {
            let (late, n_late) = flow::queue(
                &db,
                r,
                &area.path,
                &QueueFilter {
                    escalated: Some(level),
                    limit: 5,
                    ..QueueFilter::default()
                },
            )
            .await?;
            if n_late > 0 {
                body.push(html!(
                    "<section class=\"box escalated\" id=\"escalated\"><h2>{}</h2><table>",
                    ta(l, "need-escalated-n", &[("n", Arg::N(n_late))])
                ));
                for n in &late {
                    body.push(queue_row(l, n, &d, now));
                }
                body.push(html!(
                    "</table><p><a href=\"/needs?area={}&amp;late=1\" id=\"all-late\">{}</a></p></section>",
                    area.code,
                    t(l, "need-all-late")
                ));
            }
        } else if late_only {
            body.push(html!(
                "<p class=\"notice\" id=\"late-only\">{} <a href=\"/needs?area={}\">{}</a></p>",
                t(l, "need-late-only"),
                area.code,
                t(l, "need-open-all")
            ));
        }
        // Filters: area, status tabs, category, urgency.
        let choices = scope_choices(&db, &r.registry_scope()).await?;
        let mut cats = vec![(String::new(), t(l, "need-any"))];
        cats.extend(vocab_options(CATEGORIES, l));
        let mut urgs = vec![(String::new(), t(l, "need-any"))];
        urgs.extend(vocab_options(URGENCIES, l));
        body.push(html!(
            "<form class=\"filters noprint\" method=\"get\" action=\"/needs\">{}<input type=\"hidden\" name=\"status\" value=\"{}\"><input type=\"hidden\" name=\"late\" value=\"{}\">{}{}<button>{}</button></form>",
            area_select(l, &choices, &area.code),
            status,
            if late_only { "1" } else { "" },
            select("category", &t(l, "need-category"), &cats, q(&qs, "category"), None),
            select("urgency", &t(l, "need-urgency"), &urgs, q(&qs, "urgency"), None),
            t(l, "need-show")
        ));
        let all: i64 = counts.iter().map(|c| c.1).sum();
        let mut tabs =
            html!(
            "<p class=\"actions tabs\"><a class=\"tag{}\" href=\"/needs?area={}\">{} <b>{}</b></a>",
            Markup(if status.is_empty() { " home".into() } else { String::new() }),
            area.code,
            t(l, "need-open-all"),
            all
        );
        for s in crate::needs::OPEN {
            let n = counts.iter().find(|c| c.0 == s).map_or(0, |c| c.1);
            tabs.push(html!(
                "<a class=\"tag{}\" id=\"tab-{}\" href=\"/needs?area={}&amp;status={}\">{} <b>{}</b></a>",
                Markup(if status == s { " home".into() } else { String::new() }),
                s,
                area.code,
                s,
                label(STATUSES, s, l),
                n
            ));
        }
        tabs.0.push_str("</p>");
        body.push(tabs);
        if list.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"queue-empty\">{}</p>",
                t(l, "need-queue-empty")
            ));
        } else {
            body.push(html!(
                "<table id=\"queue\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                t(l, "need-urgency"),
                t(l, "need-need"),
                t(l, "need-status"),
                t(l, "need-waiting")
            ));
            for n in &list {
                body.push(queue_row(l, n, &d, now));
            }
            body.0.push_str("</tbody></table>");
            let base = format!(
                "/needs?area={}&late={}&status={}&category={}&urgency={}",
                url_enc(&area.code),
                if late_only { "1" } else { "" },
                url_enc(status),
                url_enc(q(&qs, "category")),
                url_enc(q(&qs, "urgency"))
            );
            let mut pager = Markup("<p class=\"pager\">".into());
            if page > 1 {
                pager.push(html!(
                    "<a href=\"{}&amp;page={}\">‹ {}</a>",
                    Markup(crate::web::html::esc(&base)),
                    page - 1,
                    t(l, "need-prev")
                ));
            } else {
                pager.0.push_str("<span></span>");
            }
            pager.push(html!(
                "<span class=\"muted\">{}</span>",
                ta(
                    l,
                    "need-shown",
                    &[
                        ("from", Arg::N((page - 1) * PAGE + 1)),
                        ("to", Arg::N((page - 1) * PAGE + list.len() as i64)),
                        ("n", Arg::N(total))
                    ]
                )
            ));
            if page * PAGE < total {
                pager.push(html!(
                    "<a href=\"{}&amp;page={}\" id=\"next-page\">{} ›</a>",
                    Markup(crate::web::html::esc(&base)),
                    page + 1,
                    t(l, "need-next")
                ));
            } else {
                pager.0.push_str("<span></span>");
            }
            pager.0.push_str("</p>");
            body.push(pager);
        }
        Ok((t(l, "need-title"), body))
    };
    answer(&ctx, run.await, None)
}

// ---- One need ----

async fn need_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    need_view(&db, &ctx, &id, q(&qs, "done"), None).await
}

/// The facts of a need (shared with the volunteer's page): what, for whom, where, flags.
pub fn facts(l: Lang, n: &Need, d: &Deadlines, now: i64, phone: Markup) -> Markup {
    let mut m = html!(
        "<dl class=\"kv\" id=\"need-facts\"><dt>{}</dt><dd>{} {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd class=\"desc\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        t(l, "need-need"),
        urgency_tag(l, n.urgency),
        n.category_label(l),
        t(l, "need-status"),
        status_tag(l, &n.status),
        t(l, "need-details"),
        n.description,
        t(l, "need-address"),
        if n.address.is_empty() { t(l, "need-household-gone") } else { n.address.clone() },
        t(l, "need-for"),
        if n.for_name.is_empty() { t(l, "need-for-household") } else { n.for_name.clone() }
    );
    m.push(html!(
        "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} · {}</dd>",
        t(l, "need-phone"),
        phone,
        t(l, "need-holder"),
        holder(l, n),
        t(l, "need-registered"),
        minutes(n.created_ms),
        label(SOURCES, &n.source, l)
    ));
    if let Some(due) = d.contact_due(n) {
        m.push(html!(
            "<dt>{}</dt><dd>{}</dd>",
            t(l, "need-contact-due"),
            minutes(due)
        ));
    }
    if let Some(due) = d.done_due(n) {
        m.push(html!(
            "<dt>{}</dt><dd>{}</dd>",
            t(l, "need-done-due"),
            minutes(due)
        ));
    }
    let f = flags(l, n, d, now);
    if !f.0.is_empty() {
        m.push(html!("<dt>{}</dt><dd>{}</dd>", t(l, "need-flags"), f));
    }
    if let Some(r) = n.rating {
        m.push(html!(
            "<dt>{}</dt><dd id=\"rating\">{} {}</dd>",
            t(l, "need-rating"),
            "★".repeat(r as usize),
            n.feedback.clone().unwrap_or_default()
        ));
    }
    m.0.push_str("</dl>");
    m
}

/// A need's history and delivered items.
pub async fn history_of(db: &Db, l: Lang, n: &Need) -> Result<Markup, AppError> {
    let mut m = Markup::default();
    let items = crate::needs::items(db, n.id).await?;
    if !items.is_empty() {
        m.push(html!(
            "<h2>{}</h2><ul class=\"home\" id=\"items\">",
            t(l, "need-items")
        ));
        for i in &items {
            m.push(html!(
                "<li><b>{} × {}</b> {}<span class=\"sub\">{} · {}</span></li>",
                label(ITEM_KINDS, &i.kind, l),
                i.quantity,
                i.description,
                i.recorded_by,
                minutes(i.at_ms)
            ));
        }
        m.0.push_str("</ul>");
    }
    m.push(html!(
        "<h2>{}</h2><table id=\"history\"><tbody>",
        t(l, "need-history")
    ));
    for s in crate::needs::history(db, n.id).await? {
        let what = match s.kind.as_str() {
            "escalated" => ta(
                l,
                "need-ev-escalated",
                &[("who", Arg::S(label(LEVELS, &s.note, l)))],
            ),
            k => t(l, &format!("need-ev-{k}")),
        };
        let note = match s.kind.as_str() {
            "escalated" | "confirmed" => String::new(),
            "created" => label(SOURCES, &s.note, l),
            _ => s.note.clone(),
        };
        m.push(html!(
            "<tr><td class=\"nowrap\">{}</td><td><b>{}</b>{}<span class=\"sub\">{}</span></td><td>{}</td></tr>",
            minutes(s.at_ms),
            what,
            match &s.to_status {
                Some(to) if s.from_status.as_ref() != Some(to) => html!(" → {}", label(STATUSES, to, l)),
                _ => Markup::default(),
            },
            note,
            s.actor
        ));
    }
    m.0.push_str("</tbody></table>");
    Ok(m)
}

/// A button form posting one action (with the version seen) to `action_url`.
pub fn action_form(
    csrf: &str,
    action_url: &str,
    action: &str,
    version: i64,
    button: &str,
    extra: Markup,
    class: &str,
) -> Markup {
    html!(
        "<form method=\"post\" action=\"{}\" class=\"box act-{}\">{}<input type=\"hidden\" name=\"action\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{}\">{}<button class=\"{}\" id=\"do-{}\">{}</button></form>",
        action_url,
        action,
        csrf_field(csrf),
        action,
        version,
        extra,
        class,
        action,
        button
    )
}

/// The item form (shared with the volunteer's page).
pub(crate) fn item_form(l: Lang, csrf: &str, url: &str, p: Option<&Posted>) -> Markup {
    let s = state(p, "item", 0);
    html!(
        "<form method=\"post\" action=\"{}\" class=\"box\" id=\"item-form\"><h3>{}</h3>{}{}{}<div class=\"two\">{}{}</div><button class=\"alt\">{}</button></form>",
        url,
        t(l, "need-item-add"),
        errors_of(l, s),
        csrf_field(csrf),
        select("kind", &t(l, "need-item-kind"), &vocab_options(ITEM_KINDS, l), &val(s, "kind", "medicine"), err(s, "kind")),
        field("quantity", &t(l, "need-item-qty"), &val(s, "quantity", "1"), err(s, "quantity"), "inputmode=\"numeric\""),
        field("description", &t(l, "need-item-what"), &val(s, "description", ""), err(s, "description"), ""),
        t(l, "need-item-save")
    )
}

/// The reason form of an action that needs one (unable, cancel, reopen).
pub(crate) fn reason_form(
    l: Lang,
    csrf: &str,
    url: &str,
    action: &str,
    version: i64,
    p: Option<&Posted>,
) -> Markup {
    let s = state(p, action_form_name(action), 0);
    let open = if s.is_some() { " open" } else { "" };
    html!(
        "<details class=\"box\"{}><summary id=\"open-{}\">{}</summary>{}{}</details>",
        Markup(open.into()),
        action,
        t(l, &format!("need-do-{action}")),
        errors_of(l, s),
        action_form(
            csrf,
            url,
            action,
            version,
            &t(l, &format!("need-do-{action}")),
            textarea(
                "reason",
                &t(l, "need-reason"),
                &val(s, "reason", ""),
                err(s, "reason"),
                "required"
            ),
            "warn"
        )
    )
}

pub fn action_form_name(action: &str) -> &'static str {
    match action {
        "unable" => "unable",
        "cancel" => "cancel",
        "reopen" => "reopen",
        "assign" => "assign",
        "confirm" => "confirm",
        _ => "act",
    }
}

/// The action a posted form asks for.
pub fn posted_action(f: &[(String, String)]) -> Result<Action, AppError> {
    let reason = first(f, "reason").to_owned();
    let opt = |k: &str| first(f, k).trim().parse::<i64>().ok();
    Ok(match first(f, "action") {
        "assign" => Action::Assign {
            team: opt("team"),
            volunteer: opt("volunteer"),
        },
        "claim" => Action::Claim,
        "start" => Action::Start,
        "done" => Action::Done,
        "unable" => Action::Unable { reason },
        "cancel" => Action::Cancel { reason },
        "reopen" => Action::Reopen { reason },
        "confirm" => Action::Confirm {
            rating: opt("rating").unwrap_or(0),
            feedback: first(f, "feedback").to_owned(),
        },
        _ => return Err(AppError::NotFound),
    })
}

/// The labels of the fields of the action forms, to name errors as the form does.
pub fn action_names(l: Lang) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("reason", "reason", t(l, "need-reason")),
        ("team", "team", t(l, "need-team")),
        ("volunteer", "volunteer", t(l, "need-volunteer")),
        ("rating", "rating", t(l, "need-rating")),
        ("feedback", "feedback", t(l, "need-feedback")),
        ("kind", "kind", t(l, "need-item-kind")),
        ("quantity", "quantity", t(l, "need-item-qty")),
        ("description", "description", t(l, "need-item-what")),
    ]
}

/// Take the action a posted form asks for (with the version the form carries); its kind.
pub(crate) async fn act_of_form(
    db: &Db,
    actor: &crate::audit::Actor,
    who: &Who<'_>,
    id: &str,
    f: &[(String, String)],
    allowed: fn(&Action) -> bool,
) -> Result<&'static str, AppError> {
    let action = posted_action(f)?;
    if !allowed(&action) {
        return Err(AppError::NotFound);
    }
    let seen = first(f, "version").parse().ok();
    flow::act(db, actor, who, id_of(id)?, &action, seen, now_ms()).await?;
    Ok(action.kind())
}

/// Record the item a posted item form describes.
pub(crate) async fn item_of_form(
    db: &Db,
    actor: &crate::audit::Actor,
    who: &Who<'_>,
    id: &str,
    f: &[(String, String)],
) -> Result<(), AppError> {
    flow::add_item(
        db,
        actor,
        who,
        id_of(id)?,
        first(f, "kind"),
        first(f, "description"),
        first(f, "quantity"),
        now_ms(),
    )
    .await
}

/// The form a refused action comes back to: a conflict shows at the top, field errors at
/// their form.
pub(crate) fn refused_form(e: &AppError, f: &[(String, String)]) -> &'static str {
    if matches!(e, AppError::Conflict(_)) {
        "act"
    } else {
        action_form_name(first(f, "action"))
    }
}

async fn need_view(db: &Db, ctx: &Ctx, id: &str, done: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let now = now_ms();
    let run = async {
        let n = crate::needs::get(db, r, id_of(id)?).await?;
        let d = Deadlines::load(db).await?;
        let mut body = crumbs(&[
            (t(l, "need-title"), "/needs".to_owned()),
            (format!("#{}", n.id), String::new()),
        ]);
        body.push(html!("<h1>#{} {}</h1>", n.id, n.category_label(l)));
        if !done.is_empty() {
            body.push(notice(&t(l, &format!("need-done-{}", short_code(done)))));
        }
        body.push(facts(
            l,
            &n,
            &d,
            now,
            html!("<span class=\"masked\">{}</span>", n.masked_phone()),
        ));
        body.push(html!(
            "<p class=\"noprint\"><a href=\"/households/{}\">{}</a> · <a href=\"/households/{}/plate\">{}</a></p>",
            n.household_id,
            t(l, "need-household"),
            n.household_id,
            t(l, "need-plate")
        ));
        if let Some(p) = posted.filter(|p| p.form == "act") {
            body.push(errors_of(l, Some(p)));
        }
        if can_dispatch(r) {
            let url = format!("/needs/{}/act", n.id);
            let csrf = ctx.session.csrf.as_str();
            if matches!(n.status.as_str(), "new" | "assigned" | "claimed") {
                body.push(assign_form(db, ctx, &n, posted).await?);
            }
            match n.status.as_str() {
                "assigned" | "claimed" => body.push(action_form(
                    csrf,
                    &url,
                    "start",
                    n.version,
                    &t(l, "need-do-start"),
                    Markup::default(),
                    "",
                )),
                "in_progress" => body.push(action_form(
                    csrf,
                    &url,
                    "done",
                    n.version,
                    &t(l, "need-do-done"),
                    Markup::default(),
                    "",
                )),
                _ => {}
            }
            if matches!(n.status.as_str(), "assigned" | "claimed" | "in_progress") {
                body.push(reason_form(l, csrf, &url, "unable", n.version, posted));
            }
            if n.is_open() {
                body.push(reason_form(l, csrf, &url, "cancel", n.version, posted));
            } else {
                body.push(reason_form(l, csrf, &url, "reopen", n.version, posted));
            }
            if matches!(n.status.as_str(), "in_progress" | "done") {
                body.push(item_form(
                    l,
                    csrf,
                    &format!("/needs/{}/items", n.id),
                    posted,
                ));
            }
        }
        body.push(history_of(db, l, &n).await?);
        Ok((format!("#{} {}", n.id, n.category_label(l)), body))
    };
    answer(ctx, run.await, posted)
}

/// A notice id's last part, from a closed list (the query string is not trusted).
pub fn short_code(done: &str) -> &'static str {
    match done {
        "assigned" => "assigned",
        "claimed" => "claimed",
        "started" => "started",
        "done" => "done",
        "unable" => "unable",
        "cancelled" => "cancelled",
        "reopened" => "reopened",
        "confirmed" => "confirmed",
        "item" => "item",
        "created" => "created",
        "dup" => "dup",
        _ => "saved",
    }
}

async fn assign_form(
    db: &Db,
    ctx: &Ctx,
    n: &Need,
    posted: Option<&Posted>,
) -> Result<Markup, AppError> {
    let l = ctx.lang;
    let r = ctx.reader();
    let s = state(posted, "assign", 0);
    // Teams and approved volunteers of the need's community.
    let community = n.path.get(..12).unwrap_or(&n.path);
    let mut teams = vec![(String::new(), t(l, "need-choose"))];
    for team in crate::mobilization::branches::teams(db, r).await? {
        if team.path.starts_with(community) || community.starts_with(team.path.as_str()) {
            teams.push((
                team.id.to_string(),
                format!("{} ({})", team.name, team.members),
            ));
        }
    }
    let vols = db
        .query(
            "SELECT id, name, phone FROM volunteers WHERE status = 'approved' AND path >= $1 AND path < $2 ORDER BY name LIMIT 500",
            crate::args![community, crate::db::path_end(community)],
        )
        .await?;
    let mut vs = vec![(String::new(), t(l, "need-choose"))];
    vs.extend(vols.iter().map(|v| {
        (
            v.int(0).to_string(),
            format!(
                "{} {}",
                v.text(1),
                crate::registry::validate::mask_phone(v.text(2))
            ),
        )
    }));
    let open = if s.is_some() { " open" } else { "" };
    Ok(html!(
        "<details class=\"box\"{}><summary id=\"open-assign\">{}</summary>{}{}</details>",
        Markup(open.into()),
        t(l, "need-do-assign"),
        errors_of(l, s),
        action_form(
            &ctx.session.csrf,
            &format!("/needs/{}/act", n.id),
            "assign",
            n.version,
            &t(l, "need-do-assign"),
            html!(
                "<p class=\"muted\">{}</p><div class=\"two\">{}{}</div>",
                t(l, "need-assign-how"),
                select(
                    "team",
                    &t(l, "need-team"),
                    &teams,
                    &val(s, "team", ""),
                    err(s, "team")
                ),
                select(
                    "volunteer",
                    &t(l, "need-volunteer"),
                    &vs,
                    &val(s, "volunteer", ""),
                    err(s, "volunteer")
                )
            ),
            ""
        )
    ))
}

async fn act_post(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let who = Who::Staff(ctx.reader());
    match act_of_form(&db, &ctx.actor(), &who, &id, &f, |_| true).await {
        Ok(kind) => Redirect::to(&format!("/needs/{}?done={kind}", id.trim())).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let p = Posted::new(
                ctx.lang,
                refused_form(&e, &f),
                0,
                &f,
                &e,
                &action_names(ctx.lang),
            );
            need_view(&db, &ctx, &id, "", Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn item_post(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let who = Who::Staff(ctx.reader());
    match item_of_form(&db, &ctx.actor(), &who, &id, &f).await {
        Ok(()) => Redirect::to(&format!("/needs/{}?done=item", id.trim())).into_response(),
        Err(e @ AppError::Invalid(_)) => {
            let p = Posted::new(ctx.lang, "item", 0, &f, &e, &action_names(ctx.lang));
            need_view(&db, &ctx, &id, "", Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

/// On the registry's household page: the household's needs, and the links to register one
/// and to print its door plate.
pub async fn household_section(db: &Db, ctx: &Ctx, household: i64) -> Result<Markup, AppError> {
    let l = ctx.lang;
    let r = ctx.reader();
    if !crate::needs::can_read(r) {
        return Ok(Markup::default());
    }
    let now = now_ms();
    let list = intake::household_needs(db, household, now).await?;
    let mut m = html!("<h2>{}</h2>", t(l, "need-household-needs"));
    if list.is_empty() {
        m.push(html!(
            "<p class=\"muted\">{}</p>",
            t(l, "need-household-none")
        ));
    } else {
        let d = Deadlines::load(db).await?;
        m.push(Markup("<table id=\"household-needs\"><tbody>".into()));
        for n in &list {
            m.push(queue_row(l, n, &d, now));
        }
        m.0.push_str("</tbody></table>");
    }
    m.push(Markup("<p class=\"actions noprint\">".into()));
    if can_intake(r) {
        m.push(html!(
            "<a class=\"btn\" id=\"register-need\" href=\"/needs/new?household={}\">{}</a>",
            household,
            t(l, "need-new")
        ));
    }
    m.push(html!(
        "<a class=\"btn alt\" id=\"door-plate\" href=\"/households/{}/plate\">{}</a></p>",
        household,
        t(l, "need-plate")
    ));
    Ok(m)
}

// ---- Intake by staff ----

async fn new_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    new_view(&db, &ctx, q(&qs, "household"), None).await
}

/// The fields of the need form (shared with the household link's form). `members`: the
/// household's members to choose from (staff only; the public form types a name).
pub(crate) fn need_fields(
    l: Lang,
    s: Option<&Posted>,
    members: Option<&[(String, String)]>,
    client_id: &str,
) -> Markup {
    let mut cats = vec![(String::new(), t(l, "need-choose"))];
    cats.extend(vocab_options(CATEGORIES, l));
    let mut m = html!(
        "<input type=\"hidden\" name=\"client_id\" value=\"{}\">{}",
        val(s, "client_id", client_id),
        select(
            "category",
            &t(l, "need-category"),
            &cats,
            &val(s, "category", ""),
            err(s, "category")
        )
    );
    // Urgency as big radio buttons: the most important choice on the form.
    let chosen = val(s, "urgency", "");
    m.push(html!(
        "<fieldset class=\"field urgency{}\" id=\"f-urgency\"><span>{}</span>",
        Markup(if err(s, "urgency").is_some() {
            " bad".into()
        } else {
            String::new()
        }),
        t(l, "need-urgency")
    ));
    for (code, _, _) in URGENCIES {
        m.push(html!(
            "<label class=\"tag u{}\"><input type=\"radio\" name=\"urgency\" value=\"{}\"{}> {}</label>",
            code,
            code,
            Markup(if chosen == *code { " checked".into() } else { String::new() }),
            label(URGENCIES, code, l)
        ));
    }
    if let Some(e) = err(s, "urgency") {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</fieldset>");
    m.push(textarea(
        "description",
        &t(l, "need-description"),
        &val(s, "description", ""),
        err(s, "description"),
        &format!(
            "required maxlength=\"1000\" placeholder=\"{}\"",
            crate::web::html::esc(&t(l, "need-description-hint"))
        ),
    ));
    match members {
        Some(ms) => {
            let mut opts = vec![(String::new(), t(l, "need-for-household"))];
            opts.extend(ms.iter().cloned());
            m.push(select(
                "resident",
                &t(l, "need-for"),
                &opts,
                &val(s, "resident", ""),
                err(s, "resident"),
            ));
        }
        None => m.push(field(
            "for_name",
            &t(l, "need-for-name"),
            &val(s, "for_name", ""),
            err(s, "for_name"),
            "maxlength=\"100\" autocomplete=\"name\"",
        )),
    }
    m.push(field(
        "phone",
        &t(l, "need-phone-callback"),
        &val(s, "phone", ""),
        err(s, "phone"),
        "inputmode=\"tel\" autocomplete=\"tel\"",
    ));
    m
}

/// The names of the need form's fields, to name errors as the form does.
pub fn need_names(l: Lang) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("category", "category", t(l, "need-category")),
        ("urgency", "urgency", t(l, "need-urgency")),
        ("description", "description", t(l, "need-description")),
        ("for_name", "for_name", t(l, "need-for-name")),
        ("resident", "resident", t(l, "need-for")),
        ("phone", "phone", t(l, "need-phone-callback")),
        ("source", "source", t(l, "need-source")),
        ("client_id", "client_id", t(l, "need-form")),
    ]
}

/// A fresh id for a form, so that sending it twice makes one need.
pub fn client_id() -> String {
    crate::access::random_hex(12)
}

pub fn need_of_form(f: &[(String, String)]) -> NewNeed {
    NewNeed {
        resident: first(f, "resident").trim().parse().ok(),
        for_name: first(f, "for_name").to_owned(),
        category: first(f, "category").to_owned(),
        urgency: first(f, "urgency").to_owned(),
        description: first(f, "description").to_owned(),
        phone: first(f, "phone").to_owned(),
        source: first(f, "source").to_owned(),
        client_id: first(f, "client_id").to_owned(),
    }
}

async fn new_view(db: &Db, ctx: &Ctx, household: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let run = async {
        crate::needs::require_intake(r)?;
        let mut body = crumbs(&[
            (t(l, "need-title"), "/needs".to_owned()),
            (t(l, "need-new"), String::new()),
        ]);
        body.push(html!("<h1>{}</h1>", t(l, "need-new")));
        if household.is_empty() {
            body.push(html!(
                "<p class=\"muted\">{} <a href=\"/search\" id=\"find-household\">{}</a></p>",
                t(l, "need-new-how"),
                t(l, "need-find-household")
            ));
            return Ok((t(l, "need-new"), body));
        }
        let hid = id_of(household)?;
        let hh = crate::registry::residents::household(db, &r.registry_scope(), hid).await?;
        let members: Vec<(String, String)> = hh
            .residents
            .iter()
            .map(|p| (p.id.to_string(), p.name.clone()))
            .collect();
        let tags = crate::needs::household_tags(db, &[hid])
            .await?
            .get(&hid)
            .copied()
            .unwrap_or(0);
        body.push(html!(
            "<p class=\"box who-card\" id=\"need-household\"><b>{}</b><span class=\"sub\">{}</span></p>",
            hh.household.address,
            tags_text(tags, l)
        ));
        let s = state(posted, "need", 0);
        let mut sources = vocab_options(SOURCES, l);
        sources.retain(|x| x.0 != "resident");
        body.push(html!(
            "<form method=\"post\" action=\"/needs/new?household={}\" class=\"box\" id=\"need-form\">{}{}{}{}<button class=\"big\" id=\"save-need\">{}</button></form>",
            hid,
            errors_of(l, s),
            csrf_field(&ctx.session.csrf),
            select("source", &t(l, "need-source"), &sources, &val(s, "source", if r.role == "grid" { "grid" } else { "hotline" }), err(s, "source")),
            need_fields(l, s, Some(&members), &client_id()),
            t(l, "need-save")
        ));
        Ok((t(l, "need-new"), body))
    };
    answer(ctx, run.await, posted)
}

async fn new_post(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let household = q(&qs, "household").to_owned();
    let run = async {
        intake::create(
            &db,
            &ctx.actor(),
            ctx.reader(),
            id_of(&household)?,
            &need_of_form(&f),
            now_ms(),
        )
        .await
    };
    match run.await {
        Ok(c) => {
            let done = if c.duplicate_of.is_some() {
                "dup"
            } else {
                "created"
            };
            Redirect::to(&format!("/needs/{}?done={done}", c.id)).into_response()
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let p = Posted::new(ctx.lang, "need", 0, &f, &e, &need_names(ctx.lang));
            new_view(&db, &ctx, &household, Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

// ---- A household's door plate ----

async fn plate_page(
    State(db): State<Db>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let hid = id_of(&id)?;
        let token = intake::link_token(&db, r, hid).await?;
        let hh = crate::registry::residents::household(&db, &r.registry_scope(), hid).await?;
        let url = format!("{}/h/{token}", origin(&headers));
        let mut body = crumbs(&[
            (t(l, "need-household"), format!("/households/{hid}")),
            (t(l, "need-plate"), String::new()),
        ]);
        if q(&qs, "done") == "renewed" {
            body.push(notice(&t(l, "need-plate-renewed")));
        }
        body.push(html!(
            "<section class=\"plate\" id=\"plate\"><h1>{}</h1><p class=\"plate-addr\">{}</p>{}<p>{}</p><p class=\"mono small\" id=\"plate-url\">{}</p><p class=\"small\">{}</p></section>",
            t(l, "need-plate-title"),
            hh.household.address,
            qr_svg(&url),
            t(l, "need-plate-text"),
            url,
            t(l, "need-plate-private")
        ));
        body.push(html!(
            "<p class=\"actions noprint\"><button onclick=\"window.print()\" type=\"button\">{}</button> <a class=\"btn alt\" href=\"/needs/new?household={}\">{}</a></p>",
            t(l, "need-print"),
            hid,
            t(l, "need-new")
        ));
        if can_dispatch(r) {
            body.push(html!(
                "<form method=\"post\" action=\"/households/{}/plate/renew\" class=\"box noprint\">{}<p class=\"muted\">{}</p><button class=\"warn\" id=\"renew-link\">{}</button></form>",
                hid,
                csrf_field(&ctx.session.csrf),
                t(l, "need-plate-renew-how"),
                t(l, "need-plate-renew")
            ));
        }
        Ok((t(l, "need-plate"), body))
    };
    answer(&ctx, run.await, None)
}

async fn plate_renew(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Pairs,
) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let run = async { intake::renew_link(&db, &ctx.actor(), ctx.reader(), id_of(&id)?).await };
    match run.await {
        Ok(()) => {
            Redirect::to(&format!("/households/{}/plate?done=renewed", id.trim())).into_response()
        }
        Err(e) => ctx.error(e),
    }
}

// ---- Figures ----

fn fig_cells(l: Lang, f: &Figures) -> Markup {
    let m = |v: Option<i64>| v.map_or("—".to_owned(), |x| span(l, x * 60_000));
    html!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{} / {}</td><td class=\"n\">{} / {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        f.registered,
        f.solved,
        f.emergencies_solved,
        m(f.contact_median),
        m(f.contact_p90),
        m(f.done_median),
        m(f.done_p90),
        f.open_now,
        f.late_now
    )
}

async fn figures_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let now = now_ms();
    let run = async {
        crate::needs::require_read(r)?;
        let area = crate::needs::area_in_scope(&db, r, q(&qs, "area")).await?;
        let p = figures::period(q(&qs, "from"), q(&qs, "to"), now)?;
        let rep = figures::report(&db, r, &area.path, p.from_ms, p.to_ms, now).await?;
        let mut body = crumbs(&[
            (t(l, "need-title"), format!("/needs?area={}", area.code)),
            (t(l, "need-figures"), String::new()),
        ]);
        body.push(html!("<h1>{} · {}</h1>", t(l, "need-figures"), area.name));
        let choices = scope_choices(&db, &r.registry_scope()).await?;
        body.push(html!(
            "<form class=\"filters noprint\" method=\"get\" action=\"/needs/figures\">{}{}{}<button>{}</button></form>",
            area_select(l, &choices, &area.code),
            field("from", &t(l, "need-from"), &p.from, None, "type=\"date\""),
            field("to", &t(l, "need-to"), &p.to, None, "type=\"date\""),
            t(l, "need-show")
        ));
        let a = &rep.all;
        body.push(html!(
            "<div class=\"cards\" id=\"fig-cards\"><div class=\"card\"><b id=\"fig-registered\">{}</b><span>{}</span></div><div class=\"card\"><b id=\"fig-solved\">{}</b><span>{}</span></div><div class=\"card\"><b id=\"fig-emergencies\">{}</b><span>{}</span></div><div class=\"card\"><b id=\"fig-open\">{}</b><span>{}</span></div><div class=\"card{}\"><b id=\"fig-late\">{}</b><span>{}</span></div></div>",
            a.registered,
            t(l, "need-fig-registered"),
            a.solved,
            t(l, "need-fig-solved"),
            a.emergencies_solved,
            t(l, "need-fig-emergencies"),
            a.open_now,
            t(l, "need-fig-open"),
            Markup(if a.late_now > 0 { " warn".into() } else { String::new() }),
            a.late_now,
            t(l, "need-fig-late")
        ));
        body.push(html!(
            "<table id=\"fig-table\"><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody><tr id=\"fig-all\"><th>{}</th>{}</tr>",
            t(l, "need-category"),
            t(l, "need-fig-registered"),
            t(l, "need-fig-solved"),
            t(l, "need-fig-emergencies"),
            t(l, "need-fig-contact"),
            t(l, "need-fig-done"),
            t(l, "need-fig-open"),
            t(l, "need-fig-late"),
            t(l, "need-fig-all"),
            fig_cells(l, a)
        ));
        for c in &rep.by_category {
            if c.figures == Figures::default() {
                continue;
            }
            body.push(html!(
                "<tr id=\"fig-{}\"><td>{}</td>{}</tr>",
                c.category,
                label(CATEGORIES, &c.category, l),
                fig_cells(l, &c.figures)
            ));
        }
        body.0.push_str("</tbody></table>");
        if !rep.items.is_empty() {
            body.push(html!(
                "<h2>{}</h2><div class=\"cards\" id=\"fig-items\">",
                t(l, "need-items")
            ));
            for i in &rep.items {
                body.push(html!(
                    "<div class=\"card\"><b>{}</b><span>{}</span></div>",
                    i.quantity,
                    label(ITEM_KINDS, &i.kind, l)
                ));
            }
            body.0.push_str("</div>");
        }
        body.push(html!(
            "<p class=\"muted small\">{}</p>",
            t(l, "need-fig-how")
        ));
        Ok((t(l, "need-figures"), body))
    };
    answer(&ctx, run.await, None)
}

// ---- Deadlines ----

fn require_hq(ctx: &Ctx) -> Result<(), AppError> {
    if matches!(ctx.reader().role.as_str(), "admin" | "hq") {
        Ok(())
    } else {
        Err(AppError::Forbidden(crate::i18n::Msg::new(
            "deadlines are set by headquarters",
            "处置时限由指挥部设置",
        )))
    }
}

async fn deadlines_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    deadlines_view(&db, &ctx, q(&qs, "done") == "saved", None).await
}

async fn deadlines_view(db: &Db, ctx: &Ctx, saved: bool, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let posted = posted.as_ref();
    let run = async {
        let d = Deadlines::load(db).await?;
        let mut body = crumbs(&[
            (t(l, "need-title"), "/needs".to_owned()),
            (t(l, "need-deadlines"), String::new()),
        ]);
        body.push(html!("<h1>{}</h1>", t(l, "need-deadlines")));
        if saved {
            body.push(notice(&t(l, "need-done-deadlines")));
        }
        body.push(html!(
            "<p class=\"muted\">{}</p>",
            t(l, "need-deadlines-how")
        ));
        let editable = require_hq(ctx).is_ok();
        let s = state(posted, "deadlines", 0);
        let mut rows = Markup::default();
        for u in 0..4 {
            let (c, f) = crate::needs::deadlines::FIELDS[u];
            rows.push(html!(
                "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
                label(URGENCIES, &(u + 1).to_string(), l),
                field(
                    c,
                    &t(l, "need-minutes"),
                    &val(s, c, &d.contact_min[u].to_string()),
                    err(s, c),
                    if editable {
                        "inputmode=\"numeric\""
                    } else {
                        "readonly"
                    }
                ),
                field(
                    f,
                    &t(l, "need-minutes"),
                    &val(s, f, &d.complete_min[u].to_string()),
                    err(s, f),
                    if editable {
                        "inputmode=\"numeric\""
                    } else {
                        "readonly"
                    }
                )
            ));
        }
        body.push(html!(
            "<form method=\"post\" action=\"/needs/deadlines\" class=\"box\" id=\"deadlines-form\">{}{}<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>{}</form>",
            errors_of(l, s),
            csrf_field(&ctx.session.csrf),
            t(l, "need-urgency"),
            t(l, "need-contact-target"),
            t(l, "need-done-target"),
            rows,
            if editable { html!("<button>{}</button>", t(l, "need-save")) } else { Markup::default() }
        ));
        Ok((t(l, "need-deadlines"), body))
    };
    answer(ctx, run.await, posted)
}

async fn deadlines_post(State(db): State<Db>, ctx: Ctx, Form(f): Pairs) -> Response {
    if let Err(resp) = ctx.check_csrf(first(&f, "csrf")) {
        return resp;
    }
    let run = async {
        require_hq(&ctx)?;
        let get = |k: &str| first(&f, k).to_owned();
        let fields = crate::needs::deadlines::FIELDS;
        let d = Deadlines::parse(&fields.map(|x| get(x.0)), &fields.map(|x| get(x.1)))?;
        d.save(&db, &ctx.actor()).await
    };
    match run.await {
        Ok(()) => Redirect::to("/needs/deadlines?done=saved").into_response(),
        Err(e @ AppError::Invalid(_)) => {
            let l = ctx.lang;
            let mut names = Vec::new();
            for (u, (c, f)) in crate::needs::deadlines::FIELDS.into_iter().enumerate() {
                let ul = label(URGENCIES, &(u + 1).to_string(), l);
                names.push((c, c, format!("{ul} · {}", t(l, "need-contact-target"))));
                names.push((f, f, format!("{ul} · {}", t(l, "need-done-target"))));
            }
            let p = Posted::new(l, "deadlines", 0, &f, &e, &names);
            deadlines_view(&db, &ctx, false, Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/needs", get(queue_page))
        .route("/needs/new", get(new_page).post(new_post))
        .route("/needs/figures", get(figures_page))
        .route("/needs/deadlines", get(deadlines_page).post(deadlines_post))
        .route("/needs/{id}", get(need_page))
        .route("/needs/{id}/act", post(act_post))
        .route("/needs/{id}/items", post(item_post))
        .route("/households/{id}/plate", get(plate_page))
        .route("/households/{id}/plate/renew", post(plate_renew))
        .merge(self::public::routes())
        .merge(self::volunteer::routes())
}
