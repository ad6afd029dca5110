//! The needs' part in household changes (see `registry::watch`): a merged household's needs
//! follow its people; a removed household's needs stay, as history.

use crate::args;
use crate::db::Tx;
use crate::registry::watch::{Hook, HouseholdWatcher, Merge};

pub struct Watcher;

impl HouseholdWatcher for Watcher {
    fn merging<'a>(&'a self, tx: &'a mut Tx, m: &'a Merge) -> Hook<'a> {
        Box::pin(async move {
            super::tallies::moving(tx, m.from, m.into_path.as_str()).await?;
            tx.execute(
                "UPDATE needs SET household_id = $1, path = $2, community_id = $3 WHERE household_id = $4",
                args![m.into, m.into_path.as_str(), m.into_community, m.from],
            )
            .await?;
            Ok(())
        })
    }

    fn removed<'a>(&'a self, _tx: &'a mut Tx, _id: i64, _path: &'a str) -> Hook<'a> {
        Box::pin(async { Ok(()) })
    }

    fn members_changed<'a>(&'a self, _tx: &'a mut Tx, _households: &'a [i64]) -> Hook<'a> {
        Box::pin(async { Ok(()) })
    }
}
