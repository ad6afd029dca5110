//! Rows as named values, and typed mappings from rows to structs.
//!
//! Domain code never reads a column by position: a query's result becomes a struct through one
//! [`FromRow`] mapping beside the struct (usually written with [`from_row!`](crate::from_row)),
//! which reads each field by its column name. A column that is missing, named twice, of the
//! wrong type or unexpectedly NULL is a [`DbError::Decode`] naming the column (an internal error:
//! logged, answered with 500), never a panic. Single values come back through
//! [`Db::scalar`](super::Db::scalar) and friends.

use std::sync::Arc;

use super::{DbError, DbResult, Value};

/// One result row, owned: the statement's column names (shared by all its rows) and the values.
#[derive(Debug, Clone)]
pub struct Row {
    names: Arc<[Box<str>]>,
    values: Vec<Value>,
}

impl Row {
    pub(crate) fn new(names: Arc<[Box<str>]>, values: Vec<Value>) -> Row {
        debug_assert_eq!(names.len(), values.len());
        Row { names, values }
    }

    /// The one-row answer of a statement in a [`Tx::pipeline`](super::Tx::pipeline): the
    /// number of rows it changed, as column `changed`.
    pub(crate) fn changed(n: u64) -> Row {
        thread_local! {
            static NAMES: Arc<[Box<str>]> = Arc::from(vec![Box::from("changed")]);
        }
        Row::new(NAMES.with(Arc::clone), vec![Value::Int(n as i64)])
    }

    /// The value of the column called `name`, converted to `T`.
    pub fn get<T: FromValue>(&self, name: &str) -> DbResult<T> {
        let mut found = self.names.iter().enumerate().filter(|(_, n)| &***n == name);
        let i = match (found.next(), found.next()) {
            (Some((i, _)), None) => i,
            (None, _) => {
                return Err(DbError::Decode(format!(
                    "no column {name:?} in the result (columns: {})",
                    self.names.join(", ")
                )))
            }
            (Some(_), Some(_)) => {
                return Err(DbError::Decode(format!(
                    "column {name:?} appears more than once in the result: alias it"
                )))
            }
        };
        T::from_value(&self.values[i])
            .map_err(|why| DbError::Decode(format!("column {name:?}: {why}")))
    }

    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    /// All values in column order, for tests that compare whole tables.
    #[doc(hidden)]
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The single value of a one-column row (for [`Db::scalar`](super::Db::scalar)).
    pub(crate) fn only<T: FromValue>(&self) -> DbResult<T> {
        match self.values.as_slice() {
            [v] => T::from_value(v)
                .map_err(|why| DbError::Decode(format!("column {:?}: {why}", self.names[0]))),
            vs => Err(DbError::Decode(format!(
                "expected one column, the result has {}",
                vs.len()
            ))),
        }
    }

    /// Positional reads, for the storage layer and for tests only (they panic on a wrong type);
    /// the rest of `src/` maps rows by name (a test in `tests/it/layering.rs` holds this).
    #[doc(hidden)]
    pub fn int(&self, i: usize) -> i64 {
        match &self.values[i] {
            Value::Int(v) => *v,
            Value::Text(t) => t
                .parse()
                .unwrap_or_else(|_| panic!("column {i} is not an integer")),
            Value::Null => panic!("column {i} is NULL"),
        }
    }
    #[doc(hidden)]
    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match &self.values[i] {
            Value::Null => None,
            _ => Some(self.int(i)),
        }
    }
    #[doc(hidden)]
    pub fn text(&self, i: usize) -> &str {
        match &self.values[i] {
            Value::Text(t) => t,
            other => panic!("column {i} is not text: {other:?}"),
        }
    }
    #[doc(hidden)]
    pub fn opt_text(&self, i: usize) -> Option<&str> {
        match &self.values[i] {
            Value::Null => None,
            _ => Some(self.text(i)),
        }
    }
    #[doc(hidden)]
    pub fn string(&self, i: usize) -> String {
        self.text(i).to_owned()
    }
    #[doc(hidden)]
    pub fn opt_string(&self, i: usize) -> Option<String> {
        self.opt_text(i).map(str::to_owned)
    }
}

