//! The zones' part in household changes (see `registry::watch`): a merged household's own
//! zones follow its people to the household they joined; a removed household's zones stay as
//! history without the household reference (the figures keep their head-count).

use crate::args;
use crate::db::Tx;
use crate::registry::watch::{Hook, HouseholdWatcher, Merge};

pub struct Watcher;

impl HouseholdWatcher for Watcher {
    fn merging<'a>(&'a self, tx: &'a mut Tx, m: &'a Merge) -> Hook<'a> {
        Box::pin(async move {
            tx.execute(
                "UPDATE zones SET household_id = $1, area_path = $2, community_id = $3, \
                 area_id = (SELECT area_id FROM households WHERE id = $1) \
                 WHERE target = 'household' AND household_id = $4",
                args![m.into, m.into_path.as_str(), m.into_community, m.from],
            )
            .await?;
            Ok(())
        })
    }

    fn removed<'a>(&'a self, tx: &'a mut Tx, id: i64, _path: &'a str) -> Hook<'a> {
        Box::pin(async move {
            tx.execute(
                "UPDATE zones SET household_id = NULL WHERE target = 'household' AND household_id = $1",
                args![id],
            )
            .await?;
            Ok(())
        })
    }

    fn members_changed<'a>(&'a self, _tx: &'a mut Tx, _households: &'a [i64]) -> Hook<'a> {
        Box::pin(async { Ok(()) })
    }
}
