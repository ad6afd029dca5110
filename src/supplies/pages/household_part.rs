//! The supplies' part of a household's page (see `registry::pages::parts`): what the household
//! received, summed per item (how much, in how many handouts, the last one), for registry
//! readers in scope only. The public disclosure never names a household: it sums to the
//! community.

use std::collections::BTreeMap;

use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::{ta, Arg};
use crate::registry::pages::parts::{Drawn, HouseholdPart};
use crate::supplies::goods;
use crate::web::html::{minutes, Markup};
use crate::web::pages::Ctx;

pub struct Part;

impl HouseholdPart for Part {
    fn section<'a>(&'a self, db: &'a Db, ctx: &'a Ctx, household: i64) -> Drawn<'a> {
        Box::pin(section(db, ctx, household))
    }
}

/// Per item: units received, handouts, the last handout's time.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Received {
    pub qty: i64,
    pub handouts: i64,
    pub last_ms: i64,
}

/// The household's handouts summed per item (scoped as [`goods::household_handouts`]).
pub async fn received(
    db: &Db,
    r: &crate::access::Reader,
    household: i64,
) -> AppResult<BTreeMap<i64, Received>> {
    let mut per: BTreeMap<i64, Received> = BTreeMap::new();
    for h in goods::household_handouts(db, r, household).await? {
        let e = per.entry(h.item_id).or_default();
        e.qty += h.qty;
        e.handouts += 1;
        e.last_ms = e.last_ms.max(h.at_ms);
    }
    Ok(per)
}

async fn section(db: &Db, ctx: &Ctx, household: i64) -> AppResult<Markup> {
    let per = match received(db, ctx.reader(), household).await {
        Ok(p) => p,
        Err(AppError::NotFound) => return Ok(Markup::default()),
        Err(e) => return Err(e),
    };
    if per.is_empty() {
        return Ok(Markup::default());
    }
    let items: BTreeMap<i64, goods::Item> = goods::items(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let l = ctx.lang;
    Ok(maud::html! {
        section #household-handouts {
            h2 { (ctx.t("sup-hh-received")) }
            ul {
                @for (id, r) in &per {
                    @if let Some(i) = items.get(id) {
                        li {
                            b { (i.title(l)) } " "
                            (i.amount(r.qty, l)) " · "
                            (ta(l, "sup-hh-handouts", &[("n", Arg::N(r.handouts)), ("d", Arg::S(minutes(r.last_ms)))]))
                        }
                    }
                }
            }
        }
    }
    .into())
}
