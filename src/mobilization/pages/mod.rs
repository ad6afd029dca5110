//! The pages of the volunteer pool: filters, the screening queue, a volunteer's record with
//! their screening history, shifts and hours, sign-up links with their QR posters, and units.
//! The public sign-up (`signup_pages`), the roster and duty (`roster_pages`) and branches,
//! teams and care visits (`branch_pages`) have files of their own.

pub mod branch;
pub mod duty;
pub mod duty_views;
pub mod places;
pub mod places_views;
pub mod rosters;
pub mod rosters_views;
pub mod signup;

use crate::html;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use self::signup::checkboxes;
use crate::db::{now_ms, Db};
use crate::error::AppError;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::volunteers::{self, Filter, Volunteer};
use crate::mobilization::{label, skills_text, POLITICAL, SKILLS, STATUSES, WEEKDAYS};
use crate::registry::areas::scope_choices;
use crate::registry::validate::{mask_doc, mask_phone};
use crate::web::html::minutes;
use crate::web::html::vocab_options;
use crate::web::html::{crumbs, csrf_field, error_box, field, notice, select, Markup};
use crate::web::kit::{error_lines, first, is_form_error, q, with_status, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// A QR code as inline SVG (no XML declaration), for printing.
pub(crate) fn qr_svg(text: &str) -> Markup {
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

/// `http://host` of the request, for links printed in QR codes.
pub(crate) fn origin(h: &HeaderMap) -> String {
    let host = h
        .get("x-forwarded-host")
        .or_else(|| h.get(axum::http::header::HOST))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}")
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

fn vol_href(id: i64) -> String {
    format!("/volunteers/{id}")
}

// ---- The pool ----

async fn pool_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    pool_view(&db, &ctx, &qs, &[], None).await
}

async fn pool_view(
    db: &Db,
    ctx: &Ctx,
    qs: &HashMap<String, String>,
    errors: &[String],
    done: Option<String>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let counts = volunteers::status_counts(db, r).await?;
        let units = volunteers::units(db).await?;
        let filter = Filter {
            status: Some(q(qs, "status"))
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            skill: Some(q(qs, "skill"))
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            unit: q(qs, "unit").parse().ok(),
            // Dates ahead are what an officer asks about: not the registry's past-only check.
            available_on: crate::mobilization::parse_day("avail_from", q(qs, "on")).ok(),
            q: Some(q(qs, "q"))
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            path: None,
            ..Default::default()
        };
        let list = volunteers::list(db, r, &filter, 300).await?;
        let mut body = html!("<h1>{}</h1>", t(l, "mob-pool-title"));
        if let Some(d) = &done {
            body.push(notice(d));
        }
        body.push(error_box(l, errors));
        let n = |s: &str| counts.iter().find(|c| c.0 == s).map_or(0, |c| c.1);
        body.push(html!(
            "<div class=\"cards\" id=\"pool-counts\"><a class=\"card{}\" href=\"/volunteers/screening\"><b>{}</b><span>{}</span></a><a class=\"card\" href=\"/volunteers?status=approved\"><b>{}</b><span>{}</span></a><a class=\"card\" href=\"/volunteers?status=suspended\"><b>{}</b><span>{}</span></a><a class=\"card\" href=\"/volunteers?status=rejected\"><b>{}</b><span>{}</span></a></div>",
            if n("applied") > 0 { " warn" } else { "" },
            n("applied"),
            t(l, "mob-count-applied"),
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
        un.extend(units.iter().map(|(i, n)| (i.to_string(), n.clone())));
        body.push(html!(
            "<form method=\"get\" action=\"/volunteers\" class=\"filters box\" id=\"pool-filters\">{}{}{}{}{}<button>{}</button></form>",
            field("q", &t(l, "mob-f-name"), q(qs, "q"), None, "maxlength=\"50\""),
            select("status", &t(l, "mob-f-status"), &st, q(qs, "status"), None),
            select("skill", &t(l, "mob-f-skill"), &sk, q(qs, "skill"), None),
            select("unit", &t(l, "mob-f-unit-short"), &un, q(qs, "unit"), None),
            field("on", &t(l, "mob-f-available-on"), q(qs, "on"), None, "type=\"date\""),
            t(l, "mob-filter")
        ));
        if list.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"pool-empty\">{}</p>",
                t(l, "mob-pool-empty")
            ));
        } else {
            body.push(html!(
                "<table id=\"pool\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"opt\">{}</th><th>{}</th></tr>",
                t(l, "mob-f-name"),
                t(l, "mob-f-unit-short"),
                t(l, "mob-col-skills"),
                t(l, "mob-f-when"),
                t(l, "mob-f-status")
            ));
            for v in &list {
                body.push(html!(
                    "<tr><td><a href=\"{}\">{}</a><span class=\"sub\">{} · {}</span></td><td>{}</td><td class=\"opt\">{}</td><td class=\"opt\">{}</td><td>{}</td></tr>",
                    vol_href(v.id),
                    v.name,
                    label(POLITICAL, &v.political, l),
                    mask_phone(&v.phone),
                    v.unit,
                    skills_text(&v.skills, l),
                    availability_text(l, v),
                    status_tag(l, &v.status)
                ));
            }
            body.0.push_str("</table>");
            if list.len() >= 300 {
                body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-pool-more")));
            }
        }
        if crate::mobilization::can_manage(r) {
            body.push(links_section(db, ctx).await?);
            body.push(html!(
                "<h2>{}</h2><p class=\"muted\" id=\"units\">{}</p><form method=\"post\" action=\"/volunteers/units\" class=\"inline-form\">{}<input name=\"name\" maxlength=\"100\" required placeholder=\"{}\" aria-label=\"{}\"><button class=\"alt\">{}</button></form>",
                t(l, "mob-units-title"),
                if units.is_empty() {
                    t(l, "mob-units-none")
                } else {
                    units.iter().map(|u| u.1.as_str()).collect::<Vec<_>>().join(" · ")
                },
                csrf_field(&ctx.session.csrf),
                t(l, "mob-unit-new"),
                t(l, "mob-unit-new"),
                t(l, "mob-add")
            ));
        }
        Ok::<Markup, AppError>(body)
    };
    match run.await {
        Ok(b) => {
            let resp = ctx.page(&t(l, "mob-pool-title"), b);
            if errors.is_empty() {
                resp
            } else {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            }
        }
        Err(e) => ctx.error(e),
    }
}

