//! The user's own account page as views: password, second factor, API tokens.

use crate::access::{role_name, Reader, TokenView};
use crate::html;
use crate::i18n::{t, Lang};
use crate::web::html::{self, csrf_field, error_box, field, notice, Markup};

/// What the account page shows.
pub struct AccountView<'a> {
    pub reader: &'a Reader,
    pub csrf: &'a str,
    pub totp_enabled: bool,
    pub ok: Option<String>,
    pub errors: &'a [String],
    /// A token just made, shown once.
    pub new_token: Option<String>,
    pub tokens: &'a [TokenView],
}

pub fn account(l: Lang, v: &AccountView) -> Markup {
    let r = v.reader;
    let mut body = html!(
        "<h1>{}</h1><dl class=\"kv\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "account-title"),
        t(l, "field-username"),
        r.username,
        t(l, "field-display-name"),
        r.display_name,
        t(l, "field-role"),
        role_name(&r.role, l),
        t(l, "field-scope"),
        r.scope.roots.join(", ")
    );
    if let Some(m) = &v.ok {
        body.push(notice(m));
    }
    body.push(error_box(l, v.errors));
    if let Some(tok) = &v.new_token {
        body.push(html!(
            "<div class=\"notice\" role=\"status\"><p>{}</p><code id=\"new-token\">{}</code></div>",
            t(l, "token-shown-once"),
            tok
        ));
    }
    body.push(html!(
        "<h2>{}</h2><form method=\"post\" action=\"/account/password\" class=\"box\">{}{}{}<button>{}</button></form>",
        t(l, "password-change"),
        csrf_field(v.csrf),
        field("current", &t(l, "field-current-password"), "", None, "type=\"password\" autocomplete=\"current-password\" required"),
        field("password", &t(l, "field-new-password"), "", None, "type=\"password\" autocomplete=\"new-password\" required minlength=\"10\""),
        t(l, "save")
    ));
    if v.totp_enabled {
        body.push(html!(
            "<h2>{}</h2><p>{}</p>",
            t(l, "field-totp"),
            t(l, "totp-on")
        ));
    } else {
        body.push(html!(
            "<h2>{}</h2><p>{}</p><p><a class=\"btn alt\" href=\"/account/totp\">{}</a></p>",
            t(l, "field-totp"),
            t(l, "totp-off"),
            t(l, "totp-enable")
        ));
    }
    body.push(html!(
        "<h2>{}</h2><p class=\"muted\">{}</p>",
        t(l, "tokens-title"),
        t(l, "tokens-intro")
    ));
    if v.tokens.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "tokens-none")));
    } else {
        let (c_label, c_created) = (t(l, "field-label"), t(l, "field-created"));
        body.push(maud::html! {
            table.stack #tokens {
                thead { tr { th { (c_label) } th { (c_created) } th {} } }
                tbody {
                    @for tk in v.tokens.iter() {
                        tr {
                            td { (tk.label) }
                            td data-label=(c_created) { (html::datetime(tk.created_ms)) }
                            td {
                                @match tk.revoked_ms {
                                    Some(ms) => span.muted { (t(l, "token-revoked")) " " (html::datetime(ms)) },
                                    None => form.inline method="post" action={ "/account/tokens/" (tk.id) "/revoke" } {
                                        (csrf_field(v.csrf))
                                        button.alt data-confirm=(t(l, "token-revoke-confirm")) { (t(l, "token-revoke")) }
                                    },
                                }
                            }
                        }
                    }
                }
            }
        }.into());
    }
    body.push(html!(
        "<form method=\"post\" action=\"/account/tokens\" class=\"box\">{}{}<button>{}</button></form>",
        csrf_field(v.csrf),
        field("label", &t(l, "field-label"), "", None, "required maxlength=\"80\""),
        t(l, "token-create")
    ));
    body
}

/// Turning on the second factor: the secret, its URI and the form for the first code.
pub fn totp_enrol(l: Lang, csrf: &str, secret: &str, uri: &str, err: Option<String>) -> Markup {
    html!(
        "<h1>{}</h1>{}<p>{}</p><p class=\"box\"><span class=\"muted\">{}</span><br><code id=\"totp-secret\">{}</code><br>\
         <span class=\"muted\">{}</span><br><code>{}</code></p>\
         <form method=\"post\" action=\"/account/totp\" class=\"box\">{}{}<button>{}</button></form>",
        t(l, "totp-enable"),
        error_box(l, &err.into_iter().collect::<Vec<_>>()),
        t(l, "totp-enrol-optional"),
        t(l, "totp-secret"),
        secret,
        t(l, "totp-uri"),
        uri,
        csrf_field(csrf),
        field("code", &t(l, "field-totp-code"), "", None, "inputmode=\"numeric\" autocomplete=\"one-time-code\" required"),
        t(l, "totp-submit")
    )
}
