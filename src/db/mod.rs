//! Storage: one small interface over two backends.
//!
//! All domain code writes portable SQL (`$1` parameters, `ON CONFLICT`, `RETURNING`, row values)
//! and passes [`Value`]s; rows come back as owned [`Row`]s. The SQLite backend rewrites `$N` to
//! `?N`; the PostgreSQL backend adapts integer and text parameters to whatever type the server
//! inferred. Backend-specific code lives only where a measurement asked for it (bulk loading).

pub mod backup;
pub mod group;
mod migrate;
pub mod postgres;
mod row;
pub mod sqlite;

use std::fmt;
use std::sync::Arc;

pub use migrate::MIGRATIONS;
pub use row::{FromRow, FromValue, Row};

/// A parameter or a column value. Booleans are stored as integers on both backends, times as
/// integer milliseconds, money as integer fen, dates as ISO text.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(v as i64)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Build a parameter list: `args![id, name, None::<i64>]`.
#[macro_export]
macro_rules! args {
    () => { Vec::<$crate::db::Value>::new() };
    ($($x:expr),+ $(,)?) => { vec![$($crate::db::Value::from($x)),+] };
}

/// What went wrong in the database. Constraint violations are told apart so the web layer can
/// turn them into 409/422 answers; everything else is an internal error, logged, never shown.
#[derive(Debug)]
pub enum DbError {
    Unique(String),
    ForeignKey(String),
    /// The database cannot take the work now but may soon: its storage is full, or the
    /// server is restarting or unreachable. Nothing was written; the client may retry.
    Unavailable(String),
    /// A result did not fit the struct it was mapped to (a missing column, a wrong type, an
    /// unexpected NULL): a bug, logged and answered as an internal error.
    Decode(String),
    Other(String),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::Unique(m) => write!(f, "unique constraint violated: {m}"),
            DbError::ForeignKey(m) => write!(f, "foreign key violated: {m}"),
            DbError::Unavailable(m) => write!(f, "database unavailable: {m}"),
            DbError::Decode(m) => write!(f, "unexpected result: {m}"),
            DbError::Other(m) => write!(f, "database error: {m}"),
        }
    }
}
impl std::error::Error for DbError {}

pub type DbResult<T> = Result<T, DbError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The typed reads, the same on [`Db`] and [`Tx`] (their `query` differs only in the receiver):
/// `typed_reads!(self)` writes them for `&self`, `typed_reads!(self mut)` for `&mut self`.
macro_rules! typed_reads {
    ($s:ident $($m:ident)?) => {
        /// Rows mapped to `T` by column name.
        pub async fn query_as<T: FromRow>(
            & $($m)? $s,
            sql: &str,
            params: Vec<Value>,
        ) -> DbResult<Vec<T>> {
            row::map_rows($s.query(sql, params).await?)
        }

        pub async fn query_opt_as<T: FromRow>(
            & $($m)? $s,
            sql: &str,
            params: Vec<Value>,
        ) -> DbResult<Option<T>> {
            $s.query_opt(sql, params).await?.as_ref().map(T::from_row).transpose()
        }

        pub async fn query_one_as<T: FromRow>(
            & $($m)? $s,
            sql: &str,
            params: Vec<Value>,
        ) -> DbResult<T> {
            T::from_row(&$s.query_one(sql, params).await?)
        }

        /// The one value of a one-column, one-row result (`SELECT count(*) AS n …`).
        pub async fn scalar<T: FromValue>(
            & $($m)? $s,
            sql: &str,
            params: Vec<Value>,
        ) -> DbResult<T> {
            $s.query_one(sql, params).await?.only()
        }

        /// The one value of a one-column result of at most one row.
        pub async fn scalar_opt<T: FromValue>(
            & $($m)? $s,
            sql: &str,
            params: Vec<Value>,
        ) -> DbResult<Option<T>> {
            $s.query_opt(sql, params).await?.map(|r| r.only()).transpose()
        }

        /// The values of a one-column result.
        pub async fn column<T: FromValue>(
            & $($m)? $s,
            sql: &str,
            params: Vec<Value>,
        ) -> DbResult<Vec<T>> {
            $s.query(sql, params).await?.iter().map(Row::only).collect()
        }
    };
}

/// A handle to the database, cheap to clone. Besides the connections it carries the audit
/// chain's key (see `audit::load_key`), which the database itself never holds: every
/// transaction begun here takes it along.
#[derive(Clone)]
pub struct Db(Arc<Inner>, Arc<std::sync::OnceLock<Arc<[u8]>>>);