async fn links_section(db: &Db, ctx: &Ctx) -> Result<Markup, AppError> {
    let l = ctx.lang;
    let r = ctx.reader();
    let links = volunteers::links(db, r).await?;
    let mut m = html!("<h2>{}</h2>", t(l, "mob-links-title"));
    if links.is_empty() {
        m.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-links-none")));
    } else {
        m.0.push_str("<ul class=\"home\" id=\"signup-links\">");
        for k in &links {
            m.push(html!(
                "<li><a href=\"/volunteers/links/{}\"><b>{}</b></a> {}<span class=\"sub\">/join/{}</span></li>",
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
    let areas = scope_choices(db, &r.scope).await?;
    m.push(html!(
        "<details class=\"box\"><summary>{}</summary><form method=\"post\" action=\"/volunteers/links\" id=\"link-form\">{}{}{}<button>{}</button></form></details>",
        t(l, "mob-link-new"),
        csrf_field(&ctx.session.csrf),
        select("area", &t(l, "mob-f-area"), &areas, "", None),
        field("title", &t(l, "mob-f-title"), "", None, "required maxlength=\"100\""),
        t(l, "mob-link-create")
    ));
    Ok(m)
}

async fn create_link(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    match volunteers::create_link(
        &db,
        &ctx.actor(),
        ctx.reader(),
        first(&f, "area"),
        first(&f, "title"),
    )
    .await
    {
        Ok(k) => Redirect::to(&format!("/volunteers/links/{}", k.id)).into_response(),
        Err(e) if is_form_error(&e) => {
            pool_view(&db, &ctx, &HashMap::new(), &error_lines(ctx.lang, &e), None).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn add_unit(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    match volunteers::add_unit(&db, &ctx.actor(), ctx.reader(), first(&f, "name")).await {
        Ok(_) => Redirect::to("/volunteers#units").into_response(),
        Err(e) if is_form_error(&e) => {
            pool_view(&db, &ctx, &HashMap::new(), &error_lines(ctx.lang, &e), None).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn link_page(
    State(db): State<Db>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let link = volunteers::links(&db, ctx.reader())
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(AppError::NotFound)?;
        let area = crate::registry::areas::by_path(&db, &link.path)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let url = format!("{}/join/{}", origin(&headers), link.token);
        let mut body = html!(
            "{}<div class=\"poster\" id=\"link-poster\"><h1>{}</h1><p>{} · {}</p>{}<p class=\"mono\" id=\"link-url\">{}</p><p class=\"muted\">{}</p></div><div class=\"actions noprint\"><button type=\"button\" data-print>{}</button>",
            crumbs(&[(t(l, "mob-pool-title"), "/volunteers".into()), (link.title.clone(), String::new())]),
            link.title,
            t(l, "mob-join-intro"),
            area,
            qr_svg(&url),
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
        Ok::<_, AppError>((link.title, body))
    };
    match run.await {
        Ok((title, b)) => ctx.page(&title, b),
        Err(e) => ctx.error(e),
    }
}

async fn close_link(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    match volunteers::close_link(&db, &ctx.actor(), ctx.reader(), id).await {
        Ok(()) => Redirect::to(&format!("/volunteers/links/{id}")).into_response(),
        Err(e) => ctx.error(e),
    }
}

// ---- Screening ----

/// The actions an officer may take on a volunteer now: (target status, button label id,
/// whether a reason is required).
fn actions(status: &str) -> Vec<(&'static str, &'static str, bool)> {
    [
        ("approved", "mob-act-approve", false),
        ("rejected", "mob-act-reject", true),
        ("suspended", "mob-act-suspend", true),
        ("withdrawn", "mob-act-withdraw", false),
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
                "<form method=\"post\" action=\"/volunteers/{}/status\" class=\"inline\">{}<input type=\"hidden\" name=\"to\" value=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{}\"><button{} id=\"act-{}-{}\">{}</button></form>",
                v.id,
                csrf_field(&ctx.session.csrf),
                to,
                back,
                Markup(if to == "approved" { String::new() } else { " class=\"alt\"".into() }),
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
        "<dl class=\"kv\"><dt>{}</dt><dd class=\"masked\">{}</dd><dt>{}</dt><dd><a href=\"tel:{}\">{}</a></dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "mob-f-doc-number"),
        mask_doc(&v.doc_number),
        t(l, "mob-f-phone"),
        v.phone,
        v.phone,
        t(l, "mob-f-unit-short"),
        if v.unit.is_empty() { "—".to_owned() } else { v.unit.clone() },
        t(l, "mob-f-political"),
        label(POLITICAL, &v.political, l),
        t(l, "mob-f-skills"),
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

async fn screening_page(State(db): State<Db>, ctx: Ctx) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        crate::mobilization::require_manager(r)?;
        let list = volunteers::list(
            &db,
            r,
            &Filter {
                status: Some("applied".into()),
                ..Default::default()
            },
            200,
        )
        .await?;
        let mut body = html!(
            "{}<h1>{}</h1>",
            crumbs(&[
                (t(l, "mob-pool-title"), "/volunteers".into()),
                (t(l, "mob-screening-title"), String::new())
            ]),
            t(l, "mob-screening-title")
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
                "<section class=\"hh applicant\" id=\"applicant-{}\"><div class=\"hh-head\"><a href=\"{}\"><b>{}</b></a>{}</div>{}{}</section>",
                v.id,
                vol_href(v.id),
                v.name,
                status_tag(l, &v.status),
                person_facts(l, v),
                action_forms(&ctx, v, "screening")
            ));
        }
        body.0.push_str("</div>");
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(b) => ctx.page(&t(l, "mob-screening-title"), b),
        Err(e) => ctx.error(e),
    }
}

async fn set_status(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let to = first(&f, "to");
    match volunteers::screen(&db, &ctx.actor(), ctx.reader(), id, to, first(&f, "reason")).await {
        Ok(Some((user, pw))) => {
            // The one-time password is shown here once, not carried in a redirect.
            let l = ctx.lang;
            let m = html!(
                "<div class=\"notice\" role=\"status\" id=\"new-login\"><b>{}</b><dl class=\"kv\"><dt>{}</dt><dd class=\"mono\" id=\"new-username\">{}</dd><dt>{}</dt><dd class=\"mono\" id=\"new-password\">{}</dd></dl><p class=\"muted\">{}</p></div>",
                t(l, "mob-account-made"),
                t(l, "field-username"),
                user,
                t(l, "mob-one-time-password"),
                pw,
                t(l, "mob-account-hint")
            );
            volunteer_view(&db, &ctx, id, m).await
        }
        Ok(None) if first(&f, "back") == "screening" => {
            Redirect::to("/volunteers/screening").into_response()
        }
        Ok(None) => Redirect::to(&vol_href(id)).into_response(),
        Err(e) if is_form_error(&e) => {
            let l = ctx.lang;
            let m = error_box(l, &error_lines(l, &e));
            with_status(
                volunteer_view(&db, &ctx, id, m).await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => ctx.error(e),
    }
}

async fn volunteer_page(State(db): State<Db>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    volunteer_view(&db, &ctx, id, Markup::default()).await
}

async fn volunteer_view(db: &Db, ctx: &Ctx, id: i64, top: Markup) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let run = async {
        let v = volunteers::get(db, r, id).await?;
        let steps = volunteers::history(db, r, id).await?;
        let now = now_ms();
        let shifts = crate::mobilization::duty::shifts_of(
            db,
            id,
            now - 30 * crate::mobilization::rules::DAY_MS,
            now + 14 * crate::mobilization::rules::DAY_MS,
        )
        .await?;
        let mut body = html!(
            "{}{}<h1>{} {}</h1>{}",
            crumbs(&[
                (t(l, "mob-pool-title"), "/volunteers".into()),
                (v.name.clone(), String::new())
            ]),
            top,
            v.name,
            status_tag(l, &v.status),
            person_facts(l, &v)
        );
        if !v.status_reason.is_empty() {
            body.push(html!(
                "<p><b>{}</b>: {}</p>",
                t(l, "mob-f-reason"),
                v.status_reason
            ));
        }
        if crate::mobilization::can_manage(r) {
            body.push(action_forms(ctx, &v, "volunteer"));
        }
        body.push(html!("<h2>{}</h2>", t(l, "mob-shifts-title")));
        if shifts.is_empty() {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "mob-shifts-none")));
        } else {
            body.push(self::rosters::mine_table(l, &shifts));
        }
        body.push(html!(
            "<p><a class=\"btn alt\" href=\"/volunteers/{}/certificate\" id=\"cert-link\">{}</a></p><h2>{}</h2><ol class=\"steps\" id=\"history\">",
            v.id,
            t(l, "mob-cert-link"),
            t(l, "mob-history-title")
        ));
        for s in &steps {
            body.push(html!(
                "<li><span class=\"nowrap\">{}</span> · {} → {} · {}{}</li>",
                minutes(s.at_ms),
                if s.from.is_empty() {
                    "—".to_owned()
                } else {
                    label(STATUSES, &s.from, l)
                },
                label(STATUSES, &s.to, l),
                s.actor,
                if s.reason.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", s.reason)
                }
            ));
        }
        body.0.push_str("</ol>");
        Ok::<_, AppError>((v.name, body))
    };
    match run.await {
        Ok((name, b)) => ctx.page(&name, b),
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteers", get(pool_page))
        .route("/volunteers/screening", get(screening_page))
        .route("/volunteers/links", post(create_link))
        .route("/volunteers/links/{id}", get(link_page))
        .route("/volunteers/links/{id}/close", post(close_link))
        .route("/volunteers/units", post(add_unit))
        .route("/volunteers/{id}", get(volunteer_page))
        .route("/volunteers/{id}/status", post(set_status))
        .merge(self::signup::routes())
        .merge(self::rosters::routes())
        .merge(self::branch::routes())
}

/// Skills checkboxes (used by the shift form too).
pub(super) fn skill_boxes(l: Lang, name: &str, checked: &[&str]) -> Markup {
    checkboxes(name, &t(l, "mob-f-skills-needed"), SKILLS, l, checked)
}

/// The reader's areas (scope roots and their children) for area selects.
pub(super) async fn area_options(db: &Db, ctx: &Ctx) -> Result<Vec<(String, String)>, AppError> {
    scope_choices(db, &ctx.reader().scope).await
}
