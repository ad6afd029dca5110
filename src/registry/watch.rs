//! What other capabilities keep about households, kept right when the registry changes them.
//!
//! The registry sits below testing and needs and may not call them; yet when two households
//! merge, one is removed or a household gains a member, a testing round's coverage and the
//! needs must follow in the same transaction. So the registry declares this small interface,
//! each capability above implements it for its own tables, and the application installs the
//! implementations once at start (`server::install_watchers`, which the CLI and the tests call
//! too). A registry write that needs them fails (and rolls back) while they are not installed,
//! rather than leave other capabilities' figures stale.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use crate::db::Tx;
use crate::error::{AppError, AppResult};

/// A watcher's work, done inside the registry's transaction.
pub type Hook<'a> = Pin<Box<dyn Future<Output = AppResult<()>> + Send + 'a>>;

/// A household merged into another: the people of `from` now live in `into`.
#[derive(Debug, Clone)]
pub struct Merge {
    pub from: i64,
    pub from_path: String,
    pub into: i64,
    pub into_path: String,
    pub into_community: i64,
}

/// One capability's part in a household change. Each method runs inside the registry's
/// transaction; an error rolls the whole change back.
pub trait HouseholdWatcher: Send + Sync + 'static {
    /// Before `from` is deleted: re-point this capability's rows from `from` to `into`.
    fn merging<'a>(&'a self, tx: &'a mut Tx, m: &'a Merge) -> Hook<'a>;
    /// After a household (empty, or merged away) was deleted.
    fn removed<'a>(&'a self, tx: &'a mut Tx, id: i64, path: &'a str) -> Hook<'a>;
    /// After these households gained or lost members.
    fn members_changed<'a>(&'a self, tx: &'a mut Tx, households: &'a [i64]) -> Hook<'a>;
}

static WATCHERS: OnceLock<Vec<Box<dyn HouseholdWatcher>>> = OnceLock::new();

/// Install the watchers of the capabilities present (once per process; later calls are
/// ignored, as the set of capabilities cannot change while running).
pub fn install(watchers: impl FnOnce() -> Vec<Box<dyn HouseholdWatcher>>) {
    WATCHERS.get_or_init(watchers);
}

fn installed() -> AppResult<&'static [Box<dyn HouseholdWatcher>]> {
    WATCHERS.get().map(Vec::as_slice).ok_or_else(|| {
        AppError::Internal(
            "household watchers are not installed: call wardline::server::install_watchers() at start"
                .into(),
        )
    })
}

pub(crate) async fn merging(tx: &mut Tx, m: &Merge) -> AppResult<()> {
    for w in installed()? {
        w.merging(tx, m).await?;
    }
    Ok(())
}

pub(crate) async fn removed(tx: &mut Tx, id: i64, path: &str) -> AppResult<()> {
    for w in installed()? {
        w.removed(tx, id, path).await?;
    }
    Ok(())
}

pub(crate) async fn members_changed(tx: &mut Tx, households: &[i64]) -> AppResult<()> {
    for w in installed()? {
        w.members_changed(tx, households).await?;
    }
    Ok(())
}
