//! The sign-in pages as views: the password form and the second step.

use crate::html;
use crate::i18n::{t, Lang};
use crate::web::html::{csrf_field, error_box, field, Markup};

pub fn login_form(l: Lang, pre: &str, next: &str, username: &str, err: Option<String>) -> Markup {
    let mut body = html!("<h1>{}</h1>", t(l, "login-title"));
    if let Some(e) = err {
        body.push(error_box(l, &[e]));
    }
    body.push(html!(
        "<form method=\"post\" action=\"/login\" class=\"box\" id=\"login-form\">\
         <input type=\"hidden\" name=\"pre\" value=\"{}\"><input type=\"hidden\" name=\"next\" value=\"{}\">{}{}\
         <button type=\"submit\" id=\"login-submit\">{}</button></form><p class=\"muted\">{}</p>",
        pre,
        next,
        field("username", &t(l, "field-username"), username, None, "autocomplete=\"username\" required autofocus"),
        field("password", &t(l, "field-password"), "", None, "type=\"password\" autocomplete=\"current-password\" required"),
        t(l, "login-submit"),
        t(l, "login-hint")
    ));
    body
}

/// The second step: a code, or (`enrol`: the secret and its URI) enrolment first.
pub fn totp(l: Lang, csrf: &str, enrol: Option<(&str, &str)>, err: Option<String>) -> Markup {
    let mut body = html!("<h1>{}</h1>", t(l, "totp-title"));
    if let Some(e) = err {
        body.push(error_box(l, &[e]));
    }
    match enrol {
        Some((secret, uri)) => body.push(html!(
            "<p>{}</p><p class=\"box\"><span class=\"muted\">{}</span><br><code id=\"totp-secret\">{}</code><br>\
             <span class=\"muted\">{}</span><br><code>{}</code></p>",
            t(l, "totp-enrol-intro"),
            t(l, "totp-secret"),
            secret,
            t(l, "totp-uri"),
            uri
        )),
        None => body.push(html!("<p>{}</p>", t(l, "totp-intro"))),
    }
    body.push(html!(
        "<form method=\"post\" action=\"/login/totp\" class=\"box\">{}{}<button type=\"submit\">{}</button></form>",
        csrf_field(csrf),
        field("code", &t(l, "field-totp-code"), "", None, "inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{6}\" required autofocus"),
        t(l, "totp-submit")
    ));
    body
}
