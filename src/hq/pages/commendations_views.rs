//! Commendations as views: the list by status with the proposal form, one proposal with its
//! record and the decision / withdrawal forms, the printable 通报表扬 list and a certificate.

use maud::{html, PreEscaped};

use crate::hq::commendations::{record::Record, Commendation, Subject, STATUSES};
use crate::i18n::{t, Lang};
use crate::web::html::{crumbs, csrf_field, datetime, error_box, notice, Markup};
use crate::web::kit::FormErrors;

fn pre(m: Markup) -> PreEscaped<String> {
    PreEscaped(m.0)
}

fn day(ms: i64) -> String {
    datetime(ms)[..10].to_owned()
}

pub fn kind_name(l: Lang, kind: &str) -> String {
    t(l, &format!("comm-kind-{kind}"))
}

pub fn status_name(l: Lang, status: &str) -> String {
    t(l, &format!("comm-status-{status}"))
}

fn top(l: Lang, here: &str) -> Markup {
    // No link to the overview: branch secretaries use these pages but read no overview.
    crumbs(&[
        (t(l, "comm-title"), "/hq/commendations".to_owned()),
        (here.to_owned(), String::new()),
    ])
}

/// The proposal form's values (kept when it comes back with errors).
#[derive(Debug, Default, Clone)]
pub struct FormValues {
    pub subject: String,
    pub citation: String,
    pub client_id: String,
}

pub struct ListPage<'a> {
    pub status: &'a str,
    pub items: &'a [Commendation],
    /// Subjects the reader may propose (empty: the reader does not propose).
    pub subjects: &'a [Subject],
    pub can_propose: bool,
    pub csrf: &'a str,
    pub form: FormValues,
    pub errors: FormErrors,
    pub done: &'a str,
}

pub fn list(l: Lang, p: &ListPage) -> Markup {
    let mut body = Markup::default();
    let err = |f: &str| p.errors.field(f).map(str::to_owned);
    let m = html! {
        h1 { (t(l, "comm-title")) }
        @if p.done == "withdrawn" { (pre(notice(&t(l, "comm-done-withdrawn")))) }
        nav.tabs #comm-status {
            @for s in std::iter::once("").chain(STATUSES.iter().copied()) {
                @let name = if s.is_empty() { t(l, "comm-all") } else { status_name(l, s) };
                @if s == p.status { b { (name) } } @else {
                    a href={ "/hq/commendations?status=" (s) } { (name) }
                }
                " "
            }
            a href="/hq/honours" { (t(l, "comm-honours")) }
        }
        @if p.items.is_empty() {
            p.muted #comm-none { (t(l, "comm-none")) }
        } @else {
            ul.cards #comm-list {
                @for c in p.items {
                    li {
                        a href={ "/hq/commendations/" (c.id) } { b { (c.subject_name) } }
                        " · " (kind_name(l, &c.subject_kind))
                        " · " span class={ "st st-" (c.status) } { (status_name(l, &c.status)) }
                        br;
                        small.muted { (day(c.proposed_ms)) " · " (c.proposed_by) }
                    }
                }
            }
        }
        @if p.can_propose {
            section #comm-propose {
                h2 { (t(l, "comm-propose")) }
                (pre(error_box(l, &p.errors.lines)))
                @if p.subjects.is_empty() {
                    p.muted { (t(l, "comm-no-subjects")) }
                } @else {
                    form method="post" action="/hq/commendations" {
                        (pre(csrf_field(p.csrf)))
                        input type="hidden" name="client_id" value=(p.form.client_id);
                        label.field.bad[err("subject").is_some() || err("subject_kind").is_some()] {
                            span { (t(l, "comm-subject")) }
                            select name="subject" #comm-subject {
                                option value="" { "—" }
                                @for kind in crate::hq::commendations::KINDS {
                                    @let of: Vec<&Subject> = p.subjects.iter().filter(|s| s.kind == *kind).collect();
                                    @if !of.is_empty() {
                                        optgroup label=(kind_name(l, kind)) {
                                            @for s in of {
                                                @let v = format!("{}:{}", s.kind, s.id);
                                                option value=(v) selected[v == p.form.subject] { (s.name) }
                                            }
                                        }
                                    }
                                }
                            }
                            @if let Some(e) = err("subject").or(err("subject_kind")) { em.err { (e) } }
                        }
                        label.field.bad[err("citation").is_some()] {
                            span { (t(l, "comm-citation")) }
                            textarea name="citation" rows="4" { (p.form.citation) }
                            @if let Some(e) = err("citation") { em.err { (e) } }
                        }
                        p.muted.small { (t(l, "comm-record-how")) }
                        button #comm-submit { (t(l, "comm-submit")) }
                    }
                }
            }
        }
    };
    body.push(m.into());
    body
}

fn record_table(l: Lang, r: &Record) -> maud::Markup {
    html! {
        table.kv #comm-record {
            @for (k, v) in r.lines() {
                tr { th { (t(l, k)) } td data-key=(k) { (v) } }
            }
        }
        p.muted.small { (t(l, "comm-record-as-of")) " " (datetime(r.as_of_ms)) }
    }
}

pub struct DetailPage<'a> {
    pub c: &'a Commendation,
    pub can_decide: bool,
    pub can_withdraw: bool,
    pub csrf: &'a str,
    pub errors: FormErrors,
    pub done: &'a str,
}

