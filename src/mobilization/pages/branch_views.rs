//! The views of party branches and teams: the list with the officers' forms to set them up, a
//! branch with its members, teams and follow-up items, a team; and a form shown again with its
//! problems ([`Again`]), which the care visits' views use too.

use std::collections::HashMap;

use crate::html;
use crate::i18n::{t, ta, Arg, Lang};
use crate::mobilization::branches::{Branch, Member, NewBranch, Team};
use crate::mobilization::visits::FollowUp;
use crate::mobilization::volunteers::Volunteer;
use crate::mobilization::{
    label, BRANCH_ATTACH, BRANCH_KINDS, BRANCH_ROLES, POLITICAL, TEAM_KINDS,
};
use crate::web::html::vocab_options;
use crate::web::html::{crumbs, csrf_field, error_box, field, notice, select, Markup};
use crate::web::kit::FormErrors;
use crate::web::pages::Ctx;

use super::branch::{DissolveForm, MemberForm, TeamForm};
use super::visits::SolveForm;
use super::visits_views::{followup_item, stray_solve_errors};

// ---- Forms shown again with their problems ----

/// A form that came back: the values as sent and the problems (by the engine's field names).
pub struct Again<F> {
    pub form: F,
    pub errors: FormErrors,
}

/// The box of a form's problems (empty when the form did not come back).
pub(super) fn problems<F>(l: Lang, a: Option<&Again<F>>) -> Markup {
    error_box(l, a.map(|a| a.errors.lines.as_slice()).unwrap_or_default())
}

/// A field's problem, by the engine's name of the field.
pub(super) fn problem<'a, F>(a: Option<&'a Again<F>>, field: &str) -> Option<&'a str> {
    a.and_then(|a| a.errors.field(field))
}

/// The value to show: as sent when the form came back, else the default.
pub(super) fn shown<'a, F>(
    a: Option<&'a Again<F>>,
    value: impl FnOnce(&'a F) -> &'a str,
    default: &'a str,
) -> &'a str {
    a.map_or(default, |a| value(&a.form))
}

/// The forms of the branches page that may come back.
pub enum BranchesAgain {
    Branch(Again<NewBranch>),
    Team(Again<TeamForm>),
}

/// The forms of a branch's page that may come back.
pub enum BranchAgain {
    Member(Again<MemberForm>),
    Dissolve(Again<DissolveForm>),
    Solve(Again<SolveForm>),
}

// ---- Shared pieces ----

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
/// The members' heading with their count, then the table (or `none` when there are none).
fn members_section(
    l: Lang,
    members: &[Member],
    none: &str,
    team: bool,
    actions: impl Fn(&Member) -> Markup,
) -> Markup {
    let mut m = html!(
        "<h2>{}</h2>",
        ta(l, "br-members-n", &[("n", Arg::N(members.len() as i64))])
    );
    m.push(if members.is_empty() {
        html!("<p class=\"muted\" id=\"no-members\">{}</p>", t(l, none))
    } else {
        member_table(l, members, team, actions)
    });
    m
}

