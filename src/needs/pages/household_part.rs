//! The needs' part of a household's page (see `registry::pages::parts`): its needs, open
//! first, with the link to register one.

use crate::db::Db;
use crate::registry::pages::parts::{Drawn, HouseholdPart};
use crate::web::pages::Ctx;

pub struct Part;

impl HouseholdPart for Part {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, household: i64) -> Drawn<'a> {
        Box::pin(super::staff::household_section(db, ctx, household))
    }
}
