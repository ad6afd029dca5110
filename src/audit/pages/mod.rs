//! The audit viewer, for auditors and administrators: filter by user, action, record and time,
//! newest first, paged by sequence number. The filter lives in the URL.

pub mod labels;
pub mod views;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::audit::{list, Entry, Filter};
use crate::calendar::{days_from_civil, parse_date};
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, Msg};
use crate::web::pages::Ctx;
use crate::web::AppState;
use serde::Deserialize;

/// The actions offered in the filter (every action the code records; a unit test in
/// `labels` keeps their labels complete).
pub const ACTIONS: &[&str] = &[
    "create",
    "update",
    "remove",
    "merge",
    "reveal",
    "phone_call",
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
    "setting",
    "sampling",
    "results",
    "exempt",
    "unexempt",
    "link",
    "dismiss",
    "care_visit",
    "care_followup_solved",
    "branch_create",
    "branch_dissolve",
    "branch_member",
    "branch_member_remove",
    "team_create",
    "team_member",
    "unit_create",
    "post_create",
    "post_active",
    "place_create",
    "shifts_create",
    "roster_assign",
    "roster_override",
    "roster_unassign",
    "roster_leader",
    "roster_autofill",
    "roster_export",
    "duty_checkin",
    "duty_checkout",
    "signup_link_create",
    "signup_link_close",
    "volunteer_status",
    "need_created",
    "need_assigned",
    "need_cancelled",
    "need_reopened",
    "need_phone_reveal",
    "needs_deadlines",
    "household_link_renewed",
];

/// The record kinds offered in the filter.
pub const KINDS: &[&str] = &[
    "account",
    "api_token",
    "area",
    "assignment",
    "branch",
    "care_followup",
    "household",
    "need",
    "place",
    "post",
    "resident",
    "residents",
    "setting",
    "signup_link",
    "team",
    "test_round",
    "test_site",
    "test_walkin",
    "volunteer",
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

/// The viewer's query string: the filter and the page (`after`: the last entry shown).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    pub user: String,
    pub action: String,
    pub entity: String,
    pub id: String,
    pub from: String,
    pub to: String,
    pub after: String,
}

impl AuditQuery {
    /// Every value trimmed.
    fn trimmed(self) -> AuditQuery {
        let t = |s: String| s.trim().to_owned();
        AuditQuery {
            user: t(self.user),
            action: t(self.action),
            entity: t(self.entity),
            id: t(self.id),
            from: t(self.from),
            to: t(self.to),
            after: t(self.after),
        }
    }
}

async fn audit_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<AuditQuery>) -> Response {
    let q = q.trimmed();
    let l = ctx.lang;
    let r = ctx.reader();
    if !r.can_read_audit() {
        return ctx.error(AppError::Forbidden(Msg::new(
            "only auditors and administrators read the audit log",
            "只有审计员和系统管理员可以查看审计日志",
        )));
    }
    let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    let filter = Filter {
        username: some(&q.user),
        action: some(&q.action),
        entity: some(&q.entity),
        entity_id: some(&q.id),
        from_ms: day_ms(&q.from),
        to_ms: day_ms(&q.to).map(|m| m + 86_400_000),
        before: q.after.parse().ok(),
    };
    // Entries without an area (failed sign-ins under unknown names) are for readers whose scope
    // reaches a whole province or more.
    let all_areas = r.scope.roots.iter().any(|p| p.len() <= 2);
    let entries = match list(&db, &r.scope, all_areas, &filter, 51).await {
        Ok(e) => e,
        Err(e) => return ctx.error(e),
    };
    // People by name: the accounts that acted, and those named in the details.
    let mut logins: Vec<&str> = entries.iter().map(|e| e.username.as_str()).collect();
    logins.extend(
        entries
            .iter()
            .filter_map(|e| e.detail.get("username").and_then(|u| u.as_str())),
    );
    let names = match crate::access::display_names(&db, &logins).await {
        Ok(n) => n,
        Err(e) => return ctx.error(e),
    };
    let live = match live_records(&db, r, &entries).await {
        Ok(x) => x,
        Err(e) => return ctx.error(e),
    };
    ctx.page(
        &t(l, "audit-title"),
        views::audit(l, &q, &entries, &names, &live),
    )
}

/// A record's id and where it lies.
struct IdPath {
    id: i64,
    path: String,
}
crate::from_row!(IdPath { id, path });

/// The households and residents named by `entries` that the reader can open, as (kind, id):
/// only those are linked (a merged or removed household has no page, and an auditor reads the
/// log, not the registry).
async fn live_records(
    db: &Db,
    r: &crate::access::Reader,
    entries: &[Entry],
) -> crate::error::AppResult<std::collections::HashSet<(String, String)>> {
    let scope = r.registry_scope();
    let mut live = std::collections::HashSet::new();
    if scope.roots.is_empty() {
        return Ok(live);
    }
    for (kind, table) in [("household", "households"), ("resident", "residents")] {
        let mut ids: Vec<i64> = entries
            .iter()
            .filter(|e| e.entity == kind)
            .filter_map(|e| e.entity_id.parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT id, path FROM {table} WHERE id IN ({})",
            crate::db::placeholders(1, ids.len())
        );
        let args = ids.iter().map(|i| crate::db::Value::from(*i)).collect();
        let rows: Vec<IdPath> = db.query_as(&sql, args).await?;
        for x in rows.into_iter().filter(|x| scope.contains(&x.path)) {
            live.insert((kind.to_owned(), x.id.to_string()));
        }
    }
    Ok(live)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit_page))
}
