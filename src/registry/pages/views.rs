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

/// Residents as a table (a household's members, search results).
pub fn member_rows(l: Lang, members: &[ResidentView]) -> Markup {
    let mut m = html!(
        "<table class=\"wide\" id=\"members\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"opt\">{}</th></tr>",
        t(l, "col-name"),
        t(l, "col-doc"),
        t(l, "col-sex"),
        t(l, "col-age"),
        t(l, "col-relation"),
        t(l, "col-tags")
    );
    for r in members {
        let tags: Markup = Markup(
            r.tags
                .iter()
                .map(|c| html!("<span class=\"tag\">{}</span>", term(l, TAGS, c)).0)
                .collect(),
        );
        m.push(html!(
            "<tr><td class=\"nowrap\"><a href=\"/residents/{}\">{}</a></td><td class=\"masked\">{}</td><td class=\"opt\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"opt\">{}</td></tr>",
            r.id,
            r.name,
            r.doc_number_masked,
            sex_text(l, r.sex),
            r.age.map(|a| a.to_string()).unwrap_or_default(),
            term(l, RELATIONS, &r.relation),
            tags
        ));
    }
    m.0.push_str("</table>");
    m
}
