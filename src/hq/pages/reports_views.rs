//! The reports pages as views: the catalogue, cut-off and snapshot list; one snapshot in a
//! layout (printable) with its hash check, revisions, changes and correction form.

use maud::{html, PreEscaped};

use crate::hq::metrics;
use crate::hq::reports::{cell, Change, Content, Layout, Report, Row, Snapshot};
use crate::i18n::{t, Lang};
use crate::registry::areas::Area;
use crate::web::html::{crumbs, csrf_field, datetime, notice, url_enc, Markup};

fn pre(m: Markup) -> PreEscaped<String> {
    PreEscaped(m.0)
}

fn header(l: Lang, col: &[String; 3]) -> &str {
    match l {
        Lang::Zh => &col[1],
        Lang::En => &col[2],
    }
}

#[allow(clippy::too_many_arguments)]
pub fn list(
    l: Lang,
    cat: &[Report],
    snaps: &[Snapshot],
    cutoff: &str,
    hq: bool,
    area: &Area,
    csrf: &str,
    done: &str,
) -> Markup {
    let mut body = crumbs(&[
        (t(l, "brief-hq"), "/hq/overview".to_owned()),
        (t(l, "rep-title"), String::new()),
    ]);
    let m = html! {
        h1 { (t(l, "rep-title")) }
        @if done == "cutoff" { (pre(notice(&t(l, "rep-done-cutoff")))) }
        form.noprint #rep-cutoff method="post" action="/hq/reports/cutoff" {
            (pre(csrf_field(csrf)))
            label for="cutoff" { (t(l, "rep-cutoff")) }
            @if hq {
                input #cutoff name="cutoff" type="time" value=(cutoff);
                button { (t(l, "rep-cutoff-save")) }
            } @else {
                input #cutoff name="cutoff" type="time" value=(cutoff) disabled;
            }
        }
        ul #rep-catalogue {
            @for r in cat {
                li {
                    b { (r.title(l)) }
                    " · "
                    @for (i, lay) in r.layout.iter().enumerate() {
                        @if i > 0 { "、" }
                        (match l { Lang::Zh => &lay.name_zh, Lang::En => &lay.name_en })
                    }
                    @if hq {
                        form.inline.noprint method="post" action="/hq/reports/lock" {
                            (pre(csrf_field(csrf)))
                            input type="hidden" name="area" value=(area.code);
                            input type="hidden" name="report" value=(r.key);
                            button data-report=(r.key) { (t(l, "rep-lock-now")) }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "rep-snapshots")) }
        @if snaps.is_empty() {
            p.muted #rep-none { (t(l, "rep-none")) }
        } @else {
            table.stack #rep-snapshots {
                thead { tr {
                    th { (t(l, "rep-title")) }
                    th { (t(l, "rep-revision")) }
                    th { (t(l, "rep-locked-at")) }
                } }
                tbody {
                    @for s in snaps {
                        @let title = crate::hq::reports::report(&s.report).map_or(s.report.clone(), |r| r.title(l).to_owned());
                        tr {
                            td { a href={ "/hq/snapshots/" (s.id) } { (title) " · " (crate::mobilization::rules::ymd(s.day)) } }
                            td.n { (s.revision) }
                            td { (datetime(s.locked_ms)) }
                        }
                    }
                }
            }
        }
        p.muted.small { (t(l, "rep-how")) }
    };
    body.push(m.into());
    body
}

pub struct SnapshotView<'a> {
    pub report: &'a Report,
    pub layout: &'a Layout,
    pub snap: &'a Snapshot,
    pub content: &'a Content,
    pub rows: &'a [Row],
    pub revisions: &'a [Snapshot],
    pub changes: &'a [Change],
    pub can_correct: bool,
    pub csrf: &'a str,
    pub done: &'a str,
}

