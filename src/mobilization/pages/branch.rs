//! The pages of party branches, teams and care visits: the branches and teams of the reader's
//! scope with the officers' forms to set them up (`/branches`), a branch with its members,
//! teams and follow-up items (`/branches/{id}`), a team (`/teams/{id}`), the care visits and
//! open follow-ups (`/visits`) and the form to record a visit (`/visits/new?resident=ID`).
//!
//! The engine checks every request: the role first (403 with a message saying who may), then
//! the scope (a branch, team or resident outside it is simply not found, 404). A form with
//! problems comes back with them and with the values as sent (422).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::db::Db;
use crate::error::AppError;
use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::branches::{self, Branch, Member, Team};
use crate::mobilization::visits::{self, FollowUp};
use crate::mobilization::volunteers::{self, Volunteer};
use crate::mobilization::{
    can_manage, can_visit, label, BRANCH_ATTACH, BRANCH_KINDS, BRANCH_ROLES, POLITICAL, TEAM_KINDS,
};
use crate::registry::areas;
use crate::registry::areas::scope_choices;
use crate::registry::model::{LEVEL_COMMUNITY, PARTY, TAGS};
use crate::web::html::vocab_options;
use crate::web::html::{crumbs, csrf_field, datetime, error_box, field, notice, select, Markup};
use crate::web::kit::{first, is_form_error, q, with_status, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// How many visits `/visits` lists (the newest).
const VISITS_SHOWN: i64 = 200;
/// How many volunteers a member form offers.
const POOL_LIMIT: i64 = 2000;

// ---- Forms sent back with their problems ----

/// A form that came back: which one (and, for the per-item forms, which item), the values as
/// sent, the problems by form field and as lines for the error box.
pub(crate) struct Posted {
    pub(crate) form: &'static str,
    target: i64,
    values: Vec<(String, String)>,
    fields: HashMap<&'static str, String>,
    lines: Vec<String>,
}

impl Posted {
    /// `names`: (the engine's field, the form's field, its label on the form), so that each
    /// problem is named as the form names it.
    pub(crate) fn new(
        l: Lang,
        form: &'static str,
        target: i64,
        values: &[(String, String)],
        e: &AppError,
        names: &[(&str, &'static str, String)],
    ) -> Posted {
        let mut fields = HashMap::new();
        let mut lines = Vec::new();
        match e {
            AppError::Invalid(errs) => {
                for x in errs {
                    let msg = x.message.get(l).to_owned();
                    match names.iter().find(|n| n.0 == x.field) {
                        Some((_, f, label)) => {
                            lines.push(match l {
                                Lang::Zh => format!("{label}：{msg}"),
                                Lang::En => format!("{label}: {msg}"),
                            });
                            fields.insert(*f, msg);
                        }
                        None => lines.push(x.render(l)),
                    }
                }
            }
            other => lines.push(other.message(l)),
        }
        Posted {
            form,
            target,
            values: values.to_vec(),
            fields,
            lines,
        }
    }
}

/// The state of one form on a page: the posted one if it is this form, else none.
pub(crate) fn state<'p>(p: Option<&'p Posted>, form: &str, target: i64) -> Option<&'p Posted> {
    p.filter(|p| p.form == form && p.target == target)
}

/// The value to show: as sent when the form came back, else the default.
pub(crate) fn val(s: Option<&Posted>, k: &str, default: &str) -> String {
    match s {
        Some(p) => first(&p.values, k).to_owned(),
        None => default.to_owned(),
    }
}

pub(crate) fn err<'p>(s: Option<&'p Posted>, k: &str) -> Option<&'p str> {
    s.and_then(|p| p.fields.get(k)).map(String::as_str)
}

pub(crate) fn errors_of(l: Lang, s: Option<&Posted>) -> Markup {
    error_box(l, s.map(|p| p.lines.as_slice()).unwrap_or_default())
}

/// A page, 422 when a form came back with problems.
pub(crate) fn answer(
    ctx: &Ctx,
    r: Result<(String, Markup), AppError>,
    posted: Option<&Posted>,
) -> Response {
    match r {
        Ok((title, body)) => {
            let resp = ctx.page(&title, body);
            if posted.is_some() {
                with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                resp
            }
        }
        Err(e) => ctx.error(e),
    }
}