enum Inner {
    Sqlite(sqlite::SqliteDb),
    Postgres(postgres::PgDb),
}

impl Db {
    /// Open `sqlite://PATH` (the file and its folder are created) or `postgres://…`.
    pub async fn connect(url: &str) -> DbResult<Db> {
        let inner = if let Some(path) = url.strip_prefix("sqlite://") {
            Inner::Sqlite(sqlite::SqliteDb::open(path)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Inner::Postgres(postgres::PgDb::connect(url).await?)
        } else {
            return Err(DbError::Other(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://…"
            )));
        };
        Ok(Db(Arc::new(inner), Arc::default()))
    }

    /// Give this handle (and every clone of it) the audit chain's key. Once only: a second
    /// call with a different key is refused.
    pub fn set_audit_key(&self, key: &[u8]) -> DbResult<()> {
        let stored = self.1.get_or_init(|| Arc::from(key));
        if **stored != *key {
            return Err(DbError::Other(
                "a different audit key is already set on this database handle".into(),
            ));
        }
        Ok(())
    }

    pub fn audit_key(&self) -> Option<Arc<[u8]>> {
        self.1.get().cloned()
    }

    /// `sqlite://PATH`: the database file; PostgreSQL: `None`.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &*self.0 {
            Inner::Sqlite(db) => Some(db.path()),
            Inner::Postgres(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match &*self.0 {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// A read outside any transaction (SQLite: from the read pool).
    pub async fn query(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        match &*self.0 {
            Inner::Sqlite(db) => db.query(sql, params).await,
            Inner::Postgres(db) => db.query(sql, params).await,
        }
    }

    pub async fn query_opt(&self, sql: &str, params: Vec<Value>) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    pub async fn query_one(&self, sql: &str, params: Vec<Value>) -> DbResult<Row> {
        self.query_opt(sql, params)
            .await?
            .ok_or_else(|| DbError::Other(format!("no row for: {sql}")))
    }

    typed_reads!(self);

    /// Start a write transaction. On SQLite this takes the one writer connection and issues
    /// `BEGIN IMMEDIATE`, so writers queue here instead of failing with SQLITE_BUSY later.
    pub async fn begin(&self) -> DbResult<Tx> {
        let key = self.audit_key();
        Ok(match &*self.0 {
            Inner::Sqlite(db) => {
                let mut t = db.begin().await?;
                t.audit_key = key;
                Tx::Sqlite(t)
            }
            Inner::Postgres(db) => {
                let mut t = db.begin().await?;
                t.audit_key = key;
                Tx::Postgres(Box::new(t))
            }
        })
    }

    /// A write transaction for bulk loads of rows whose references the caller has already
    /// guaranteed: on SQLite, foreign-key enforcement is off for its duration (it costs a
    /// statement-level check per row). PostgreSQL: the same as [`Db::begin`].
    pub async fn begin_bulk(&self) -> DbResult<Tx> {
        let key = self.audit_key();
        Ok(match &*self.0 {
            Inner::Sqlite(db) => {
                let mut t = db.begin_with_fk(false).await?;
                t.audit_key = key;
                Tx::Sqlite(t)
            }
            Inner::Postgres(db) => {
                let mut t = db.begin().await?;
                t.audit_key = key;
                Tx::Postgres(Box::new(t))
            }
        })
    }

    /// SQLite: run pragmas on the writer connection between transactions. PostgreSQL: nothing.
    pub async fn writer_pragma(&self, sql: &str) -> DbResult<()> {
        match &*self.0 {
            Inner::Sqlite(db) => db.writer_pragma(sql).await,
            Inner::Postgres(_) => Ok(()),
        }
    }

    /// Apply the embedded migrations that are not yet applied. Returns their names.
    pub async fn migrate(&self) -> DbResult<Vec<&'static str>> {
        migrate::run(self).await
    }
}

/// One statement of a [`Tx::pipeline`].
#[derive(Debug, Clone)]
pub enum Stmt {
    /// A query; its rows come back.
    Query(String, Vec<Value>),
    /// A statement; the number of rows it changed comes back (as one row of one integer).
    Exec(String, Vec<Value>),
    /// [`Tx::bulk_insert`]; nothing comes back.
    Bulk {
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Value>,
        on_conflict: Option<&'static str>,
    },
}

/// A write transaction. Dropped without [`Tx::commit`] it rolls back.
pub enum Tx {
    Sqlite(sqlite::SqliteTx),
    Postgres(Box<postgres::PgTx>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// The audit chain's key of the [`Db`] that began this transaction, if it has one.
    pub fn audit_key(&self) -> Option<&[u8]> {
        match self {
            Tx::Sqlite(t) => t.audit_key.as_deref(),
            Tx::Postgres(t) => t.audit_key.as_deref(),
        }
    }

    pub async fn execute(&mut self, sql: &str, params: Vec<Value>) -> DbResult<u64> {
        match self {
            Tx::Sqlite(t) => t.execute(sql, params).await,
            Tx::Postgres(t) => t.execute(sql, params).await,
        }
    }

    pub async fn query(&mut self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        match self {
            Tx::Sqlite(t) => t.query(sql, params).await,
            Tx::Postgres(t) => t.query(sql, params).await,
        }
    }

    pub async fn query_opt(&mut self, sql: &str, params: Vec<Value>) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    pub async fn query_one(&mut self, sql: &str, params: Vec<Value>) -> DbResult<Row> {
        self.query_opt(sql, params)
            .await?
            .ok_or_else(|| DbError::Other(format!("no row for: {sql}")))
    }

    typed_reads!(self mut);

    /// Run statements in order, in one call: on SQLite one hop to the writer's thread instead
    /// of one per statement (measured: the hops, not the SQL, set the pace of the sampling
    /// path on a busy machine). Returns each statement's rows, in order.
    pub async fn pipeline(&mut self, stmts: Vec<Stmt>) -> DbResult<Vec<Vec<Row>>> {
        match self {
            Tx::Sqlite(t) => t.pipeline(stmts).await,
            Tx::Postgres(t) => {
                let mut out = Vec::with_capacity(stmts.len());
                for s in stmts {
                    out.push(match s {
                        Stmt::Query(sql, p) => t.query(&sql, p).await?,
                        Stmt::Exec(sql, p) => {
                            vec![Row::changed(t.execute(&sql, p).await?)]
                        }
                        Stmt::Bulk {
                            table,
                            columns,
                            rows,
                            on_conflict,
                        } => {
                            if !rows.is_empty() {
                                t.bulk_insert(table, columns, rows, on_conflict).await?;
                            }
                            vec![]
                        }
                    });
                }
                Ok(out)
            }
        }
    }

    /// Run a batch of statements with no parameters (DDL).
    pub async fn batch(&mut self, sql: &str) -> DbResult<()> {
        match self {
            Tx::Sqlite(t) => t.batch(sql).await,
            Tx::Postgres(t) => t.batch(sql).await,
        }
    }

    /// Insert many rows fast: `rows` is flat, `columns.len()` values per row.
    /// SQLite: one prepared single-row statement re-bound per row, on the writer thread.
    /// PostgreSQL: `COPY` (into a
    /// temporary table first when `on_conflict` is given, then one `INSERT … SELECT`).
    /// Add signed counts to a tally table keyed by three columns (`columns`: the three keys,
    /// then the count): keys whose count is 0 are skipped, the rest go in one bulk upsert
    /// whose `on_conflict` adds the count to the stored row.
    pub async fn add_counts3<A: Into<Value>, B: Into<Value>, C: Into<Value>>(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str; 4],
        on_conflict: &'static str,
        counts: impl IntoIterator<Item = ((A, B, C), i64)>,
    ) -> DbResult<()> {
        let mut vals = Vec::new();
        for ((a, b, c), n) in counts {
            if n != 0 {
                vals.extend([a.into(), b.into(), c.into(), Value::from(n)]);
            }
        }
        self.bulk_insert(table, columns, vals, Some(on_conflict))
            .await
    }

