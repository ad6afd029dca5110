//! The care visits' views: the open follow-up items and the newest visits, the form to record
//! a visit, and a follow-up item (on a branch's page too).

use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::branches::Branch;
use crate::mobilization::can_visit;
use crate::mobilization::visits::{FollowUp, Visit};
use crate::registry::model::{PARTY, TAGS};
use crate::registry::pages::parts::call_button;
use crate::registry::residents::ResidentView;
use crate::registry::validate::mask_phone;
use crate::web::html::{crumbs, csrf_field, datetime, error_box, field, select, textarea, Markup};
use crate::web::pages::Ctx;

use super::branch_views::{done_notice, problem, problems, shown, Again};
use super::visits::{SolveForm, VisitForm};

/// A follow-up item: who, what, since when, and either how it was solved or the form to say
/// so (`solve`: the solve form that came back, if any).
pub(super) fn followup_item(
    ctx: &Ctx,
    f: &FollowUp,
    back: &str,
    branch: bool,
    solve: Option<&Again<SolveForm>>,
) -> Markup {
    let l = ctx.lang;
    let open = f.status != "solved";
    let mut m = html!(
        "<li id=\"fu-{}\" class=\"{}\"><b>{}</b> <span class=\"tag {}\">{}</span>",
        f.id,
        if open { "open" } else { "solved gone" },
        f.resident,
        if open { "warn" } else { "ok" },
        t(
            l,
            if open {
                "visit-fu-open"
            } else {
                "visit-fu-solved"
            }
        )
    );
    m.push(html!("<span class=\"sub need\">{}</span>", f.description));
    let since = &datetime(f.created_ms)[..10];
    let since = ta(l, "visit-fu-since", &[("date", Arg::S(since.to_owned()))]);
    if branch {
        m.push(html!("<span class=\"sub\">{}</span>", since));
    } else if ctx.reader().registry_scope().contains(&f.branch_path) {
        m.push(html!(
            "<span class=\"sub\">{} · <a href=\"/branches/{}\">{}</a></span>",
            since,
            f.branch_id,
            f.branch
        ));
    } else {
        // A branch of the community, outside a grid worker's grid: named, not linked.
        m.push(html!("<span class=\"sub\">{} · {}</span>", since, f.branch));
    }
    // The person to call about it: one tap shows that phone alone (recorded).
    if open && ctx.reader().can_call() && !f.phone.is_empty() {
        m.push(html!(
            "<div class=\"fu-call\">{}</div>",
            call_button(
                l,
                &ctx.session.csrf,
                f.resident_id,
                &mask_phone(&f.phone),
                back
            )
        ));
    }
    if !open {
        m.push(html!(
            "<span class=\"sub\">{}</span>",
            ta(
                l,
                "visit-fu-solution",
                &[("text", Arg::S(f.solution.clone()))]
            )
        ));
    } else if can_visit(ctx.reader()) {
        let s = solve.filter(|a| a.form.id == f.id);
        m.push(problems(l, s));
        m.push(html!(
            "<form method=\"post\" action=\"/visits/followups/{}/solve\" class=\"inline-form noprint\" id=\"solve-{}\">{}<input type=\"hidden\" name=\"back\" value=\"{}\"><input name=\"solution\" value=\"{}\" placeholder=\"{}\" aria-label=\"{}\" required maxlength=\"1000\"><button class=\"alt\">{}</button></form>",
            f.id,
            f.id,
            csrf_field(&ctx.session.csrf),
            back,
            shown(s, |x| &x.solution, ""),
            t(l, "visit-solution-hint"),
            t(l, "visit-solution"),
            t(l, "visit-solve")
        ));
    }
    m.0.push_str("</li>");
    m
}

/// The problems of a solve form whose item is no longer open (solved meanwhile by someone
/// else): shown above the list, since the item has no form to show them at.
pub(super) fn stray_solve_errors(
    l: Lang,
    solve: Option<&Again<SolveForm>>,
    items: &[FollowUp],
) -> Markup {
    match solve {
        Some(a)
            if !items
                .iter()
                .any(|f| f.id == a.form.id && f.status != "solved") =>
        {
            error_box(l, &a.errors.lines)
        }
        _ => Markup::default(),
    }
}

// ---- The visits ----

pub(super) fn visits(
    ctx: &Ctx,
    open: &[FollowUp],
    list: &[Visit],
    done: &str,
    solve: Option<&Again<SolveForm>>,
    just: Option<&Visit>,
) -> Markup {
    let l = ctx.lang;
    let mut body = crumbs(&[
        (t(l, "br-title"), "/branches".to_owned()),
        (t(l, "visit-title"), String::new()),
    ]);
    body.push(html!("<h1>{}</h1>", t(l, "visit-title")));
    body.push(done_notice(l, done));
    // The needs found on the visit just recorded become a need in one tap (the needs' form
    // takes them from the visit), not typed again.
    if let Some(v) = just.filter(|v| !v.needs.is_empty()) {
        body.push(html!(
            "<div class=\"actions\" id=\"visit-to-need\"><a class=\"btn\" href=\"/needs/new?visit={}\">{}</a></div>",
            v.id,
            t(l, "visit-to-need")
        ));
    }
    body.push(html!(
        "<p class=\"muted noprint\">{} <a href=\"/search\" id=\"find-resident\">{}</a></p>",
        t(l, "visit-how"),
        t(l, "visit-find-resident")
    ));
    body.push(html!(
        "<h2>{}</h2>",
        ta(l, "visit-open-n", &[("n", Arg::N(open.len() as i64))])
    ));
    body.push(stray_solve_errors(l, solve, open));
    if open.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-followups\">{}</p>",
            t(l, "visit-fu-none-open")
        ));
    } else {
        body.push(Markup("<ul class=\"brs\" id=\"followups\">".into()));
        for f in open {
            body.push(followup_item(ctx, f, "/visits", false, solve));
        }
        body.0.push_str("</ul>");
    }
    body.push(html!("<h2>{}</h2>", t(l, "visit-list")));
    if list.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-visits\">{}</p>",
            t(l, "visit-none")
        ));
    } else {
        body.push(Markup("<ul class=\"brs\" id=\"visits\">".into()));
        for v in list {
            let branch = match &v.branch {
                Some(b) => html!(" <span class=\"tag\">{}</span>", b),
                None => Markup::default(),
            };
            let needs = if v.needs.is_empty() {
                Markup::default()
            } else {
                html!(
                    "<span class=\"sub need\">{}</span>",
                    ta(l, "visit-needs-text", &[("text", Arg::S(v.needs.clone()))])
                )
            };
            body.push(html!(
                "<li id=\"visit-{}\"><span class=\"nowrap\">{}</span> <a href=\"/residents/{}\"><b>{}</b></a>{}<span class=\"sub\">{}</span>{}<span class=\"sub\">{}</span></li>",
                v.id,
                v.visited_on,
                v.resident,
                v.name,
                branch,
                v.situation,
                needs,
                ta(l, "visit-by", &[("names", Arg::S(v.visitors.clone()))])
            ));
        }
        body.0.push_str("</ul>");
    }
    body
}

