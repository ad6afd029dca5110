//! The condition asked again at send time. A message's `recheck` key is `<prefix>:<rest>`; the
//! capability that raised it implements [`Recheck`] for its prefix (a need's reminder asks the
//! needs whether it is still open and still yours), and the server installs them at start
//! (`server::install_watchers`). A key no installed check knows is sent as it is.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use crate::db::Db;
use crate::error::AppResult;

/// `Some(reason)` when the message should not go any more (the reason is stored with it).
pub type Answer<'a> = Pin<Box<dyn Future<Output = AppResult<Option<&'static str>>> + Send + 'a>>;

pub trait Recheck: Send + Sync + 'static {
    /// The keys this check answers: those starting with `<prefix>:`.
    fn prefix(&self) -> &'static str;
    /// Whether the message keyed `rest` should be skipped now.
    fn skip<'a>(&'a self, db: &'a Db, rest: &'a str) -> Answer<'a>;
}

static CHECKS: OnceLock<Vec<Box<dyn Recheck>>> = OnceLock::new();

/// Install the checks of the capabilities present (once per process; later calls are ignored).
pub fn install(checks: impl FnOnce() -> Vec<Box<dyn Recheck>>) {
    CHECKS.get_or_init(checks);
}

/// Ask the check of `key`'s prefix; `None` (send) when the key is empty or no check knows it.
pub async fn ask(db: &Db, key: &str) -> AppResult<Option<&'static str>> {
    let Some((prefix, rest)) = key.split_once(':') else {
        return Ok(None);
    };
    let Some(checks) = CHECKS.get() else {
        tracing::warn!("notification re-checks are not installed; {key} is sent unchecked");
        return Ok(None);
    };
    match checks.iter().find(|c| c.prefix() == prefix) {
        Some(c) => c.skip(db, rest).await,
        None => Ok(None),
    }
}
