//! SQLite backend: WAL, one writer connection behind an async mutex (`BEGIN IMMEDIATE`), a pool
//! of read connections. Every call runs on tokio's blocking threads so a slow query never stalls
//! the request workers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use tokio::sync::{OwnedMutexGuard, Semaphore};

use super::{DbError, DbResult, Row, Value};

const READERS: usize = 8;
const BUSY_TIMEOUT_MS: u64 = 10_000;

pub struct SqliteDb {
    path: PathBuf,
    writer: Arc<tokio::sync::Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    reader_slots: Arc<Semaphore>,
    _checkpointer: Checkpointer,
}

/// How often the checkpointer copies the WAL's committed pages into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// The WAL's size (pages) past which the writer checkpoints by itself on commit: only when the
/// checkpointer falls behind (SQLite's default is 1,000, which under a steady stream of group
/// commits made the writer copy pages on every few commits, and copy hot pages again each
/// time).
const WRITER_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// Checkpoints the WAL from a thread and connection of its own (`PRAGMA wal_checkpoint(PASSIVE)`
/// every [`CHECKPOINT_EVERY`]: it never blocks the writer or the readers), so the writer's
/// commits do not do it (a tenth of the server's CPU under sampling ingest, on the one thread
/// every write waits for), and a page written many times between two checkpoints is copied
/// once. Durability is the WAL's, unchanged (`synchronous = FULL`). Stops, closing its
/// connection, when the database handle is dropped.
struct Checkpointer {
    _stop: std::sync::mpsc::Sender<()>,
}

impl Checkpointer {
    fn start(path: &Path) -> DbResult<Checkpointer> {
        let conn = open_conn(path, true)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let name = path.display().to_string();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut warned: Option<std::time::Instant> = None;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        // A full disk would say so every quarter second: once a minute.
                        if warned.is_none_or(|at| at.elapsed().as_secs() >= 60) {
                            tracing::warn!("checkpoint of {name}'s WAL failed (retried): {e}");
                            warned = Some(std::time::Instant::now());
                        }
                    }
                }
            })
            .map_err(|e| DbError::Other(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { _stop: stop })
    }
}

fn err(e: rusqlite::Error) -> DbError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        let m = msg.clone().unwrap_or_else(|| f.to_string());
        if f.code == ErrorCode::ConstraintViolation {
            return match f.extended_code {
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => DbError::Unique(m),
                rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => DbError::ForeignKey(m),
                _ => DbError::Other(m),
            };
        }
        // The disk is full (or the file cannot grow): the transaction was rolled back and
        // the connection stays usable once space returns.
        if matches!(f.code, ErrorCode::DiskFull) {
            return DbError::Unavailable(m);
        }
    }
    DbError::Other(e.to_string())
}

fn open_conn(path: &Path, write: bool) -> DbResult<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
        .map_err(err)?;
    conn.set_prepared_statement_cache_capacity(256);
    // synchronous=FULL: an acknowledged commit survives power loss, not just a process crash.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
         PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
    )
    .map_err(err)?;
    Ok(conn)
}

