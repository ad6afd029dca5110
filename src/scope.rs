//! An account's area scope: the subtrees (area paths) it may see, and the SQL condition that
//! keeps a query inside them. Below every capability (the audit log filters by it too).

use crate::db::{path_end, Value};

/// The area subtrees an account may see, as path prefixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub roots: Vec<String>,
}

impl Scope {
    pub fn contains(&self, path: &str) -> bool {
        self.roots.iter().any(|r| path.starts_with(r.as_str()))
    }

    /// A SQL condition restricting `col` to the scope, with parameters numbered from `first`.
    /// An empty scope matches nothing.
    pub fn sql(&self, col: &str, first: usize) -> (String, Vec<Value>) {
        if self.roots.is_empty() {
            return ("1 = 0".into(), vec![]);
        }
        let mut parts = Vec::new();
        let mut params = Vec::new();
        for (i, r) in self.roots.iter().enumerate() {
            let n = first + 2 * i;
            parts.push(format!("({col} >= ${n} AND {col} < ${})", n + 1));
            params.push(Value::from(r.as_str()));
            params.push(Value::from(path_end(r)));
        }
        (format!("({})", parts.join(" OR ")), params)
    }
}
