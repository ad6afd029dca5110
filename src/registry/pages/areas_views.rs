//! Views of the area browser: the reader's scope roots, and an area with its tallies and its
//! children or households.

use super::views::{area_href, count_cards, term};
use crate::html;
use crate::i18n::{t, Lang};
use crate::registry::areas::{Area, Child, Counts};
use crate::registry::model::*;
use crate::registry::residents::{HouseholdView, Page};
use crate::web::html::{crumbs, url_enc, Markup};
use crate::web::pages::next_link;

/// The areas the reader's scope starts at, with their tallies; `none` when the scope is empty.
pub fn roots(l: Lang, none: bool, rows: &[(Area, Counts)]) -> Markup {
    let mut body = html!("<h1>{}</h1>", t(l, "areas-title"));
    if none {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "areas-none")));
    }
    body.push(html!(
        "<table><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr>",
        t(l, "col-area"),
        t(l, "count-households"),
        t(l, "count-residents")
    ));
    for (a, c) in rows {
        body.push(html!(
            "<tr><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            area_href(&a.code),
            a.name,
            c.households,
            c.residents
        ));
    }
    body.0.push_str("</table>");
    body
}

/// What an area page lists below its tallies.
pub enum Listing {
    /// The households of the subtree (grids and buildings, or on request).
    Households(Page<HouseholdView>),
    /// The children, and the cursor of the next page of them.
    Children {
        kids: Vec<Child>,
        next: Option<String>,
    },
}

pub struct AreaPage<'a> {
    pub area: &'a Area,
    pub crumbs: Vec<(String, String)>,
    pub counts: Counts,
    pub can_add_household: bool,
    /// The `view` asked for (kept in the next-page link).
    pub view: &'a str,
    pub listing: Listing,
}

pub fn area(l: Lang, p: &AreaPage) -> Markup {
    let a = p.area;
    let mut body = crumbs(&p.crumbs);
    body.push(html!(
        "<h1>{} <span class=\"muted\">{}</span></h1>",
        a.name,
        term(l, LEVELS, level_code(a.level))
    ));
    body.push(count_cards(l, &p.counts));
    let mut actions = Markup::default();
    if p.can_add_household {
        actions.push(html!(
            "<a class=\"btn\" href=\"/households/new?area={}\">{}</a>",
            url_enc(&a.code),
            t(l, "household-new")
        ));
    }
    actions.push(html!(
        "<a class=\"btn alt\" href=\"/export?area={}&amp;format=xlsx\">{}</a><a class=\"btn alt\" href=\"/export?area={}&amp;format=csv\">{}</a>",
        url_enc(&a.code),
        t(l, "export-xlsx"),
        url_enc(&a.code),
        t(l, "export-csv")
    ));
    body.push(html!("<div class=\"actions\">{}</div>", actions));
    match &p.listing {
        Listing::Households(page) => {
            body.push(html!(
                "<h2>{}</h2><table class=\"wide\" id=\"households\"><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th><th class=\"n\">{}</th></tr>",
                t(l, "households-title"),
                t(l, "col-address"),
                t(l, "col-head"),
                t(l, "col-kind"),
                t(l, "col-members")
            ));
            for h in &page.items {
                body.push(html!(
                    "<tr><td><a href=\"/households/{}\">{}</a></td><td class=\"nowrap\">{}</td><td class=\"opt\">{}</td><td class=\"n\">{}</td></tr>",
                    h.id,
                    h.address,
                    h.head_name.clone().unwrap_or_else(|| "—".into()),
                    term(l, HOUSEHOLD_KINDS, &h.kind),
                    h.members
                ));
            }
            body.0.push_str("</table>");
            if page.items.is_empty() {
                body.push(html!("<p class=\"muted\">{}</p>", t(l, "households-none")));
            }
            body.push(next_link(
                l,
                &area_href(&a.code),
                &[("view", p.view)],
                page.next.as_deref(),
            ));
        }
        Listing::Children { kids, next } => {
            body.push(html!(
                "<h2>{}</h2><table class=\"wide\" id=\"children\"><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n opt\">{}</th><th class=\"n opt\">{}</th></tr>",
                t(l, "children-title"),
                t(l, "col-area"),
                t(l, "count-households"),
                t(l, "count-residents"),
                t(l, "count-aged60"),
                t(l, "count-vulnerable")
            ));
            for c in kids {
                body.push(html!(
                    "<tr><td><a href=\"{}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n opt\">{}</td><td class=\"n opt\">{}</td></tr>",
                    area_href(&c.area.code),
                    c.area.name,
                    c.counts.households,
                    c.counts.residents,
                    c.counts.aged60,
                    c.counts.vulnerable
                ));
            }
            body.0.push_str("</table>");
            body.push(next_link(l, &area_href(&a.code), &[], next.as_deref()));
            if a.level >= LEVEL_COMMUNITY {
                body.push(html!(
                    "<p><a href=\"{}?view=households\">{}</a></p>",
                    area_href(&a.code),
                    t(l, "households-all")
                ));
            }
        }
    }
    body
}
