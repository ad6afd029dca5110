//! Testing's part in household changes (see `registry::watch`): tests already taken follow
//! the people into the household they live in now, and rounds' coverage is recounted.

use crate::args;
use crate::db::Tx;
use crate::registry::watch::{Hook, HouseholdWatcher, Merge};

use super::coverage;

pub struct Watcher;

impl HouseholdWatcher for Watcher {
    fn merging<'a>(&'a self, tx: &'a mut Tx, m: &'a Merge) -> Hook<'a> {
        Box::pin(async move {
            tx.execute(
                "UPDATE test_persons SET household_id = $1, path = $2 WHERE household_id = $3",
                args![m.into, m.into_path.as_str(), m.from],
            )
            .await?;
            Ok(())
        })
    }

    fn removed<'a>(&'a self, tx: &'a mut Tx, id: i64, path: &'a str) -> Hook<'a> {
        Box::pin(coverage::household_removed(tx, id, path))
    }

    fn members_changed<'a>(&'a self, tx: &'a mut Tx, households: &'a [i64]) -> Hook<'a> {
        Box::pin(coverage::registry_changed(tx, households))
    }
}
