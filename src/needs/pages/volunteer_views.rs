//! The volunteer's phone pages as views: "My tasks" and one task.

use super::forms::{ActForm, Back, ItemForm};
use super::views::{
    action_form, facts, flags, history_view, item_form, reason_form, short, short_code, span,
    urgency_tag,
};
use crate::html;
use crate::i18n::{t, Lang};
use crate::needs::deadlines::Deadlines;
use crate::needs::flow::Tasks;
use crate::needs::{Item, Need, Step};
use crate::web::html::{csrf_field, error_box, notice, Markup};

fn card(l: Lang, n: &Need, d: &Deadlines, now: i64) -> Markup {
    html!(
        "<li id=\"task-{}\"><a href=\"/me/needs/{}\">{} <b>#{} {}</b></a><span class=\"sub\">{}</span><span class=\"sub\">{}</span><span class=\"sub\">{} · {}</span>{}</li>",
        n.id,
        n.id,
        urgency_tag(l, n.urgency),
        n.id,
        n.category_label(l),
        short(&n.description, 60),
        n.address,
        n.status_label(l),
        span(l, now - n.created_ms),
        flags(l, n, d, now)
    )
}

pub fn tasks(l: Lang, tasks: &Tasks, d: &Deadlines, now: i64, done: &str) -> Markup {
    let mut body = html!("<h1>{}</h1>", t(l, "nav-mytasks"));
    if !done.is_empty() {
        body.push(notice(&t(l, &format!("need-done-{}", short_code(done)))));
    }
    body.push(html!("<h2>{}</h2>", t(l, "need-mine")));
    if tasks.mine.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-tasks\">{}</p>",
            t(l, "need-mine-none")
        ));
    } else {
        body.push(Markup("<ul class=\"home\" id=\"my-tasks\">".into()));
        for n in &tasks.mine {
            body.push(card(l, n, d, now));
        }
        body.0.push_str("</ul>");
    }
    body.push(html!("<h2>{}</h2>", t(l, "need-to-claim")));
    if tasks.queue.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-claimable\">{}</p>",
            t(l, "need-queue-empty")
        ));
    } else {
        body.push(Markup("<ul class=\"home\" id=\"claimable\">".into()));
        for n in &tasks.queue {
            body.push(card(l, n, d, now));
        }
        body.0.push_str("</ul>");
    }
    if !tasks.done.is_empty() {
        body.push(html!(
            "<h2>{}</h2><ul class=\"home\" id=\"my-done\">",
            t(l, "need-my-done")
        ));
        for n in &tasks.done {
            body.push(card(l, n, d, now));
        }
        body.0.push_str("</ul>");
    }
    body
}

/// What one task's page shows.
pub struct TaskView<'a> {
    pub n: &'a Need,
    pub d: &'a Deadlines,
    pub now: i64,
    pub done: &'a str,
    pub csrf: &'a str,
    /// The need is the volunteer's own.
    pub mine: bool,
    /// The phone number, once revealed.
    pub phone: Option<&'a str>,
    /// The history (the volunteer's own needs only).
    pub history: Option<(&'a [Item], &'a [Step])>,
    /// People's names for the login names in the history.
    pub names: &'a std::collections::HashMap<String, String>,
    pub act: Option<&'a Back<'a, ActForm>>,
    pub item: Option<&'a Back<'a, ItemForm>>,
}

pub fn task(l: Lang, v: &TaskView) -> Markup {
    let (n, mine, csrf) = (v.n, v.mine, v.csrf);
    let mut body = html!(
        "<p class=\"crumbs\"><a href=\"/me/needs\">{}</a></p><h1>#{} {}</h1>",
        t(l, "nav-mytasks"),
        n.id,
        n.category_label(l)
    );
    if !v.done.is_empty() {
        body.push(notice(&t(l, &format!("need-done-{}", short_code(v.done)))));
    }
    if let Some(p) = v.act.filter(|p| p.form == "act") {
        body.push(error_box(l, &p.errs.lines));
    }
    let phone_cell = match (v.phone, mine && n.is_open()) {
        (Some(p), _) => html!(
            "<a class=\"btn big\" href=\"tel:{}\" id=\"phone-number\">{}</a>",
            p,
            p
        ),
        (None, true) if n.phone.is_some() => html!(
            "<span class=\"masked\">{}</span> <form method=\"post\" action=\"/me/needs/{}/call\" class=\"inline\">{}<button class=\"alt\" id=\"call\">{}</button></form>",
            n.masked_phone(),
            n.id,
            csrf_field(csrf),
            t(l, "need-call")
        ),
        _ => html!("<span class=\"masked\">{}</span>", n.masked_phone()),
    };
    body.push(facts(l, n, v.d, v.now, phone_cell));
    let url = format!("/me/needs/{}/act", n.id);
    let button = |action: &str, label: &str, extra: Markup| {
        action_form(
            csrf,
            &url,
            action,
            n.version,
            &t(l, label),
            extra,
            "big wide",
            (action == "done")
                .then(|| t(l, "need-do-done-confirm"))
                .as_deref(),
        )
    };
    match n.status.as_str() {
        "new" => body.push(button("claim", "need-do-claim", Markup::default())),
        "assigned" if n.volunteer_id.is_none() => {
            body.push(button("claim", "need-do-claim", Markup::default()))
        }
        "assigned" | "claimed" => body.push(button(
            "start",
            "need-do-start",
            html!("<p class=\"muted\">{}</p>", t(l, "need-start-how")),
        )),
        "in_progress" => body.push(button("done", "need-do-done", Markup::default())),
        _ => {}
    }
    if mine && matches!(n.status.as_str(), "in_progress" | "done") {
        body.push(item_form(
            l,
            csrf,
            &format!("/me/needs/{}/items", n.id),
            v.item,
        ));
    }
    if mine && matches!(n.status.as_str(), "assigned" | "claimed" | "in_progress") {
        body.push(reason_form(l, csrf, &url, "unable", n.version, v.act));
    }
    if let Some((items, steps)) = v.history {
        body.push(history_view(l, items, steps, v.names));
    }
    body
}
