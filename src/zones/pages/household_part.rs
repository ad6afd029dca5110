//! The zones' part of a household's page (see `registry::pages::parts`): the zone in force
//! over the household, and for HQ and street officers the link to declare one over it.

use crate::db::{now_ms, Db};
use crate::registry::pages::parts::{Drawn, HouseholdPart};
use crate::web::html::Markup;
use crate::web::pages::Ctx;

pub struct Part;

impl HouseholdPart for Part {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, household: i64) -> Drawn<'a> {
        Box::pin(async move {
            let r = ctx.reader();
            if !crate::zones::can_read(r) {
                return Ok(Markup::default());
            }
            // The registry's page has checked the household is within the reader's scope.
            let z = crate::zones::for_household(db, household, now_ms()).await?;
            Ok(super::views::household_section(
                ctx.lang,
                household,
                z.as_ref(),
                crate::zones::can_declare(r),
            ))
        })
    }
}