pub fn detail(l: Lang, p: &DetailPage) -> Markup {
    let c = p.c;
    let mut body = top(l, &c.subject_name);
    let m = html! {
        h1 { (c.subject_name) }
        @match p.done {
            "proposed" => (pre(notice(&t(l, "comm-done-proposed")))),
            "decided" => (pre(notice(&t(l, "comm-done-decided")))),
            _ => {}
        }
        p {
            (kind_name(l, &c.subject_kind)) " · "
            span #comm-state class={ "st st-" (c.status) } { (status_name(l, &c.status)) }
        }
        p.muted.small {
            (t(l, "comm-proposed-by")) " " (c.proposed_by) " · " (datetime(c.proposed_ms))
            @if let Some(d) = c.decided_ms {
                br; (t(l, "comm-decided-by")) " " (c.decided_by) " · " (datetime(d))
            }
        }
        @if !c.reason.is_empty() {
            p #comm-reason { b { (t(l, "comm-reason")) "：" } (c.reason) }
        }
        h2 { (t(l, "comm-citation")) }
        p.citation #comm-citation { (c.citation) }
        h2 { (t(l, "comm-record")) }
        (record_table(l, &c.record()))
        @if c.status == "approved" {
            div.actions {
                a.btn #comm-cert href={ "/hq/commendations/" (c.id) "/certificate" } { (t(l, "comm-certificate")) }
                " "
                a.btn.alt href="/hq/honours" { (t(l, "comm-honours")) }
            }
        }
        @if c.status == "proposed" && p.can_decide {
            section #comm-decide {
                h2 { (t(l, "comm-decide")) }
                (pre(error_box(l, &p.errors.lines)))
                form method="post" action={ "/hq/commendations/" (c.id) "/decision" } {
                    (pre(csrf_field(p.csrf)))
                    label.field.bad[p.errors.field("reason").is_some()] {
                        span { (t(l, "comm-decline-reason")) }
                        textarea name="reason" rows="2" {}
                        @if let Some(e) = p.errors.field("reason") { em.err { (e) } }
                    }
                    div.actions {
                        button #comm-approve name="decision" value="approve" { (t(l, "comm-approve")) }
                        " "
                        button #comm-decline name="decision" value="decline" { (t(l, "comm-decline")) }
                    }
                }
            }
        }
        @if c.status == "proposed" && p.can_withdraw {
            form method="post" action={ "/hq/commendations/" (c.id) "/withdraw" } {
                (pre(csrf_field(p.csrf)))
                button #comm-withdraw { (t(l, "comm-withdraw")) }
            }
        }
    };
    body.push(m.into());
    body
}

/// The printable 通报表扬 list: approved commendations grouped by area.
pub struct HonoursPage<'a> {
    pub area_name: &'a str,
    pub area_code: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    /// (area name, its commendations).
    pub groups: &'a [(String, Vec<Commendation>)],
}

pub fn honours(l: Lang, p: &HonoursPage) -> Markup {
    let mut body = top(l, &t(l, "comm-honours"));
    let total: usize = p.groups.iter().map(|g| g.1.len()).sum();
    let m = html! {
        form.noprint #comm-period method="get" action="/hq/honours" {
            input type="hidden" name="area" value=(p.area_code);
            label.field { span { (t(l, "comm-from")) } input type="date" name="from" value=(p.from); }
            label.field { span { (t(l, "comm-to")) } input type="date" name="to" value=(p.to); }
            button { (t(l, "comm-show")) }
        }
        div.printable #comm-honours {
            h1 { (t(l, "comm-honours-title")) }
            p.center {
                (p.area_name)
                @if !p.from.is_empty() || !p.to.is_empty() { " · " (p.from) " — " (p.to) }
            }
            p { (t(l, "comm-honours-lead")) }
            @if total == 0 {
                p.muted #comm-none { (t(l, "comm-none")) }
            }
            @for (area, items) in p.groups {
                h2 { (area) }
                ol {
                    @for c in items {
                        li.honour {
                            b { (c.subject_name) } " (" (kind_name(l, &c.subject_kind)) ")"
                            @let r = c.record();
                            br;
                            small {
                                @for (i, (k, v)) in r.lines().into_iter().enumerate() {
                                    @if i > 0 { "；" }
                                    (t(l, k)) " " (v)
                                }
                            }
                            p.citation { (c.citation) }
                        }
                    }
                }
            }
            p.right { (t(l, "comm-issuer")) br; (day(crate::db::now_ms())) }
        }
        button.noprint type="button" data-print hidden { (t(l, "brief-print")) }
    };
    body.push(m.into());
    body
}

/// A certificate (荣誉证书 / Certificate of Commendation) of an approved commendation.
pub fn certificate(l: Lang, c: &Commendation) -> Markup {
    let mut body = top(l, &t(l, "comm-certificate"));
    let r = c.record();
    let m = html! {
        div.certificate #comm-certificate {
            h1 { (t(l, "comm-certificate")) }
            p.big { b { (c.subject_name) } }
            p { (t(l, "comm-cert-text")) }
            p.citation { (c.citation) }
            p.small {
                (t(l, "comm-rec-hours")) " " (r.hours_text()) "；"
                (t(l, "comm-rec-needs")) " " (r.needs_solved)
            }
            p.right { (t(l, "comm-issuer")) br; (c.decided_ms.map(day).unwrap_or_default()) }
            p.muted.small { "No. " (c.id) }
        }
        button.noprint type="button" data-print hidden { (t(l, "brief-print")) }
    };
    body.push(m.into());
    body
}