pub fn snapshot(l: Lang, v: &SnapshotView) -> Markup {
    let s = v.snap;
    let c = v.content;
    let mut body = crumbs(&[
        (t(l, "brief-hq"), "/hq/overview".to_owned()),
        (t(l, "rep-title"), "/hq/reports".to_owned()),
        (v.report.title(l).to_owned(), String::new()),
    ]);
    let nr = t(l, "rep-not-reported");
    let metric_name = |k: &str| {
        v.report
            .layout
            .iter()
            .flat_map(|lay| lay.columns.iter())
            .find(|col| col[0] == k)
            .map_or(k.to_owned(), |col| header(l, col).to_owned())
    };
    let done = match v.done {
        "locked" => Some("rep-done-locked"),
        "revised" => Some("rep-done-revised"),
        "same" => Some("rep-done-same"),
        _ => None,
    };
    let m = html! {
        h1 { (v.report.title(l)) " · " (c.day) }
        @if let Some(d) = done { (pre(notice(&t(l, d)))) }
        p #rep-meta {
            (t(l, "rep-revision")) " " b #rep-revision { (s.revision) } " · "
            (t(l, "rep-locked-at")) " " (datetime(s.locked_ms)) " · "
            (t(l, "rep-locked-by")) " " (s.locked_by)
            @if !s.reason.is_empty() { " · " (t(l, "rep-reason")) "：" (s.reason) }
        }
        p.small #rep-hash {
            (t(l, "rep-hash")) " " code { (s.sha256) } " · "
            @if s.verified() {
                span.ok #rep-verified { (t(l, "rep-verified")) }
            } @else {
                span.warn #rep-broken { (t(l, "rep-broken")) }
            }
        }
        nav.tabs.noprint #rep-layouts {
            (t(l, "rep-layout")) "："
            @for lay in &v.report.layout {
                @let name = match l { Lang::Zh => &lay.name_zh, Lang::En => &lay.name_en };
                @if lay.key == v.layout.key { b { (name) } } @else {
                    a href={ "/hq/snapshots/" (s.id) "?layout=" (url_enc(&lay.key)) } { (name) }
                }
                " "
            }
        }
        div.actions.noprint {
            button type="button" data-print hidden { (t(l, "rep-print")) }
            a.button #rep-csv href={ "/hq/snapshots/" (s.id) "/export?format=csv&layout=" (url_enc(&v.layout.key)) } { (t(l, "rep-csv")) }
            a.button #rep-xlsx href={ "/hq/snapshots/" (s.id) "/export?format=xlsx&layout=" (url_enc(&v.layout.key)) } { (t(l, "rep-xlsx")) }
        }
        div.scroll {
            table.report #rep-table {
                thead { tr {
                    th { (t(l, "rep-area")) }
                    @for col in &v.layout.columns { th.n { (header(l, col)) } }
                } }
                tbody {
                    @for r in v.rows {
                        tr {
                            td { (r.name) }
                            @for col in &v.layout.columns {
                                @let i = c.metrics.iter().position(|m| *m == col[0]);
                                @let val = i.and_then(|i| r.values.get(i).copied().flatten());
                                @let scale = metrics::metric(&col[0]).map_or(0, |m| m.scale);
                                @if val.is_none() {
                                    td.n.muted.nr { (nr) }
                                } @else {
                                    td.n { (cell(val, scale, &nr)) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !v.changes.is_empty() {
            section #rep-changes {
                h2 { (t(l, "rep-changes")) }
                table.stack {
                    thead { tr {
                        th { (t(l, "rep-area")) } th { (t(l, "brief-col-metric")) }
                        th.n { (t(l, "rep-before")) } th.n { (t(l, "rep-after")) }
                    } }
                    tbody {
                        @for ch in v.changes {
                            @let scale = metrics::metric(&ch.metric).map_or(0, |m| m.scale);
                            tr {
                                td { (ch.name) }
                                td { (metric_name(&ch.metric)) }
                                td.n { (cell(ch.before, scale, &nr)) }
                                td.n { (cell(ch.after, scale, &nr)) }
                            }
                        }
                    }
                }
            }
        }
        @if v.revisions.len() > 1 {
            section.noprint #rep-revisions {
                h2 { (t(l, "rep-revision")) }
                ul {
                    @for r in v.revisions {
                        li {
                            a href={ "/hq/snapshots/" (r.id) } { (t(l, "rep-revision")) " " (r.revision) }
                            " · " (datetime(r.locked_ms))
                            @if !r.reason.is_empty() { " · " (r.reason) }
                        }
                    }
                }
            }
        }
        @if v.can_correct {
            form.noprint #rep-correct method="post" action={ "/hq/snapshots/" (s.id) "/correct" } {
                (pre(csrf_field(v.csrf)))
                label for="reason" { (t(l, "rep-reason")) }
                input #reason name="reason" required;
                button { (t(l, "rep-correct")) }
            }
        }
        p.muted.small { (t(l, "rep-how")) }
    };
    body.push(m.into());
    body
}
