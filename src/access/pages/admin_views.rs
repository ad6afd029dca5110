//! Account management as views: the list, the new account form, one account.

use std::collections::HashMap;

use super::forms::NewAccountForm;
use crate::access::{role_name, AccountView, ROLES};
use crate::html;
use crate::i18n::{t, Lang};
use crate::web::html::{self, csrf_field, error_box, field, notice, select, Markup};
use crate::web::pages::next_link;

fn status_text(l: Lang, a: &AccountView, now: i64) -> String {
    if a.disabled {
        t(l, "status-disabled")
    } else if a.locked_until_ms > now {
        t(l, "status-locked")
    } else {
        t(l, "status-active")
    }
}

fn role_options(l: Lang) -> Vec<(String, String)> {
    ROLES
        .iter()
        .map(|(c, _, _)| (c.to_string(), role_name(c, l).to_owned()))
        .collect()
}

/// Up to 51 accounts (the 51st says there are more): people by name, their login name beside.
pub fn accounts(l: Lang, list: &[AccountView], now: i64) -> Markup {
    let more = list.len() > 50;
    let next = if more {
        list.get(49).map(|a| a.username.clone())
    } else {
        None
    };
    let c = [
        t(l, "field-username"),
        t(l, "field-role"),
        t(l, "field-scope"),
        t(l, "field-status"),
    ];
    maud::html! {
        h1 { (t(l, "accounts-title")) }
        p.actions { a.btn href="/admin/accounts/new" { (t(l, "account-new")) } }
        table.stack.wide #accounts {
            thead {
                tr {
                    th { (t(l, "field-display-name")) } th { (c[0]) } th { (c[1]) }
                    th.opt { (c[2]) } th { (c[3]) }
                }
            }
            tbody {
                @for a in list.iter().take(50) {
                    tr {
                        td { a.cell href={ "/admin/accounts/" (a.id) } { (person(a)) } }
                        td.masked data-label=(c[0]) { (crate::privacy::mask_digit_runs(&a.username)) }
                        td data-label=(c[1]) { (role_name(&a.role, l)) }
                        td.opt data-label=(c[2]) { (a.scope.join(", ")) }
                        td data-label=(c[3]) { (status_text(l, a, now)) }
                    }
                }
            }
        }
        (next_link(l, "/admin/accounts", &[], next.as_deref()))
    }
    .into()
}

/// A person's name (the login name, masked, for an account without one).
fn person(a: &AccountView) -> String {
    if a.display_name.trim().is_empty() {
        crate::privacy::mask_digit_runs(&a.username).into_owned()
    } else {
        a.display_name.clone()
    }
}

/// The new account form, with the values as sent and the errors by field (`top`: above it).
pub fn new_account(
    l: Lang,
    csrf: &str,
    f: &NewAccountForm,
    errors: &HashMap<String, String>,
    top: &[String],
) -> Markup {
    let e = |k: &str| errors.get(k).map(String::as_str);
    let role = if f.role.is_empty() { "grid" } else { &f.role };
    html!(
        "<h1>{}</h1>{}<form method=\"post\" action=\"/admin/accounts/new\" class=\"box\">{}{}{}{}{}{}<p class=\"muted\">{}</p><button>{}</button></form>",
        t(l, "account-new"),
        error_box(l, top),
        csrf_field(csrf),
        field("username", &t(l, "field-username"), &f.username, e("username"), "required maxlength=\"64\""),
        field("display_name", &t(l, "field-display-name"), &f.display_name, e("display_name"), "required maxlength=\"50\""),
        select("role", &t(l, "field-role"), &role_options(l), role, e("role")),
        field("scope", &t(l, "field-scope-codes"), &f.scope, e("scope"), "required"),
        field("password", &t(l, "field-initial-password"), "", e("password"), "type=\"password\" autocomplete=\"new-password\" required minlength=\"10\""),
        t(l, "scope-hint"),
        t(l, "account-create")
    )
}

/// One account: its facts, the password reset, and (not one's own) disable or enable.
pub fn account(
    l: Lang,
    csrf: &str,
    a: &AccountView,
    own: bool,
    ok: Option<String>,
    errors: &[String],
    now: i64,
) -> Markup {
    let mut body = html!(
        "<h1>{}</h1>{}{}<dl class=\"kv\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        person(a),
        ok.map(|m| notice(&m)).unwrap_or_default(),
        error_box(l, errors),
        t(l, "field-username"),
        crate::privacy::mask_digit_runs(&a.username).into_owned(),
        t(l, "field-role"),
        role_name(&a.role, l),
        t(l, "field-scope"),
        a.scope.join(", "),
        t(l, "field-totp"),
        if a.totp_enabled { t(l, "yes") } else { t(l, "no") },
        t(l, "field-status"),
        status_text(l, a, now)
    );
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/admin/accounts/{}/password\" class=\"box\">{}{}<button>{}</button></form>",
        t(l, "password-reset"),
        a.id,
        csrf_field(csrf),
        field("password", &t(l, "field-new-password"), "", None, "type=\"password\" autocomplete=\"new-password\" required minlength=\"10\""),
        t(l, "save")
    ));
    if !own {
        let (action, label) = if a.disabled {
            ("enable", "account-enable")
        } else {
            ("disable", "account-disable")
        };
        body.push(html!(
            "<form method=\"post\" action=\"/admin/accounts/{}/{}\" class=\"actions\">{}<button class=\"alt\">{}</button></form>",
            a.id,
            action,
            csrf_field(csrf),
            t(l, label)
        ));
    }
    body.push(html!(
        "<p class=\"actions\"><a class=\"btn alt\" href=\"/audit?user={}\">{}</a><a class=\"btn alt\" href=\"/admin/accounts\">{}</a></p>",
        html::url_enc(&a.username),
        t(l, "account-audit-link"),
        t(l, "accounts-title")
    ));
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_list_names_people_and_stacks_on_a_phone() {
        let a = AccountView {
            id: 7,
            username: "demo-grid".into(),
            display_name: "李网格".into(),
            role: "grid".into(),
            scope: vec!["431102001001/G0001".into()],
            totp_enabled: false,
            locked_until_ms: 0,
            disabled: false,
        };
        let m = accounts(Lang::Zh, &[a], 0).0;
        assert!(
            m.contains("<table class=\"stack wide\" id=\"accounts\">"),
            "{m}"
        );
        assert!(
            m.contains("<a class=\"cell\" href=\"/admin/accounts/7\">李网格</a>"),
            "{m}"
        );
        assert!(m.contains("data-label=\"角色\""), "{m}");
    }
}
