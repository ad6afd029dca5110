//! Views of residents: a resident's page (masked, or revealed after "break the glass"), the
//! form to register or correct one, and the search.

use serde::Deserialize;

use super::views::{checkboxes, member_rows, options, sex_text, term};
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::edit::Revealed;
use crate::registry::model::*;
use crate::registry::residents::{Page, ResidentInput, ResidentView};
use crate::web::html::{crumbs, csrf_field, error_box, field, select, Markup};
use crate::web::kit::FormErrors;
use crate::web::pages::next_link;

pub struct ResidentPage<'a> {
    pub v: &'a ResidentView,
    pub crumbs: Vec<(String, String)>,
    /// The full values after a reveal.
    pub revealed: Option<&'a Revealed>,
    /// A refused reveal's messages.
    pub errors: &'a [String],
    pub can_write: bool,
    /// Other capabilities' buttons (a care visit) and sections (test results), drawn by
    /// their parts.
    pub actions: Markup,
    pub can_reveal: bool,
    pub csrf: &'a str,
    pub sections: Markup,
}

pub fn resident(l: Lang, p: &ResidentPage) -> Markup {
    let v = p.v;
    let mut body = crumbs(&p.crumbs);
    let (doc, phone, birth) = match p.revealed {
        Some(x) => (
            html!("<span id=\"doc-full\">{}</span>", x.doc_number),
            x.phone.clone().unwrap_or_else(|| "—".into()),
            x.birth_date.clone().unwrap_or_else(|| "—".into()),
        ),
        None => (
            html!(
                "<span class=\"masked\" id=\"doc-masked\">{}</span>",
                v.doc_number_masked
            ),
            v.phone_masked.clone().unwrap_or_else(|| "—".into()),
            ta(
                l,
                "age-years",
                &[("age", Arg::N(v.age.unwrap_or_default()))],
            ),
        ),
    };
    let tags: Vec<String> = v.tags.iter().map(|c| term(l, TAGS, c)).collect();
    let cats: Vec<String> = v
        .party_categories
        .iter()
        .map(|c| term(l, PARTY_CATEGORIES, c))
        .collect();
    body.push(html!(
        "<h1>{}</h1><dl class=\"kv\" id=\"resident\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        v.name,
        term(l, DOC_TYPES, &v.doc_type),
        doc,
        t(l, "col-sex"),
        sex_text(l, v.sex),
        if p.revealed.is_some() { t(l, "col-birth-date") } else { t(l, "col-age") },
        birth,
        t(l, "col-phone"),
        phone,
        t(l, "col-relation"),
        term(l, RELATIONS, &v.relation),
        t(l, "col-tags"),
        if tags.is_empty() { "—".to_owned() } else { tags.join("、") },
        t(l, "col-health-note"),
        v.health_note.clone().unwrap_or_else(|| "—".into()),
        t(l, "col-party"),
        term(l, PARTY, v.party),
        t(l, "col-party-categories"),
        if cats.is_empty() { "—".to_owned() } else { cats.join("、") }
    ));
    let mut actions = html!(
        "<a class=\"btn alt\" href=\"/households/{}\">{}</a>",
        v.household_id,
        t(l, "household-open")
    );
    if p.can_write {
        actions.push(html!(
            "<a class=\"btn\" id=\"edit-resident\" href=\"/residents/{}/edit\">{}</a>",
            v.id,
            t(l, "resident-edit")
        ));
    }
    actions.push(p.actions.clone());
    body.push(html!("<div class=\"actions\">{}</div>", actions));
    body.push(p.sections.clone());
    if let Some(x) = p.revealed {
        body.push(html!(
            "<p class=\"notice\" role=\"status\">{}</p>",
            ta(l, "reveal-done", &[("seq", Arg::N(x.audit_seq))])
        ));
    } else if p.can_reveal {
        body.push(html!(
            "<h2>{}</h2>{}<form method=\"post\" action=\"/residents/{}/reveal\" class=\"box\" id=\"reveal-form\">{}{}<button>{}</button></form>",
            t(l, "reveal-title"),
            error_box(l, p.errors),
            v.id,
            csrf_field(p.csrf),
            field("reason", &t(l, "field-reason"), "", None, "required minlength=\"4\" maxlength=\"200\""),
            t(l, "reveal-submit")
        ));
    }
    body
}

/// The values of the resident form (the tags and party categories ticked, as lists).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResidentForm {
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub sex: String,
    pub birth_date: String,
    pub phone: String,
    pub relation: String,
    pub tags: Vec<String>,
    pub health_note: String,
    pub party: String,
    pub party_categories: Vec<String>,
}

