//! The household link's page as a view: the request form and the household's own requests.

use super::forms::{lines, state, ActForm, Back, NeedForm};
use super::views::{need_fields, short_code, status_tag, urgency_tag};
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::needs::intake::{Household, LinkMember};
use crate::needs::Need;
use crate::web::html::{error_box, minutes, notice, qr_svg, Markup};

/// What the household link's page shows.
pub struct LinkView<'a> {
    pub token: &'a str,
    pub hh: &'a Household,
    pub list: &'a [Need],
    pub done: &'a str,
    pub client_id: &'a str,
    pub need: Option<&'a Back<'a, NeedForm>>,
    pub act: Option<&'a Back<'a, ActForm>>,
}

pub fn link(l: Lang, v: &LinkView) -> Markup {
    let token = v.token;
    let s = state(v.need, "need", 0);
    maud::html! {
        h1 { (t(l, "need-ask-title")) }
        p.muted #hh-address { (v.hh.address) }
        @if !v.done.is_empty() {
            (notice(&t(l, &format!("need-pub-done-{}", short_code(v.done)))))
        }
        @if let Some(p) = v.act.filter(|p| p.form == "act") {
            (error_box(l, &p.errs.lines))
        }
        p.outcome.warn.small #call-120 { (t(l, "need-ask-emergency")) }
        form.box #ask-form method="post" action={ "/h/" (token) } {
            (error_box(l, lines(s)))
            (need_fields(l, s, None, v.client_id))
            button.big.wide #ask-send { (t(l, "need-ask-send")) }
        }
        p.actions {
            a.btn.alt #to-codes href={ "/h/" (token) "/codes" } { (t(l, "need-codes-open")) }
        }
        @if !v.list.is_empty() {
            h2 { (t(l, "need-ask-mine")) }
            ul.home #my-requests {
                @for n in v.list {
                    @let url = format!("/h/{token}/needs/{}", n.id);
                    li id={ "req-" (n.id) } {
                        (urgency_tag(l, n.urgency)) " "
                        b { "#" (n.id) " " (n.category_label(l)) } " "
                        (status_tag(l, &n.status))
                        span.sub { (minutes(n.created_ms)) }
                        @if n.status == "done" && n.confirmed_ms.is_none() {
                            (confirm_form(l, &url, n.version, lines(state(v.act, "confirm", n.id))))
                        } @else if let Some(r) = n.rating {
                            span.sub { (ta(l, "need-ask-rated", &[("n", Arg::N(r))])) }
                        }
                        @if n.status == "new" {
                            form.withdraw method="post" action=(url) {
                                input type="hidden" name="action" value="cancel";
                                input type="hidden" name="version" value=(n.version);
                                button.alt id={ "withdraw-" (n.id) }
                                    data-confirm=(t(l, "need-ask-withdraw-confirm")) {
                                    (t(l, "need-ask-withdraw"))
                                }
                            }
                        }
                    }
                }
            }
        }
        p.muted.small { (t(l, "need-ask-private")) }
    }
    .into()
}

/// The household's personal codes: one card per member with the masked name, the relation,
/// the QR code and the code as text (a collector may type it).
pub fn codes(l: Lang, token: &str, hh: &Household, codes: &[(LinkMember, String)]) -> Markup {
    maud::html! {
        nav.crumbs { a href={ "/h/" (token) } { (t(l, "need-ask-title")) } i { "›" } span { (t(l, "need-codes-title")) } }
        h1 { (t(l, "need-codes-title")) }
        p.muted #hh-address { (hh.address) }
        p.muted { (t(l, "need-codes-how")) }
        @if codes.is_empty() {
            p.muted #no-codes { (t(l, "need-codes-none")) }
        }
        @for (m, code) in codes {
            section.plate.member-code id={ "code-" (m.id) } {
                h2 { (m.name_masked) span.sub { (relation_label(l, &m.relation)) } }
                (qr_svg(code))
                p.mono.small.code-text { (code) }
            }
        }
        p.actions { a.btn.alt #back-to-link href={ "/h/" (token) } { (t(l, "need-back")) } }
    }
    .into()
}

fn relation_label(l: Lang, code: &str) -> String {
    crate::registry::model::RELATIONS
        .iter()
        .find(|r| r.code == code)
        .map(|r| if l == Lang::Zh { r.zh } else { r.en })
        .unwrap_or("")
        .to_owned()
}

fn confirm_form(l: Lang, url: &str, version: i64, errors: &[String]) -> Markup {
    let mut stars = Markup::default();
    for i in 1..=5 {
        stars.push(html!(
            "<label class=\"tag\"><input type=\"radio\" name=\"rating\" value=\"{}\"{}> {}</label>",
            i,
            Markup(if i == 5 {
                " checked".into()
            } else {
                String::new()
            }),
            "★".repeat(i)
        ));
    }
    html!(
        "<form method=\"post\" action=\"{}\" class=\"box confirm\">{}<input type=\"hidden\" name=\"action\" value=\"confirm\"><input type=\"hidden\" name=\"version\" value=\"{}\"><fieldset class=\"field\"><span>{}</span>{}</fieldset><label class=\"field\"><span>{}</span><input name=\"feedback\" maxlength=\"500\"></label><button class=\"alt\">{}</button></form>",
        url,
        error_box(l, errors),
        version,
        t(l, "need-ask-rate"),
        stars,
        t(l, "need-feedback"),
        t(l, "need-ask-confirm")
    )
}