/// A multi-line text field.
pub(crate) fn textarea(
    name: &str,
    label: &str,
    value: &str,
    error: Option<&str>,
    attrs: &str,
) -> Markup {
    let mut m = html!(
        "<label class=\"field{}\"><span>{}</span><textarea name=\"{}\" rows=\"3\" {}>{}</textarea>",
        if error.is_some() { " bad" } else { "" },
        label,
        name,
        Markup(attrs.to_owned()),
        value
    );
    if let Some(e) = error {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</label>");
    m
}

pub(crate) fn id_of(s: &str) -> Result<i64, AppError> {
    s.trim().parse().map_err(|_| AppError::NotFound)
}

// ---- Shared pieces ----

/// Area names by path, for lists that name many areas: a grid or a building with its
/// community (every community has a 第1网格).
#[derive(Default)]
struct AreaNames(HashMap<String, String>);

impl AreaNames {
    async fn get(&mut self, db: &Db, path: &str) -> Result<String, AppError> {
        if let Some(n) = self.0.get(path) {
            return Ok(n.clone());
        }
        let name = match areas::by_path(db, path).await? {
            None => path.to_owned(),
            Some(a) if a.level <= LEVEL_COMMUNITY => a.name,
            Some(a) => {
                let c = areas::by_path(db, areas::community_path(path))
                    .await?
                    .map(|c| c.name)
                    .unwrap_or_default();
                format!("{c} {}", a.name)
            }
        };
        self.0.insert(path.to_owned(), name.clone());
        Ok(name)
    }
}

fn kind_tag(l: Lang, b: &Branch) -> Markup {
    html!(
        "<span class=\"tag{}\">{}</span>",
        if b.kind == "temporary" { " home" } else { "" },
        label(BRANCH_KINDS, &b.kind, l)
    )
}

/// Where a branch is set up, with the place's name: "compound (创发城小区)".
fn attach_text(l: Lang, b: &Branch) -> String {
    let kind = label(BRANCH_ATTACH, &b.attach, l);
    match (b.place_note.is_empty(), l) {
        (true, _) => kind,
        (false, Lang::Zh) => format!("{kind}（{}）", b.place_note),
        (false, Lang::En) => format!("{kind} ({})", b.place_note),
    }
}

fn dissolved_tag(l: Lang, b: &Branch) -> Markup {
    match &b.dissolved {
        Some(d) => html!(
            "<span class=\"tag st-over\">{}</span>",
            ta(l, "br-dissolved-on", &[("date", Arg::S(d.clone()))])
        ),
        None => Markup::default(),
    }
}

/// A member's role as a tag, in a branch (`team`: false) or a team.
fn member_role(l: Lang, role: &str, team: bool) -> Markup {
    let (class, text) = match role {
        "secretary" => (" ok", label(BRANCH_ROLES, role, l)),
        "deputy" => (" home", label(BRANCH_ROLES, role, l)),
        "leader" => (" ok", t(l, "team-leader")),
        "member" if team => ("", t(l, "team-member")),
        _ => ("", label(BRANCH_ROLES, role, l)),
    };
    html!("<span class=\"tag{}\">{}</span>", class, text)
}

/// The members of a branch or team: name (with the unit under it), political status, role,
/// and what an officer may do with the row.
fn member_table(
    l: Lang,
    members: &[Member],
    team: bool,
    actions: impl Fn(&Member) -> Markup,
) -> Markup {
    let mut m = html!(
        "<table id=\"members\"><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"noprint\"></th></tr>",
        t(l, "br-col-member"),
        t(l, "br-col-political"),
        t(l, "br-col-role")
    );
    for x in members {
        m.push(html!(
            "<tr id=\"m-{}\"><td>{}<span class=\"sub\">{}</span></td><td>{}</td><td>{}</td><td class=\"noprint\">{}</td></tr>",
            x.volunteer,
            x.name,
            if x.unit.is_empty() { "—".to_owned() } else { x.unit.clone() },
            label(POLITICAL, &x.political, l),
            member_role(l, &x.role, team),
            actions(x)
        ));
    }
    m.0.push_str("</table>");
    m
}

/// Approved volunteers in the reader's scope, by name (for a member form); `party`: CPC
/// members and probationary members only.
async fn pool(db: &Db, ctx: &Ctx, party: bool) -> Result<Vec<Volunteer>, AppError> {
    let f = volunteers::Filter {
        status: Some("approved".into()),
        ..Default::default()
    };
    let mut list: Vec<Volunteer> = volunteers::list(db, ctx.reader(), &f, POOL_LIMIT)
        .await?
        .into_iter()
        .filter(|v| !party || matches!(v.political.as_str(), "party" | "probationary"))
        .collect();
    list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(list)
}

fn pool_options(l: Lang, list: &[Volunteer]) -> Vec<(String, String)> {
    list.iter()
        .map(|v| {
            let mut s = v.name.clone();
            if !v.unit.is_empty() {
                s.push_str(" · ");
                s.push_str(&v.unit);
            }
            s.push_str(" · ");
            s.push_str(&label(POLITICAL, &v.political, l));
            (v.id.to_string(), s)
        })
        .collect()
}

/// A follow-up item: who, what, since when, and either how it was solved or the form to say so.
fn followup_item(
    ctx: &Ctx,
    f: &FollowUp,
    back: &str,
    branch: bool,
    posted: Option<&Posted>,
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
    if branch {
        m.push(html!(
            "<span class=\"sub\">{}</span>",
            ta(l, "visit-fu-since", &[("date", Arg::S(since.to_owned()))])
        ));
    } else {
        m.push(html!(
            "<span class=\"sub\">{} · <a href=\"/branches/{}\">{}</a></span>",
            ta(l, "visit-fu-since", &[("date", Arg::S(since.to_owned()))]),
            f.branch_id,
            f.branch
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
        let s = state(posted, "solve", f.id);
        m.push(errors_of(l, s));
        m.push(html!(
            "<form method=\"post\" action=\"/visits/followups/{}/solve\" class=\"inline-form noprint\" id=\"solve-{}\">{}<input type=\"hidden\" name=\"back\" value=\"{}\"><input name=\"solution\" value=\"{}\" placeholder=\"{}\" aria-label=\"{}\" required maxlength=\"1000\"><button class=\"alt\">{}</button></form>",
            f.id,
            f.id,
            csrf_field(&ctx.session.csrf),
            back,
            val(s, "solution", ""),
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
fn stray_solve_errors(l: Lang, posted: Option<&Posted>, items: &[FollowUp]) -> Markup {
    match posted {
        Some(p)
            if p.form == "solve"
                && !items
                    .iter()
                    .any(|f| f.id == p.target && f.status != "solved") =>
        {
            error_box(l, &p.lines)
        }
        _ => Markup::default(),
    }
}

fn done_notice(l: Lang, done: &str) -> Markup {
    let id = match done {
        "created" => "br-done-created",
        "member" => "br-done-member",
        "removed" => "br-done-removed",
        "dissolved" => "br-done-dissolved",
        "team" => "team-done-created",
        "team-member" => "team-done-member",
        "visit" => "visit-done-recorded",
        "solved" => "visit-done-solved",
        _ => return Markup::default(),
    };
    notice(&t(l, id))
}

// ---- The branches and teams ----

async fn branches_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    branches_view(&db, &ctx, q(&qs, "done"), None).await
}

async fn branches_view(db: &Db, ctx: &Ctx, done: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let run = async {
        let list = branches::list(db, r).await?;
        let teams = branches::teams(db, r).await?;
        let mut open: HashMap<i64, i64> = HashMap::new();
        for f in visits::followups(db, r, None, true).await? {
            *open.entry(f.branch_id).or_default() += 1;
        }
        let mut names = AreaNames::default();
        let mut body = html!("<h1>{}</h1>", t(l, "br-title"));
        body.push(done_notice(l, done));
        body.push(html!(
            "<div class=\"actions noprint\"><a class=\"btn alt\" id=\"go-visits\" href=\"/visits\">{}</a></div>",
            t(l, "visit-title")
        ));
        body.push(html!(
            "<h2>{}</h2>",
            ta(l, "br-branches-n", &[("n", Arg::N(list.len() as i64))])
        ));
        if list.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-branches\">{}</p>",
                t(l, "br-none")
            ));
        } else {
            body.push(Markup("<ul class=\"brs\" id=\"branches\">".into()));
            for b in &list {
                let area = names.get(db, &b.path).await?;
                let attach = attach_text(l, b);
                let n_open = open.get(&b.id).copied().unwrap_or(0);
                let fu = if n_open > 0 {
                    html!(
                        "<span class=\"tag warn\">{}</span>",
                        ta(l, "br-open-n", &[("n", Arg::N(n_open))])
                    )
                } else {
                    html!("{}", t(l, "br-open-none"))
                };
                body.push(html!(
                    "<li id=\"branch-{}\"{}><a href=\"/branches/{}\"><b>{}</b></a> {}{}<span class=\"sub\">{} · {}</span><span class=\"sub\">{} · {} · {}</span></li>",
                    b.id,
                    Markup(if b.dissolved.is_some() { " class=\"gone\"".into() } else { String::new() }),
                    b.id,
                    b.name,
                    kind_tag(l, b),
                    dissolved_tag(l, b),
                    ta(l, "br-attached", &[("place", Arg::S(attach))]),
                    area,
                    ta(l, "br-founded-on", &[("date", Arg::S(b.founded.clone()))]),
                    ta(l, "br-members-n", &[("n", Arg::N(b.members))]),
                    fu
                ));
            }
            body.0.push_str("</ul>");
        }
        let branch_names: HashMap<i64, &str> =
            list.iter().map(|b| (b.id, b.name.as_str())).collect();
        body.push(html!(
            "<h2>{}</h2>",
            ta(l, "team-teams-n", &[("n", Arg::N(teams.len() as i64))])
        ));
        if teams.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-teams\">{}</p>",
                t(l, "team-none")
            ));
        } else {
            body.push(Markup("<ul class=\"brs\" id=\"teams\">".into()));
            for x in &teams {
                let place = match x
                    .branch_id
                    .and_then(|b| branch_names.get(&b).map(|n| (b, n)))
                {
                    Some((b, n)) => html!("<a href=\"/branches/{}\">{}</a>", b, n.to_string()),
                    None => html!("{}", names.get(db, &x.path).await?),
                };
                body.push(html!(
                    "<li id=\"team-{}\"><a href=\"/teams/{}\"><b>{}</b></a> <span class=\"tag\">{}</span><span class=\"sub\">{} · {}</span></li>",
                    x.id,
                    x.id,
                    x.name,
                    label(TEAM_KINDS, &x.kind, l),
                    place,
                    ta(l, "br-members-n", &[("n", Arg::N(x.members))])
                ));
            }
            body.0.push_str("</ul>");
        }
        if can_manage(r) {
            let opts = scope_choices(db, &r.scope).await?;
            let first_area = opts.first().map(|o| o.0.clone()).unwrap_or_default();
            let s = state(posted, "branch", 0);
            body.push(html!(
                "<h2 class=\"noprint\">{}</h2>{}<form method=\"post\" action=\"/branches\" class=\"box noprint\" id=\"branch-form\">{}{}{}<div class=\"two\">{}{}</div>{}{}<button>{}</button></form>",
                t(l, "br-new"),
                errors_of(l, s),
                csrf_field(&ctx.session.csrf),
                select("area", &t(l, "br-area"), &opts, &val(s, "area", &first_area), err(s, "area")),
                field("name", &t(l, "br-name"), &val(s, "name", ""), err(s, "name"), "required maxlength=\"100\""),
                select("kind", &t(l, "br-kind"), &vocab_options(BRANCH_KINDS, l), &val(s, "kind", "temporary"), err(s, "kind")),
                select("attach", &t(l, "br-attach"), &vocab_options(BRANCH_ATTACH, l), &val(s, "attach", "community"), err(s, "attach")),
                field("place_note", &t(l, "br-place-note"), &val(s, "place_note", ""), err(s, "place_note"), "maxlength=\"200\""),
                field("founded", &t(l, "br-founded"), &val(s, "founded", &branches::today_cst()), err(s, "founded"), "type=\"date\" required"),
                t(l, "br-create")
            ));
            let s = state(posted, "team", 0);
            let active: Vec<&Branch> = list.iter().filter(|b| b.dissolved.is_none()).collect();
            let default_where = opts
                .first()
                .map(|o| format!("area:{}", o.0))
                .unwrap_or_default();
            body.push(html!(
                "<h2 class=\"noprint\">{}</h2>{}<form method=\"post\" action=\"/teams\" class=\"box noprint\" id=\"team-form\">{}{}{}{}<button>{}</button></form>",
                t(l, "team-new"),
                errors_of(l, s),
                csrf_field(&ctx.session.csrf),
                where_select(l, &opts, &active, &val(s, "where", &default_where), err(s, "where")),
                field("name", &t(l, "team-name"), &val(s, "name", ""), err(s, "name"), "required maxlength=\"100\""),
                select("kind", &t(l, "team-kind"), &vocab_options(TEAM_KINDS, l), &val(s, "kind", "onsite"), err(s, "kind")),
                t(l, "team-create")
            ));
        }
        Ok((t(l, "br-title"), body))
    };
    answer(ctx, run.await, posted)
}