/// Copy every page of `src` into `dst` in one backup step (one read transaction: a consistent
/// snapshot), retrying while the source is busy or locked.
fn copy_all(src: &Connection, dst: &mut Connection) -> DbResult<()> {
    use rusqlite::backup::{Backup, StepResult};
    let b = Backup::new(src, dst).map_err(err)?;
    loop {
        match b.step(-1).map_err(err)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            _ => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Restore a backup made by [`SqliteDb::backup_to`] into `target`, which must not exist yet or
/// be an empty file: the pages are copied with the backup API (checked with `quick_check`
/// first), into `target.partial`, then renamed. The result is in WAL mode like any database
/// Wardline creates.
pub fn restore_file(backup: &Path, target: &Path) -> DbResult<()> {
    if std::fs::metadata(target).is_ok_and(|m| m.len() > 0) {
        return Err(DbError::Other(format!(
            "{} exists and is not empty: restore only into a fresh database",
            target.display()
        )));
    }
    // The journal of an earlier database at this path would be replayed onto the restored
    // file when it is next opened.
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        if Path::new(&side).exists() {
            return Err(DbError::Other(format!(
                "{} exists (left by an earlier database): remove it, or restore elsewhere",
                Path::new(&side).display()
            )));
        }
    }
    let src = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(err)?;
    let check: String = src
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| DbError::Other(format!("{} is not a SQLite backup: {e}", backup.display())))?;
    if check != "ok" {
        return Err(DbError::Other(format!(
            "{} failed SQLite's quick_check: {check}",
            backup.display()
        )));
    }
    if let Some(dir) = target.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Other(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let tmp = partial_path(target);
    let _ = std::fs::remove_file(&tmp);
    let mut out = Connection::open(&tmp).map_err(err)?;
    copy_all(&src, &mut out)?;
    let _: String = out
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(err)?;
    drop(out);
    // Linked into place, which fails if a file appeared at `target` meanwhile (a rename
    // would replace it).
    if std::fs::metadata(target).is_ok_and(|m| m.len() == 0) {
        let _ = std::fs::remove_file(target);
    }
    std::fs::hard_link(&tmp, target).map_err(|e| {
        DbError::Other(format!(
            "cannot put {} in place as {}: {e}",
            tmp.display(),
            target.display()
        ))
    })?;
    let _ = std::fs::remove_file(&tmp);
    Ok(())
}

/// `$1` → `?1`: SQLite numbers `$NAME` parameters by first appearance, `?N` by N.
pub fn rewrite_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

fn read_row(row: &rusqlite::Row<'_>, names: &Arc<[Box<str>]>) -> rusqlite::Result<Row> {
    let n = names.len();
    let mut vals = Vec::with_capacity(n);
    for i in 0..n {
        vals.push(match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(f) => Value::Int(f as i64),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Text(String::from_utf8_lossy(b).into_owned()),
        });
    }
    Ok(Row::new(Arc::clone(names), vals))
}

pub(crate) fn query_conn(conn: &Connection, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
    let sql = rewrite_params(sql);
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    let names: Arc<[Box<str>]> = stmt.column_names().into_iter().map(Box::from).collect();
    let rows = stmt
        .query_map(rusqlite::params_from_iter(params.iter()), |r| {
            read_row(r, &names)
        })
        .map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

fn execute_conn(conn: &Connection, sql: &str, params: &[Value]) -> DbResult<u64> {
    let sql = rewrite_params(sql);
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    stmt.execute(rusqlite::params_from_iter(params.iter()))
        .map(|n| n as u64)
        .map_err(err)
}

/// Run `f` on a blocking thread. A panic in `f` goes on in the caller; a call cancelled
/// because the runtime is shutting down is an error, not a panic.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> DbResult<R> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => Ok(r),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(DbError::Other(
            "database call cancelled: the server is shutting down".into(),
        )),
    }
}

