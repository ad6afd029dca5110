//! The one error type of the application. The web layer maps it to a status and a message in
//! the user's language; internal causes are logged and never shown.

use std::fmt;

use serde::Serialize;

use crate::db::DbError;
use crate::i18n::{Lang, Msg};

/// A problem with one field of the input, optionally on one row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Row number in the file (1-based, counting the header as row 1), for imports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub field: &'static str,
    pub message: Msg,
}

impl FieldError {
    pub fn new(field: &'static str, en: impl Into<String>, zh: impl Into<String>) -> FieldError {
        FieldError {
            row: None,
            field,
            message: Msg::new(en, zh),
        }
    }
    pub fn at_row(mut self, row: usize) -> FieldError {
        self.row = Some(row);
        self
    }
    pub fn render(&self, lang: Lang) -> String {
        let field = crate::i18n::field_label(self.field, lang);
        match (self.row, lang) {
            (Some(r), Lang::Zh) => format!("第 {r} 行，{field}：{}", self.message.zh),
            (Some(r), Lang::En) => format!("row {r}, {field}: {}", self.message.en),
            (None, Lang::Zh) => format!("{field}：{}", self.message.zh),
            (None, Lang::En) => format!("{field}: {}", self.message.en),
        }
    }
}

#[derive(Debug)]
pub enum AppError {
    /// Input failed validation; nothing was written.
    Invalid(Vec<FieldError>),
    /// Not there, or not within the reader's scope (the two are indistinguishable on purpose).
    NotFound,
    /// The request conflicts with existing data (e.g. a duplicate identity document).
    Conflict(Msg),
    /// Not signed in, or the token is unknown or revoked.
    Unauthorized,
    /// Signed in, and the record is within scope, but the role may not do this.
    Forbidden(Msg),
    /// The operation itself is refused (bad parameters, wrong state).
    BadRequest(Msg),
    /// Too many requests from one client in a short time (a public form's rate limit).
    TooMany(Msg),
    /// The server is too busy to take the request now (a write queue is full); nothing was
    /// written; the client may retry after the given number of seconds (503 with that
    /// `Retry-After`).
    Busy(Msg, u64),
    Db(DbError),
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::Db(e)
    }
}

impl From<crate::db::group::Refused> for AppError {
    fn from(e: crate::db::group::Refused) -> Self {
        match e {
            crate::db::group::Refused::Full => AppError::Busy(Msg::new(
                "too many records are waiting to be written; nothing was saved: send it again in a few seconds",
                "待写入的记录过多，本次内容未保存，请几秒后重新提交",
            ), 2),
            crate::db::group::Refused::Stopped => {
                AppError::Internal("a group-commit writer has stopped".into())
            }
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }
}

impl AppError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Invalid(errs) => errs
                .iter()
                .map(|e| e.render(lang))
                .collect::<Vec<_>>()
                .join("\n"),
            AppError::NotFound => Msg::new("not found", "未找到").get(lang).to_owned(),
            AppError::Conflict(m)
            | AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::TooMany(m)
            | AppError::Busy(m, _) => m.get(lang).to_owned(),
            AppError::Unauthorized => Msg::new(
                "sign in first: a valid API token is required",
                "请先登录：需要有效的 API 令牌",
            )
            .get(lang)
            .to_owned(),
            AppError::Db(DbError::Unavailable(_)) => Msg::new(
                "the database cannot record anything right now (its storage is full or it is restarting); nothing was saved: try again in a minute",
                "数据库暂时无法写入（存储空间已满或正在重启），本次内容未保存，请稍后一分钟再试",
            )
            .get(lang)
            .to_owned(),
            AppError::Db(_) | AppError::Internal(_) => Msg::new(
                "internal error; the details were logged",
                "内部错误，详情已记录在日志中",
            )
            .get(lang)
            .to_owned(),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Db(e) => write!(f, "{e}"),
            AppError::Internal(e) => write!(f, "{e}"),
            other => f.write_str(&other.message(Lang::En)),
        }
    }
}

impl std::error::Error for AppError {}
