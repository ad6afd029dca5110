//! The notification pages' markup, from typed data.

use crate::i18n::{t, ta, Arg, Lang};
use crate::notify::{Mine, Sent};
use crate::web::html::{csrf_field, datetime, url_enc, Markup};

pub const STATES: &[&str] = &["queued", "sent", "failed", "skipped"];

fn reason(l: Lang, r: &str) -> String {
    let id = format!("notify-reason-{r}");
    let s = t(l, &id);
    if s == id {
        r.to_owned()
    } else {
        s
    }
}

pub fn mine(l: Lang, list: &[Mine], unread: i64, csrf: &str, page: i64) -> Markup {
    maud::html! {
        h1 { (t(l, "notify-title")) }
        p #notify-unread { (ta(l, "notify-unread", &[("n", Arg::N(unread))])) }
        @if unread > 0 {
            form.inline method="post" action="/notifications/read" {
                (csrf_field(csrf))
                input type="hidden" name="id" value="";
                button #notify-mark-all { (t(l, "notify-mark-all")) }
            }
        }
        @if list.is_empty() {
            p.muted { (t(l, "notify-none")) }
        }
        ul.home #notifications {
            @for n in list {
                li data-id=(n.id) class=[(!n.read).then_some("unread")] {
                    @if !n.read { span.tag.ok { (t(l, "notify-new")) } " " }
                    @if n.urgent { span.tag { (t(l, "notify-urgent")) } " " }
                    (n.text)
                    div.sub {
                        (datetime(n.created_ms))
                        @if !n.link.is_empty() {
                            " · " a href=(n.link) { (t(l, "notify-open")) }
                        }
                    }
                    @if !n.read {
                        form.inline method="post" action="/notifications/read" {
                            (csrf_field(csrf))
                            input type="hidden" name="id" value=(n.id);
                            button.link { (t(l, "notify-mark")) }
                        }
                    }
                }
            }
        }
        @if list.len() as i64 >= page {
            @if let Some(last) = list.last() {
                p.pager { a href={ "/notifications?before=" (last.id) } { (t(l, "notify-more")) } }
            }
        }
    }
    .into()
}

pub fn sent(l: Lang, list: &[Sent], state: &str, page: i64) -> Markup {
    maud::html! {
        h1 { (t(l, "notify-sent-title")) }
        p.muted { (t(l, "notify-sent-note")) }
        p.filters {
            (t(l, "notify-filter")) ": "
            a href="/notifications/sent" aria-current=[state.is_empty().then_some("page")] { (t(l, "notify-all-states")) }
            @for s in STATES {
                " · "
                a href={ "/notifications/sent?state=" (s) } aria-current=[(state == *s).then_some("page")] {
                    (t(l, &format!("notify-state-{s}")))
                }
            }
        }
        ul.home #notify-sent {
            @for n in list {
                li data-id=(n.id) {
                    b { (n.recipient) } " · " (crate::access::role_name(&n.role, l)) " · "
                    (t(l, &format!("notify-kind-{}", n.kind)))
                    @if n.urgent { " " span.tag { (t(l, "notify-urgent")) } }
                    div { (n.text) }
                    div.sub {
                        (datetime(n.created_ms)) " · "
                        span.state { (t(l, &format!("notify-state-{}", n.state))) }
                        @if let Some(s) = n.sent_ms { " " (datetime(s)) }
                        @if !n.reason.is_empty() { " · " (reason(l, &n.reason)) }
                        @if n.attempts > 0 { " · " (ta(l, "notify-attempts", &[("n", Arg::N(n.attempts))])) }
                    }
                }
            }
        }
        @if list.len() as i64 >= page {
            @if let Some(last) = list.last() {
                p.pager { a href={ "/notifications/sent?state=" (url_enc(state)) "&before=" (last.id) } { (t(l, "notify-more")) } }
            }
        }
    }
    .into()
}