    pub async fn bulk_insert(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Value>,
        on_conflict: Option<&'static str>,
    ) -> DbResult<()> {
        assert_eq!(rows.len() % columns.len(), 0, "bulk_insert: ragged rows");
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Tx::Sqlite(t) => t.bulk_insert(table, columns, rows, on_conflict).await,
            Tx::Postgres(t) => t.bulk_insert(table, columns, rows, on_conflict).await,
        }
    }

    /// PostgreSQL: lock these rows of `table` (`FOR UPDATE`, in id order) until the end of
    /// the transaction, so that two nodes changing the same records take turns; SQLite's one
    /// writer does this already. Lock tables in a fixed order too (the callers' docs say which).
    pub async fn lock_rows(&mut self, table: &str, ids: &[i64]) -> DbResult<()> {
        if self.backend() != Backend::Postgres || ids.is_empty() {
            return Ok(());
        }
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(1000) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT id FROM {table} WHERE id IN ({}) ORDER BY id FOR UPDATE",
                marks.join(", ")
            );
            self.query(&sql, chunk.iter().map(|i| Value::from(*i)).collect())
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => (*t).commit().await,
        }
    }
}

/// Upper bound of a path range: every path under `prefix` sorts in `[prefix, prefix~)`.
/// Paths only use digits, upper-case letters and `/`, all below `~` in byte order.
pub fn path_end(prefix: &str) -> String {
    format!("{prefix}~")
}

