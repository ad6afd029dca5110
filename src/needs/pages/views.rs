//! The views shared by the needs pages (staff's, the volunteer's and the household link's):
//! pure functions from needs to markup.

use super::forms::{action_form_name, err, lines, state, val, ActForm, Back, ItemForm, NeedForm};
use std::collections::HashMap;

use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::needs::deadlines::Deadlines;
use crate::needs::{
    label, tags_text, Item, Need, Step, CATEGORIES, ITEM_KINDS, LEVELS, SOURCES, STATUSES,
    URGENCIES,
};
use crate::web::html::{
    csrf_field, error_box, field, minutes, select, textarea, vocab_options, Markup,
};

/// Needs shown per page of the queue.
pub const PAGE: i64 = 50;

/// "25 min", "3 h 05 min", "2 d 4 h".
pub fn span(l: Lang, ms: i64) -> String {
    let m = (ms / 60_000).max(0);
    let (d, h, mm) = (m / 1440, m / 60 % 24, m % 60);
    match (l, d, h) {
        (Lang::Zh, 0, 0) => format!("{mm} 分钟"),
        (Lang::Zh, 0, _) => format!("{h} 小时 {mm} 分"),
        (Lang::Zh, _, _) => format!("{d} 天 {h} 小时"),
        (Lang::En, 0, 0) => format!("{mm} min"),
        (Lang::En, 0, _) => format!("{h} h {mm:02} min"),
        (Lang::En, _, _) => format!("{d} d {h} h"),
    }
}

/// The urgency as a coloured tag.
pub fn urgency_tag(l: Lang, u: i64) -> Markup {
    let class = match u {
        1 => "bad",
        2 => "warn",
        _ => "",
    };
    html!(
        "<span class=\"tag {} urg\">{}</span>",
        class,
        label(URGENCIES, &u.to_string(), l)
    )
}

pub fn status_tag(l: Lang, s: &str) -> Markup {
    let class = match s {
        "done" => "ok",
        "new" => "warn",
        "cancelled" => "",
        _ => "home",
    };
    html!(
        "<span class=\"tag {} st\">{}</span>",
        class,
        label(STATUSES, s, l)
    )
}

/// The flags of a need: late (with its escalation), possible duplicate, vulnerable tags.
pub fn flags(l: Lang, n: &Need, d: &Deadlines, now: i64) -> Markup {
    let mut m = Markup::default();
    if let Some(since) = d.late_since(n, now) {
        m.push(html!(
            "<span class=\"tag bad late\">{}</span>",
            ta(l, "need-late-by", &[("t", Arg::S(span(l, now - since)))])
        ));
        if n.escalation > 0 {
            m.push(html!(
                "<span class=\"tag bad esc\">{}</span>",
                ta(
                    l,
                    "need-escalated-to",
                    &[("who", Arg::S(label(LEVELS, &n.escalation.to_string(), l)))]
                )
            ));
        }
    }
    if let Some(d) = n.duplicate_of {
        m.push(html!(
            "<span class=\"tag warn dup\">{}</span>",
            ta(l, "need-dup-of", &[("n", Arg::N(d))])
        ));
    }
    if n.tags != 0 {
        m.push(html!(
            "<span class=\"tag warn vuln\">{}</span>",
            tags_text(n.tags, l)
        ));
    }
    m
}

/// Who has a need: the team or volunteer, or "nobody yet".
pub fn holder(l: Lang, n: &Need) -> String {
    match (&n.volunteer, &n.team) {
        (Some(v), _) => v.clone(),
        (None, Some(t)) => ta(l, "need-team-n", &[("team", Arg::S(t.clone()))]),
        _ => t(l, "need-nobody"),
    }
}

pub fn need_href(id: i64) -> String {
    format!("/needs/{id}")
}

/// The next target of an open need: the first contact while nobody has called, then done.
pub fn next_due(d: &Deadlines, n: &Need) -> Option<(&'static str, i64)> {
    d.contact_due(n)
        .map(|at| ("need-contact-due", at))
        .or_else(|| d.done_due(n).map(|at| ("need-done-due", at)))
}

/// The column names of the queue's rows (the table's head, and each cell's label on a phone).
pub fn queue_head(l: Lang) -> Markup {
    maud::html! {
        thead { tr {
            th { (t(l, "need-need")) }
            th { (t(l, "need-urgency")) }
            th { (t(l, "need-status")) }
            th { (t(l, "need-waiting")) }
        } }
    }
    .into()
}

