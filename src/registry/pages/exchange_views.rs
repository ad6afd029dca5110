//! Views of the import: its form, and a job's progress or report.

use crate::html;
use crate::i18n::field_label;
use crate::i18n::{t, ta, Arg, Lang};
use crate::registry::areas::GridCode;
use crate::registry::import::ImportPhase;
use crate::registry::jobs::Job;
use crate::web::html::{csrf_field, error_box, Markup};

/// The import form, with the errors of a refused upload, and the grids within the importer's
/// scope with their codes (what the first column takes; a community's code does too).
pub fn import_form(
    l: Lang,
    csrf: &str,
    errors: &[String],
    grids: &[GridCode],
    more: bool,
) -> Markup {
    let (c_code, c_community) = (t(l, "col-code"), t(l, "col-community"));
    maud::html! {
        h1 { (t(l, "import-title")) }
        p { (t(l, "import-intro")) }
        p.actions {
            a.btn.alt href="/import/template.xlsx" { (t(l, "import-template-xlsx")) }
            a.btn.alt href="/import/template.csv" { (t(l, "import-template-csv")) }
        }
        (error_box(l, errors))
        form.box #import-form method="post" action="/import" enctype="multipart/form-data" {
            (csrf_field(csrf))
            label.field {
                span { (t(l, "import-file")) }
                input type="file" name="file" accept=".csv,.xlsx,text/csv" required;
            }
            label { input type="checkbox" name="dry_run" value="1" checked; " " (t(l, "import-dry-run")) }
            p.muted { (t(l, "import-dry-run-hint")) }
            button { (t(l, "import-submit")) }
        }
        h2 { (t(l, "import-grids-title")) }
        p.muted { (t(l, "import-grids-hint")) }
        @if grids.is_empty() {
            p.muted #import-grids-none { (t(l, "import-grids-none")) }
        } @else {
            table.stack #import-grids {
                thead { tr { th { (t(l, "col-grid")) } th { (c_code) } th { (c_community) } } }
                tbody {
                    @for g in grids {
                        tr {
                            td { (g.name) }
                            td data-label=(c_code) { code { (g.code) } }
                            td data-label=(c_community) { (g.community) }
                        }
                    }
                }
            }
            @if more { p.muted { (t(l, "import-grids-more")) } }
        }
    }
    .into()
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
pub fn job(l: Lang, csrf: &str, id: &str, j: &Job) -> Markup {
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
                let cols = [
                    t(l, "import-row"),
                    t(l, "import-column"),
                    t(l, "import-problem"),
                ];
                body.push(maud::html! {
                    table.stack #import-errors {
                        thead { tr { th.n { (cols[0]) } th { (cols[1]) } th { (cols[2]) } } }
                        tbody {
                            @for e in r.errors.iter().take(1000) {
                                tr {
                                    td.n data-label=(cols[0]) { (e.row.map(|n| n.to_string()).unwrap_or_default()) }
                                    td data-label=(cols[1]) { (field_label(e.field, l)) }
                                    td data-label=(cols[2]) { (e.message.get(l)) }
                                }
                            }
                        }
                    }
                }.into());
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
                if j.can_import_now() {
                    body.push(maud::html! {
                        form.box #import-now method="post" action={ "/import/jobs/" (id) "/import" } {
                            (csrf_field(csrf))
                            p { (t(l, "import-now-hint")) }
                            button data-confirm=(t(l, "import-now-confirm")) { (t(l, "import-now")) }
                        }
                    }.into());
                } else {
                    body.push(html!("<p>{}</p>", t(l, "import-dry-next")));
                }
            }
        }
    }
    body.push(html!(
        "<p><a class=\"btn alt\" href=\"/import\">{}</a></p>",
        t(l, "import-again")
    ));
    body
}