/// Where a team belongs: an area (`area:CODE`) or a branch (`branch:ID`, the team then lies in
/// the branch's area).
fn where_select(
    l: Lang,
    areas: &[(String, String)],
    branches: &[&Branch],
    selected: &str,
    error: Option<&str>,
) -> Markup {
    let opt = |v: String, text: &str| {
        html!(
            "<option value=\"{}\"{}>{}</option>",
            v.clone(),
            Markup(if v == selected {
                " selected".into()
            } else {
                String::new()
            }),
            text
        )
    };
    let mut m = html!(
        "<label class=\"field{}\"><span>{}</span><select name=\"where\"><optgroup label=\"{}\">",
        if error.is_some() { " bad" } else { "" },
        t(l, "team-where"),
        t(l, "team-in-area")
    );
    for (code, name) in areas {
        m.push(opt(format!("area:{code}"), name));
    }
    m.0.push_str("</optgroup>");
    if !branches.is_empty() {
        m.push(html!("<optgroup label=\"{}\">", t(l, "team-in-branch")));
        for b in branches {
            m.push(opt(format!("branch:{}", b.id), &b.name));
        }
        m.0.push_str("</optgroup>");
    }
    m.0.push_str("</select>");
    if let Some(e) = error {
        m.push(html!("<em class=\"err\">{}</em>", e));
    }
    m.0.push_str("</label>");
    m
}