/// One row of the queue; on a phone a card (`table.stack`): what and where as its title, the
/// description wrapping, then urgency, status with who holds it, and the wait with the next
/// deadline.
pub fn queue_row(l: Lang, n: &Need, d: &Deadlines, now: i64) -> Markup {
    let due = next_due(d, n);
    maud::html! {
        tr id={ "need-" (n.id) } {
            td.row-title { div {
                a.row-link href=(need_href(n.id)) { b { "#" (n.id) " " (n.category_label(l)) } }
                span.sub.desc { (short(&n.description, 80)) }
                span.sub { (n.address) }
            } }
            td data-label=(t(l, "need-urgency")) { div {
                (urgency_tag(l, n.urgency)) (flags(l, n, d, now))
                @if let Some(z) = &n.zone {
                    a class={ "tag zone-badge zone-" (z.kind.code()) } href={ "/zones/" (z.id) } { (z.kind.name(l)) }
                }
                @if n.quarantined {
                    span class="tag need-quarantined" { (t(l, "need-quarantined")) }
                }
            } }
            td data-label=(t(l, "need-status")) { div {
                (status_tag(l, &n.status))
                span.sub { (t(l, "need-holder")) ": " (holder(l, n)) }
            } }
            td data-label=(t(l, "need-waiting")) { div {
                (span(l, now - n.created_ms))
                span.sub { (minutes(n.created_ms)) }
                @if let Some((k, at)) = due {
                    span.sub.due { (t(l, k)) ": " (minutes(at)) }
                }
            } }
        }
    }
    .into()
}

pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

pub fn area_select(l: Lang, choices: &[(String, String)], code: &str) -> Markup {
    select("area", &t(l, "need-area"), choices, code, None)
}

/// The facts of a need (shared with the volunteer's page): what, for whom, where, flags.
pub fn facts(l: Lang, n: &Need, d: &Deadlines, now: i64, phone: Markup) -> Markup {
    let mut m = html!(
        "<dl class=\"kv\" id=\"need-facts\"><dt>{}</dt><dd>{} {}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd class=\"desc\">{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        t(l, "need-need"),
        urgency_tag(l, n.urgency),
        n.category_label(l),
        t(l, "need-status"),
        status_tag(l, &n.status),
        t(l, "need-details"),
        n.description,
        t(l, "need-address"),
        if n.address.is_empty() { t(l, "need-household-gone") } else { n.address.clone() },
        t(l, "need-for"),
        if n.for_name.is_empty() { t(l, "need-for-household") } else { n.for_name.clone() }
    );
    m.push(html!(
        "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} · {}</dd>",
        t(l, "need-phone"),
        phone,
        t(l, "need-holder"),
        holder(l, n),
        t(l, "need-registered"),
        minutes(n.created_ms),
        label(SOURCES, &n.source, l)
    ));
    if let Some(due) = d.contact_due(n) {
        m.push(html!(
            "<dt>{}</dt><dd>{}</dd>",
            t(l, "need-contact-due"),
            minutes(due)
        ));
    }
    if let Some(due) = d.done_due(n) {
        m.push(html!(
            "<dt>{}</dt><dd>{}</dd>",
            t(l, "need-done-due"),
            minutes(due)
        ));
    }
    let f = flags(l, n, d, now);
    if !f.0.is_empty() {
        m.push(html!("<dt>{}</dt><dd>{}</dd>", t(l, "need-flags"), f));
    }
    if let Some(r) = n.rating {
        m.push(html!(
            "<dt>{}</dt><dd id=\"rating\">{} {}</dd>",
            t(l, "need-rating"),
            "★".repeat(r as usize),
            n.feedback.clone().unwrap_or_default()
        ));
    }
    m.0.push_str("</dl>");
    m
}

/// What the household link records as the reason of a withdrawal (kept as it always was, and
/// shown as a translated label).
pub const WITHDRAWN: &str = "withdrawn by the household";

/// Who took a step, for people: a name for an account's login name, a translated label for
/// the household link and the deadline sweep, or the name recorded (demo volunteers' steps).
pub fn actor_label(l: Lang, actor: &str, names: &HashMap<String, String>) -> String {
    match actor {
        "household link" => t(l, "need-actor-household"),
        "deadline" => t(l, "need-actor-deadline"),
        a => names.get(a).cloned().unwrap_or_else(|| a.to_owned()),
    }
}

/// The login names a history mentions, to look their people's names up.
pub fn history_logins<'a>(items: &'a [Item], steps: &'a [Step]) -> Vec<&'a str> {
    items
        .iter()
        .map(|i| i.recorded_by.as_str())
        .chain(steps.iter().map(|s| s.actor.as_str()))
        .collect()
}

