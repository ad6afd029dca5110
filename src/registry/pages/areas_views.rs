//! Views of the area browser: the reader's scope roots, and an area with its tallies and its
//! children or households. Tables stack into cards on a phone (`table.stack`, each cell
//! labelled with its column).

use super::views::{area_href, count_cards, term};
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::{Area, Child, Counts};
use crate::registry::model::*;
use crate::registry::residents::{HouseholdView, NumberedPage, Page};
use crate::web::html::{crumbs, url_enc, Markup};
use crate::web::pages::next_link;

/// The areas the reader's scope starts at, with their tallies; `none` when the scope is empty.
pub fn roots(l: Lang, none: bool, rows: &[(Area, Counts)]) -> Markup {
    let (hh, rs) = (t(l, "count-households"), t(l, "count-residents"));
    maud::html! {
        h1 { (t(l, "areas-title")) }
        @if none {
            p.muted { (t(l, "areas-none")) }
        } @else {
            table.stack #roots {
                thead { tr { th { (t(l, "col-area")) } th.n { (hh) } th.n { (rs) } } }
                tbody {
                    @for (a, c) in rows {
                        tr {
                            td { a.cell href=(area_href(&a.code)) { (a.name) } }
                            td.n data-label=(hh) { (c.households) }
                            td.n data-label=(rs) { (c.residents) }
                        }
                    }
                }
            }
        }
    }
    .into()
}

/// What an area page lists below its tallies.
pub enum Listing {
    /// The households of the subtree (grids and buildings, or on request), with the address
    /// searched for (`""`: all).
    Households {
        page: Page<HouseholdView>,
        address: String,
    },
    /// The households of a community, grid or building in walking order, paged by number,
    /// with the address searched for.
    Walking {
        page: NumberedPage<HouseholdView>,
        address: String,
    },
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
    /// Other capabilities' sections after the tallies, and badges beside the rows listed
    /// (see `parts::AreaPart`).
    pub part: Markup,
    pub badges: super::parts::AreaBadges,
}

/// The households of an area: a search by address, then the list in walking order.
fn households(
    l: Lang,
    p: &AreaPage,
    items: &[HouseholdView],
    pager: Markup,
    address: &str,
) -> Markup {
    let a = p.area;
    let (c_addr, c_head, c_kind, c_members) = (
        t(l, "col-address"),
        t(l, "col-head"),
        t(l, "col-kind"),
        t(l, "col-members"),
    );
    maud::html! {
        h2 { (t(l, "households-title")) }
        form.box.filters #household-search method="get" action=(area_href(&a.code)) role="search" {
            @if !p.view.is_empty() { input type="hidden" name="view" value=(p.view); }
            label.field {
                span { (t(l, "households-search")) }
                input type="search" name="address" value=(address) autocomplete="off";
            }
            button { (t(l, "search-submit")) }
        }
        @if items.is_empty() {
            p.muted #no-households { (t(l, if address.is_empty() { "households-none" } else { "households-none-found" })) }
        } @else {
            table.stack.wide #households {
                thead { tr { th { (c_addr) } th { (c_head) } th.opt { (c_kind) } th.n { (c_members) } } }
                tbody {
                    @for h in items {
                        tr {
                            td { a.cell href={ "/households/" (h.id) } { (h.address) } @if let Some(b) = p.badges.1.get(&h.id) { " " (b) } }
                            td data-label=(c_head) { (h.head_name.as_deref().unwrap_or("—")) }
                            td.opt data-label=(c_kind) { (term(l, HOUSEHOLD_KINDS, &h.kind)) }
                            td.n data-label=(c_members) { (h.members) }
                        }
                    }
                }
            }
        }
        (pager)
    }
    .into()
}

/// An area's household list with its view and search, as the pager's base.
fn list_href(code: &str, view: &str, address: &str) -> String {
    let q: Vec<String> = [("view", view), ("address", address)]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_enc(v)))
        .collect();
    if q.is_empty() {
        area_href(code)
    } else {
        format!("{}?{}", area_href(code), q.join("&"))
    }
}