/// `IN ($k, $k+1, …)` for `n` parameters starting at `$first`.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Drop the secondary indexes of `tables` (and on PostgreSQL their foreign keys) before a bulk
/// load into empty tables, recording their definitions in `deferred_indexes` in the same
/// transaction. Returns how many.
pub async fn defer_indexes(db: &Db, tables: &[&str], keep: &[&str]) -> DbResult<usize> {
    let list = tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = match db.backend() {
        Backend::Sqlite => format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({list}) ORDER BY name"
        ),
        Backend::Postgres => format!(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ({list}) AND indexname NOT LIKE '%\\_pkey' ORDER BY indexname"
        ),
    };
    let mut tx = db.begin().await?;
    let rows: Vec<Row> = tx
        .query(&sql, vec![])
        .await?
        .into_iter()
        .filter(|r| !keep.contains(&r.text(0)))
        .collect();
    for r in &rows {
        tx.execute(
            "INSERT INTO deferred_indexes (name, ddl) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            vec![Value::from(r.text(0)), Value::from(r.text(1))],
        )
        .await?;
        tx.batch(&format!("DROP INDEX {}", r.text(0))).await?;
    }
    let mut n = rows.len();
    if db.backend() == Backend::Postgres {
        // PostgreSQL checks a foreign key with a trigger per row, which costs a COPY more than
        // the COPY itself; re-adding the constraint afterwards validates it in one join.
        // (SQLite's bulk transactions switch enforcement off instead; see `Db::begin_bulk`.)
        let fks = tx
            .query(
                &format!(
                    "SELECT c.conname, 'ALTER TABLE ' || t.relname || ' ADD CONSTRAINT ' || c.conname \
                     || ' ' || pg_get_constraintdef(c.oid), t.relname FROM pg_constraint c \
                     JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
                     WHERE c.contype = 'f' AND ns.nspname = current_schema() AND t.relname IN ({list}) \
                     ORDER BY c.conname"
                ),
                vec![],
            )
            .await?;
        for r in &fks {
            tx.execute(
                "INSERT INTO deferred_indexes (name, ddl) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                vec![Value::from(r.text(0)), Value::from(r.text(1))],
            )
            .await?;
            tx.batch(&format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                r.text(2),
                r.text(0)
            ))
            .await?;
        }
        n += fks.len();
    }
    tx.commit().await?;
    Ok(n)
}

/// Rebuild the indexes and constraints recorded in `deferred_indexes` (after a bulk load, or at
/// start when a load was interrupted).
pub async fn restore_indexes(db: &Db) -> DbResult<usize> {
    let rows = db
        .query(
            "SELECT name, ddl FROM deferred_indexes ORDER BY name",
            vec![],
        )
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    // SQLite: sort on both cores, and let the sorter spill to temporary files: kept in memory
    // (temp_store = MEMORY, right for everyday work) they cost as much RAM as the index itself
    // (3.3 GiB peak for a 25M city).
    db.writer_pragma("PRAGMA threads = 2; PRAGMA temp_store = FILE")
        .await?;
    let built = async {
        for r in &rows {
            let mut tx = db.begin().await?;
            tx.batch(r.text(1)).await?;
            tx.execute(
                "DELETE FROM deferred_indexes WHERE name = $1",
                vec![Value::from(r.text(0))],
            )
            .await?;
            tx.commit().await?;
            tracing::info!("built index {}", r.text(0));
        }
        Ok::<_, DbError>(rows.len())
    }
    .await;
    // Back to in-memory temporary storage whether or not the rebuild succeeded.
    db.writer_pragma("PRAGMA temp_store = MEMORY").await?;
    built
}
