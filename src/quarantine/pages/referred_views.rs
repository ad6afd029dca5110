//! Views of the referred queue and of a quarantined visitor (see `referred`).

use maud::{html, PreEscaped};

use super::views::tr;
use crate::i18n::Lang;
use crate::quarantine::referred::{Referred, Revealed};
use crate::quarantine::temp_text;
use crate::quarantine::visitors::Visitor;
use crate::web::html::{csrf_field, datetime, notice, Markup};

fn who(l: Lang, w: &str) -> &'static str {
    if w == "visitor" {
        tr(l, "visitor", "访客")
    } else {
        tr(l, "resident", "居民")
    }
}

pub fn queue(l: Lang, csrf: &str, list: &[Referred], can_order: bool, done: &str) -> Markup {
    let waiting: Vec<&Referred> = list.iter().filter(|x| x.order_id.is_none()).collect();
    let ordered: Vec<&Referred> = list.iter().filter(|x| x.order_id.is_some()).collect();
    html! {
        nav.crumbs { a href="/followup" { (tr(l, "Health follow-up", "健康监测")) } i { "›" } span { (tr(l, "Referred by checkpoints", "卡口转隔离")) } }
        h1 { (tr(l, "Referred by checkpoints", "卡口转隔离")) }
        @if !done.is_empty() { (PreEscaped(notice(tr(l, "Saved.", "已保存。")).0)) }
        p.muted { (tr(l, "People a checkpoint referred to quarantine in the last 14 days. Names, documents and phones are masked; showing one whole is recorded.",
            "近 14 天卡口转隔离的人员。姓名、证件、电话已脱敏；查看完整信息会被记录。")) }
        @if waiting.is_empty() {
            p.muted #no-referred { (tr(l, "Nobody waiting for an order.", "暂无待下达隔离的人员。")) }
        } @else {
            ul.work #referred {
                @for x in &waiting {
                    li id={ "e-" (x.entry_id) } class="work-item" {
                        div {
                            b { (x.name) } " " span.tag { (who(l, x.who)) }
                            span.sub { (x.place) " · " (datetime(x.at_ms)) }
                            span.sub { (contact_line(l, x)) }
                            span.sub {
                                @if !x.health_code.is_empty() {
                                    (crate::checkpoints::label(crate::checkpoints::CODES, &x.health_code, l)) " "
                                }
                                (temp_text(x.temp_dc))
                            }
                        }
                        div.actions {
                            form.inline method="post" action={ "/followup/referred/" (x.entry_id) "/reveal" } {
                                (PreEscaped(csrf_field(csrf).0))
                                button.alt type="submit" { (tr(l, "Show whole", "查看完整")) }
                            }
                            @if can_order {
                                a.btn.make-order href={ "/followup/new?entry=" (x.entry_id) } { (tr(l, "Make an order", "下达隔离")) }
                            }
                        }
                    }
                }
            }
        }
        @if !ordered.is_empty() {
            h2 { (tr(l, "Ordered", "已下达")) }
            ul.work #referred-ordered {
                @for x in &ordered {
                    li class="work-item" {
                        div { b { (x.name) } " " span.tag { (who(l, x.who)) } span.sub { (x.place) " · " (datetime(x.at_ms)) } }
                        @if let Some(o) = x.order_id { a.btn.alt href={ "/followup/orders/" (o) } { "#" (o) } }
                    }
                }
            }
        }
    }
    .into()
}

pub fn revealed(l: Lang, v: &Revealed, can_order: bool) -> Markup {
    html! {
        nav.crumbs { a href="/followup/referred" { (tr(l, "Referred by checkpoints", "卡口转隔离")) } i { "›" } span { "#" (v.entry_id) } }
        dl.box #revealed {
            dt { (tr(l, "Name", "姓名")) } dd { (v.name) }
            dt { (tr(l, "Document", "证件")) } dd { (v.doc_type) " " (v.doc_number) }
            dt { (tr(l, "Phone", "电话")) } dd { @if !v.phone.is_empty() { a href={ "tel:" (v.phone) } { (v.phone) } } }
            dt { (tr(l, "Going to", "去往")) } dd { (v.to_place) }
        }
        @if can_order {
            a.btn href={ "/followup/new?entry=" (v.entry_id) } #make-order { (tr(l, "Make an order", "下达隔离")) }
        }
    }
    .into()
}

pub fn visitor(l: Lang, v: &Visitor) -> Markup {
    html! {
        nav.crumbs { a href={ "/followup/orders/" (v.order_id) } { "#" (v.order_id) } i { "›" } span { (tr(l, "Visitor", "访客")) } }
        dl.box #visitor-whole {
            dt { (tr(l, "Name", "姓名")) } dd { (v.name) }
            dt { (tr(l, "Document", "证件")) } dd { (v.doc_type) " " (v.doc_number) }
            dt { (tr(l, "Phone", "电话")) } dd { @if !v.phone.is_empty() { a href={ "tel:" (v.phone) } { (v.phone) } } }
            dt { (tr(l, "Staying at", "住址")) } dd { (v.stay) }
            dt { (tr(l, "Referred at", "转介卡口")) } dd { (v.place) }
        }
    }
    .into()
}

/// The masked document, phone and where from, whichever are known, joined by " · ".
fn contact_line(l: Lang, x: &Referred) -> String {
    let from =
        (!x.from_place.is_empty()).then(|| format!("{} {}", tr(l, "from", "来自"), x.from_place));
    [Some(x.doc_number.clone()), Some(x.phone.clone()), from]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}
