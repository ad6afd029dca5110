//! PostgreSQL backend: a small pool of `tokio-postgres` clients, each with its own cache of
//! prepared statements; bulk loads go through `COPY … FROM STDIN` in text format.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use futures_util::SinkExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use super::{DbError, DbResult, Row, Value};

const POOL_SIZE: usize = 16;

pub(crate) fn err(e: tokio_postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        let m = format!("{} ({})", db.message(), db.constraint().unwrap_or(""));
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            return DbError::Unique(m);
        }
        if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
            return DbError::ForeignKey(m);
        }
        // Disk full, out of memory, too many connections, shutting down or starting up: the
        // statement did nothing and the same request can succeed later.
        let code = db.code().code();
        if code.starts_with("53") || code.starts_with("57P") || code.starts_with("08") {
            return DbError::Unavailable(db.to_string());
        }
        return DbError::Other(db.to_string());
    }
    // No answer from the server at all: the connection broke (a restart, a network cut).
    if e.is_closed() || e.to_string().contains("connection") {
        return DbError::Unavailable(e.to_string());
    }
    DbError::Other(e.to_string())
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                Type::NUMERIC => Err("numeric parameters are not supported; cast to BIGINT".into()),
                _ => v.to_string().as_str().to_sql(&Type::TEXT, out),
            },
            Value::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.parse::<i32>()?.to_sql(ty, out),
                _ => s.as_str().to_sql(&Type::TEXT, out),
            },
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    tokio_postgres::types::to_sql_checked!();
}

/// A `numeric` in PostgreSQL's binary form (base-10000 digits): a whole number that fits
/// becomes [`Value::Int`], anything else its decimal text.
struct Numeric(Value);

impl<'a> tokio_postgres::types::FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        let word = |i: usize| -> Result<i16, Box<dyn StdError + Sync + Send>> {
            raw.get(i * 2..i * 2 + 2)
                .map(|b| i16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "short numeric".into())
        };
        let (ndigits, weight, sign) = (word(0)? as usize, word(1)? as i64, word(2)? as u16);
        if sign == 0xC000 {
            return Ok(Numeric(Value::Text("NaN".into())));
        }
        let digits = (0..ndigits)
            .map(|k| word(4 + k))
            .collect::<Result<Vec<i16>, _>>()?;
        // Whole when no digit lies after the decimal point.
        let whole = ndigits as i64 <= weight + 1;
        let mut acc: Option<i64> = whole.then_some(0);
        if let Some(a) = acc.as_mut() {
            for k in 0..=weight.max(-1) {
                let d = digits.get(k as usize).copied().unwrap_or(0) as i64;
                match a.checked_mul(10_000).and_then(|x| x.checked_add(d)) {
                    Some(x) => *a = x,
                    None => {
                        acc = None;
                        break;
                    }
                }
            }
        }
        let neg = sign == 0x4000;
        Ok(Numeric(match acc {
            Some(a) => Value::Int(if neg { -a } else { a }),
            None => {
                // Not whole, or too large for an integer: its decimal text (approximate).
                let v: f64 = digits
                    .iter()
                    .enumerate()
                    .map(|(k, d)| *d as f64 * 10_000f64.powi((weight - k as i64) as i32))
                    .sum();
                Value::Text(format!("{}", if neg { -v } else { v }))
            }
        }))
    }
    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

fn read_row(row: &tokio_postgres::Row, names: &Arc<[Box<str>]>) -> DbResult<Row> {
    let mut vals = Vec::with_capacity(row.len());
    for (i, col) in row.columns().iter().enumerate() {
        let get = |e: tokio_postgres::Error| DbError::Other(e.to_string());
        let v = match *col.type_() {
            Type::INT8 => row
                .try_get::<_, Option<i64>>(i)
                .map_err(get)?
                .map(Value::Int),
            Type::INT4 => row
                .try_get::<_, Option<i32>>(i)
                .map_err(get)?
                .map(|v| Value::Int(v as i64)),
            Type::INT2 => row
                .try_get::<_, Option<i16>>(i)
                .map_err(get)?
                .map(|v| Value::Int(v as i64)),
            Type::BOOL => row
                .try_get::<_, Option<bool>>(i)
                .map_err(get)?
                .map(|v| Value::Int(v as i64)),
            // SUM and AVG of integers: whole numbers come back as integers, others as text.
            Type::NUMERIC => row
                .try_get::<_, Option<Numeric>>(i)
                .map_err(get)?
                .map(|n| n.0),
            Type::FLOAT8 => row
                .try_get::<_, Option<f64>>(i)
                .map_err(get)?
                .map(|v| Value::Int(v as i64)),
            _ => row
                .try_get::<_, Option<String>>(i)
                .map_err(|e| {
                    DbError::Other(format!("column {} ({}): {e}", col.name(), col.type_()))
                })?
                .map(Value::Text),
        };
        vals.push(v.unwrap_or(Value::Null));
    }
    Ok(Row::new(Arc::clone(names), vals))
}

