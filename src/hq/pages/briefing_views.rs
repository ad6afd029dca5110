//! The briefing page as a view: the period choice, the text in the page's language first and
//! the other below (every number a link to the records behind it), the plain text to copy,
//! issue / print / XLSX, and the briefings issued before.

use maud::{html, PreEscaped};

use crate::hq::briefing::text::{Paragraph, Period, Seg};
use crate::hq::briefing::{Briefing, Issued};
use crate::hq::metrics;
use crate::hq::reports::{cell, export::NOT_REPORTED};
use crate::i18n::{t, Lang};
use crate::web::html::{crumbs, csrf_field, notice, url_enc, Markup};

/// The page behind a number: the metric's page for the area it counts.
pub fn href(key: &str, area: i64) -> String {
    metrics::metric(key).map_or_else(String::new, |m| (m.link)(area))
}

fn paragraphs(ps: &[Paragraph], lang: Lang, id: &str) -> maud::Markup {
    let tag = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en",
    };
    html! {
        div.briefing id=(id) lang=(tag) {
            @for p in ps {
                p {
                    @for s in p {
                        @match s {
                            Seg::Text { text } => (text),
                            Seg::Num { text, key, area } => {
                                @let h = href(key, *area);
                                @if h.is_empty() { (text) } @else {
                                    a.num href=(h) data-metric=(key) { (text) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn period_name(l: Lang, p: Period) -> String {
    t(l, &format!("brief-period-{}", p.as_str()))
}

pub fn page(l: Lang, b: &Briefing, issued: &[Issued], csrf: &str, done: bool) -> Markup {
    let code = url_enc(&b.area.code);
    let (first, second, first_ps, second_ps) = match l {
        Lang::Zh => (Lang::Zh, Lang::En, &b.zh, &b.en),
        Lang::En => (Lang::En, Lang::Zh, &b.en, &b.zh),
    };
    let plain = match l {
        Lang::Zh => b.text_zh(),
        Lang::En => b.text_en(),
    };
    let mut body = crumbs(&[
        (t(l, "brief-hq"), format!("/hq/overview?area={code}")),
        (t(l, "brief-title"), String::new()),
    ]);
    let m: maud::Markup = html! {
        h1 { (t(l, "brief-title")) " · " (b.area.name) }
        @if done { (PreEscaped(notice(&t(l, "brief-done-issued")).0)) }
        nav.tabs.noprint #brief-periods {
            @for p in [Period::Day, Period::Week, Period::All] {
                @if p == b.period {
                    b { (period_name(l, p)) }
                } @else {
                    a href={ "/hq/briefing?area=" (code) "&period=" (p.as_str()) } { (period_name(l, p)) }
                }
                " "
            }
        }
        (paragraphs(first_ps, first, "brief-text"))
        details.noprint #brief-other {
            summary { (t(l, "brief-other-language")) }
            (paragraphs(second_ps, second, "brief-text-other"))
        }
        div.actions.noprint {
            form method="post" action="/hq/briefing/issue" {
                (PreEscaped(csrf_field(csrf).0))
                input type="hidden" name="area" value=(b.area.code);
                input type="hidden" name="period" value=(b.period.as_str());
                button #brief-issue { (t(l, "brief-issue")) }
            }
            button type="button" data-print hidden { (t(l, "brief-print")) }
            a.button #brief-xlsx href={ "/hq/briefing.xlsx?area=" (code) "&period=" (b.period.as_str()) } { (t(l, "brief-xlsx")) }
        }
        div.noprint #brief-copy {
            label for="brief-plain" { (t(l, "brief-plain")) }
            textarea #brief-plain rows="6" readonly { (plain) }
            button type="button" data-copy="brief-plain" data-copied=(t(l, "brief-copied")) hidden { (t(l, "brief-copy")) }
        }
        @if !issued.is_empty() {
            section.noprint #brief-issued {
                h2 { (t(l, "brief-issued")) }
                ul {
                    @for i in issued {
                        li {
                            (crate::web::html::datetime(i.issued_ms)) " · "
                            (period_name(l, Period::parse(&i.period))) " · " (i.issued_by)
                        }
                    }
                }
            }
        }
        p.muted.small { (t(l, "brief-how")) }
    };
    body.push(m.into());
    body
}

/// The briefing's figures as a table for the XLSX: metric, value ("未报" where absent).
pub fn figures_table(l: Lang, b: &Briefing) -> Vec<Vec<String>> {
    let mut out = vec![vec![
        t(l, "brief-col-area"),
        t(l, "brief-col-period"),
        t(l, "brief-col-metric"),
        t(l, "brief-col-key"),
        t(l, "brief-col-value"),
    ]];
    for f in &b.figures {
        out.push(vec![
            b.area.name.clone(),
            period_name(l, b.period),
            t(l, &format!("hq-m-{}", f.key)),
            f.key.to_owned(),
            cell(f.value, f.scale, NOT_REPORTED),
        ]);
    }
    out
}