fn branch_names(l: Lang) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("area", "area", t(l, "br-area")),
        ("name", "name", t(l, "br-name")),
        ("kind", "kind", t(l, "br-kind")),
        ("place", "attach", t(l, "br-attach")),
        ("founded", "founded", t(l, "br-founded")),
    ]
}

async fn create_branch(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let form = branches::NewBranch {
        area: first(&f, "area").to_owned(),
        name: first(&f, "name").to_owned(),
        kind: first(&f, "kind").to_owned(),
        attach: first(&f, "attach").to_owned(),
        place_note: first(&f, "place_note").to_owned(),
        founded: first(&f, "founded").to_owned(),
    };
    match branches::create(&db, &ctx.actor(), ctx.reader(), &form).await {
        Ok(id) => Redirect::to(&format!("/branches/{id}?done=created")).into_response(),
        Err(e) if is_form_error(&e) => {
            let p = Posted::new(ctx.lang, "branch", 0, &f, &e, &branch_names(ctx.lang));
            branches_view(&db, &ctx, "", Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn create_team(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let place = first(&f, "where");
    let (area, branch) = match place.split_once(':') {
        Some(("branch", id)) => ("", Some(id.trim().parse::<i64>().unwrap_or(0))),
        Some(("area", code)) => (code, None),
        _ => ("", None),
    };
    let l = ctx.lang;
    let r = branches::create_team(
        &db,
        &ctx.actor(),
        ctx.reader(),
        area,
        first(&f, "name"),
        first(&f, "kind"),
        branch,
    )
    .await;
    match r {
        Ok(id) => Redirect::to(&format!("/teams/{id}?done=team")).into_response(),
        // A branch not found (or out of scope) is a wrong choice on the form, not a missing page.
        Err(AppError::NotFound) if branch.is_some() => {
            let e = AppError::from(crate::error::FieldError::new(
                "branch",
                "choose a branch in your scope",
                "请选择您管辖范围内的党支部",
            ));
            let names = [("branch", "where", t(l, "team-where"))];
            branches_view(
                &db,
                &ctx,
                "",
                Some(Posted::new(l, "team", 0, &f, &e, &names)),
            )
            .await
        }
        Err(e) if is_form_error(&e) => {
            let names = [
                ("area", "where", t(l, "team-where")),
                ("team", "name", t(l, "team-name")),
                ("kind", "kind", t(l, "team-kind")),
            ];
            branches_view(
                &db,
                &ctx,
                "",
                Some(Posted::new(l, "team", 0, &f, &e, &names)),
            )
            .await
        }
        Err(e) => ctx.error(e),
    }
}

// ---- A branch ----

async fn branch_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    branch_view(&db, &ctx, &id, q(&qs, "done"), None).await
}

async fn branch_view(db: &Db, ctx: &Ctx, id: &str, done: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let run = async {
        let id = id_of(id)?;
        let b = branches::get(db, r, id).await?;
        let members = branches::members(db, r, id).await?;
        let teams: Vec<Team> = branches::teams(db, r)
            .await?
            .into_iter()
            .filter(|x| x.branch_id == Some(id))
            .collect();
        let fus = visits::followups(db, r, Some(id), false).await?;
        let area = AreaNames::default().get(db, &b.path).await?;
        let manage = can_manage(r) && b.dissolved.is_none();
        let mut body = crumbs(&[
            (t(l, "br-title"), "/branches".to_owned()),
            (b.name.clone(), String::new()),
        ]);
        body.push(html!(
            "<h1>{} {}{}</h1>",
            b.name,
            kind_tag(l, &b),
            dissolved_tag(l, &b)
        ));
        body.push(done_notice(l, done));
        let secretary = members.iter().find(|m| m.role == "secretary");
        body.push(html!(
            "<dl class=\"kv\" id=\"branch\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            t(l, "br-secretary"),
            secretary.map(|m| m.name.clone()).unwrap_or_else(|| t(l, "br-no-secretary")),
            t(l, "br-attach"),
            attach_text(l, &b),
            t(l, "br-area"),
            area,
            t(l, "br-founded"),
            b.founded.clone(),
            t(l, "br-dissolved"),
            b.dissolved.clone().unwrap_or_else(|| "—".into()),
            t(l, "br-members"),
            b.members
        ));
        // Members, the secretary first.
        body.push(html!(
            "<h2>{}</h2>",
            ta(l, "br-members-n", &[("n", Arg::N(members.len() as i64))])
        ));
        if members.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-members\">{}</p>",
                t(l, "br-no-members")
            ));
        } else {
            let csrf = csrf_field(&ctx.session.csrf);
            body.push(member_table(l, &members, false, |m| {
                if !manage {
                    return Markup::default();
                }
                html!(
                    "<form method=\"post\" action=\"/branches/{}/members/{}/remove\" class=\"inline\">{}<button class=\"link\" data-confirm=\"{}\">{}</button></form>",
                    b.id,
                    m.volunteer,
                    csrf.clone(),
                    ta(l, "br-remove-confirm", &[("name", Arg::S(m.name.clone()))]),
                    t(l, "br-remove")
                )
            }));
        }
        if manage {
            let s = state(posted, "member", 0);
            let list = pool(db, ctx, true).await?;
            body.push(html!(
                "<h3 class=\"noprint\">{}</h3>",
                t(l, "br-add-member")
            ));
            body.push(errors_of(l, s));
            if list.is_empty() && s.is_none() {
                body.push(html!(
                    "<p class=\"muted noprint\" id=\"no-party-volunteers\">{} <a href=\"/volunteers\">{}</a></p>",
                    t(l, "br-no-party-volunteers"),
                    t(l, "br-to-volunteers")
                ));
            } else {
                let default_role = if secretary.is_none() {
                    "secretary"
                } else {
                    "member"
                };
                let default_v = list.first().map(|v| v.id.to_string()).unwrap_or_default();
                body.push(html!(
                    "<form method=\"post\" action=\"/branches/{}/members\" class=\"box noprint\" id=\"member-form\">{}{}{}<p class=\"muted\">{}</p><button>{}</button></form>",
                    b.id,
                    csrf_field(&ctx.session.csrf),
                    select("volunteer", &t(l, "br-volunteer"), &pool_options(l, &list), &val(s, "volunteer", &default_v), err(s, "volunteer")),
                    select("role", &t(l, "br-col-role"), &vocab_options(BRANCH_ROLES, l), &val(s, "role", default_role), err(s, "role")),
                    t(l, "br-member-hint"),
                    t(l, "save")
                ));
            }
        }
        // Teams of the branch.
        body.push(html!("<h2>{}</h2>", t(l, "br-teams")));
        if teams.is_empty() {
            body.push(html!("<p class=\"muted\">{}</p>", t(l, "team-none")));
        } else {
            body.push(Markup("<ul class=\"brs\" id=\"teams\">".into()));
            for x in &teams {
                body.push(html!(
                    "<li><a href=\"/teams/{}\"><b>{}</b></a> <span class=\"tag\">{}</span><span class=\"sub\">{}</span></li>",
                    x.id,
                    x.name,
                    label(TEAM_KINDS, &x.kind, l),
                    ta(l, "br-members-n", &[("n", Arg::N(x.members))])
                ));
            }
            body.0.push_str("</ul>");
        }
        // Follow-up items the branch owns (兜底), open first.
        let n_open = fus.iter().filter(|f| f.status != "solved").count() as i64;
        body.push(html!(
            "<h2>{}</h2>",
            ta(l, "br-followups", &[("n", Arg::N(n_open))])
        ));
        body.push(stray_solve_errors(l, posted, &fus));
        if fus.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-followups\">{}</p>",
                t(l, "visit-fu-none")
            ));
        } else {
            body.push(Markup("<ul class=\"brs\" id=\"followups\">".into()));
            let back = format!("/branches/{}", b.id);
            for f in &fus {
                body.push(followup_item(ctx, f, &back, true, posted));
            }
            body.0.push_str("</ul>");
        }
        if manage {
            let s = state(posted, "dissolve", 0);
            body.push(html!(
                "<details class=\"box noprint\" id=\"dissolve\"{}><summary>{}</summary>{}<form method=\"post\" action=\"/branches/{}/dissolve\" id=\"dissolve-form\">{}{}<p class=\"muted\">{}</p><button class=\"warn\" data-confirm=\"{}\">{}</button></form></details>",
                Markup(if s.is_some() { " open".into() } else { String::new() }),
                t(l, "br-dissolve"),
                errors_of(l, s),
                b.id,
                csrf_field(&ctx.session.csrf),
                field("dissolved", &t(l, "br-dissolved"), &val(s, "dissolved", &branches::today_cst()), err(s, "dissolved"), "type=\"date\" required"),
                t(l, "br-dissolve-hint"),
                ta(l, "br-dissolve-confirm", &[("name", Arg::S(b.name.clone()))]),
                t(l, "br-dissolve")
            ));
        }
        Ok((b.name.clone(), body))
    };
    answer(ctx, run.await, posted)
}