struct Conn {
    client: Client,
    stmts: HashMap<String, Statement>,
}

impl Conn {
    async fn prepare(&mut self, sql: &str) -> DbResult<Statement> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).await.map_err(err)?;
        if self.stmts.len() > 512 {
            self.stmts.clear();
        }
        self.stmts.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    async fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        let stmt = self.prepare(sql).await?;
        let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        let rows = self.client.query(&stmt, &p).await.map_err(err)?;
        let Some(first) = rows.first() else {
            return Ok(Vec::new());
        };
        let names: Arc<[Box<str>]> = first
            .columns()
            .iter()
            .map(|c| Box::from(c.name()))
            .collect();
        rows.iter().map(|r| read_row(r, &names)).collect()
    }

    async fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        let stmt = self.prepare(sql).await?;
        let p: Vec<&(dyn ToSql + Sync)> = params.iter().map(|v| v as _).collect();
        self.client.execute(&stmt, &p).await.map_err(err)
    }
}

struct PoolInner {
    config: tokio_postgres::Config,
    idle: Mutex<Vec<Conn>>,
    slots: Arc<Semaphore>,
}

pub struct PgDb {
    pool: Arc<PoolInner>,
}

struct Pooled {
    conn: Option<Conn>,
    pool: Arc<PoolInner>,
    /// Held while the connection is out of the pool (taken along by a background rollback).
    permit: Option<OwnedSemaphorePermit>,
    /// False while the connection's transaction state is unknown.
    reusable: bool,
}

impl Pooled {
    fn get(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("connection taken")
    }
    /// Close the connection instead of returning it (the server then rolls back whatever it
    /// had open).
    fn discard(&mut self) {
        self.conn = None;
    }
}

impl Pooled {
    /// Roll back the transaction left open on this connection, then give it back to the pool;
    /// in the background, since a transaction may end unfinished in any `drop` (a refused
    /// change returning early, a cancelled request). The rollback releases the transaction's
    /// locks at once, and the connection is kept instead of being closed and opened anew. The
    /// slot stays taken until the rollback has answered; a connection whose rollback fails is
    /// closed.
    fn roll_back_in_background(&mut self) {
        let (Some(conn), Ok(rt)) = (self.conn.take(), tokio::runtime::Handle::try_current()) else {
            self.conn = None;
            return;
        };
        let pool = self.pool.clone();
        let permit = self.permit.take();
        rt.spawn(async move {
            if conn.client.batch_execute("ROLLBACK").await.is_ok() {
                pool.idle.lock().expect("pool poisoned").push(conn);
            }
            drop(permit);
        });
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if self.reusable && !c.client.is_closed() {
                self.pool.idle.lock().expect("pool poisoned").push(c);
            }
        }
    }
}

impl PgDb {
    pub async fn connect(url: &str) -> DbResult<PgDb> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| DbError::Other(format!("bad PostgreSQL URL: {e}")))?;
        let db = PgDb {
            pool: Arc::new(PoolInner {
                config,
                idle: Mutex::new(Vec::new()),
                slots: Arc::new(Semaphore::new(POOL_SIZE)),
            }),
        };
        // Fail early on a wrong URL or a server that is down.
        drop(db.acquire().await?);
        Ok(db)
    }

    async fn acquire(&self) -> DbResult<Pooled> {
        let permit = self
            .pool
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore closed");
        // Idle connections that the server closed meanwhile (a restart, an administrator's
        // pg_terminate_backend, a network cut) are dropped here, so the request after a
        // restart gets a new connection instead of an error.
        let idle = {
            let mut idle = self.pool.idle.lock().expect("pool poisoned");
            std::iter::from_fn(|| idle.pop()).find(|c| !c.client.is_closed())
        };
        let conn = match idle {
            Some(c) => c,
            None => {
                // The server is down or restarting: the request may succeed in a moment.
                let (client, connection) =
                    self.pool
                        .config
                        .connect(NoTls)
                        .await
                        .map_err(|e| match err(e) {
                            DbError::Other(m) => DbError::Unavailable(m),
                            other => other,
                        })?;
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!("postgres connection ended: {e}");
                    }
                });
                Conn {
                    client,
                    stmts: HashMap::new(),
                }
            }
        };
        Ok(Pooled {
            conn: Some(conn),
            pool: self.pool.clone(),
            permit: Some(permit),
            reusable: true,
        })
    }

    pub async fn query(&self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        let mut c = self.acquire().await?;
        c.get().query(sql, &params).await
    }

    pub async fn begin(&self) -> DbResult<PgTx> {
        let mut c = self.acquire().await?;
        // If this future is dropped while BEGIN is in flight, the connection may be left inside
        // a transaction: until BEGIN has answered, it is not to go back to the pool.
        c.reusable = false;
        c.get().client.batch_execute("BEGIN").await.map_err(err)?;
        c.reusable = true;
        Ok(PgTx {
            conn: c,
            done: false,
            copying: false,
            audit_key: None,
        })
    }
}

