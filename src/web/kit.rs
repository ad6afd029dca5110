//! The web kit: the one way a page module reads a posted form and answers it.
//!
//! A page module reads: routes → handler → engine call → view. A handler that takes a form
//!
//! 1. extracts [`CsrfForm<F>`]: the signed-in [`Ctx`], the session's CSRF token checked (403
//!    page otherwise) and the body decoded into `F`, a `#[derive(Deserialize, Default)]` struct
//!    of strings (repeated names, such as checkboxes, into a `Vec<String>`; 400 page when the
//!    body cannot be decoded at all). Public forms use [`PublicForm<F>`] and check their own
//!    token;
//! 2. calls the engine, which parses and validates (collecting every field's error with
//!    [`Check`]) and acts;
//! 3. answers through [`answer`]: a 303 redirect when it worked, the same form again with every
//!    field error and the typed values kept (status 422) when the error belongs on the form, the
//!    error page otherwise.
//!
//! A path id is taken with [`Id`] (a 404 page when it is not a number).

use std::future::Future;

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::pages::{error_page, page_lang, Ctx};
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};

/// A form posted by a signed-in user, its CSRF token checked.
pub struct CsrfForm<F>(pub Ctx, pub F);

/// A form posted on a public page (sign-in, volunteer sign-up, a resident's request): decoded
/// only; the handler checks its own token.
pub struct PublicForm<F>(pub F);

#[derive(Deserialize, Default)]
struct Token {
    #[serde(default)]
    csrf: String,
}

fn undecodable(e: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(Msg::new(
        format!("the form could not be read ({e}); go back, reload and try again"),
        format!("无法读取提交的表单（{e}）；请返回、刷新后重试"),
    ))
}

async fn body_bytes<S: Send + Sync>(
    parts: Parts,
    body: axum::body::Body,
    state: &S,
) -> Result<bytes::Bytes, AppError> {
    // Through the `Bytes` extractor, so the router's body limit applies.
    bytes::Bytes::from_request(Request::from_parts(parts, body), state)
        .await
        .map_err(|e| undecodable(e.body_text()))
}

impl<S, F> FromRequest<S> for CsrfForm<F>
where
    S: Send + Sync,
    Db: FromRef<S>,
    F: DeserializeOwned,
{
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let bytes = body_bytes(parts, body, state)
            .await
            .map_err(|e| ctx.error(e))?;
        let token: Token = serde_html_form::from_bytes(&bytes).unwrap_or_default();
        ctx.check_csrf(&token.csrf)?;
        match serde_html_form::from_bytes::<F>(&bytes) {
            Ok(f) => Ok(CsrfForm(ctx, f)),
            Err(e) => Err(ctx.error(undecodable(e))),
        }
    }
}

impl<S, F> FromRequest<S> for PublicForm<F>
where
    S: Send + Sync,
    F: DeserializeOwned,
{
    type Rejection = Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = page_lang(&parts);
        let bytes = body_bytes(parts, body, state)
            .await
            .map_err(|e| error_page(lang, None, e))?;
        serde_html_form::from_bytes::<F>(&bytes)
            .map(PublicForm)
            .map_err(|e| error_page(lang, None, undecodable(e)))
    }
}

/// The form of a button that posts nothing but its CSRF token.
#[derive(Deserialize, Default)]
pub struct NoFields {}

/// A record id from the path's one parameter; anything but a number is a 404 page.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = page_lang(parts);
        let not_found = || error_page(lang, None, AppError::NotFound);
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| not_found())?;
        raw.parse().map(Id).map_err(|_| not_found())
    }
}

/// The errors of a failed action, to show beside the form again: every message as a line
/// (for the box above the form) and each field's own message (for [`field`](super::html::field)).
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    pub lines: Vec<String>,
    fields: Vec<(&'static str, String)>,
}

impl FormErrors {
    pub fn none() -> FormErrors {
        FormErrors::default()
    }

