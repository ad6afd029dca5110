//! Deployment settings (the `settings` table): values every node reads alike, created on first
//! use, such as the secret that salts client-address hashes and signs residents' codes.

use crate::args;
use crate::db::Db;
use crate::error::AppResult;

/// A deployment setting, created with `init` the first time it is asked for. Every node reads
/// the same value.
pub async fn setting(db: &Db, key: &str, init: impl FnOnce() -> String) -> AppResult<String> {
    if let Some(v) = db
        .scalar_opt::<String>("SELECT value FROM settings WHERE key = $1", args![key])
        .await?
    {
        return Ok(v);
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        args![key, init()],
    )
    .await?;
    let v = tx
        .scalar::<String>("SELECT value FROM settings WHERE key = $1", args![key])
        .await?;
    tx.commit().await?;
    Ok(v)
}

/// The deployment's secret for residents' personal codes and for salting client-address hashes.
pub async fn qr_secret(db: &Db) -> AppResult<String> {
    setting(db, "qr_secret", || super::random_hex(32)).await
}
