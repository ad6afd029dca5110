//! The audit viewer, for auditors and administrators: filter by user, action, record and time,
//! newest first, paged by sequence number. The filter lives in the URL.

use crate::html;
use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::audit::{list, Filter};
use crate::calendar::{days_from_civil, parse_date};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Msg};
use crate::web::html::{self, field, select};
use crate::web::pages::{next_link, Ctx};
use crate::web::AppState;

pub const ACTIONS: &[&str] = &[
    "create",
    "update",
    "reveal",
    "export",
    "import",
    "login",
    "login_failed",
    "login_second_factor",
    "logout",
    "totp_enrol",
    "password_set",
    "account_create",
    "account_disable",
    "account_enable",
    "token_create",
    "token_revoke",
    "backup",
    "retention",
    "key_epoch",
];

/// Midnight China time of an ISO date, in unix milliseconds.
fn day_ms(d: &str) -> Option<i64> {
    let iso = parse_date("date", d).ok()?;
    let (y, m, dd) = (
        iso[..4].parse().ok()?,
        iso[5..7].parse().ok()?,
        iso[8..10].parse().ok()?,
    );
    Some(days_from_civil(y, m, dd) * 86_400_000 - 8 * 3_600_000)
}

async fn audit_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    if !r.can_read_audit() {
        return ctx.error(AppError::Forbidden(Msg::new(
            "only auditors and administrators read the audit log",
            "只有审计员和系统管理员可以查看审计日志",
        )));
    }
    let g = |k: &str| q.get(k).map(String::as_str).unwrap_or("").trim().to_owned();
    let some = |s: String| Some(s).filter(|s| !s.is_empty());
    let filter = Filter {
        username: some(g("user")),
        action: some(g("action")),
        entity: some(g("entity")),
        entity_id: some(g("id")),
        from_ms: day_ms(&g("from")),
        to_ms: day_ms(&g("to")).map(|m| m + 86_400_000),
        before: g("after").parse().ok(),
    };
    // Entries without an area (failed sign-ins under unknown names) are for readers whose scope
    // reaches a whole province or more.
    let all_areas = r.scope.roots.iter().any(|p| p.len() <= 2);
    let entries = match list(&db, &r.scope, all_areas, &filter, 51).await {
        Ok(e) => e,
        Err(e) => return ctx.error(e),
    };
    let mut actions = vec![(String::new(), t(l, "audit-any-action"))];
    actions.extend(ACTIONS.iter().map(|a| (a.to_string(), a.to_string())));
    let mut body = html!(
        "<h1>{}</h1><form method=\"get\" action=\"/audit\" class=\"box filters\">{}{}{}{}{}{}<button>{}</button></form>",
        t(l, "audit-title"),
        field("user", &t(l, "field-username"), &g("user"), None, ""),
        select("action", &t(l, "audit-action"), &actions, &g("action"), None),
        field("entity", &t(l, "audit-entity"), &g("entity"), None, "placeholder=\"resident\""),
        field("id", &t(l, "audit-entity-id"), &g("id"), None, ""),
        field("from", &t(l, "audit-from"), &g("from"), None, "type=\"date\""),
        field("to", &t(l, "audit-to"), &g("to"), None, "type=\"date\""),
        t(l, "search-submit")
    );
    body.push(html!(
        "<table id=\"audit\"><tr><th class=\"n\">#</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "audit-time"),
        t(l, "audit-action"),
        t(l, "audit-record")
    ));
    for e in entries.iter().take(50) {
        let record = if e.entity == "resident" && !e.entity_id.is_empty() {
            html!(
                "<a href=\"/residents/{}\">{} #{}</a>",
                e.entity_id,
                e.entity,
                e.entity_id
            )
        } else if e.entity == "household" {
            html!(
                "<a href=\"/households/{}\">{} #{}</a>",
                e.entity_id,
                e.entity,
                e.entity_id
            )
        } else {
            html!("{} {}", e.entity, e.entity_id)
        };
        // Account names that carry a phone number (volunteers' old names) are never shown whole.
        let detail = crate::privacy::mask_digit_runs(&describe(&e.detail)).into_owned();
        let stamp = html::datetime(e.at_ms);
        let (date, time) = stamp.split_once(' ').unwrap_or((&stamp, ""));
        body.push(html!(
            "<tr data-action=\"{}\"><td class=\"n\">{}</td><td class=\"nowrap\">{}<span class=\"sub\">{}</span></td><td><b>{}</b><span class=\"sub\">{} · {}</span></td><td>{}<span class=\"sub\">{}</span></td></tr>",
            e.action,
            e.seq,
            date,
            time,
            e.action,
            crate::privacy::mask_digit_runs(&e.username).into_owned(),
            e.ip,
            record,
            detail
        ));
    }
    body.0.push_str("</table>");
    if entries.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "audit-none")));
    }
    let next = if entries.len() > 50 {
        entries.get(49).map(|e| e.seq.to_string())
    } else {
        None
    };
    let keep: Vec<(&str, String)> = ["user", "action", "entity", "id", "from", "to"]
        .iter()
        .map(|k| (*k, g(k)))
        .collect();
    let keep_ref: Vec<(&str, &str)> = keep.iter().map(|(k, v)| (*k, v.as_str())).collect();
    body.push(next_link(l, "/audit", &keep_ref, next.as_deref()));
    ctx.page(&t(l, "audit-title"), body)
}

/// A detail object as `key: value; key: value`, nested objects in braces: readable on a phone
/// and still complete.
fn describe(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => String::new(),
        J::String(s) => s.clone(),
        J::Array(a) => a.iter().map(describe).collect::<Vec<_>>().join(", "),
        J::Object(o) => o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                J::Object(_) => format!("{k}: {{{}}}", describe(v)),
                _ => format!("{k}: {}", describe(v)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}