    pub fn of(lang: Lang, e: &AppError) -> FormErrors {
        match e {
            AppError::Invalid(errs) => FormErrors {
                lines: errs.iter().map(|x| x.render(lang)).collect(),
                fields: errs
                    .iter()
                    .map(|x| (x.field, x.message.get(lang).to_owned()))
                    .collect(),
            },
            other => FormErrors {
                lines: vec![other.message(lang)],
                fields: Vec::new(),
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The lines again, each field found in `labels` (field, its label on the form) named as
    /// the form names it ("label: message") rather than by the registry's field names.
    pub fn labelled(mut self, lang: Lang, labels: &[(&str, String)]) -> FormErrors {
        if self.lines.len() == self.fields.len() {
            for (line, (f, msg)) in self.lines.iter_mut().zip(&self.fields) {
                if let Some((_, label)) = labels.iter().find(|(n, _)| n == f) {
                    *line = match lang {
                        Lang::Zh => format!("{label}：{msg}"),
                        Lang::En => format!("{label}: {msg}"),
                    };
                }
            }
        }
        self
    }

    /// The first message for one field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, m)| m.as_str())
    }
}

/// Every message of an error as lines, in the user's language.
pub fn error_lines(l: Lang, e: &AppError) -> Vec<String> {
    FormErrors::of(l, e).lines
}

/// Whether an error belongs on the form (shown again) rather than on an error page.
pub fn is_form_error(e: &AppError) -> bool {
    matches!(e, AppError::Invalid(_) | AppError::Conflict(_))
}

pub fn with_status(mut r: Response, s: StatusCode) -> Response {
    *r.status_mut() = s;
    r
}

/// Answer a posted form from the result of its action: a 303 redirect to `done(value)`; or,
/// when the error belongs on the form, `again(errors)` (the form re-rendered with the values
/// kept) with status 422; or the error page.
pub async fn answer<T, Fut>(
    ctx: &Ctx,
    result: AppResult<T>,
    done: impl FnOnce(T) -> String,
    again: impl FnOnce(FormErrors) -> Fut,
) -> Response
where
    Fut: Future<Output = Response>,
{
    match result {
        Ok(v) => Redirect::to(&done(v)).into_response(),
        Err(e) if is_form_error(&e) => {
            let resp = again(FormErrors::of(ctx.lang, &e)).await;
            if resp.status() == StatusCode::OK {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                resp
            }
        }
        Err(e) => ctx.error(e),
    }
}

/// Collects every field's error while a form's strings are parsed, so the user sees all of
/// them at once (not only the first):
///
/// ```ignore
/// let mut c = Check::default();
/// let count = c.int("count", &f.count);
/// let name = c.required("name", &f.name);
/// c.finish()?;
/// ```
#[derive(Debug, Default)]
pub struct Check(Vec<FieldError>);

impl Check {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// The value, or the error recorded (and `None`).
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.push(e)).ok()
    }

    /// The trimmed text; empty is an error.
    pub fn required(&mut self, field: &'static str, v: &str) -> String {
        let v = v.trim();
        if v.is_empty() {
            self.push(FieldError::new(field, "required", "必填"));
        }
        v.to_owned()
    }

    /// A whole number; empty or not a number is an error.
    pub fn int(&mut self, field: &'static str, v: &str) -> Option<i64> {
        let v = v.trim();
        if v.is_empty() {
            self.push(FieldError::new(field, "required", "必填"));
            return None;
        }
        self.take(parse_int(field, v))
    }

    /// A whole number or nothing; text that is not a number is an error.
    pub fn opt_int(&mut self, field: &'static str, v: &str) -> Option<i64> {
        match v.trim() {
            "" => None,
            v => self.take(parse_int(field, v)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` when nothing was wrong, else every error at once.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

fn parse_int(field: &'static str, v: &str) -> Result<i64, FieldError> {
    v.parse().map_err(|_| {
        FieldError::new(
            field,
            format!("{v:?} is not a whole number"),
            format!("“{v}”不是整数"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_collects_every_field_error() {
        let mut c = Check::default();
        assert_eq!(c.int("count", " 12 "), Some(12));
        assert_eq!(c.int("size", "x"), None);
        assert_eq!(c.opt_int("floor", ""), None);
        assert_eq!(c.required("name", "  "), "");
        match c.finish() {
            Err(AppError::Invalid(errs)) => {
                let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
                assert_eq!(fields, ["size", "name"]);
            }
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn form_errors_keep_each_field_message() {
        let e = AppError::Invalid(vec![
            FieldError::new("name", "required", "必填"),
            FieldError::new("size", "too big", "太大"),
        ]);
        let fe = FormErrors::of(Lang::Zh, &e);
        assert_eq!(fe.lines.len(), 2);
        assert_eq!(fe.field("size"), Some("太大"));
        assert_eq!(fe.field("other"), None);
        assert!(is_form_error(&e) && !is_form_error(&AppError::NotFound));
    }

    #[derive(Deserialize, Default, Debug)]
    #[serde(default)]
    struct Picks {
        name: String,
        skills: Vec<String>,
    }

    #[test]
    fn repeated_names_decode_into_a_list() {
        let p: Picks =
            serde_html_form::from_bytes(b"csrf=t&name=Li+Hua&skills=driver&skills=medic").unwrap();
        assert_eq!(p.name, "Li Hua");
        assert_eq!(p.skills, ["driver", "medic"]);
        let p: Picks = serde_html_form::from_bytes(b"").unwrap();
        assert!(p.name.is_empty() && p.skills.is_empty());
    }
}
