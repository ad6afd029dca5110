//! Views of the import: its form, and a job's progress or report.

use crate::html;
use crate::i18n::field_label;
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::import::ImportPhase;
use crate::registry::jobs::Job;
use crate::web::html::{csrf_field, error_box, Markup};

/// The import form, with the errors of a refused upload.
pub fn import_form(l: Lang, csrf: &str, errors: &[String]) -> Markup {
    html!(
        "<h1>{}</h1><p>{}</p><p class=\"actions\"><a class=\"btn alt\" href=\"/import/template.xlsx\">{}</a><a class=\"btn alt\" href=\"/import/template.csv\">{}</a></p>{}\
         <form method=\"post\" action=\"/import\" enctype=\"multipart/form-data\" class=\"box\" id=\"import-form\">{}\
         <label class=\"field\"><span>{}</span><input type=\"file\" name=\"file\" accept=\".csv,.xlsx,text/csv\" required></label>\
         <label><input type=\"checkbox\" name=\"dry_run\" value=\"1\" checked> {}</label><p class=\"muted\">{}</p><button>{}</button></form>",
        t(l, "import-title"),
        t(l, "import-intro"),
        t(l, "import-template-xlsx"),
        t(l, "import-template-csv"),
        error_box(l, errors),
        csrf_field(csrf),
        t(l, "import-file"),
        t(l, "import-dry-run"),
        t(l, "import-dry-run-hint"),
        t(l, "import-submit")
    )
}

fn phase_name(l: Lang, p: ImportPhase) -> String {
    t(
        l,
        match p {
            ImportPhase::Read => "import-phase-read",
            ImportPhase::Check => "import-phase-check",
            ImportPhase::Write => "import-phase-write",
        },
    )
}

/// A job's page body: its progress while it runs, its report when it has ended.
pub fn job(l: Lang, j: &Job) -> Markup {
    let mut body = html!(
        "<h1>{}</h1><p class=\"muted\">{}</p>",
        t(l, "import-title"),
        j.file_name
    );
    let Some(outcome) = &j.outcome else {
        let (phase, done, total) = j
            .progress
            .map(|p| (phase_name(l, p.phase), p.done, p.total.max(p.done)))
            .unwrap_or_else(|| (t(l, "import-phase-read"), 0, 0));
        body.push(html!(
            "<p id=\"import-running\">{} — {}</p><progress value=\"{}\" max=\"{}\"></progress><p class=\"muted\">{}</p>",
            phase,
            ta(l, "import-rows-done", &[("done", Arg::N(done as i64)), ("total", Arg::N(total as i64))]),
            done,
            total.max(1),
            t(l, "import-wait")
        ));
        return body;
    };
    match outcome {
        Err(m) => body.push(error_box(l, &[m.get(l).to_owned()])),
        Ok(r) => {
            for n in &r.notes {
                body.push(html!("<p class=\"notice\">{}</p>", n.get(l)));
            }
            let verdict = if !r.errors.is_empty() {
                ta(
                    l,
                    "import-has-errors",
                    &[("n", Arg::N((r.errors.len() + r.more_errors) as i64))],
                )
            } else if r.committed {
                t(l, "import-committed")
            } else {
                t(l, "import-dry-ok")
            };
            body.push(html!(
                "<p id=\"import-verdict\" class=\"{}\">{}</p><dl class=\"kv\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
                if r.errors.is_empty() { "notice" } else { "errors" },
                verdict,
                t(l, "import-rows"),
                r.rows,
                t(l, "count-households"),
                r.households,
                t(l, "count-residents"),
                r.residents
            ));
            if !r.errors.is_empty() {
                body.push(html!(
                    "<table id=\"import-errors\"><tr><th class=\"n\">{}</th><th>{}</th><th>{}</th></tr>",
                    t(l, "import-row"),
                    t(l, "import-column"),
                    t(l, "import-problem")
                ));
                for e in r.errors.iter().take(1000) {
                    body.push(html!(
                        "<tr><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                        e.row.map(|n| n.to_string()).unwrap_or_default(),
                        field_label(e.field, l),
                        e.message.get(l)
                    ));
                }
                body.0.push_str("</table>");
                if r.errors.len() + r.more_errors > 1000 {
                    body.push(html!(
                        "<p class=\"muted\">{}</p>",
                        ta(
                            l,
                            "import-more-errors",
                            &[("n", Arg::N((r.errors.len() + r.more_errors) as i64 - 1000))]
                        )
                    ));
                }
            }
            if !r.committed && r.errors.is_empty() && j.dry_run {
                body.push(html!("<p>{}</p>", t(l, "import-dry-next")));
            }
        }
    }
    body.push(html!(
        "<p><a class=\"btn alt\" href=\"/import\">{}</a></p>",
        t(l, "import-again")
    ));
    body
}