async fn set_member(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(branch) = id_of(&id) else {
        return ctx.error(AppError::NotFound);
    };
    let volunteer = first(&f, "volunteer").trim().parse().unwrap_or(0);
    let r = branches::set_member(
        &db,
        &ctx.actor(),
        ctx.reader(),
        branch,
        volunteer,
        first(&f, "role"),
    )
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/branches/{branch}?done=member")).into_response(),
        Err(e) if is_form_error(&e) => {
            let l = ctx.lang;
            let names = [
                ("volunteer", "volunteer", t(l, "br-volunteer")),
                ("role", "role", t(l, "br-col-role")),
            ];
            let p = Posted::new(l, "member", 0, &f, &e, &names);
            branch_view(&db, &ctx, &id, "", Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

async fn remove_member(
    State(db): State<Db>,
    ctx: Ctx,
    Path((id, volunteer)): Path<(String, String)>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let (Ok(branch), Ok(volunteer)) = (id_of(&id), id_of(&volunteer)) else {
        return ctx.error(AppError::NotFound);
    };
    match branches::remove_member(&db, &ctx.actor(), ctx.reader(), branch, volunteer).await {
        Ok(()) => Redirect::to(&format!("/branches/{branch}?done=removed")).into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn dissolve(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(branch) = id_of(&id) else {
        return ctx.error(AppError::NotFound);
    };
    match branches::dissolve(
        &db,
        &ctx.actor(),
        ctx.reader(),
        branch,
        first(&f, "dissolved"),
    )
    .await
    {
        Ok(()) => Redirect::to(&format!("/branches/{branch}?done=dissolved")).into_response(),
        Err(e) if is_form_error(&e) => {
            let l = ctx.lang;
            let names = [("dissolved", "dissolved", t(l, "br-dissolved"))];
            let p = Posted::new(l, "dissolve", 0, &f, &e, &names);
            branch_view(&db, &ctx, &id, "", Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

// ---- A team ----

async fn team_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    team_view(&db, &ctx, &id, q(&qs, "done"), None).await
}

async fn team_view(db: &Db, ctx: &Ctx, id: &str, done: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let run = async {
        let id = id_of(id)?;
        let team = branches::team(db, r, id).await?;
        let members = branches::team_members(db, r, id).await?;
        let branch = match team.branch_id {
            Some(b) => Some(branches::get(db, r, b).await?),
            None => None,
        };
        let area = AreaNames::default().get(db, &team.path).await?;
        let mut items = vec![(t(l, "br-title"), "/branches".to_owned())];
        if let Some(b) = &branch {
            items.push((b.name.clone(), format!("/branches/{}", b.id)));
        }
        items.push((team.name.clone(), String::new()));
        let mut body = crumbs(&items);
        body.push(html!(
            "<h1>{} <span class=\"tag\">{}</span></h1>",
            team.name,
            label(TEAM_KINDS, &team.kind, l)
        ));
        body.push(done_notice(l, done));
        let leaders: Vec<String> = members
            .iter()
            .filter(|m| m.role == "leader")
            .map(|m| m.name.clone())
            .collect();
        body.push(html!(
            "<dl class=\"kv\" id=\"team\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            t(l, "team-leader"),
            if leaders.is_empty() { t(l, "team-no-leader") } else { leaders.join("、") },
            t(l, "team-kind"),
            label(TEAM_KINDS, &team.kind, l),
            t(l, "team-where"),
            match &branch {
                Some(b) => html!("<a href=\"/branches/{}\">{}</a> · {}", b.id, b.name, area),
                None => html!("{}", area),
            },
            t(l, "br-members"),
            team.members
        ));
        body.push(html!(
            "<h2>{}</h2>",
            ta(l, "br-members-n", &[("n", Arg::N(members.len() as i64))])
        ));
        if members.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-members\">{}</p>",
                t(l, "team-no-members")
            ));
        } else {
            body.push(member_table(l, &members, true, |_| Markup::default()));
        }
        if can_manage(r) {
            let s = state(posted, "team-member", 0);
            let list = pool(db, ctx, false).await?;
            body.push(html!(
                "<h3 class=\"noprint\">{}</h3>",
                t(l, "team-add-member")
            ));
            body.push(errors_of(l, s));
            if list.is_empty() && s.is_none() {
                body.push(html!(
                    "<p class=\"muted noprint\">{} <a href=\"/volunteers\">{}</a></p>",
                    t(l, "team-no-volunteers"),
                    t(l, "br-to-volunteers")
                ));
            } else {
                let roles = vec![
                    ("member".to_owned(), t(l, "team-member")),
                    ("leader".to_owned(), t(l, "team-leader")),
                ];
                let default_role = if leaders.is_empty() {
                    "leader"
                } else {
                    "member"
                };
                let default_v = list.first().map(|v| v.id.to_string()).unwrap_or_default();
                body.push(html!(
                    "<form method=\"post\" action=\"/teams/{}/members\" class=\"box noprint\" id=\"team-member-form\">{}{}{}<button>{}</button></form>",
                    team.id,
                    csrf_field(&ctx.session.csrf),
                    select("volunteer", &t(l, "br-volunteer"), &pool_options(l, &list), &val(s, "volunteer", &default_v), err(s, "volunteer")),
                    select("role", &t(l, "br-col-role"), &roles, &val(s, "role", default_role), None),
                    t(l, "save")
                ));
            }
        }
        Ok((team.name.clone(), body))
    };
    answer(ctx, run.await, posted)
}

async fn set_team_member(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(team) = id_of(&id) else {
        return ctx.error(AppError::NotFound);
    };
    let volunteer = first(&f, "volunteer").trim().parse().unwrap_or(0);
    let leader = first(&f, "role") == "leader";
    match branches::set_team_member(&db, &ctx.actor(), ctx.reader(), team, volunteer, leader).await
    {
        Ok(()) => Redirect::to(&format!("/teams/{team}?done=team-member")).into_response(),
        Err(e) if is_form_error(&e) => {
            let l = ctx.lang;
            let names = [("volunteer", "volunteer", t(l, "br-volunteer"))];
            let p = Posted::new(l, "team-member", 0, &f, &e, &names);
            team_view(&db, &ctx, &id, "", Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

// ---- Care visits ----

async fn visits_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    visits_view(&db, &ctx, q(&qs, "done"), None).await
}

async fn visits_view(db: &Db, ctx: &Ctx, done: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let run = async {
        let open = visits::followups(db, r, None, true).await?;
        // The newest visits over the whole scope (one range per scope root).
        let mut list = Vec::new();
        for root in &r.registry_scope().roots {
            list.extend(visits::list(db, r, root, None, VISITS_SHOWN).await?);
        }
        list.sort_by(|a, b| (&b.visited_on, b.id).cmp(&(&a.visited_on, a.id)));
        list.dedup_by_key(|v| v.id);
        list.truncate(VISITS_SHOWN as usize);
        let mut body = crumbs(&[
            (t(l, "br-title"), "/branches".to_owned()),
            (t(l, "visit-title"), String::new()),
        ]);
        body.push(html!("<h1>{}</h1>", t(l, "visit-title")));
        body.push(done_notice(l, done));
        body.push(html!(
            "<p class=\"muted noprint\">{} <a href=\"/search\" id=\"find-resident\">{}</a></p>",
            t(l, "visit-how"),
            t(l, "visit-find-resident")
        ));
        body.push(html!(
            "<h2>{}</h2>",
            ta(l, "visit-open-n", &[("n", Arg::N(open.len() as i64))])
        ));
        body.push(stray_solve_errors(l, posted, &open));
        if open.is_empty() {
            body.push(html!(
                "<p class=\"muted\" id=\"no-followups\">{}</p>",
                t(l, "visit-fu-none-open")
            ));
        } else {
            body.push(Markup("<ul class=\"brs\" id=\"followups\">".into()));
            for f in &open {
                body.push(followup_item(ctx, f, "/visits", false, posted));
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
            for v in &list {
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
        Ok((t(l, "visit-title"), body))
    };
    answer(ctx, run.await, posted)
}

async fn new_visit_page(
    State(db): State<Db>,
    ctx: Ctx,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    new_visit_view(&db, &ctx, q(&qs, "resident"), None).await
}

async fn new_visit_view(db: &Db, ctx: &Ctx, resident: &str, posted: Option<Posted>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let posted = posted.as_ref();
    let run = async {
        visits::require_visitor(r)?;
        let mut body = crumbs(&[
            (t(l, "br-title"), "/branches".to_owned()),
            (t(l, "visit-title"), "/visits".to_owned()),
            (t(l, "visit-new"), String::new()),
        ]);
        body.push(html!("<h1>{}</h1>", t(l, "visit-new")));
        if resident.is_empty() {
            body.push(html!(
                "<p class=\"muted\">{} <a href=\"/search\" id=\"find-resident\">{}</a></p>",
                t(l, "visit-how"),
                t(l, "visit-find-resident")
            ));
            return Ok((t(l, "visit-new"), body));
        }
        let rid = id_of(resident)?;
        let p = crate::registry::residents::resident(db, &r.registry_scope(), rid).await?;
        let mut facts = Vec::new();
        if let Some(age) = p.age {
            facts.push(ta(l, "visit-age", &[("age", Arg::N(age))]));
        }
        for c in &p.tags {
            if let Some(x) = TAGS.iter().find(|x| x.code == *c) {
                facts.push((if l == Lang::Zh { x.zh } else { x.en }).to_owned());
            }
        }
        if p.party != "none" {
            if let Some(x) = PARTY.iter().find(|x| x.code == p.party) {
                facts.push((if l == Lang::Zh { x.zh } else { x.en }).to_owned());
            }
        }
        let area = AreaNames::default().get(db, &p.area_path).await?;
        body.push(html!(
            "<p class=\"box who-card\" id=\"visit-resident\"><a href=\"/residents/{}\"><b>{}</b></a><span class=\"sub\">{}</span><span class=\"sub\">{}</span></p>",
            p.id,
            p.name,
            area,
            facts.join(if l == Lang::Zh { "、" } else { ", " })
        ));
        // The active branches in scope; the one nearest the resident first chosen.
        let active: Vec<Branch> = branches::list(db, r)
            .await?
            .into_iter()
            .filter(|b| b.dissolved.is_none())
            .collect();
        let near = active
            .iter()
            .filter(|b| p.area_path.starts_with(b.path.as_str()))
            // The deepest; the first listed among equals.
            .fold(None::<&Branch>, |best, b| match best {
                Some(x) if x.path.len() >= b.path.len() => Some(x),
                _ => Some(b),
            })
            .map(|b| b.id.to_string())
            .unwrap_or_default();
        let mut opts = vec![(String::new(), t(l, "visit-no-branch"))];
        opts.extend(active.iter().map(|b| (b.id.to_string(), b.name.clone())));
        let s = state(posted, "visit", 0);
        let follow = match s {
            Some(p) => !first(&p.values, "follow_up").is_empty(),
            None => false,
        };
        body.push(errors_of(l, s));
        body.push(html!(
            "<form method=\"post\" action=\"/visits\" class=\"box\" id=\"visit-form\">{}<input type=\"hidden\" name=\"resident\" value=\"{}\"><div class=\"two\">{}{}</div>{}{}{}<label class=\"check\"><input type=\"checkbox\" name=\"follow_up\" value=\"1\"{}><span>{}</span></label><button>{}</button></form>",
            csrf_field(&ctx.session.csrf),
            p.id,
            field("visited_on", &t(l, "visit-date"), &val(s, "visited_on", &branches::today_cst()), err(s, "visited_on"), "type=\"date\" required"),
            field("visitors", &t(l, "visit-visitors"), &val(s, "visitors", &r.display_name), err(s, "visitors"), "required maxlength=\"200\""),
            textarea("situation", &t(l, "visit-situation"), &val(s, "situation", ""), err(s, "situation"), "required maxlength=\"2000\""),
            textarea("needs", &t(l, "visit-needs"), &val(s, "needs", ""), err(s, "needs"), "maxlength=\"1000\""),
            select("branch", &t(l, "visit-branch"), &opts, &val(s, "branch", &near), err(s, "branch")),
            Markup(if follow { " checked".into() } else { String::new() }),
            t(l, "visit-follow-up"),
            t(l, "visit-save")
        ));
        Ok((t(l, "visit-new"), body))
    };
    answer(ctx, run.await, posted)
}

async fn create_visit(State(db): State<Db>, ctx: Ctx, axum::Form(f): Pairs) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(resident) = id_of(first(&f, "resident")) else {
        return ctx.error(AppError::NotFound);
    };
    let branch = match first(&f, "branch").trim() {
        "" => None,
        s => Some(s.parse().unwrap_or(0)),
    };
    let form = visits::NewVisit {
        resident,
        branch,
        visited_on: first(&f, "visited_on").to_owned(),
        visitors: first(&f, "visitors").to_owned(),
        situation: first(&f, "situation").to_owned(),
        needs: first(&f, "needs").to_owned(),
        follow_up: !first(&f, "follow_up").is_empty(),
    };
    match visits::record(&db, &ctx.actor(), ctx.reader(), &form).await {
        Ok(_) => Redirect::to("/visits?done=visit").into_response(),
        Err(e) if is_form_error(&e) => {
            let l = ctx.lang;
            let names = [
                ("visited_on", "visited_on", t(l, "visit-date")),
                ("visitors", "visitors", t(l, "visit-visitors")),
                ("situation", "situation", t(l, "visit-situation")),
                ("needs", "needs", t(l, "visit-needs")),
                ("branch", "branch", t(l, "visit-branch")),
            ];
            let p = Posted::new(l, "visit", 0, &f, &e, &names);
            new_visit_view(&db, &ctx, &resident.to_string(), Some(p)).await
        }
        Err(e) => ctx.error(e),
    }
}

/// Where a solve form goes back to: the branch page it came from, else the visits.
fn solve_back(back: &str) -> Option<i64> {
    back.strip_prefix("/branches/").and_then(|n| n.parse().ok())
}

async fn solve_followup(
    State(db): State<Db>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let Ok(fid) = id_of(&id) else {
        return ctx.error(AppError::NotFound);
    };
    let branch = solve_back(first(&f, "back"));
    match visits::solve(&db, &ctx.actor(), ctx.reader(), fid, first(&f, "solution")).await {
        Ok(()) => {
            let to = match branch {
                Some(b) => format!("/branches/{b}?done=solved#followups"),
                None => "/visits?done=solved".to_owned(),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) if is_form_error(&e) => {
            let l = ctx.lang;
            let names = [("description", "solution", t(l, "visit-solution"))];
            let p = Posted::new(l, "solve", fid, &f, &e, &names);
            match branch {
                Some(b) => branch_view(&db, &ctx, &b.to_string(), "", Some(p)).await,
                None => visits_view(&db, &ctx, "", Some(p)).await,
            }
        }
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/branches", get(branches_page).post(create_branch))
        .route("/branches/{id}", get(branch_page))
        .route("/branches/{id}/members", post(set_member))
        .route(
            "/branches/{id}/members/{volunteer}/remove",
            post(remove_member),
        )
        .route("/branches/{id}/dissolve", post(dissolve))
        .route("/teams", post(create_team))
        .route("/teams/{id}", get(team_page))
        .route("/teams/{id}/members", post(set_team_member))
        .route("/visits", get(visits_page).post(create_visit))
        .route("/visits/new", get(new_visit_page))
        .route("/visits/followups/{id}/solve", post(solve_followup))
}
