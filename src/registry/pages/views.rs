//! Views the registry's pages share: vocabulary labels, links to areas, tallies, member tables.

use crate::html;
use crate::i18n::{t, Lang};
use crate::registry::areas::Counts;
use crate::registry::model::*;
use crate::registry::residents::ResidentView;
use crate::web::html::{url_enc, Markup};

/// The label of a vocabulary code in the user's language (the code itself when unknown).
pub fn term(l: Lang, terms: &[Term], code: &str) -> String {
    terms
        .iter()
        .find(|t| t.code == code)
        .map(|t| if l == Lang::Zh { t.zh } else { t.en })
        .unwrap_or(code)
        .to_owned()
}

/// A vocabulary as (code, label) options.
pub fn options(l: Lang, terms: &[Term]) -> Vec<(String, String)> {
    terms
        .iter()
        .map(|t| {
            (
                t.code.to_owned(),
                (if l == Lang::Zh { t.zh } else { t.en }).to_owned(),
            )
        })
        .collect()
}

/// A vocabulary as a group of checkboxes.
pub fn checkboxes(
    name: &str,
    label: &str,
    l: Lang,
    terms: &[Term],
    checked: &[&str],
    err: Option<&str>,
) -> Markup {
    crate::web::html::checkboxes(name, label, &options(l, terms), checked, err)
}

pub fn area_href(code: &str) -> String {
    format!("/areas/{}", url_enc(code))
}

pub fn sex_text(l: Lang, sex: i64) -> String {
    match sex {
        1 => t(l, "sex-male"),
        2 => t(l, "sex-female"),
        _ => "—".into(),
    }
}

pub fn count_cards(l: Lang, c: &Counts) -> Markup {
    let mut m = Markup("<div class=\"cards\" id=\"counts\">".into());
    for (id, n) in [
        ("count-households", c.households),
        ("count-residents", c.residents),
        ("count-aged60", c.aged60),
        ("count-vulnerable", c.vulnerable),
        ("count-party", c.party_members),
    ] {
        m.push(html!(
            "<div class=\"card\" data-count=\"{}\"><b>{}</b><span>{}</span></div>",
            id,
            n,
            t(l, id)
        ));
    }
    m.0.push_str("</div>");
    m
}

/// Residents as a table (a household's members, search results); on a phone each resident is
/// a card, each value labelled.
pub fn member_rows(l: Lang, members: &[ResidentView]) -> Markup {
    let c = [
        t(l, "col-doc"),
        t(l, "col-sex"),
        t(l, "col-age"),
        t(l, "col-relation"),
        t(l, "col-tags"),
    ];
    maud::html! {
        table.stack.wide #members {
            thead {
                tr {
                    th { (t(l, "col-name")) } th { (c[0]) } th.opt { (c[1]) } th.n { (c[2]) }
                    th { (c[3]) } th.opt { (c[4]) }
                }
            }
            tbody {
                @for r in members {
                    tr {
                        td { a.cell href={ "/residents/" (r.id) } { (r.name) } }
                        td.masked data-label=(c[0]) { (r.doc_number_masked) }
                        td.opt data-label=(c[1]) { (sex_text(l, r.sex)) }
                        td.n data-label=(c[2]) { (r.age.map(|a| a.to_string()).unwrap_or_default()) }
                        td data-label=(c[3]) { (term(l, RELATIONS, &r.relation)) }
                        td.opt data-label=(c[4]) {
                            @for code in &r.tags { span.tag { (term(l, TAGS, code)) } " " }
                        }
                    }
                }
            }
        }
    }
    .into()
}
