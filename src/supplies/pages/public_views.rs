//! The public disclosure page: printable, one table per section, every line with its ledger
//! entry number; corrections marked as such.

use crate::i18n::{t, Lang};
use crate::supplies::disclosure::{entry_range, grade, Disclosure};
use crate::supplies::{label, yuan, DONOR_KINDS, MONEY_KINDS, MOVE_KINDS};
use crate::web::html::{minutes, Markup};

fn to_text(l: Lang, kind: &str, to: &str) -> String {
    match kind {
        "loss" => label(MOVE_KINDS, "loss", l),
        "adjust" => label(MOVE_KINDS, "adjust", l),
        "donor" => format!("{} · {to}", label(MOVE_KINDS, "return", l)),
        _ => to.to_owned(),
    }
}

pub fn disclosure(l: Lang, d: &Disclosure) -> Markup {
    let anon = label(DONOR_KINDS, "anonymous", l);
    let base = &d.href;
    maud::html! {
        h1 { (t(l, "sup-public")) " · " (d.name) }
        p.muted #generated-at { (t(l, "sup-generated-at")) " " (d.generated_at) }
        p.muted.small { (t(l, "sup-public-note")) }
        p.actions.noprint {
            a.btn.alt #pub-csv download href={ (base) "/csv" } { "CSV" }
            a.btn.alt #pub-xlsx download href={ (base) "/xlsx" } { "XLSX" }
            a.btn.alt #pub-json download href={ (base) "/json" } { "JSON" }
        }
        h2 { (t(l, "sup-pub-goods-in")) }
        @if d.goods_in.is_empty() { p.muted { "—" } } @else {
            table.stack #pub-goods-in {
                thead { tr { th { (t(l, "sup-entry")) } th { (t(l, "sup-from")) } th { (t(l, "sup-item")) } th { (t(l, "sup-qty")) } th { (t(l, "sup-note")) } } }
                tbody {
                    @for g in &d.goods_in {
                        tr.correction[g.kind == "correction"] {
                            td data-label=(t(l, "sup-entry")) { "#" (entry_range(g.entries, g.first_entry, g.last_entry)) " · " (g.day) }
                            td data-label=(t(l, "sup-from")) { @if g.from.is_empty() { (anon) } @else { (g.from) } }
                            td data-label=(t(l, "sup-item")) { (g.item) @if !g.grade.is_empty() { " " b { (grade(&g.grade, l)) } } }
                            td data-label=(t(l, "sup-qty")) { (g.qty) " " (g.unit) @if g.value_fen != 0 { " · " (yuan(g.value_fen)) " " (t(l, "sup-yuan")) } }
                            td data-label=(t(l, "sup-note")) {
                                (label(MOVE_KINDS, &g.kind, l))
                                @if !g.directed.is_empty() { " · " (t(l, "sup-directed-to")) " " (g.directed) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-pub-goods-out")) }
        @if d.goods_out.is_empty() { p.muted { "—" } } @else {
            table.stack #pub-goods-out {
                thead { tr { th { (t(l, "sup-to")) } th { (t(l, "sup-item")) } th { (t(l, "sup-qty")) } th { (t(l, "sup-entries")) } } }
                tbody {
                    @for o in &d.goods_out {
                        tr.correction[o.correction] {
                            td data-label=(t(l, "sup-to")) { (to_text(l, &o.to_kind, &o.to)) @if o.correction { " · " (t(l, "sup-correction")) } }
                            td data-label=(t(l, "sup-item")) { (o.item) @if !o.grade.is_empty() { " " b { (grade(&o.grade, l)) } } }
                            td data-label=(t(l, "sup-qty")) { (o.qty) " " (o.unit) }
                            td data-label=(t(l, "sup-entries")) { "#" (entry_range(o.entries, o.first_entry, o.last_entry)) }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-stock")) }
        @if d.stock.is_empty() { p.muted { "—" } } @else {
            ul #pub-stock { @for s in &d.stock { li { (s.item) @if !s.grade.is_empty() { " " (grade(&s.grade, l)) } "：" (s.qty) " " (s.unit) } } }
        }
        h2 { (t(l, "sup-pub-money-in")) }
        @if d.money_in.is_empty() { p.muted { "—" } } @else {
            table.stack #pub-money-in {
                thead { tr { th { (t(l, "sup-entry")) } th { (t(l, "sup-party")) } th { (t(l, "sup-amount")) } th { (t(l, "sup-note")) } } }
                tbody {
                    @for m in &d.money_in {
                        tr.correction[m.corrects.is_some()] {
                            td data-label=(t(l, "sup-entry")) { "#" (m.entry) " · " (minutes(m.at_ms)) }
                            td data-label=(t(l, "sup-party")) { @if m.party.is_empty() { (anon) } @else { (m.party) } }
                            td data-label=(t(l, "sup-amount")) { (yuan(m.fen)) }
                            td data-label=(t(l, "sup-note")) {
                                (label(MONEY_KINDS, &m.kind, l)) " · " (m.fund)
                                @if !m.directed.is_empty() { " · " (t(l, "sup-directed-to")) " " (m.directed) }
                                @if let Some(c) = m.corrects { " · " (t(l, "sup-corrects")) " #" (c) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-pub-money-out")) }
        @if d.money_out.is_empty() { p.muted { "—" } } @else {
            table.stack #pub-money-out {
                thead { tr { th { (t(l, "sup-entry")) } th { (t(l, "sup-payee")) } th { (t(l, "sup-amount")) } th { (t(l, "sup-note")) } } }
                tbody {
                    @for m in &d.money_out {
                        tr.correction[m.corrects.is_some()] {
                            td data-label=(t(l, "sup-entry")) { "#" (m.entry) " · " (minutes(m.at_ms)) }
                            td data-label=(t(l, "sup-payee")) { (m.party) }
                            td data-label=(t(l, "sup-amount")) { (yuan(m.fen)) }
                            td data-label=(t(l, "sup-note")) {
                                (label(MONEY_KINDS, &m.kind, l)) " · " (m.fund)
                                @if !m.purpose.is_empty() { " · " (m.purpose) }
                                @if !m.receipt_no.is_empty() { " · " (t(l, "sup-receipt-no")) " " (m.receipt_no) }
                                @if let Some(c) = m.corrects { " · " (t(l, "sup-corrects")) " #" (c) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(l, "sup-funds")) }
        @if d.funds.is_empty() { p.muted { "—" } } @else {
            ul #pub-funds { @for f in &d.funds { li { (f.fund) "：" (yuan(f.balance_fen)) " " (t(l, "sup-yuan")) } } }
        }
    }
    .into()
}
