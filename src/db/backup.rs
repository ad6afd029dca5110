//! Backup and restore. SQLite: SQLite's online backup API (a consistent snapshot while the
//! server keeps writing; see [`super::sqlite::SqliteDb::backup_to`]). PostgreSQL: `pg_dump
//! --format=custom` and `pg_restore`, found in `WARDLINE_PG_BIN`, else the newest
//! `/usr/lib/postgresql/*/bin`, else on `PATH` (pg_dump must be at least the server's major
//! version). The connection settings go to them through `PG*` environment variables, so a
//! password never shows in the process list.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Backend, Db, DbError, DbResult};

/// Back `db` (opened from `url`) up into `out`. Returns the backup's size in bytes.
pub async fn backup(db: &Db, url: &str, out: &Path) -> DbResult<u64> {
    match db.backend() {
        Backend::Sqlite => match &*db.0 {
            super::Inner::Sqlite(s) => s.backup_to(out).await,
            super::Inner::Postgres(_) => unreachable!(),
        },
        Backend::Postgres => {
            let url = url.to_owned();
            let out = out.to_owned();
            tokio::task::spawn_blocking(move || pg_dump(&url, &out))
                .await
                .map_err(|e| DbError::Other(e.to_string()))?
        }
    }
}

/// Restore the backup `from` into the fresh database at `url` (SQLite: a file that does not
/// exist yet; PostgreSQL: an existing database with no tables). Nothing is migrated or
/// checked here; the caller opens the result, migrates and verifies the audit chain.
pub async fn restore(url: &str, from: &Path) -> DbResult<()> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let (path, from) = (PathBuf::from(path), from.to_owned());
        return tokio::task::spawn_blocking(move || super::sqlite::restore_file(&from, &path))
            .await
            .map_err(|e| DbError::Other(e.to_string()))?;
    }
    let db = Db::connect(url).await?;
    let tables = db
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            vec![],
        )
        .await?
        .int(0);
    drop(db);
    if tables > 0 {
        return Err(DbError::Other(format!(
            "the target database has {tables} tables: restore only into a fresh, empty database \
             (createdb NAME, then --database-url postgres://…/NAME)"
        )));
    }
    let (url, from) = (url.to_owned(), from.to_owned());
    tokio::task::spawn_blocking(move || pg_restore(&url, &from))
        .await
        .map_err(|e| DbError::Other(e.to_string()))?
}

/// The folder holding pg_dump and pg_restore, if one is found (else they are looked up on
/// `PATH`).
pub fn pg_bin_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("WARDLINE_PG_BIN").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let mut best: Option<(u32, PathBuf)> = None;
    for e in std::fs::read_dir("/usr/lib/postgresql").ok()?.flatten() {
        let v: Option<u32> = e.file_name().to_str().and_then(|n| n.parse().ok());
        let bin = e.path().join("bin");
        if let Some(v) = v {
            if bin.join("pg_dump").exists() && best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, bin));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// Whether pg_dump and pg_restore can be run.
pub fn pg_tools_available() -> bool {
    ["pg_dump", "pg_restore"].iter().all(|t| {
        tool(t)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn tool(name: &str) -> Command {
    match pg_bin_dir() {
        Some(d) if d.join(name).exists() => Command::new(d.join(name)),
        _ => Command::new(name),
    }
}

/// A pg_dump/pg_restore command with the connection settings of `url` in its environment.
fn pg_command(name: &str, url: &str) -> DbResult<Command> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| DbError::Other(format!("bad PostgreSQL URL: {e}")))?;
    let mut c = tool(name);
    for v in [
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSERVICE",
    ] {
        c.env_remove(v);
    }
    if let Some(h) = config.get_hosts().first() {
        match h {
            tokio_postgres::config::Host::Tcp(h) => c.env("PGHOST", h),
            #[cfg(unix)]
            tokio_postgres::config::Host::Unix(p) => c.env("PGHOST", p),
        };
    }
    if let Some(p) = config.get_ports().first() {
        c.env("PGPORT", p.to_string());
    }
    if let Some(u) = config.get_user() {
        c.env("PGUSER", u);
    }
    if let Some(p) = config.get_password() {
        c.env("PGPASSWORD", String::from_utf8_lossy(p).into_owned());
    }
    if let Some(d) = config.get_dbname() {
        c.env("PGDATABASE", d);
    }
    Ok(c)
}

fn run(mut c: Command, what: &str) -> DbResult<()> {
    let out = c.output().map_err(|e| {
        DbError::Other(format!(
            "cannot run {what}: {e} (install the PostgreSQL client tools, or set WARDLINE_PG_BIN)"
        ))
    })?;
    if !out.status.success() {
        return Err(DbError::Other(format!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

fn pg_dump(url: &str, out: &Path) -> DbResult<u64> {
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    let _ = std::fs::remove_file(&tmp);
    let mut c = pg_command("pg_dump", url)?;
    c.args(["--format=custom", "--no-owner", "--no-privileges", "--file"])
        .arg(&tmp);
    run(c, "pg_dump")?;
    std::fs::rename(&tmp, out).map_err(|e| {
        DbError::Other(format!(
            "cannot rename {} to {}: {e}",
            tmp.display(),
            out.display()
        ))
    })?;
    Ok(std::fs::metadata(out).map(|m| m.len()).unwrap_or(0))
}

fn pg_restore(url: &str, from: &Path) -> DbResult<()> {
    let mut c = pg_command("pg_restore", url)?;
    // The database comes from PGDATABASE; pg_restore still needs --dbname to restore into a
    // database rather than print a script.
    let db = c
        .get_envs()
        .find(|(k, _)| *k == "PGDATABASE")
        .and_then(|(_, v)| v.map(|v| v.to_owned()))
        .ok_or_else(|| DbError::Other("the PostgreSQL URL names no database".into()))?;
    c.arg("--dbname")
        .arg(db)
        .args([
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ])
        .arg(from);
    run(c, "pg_restore")
}
