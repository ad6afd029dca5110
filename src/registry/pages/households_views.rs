//! Views of a household: its page (members, the needs' section, merge and removal for
//! writers) and the form to register or correct one.

use super::views::{member_rows, options, term};
use crate::html;
use crate::i18n::{t, Lang};
use crate::registry::model::*;
use crate::registry::residents::HouseholdDetail;
use crate::web::html::{crumbs, csrf_field, error_box, field, select, Markup};
use crate::web::kit::FormErrors;

pub struct HouseholdPage<'a> {
    pub detail: &'a HouseholdDetail,
    pub crumbs: Vec<(String, String)>,
    pub can_write: bool,
    /// Other capabilities' sections (the needs), drawn by their parts.
    pub needs: Markup,
    pub csrf: &'a str,
    /// A refused merge or removal: the number typed in and the errors.
    pub failed: Option<(&'a str, &'a FormErrors)>,
}

pub fn household(l: Lang, p: &HouseholdPage) -> Markup {
    let h = &p.detail.household;
    let mut body = crumbs(&p.crumbs);
    body.push(html!(
        "<h1>{}</h1><dl class=\"kv\"><dt>{}</dt><dd id=\"household-number\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        h.address,
        t(l, "household-number"),
        h.id,
        t(l, "col-kind"),
        term(l, HOUSEHOLD_KINDS, &h.kind),
        t(l, "col-head"),
        h.head_name.clone().unwrap_or_else(|| "—".into()),
        t(l, "col-members"),
        h.members
    ));
    if p.can_write {
        body.push(html!(
            "<div class=\"actions\"><a class=\"btn\" href=\"/households/{}/residents/new\">{}</a><a class=\"btn alt\" href=\"/households/{}/edit\">{}</a></div>",
            h.id,
            t(l, "resident-new"),
            h.id,
            t(l, "household-edit")
        ));
    }
    body.push(html!("<h2>{}</h2>", t(l, "members-title")));
    body.push(member_rows(l, &p.detail.residents));
    body.push(p.needs.clone());
    if p.can_write {
        body.push(household_actions(l, p.csrf, h.id, h.members, p.failed));
    }
    body
}

/// For writers: merge this household into another, or remove it when it has no members.
fn household_actions(
    l: Lang,
    csrf: &str,
    id: i64,
    members: i64,
    failed: Option<(&str, &FormErrors)>,
) -> Markup {
    let none = FormErrors::none();
    let (into, errs) = failed.unwrap_or(("", &none));
    let mut m = html!(
        "<h2>{}</h2>{}<form method=\"post\" action=\"/households/{}/merge\" class=\"box\" id=\"merge-form\" novalidate><p class=\"muted\">{}</p>{}{}<button class=\"warn\" data-confirm=\"{}\">{}</button></form>",
        t(l, "household-merge-title"),
        error_box(l, &errs.lines),
        id,
        t(l, "household-merge-hint"),
        csrf_field(csrf),
        field(
            "into",
            &t(l, "household-merge-into"),
            into,
            errs.field("into"),
            "required inputmode=\"numeric\" autocomplete=\"off\""
        ),
        t(l, "household-merge-confirm"),
        t(l, "household-merge-submit")
    );
    if members == 0 {
        m.push(html!(
            "<h2>{}</h2><form method=\"post\" action=\"/households/{}/remove\" class=\"box\" id=\"remove-form\"><p class=\"muted\">{}</p>{}<button class=\"warn\" data-confirm=\"{}\">{}</button></form>",
            t(l, "household-remove-title"),
            id,
            t(l, "household-remove-hint"),
            csrf_field(csrf),
            t(l, "household-remove-confirm"),
            t(l, "household-remove-submit")
        ));
    }
    m
}

/// The values of the household form.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct HouseholdForm {
    pub address: String,
    pub kind: String,
}

/// The household form, blank or with the values and errors of a submission.
pub fn household_form(
    l: Lang,
    csrf: &str,
    action: &str,
    title: &str,
    f: &HouseholdForm,
    e: &FormErrors,
) -> Markup {
    let kind = if f.kind.is_empty() { "home" } else { &f.kind };
    html!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"{}\" class=\"box\" novalidate>{}{}{}<button>{}</button></form>",
        title,
        error_box(l, &e.lines),
        action,
        csrf_field(csrf),
        field("address", &t(l, "col-address"), &f.address, e.field("address"), "required maxlength=\"200\""),
        select("kind", &t(l, "col-kind"), &options(l, HOUSEHOLD_KINDS), kind, e.field("kind")),
        t(l, "save")
    )
}