pub struct PgTx {
    conn: Pooled,
    done: bool,
    /// A COPY is under way: the connection cannot take a ROLLBACK until it ends.
    copying: bool,
    /// The audit chain's key, copied from the [`super::Db`] that began this transaction.
    pub(crate) audit_key: Option<std::sync::Arc<[u8]>>,
}

impl PgTx {
    pub async fn execute(&mut self, sql: &str, params: Vec<Value>) -> DbResult<u64> {
        self.conn.get().execute(sql, &params).await
    }

    pub async fn query(&mut self, sql: &str, params: Vec<Value>) -> DbResult<Vec<Row>> {
        self.conn.get().query(sql, &params).await
    }

    pub async fn batch(&mut self, sql: &str) -> DbResult<()> {
        self.conn.get().client.batch_execute(sql).await.map_err(err)
    }

    pub async fn bulk_insert(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Value>,
        on_conflict: Option<&'static str>,
    ) -> DbResult<()> {
        let cols = columns.join(",");
        let target = if on_conflict.is_some() {
            self.batch(&format!(
                "CREATE TEMP TABLE IF NOT EXISTS bulk_{table} AS SELECT {cols} FROM {table} WITH NO DATA; \
                 TRUNCATE bulk_{table};"
            ))
            .await?;
            format!("bulk_{table}")
        } else {
            table.to_owned()
        };
        self.copying = true;
        let client = &self.conn.get().client;
        let sink = client
            .copy_in::<_, bytes::Bytes>(&format!("COPY {target} ({cols}) FROM STDIN"))
            .await
            .map_err(err)?;
        futures_util::pin_mut!(sink);
        let mut buf = BytesMut::with_capacity(1 << 20);
        for row in rows.chunks(columns.len()) {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b"\t");
                }
                copy_text(&mut buf, v);
            }
            buf.extend_from_slice(b"\n");
            if buf.len() > (1 << 20) {
                sink.send(buf.split().freeze()).await.map_err(err)?;
            }
        }
        if !buf.is_empty() {
            sink.send(buf.split().freeze()).await.map_err(err)?;
        }
        sink.finish().await.map_err(err)?;
        self.copying = false;
        if let Some(oc) = on_conflict {
            self.batch(&format!(
                "INSERT INTO {table} ({cols}) SELECT {cols} FROM bulk_{table} {oc}; TRUNCATE bulk_{table};"
            ))
            .await?;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> DbResult<()> {
        self.done = true;
        self.conn
            .get()
            .client
            .batch_execute("COMMIT")
            .await
            .map_err(err)
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if self.copying {
            self.conn.discard();
        } else {
            self.conn.roll_back_in_background();
        }
    }
}

/// One value in COPY text format.
fn copy_text(buf: &mut BytesMut, v: &Value) {
    match v {
        Value::Null => buf.extend_from_slice(b"\\N"),
        Value::Int(i) => buf.extend_from_slice(i.to_string().as_bytes()),
        Value::Text(s) => {
            for b in s.bytes() {
                match b {
                    b'\\' => buf.extend_from_slice(b"\\\\"),
                    b'\t' => buf.extend_from_slice(b"\\t"),
                    b'\n' => buf.extend_from_slice(b"\\n"),
                    b'\r' => buf.extend_from_slice(b"\\r"),
                    _ => buf.extend_from_slice(&[b]),
                }
            }
        }
    }
}
