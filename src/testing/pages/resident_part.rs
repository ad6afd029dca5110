//! Testing's part of a resident's page (see `registry::pages::parts`): the personal code a
//! collector scans and the latest test results.

use crate::db::Db;
use crate::html;
use crate::i18n::{t, Lang};
use crate::registry::pages::parts::{Drawn, ResidentPart};
use crate::registry::residents::ResidentView;
use crate::testing::results::{self, PersonResult};
use crate::web::html::Markup;
use crate::web::pages::Ctx;

use super::person_status_tag;

pub struct Part;

impl ResidentPart for Part {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, v: &'a ResidentView) -> Drawn<'a> {
        Box::pin(async move {
            let scope = ctx.reader().registry_scope();
            let tests = results::latest(db, &scope, v.id, 5).await?;
            let code = crate::testing::resident_code(&crate::testing::qr_secret(db).await?, v.id);
            Ok(test_results(ctx.lang, &code, &tests))
        })
    }
}

/// The resident's latest test results and personal code (what a collector scans).
fn test_results(l: Lang, code: &str, list: &[PersonResult]) -> Markup {
    let mut m = html!(
        "<h2>{}</h2><p class=\"muted\">{} <code id=\"personal-code\">{}</code></p>",
        t(l, "resident-tests"),
        t(l, "resident-code"),
        code
    );
    if list.is_empty() {
        m.push(html!(
            "<p class=\"muted\" id=\"no-tests\">{}</p>",
            t(l, "resident-no-tests")
        ));
        return m;
    }
    m.push(html!(
        "<table class=\"stack\" id=\"tests\"><thead><tr><th>{}</th><th>{}</th><th class=\"opt\">{}</th></tr></thead><tbody>",
        t(l, "resident-test-round"),
        t(l, "field-status"),
        t(l, "resident-test-sampled")
    ));
    for x in list {
        m.push(html!(
            "<tr><td><a href=\"/testing/rounds/{}\">{}</a></td><td data-label=\"{}\">{}</td><td class=\"opt nowrap\" data-label=\"{}\">{}<span class=\"sub mono\">{}</span></td></tr>",
            x.round_id,
            x.round_name,
            t(l, "field-status"),
            person_status_tag(l, &x.status),
            t(l, "resident-test-sampled"),
            crate::web::html::datetime(x.first_ms)[..16].to_owned(),
            x.barcode
        ));
    }
    m.0.push_str("</tbody></table>");
    m
}