/// A Rust value one column can become.
pub trait FromValue: Sized {
    /// `Err` says what was wrong (the caller adds the column's name).
    fn from_value(v: &Value) -> Result<Self, String>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            // PostgreSQL's numeric results (sum of bigint) arrive as text.
            Value::Text(t) => t
                .parse()
                .map_err(|_| format!("expected an integer, found text {t:?}")),
            Value::Null => Err("unexpected NULL (expected an integer)".into()),
        }
    }
}

macro_rules! narrow_int {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: &Value) -> Result<Self, String> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| format!("{i} is out of range for {}", stringify!($t)))
            }
        }
    )*};
}
narrow_int!(i32, u32, u8, i16, u16, usize, u64);

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self, String> {
        match i64::from_value(v)? {
            0 => Ok(false),
            1 => Ok(true),
            i => Err(format!("expected 0 or 1 for a flag, found {i}")),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(t) => Ok(t.clone()),
            Value::Int(i) => Err(format!("expected text, found the integer {i}")),
            Value::Null => Err("unexpected NULL (expected text)".into()),
        }
    }
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Result<Self, String> {
        Ok(v.clone())
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// A struct made from one result row, reading its columns by name.
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> DbResult<Self>;
}

/// Map a struct from a row, each field from the column of the same name (alias columns with
/// `AS` in the `SELECT`); the fields' types decide the conversions:
///
/// ```ignore
/// struct Site { id: i64, name: String, closed_ms: Option<i64> }
/// from_row!(Site { id, name, closed_ms });
/// ```
#[macro_export]
macro_rules! from_row {
    ($t:ident { $($f:ident),+ $(,)? }) => {
        impl $crate::db::FromRow for $t {
            fn from_row(row: &$crate::db::Row) -> $crate::db::DbResult<Self> {
                Ok($t { $($f: row.get(stringify!($f))?),+ })
            }
        }
    };
}

pub(crate) fn map_rows<T: FromRow>(rows: Vec<Row>) -> DbResult<Vec<T>> {
    rows.iter().map(T::from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(names: &[&str], values: Vec<Value>) -> Row {
        Row::new(names.iter().map(|n| Box::from(*n)).collect(), values)
    }

    struct Site {
        id: i64,
        name: String,
        closed: Option<i64>,
        open: bool,
    }
    crate::from_row!(Site {
        id,
        name,
        closed,
        open
    });

    #[test]
    fn a_struct_is_read_by_column_name_in_any_order() {
        let r = row(
            &["open", "closed", "name", "id"],
            vec![
                Value::Int(1),
                Value::Null,
                Value::Text("gate".into()),
                Value::Int(7),
            ],
        );
        let s = Site::from_row(&r).unwrap();
        assert_eq!(
            (s.id, s.name.as_str(), s.closed, s.open),
            (7, "gate", None, true)
        );
    }

    #[test]
    fn wrong_types_nulls_and_missing_or_repeated_columns_are_errors_naming_the_column() {
        let r = row(
            &["id", "name", "closed", "open"],
            vec![
                Value::Null,
                Value::Text("x".into()),
                Value::Null,
                Value::Int(0),
            ],
        );
        let e = Site::from_row(&r).err().unwrap().to_string();
        assert!(e.contains("\"id\"") && e.contains("NULL"), "{e}");

        let r = row(&["id", "name"], vec![Value::Int(1), Value::Int(2)]);
        let e = r.get::<String>("name").unwrap_err().to_string();
        assert!(e.contains("\"name\"") && e.contains("integer 2"), "{e}");
        let e = r.get::<i64>("nope").unwrap_err().to_string();
        assert!(e.contains("\"nope\"") && e.contains("id, name"), "{e}");

        let r = row(&["id", "id"], vec![Value::Int(1), Value::Int(2)]);
        assert!(r
            .get::<i64>("id")
            .unwrap_err()
            .to_string()
            .contains("more than once"));
        assert!(r.get::<u8>("id").is_err());
        let r = row(&["n"], vec![Value::Int(300)]);
        assert!(r
            .get::<u8>("n")
            .unwrap_err()
            .to_string()
            .contains("out of range"));
        assert!(r.get::<bool>("n").is_err());
        assert_eq!(r.only::<i64>().unwrap(), 300);
    }
}
