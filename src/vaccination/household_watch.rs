//! Vaccination's part in household changes (see `registry::watch`): when a household gains or
//! loses members (a birth or arrival, a merge, a birth date corrected) or is removed, the
//! statuses of its residents follow them into the household and community they live in now
//! (the tallies move with them), a status left by a resident no longer in the registry goes
//! with its tally, tick-offs and rides follow a merge, and the population of the communities
//! concerned (the coverage's denominators) is recounted — all in the registry's transaction.

use crate::args;
use crate::db::{path_end, Tx, Value};
use crate::error::AppResult;
use crate::registry::watch::{Hook, HouseholdWatcher, Merge};

use super::catalogue;
use super::doses::{self, Change, Person, PERSON_COLS};

pub struct Watcher;

impl HouseholdWatcher for Watcher {
    fn merging<'a>(&'a self, tx: &'a mut Tx, m: &'a Merge) -> Hook<'a> {
        Box::pin(async move {
            // The tick-offs and rides of the residents merged (now in `into`), not every one
            // under the old path: households share their building's path.
            let whose =
                "resident_id IN (SELECT id FROM residents WHERE household_id = $1) AND path = $2";
            super::tallies::move_tickoffs(
                tx,
                whose,
                args![m.into, m.from_path.as_str()],
                &m.into_path,
            )
            .await?;
            for table in ["vax_tickoffs", "vax_rides"] {
                tx.execute(
                    &format!(
                        "UPDATE {table} SET path = $1 WHERE resident_id IN \
                         (SELECT id FROM residents WHERE household_id = $2) AND path = $3"
                    ),
                    args![m.into_path.as_str(), m.into, m.from_path.as_str()],
                )
                .await?;
            }
            Ok(())
        })
    }

    fn removed<'a>(&'a self, tx: &'a mut Tx, _id: i64, path: &'a str) -> Hook<'a> {
        Box::pin(async move {
            drop_gone(tx, &[path.to_owned()]).await?;
            super::tallies::recount_communities(tx, &[path.to_owned()]).await?;
            Ok(())
        })
    }

    fn members_changed<'a>(&'a self, tx: &'a mut Tx, households: &'a [i64]) -> Hook<'a> {
        Box::pin(households_changed(tx, households))
    }
}

struct Hh {
    path: String,
}
crate::from_row!(Hh { path });

/// Recount the residents of these households: their statuses, and their communities'
/// population.
pub async fn households_changed(tx: &mut Tx, households: &[i64]) -> AppResult<()> {
    if households.is_empty() {
        return Ok(());
    }
    let mut paths = Vec::new();
    let mut people: Vec<Person> = Vec::new();
    for chunk in households.chunks(500) {
        let vals: Vec<Value> = chunk.iter().map(|i| Value::from(*i)).collect();
        let marks = crate::db::placeholders(1, chunk.len());
        for h in tx
            .query_as::<Hh>(
                &format!("SELECT path FROM households WHERE id IN ({marks})"),
                vals.clone(),
            )
            .await?
        {
            paths.push(h.path);
        }
        people.extend(
            tx.query_as::<Person>(
                &format!(
                    "SELECT {PERSON_COLS} FROM residents r JOIN households h ON h.id = r.household_id \
                     WHERE r.household_id IN ({marks}) ORDER BY r.id"
                ),
                vals,
            )
            .await?,
        );
    }
    // A current tick-off follows its resident (with or without doses) into the household they
    // live in now, with its tallies.
    for p in &people {
        super::tallies::move_tickoffs(
            tx,
            "resident_id = $1 AND path <> $2",
            args![p.id, p.path.as_str()],
            &p.path,
        )
        .await?;
        tx.execute(
            "UPDATE vax_tickoffs SET path = $1 WHERE resident_id = $2 AND path <> $1",
            args![p.path.as_str(), p.id],
        )
        .await?;
    }
    // Only residents with doses have a status to move.
    let mut with_doses = std::collections::HashSet::new();
    for chunk in people.chunks(500) {
        let ids: Vec<Value> = chunk.iter().map(|p| Value::from(p.id)).collect();
        with_doses.extend(
            tx.column::<i64>(
                &format!(
                    "SELECT DISTINCT resident_id FROM vax_doses WHERE resident_id IN ({})",
                    crate::db::placeholders(1, ids.len())
                ),
                ids,
            )
            .await?,
        );
    }
    people.retain(|p| with_doses.contains(&p.id));
    if !people.is_empty() {
        let cat = catalogue::products_tx(tx).await?;
        let now = crate::db::now_ms();
        doses::refresh(tx, &people, &cat, now).await?;
        // Rides are kept under the household's path too.
        for p in &people {
            tx.execute(
                "UPDATE vax_rides SET path = $1 WHERE resident_id = $2 AND path <> $1",
                args![p.path.as_str(), p.id],
            )
            .await?;
        }
    }
    drop_gone(tx, &paths).await?;
    super::tallies::recount_communities(tx, &paths).await?;
    Ok(())
}

/// Statuses under these household paths whose resident is no longer in the registry: removed,
/// with their tallies; their current tick-offs no longer count (kept as history, for
/// retention to delete).
async fn drop_gone(tx: &mut Tx, paths: &[String]) -> AppResult<()> {
    for p in paths {
        let ticked = super::tallies::current_tickoffs(
            tx,
            "path >= $1 AND path < $2 \
             AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = vax_tickoffs.resident_id)",
            args![p.as_str(), path_end(p)],
        )
        .await?;
        let moves: Vec<_> = ticked.iter().map(|t| (t, t.path.as_str(), -1)).collect();
        super::tallies::tickoff_deltas(tx, &moves).await?;
        for t in &ticked {
            tx.execute(
                "UPDATE vax_tickoffs SET current = 0 WHERE id = $1",
                args![t.id],
            )
            .await?;
        }
    }
    let mut gone = Vec::new();
    for p in paths {
        gone.extend(
            tx.column::<i64>(
                "SELECT s.resident_id FROM vax_status s LEFT JOIN residents r ON r.id = s.resident_id \
                 WHERE s.path >= $1 AND s.path < $2 AND r.id IS NULL",
                args![p.as_str(), path_end(p)],
            )
            .await?,
        );
    }
    if gone.is_empty() {
        return Ok(());
    }
    let old = doses::stored_in(tx, &gone).await?;
    let changes = gone
        .iter()
        .map(|id| Change {
            resident_id: *id,
            old: old.get(id).cloned(),
            new: None,
        })
        .collect();
    doses::apply(tx, changes, crate::db::now_ms()).await?;
    Ok(())
}
