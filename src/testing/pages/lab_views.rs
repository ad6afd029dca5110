//! The lab's page as markup.

use crate::html;

use crate::i18n::{t, ta, Arg, Lang};
use crate::testing::results::{ResultsReport, RESULTS};
use crate::testing::Round;
use crate::web::html::{csrf_field, error_box, field, select, Markup};
use crate::web::pages::Ctx;

fn result_options(l: Lang) -> Vec<(String, String)> {
    RESULTS
        .iter()
        .map(|x| {
            (
                x.0.to_owned(),
                (if l == Lang::Zh { x.2 } else { x.1 }).to_owned(),
            )
        })
        .collect()
}

fn report_box(l: Lang, r: &ResultsReport) -> Markup {
    html!(
        "<div class=\"notice\" role=\"status\" id=\"report\"><b>{}</b><ul><li>{}</li><li>{}</li><li>{}</li><li>{}</li><li>{}</li></ul></div>",
        ta(l, "results-recorded", &[("n", Arg::N(r.tubes as i64)), ("same", Arg::N(r.unchanged as i64))]),
        ta(l, "results-negative-people", &[("n", Arg::N(r.negative_people as i64))]),
        ta(l, "results-positive-people", &[("n", Arg::N(r.positive_people as i64))]),
        ta(l, "results-retests", &[("n", Arg::N(r.retests_due as i64))]),
        ta(l, "results-resamples", &[("n", Arg::N(r.resamples_due as i64))]),
        t(l, "results-all-or-nothing-ok")
    )
}

/// Positive results waiting for the lab's confirmation before they are recorded.
pub(super) enum Confirm {
    /// One tube entered as positive.
    One { tube: String },
    /// A results file with positives: how many, of how many tubes, and the file's text to send
    /// again.
    File {
        positives: usize,
        tubes: usize,
        content: String,
    },
}

fn confirm_box(ctx: &Ctx, round: &Round, c: &Confirm) -> Markup {
    let l = ctx.lang;
    match c {
        Confirm::One { tube } => {
            let q = ta(l, "results-confirm-one", &[("tube", Arg::S(tube.clone()))]);
            maud::html! {
                form.box.warn #confirm-positive method="post" action={ "/testing/rounds/" (round.id) "/results/one" } {
                    (csrf_field(&ctx.session.csrf))
                    p { b { (q) } }
                    input type="hidden" name="tube" value=(tube);
                    input type="hidden" name="result" value="positive";
                    input type="hidden" name="confirm" value="1";
                    div.actions {
                        button.warn type="submit" data-confirm=(q) { (t(l, "results-confirm-submit")) }
                        a.btn.alt href={ "/testing/rounds/" (round.id) "/results" } { (t(l, "results-confirm-cancel")) }
                    }
                }
            }
            .into()
        }
        Confirm::File {
            positives,
            tubes,
            content,
        } => {
            let q = ta(
                l,
                "results-confirm-file",
                &[
                    ("n", Arg::N(*positives as i64)),
                    ("tubes", Arg::N(*tubes as i64)),
                ],
            );
            maud::html! {
                form.box.warn #confirm-positive method="post" action={ "/testing/rounds/" (round.id) "/results" } enctype="multipart/form-data" {
                    (csrf_field(&ctx.session.csrf))
                    p { b { (q) } }
                    input type="hidden" name="confirm" value="1";
                    textarea name="content" hidden { (content) }
                    div.actions {
                        button.warn type="submit" data-confirm=(q) { (t(l, "results-confirm-submit")) }
                        a.btn.alt href={ "/testing/rounds/" (round.id) "/results" } { (t(l, "results-confirm-cancel")) }
                    }
                }
            }
            .into()
        }
    }
}

/// The lab's page: what was recorded (or every problem), the tubes waiting for a result, the
/// upload form and the form for a single tube.
#[allow(clippy::too_many_arguments)]
pub(super) fn results_body(
    ctx: &Ctx,
    round: &Round,
    crumbs: Markup,
    (n, list): (i64, Vec<String>),
    report: Option<&ResultsReport>,
    errors: &[String],
    one: (&str, &str),
    confirm: Option<&Confirm>,
) -> Markup {
    let l = ctx.lang;
    let mut body = crumbs;
    body.push(html!("<h1>{}</h1>", t(l, "results-title")));
    if let Some(c) = confirm {
        body.push(confirm_box(ctx, round, c));
    }
    if let Some(r) = report {
        body.push(report_box(l, r));
    }
    if !errors.is_empty() {
        body.push(html!(
            "<p class=\"errors\" id=\"results-refused\">{}</p>",
            ta(l, "results-refused", &[("n", Arg::N(errors.len() as i64))])
        ));
        body.push(error_box(l, errors));
    }
    body.push(html!(
        "<p id=\"awaiting\"><b>{}</b></p>",
        ta(l, "results-awaiting", &[("n", Arg::N(n))])
    ));
    if !list.is_empty() {
        let more = if n > list.len() as i64 { " …" } else { "" };
        body.push(html!(
            "<p class=\"mono small\">{}{}</p>",
            list.join(" "),
            more
        ));
    }
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/testing/rounds/{}/results\" enctype=\"multipart/form-data\" class=\"box\" id=\"results-upload\">{}<p class=\"muted\">{}</p><label class=\"field\"><span>{}</span><input type=\"file\" name=\"file\" accept=\".csv,.txt,text/csv\" required></label><button>{}</button></form>",
        t(l, "results-upload"),
        round.id,
        csrf_field(&ctx.session.csrf),
        t(l, "results-upload-hint"),
        t(l, "results-file"),
        t(l, "results-upload-submit")
    ));
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/testing/rounds/{}/results/one\" class=\"box filters\" id=\"results-one\">{}{}{}<button>{}</button></form>",
        t(l, "results-one"),
        round.id,
        csrf_field(&ctx.session.csrf),
        field("tube", &t(l, "tube-barcode"), one.0, None, "required autocomplete=\"off\""),
        select("result", &t(l, "tube-result"), &result_options(l), if one.1.is_empty() { "negative" } else { one.1 }, None),
        t(l, "save")
    ));
    body
}