fn member_table(
    l: Lang,
    members: &[Member],
    team: bool,
    actions: impl Fn(&Member) -> Markup,
) -> Markup {
    let mut m = html!(
        "<table id=\"members\" class=\"stack\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"noprint\"></th></tr></thead><tbody>",
        t(l, "br-col-member"),
        t(l, "br-col-political"),
        t(l, "br-col-role")
    );
    for x in members {
        m.push(html!(
            "<tr id=\"m-{}\"><td class=\"title\"><b>{}</b><span class=\"sub\">{}</span></td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td class=\"noprint\">{}</td></tr>",
            x.volunteer,
            x.name,
            if x.unit.is_empty() { "—".to_owned() } else { x.unit.clone() },
            t(l, "br-col-political"),
            label(POLITICAL, &x.political, l),
            t(l, "br-col-role"),
            member_role(l, &x.role, team),
            actions(x)
        ));
    }
    m.0.push_str("</tbody></table>");
    m
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

pub(super) fn done_notice(l: Lang, done: &str) -> Markup {
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

/// What the branches page shows.
pub struct BranchesPage {
    pub list: Vec<Branch>,
    pub teams: Vec<Team>,
    /// Open follow-up items by branch.
    pub open: HashMap<i64, i64>,
    /// Area names by path (of the branches, and of the teams outside a listed branch).
    pub names: HashMap<String, String>,
    /// For officers: the areas a branch or team may be set up in.
    pub areas: Option<Vec<(String, String)>>,
    /// Today in China, the default of the date fields.
    pub today: String,
}

pub(super) fn branches(
    ctx: &Ctx,
    p: &BranchesPage,
    done: &str,
    again: Option<&BranchesAgain>,
) -> Markup {
    let l = ctx.lang;
    let name_of = |path: &str| p.names.get(path).cloned().unwrap_or_default();
    let mut body = html!("<h1>{}</h1>", t(l, "br-title"));
    body.push(done_notice(l, done));
    body.push(html!(
        "<div class=\"actions noprint\"><a class=\"btn alt\" id=\"go-visits\" href=\"/visits\">{}</a></div>",
        t(l, "visit-title")
    ));
    body.push(html!(
        "<h2>{}</h2>",
        ta(l, "br-branches-n", &[("n", Arg::N(p.list.len() as i64))])
    ));
    if p.list.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-branches\">{}</p>",
            t(l, "br-none")
        ));
    } else {
        body.push(Markup("<ul class=\"brs\" id=\"branches\">".into()));
        for b in &p.list {
            let attach = attach_text(l, b);
            let n_open = p.open.get(&b.id).copied().unwrap_or(0);
            let fu = if n_open > 0 {
                html!(
                    "<span class=\"tag warn\">{}</span>",
                    ta(l, "br-open-n", &[("n", Arg::N(n_open))])
                )
            } else {
                html!("{}", t(l, "br-open-none"))
            };
            body.push(html!(
                "<li id=\"branch-{}\"{}><a class=\"name\" href=\"/branches/{}\"><b>{}</b></a> {}{}<span class=\"sub\">{} · {}</span><span class=\"sub\">{} · {} · {}</span></li>",
                b.id,
                Markup(if b.dissolved.is_some() { " class=\"gone\"".into() } else { String::new() }),
                b.id,
                b.name,
                kind_tag(l, b),
                dissolved_tag(l, b),
                ta(l, "br-attached", &[("place", Arg::S(attach))]),
                name_of(&b.path),
                ta(l, "br-founded-on", &[("date", Arg::S(b.founded.clone()))]),
                ta(l, "br-members-n", &[("n", Arg::N(b.members))]),
                fu
            ));
        }
        body.0.push_str("</ul>");
    }
    let branch_names: HashMap<i64, &str> = p.list.iter().map(|b| (b.id, b.name.as_str())).collect();
    body.push(html!(
        "<h2>{}</h2>",
        ta(l, "team-teams-n", &[("n", Arg::N(p.teams.len() as i64))])
    ));
    if p.teams.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-teams\">{}</p>",
            t(l, "team-none")
        ));
    } else {
        body.push(Markup("<ul class=\"brs\" id=\"teams\">".into()));
        for x in &p.teams {
            let place = match x
                .branch_id
                .and_then(|b| branch_names.get(&b).map(|n| (b, n)))
            {
                Some((b, n)) => html!("<a href=\"/branches/{}\">{}</a>", b, n.to_string()),
                None => html!("{}", name_of(&x.path)),
            };
            body.push(html!(
                "<li id=\"team-{}\"><a class=\"name\" href=\"/teams/{}\"><b>{}</b></a> <span class=\"tag\">{}</span><span class=\"sub\">{} · {}</span></li>",
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
    if let Some(opts) = &p.areas {
        let first_area = opts.first().map(|o| o.0.clone()).unwrap_or_default();
        let s = match again {
            Some(BranchesAgain::Branch(a)) => Some(a),
            _ => None,
        };
        body.push(html!(
            "<h2 class=\"noprint\">{}</h2>{}<form method=\"post\" action=\"/branches\" class=\"box noprint\" id=\"branch-form\">{}{}{}<div class=\"two\">{}{}</div>{}{}<button>{}</button></form>",
            t(l, "br-new"),
            problems(l, s),
            csrf_field(&ctx.session.csrf),
            select("area", &t(l, "br-area"), opts, shown(s, |f| &f.area, &first_area), problem(s, "area")),
            field("name", &t(l, "br-name"), shown(s, |f| &f.name, ""), problem(s, "name"), "required maxlength=\"100\""),
            select("kind", &t(l, "br-kind"), &vocab_options(BRANCH_KINDS, l), shown(s, |f| &f.kind, "temporary"), problem(s, "kind")),
            select("attach", &t(l, "br-attach"), &vocab_options(BRANCH_ATTACH, l), shown(s, |f| &f.attach, "community"), problem(s, "place")),
            field("place_note", &t(l, "br-place-note"), shown(s, |f| &f.place_note, ""), None, "maxlength=\"200\""),
            field("founded", &t(l, "br-founded"), shown(s, |f| &f.founded, &p.today), problem(s, "founded"), "type=\"date\" required"),
            t(l, "br-create")
        ));
        let s = match again {
            Some(BranchesAgain::Team(a)) => Some(a),
            _ => None,
        };
        let active: Vec<&Branch> = p.list.iter().filter(|b| b.dissolved.is_none()).collect();
        let default_where = opts
            .first()
            .map(|o| format!("area:{}", o.0))
            .unwrap_or_default();
        body.push(html!(
            "<h2 class=\"noprint\">{}</h2>{}<form method=\"post\" action=\"/teams\" class=\"box noprint\" id=\"team-form\">{}{}{}{}<button>{}</button></form>",
            t(l, "team-new"),
            problems(l, s),
            csrf_field(&ctx.session.csrf),
            where_select(l, opts, &active, shown(s, |f| &f.place, &default_where), problem(s, "area").or(problem(s, "branch"))),
            field("name", &t(l, "team-name"), shown(s, |f| &f.name, ""), problem(s, "team"), "required maxlength=\"100\""),
            select("kind", &t(l, "team-kind"), &vocab_options(TEAM_KINDS, l), shown(s, |f| &f.kind, "onsite"), problem(s, "kind")),
            t(l, "team-create")
        ));
    }
    body
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

// ---- A branch ----

/// What a branch's page shows.
pub struct BranchPage {
    pub branch: Branch,
    /// The secretary first.
    pub members: Vec<Member>,
    pub teams: Vec<Team>,
    pub followups: Vec<FollowUp>,
    pub area: String,
    /// For an officer while the branch stands: the party members who may join it.
    pub pool: Option<Vec<Volunteer>>,
    pub today: String,
}

pub(super) fn branch(ctx: &Ctx, p: &BranchPage, done: &str, again: Option<&BranchAgain>) -> Markup {
    let l = ctx.lang;
    let b = &p.branch;
    let members = &p.members;
    let manage = p.pool.is_some();
    let mut body = crumbs(&[
        (t(l, "br-title"), "/branches".to_owned()),
        (b.name.clone(), String::new()),
    ]);
    body.push(html!(
        "<h1>{} {}{}</h1>",
        b.name,
        kind_tag(l, b),
        dissolved_tag(l, b)
    ));
    body.push(done_notice(l, done));
    let secretary = members.iter().find(|m| m.role == "secretary");
    body.push(html!(
        "<dl class=\"kv\" id=\"branch\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        t(l, "br-secretary"),
        secretary.map(|m| m.name.clone()).unwrap_or_else(|| t(l, "br-no-secretary")),
        t(l, "br-attach"),
        attach_text(l, b),
        t(l, "br-area"),
        p.area,
        t(l, "br-founded"),
        b.founded.clone(),
        t(l, "br-dissolved"),
        b.dissolved.clone().unwrap_or_else(|| "—".into()),
        t(l, "br-members"),
        b.members
    ));
    // Members, the secretary first.
    let csrf = csrf_field(&ctx.session.csrf);
    body.push(members_section(l, members, "br-no-members", false, |m| {
            if !manage {
                return Markup::default();
            }
            html!(
                "<form method=\"post\" action=\"/branches/{}/members/{}/remove\" class=\"inline\">{}<button class=\"alt\" data-confirm=\"{}\">{}</button></form>",
                b.id,
                m.volunteer,
                csrf.clone(),
                ta(l, "br-remove-confirm", &[("name", Arg::S(m.name.clone()))]),
                t(l, "br-remove")
            )
    }));
    if let Some(list) = &p.pool {
        let s = match again {
            Some(BranchAgain::Member(a)) => Some(a),
            _ => None,
        };
        body.push(html!(
            "<h3 class=\"noprint\">{}</h3>",
            t(l, "br-add-member")
        ));
        body.push(problems(l, s));
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
                select("volunteer", &t(l, "br-volunteer"), &pool_options(l, list), shown(s, |f| &f.volunteer, &default_v), problem(s, "volunteer")),
                select("role", &t(l, "br-col-role"), &vocab_options(BRANCH_ROLES, l), shown(s, |f| &f.role, default_role), problem(s, "role")),
                t(l, "br-member-hint"),
                t(l, "save")
            ));
        }
    }
    // Teams of the branch.
    body.push(html!("<h2>{}</h2>", t(l, "br-teams")));
    if p.teams.is_empty() {
        body.push(html!("<p class=\"muted\">{}</p>", t(l, "team-none")));
    } else {
        body.push(Markup("<ul class=\"brs\" id=\"teams\">".into()));
        for x in &p.teams {
            body.push(html!(
                "<li><a class=\"name\" href=\"/teams/{}\"><b>{}</b></a> <span class=\"tag\">{}</span><span class=\"sub\">{}</span></li>",
                x.id,
                x.name,
                label(TEAM_KINDS, &x.kind, l),
                ta(l, "br-members-n", &[("n", Arg::N(x.members))])
            ));
        }
        body.0.push_str("</ul>");
    }
    // Follow-up items the branch owns (兜底), open first.
    let fus = &p.followups;
    let solve = match again {
        Some(BranchAgain::Solve(a)) => Some(a),
        _ => None,
    };
    let n_open = fus.iter().filter(|f| f.status != "solved").count() as i64;
    body.push(html!(
        "<h2>{}</h2>",
        ta(l, "br-followups", &[("n", Arg::N(n_open))])
    ));
    body.push(stray_solve_errors(l, solve, fus));
    if fus.is_empty() {
        body.push(html!(
            "<p class=\"muted\" id=\"no-followups\">{}</p>",
            t(l, "visit-fu-none")
        ));
    } else {
        body.push(Markup("<ul class=\"brs\" id=\"followups\">".into()));
        let back = format!("/branches/{}", b.id);
        for f in fus {
            body.push(followup_item(ctx, f, &back, true, solve));
        }
        body.0.push_str("</ul>");
    }
    if manage {
        let s = match again {
            Some(BranchAgain::Dissolve(a)) => Some(a),
            _ => None,
        };
        body.push(html!(
            "<details class=\"box noprint\" id=\"dissolve\"{}><summary>{}</summary>{}<form method=\"post\" action=\"/branches/{}/dissolve\" id=\"dissolve-form\">{}{}<p class=\"muted\">{}</p><button class=\"warn\" data-confirm=\"{}\">{}</button></form></details>",
            Markup(if s.is_some() { " open".into() } else { String::new() }),
            t(l, "br-dissolve"),
            problems(l, s),
            b.id,
            csrf_field(&ctx.session.csrf),
            field("dissolved", &t(l, "br-dissolved"), shown(s, |f| &f.dissolved, &p.today), problem(s, "dissolved"), "type=\"date\" required"),
            t(l, "br-dissolve-hint"),
            ta(l, "br-dissolve-confirm", &[("name", Arg::S(b.name.clone()))]),
            t(l, "br-dissolve")
        ));
    }
    body
}

// ---- A team ----

/// What a team's page shows.
pub struct TeamPage {
    pub team: Team,
    pub members: Vec<Member>,
    /// The branch it belongs to, if any.
    pub branch: Option<Branch>,
    pub area: String,
    /// For an officer: the approved volunteers who may join it.
    pub pool: Option<Vec<Volunteer>>,
}

pub(super) fn team(
    ctx: &Ctx,
    p: &TeamPage,
    done: &str,
    again: Option<&Again<MemberForm>>,
) -> Markup {
    let l = ctx.lang;
    let team = &p.team;
    let members = &p.members;
    let mut items = vec![(t(l, "br-title"), "/branches".to_owned())];
    if let Some(b) = &p.branch {
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
        match &p.branch {
            Some(b) => html!("<a href=\"/branches/{}\">{}</a> · {}", b.id, b.name, p.area),
            None => html!("{}", p.area),
        },
        t(l, "br-members"),
        team.members
    ));
    body.push(members_section(l, members, "team-no-members", true, |_| {
        Markup::default()
    }));
    if let Some(list) = &p.pool {
        let s = again;
        body.push(html!(
            "<h3 class=\"noprint\">{}</h3>",
            t(l, "team-add-member")
        ));
        body.push(problems(l, s));
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
                select("volunteer", &t(l, "br-volunteer"), &pool_options(l, list), shown(s, |f| &f.volunteer, &default_v), problem(s, "volunteer")),
                select("role", &t(l, "br-col-role"), &roles, shown(s, |f| &f.role, default_role), None),
                t(l, "save")
            ));
        }
    }
    body
}
