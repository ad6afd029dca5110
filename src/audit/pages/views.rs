//! The audit viewer's page as a view.

use super::{AuditQuery, ACTIONS};
use crate::audit::Entry;
use crate::html;
use crate::i18n::{t, Lang};
use crate::web::html::{self, field, select, Markup};
use crate::web::pages::next_link;

/// The filter form and one page of entries (up to 51: the 51st says there are more).
pub fn audit(l: Lang, q: &AuditQuery, entries: &[Entry]) -> Markup {
    let mut actions = vec![(String::new(), t(l, "audit-any-action"))];
    actions.extend(ACTIONS.iter().map(|a| (a.to_string(), a.to_string())));
    let mut body = html!(
        "<h1>{}</h1><form method=\"get\" action=\"/audit\" class=\"box filters\">{}{}{}{}{}{}<button>{}</button></form>",
        t(l, "audit-title"),
        field("user", &t(l, "field-username"), &q.user, None, ""),
        select("action", &t(l, "audit-action"), &actions, &q.action, None),
        field("entity", &t(l, "audit-entity"), &q.entity, None, "placeholder=\"resident\""),
        field("id", &t(l, "audit-entity-id"), &q.id, None, ""),
        field("from", &t(l, "audit-from"), &q.from, None, "type=\"date\""),
        field("to", &t(l, "audit-to"), &q.to, None, "type=\"date\""),
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
    let keep: [(&str, &str); 6] = [
        ("user", &q.user),
        ("action", &q.action),
        ("entity", &q.entity),
        ("id", &q.id),
        ("from", &q.from),
        ("to", &q.to),
    ];
    body.push(next_link(l, "/audit", &keep, next.as_deref()));
    body
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
