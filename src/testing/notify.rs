//! Testing's notification (issue 19): a positive pool tells the grid workers of the grids its
//! people live in (urgent), in the results' transaction.

use crate::db::Tx;
use crate::error::AppResult;
use crate::i18n::Arg;
use crate::notify::{self, Note};

/// A pool `tube` of round `round` came back positive; `paths` are its people's households.
pub async fn pool_positive(
    tx: &mut Tx,
    round: i64,
    tube: &str,
    paths: &[&str],
    now: i64,
) -> AppResult<()> {
    let mut paths: Vec<&str> = paths.to_vec();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        for g in notify::grid_workers(tx, path).await? {
            let note = Note {
                kind: "pool_positive",
                account_id: g.account_id,
                link: format!("/testing/rounds/{round}"),
                path: path.to_owned(),
                args: vec![
                    ("area", Arg::S(g.area)),
                    ("round", Arg::N(round)),
                    ("tube", Arg::S(tube.to_owned())),
                ],
                once_key: format!("pool_positive:{round}:{tube}"),
                recheck: String::new(),
            };
            notify::enqueue(tx, &note, now).await?;
        }
    }
    Ok(())
}
