//! The household link's page as a view: the request form and the household's own requests.

use super::forms::{lines, state, ActForm, Back, NeedForm};
use super::views::{need_fields, short_code, status_tag, urgency_tag};
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::needs::intake::Household;
use crate::needs::Need;
use crate::web::html::{error_box, minutes, notice, Markup};

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
    let mut body = html!(
        "<h1>{}</h1><p class=\"muted\" id=\"hh-address\">{}</p>",
        t(l, "need-ask-title"),
        v.hh.address
    );
    if !v.done.is_empty() {
        body.push(notice(&t(
            l,
            &format!("need-pub-done-{}", short_code(v.done)),
        )));
    }
    if let Some(p) = v.act.filter(|p| p.form == "act") {
        body.push(error_box(l, &p.errs.lines));
    }
    body.push(html!(
        "<p class=\"outcome warn small\" id=\"call-120\">{}</p>",
        t(l, "need-ask-emergency")
    ));
    let s = state(v.need, "need", 0);
    body.push(html!(
        "<form method=\"post\" action=\"/h/{}\" class=\"box\" id=\"ask-form\">{}{}<button class=\"big wide\" id=\"ask-send\">{}</button></form>",
        token,
        error_box(l, lines(s)),
        need_fields(l, s, None, v.client_id),
        t(l, "need-ask-send")
    ));
    if !v.list.is_empty() {
        body.push(html!(
            "<h2>{}</h2><ul class=\"home\" id=\"my-requests\">",
            t(l, "need-ask-mine")
        ));
        for n in v.list {
            body.push(html!(
                "<li id=\"req-{}\">{} <b>#{} {}</b> {}<span class=\"sub\">{}</span>",
                n.id,
                urgency_tag(l, n.urgency),
                n.id,
                n.category_label(l),
                status_tag(l, &n.status),
                minutes(n.created_ms)
            ));
            let url = format!("/h/{token}/needs/{}", n.id);
            if n.status == "done" && n.confirmed_ms.is_none() {
                body.push(confirm_form(
                    l,
                    &url,
                    n.version,
                    lines(state(v.act, "confirm", n.id)),
                ));
            } else if let Some(r) = n.rating {
                body.push(html!(
                    "<span class=\"sub\">{}</span>",
                    ta(l, "need-ask-rated", &[("n", Arg::N(r))])
                ));
            }
            if n.status == "new" {
                body.push(html!(
                    "<form method=\"post\" action=\"{}\" class=\"inline\"><input type=\"hidden\" name=\"action\" value=\"cancel\"><input type=\"hidden\" name=\"reason\" value=\"withdrawn by the household\"><input type=\"hidden\" name=\"version\" value=\"{}\"><button class=\"link\" id=\"withdraw-{}\">{}</button></form>",
                    url,
                    n.version,
                    n.id,
                    t(l, "need-ask-withdraw")
                ));
            }
            body.0.push_str("</li>");
        }
        body.0.push_str("</ul>");
    }
    body.push(html!(
        "<p class=\"muted small\">{}</p>",
        t(l, "need-ask-private")
    ));
    body
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