impl ResidentForm {
    /// What the engine validates: blank fields absent, the lists joined.
    pub fn input(&self) -> ResidentInput {
        let opt = |v: &str| Some(v.to_owned()).filter(|s| !s.trim().is_empty());
        let list = |v: &[String]| Some(v.join(",")).filter(|s| !s.is_empty());
        ResidentInput {
            name: self.name.clone(),
            doc_type: opt(&self.doc_type),
            doc_number: self.doc_number.clone(),
            sex: opt(&self.sex),
            birth_date: opt(&self.birth_date),
            phone: opt(&self.phone),
            relation: opt(&self.relation),
            tags: list(&self.tags),
            health_note: opt(&self.health_note),
            party: opt(&self.party),
            party_categories: list(&self.party_categories),
        }
    }

    /// A stored resident's values as shown for correction (identifiers masked).
    pub fn of(v: &ResidentView) -> ResidentForm {
        let codes = |c: &[&str]| c.iter().map(|c| c.to_string()).collect();
        ResidentForm {
            name: v.name.clone(),
            doc_type: v.doc_type.clone(),
            doc_number: v.doc_number_masked.clone(),
            sex: v.sex.to_string(),
            birth_date: String::new(),
            phone: v.phone_masked.clone().unwrap_or_default(),
            relation: v.relation.clone(),
            tags: codes(&v.tags),
            health_note: v.health_note.clone().unwrap_or_default(),
            party: v.party.to_owned(),
            party_categories: codes(&v.party_categories),
        }
    }
}

/// The resident form, blank or with the values and errors of a submission.
pub fn resident_form(
    l: Lang,
    csrf: &str,
    action: &str,
    title: &str,
    f: &ResidentForm,
    e: &FormErrors,
) -> Markup {
    let er = |k: &str| e.field(k);
    let or = |v: &str, d: &'static str| -> String {
        if v.is_empty() {
            d.to_owned()
        } else {
            v.to_owned()
        }
    };
    let sexes = vec![
        (String::new(), t(l, "sex-from-id")),
        ("1".to_owned(), t(l, "sex-male")),
        ("2".to_owned(), t(l, "sex-female")),
    ];
    let sex = match f.sex.as_str() {
        "男" | "M" | "m" | "1" => "1",
        "女" | "F" | "f" | "2" => "2",
        _ => "",
    };
    html!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"{}\" class=\"box\" id=\"resident-form\" novalidate>{}{}{}{}{}{}{}{}{}{}{}{}<button id=\"resident-save\">{}</button></form>",
        title,
        error_box(l, &e.lines),
        action,
        csrf_field(csrf),
        field("name", &t(l, "col-name"), &f.name, er("name"), "required maxlength=\"50\""),
        select("doc_type", &t(l, "col-doc-type"), &options(l, DOC_TYPES), &or(&f.doc_type, "id_card"), er("doc_type")),
        field("doc_number", &t(l, "col-doc"), &f.doc_number, er("doc_number"), "required autocomplete=\"off\""),
        select("sex", &t(l, "col-sex"), &sexes, sex, er("sex")),
        field("birth_date", &t(l, "col-birth-date"), &f.birth_date, er("birth_date"), "type=\"date\""),
        field("phone", &t(l, "col-phone"), &f.phone, er("phone"), "inputmode=\"tel\" autocomplete=\"off\""),
        select("relation", &t(l, "col-relation"), &options(l, RELATIONS), &or(&f.relation, "other"), er("relation")),
        checkboxes("tags", &t(l, "col-tags"), l, TAGS, &refs(&f.tags), er("tags")),
        field("health_note", &t(l, "col-health-note"), &f.health_note, er("health_note"), "maxlength=\"200\""),
        select("party", &t(l, "col-party"), &options(l, PARTY), &or(&f.party, "none"), er("party")),
        checkboxes("party_categories", &t(l, "col-party-categories"), l, PARTY_CATEGORIES, &refs(&f.party_categories), er("party_categories")),
        t(l, "save")
    )
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The search form, and its results when a term was given.
pub fn search(l: Lang, term_q: &str, results: Option<&Page<ResidentView>>) -> Markup {
    let mut body = html!(
        "<h1>{}</h1><form method=\"get\" action=\"/search\" class=\"box filters\" role=\"search\">{}<button>{}</button></form><p class=\"muted\">{}</p>",
        t(l, "search-title"),
        field("q", &t(l, "search-label"), term_q, None, "autofocus"),
        t(l, "search-submit"),
        t(l, "search-hint")
    );
    if let Some(page) = results {
        if page.items.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-results\">{}</p>",
                t(l, "search-none")
            ));
        } else {
            body.push(member_rows(l, &page.items));
        }
        body.push(next_link(
            l,
            "/search",
            &[("q", term_q)],
            page.next.as_deref(),
        ));
    }
    body
}
