//! The zones' part of an area's page in the registry's browser (see
//! `registry::pages::parts::AreaPart`): beside the tallies, the zone in force over the area and
//! the households and people in each kind of zone inside it; a badge beside each child area and
//! household listed that a zone covers.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use crate::db::{now_ms, Db};
use crate::error::AppResult;
use crate::registry::areas::Area;
use crate::registry::pages::parts::{AreaBadges, AreaPart, Drawn};
use crate::web::html::Markup;
use crate::web::pages::Ctx;
use crate::zones::{self, figures};

pub struct Part;

impl AreaPart for Part {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, area: &'a Area) -> Drawn<'a> {
        Box::pin(async move {
            let r = ctx.reader();
            if !zones::can_read(r) {
                return Ok(Markup::default());
            }
            let now = now_ms();
            let over = zones::for_area(db, &area.path, now).await?;
            let f = figures::of_area(db, r, area, now, now).await?;
            Ok(super::views::area_section(
                ctx.lang,
                area,
                over.as_ref(),
                &f,
            ))
        })
    }

    fn badges<'a>(
        &'a self,
        db: &'a Db,
        ctx: &'a Ctx,
        children: &'a [String],
        households: &'a [i64],
    ) -> Pin<Box<dyn Future<Output = AppResult<AreaBadges>> + Send + 'a>> {
        Box::pin(async move {
            if !zones::can_read(ctx.reader()) {
                return Ok(AreaBadges::default());
            }
            let now = now_ms();
            let l = ctx.lang;
            let a: HashMap<String, Markup> = zones::for_areas(db, children, now)
                .await?
                .into_iter()
                .map(|(k, z)| (k, super::views::badge(l, &z)))
                .collect();
            let h: HashMap<i64, Markup> = zones::for_households(db, households, now)
                .await?
                .into_iter()
                .map(|(k, z)| (k, super::views::badge(l, &z)))
                .collect();
            Ok((a, h))
        })
    }
}
