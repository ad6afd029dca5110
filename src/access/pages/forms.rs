//! The access pages' posted forms and query strings, typed.

use serde::Deserialize;

/// The sign-in form: the token set with the form (`pre`), where to go next, the credentials.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub pre: String,
    pub next: String,
    pub username: String,
    pub password: String,
}

/// The sign-in page's query string.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// A code from the authenticator; `csrf` checked by the half-signed-in step itself.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    pub csrf: String,
    pub code: String,
}

/// A new password (and, for one's own, the current one).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub password: String,
}

/// A new API token's label.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    pub label: String,
}

/// A new account, as an administrator fills it in.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewAccountForm {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// Area codes, separated by commas or spaces.
    pub scope: String,
    pub password: String,
}

/// The accounts list's query string: the page (the last username shown).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AfterQuery {
    pub after: String,
}
