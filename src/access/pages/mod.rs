//! Pages of the access capability: sign-in (password, then a TOTP code where due), sign-out
//! (`signin`), the user's own account: password, second factor, API tokens (`account`), and
//! account management for administrators (`admin`). Handlers are apart from their views
//! (`*_views`); the posted forms are typed in `forms`.

pub mod account;
pub mod account_views;
pub mod admin;
pub mod admin_views;
pub mod forms;
pub mod signin;
pub mod signin_views;

use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;

use crate::i18n::Lang;
use crate::web::html::Chrome;
use crate::web::AppState;

fn anon(lang: Lang, here: &str) -> Chrome<'_> {
    Chrome::anon(lang, here)
}

fn secure_attr(h: &HeaderMap) -> &'static str {
    match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "; Secure",
        _ => "",
    }
}

pub fn routes() -> Router<AppState> {
    use account::*;
    use admin::*;
    use signin::*;
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/login/totp", get(totp_page).post(totp_submit))
        .route("/logout", post(logout))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route(
            "/account/totp",
            get(totp_enrol_page).post(totp_enrol_submit),
        )
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/admin/accounts", get(accounts_page))
        .route(
            "/admin/accounts/new",
            get(new_account_page).post(new_account_submit),
        )
        .route("/admin/accounts/{id}", get(account_detail))
        .route("/admin/accounts/{id}/password", post(admin_set_password))
        .route("/admin/accounts/{id}/{action}", post(admin_disable))
}
