//! The audit viewer's page as a view: actions, record kinds and details in the reader's
//! language (`labels`), people by name, one card per entry on a phone.

use std::collections::HashMap;

use super::labels;
use super::{AuditQuery, ACTIONS, KINDS};
use crate::audit::Entry;
use crate::i18n::{t, Lang};
use crate::web::html::{self, field, select, Markup};
use crate::web::pages::next_link;

/// The filter form and one page of entries (up to 51: the 51st says there are more); `names`:
/// people's names by login name.
pub fn audit(
    l: Lang,
    q: &AuditQuery,
    entries: &[Entry],
    names: &HashMap<String, String>,
    live: &std::collections::HashSet<(String, String)>,
) -> Markup {
    let mut actions = vec![(String::new(), t(l, "audit-any-action"))];
    actions.extend(
        ACTIONS
            .iter()
            .map(|a| (a.to_string(), labels::action(l, a))),
    );
    let mut kinds = vec![(String::new(), t(l, "audit-any-entity"))];
    kinds.extend(KINDS.iter().map(|k| (k.to_string(), labels::kind(l, k))));
    // A person's name, or (no account: a system actor) the login name, never a phone number.
    let who = |u: &str| {
        names
            .get(u)
            .cloned()
            .unwrap_or_else(|| crate::privacy::mask_digit_runs(u).into_owned())
    };
    let cols = [
        t(l, "audit-time"),
        t(l, "audit-action"),
        t(l, "audit-record"),
    ];
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
    maud::html! {
        h1 { (t(l, "audit-title")) }
        form.box.filters method="get" action="/audit" {
            (field("user", &t(l, "field-username"), &q.user, None, "autocomplete=\"off\""))
            (select("action", &t(l, "audit-action"), &actions, &q.action, None))
            (select("entity", &t(l, "audit-entity"), &kinds, &q.entity, None))
            (field("id", &t(l, "audit-entity-id"), &q.id, None, "inputmode=\"numeric\""))
            (field("from", &t(l, "audit-from"), &q.from, None, "type=\"date\""))
            (field("to", &t(l, "audit-to"), &q.to, None, "type=\"date\""))
            button { (t(l, "search-submit")) }
        }
        @if entries.is_empty() {
            p.muted { (t(l, "audit-none")) }
        } @else {
            table.stack #audit {
                thead { tr { th.n { "#" } th { (cols[0]) } th { (cols[1]) } th { (cols[2]) } } }
                tbody {
                    @for e in entries.iter().take(50) {
                        @let stamp = html::datetime(e.at_ms);
                        @let (date, time) = stamp.split_once(' ').unwrap_or((&stamp, ""));
                        @let kind = labels::kind(l, &e.entity);
                        // Account names that carry a phone number are never shown whole.
                        @let detail = crate::privacy::mask_digit_runs(&labels::describe(l, &e.detail, names)).into_owned();
                        tr data-action=(e.action) {
                            td.n { (e.seq) }
                            td data-label=(cols[0]) { div { (date) " " span.sub { (time) } } }
                            // One block a cell: on a phone the cell is a row of label and content.
                            td data-label=(cols[1]) {
                                div {
                                    b { (labels::action(l, &e.action)) }
                                    // The name shows; the account's login name (masked) on hover.
                                    span.sub title=(crate::privacy::mask_digit_runs(&e.username)) {
                                        (who(&e.username)) @if !e.ip.is_empty() { " · " (e.ip) }
                                    }
                                }
                            }
                            td data-label=(cols[2]) {
                                div {
                                    @if (e.entity == "resident" || e.entity == "household")
                                        && !live.contains(&(e.entity.clone(), e.entity_id.clone())) {
                                        (kind) " #" (e.entity_id)
                                    } @else if e.entity == "resident" {
                                        a href={ "/residents/" (e.entity_id) } { (kind) " #" (e.entity_id) }
                                    } @else if e.entity == "household" {
                                        a href={ "/households/" (e.entity_id) } { (kind) " #" (e.entity_id) }
                                    } @else if e.entity_id.is_empty() {
                                        (kind)
                                    } @else {
                                        (kind) " " (e.entity_id)
                                    }
                                    @if !detail.is_empty() { span.sub { (detail) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        (next_link(l, "/audit", &keep, next.as_deref()))
    }
    .into()
}