impl SqliteDb {
    pub fn open(path: &str) -> DbResult<SqliteDb> {
        let path = PathBuf::from(path);
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbError::Other(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        let writer = open_conn(&path, true)?;
        // WAL lets the read pool run beside the writer.
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DbError::Other(format!("could not enable WAL (got {mode})")));
        }
        writer
            .pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT_PAGES)
            .map_err(err)?;
        let checkpointer = Checkpointer::start(&path)?;
        Ok(SqliteDb {
            path,
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            reader_slots: Arc::new(Semaphore::new(READERS)),
            _checkpointer: checkpointer,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An online backup into `dest` with SQLite's backup API, from a read connection: one step
    /// copies every page inside one read transaction, so the copy is a consistent snapshot and
    /// writers go on meanwhile (WAL). Written to `dest.partial` first and renamed, so a backup
    /// cut off half-way never looks complete. The copy is a single file (rollback journal).
    pub async fn backup_to(&self, dest: &Path) -> DbResult<u64> {
        let src_path = self.path.clone();
        let dest = dest.to_owned();
        blocking(move || {
            let tmp = partial_path(&dest);
            let _ = std::fs::remove_file(&tmp);
            let src = open_conn(&src_path, false)?;
            let mut out = Connection::open(&tmp).map_err(err)?;
            copy_all(&src, &mut out)?;
            let _: String = out
                .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
                .map_err(err)?;
            drop(out);
            std::fs::rename(&tmp, &dest).map_err(|e| {
                DbError::Other(format!(
                    "cannot rename {} to {}: {e}",
                    tmp.display(),
                    dest.display()
                ))
            })?;
            Ok(std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0))
        })
        .await?
    }

    pub async fn query(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let _permit = self.reader_slots.acquire().await.expect("semaphore closed");
        let readers = self.readers.clone();
        let path = self.path.clone();
        let sql = sql.to_owned();
        blocking(move || {
            let conn = readers.lock().expect("reader pool poisoned").pop();
            let conn = match conn {
                Some(c) => c,
                None => open_conn(&path, false)?,
            };
            let res = query_conn(&conn, &sql, &params);
            readers.lock().expect("reader pool poisoned").push(conn);
            res
        })
        .await?
    }

    pub async fn begin(&self) -> DbResult<SqliteTx> {
        self.begin_with_fk(true).await
    }

    /// Run pragmas on the writer connection outside any transaction (some, like
    /// `temp_store`, cannot change inside one).
    pub async fn writer_pragma(&self, sql: &str) -> DbResult<()> {
        let guard = self.writer.clone().lock_owned().await;
        let mut tx = SqliteTx {
            conn: Some(guard),
            audit_key: None,
        };
        let sql = sql.to_owned();
        let r = tx
            .run(move |c| {
                if !c.is_autocommit() {
                    c.execute_batch("ROLLBACK").map_err(err)?;
                }
                c.execute_batch(&sql).map_err(err)
            })
            .await;
        tx.conn = None;
        r
    }

    /// Begin with foreign-key enforcement on or off (the pragma only takes effect outside a
    /// transaction, so it is set before `BEGIN`; every transaction sets it, so a bulk load
    /// never leaves it off for the next one).
    pub async fn begin_with_fk(&self, fk: bool) -> DbResult<SqliteTx> {
        let guard = self.writer.clone().lock_owned().await;
        let mut tx = SqliteTx {
            conn: Some(guard),
            audit_key: None,
        };
        tx.run(move |c| {
            // A cancelled request may have left a transaction open on the writer: end it.
            if !c.is_autocommit() {
                c.execute_batch("ROLLBACK").map_err(err)?;
            }
            // Setting the pragma, even to its current value, expires every prepared statement
            // of the connection (measured: re-preparing was a tenth of the sampling path's
            // time), so it is only set when it changes.
            let on: bool = c
                .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
                .map_err(err)?;
            if on != fk {
                c.execute_batch(if fk {
                    "PRAGMA foreign_keys = ON"
                } else {
                    "PRAGMA foreign_keys = OFF"
                })
                .map_err(err)?;
            }
            c.execute_batch("BEGIN IMMEDIATE").map_err(err)
        })
        .await?;
        Ok(tx)
    }
}

pub struct SqliteTx {
    conn: Option<OwnedMutexGuard<Connection>>,
    /// The audit chain's key, copied from the [`super::Db`] that began this transaction.
    pub(crate) audit_key: Option<Arc<[u8]>>,
}