/// The note of a step as people read it: the source, the item, a withdrawal in words; a
/// typed reason as typed.
fn step_note(l: Lang, s: &Step) -> String {
    match s.kind.as_str() {
        "escalated" | "confirmed" | "call" => String::new(),
        "created" if s.note.is_empty() => String::new(),
        "created" => label(SOURCES, &s.note, l),
        "visit" => ta(l, "need-note-visit", &[("n", Arg::S(s.note.clone()))]),
        "item" => match s.note.split_once(" × ") {
            Some((kind, qty)) => format!("{} × {}", label(ITEM_KINDS, kind, l), qty),
            None => s.note.clone(),
        },
        "cancelled" if s.actor == "household link" && s.note == WITHDRAWN => {
            t(l, "need-note-withdrawn")
        }
        _ => s.note.clone(),
    }
}

/// A need's history and delivered items; people by name (`names`: login name → name).
pub fn history_view(
    l: Lang,
    items: &[Item],
    steps: &[Step],
    names: &HashMap<String, String>,
) -> Markup {
    let (at, what, who) = (
        t(l, "need-hist-when"),
        t(l, "need-hist-what"),
        t(l, "need-hist-who"),
    );
    maud::html! {
        @if !items.is_empty() {
            h2 { (t(l, "need-items")) }
            ul.home #items {
                @for i in items {
                    li {
                        b { (label(ITEM_KINDS, &i.kind, l)) " × " (i.quantity) }
                        " " (i.description)
                        span.sub { (actor_label(l, &i.recorded_by, names)) " · " (minutes(i.at_ms)) }
                    }
                }
            }
        }
        h2 { (t(l, "need-history")) }
        table.stack #history {
            thead { tr { th { (at) } th { (what) } th { (who) } } }
            tbody {
                @for s in steps {
                    @let kind = match s.kind.as_str() {
                        "escalated" => ta(
                            l,
                            "need-ev-escalated",
                            &[("who", Arg::S(label(LEVELS, &s.note, l)))],
                        ),
                        k => t(l, &format!("need-ev-{k}")),
                    };
                    @let note = step_note(l, s);
                    tr {
                        td data-label=(at) { (minutes(s.at_ms)) }
                        td data-label=(what) { div {
                            b { (kind) }
                            @if let Some(to) = s.to_status.as_ref().filter(|to| s.from_status.as_ref() != Some(*to)) {
                                " → " (label(STATUSES, to, l))
                            }
                            @if !note.is_empty() { span.sub { (note) } }
                        } }
                        td data-label=(who) { (actor_label(l, &s.actor, names)) }
                    }
                }
            }
        }
    }
    .into()
}

/// A button form posting one action (with the version seen) to `action_url`; `confirm`: the
/// question the page's script asks before a weighty one.
#[allow(clippy::too_many_arguments)]
pub fn action_form(
    csrf: &str,
    action_url: &str,
    action: &str,
    version: i64,
    button: &str,
    extra: Markup,
    class: &str,
    confirm: Option<&str>,
) -> Markup {
    html!(
        "<form method=\"post\" action=\"{}\" class=\"box act-{}\">{}<input type=\"hidden\" name=\"action\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{}\">{}<button class=\"{}\" id=\"do-{}\"{}>{}</button></form>",
        action_url,
        action,
        csrf_field(csrf),
        action,
        version,
        extra,
        class,
        action,
        Markup(confirm.map_or(String::new(), |q| format!(" data-confirm=\"{}\"", crate::web::html::esc(q)))),
        button
    )
}

/// The item form (shared with the volunteer's page).
pub fn item_form(l: Lang, csrf: &str, url: &str, p: Option<&Back<ItemForm>>) -> Markup {
    let s = state(p, "item", 0);
    html!(
        "<form method=\"post\" action=\"{}\" class=\"box\" id=\"item-form\"><h3>{}</h3>{}{}{}<div class=\"two\">{}{}</div><button class=\"alt\">{}</button></form>",
        url,
        t(l, "need-item-add"),
        error_box(l, lines(s)),
        csrf_field(csrf),
        select("kind", &t(l, "need-item-kind"), &vocab_options(ITEM_KINDS, l), &val(s, |f| &f.kind, "medicine"), err(s, "kind")),
        field("quantity", &t(l, "need-item-qty"), &val(s, |f| &f.quantity, "1"), err(s, "quantity"), "inputmode=\"numeric\""),
        field("description", &t(l, "need-item-what"), &val(s, |f| &f.description, ""), err(s, "description"), ""),
        t(l, "need-item-save")
    )
}