/// The page to record a visit without a resident chosen: how to find one.
pub(super) fn new_visit_head(l: Lang) -> Markup {
    let mut body = crumbs(&[
        (t(l, "br-title"), "/branches".to_owned()),
        (t(l, "visit-title"), "/visits".to_owned()),
        (t(l, "visit-new"), String::new()),
    ]);
    body.push(html!("<h1>{}</h1>", t(l, "visit-new")));
    body
}

pub(super) fn no_resident(l: Lang) -> Markup {
    let mut body = new_visit_head(l);
    body.push(html!(
        "<p class=\"muted\">{} <a href=\"/search\" id=\"find-resident\">{}</a></p>",
        t(l, "visit-how"),
        t(l, "visit-find-resident")
    ));
    body
}

/// What the form to record a visit shows.
pub struct NewVisitPage {
    pub resident: ResidentView,
    /// The name of the resident's area.
    pub area: String,
    /// The active branches in scope.
    pub branches: Vec<Branch>,
    pub today: String,
}

pub(super) fn new_visit(ctx: &Ctx, p: &NewVisitPage, again: Option<&Again<VisitForm>>) -> Markup {
    let l = ctx.lang;
    let r = ctx.reader();
    let res = &p.resident;
    let mut body = new_visit_head(l);
    let mut facts = Vec::new();
    if let Some(age) = res.age {
        facts.push(ta(l, "visit-age", &[("age", Arg::N(age))]));
    }
    for c in &res.tags {
        if let Some(x) = TAGS.iter().find(|x| x.code == *c) {
            facts.push((if l == Lang::Zh { x.zh } else { x.en }).to_owned());
        }
    }
    if res.party != "none" {
        if let Some(x) = PARTY.iter().find(|x| x.code == res.party) {
            facts.push((if l == Lang::Zh { x.zh } else { x.en }).to_owned());
        }
    }
    body.push(html!(
        "<p class=\"box who-card\" id=\"visit-resident\"><a href=\"/residents/{}\"><b>{}</b></a><span class=\"sub\">{}</span><span class=\"sub\">{}</span></p>",
        res.id,
        res.name,
        p.area,
        facts.join(if l == Lang::Zh { "、" } else { ", " })
    ));
    // The one nearest the resident first chosen.
    let near = p
        .branches
        .iter()
        .filter(|b| res.area_path.starts_with(b.path.as_str()))
        // The deepest; the first listed among equals.
        .fold(None::<&Branch>, |best, b| match best {
            Some(x) if x.path.len() >= b.path.len() => Some(x),
            _ => Some(b),
        })
        .map(|b| b.id.to_string())
        .unwrap_or_default();
    let mut opts = vec![(String::new(), t(l, "visit-no-branch"))];
    opts.extend(
        p.branches
            .iter()
            .map(|b| (b.id.to_string(), b.name.clone())),
    );
    let s = again;
    let follow = s.is_some_and(|a| !a.form.follow_up.is_empty());
    body.push(problems(l, s));
    body.push(html!(
        "<form method=\"post\" action=\"/visits\" class=\"box\" id=\"visit-form\">{}<input type=\"hidden\" name=\"resident\" value=\"{}\"><div class=\"two\">{}{}</div>{}{}{}<label class=\"check\"><input type=\"checkbox\" name=\"follow_up\" value=\"1\"{}><span>{}</span></label><button>{}</button></form>",
        csrf_field(&ctx.session.csrf),
        res.id,
        field("visited_on", &t(l, "visit-date"), shown(s, |f| &f.visited_on, &p.today), problem(s, "visited_on"), "type=\"date\" required"),
        field("visitors", &t(l, "visit-visitors"), shown(s, |f| &f.visitors, &r.display_name), problem(s, "visitors"), "required maxlength=\"200\""),
        textarea("situation", &t(l, "visit-situation"), shown(s, |f| &f.situation, ""), problem(s, "situation"), "required maxlength=\"2000\""),
        textarea("needs", &t(l, "visit-needs"), shown(s, |f| &f.needs, ""), problem(s, "needs"), "maxlength=\"1000\""),
        select("branch", &t(l, "visit-branch"), &opts, shown(s, |f| &f.branch, &near), problem(s, "branch")),
        Markup(if follow { " checked".into() } else { String::new() }),
        t(l, "visit-follow-up"),
        t(l, "visit-save")
    ));
    body
}