impl SqliteTx {
    async fn run<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Connection) -> DbResult<R> + Send + 'static,
    ) -> DbResult<R> {
        let mut guard = self
            .conn
            .take()
            .ok_or_else(|| DbError::Other("transaction already finished".into()))?;
        // Cancelled at shutdown, the connection is gone with the thread: the transaction is
        // over (SQLite rolls back what was not committed).
        let (guard, res) = blocking(move || {
            let r = f(&mut guard);
            (guard, r)
        })
        .await?;
        self.conn = Some(guard);
        res
    }

    pub async fn execute(&mut self, sql: &str, params: Vec<Value>) -> DbResult<u64> {
        let sql = sql.to_owned();
        self.run(move |c| execute_conn(c, &sql, &params)).await
    }

    pub async fn query(&mut self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let sql = sql.to_owned();
        self.run(move |c| query_conn(c, &sql, &params)).await
    }

    pub async fn batch(&mut self, sql: &str) -> DbResult<()> {
        let sql = sql.to_owned();
        self.run(move |c| c.execute_batch(&sql).map_err(err)).await
    }

    pub async fn bulk_insert(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Value>,
        on_conflict: Option<&'static str>,
    ) -> DbResult<()> {
        self.run(move |c| bulk_insert_conn(c, table, columns, &rows, on_conflict))
            .await
    }

    pub async fn pipeline(&mut self, stmts: Vec<super::Stmt>) -> DbResult<Vec<Vec<Row>>> {
        self.run(move |c| {
            let mut out = Vec::with_capacity(stmts.len());
            for s in &stmts {
                out.push(match s {
                    super::Stmt::Query(sql, p) => query_conn(c, sql, p)?,
                    super::Stmt::Exec(sql, p) => {
                        vec![Row::changed(execute_conn(c, sql, p)?)]
                    }
                    super::Stmt::Bulk {
                        table,
                        columns,
                        rows,
                        on_conflict,
                    } => {
                        assert_eq!(rows.len() % columns.len(), 0, "bulk_insert: ragged rows");
                        if !rows.is_empty() {
                            bulk_insert_conn(c, table, columns, rows, *on_conflict)?;
                        }
                        vec![]
                    }
                });
            }
            Ok(out)
        })
        .await
    }

    pub async fn commit(mut self) -> DbResult<()> {
        self.run(|c| c.execute_batch("COMMIT").map_err(err)).await?;
        self.conn = None;
        Ok(())
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
    }
}

/// Bulk insert: one prepared single-row statement, re-bound per row, inside the caller's
/// transaction. (Measured against 500-row multi-VALUES statements: those spend their time
/// formatting and parsing the SQL and are no faster to execute.)
pub(crate) fn bulk_insert_conn(
    conn: &Connection,
    table: &str,
    columns: &[&str],
    rows: &[Value],
    on_conflict: Option<&str>,
) -> DbResult<()> {
    let ncols = columns.len();
    let placeholders: Vec<String> = (1..=ncols).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}) {}",
        columns.join(","),
        placeholders.join(","),
        on_conflict.unwrap_or("")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(err)?;
    for row in rows.chunks_exact(ncols) {
        stmt.execute(rusqlite::params_from_iter(row.iter()))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The checkpointer copies committed pages into the database file while the handle is
    /// open, with no checkpoint by the writer: 2,000 rows of 1 KB (some 500 pages, under
    /// SQLite's own 1,000-page threshold and the writer's 16,384) reach the file within
    /// seconds, where without it they would stay in the WAL until the last connection closes.
    #[tokio::test]
    async fn the_wal_is_checkpointed_beside_the_writer() {
        let dir = std::env::temp_dir().join(format!("wardline-ckpt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("c.db");
        let db = crate::db::Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.batch("CREATE TABLE t (v TEXT)").await.unwrap();
        tx.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO t SELECT hex(randomblob(500)) FROM n",
            crate::args![],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let t = std::time::Instant::now();
        while size() < 1_500_000 && t.elapsed() < std::time::Duration::from_secs(10) {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (file, wal) = (size(), {
            let mut w = path.as_os_str().to_owned();
            w.push("-wal");
            std::fs::metadata(w).map(|m| m.len()).unwrap_or(0)
        });
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            file >= 1_500_000,
            "the database file is {file} bytes beside a WAL of {wal}: not checkpointed"
        );
    }
}