/// The reason form of an action that needs one (unable, cancel, reopen).
pub fn reason_form(
    l: Lang,
    csrf: &str,
    url: &str,
    action: &str,
    version: i64,
    p: Option<&Back<ActForm>>,
) -> Markup {
    let s = state(p, action_form_name(action), 0);
    let open = if s.is_some() { " open" } else { "" };
    html!(
        "<details class=\"box\"{}><summary id=\"open-{}\">{}</summary>{}{}</details>",
        Markup(open.into()),
        action,
        t(l, &format!("need-do-{action}")),
        error_box(l, lines(s)),
        action_form(
            csrf,
            url,
            action,
            version,
            &t(l, &format!("need-do-{action}")),
            textarea(
                "reason",
                &t(l, "need-reason"),
                &val(s, |f| &f.reason, ""),
                err(s, "reason"),
                "required"
            ),
            "warn",
            (action == "cancel")
                .then(|| t(l, "need-do-cancel-confirm"))
                .as_deref()
        )
    )
}

/// A notice id's last part, from a closed list (the query string is not trusted).
pub fn short_code(done: &str) -> &'static str {
    match done {
        "assigned" => "assigned",
        "claimed" => "claimed",
        "started" => "started",
        "done" => "done",
        "unable" => "unable",
        "cancelled" => "cancelled",
        "reopened" => "reopened",
        "confirmed" => "confirmed",
        "item" => "item",
        "created" => "created",
        "dup" => "dup",
        _ => "saved",
    }
}

/// The fields of the need form (shared with the household link's form). `members`: the
/// household's members to choose from (staff only; the public form types a name).
pub fn need_fields(
    l: Lang,
    s: Option<&Back<NeedForm>>,
    members: Option<&[(String, String)]>,
    client_id: &str,
) -> Markup {
    let mut cats = vec![(String::new(), t(l, "need-choose"))];
    cats.extend(vocab_options(CATEGORIES, l));
    let mut m = html!(
        "<input type=\"hidden\" name=\"client_id\" value=\"{}\">{}",
        val(s, |f| &f.client_id, client_id),
        select(
            "category",
            &t(l, "need-category"),
            &cats,
            &val(s, |f| &f.category, ""),
            err(s, "category")
        )
    );
    // Urgency as big radio buttons: the most important choice on the form.
    let chosen = val(s, |f| &f.urgency, "");
    m.push(html!(
        "<fieldset class=\"field urgency{}\" id=\"f-urgency\"><span>{}</span>",
        Markup(if err(s, "urgency").is_some() {
            " bad".into()
        } else {
            String::new()
        }),
        t(l, "need-urgency")
    ));
    for (code, _, _) in URGENCIES {
        m.push(html!(
            "<label class=\"tag u{}\"><input type=\"radio\" name=\"urgency\" value=\"{}\"{}> {}</label>",
            code,
            code,
            Markup(if chosen == *code { " checked".into() } else { String::new() }),
            label(URGENCIES, code, l)
        ));
    }
    if let Some(e) = err(s, "urgency") {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</fieldset>");
    m.push(textarea(
        "description",
        &t(l, "need-description"),
        &val(s, |f| &f.description, ""),
        err(s, "description"),
        &format!(
            "required maxlength=\"1000\" placeholder=\"{}\"",
            crate::web::html::esc(&t(l, "need-description-hint"))
        ),
    ));
    match members {
        Some(ms) => {
            let mut opts = vec![(String::new(), t(l, "need-for-household"))];
            opts.extend(ms.iter().cloned());
            m.push(select(
                "resident",
                &t(l, "need-for"),
                &opts,
                &val(s, |f| &f.resident, ""),
                err(s, "resident"),
            ));
        }
        None => m.push(field(
            "for_name",
            &t(l, "need-for-name"),
            &val(s, |f| &f.for_name, ""),
            err(s, "for_name"),
            "maxlength=\"100\" autocomplete=\"name\"",
        )),
    }
    m.push(field(
        "phone",
        &t(l, "need-phone-callback"),
        &val(s, |f| &f.phone, ""),
        err(s, "phone"),
        "inputmode=\"tel\" autocomplete=\"tel\"",
    ));
    m
}

/// A fresh id for a form, so that sending it twice makes one need.
pub fn client_id() -> String {
    crate::access::random_hex(12)
}
