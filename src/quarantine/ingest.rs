//! The check API's writer: every check a device or a household link sends
//! (`POST /followup/checks`, `POST /followup/self-report`) is validated and scope-checked in its
//! request, then queued to one group-commit writer (`crate::db::group`) that writes whatever
//! has queued up in one transaction and answers each after the commit. A client id seen
//! before — in an earlier batch or earlier in the same one — answers as a replay and writes
//! nothing. A full queue answers 503 with a short Retry-After.

use super::checks::{self, Prepared, Ready, Recorded};
use crate::db::group::{Batch, Group, Limits};
use crate::db::{Db, DbError, DbResult, Tx};
use crate::error::{AppError, AppResult};

/// Applies a batch of prepared checks (see [`checks::write_in`]).
pub struct CheckBatch;

impl Batch for CheckBatch {
    type Job = Prepared;
    type Out = AppResult<Recorded>;

    async fn apply(&self, tx: &mut Tx, jobs: &[Prepared]) -> DbResult<Vec<AppResult<Recorded>>> {
        let mut out = Vec::with_capacity(jobs.len());
        for j in jobs {
            out.push(checks::write_in(tx, j).await?);
        }
        Ok(out)
    }

    fn failed(&self, _: &Prepared, e: DbError) -> AppResult<Recorded> {
        Err(AppError::Db(e))
    }
}

/// The queue in front of the check writer (an `Extension` added by `crate::server`).
pub type CheckWriter = Group<CheckBatch>;

/// Start the writer task (needs a Tokio runtime).
pub fn start(db: Db) -> CheckWriter {
    Group::start(
        db,
        CheckBatch,
        Limits {
            queue: 4096,
            batch: 500,
        },
    )
}

/// Write a prepared record through the writer (a replay needs no write).
pub async fn finish(w: &CheckWriter, ready: Ready) -> AppResult<Recorded> {
    match ready {
        Ready::Replayed(r) => Ok(r),
        Ready::Write(p) => w.submit(*p).await?,
    }
}
