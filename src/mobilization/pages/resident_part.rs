//! Mobilization's part of a resident's page (see `registry::pages::parts`): the button to
//! record a care visit, for those who make them.

use crate::html;
use crate::i18n::t;
use crate::registry::pages::parts::ResidentPart;
use crate::registry::residents::ResidentView;
use crate::web::html::Markup;
use crate::web::pages::Ctx;

pub struct Part;

impl ResidentPart for Part {
    fn actions(&self, ctx: &Ctx, v: &ResidentView) -> Markup {
        if !crate::mobilization::can_visit(ctx.reader()) {
            return Markup::default();
        }
        html!(
            "<a class=\"btn alt\" id=\"record-visit\" href=\"/visits/new?resident={}\">{}</a>",
            v.id,
            t(ctx.lang, "visit-record")
        )
    }
}