/// "‹ Previous · page X of Y · Next ›" for a list paged by number (`base`: the list's address
/// with its query, to which `page=` is added).
fn numbered_pager(l: Lang, base: &str, page: usize, pages: usize) -> Markup {
    if pages <= 1 {
        return Markup::default();
    }
    let sep = if base.contains('?') { "&" } else { "?" };
    maud::html! {
        div.pager #households-pager {
            @if page > 1 {
                a.btn.alt rel="prev" href={ (base) (sep) "page=" (page - 1) } { (t(l, "households-prev")) }
            } @else { span {} }
            span { (ta(l, "households-page-of", &[("page", Arg::N(page as i64)), ("pages", Arg::N(pages as i64))])) }
            @if page < pages {
                a.btn.alt rel="next" href={ (base) (sep) "page=" (page + 1) } { (t(l, "next-page")) }
            } @else { span {} }
        }
    }
    .into()
}

/// The children of an area, each with its code (a grid's code is what the import's first
/// column takes).
fn children(
    l: Lang,
    a: &Area,
    kids: &[Child],
    next: Option<&str>,
    badges: &std::collections::HashMap<String, Markup>,
) -> Markup {
    let cols = [
        t(l, "col-code"),
        t(l, "count-households"),
        t(l, "count-residents"),
        t(l, "count-aged60"),
        t(l, "count-vulnerable"),
    ];
    maud::html! {
        h2 { (t(l, "children-title")) }
        table.stack.wide #children {
            thead {
                tr {
                    th { (t(l, "col-area")) }
                    th { (cols[0]) }
                    th.n { (cols[1]) } th.n { (cols[2]) } th.n.opt { (cols[3]) } th.n.opt { (cols[4]) }
                }
            }
            tbody {
                @for c in kids {
                    tr {
                        td { a.cell href=(area_href(&c.area.code)) { (c.area.name) } @if let Some(b) = badges.get(&c.area.path) { " " (b) } }
                        td.code data-label=(cols[0]) { code { (c.area.code) } }
                        td.n data-label=(cols[1]) { (c.counts.households) }
                        td.n data-label=(cols[2]) { (c.counts.residents) }
                        td.n.opt data-label=(cols[3]) { (c.counts.aged60) }
                        td.n.opt data-label=(cols[4]) { (c.counts.vulnerable) }
                    }
                }
            }
        }
        (next_link(l, &area_href(&a.code), &[], next))
        @if a.level >= LEVEL_COMMUNITY {
            p { a.btn.alt href={ (area_href(&a.code)) "?view=households" } { (t(l, "households-all")) } }
        }
    }
    .into()
}

pub fn area(l: Lang, p: &AreaPage) -> Markup {
    let a = p.area;
    maud::html! {
        (crumbs(&p.crumbs))
        h1 { (a.name) " " span.muted { (term(l, LEVELS, level_code(a.level))) } }
        p.muted #area-code { (t(l, "col-code")) ": " code { (a.code) } }
        (count_cards(l, &p.counts))
        (p.part)
        div.actions {
            @if p.can_add_household {
                a.btn href={ "/households/new?area=" (url_enc(&a.code)) } { (t(l, "household-new")) }
            }
            a.btn.alt href={ "/export?area=" (url_enc(&a.code)) "&format=xlsx" } { (t(l, "export-xlsx")) }
            a.btn.alt href={ "/export?area=" (url_enc(&a.code)) "&format=csv" } { (t(l, "export-csv")) }
        }
        @match &p.listing {
            Listing::Households { page, address } => (households(
                l,
                p,
                &page.items,
                next_link(l, &area_href(&a.code), &[("view", p.view), ("address", address)], page.next.as_deref()),
                address,
            )),
            Listing::Walking { page, address } => {
                @let base = list_href(&a.code, p.view, address);
                (households(l, p, &page.items, numbered_pager(l, &base, page.page, page.pages), address))
            }
            Listing::Children { kids, next } => (children(l, a, kids, next.as_deref(), &p.badges.0)),
        }
    }
    .into()
}
