//! The public sign-up's views: the form behind a link, the look-up of an application by its
//! reference and the application's status.

use crate::html;
use crate::i18n::{t, Lang};
use crate::mobilization::volunteers::{Link, SignUp};
use crate::mobilization::{label, POLITICAL, SKILLS, STATUSES, WEEKDAYS};
use crate::registry::model::DOC_TYPES;
use crate::web::html::vocab_options;
use crate::web::html::{error_box, field, select, url_enc, Markup};

/// Checkboxes for a vocabulary.
pub(crate) fn checkboxes(
    name: &str,
    legend: &str,
    v: crate::mobilization::Vocab,
    l: Lang,
    checked: &[&str],
) -> Markup {
    crate::web::html::checkboxes(name, legend, &vocab_options(v, l), checked, None)
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The sign-up form of a link (`area`: the name of its area), with the values as sent and the
/// problems when it came back.
pub(super) fn form(
    l: Lang,
    link: &Link,
    area: &str,
    units: &[(i64, String)],
    f: &SignUp,
    errors: &[String],
) -> Markup {
    let mut unit_opts = vec![(String::new(), t(l, "mob-unit-none"))];
    unit_opts.extend(units.iter().map(|(id, n)| (id.to_string(), n.clone())));
    let docs: Vec<(String, String)> = DOC_TYPES
        .iter()
        .map(|d| {
            (
                d.code.to_owned(),
                (if l == Lang::Zh { d.zh } else { d.en }).to_owned(),
            )
        })
        .collect();
    let ticked = |on: bool| if on { " checked" } else { "" };
    html!(
        "<h1>{}</h1><p class=\"muted\">{} · {}</p>{}\
<form method=\"post\" action=\"/join/{}\" class=\"box\" id=\"signup-form\">\
<h2>{}</h2>{}{}{}{}\
<h2>{}</h2>{}{}{}\
<h2>{}</h2>{}{}\
<h2>{}</h2>{}<div class=\"two\">{}{}</div><div class=\"two\">{}{}</div><p class=\"muted\">{}</p>\
<h2>{}</h2><label class=\"check\"><input type=\"checkbox\" name=\"health_ok\" value=\"1\"{}> <span>{}</span></label>{}\
<label class=\"check\"><input type=\"checkbox\" name=\"wants_account\" value=\"1\"{}> <span>{}</span></label>\
<p class=\"muted\">{}</p><button>{}</button></form>\
<p><a class=\"btn alt\" href=\"/join/status\">{}</a></p>",
        link.title,
        t(l, "mob-join-intro"),
        area,
        error_box(l, errors),
        url_enc(&link.token),
        t(l, "mob-join-person"),
        field("name", &t(l, "mob-f-name"), &f.name, None, "required maxlength=\"50\" autocomplete=\"name\""),
        select("doc_type", &t(l, "mob-f-doc-type"), &docs, &f.doc_type, None),
        field("doc_number", &t(l, "mob-f-doc-number"), &f.doc_number, None, "required maxlength=\"30\" autocomplete=\"off\""),
        field("phone", &t(l, "mob-f-phone"), &f.phone, None, "required inputmode=\"tel\" maxlength=\"20\" autocomplete=\"tel\""),
        t(l, "mob-join-unit"),
        select("unit", &t(l, "mob-f-unit"), &unit_opts, &f.unit, None),
        field("unit_text", &t(l, "mob-f-unit-other"), &f.unit_text, None, "maxlength=\"100\""),
        select("political", &t(l, "mob-f-political"), &vocab_options(POLITICAL, l), if f.political.is_empty() { "none" } else { f.political.as_str() }, None),
        t(l, "mob-join-skills"),
        checkboxes("skills", &t(l, "mob-f-skills"), SKILLS, l, &strs(&f.skills)),
        field("skills_note", &t(l, "mob-f-skills-note"), &f.skills_note, None, "maxlength=\"200\""),
        t(l, "mob-join-when"),
        checkboxes("days", &t(l, "mob-f-days"), WEEKDAYS, l, &strs(&f.days)),
        field("from", &t(l, "mob-f-from"), &f.from, None, "type=\"time\""),
        field("to", &t(l, "mob-f-to"), &f.to, None, "type=\"time\""),
        field("avail_from", &t(l, "mob-f-avail-from"), &f.avail_from, None, "type=\"date\""),
        field("avail_to", &t(l, "mob-f-avail-to"), &f.avail_to, None, "type=\"date\""),
        t(l, "mob-join-when-hint"),
        t(l, "mob-join-health"),
        Markup(ticked(f.health_ok).into()),
        t(l, "mob-f-health"),
        field("health_note", &t(l, "mob-f-health-note"), &f.health_note, None, "maxlength=\"200\""),
        Markup(ticked(f.wants_account).into()),
        t(l, "mob-f-wants-account"),
        t(l, "mob-join-privacy"),
        t(l, "mob-join-submit"),
        t(l, "mob-status-lookup")
    )
}

/// The form to look an application up by its reference.
pub(super) fn lookup(l: Lang) -> Markup {
    html!(
        "<h1>{}</h1><form method=\"get\" action=\"/join/status\" class=\"box\">{}<button>{}</button></form>",
        t(l, "mob-status-title"),
        field("ref", &t(l, "mob-f-ref"), "", None, "required maxlength=\"20\" autocomplete=\"off\""),
        t(l, "mob-status-look")
    )
}

/// An application as its volunteer sees it (by reference).
pub(super) struct Application {
    pub reference: String,
    pub name: String,
    pub status: String,
    pub reason: String,
    pub title: String,
    /// Just sent: show the reference to keep.
    pub new: bool,
    pub can_withdraw: bool,
}

pub(super) fn status(l: Lang, a: &Application) -> Markup {
    let mut body = Markup::default();
    if a.new {
        body.push(html!(
            "<div class=\"notice\" role=\"status\" id=\"signup-done\"><b>{}</b><p>{}</p><p class=\"refcode\" id=\"ref-code\">{}</p><p class=\"muted\">{}</p><button type=\"button\" class=\"alt\" data-print>{}</button></div>",
            t(l, "mob-done-title"),
            t(l, "mob-done-keep"),
            a.reference,
            t(l, "mob-done-next"),
            t(l, "mob-print")
        ));
    }
    body.push(html!(
        "<h1>{}</h1><dl class=\"kv\" id=\"application\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd class=\"mono\">{}</dd><dt>{}</dt><dd><span class=\"tag\" id=\"app-status\">{}</span></dd>{}</dl>",
        t(l, "mob-status-title"),
        t(l, "mob-f-name"),
        a.name,
        t(l, "mob-status-for"),
        a.title,
        t(l, "mob-f-ref"),
        a.reference,
        t(l, "mob-f-status"),
        label(STATUSES, &a.status, l),
        if a.reason.is_empty() {
            Markup::default()
        } else {
            html!("<dt>{}</dt><dd>{}</dd>", t(l, "mob-f-reason"), a.reason)
        }
    ));
    if a.can_withdraw {
        body.push(html!(
            "<form method=\"post\" action=\"/join/status/{}/withdraw\" class=\"inline\"><button class=\"alt\" data-confirm=\"{}\">{}</button></form>",
            url_enc(&a.reference),
            t(l, "mob-withdraw-confirm"),
            t(l, "mob-withdraw")
        ));
    }
    body
}
