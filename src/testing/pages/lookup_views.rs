//! Tube lookup and the walk-ins waiting for a grid worker, as markup.

use crate::html;
use std::collections::HashMap;

use super::views::{person_status, result_tag};
use crate::i18n::{t, Lang};
use crate::testing::results::{TubeView, Walkin};
use crate::testing::Round;
use crate::web::html::{clock, minutes};
use crate::web::html::{crumbs, csrf_field, error_box, field, notice, url_enc, Markup};
use crate::web::pages::Ctx;

/// The tube lookup's form, with the barcode asked for.
pub(super) fn tube_form(l: Lang, round: &Round, barcode: &str) -> Markup {
    let mut body = Markup::default();
    body.push(html!(
        "<h1>{}</h1><form method=\"get\" action=\"/testing/rounds/{}/tubes\" class=\"box filters\" role=\"search\">{}<button>{}</button></form>",
        t(l, "tube-title"),
        round.id,
        field("barcode", &t(l, "tube-barcode"), barcode, None, "autofocus autocomplete=\"off\""),
        t(l, "tube-find")
    ));
    body
}

/// What is in a tube.
pub(super) fn tube_body(l: Lang, tv: &TubeView) -> Markup {
    let mut body = Markup::default();
    body.push(html!(
        "<dl class=\"kv\" id=\"tube\"><dt>{}</dt><dd class=\"mono\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} / {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "tube-barcode"),
        tv.barcode,
        t(l, "collect-site"),
        tv.site_name,
        t(l, "tube-people"),
        tv.n,
        if tv.capacity == 0 { t(l, "testing-pool-household") } else { tv.capacity.to_string() },
        t(l, "tube-opened"),
        minutes(tv.opened_ms),
        t(l, "tube-closed"),
        tv.closed_ms.map(minutes).unwrap_or_else(|| t(l, "tube-still-open")),
        t(l, "tube-result"),
        result_tag(l, tv.result.as_deref())
    ));
    body.push(html!(
        "<table class=\"wide stack\" id=\"tube-people\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"opt\">{}</th></tr></thead><tbody>",
        t(l, "col-name"),
        t(l, "tube-taken"),
        t(l, "field-status"),
        t(l, "tube-note")
    ));
    let (c_taken, c_status, c_note) = (t(l, "tube-taken"), t(l, "field-status"), t(l, "tube-note"));
    for p in &tv.people {
        let name = match p.resident_id {
            Some(rid) => html!("<a href=\"/residents/{}\">{}</a>", rid, p.name),
            None => html!(
                "{} <span class=\"tag\">{}</span>",
                p.name,
                t(l, "walkin-tag")
            ),
        };
        let mut note = Vec::new();
        if p.duplicate {
            note.push(t(l, "tube-duplicate"));
        }
        if p.retest {
            note.push(t(l, "tube-retest"));
        }
        body.push(html!(
            "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\" data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td class=\"opt\" data-label=\"{}\">{}</td></tr>",
            name,
            c_taken,
            clock(p.taken_ms),
            c_status,
            p.status.as_deref().map(|s| person_status(l, s)).unwrap_or_else(|| "—".into()),
            c_note,
            note.join("、")
        ));
    }
    body.0.push_str("</tbody></table>");
    body
}

/// The walk-ins waiting for a grid worker, with the (code, name) of their sites' areas.
pub(super) fn walkins_body(
    ctx: &Ctx,
    list: &[Walkin],
    names: &HashMap<String, (String, String)>,
    grids: &HashMap<String, Vec<(String, String)>>,
    done: &str,
    errors: &[String],
) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let mut body = crumbs(&[
        (t(l, "nav-testing"), "/testing".to_owned()),
        (t(l, "walkins-title"), String::new()),
    ]);
    body.push(html!(
        "<h1>{}</h1><p class=\"muted\">{}</p>",
        t(l, "walkins-title"),
        t(l, "walkins-intro")
    ));
    match done {
        "link" => body.push(notice(&t(l, "walkins-linked"))),
        "dismiss" => body.push(notice(&t(l, "walkins-dismissed"))),
        "grid" => body.push(notice(&t(l, "walkins-grid-done"))),
        _ => {}
    }
    body.push(error_box(l, errors));
    if list.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-walkins\">{}</p>",
            t(l, "walkins-none")
        ));
    }
    let writes = r.can_write_registry();
    body.push(Markup("<ul class=\"walkins\" id=\"walkins\">".into()));
    for w in list {
        let (code, place) = names.get(&w.site_path).cloned().unwrap_or_default();
        let doc = crate::registry::model::DOC_TYPES
            .iter()
            .find(|d| d.code == w.doc_type)
            .map(|d| if l == Lang::Zh { d.zh } else { d.en })
            .unwrap_or(&w.doc_type);
        let mut actions = Markup::default();
        if writes {
            actions = html!(
                "<div class=\"actions noprint\"><a class=\"btn alt\" href=\"/areas/{}?view=households\">{}</a>\
                 <form method=\"post\" action=\"/testing/walkins/{}/link\" class=\"inline\">{}<button>{}</button></form>\
                 <form method=\"post\" action=\"/testing/walkins/{}/dismiss\" class=\"inline\">{}<button class=\"alt\" data-confirm=\"{}\">{}</button></form></div>",
                url_enc(&code),
                t(l, "walkins-register"),
                w.id,
                csrf_field(&ctx.session.csrf),
                t(l, "walkins-link"),
                w.id,
                csrf_field(&ctx.session.csrf),
                t(l, "walkins-dismiss-confirm"),
                t(l, "walkins-dismiss")
            );
        }
        // Filed under a community: a grid of it can be chosen, so its workers see them.
        if let Some(g) = grids.get(&w.site_path).filter(|g| !g.is_empty() && writes) {
            actions.push(
                maud::html! {
                    form.inline.walkin-grid method="post" action={ "/testing/walkins/" (w.id) "/grid" } {
                        (csrf_field(&ctx.session.csrf))
                        select name="grid" aria-label=(t(l, "walkins-grid")) {
                            @for (code, name) in g { option value=(code) { (name) } }
                        }
                        " "
                        button.alt type="submit" { (t(l, "walkins-grid")) }
                    }
                }
                .into(),
            );
        }
        // The whole number for those who register walk-ins (recorded as a reveal).
        let number = if w.doc_number.is_empty() {
            html!("<span class=\"masked\">{}</span>", w.doc_number_masked)
        } else {
            html!("<span class=\"mono doc-full\">{}</span>", w.doc_number)
        };
        body.push(html!(
            "<li id=\"walkin-{}\"><b>{}</b> {}<span class=\"sub\">{} {} · {} <span class=\"masked\">{}</span></span><span class=\"sub\">{} · {} · {} <span class=\"mono\">{}</span> · {}</span>{}</li>",
            w.id,
            w.name,
            result_tag(l, w.tube_result.as_deref()),
            doc,
            number,
            t(l, "col-phone"),
            w.phone_masked.clone().unwrap_or_else(|| "—".into()),
            w.round_name,
            place,
            t(l, "tube-barcode"),
            w.barcode,
            minutes(w.taken_ms),
            actions
        ));
    }
    body.0.push_str("</ul>");
    body
}
