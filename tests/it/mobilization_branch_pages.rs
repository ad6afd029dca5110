//! The pages of party branches, teams and care visits over HTTP, signed in as the demo roles:
//! an officer sets up a branch and a team through the forms, names a secretary (a volunteer who
//! is not a party member is refused), records a care visit whose needs become the branch's
//! follow-up and solves it; both languages; an officer of another community finds none of it;
//! a volunteer's account is refused. On both backends.

use wardline::access::{self, Reader, Scope};
use wardline::audit::Actor;
use wardline::db::Db;
use wardline::mobilization::volunteers::{self, SignUp};

use crate::common::{backends, demo, get_page, login, post_form, Browser, Resp};

const PW: &str = wardline::cli::DEMO_PASSWORD;
const COMMUNITY: &str = "431102001001";

/// The demo officer of the demo community as a library caller.
async fn officer(db: &Db) -> (Reader, Actor) {
    let id = db
        .query_one(
            "SELECT id FROM accounts WHERE username = 'demo-community'",
            vec![],
        )
        .await
        .unwrap()
        .int(0);
    let path = wardline::registry::areas::by_code(db, COMMUNITY)
        .await
        .unwrap()
        .unwrap()
        .path;
    let r = Reader {
        account_id: id,
        username: "demo-community".into(),
        display_name: "demo-community".into(),
        role: "community".into(),
        scope: Scope { roots: vec![path] },
    };
    let a = Actor {
        account_id: Some(id),
        username: "demo-community".into(),
        ip: "test".into(),
    };
    (r, a)
}

/// A valid resident ID number from a serial.
fn id_number(n: u32) -> String {
    let first17 = format!("43110219850101{:03}", n % 1000);
    let c = wardline::registry::validate::check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

/// An approved volunteer of the demo community, signed up through a link; returns its id.
async fn volunteer(db: &Db, name: &str, political: &str, n: u32) -> i64 {
    let (r, a) = officer(db).await;
    let link = volunteers::create_link(db, &a, &r, COMMUNITY, "抗疫志愿者招募")
        .await
        .unwrap();
    let form = SignUp {
        name: name.into(),
        doc_number: id_number(n),
        phone: format!("1390000{n:04}"),
        unit_text: "市司法局".into(),
        political: political.into(),
        health_ok: true,
        ..Default::default()
    };
    let receipt = volunteers::sign_up(db, &link, &format!("10.0.0.{n}"), &form)
        .await
        .unwrap();
    volunteers::screen(db, &a, &r, receipt.id, "approved", "")
        .await
        .unwrap();
    receipt.id
}

async fn count(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, vec![]).await.unwrap().int(0)
}

/// The id at the end of a redirect's location: `/branches/7?done=created` → 7.
fn location_id(r: &Resp, prefix: &str) -> i64 {
    let loc = r.header("location").expect("a redirect");
    loc.strip_prefix(prefix)
        .and_then(|s| s.split(['?', '#']).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{loc} does not start with {prefix}"))
}

/// The `class` of the element with the given id.
fn class_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {body}"));
    let tag_end = at + body[at..].find('>').unwrap();
    let tag = &body[body[..at].rfind('<').unwrap()..tag_end];
    tag.split("class=\"")
        .nth(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .unwrap_or_default()
}

/// What the phases of the test share.
struct World<'a> {
    db: &'a Db,
    backend: &'static str,
    addr: std::net::SocketAddr,
    officer: Browser,
    party: i64,
    probationary: i64,
    masses: i64,
    other_community: String,
}

// The phases are separate futures, each boxed: one long async test's poll frame would be larger
// than a test thread's stack in debug builds.

async fn branch_and_members(w: &World<'_>) -> i64 {
    let (db, addr, Browser { cookie, csrf }) = (w.db, w.addr, &w.officer);
    let (party, probationary, masses) = (w.party, w.probationary, w.masses);
    let other_community = &w.other_community;
    // The empty list, in Chinese by default, with the officer's forms.
    let p = get_page(addr, "/branches", cookie).await;
    assert_eq!(p.status, 200, "{}: {}", w.backend, p.body);
    assert!(p.body.contains("党支部与小组"));
    assert!(p.body.contains("id=\"no-branches\""));
    assert!(p.body.contains("id=\"branch-form\""));
    assert!(p.body.contains("id=\"team-form\""));
    assert!(p.body.contains(&format!("value=\"{COMMUNITY}\"")));

    // A branch without a name comes back with the problem and the values as sent.
    let r = post_form(
        addr,
        "/branches?lang=en",
        cookie,
        &[
            ("csrf", csrf),
            ("area", COMMUNITY),
            ("name", ""),
            ("kind", "temporary"),
            ("attach", "compound"),
            ("place_note", "创发城小区"),
            ("founded", "2022-04-02"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("class=\"errors\""));
    assert!(
        r.body.contains("Branch name: 1 to 100 characters"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"创发城小区\""), "values are kept");
    assert!(r.body.contains("value=\"2022-04-02\""));
    assert_eq!(count(db, "SELECT COUNT(*) FROM branches").await, 0);
    // An area outside the officer's scope is refused the same way.
    let r = post_form(
        addr,
        "/branches",
        cookie,
        &[
            ("csrf", csrf),
            ("area", other_community),
            ("name", "越界支部"),
            ("kind", "standing"),
            ("attach", "community"),
            ("place_note", ""),
            ("founded", "2022-04-02"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("请选择您管辖范围内的区划"), "{}", r.body);

    // The branch, created through the form.
    let r = post_form(
        addr,
        "/branches",
        cookie,
        &[
            ("csrf", csrf),
            ("area", COMMUNITY),
            ("name", "创发城小区临时党支部<b>"),
            ("kind", "temporary"),
            ("attach", "compound"),
            ("place_note", "创发城小区"),
            ("founded", "2022-04-02"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let branch = location_id(&r, "/branches/");
    let p = get_page(addr, r.header("location").unwrap(), cookie).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("class=\"notice\""));
    assert!(
        p.body.contains("创发城小区临时党支部&lt;b&gt;"),
        "names are escaped"
    );
    assert!(!p.body.contains("临时党支部<b>"));
    assert!(p.body.contains("临时党支部</span>"), "the kind's tag");
    assert!(p.body.contains("id=\"no-members\""));
    // The member form offers party members only.
    assert!(p.body.contains("id=\"member-form\""));
    assert!(p.body.contains("王建国") && p.body.contains("李预备"));
    assert!(!p.body.contains("赵群众"));

    // A party member as secretary, a probationary member as member.
    for (v, role) in [(party, "secretary"), (probationary, "member")] {
        let r = post_form(
            addr,
            &format!("/branches/{branch}/members"),
            cookie,
            &[
                ("csrf", csrf),
                ("volunteer", &v.to_string()),
                ("role", role),
            ],
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    // Someone who is not a party member is refused, with a clear message, in either
    // language.
    let r = post_form(
        addr,
        &format!("/branches/{branch}/members"),
        cookie,
        &[
            ("csrf", csrf),
            ("volunteer", &masses.to_string()),
            ("role", "member"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("赵群众 不是党员"), "{}", r.body);
    let r = post_form(
        addr,
        &format!("/branches/{branch}/members?lang=en"),
        cookie,
        &[
            ("csrf", csrf),
            ("volunteer", &masses.to_string()),
            ("role", "secretary"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("赵群众 is not a party member"),
        "{}",
        r.body
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM branch_members").await,
        2,
        "nothing was written"
    );
    let p = get_page(addr, &format!("/branches/{branch}"), cookie).await;
    let rows = p.body.find(&format!("id=\"m-{party}\"")).unwrap();
    assert!(
        rows < p.body.find(&format!("id=\"m-{probationary}\"")).unwrap(),
        "the secretary first"
    );
    assert!(p.body.contains("<dd>王建国</dd>"), "named as the secretary");
    assert!(p.body.contains("书记</span>"));
    assert!(p.body.contains("中共预备党员"));
    assert!(p.body.contains("市司法局"));
    assert!(p.body.contains(&format!(
        "action=\"/branches/{branch}/members/{probationary}/remove\""
    )));

    branch
}

async fn team_of_the_branch(w: &World<'_>, branch: i64) -> i64 {
    let (addr, Browser { cookie, csrf }) = (w.addr, &w.officer);
    let masses = w.masses;
    // A team inside the branch, and a volunteer (no party member needed) as its leader.
    let r = post_form(
        addr,
        "/teams",
        cookie,
        &[
            ("csrf", csrf),
            ("where", &format!("branch:{branch}")),
            ("name", ""),
            ("kind", "delivery"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("小组名称：请填写小组名称"), "{}", r.body);
    let r = post_form(
        addr,
        "/teams",
        cookie,
        &[
            ("csrf", csrf),
            ("where", &format!("branch:{branch}")),
            ("name", "物资配送组"),
            ("kind", "delivery"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let team = location_id(&r, "/teams/");
    let r = post_form(
        addr,
        &format!("/teams/{team}/members"),
        cookie,
        &[
            ("csrf", csrf),
            ("volunteer", &masses.to_string()),
            ("role", "leader"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = get_page(addr, &format!("/teams/{team}"), cookie).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("物资配送组"));
    assert!(p.body.contains("物资配送"));
    assert!(p.body.contains(&format!("id=\"m-{masses}\"")));
    assert!(p.body.contains("组长</span>"));
    assert!(p.body.contains(&format!("href=\"/branches/{branch}\"")));
    let p = get_page(addr, "/branches", cookie).await;
    assert!(p.body.contains(&format!("id=\"branch-{branch}\"")));
    assert!(p.body.contains(&format!("id=\"team-{team}\"")));
    assert!(p.body.contains("2 名成员"));

    team
}

async fn care_visit_and_follow_up(w: &World<'_>, branch: i64) -> (i64, i64) {
    let (db, addr, Browser { cookie, csrf }) = (w.db, w.addr, &w.officer);
    // A care visit from the resident's page; its needs become the branch's follow-up.
    let resident = count(
        db,
        "SELECT MIN(id) FROM residents WHERE path >= '431102001001' AND path < '431102001001~'",
    )
    .await;
    let p = get_page(addr, &format!("/residents/{resident}"), cookie).await;
    assert!(
        p.body
            .contains(&format!("href=\"/visits/new?resident={resident}\"")),
        "{}",
        p.body
    );
    let p = get_page(addr, &format!("/visits/new?resident={resident}"), cookie).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("id=\"visit-form\""));
    let visitors = format!(
        "name=\"visitors\" value=\"{}\"",
        wardline::cli::demo_person("demo-community")
    );
    assert!(p.body.contains(&visitors), "{}", p.body);
    assert!(p
        .body
        .contains(&format!("<option value=\"{branch}\" selected>")));
    let visit = |situation: &'static str, needs: &'static str| {
        let resident = resident.to_string();
        let branch = branch.to_string();
        async move {
            post_form(
                addr,
                "/visits",
                cookie,
                &[
                    ("csrf", csrf),
                    ("resident", &resident),
                    ("visited_on", &wardline::mobilization::branches::today_cst()),
                    ("visitors", "张书记、王建国"),
                    ("situation", situation),
                    ("needs", needs),
                    ("branch", &branch),
                    ("follow_up", "1"),
                ],
            )
            .await
        }
    };
    // A follow-up needs the need described: the form comes back, values kept.
    let r = visit("独居，血压偏高", "").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("发现的需求：请填写需由支部跟进的需求"),
        "{}",
        r.body
    );
    assert!(r.body.contains("独居，血压偏高</textarea>"));
    assert!(r.body.contains("name=\"follow_up\" value=\"1\" checked"));
    let r = visit("独居，血压偏高", "降压药周五用完").await;
    assert_eq!(r.status, 303, "{}", r.body);
    let visit_id = count(db, "SELECT MAX(id) FROM care_visits").await;
    assert_eq!(
        r.header("location"),
        Some(format!("/visits?done=visit&visit={visit_id}").as_str())
    );
    let fu = count(db, "SELECT MAX(id) FROM care_followups").await;
    let p = get_page(addr, "/visits", cookie).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("降压药周五用完"));
    assert!(p.body.contains("张书记、王建国"));
    assert!(p.body.contains(&format!("id=\"fu-{fu}\"")));
    let p = get_page(addr, &format!("/branches/{branch}"), cookie).await;
    assert_eq!(class_of(&p.body, &format!("fu-{fu}")), "open");
    assert!(p.body.contains("1 项待办"));
    let p = get_page(addr, "/branches", cookie).await;
    assert!(p.body.contains("1 项待跟进"));
    // Solving needs a word on how; then it moves to solved.
    let r = post_form(
        addr,
        &format!("/visits/followups/{fu}/solve"),
        cookie,
        &[
            ("csrf", csrf),
            ("back", &format!("/branches/{branch}")),
            ("solution", " "),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("解决情况：请填写解决情况"), "{}", r.body);
    let r = post_form(
        addr,
        &format!("/visits/followups/{fu}/solve"),
        cookie,
        &[
            ("csrf", csrf),
            ("back", &format!("/branches/{branch}")),
            ("solution", "已送药上门"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").unwrap().to_owned();
    assert!(to.starts_with(&format!("/branches/{branch}?done=solved")));
    let p = get_page(addr, &to, cookie).await;
    assert_eq!(class_of(&p.body, &format!("fu-{fu}")), "solved gone");
    assert!(p.body.contains("已送药上门"));
    assert!(p.body.contains("0 项待办"));
    let p = get_page(addr, "/visits", cookie).await;
    assert!(!p.body.contains(&format!("id=\"fu-{fu}\"")));
    assert!(p.body.contains("id=\"no-followups\""));
    // Solved once only.
    let r = post_form(
        addr,
        &format!("/visits/followups/{fu}/solve"),
        cookie,
        &[("csrf", csrf), ("back", "/visits"), ("solution", "again")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("已解决"));

    (resident, fu)
}

async fn both_languages(w: &World<'_>, branch: i64, team: i64, resident: i64) {
    let (addr, cookie) = (w.addr, &w.officer.cookie);
    // English.
    let p = get_page(addr, &format!("/branches/{branch}?lang=en"), cookie).await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("<html lang=\"en\""));
    assert!(p.body.contains("temporary branch"));
    assert!(p.body.contains("Secretary"));
    assert!(p.body.contains("CPC member"));
    assert!(p.body.contains("Solved: 已送药上门"));
    for path in [
        "/branches?lang=en".to_owned(),
        format!("/teams/{team}?lang=en"),
        "/visits?lang=en".to_owned(),
        format!("/visits/new?resident={resident}&lang=en"),
    ] {
        let p = get_page(addr, &path, cookie).await;
        assert_eq!(p.status, 200, "{path}");
        assert!(p.body.contains("<html lang=\"en\""), "{path}");
        for raw in [">br-", ">team-", ">visit-"] {
            assert!(!p.body.contains(raw), "a message id shows in {path}");
        }
    }
    let p = get_page(addr, "/branches?lang=en", cookie).await;
    assert!(p.body.contains("Party branches and teams"));
    assert!(p.body.contains("2 members"));
    let p = get_page(addr, "/visits?lang=en", cookie).await;
    assert!(p.body.contains("Visited by 张书记、王建国"));
}

async fn scope_and_roles(w: &World<'_>, branch: i64, team: i64, resident: i64, fu: i64) {
    let (addr, party) = (w.addr, w.party);
    // An officer of another community: nothing listed, every page not found.
    let other = login(addr, "other-community", PW).await;
    let p = get_page(addr, "/branches", &other.cookie).await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("创发城小区临时党支部"));
    assert!(!p.body.contains("物资配送组"));
    assert!(p.body.contains("id=\"no-branches\""));
    assert!(p.body.contains("id=\"no-teams\""));
    let p = get_page(addr, "/visits", &other.cookie).await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("降压药"));
    assert!(p.body.contains("id=\"no-visits\""));
    for path in [
        format!("/branches/{branch}"),
        format!("/teams/{team}"),
        format!("/visits/new?resident={resident}"),
        "/branches/99999".to_owned(),
    ] {
        let p = get_page(addr, &path, &other.cookie).await;
        assert_eq!(p.status, 404, "{path}");
    }
    for (path, fields) in [
        (
            format!("/branches/{branch}/members"),
            vec![("volunteer", party.to_string()), ("role", "member".into())],
        ),
        (
            format!("/branches/{branch}/dissolve"),
            vec![("dissolved", "2022-06-01".into())],
        ),
        (
            format!("/visits/followups/{fu}/solve"),
            vec![("solution", "x".into())],
        ),
        (
            "/visits".to_owned(),
            vec![
                ("resident", resident.to_string()),
                ("visited_on", "2022-06-01".into()),
                ("visitors", "x".into()),
                ("situation", "x".into()),
            ],
        ),
    ] {
        let mut f: Vec<(&str, &str)> = vec![("csrf", &other.csrf)];
        f.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let r = post_form(addr, &path, &other.cookie, &f).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }

    // A volunteer's account: refused, with the engine's message.
    let vol = login(addr, "demo-volunteer", PW).await;
    let p = get_page(addr, "/branches?lang=en", &vol.cookie).await;
    assert_eq!(p.status, 403);
    assert!(
        p.body.contains("volunteers see their own shifts only"),
        "{}",
        p.body
    );
    for path in [
        format!("/branches/{branch}"),
        format!("/teams/{team}"),
        "/visits".to_owned(),
        format!("/visits/new?resident={resident}"),
    ] {
        assert_eq!(
            get_page(addr, &path, &vol.cookie).await.status,
            403,
            "{path}"
        );
    }
    let p = get_page(addr, "/visits?lang=en", &vol.cookie).await;
    assert!(p.body.contains("care visits are recorded by officers"));
    let r = post_form(
        addr,
        "/branches",
        &vol.cookie,
        &[("csrf", &vol.csrf), ("area", COMMUNITY), ("name", "x")],
    )
    .await;
    assert_eq!(r.status, 403);

    // A branch secretary's account reads the branches but does not set them up.
    let sec = login(addr, "demo-branch", PW).await;
    let p = get_page(addr, &format!("/branches/{branch}"), &sec.cookie).await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("id=\"member-form\""));
    assert!(!p.body.contains("id=\"dissolve-form\""));
    let p = get_page(addr, "/branches", &sec.cookie).await;
    assert!(!p.body.contains("id=\"branch-form\""));
    let r = post_form(
        addr,
        &format!("/branches/{branch}/members"),
        &sec.cookie,
        &[
            ("csrf", &sec.csrf),
            ("volunteer", &party.to_string()),
            ("role", "member"),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
}

async fn remove_and_dissolve(w: &World<'_>, branch: i64, resident: i64) {
    let (db, addr, Browser { cookie, csrf }) = (w.db, w.addr, &w.officer);
    let probationary = w.probationary;
    // Removing a member, then dissolving: listed last and marked, no longer offered.
    let r = post_form(
        addr,
        &format!("/branches/{branch}/members/{probationary}/remove"),
        cookie,
        &[("csrf", csrf)],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(count(db, "SELECT COUNT(*) FROM branch_members").await, 1);
    let r = post_form(
        addr,
        "/branches",
        cookie,
        &[
            ("csrf", csrf),
            ("area", COMMUNITY),
            ("name", "社区党委第二支部"),
            ("kind", "standing"),
            ("attach", "community"),
            ("place_note", ""),
            ("founded", "2021-01-01"),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    let second = location_id(&r, "/branches/");
    let r = post_form(
        addr,
        &format!("/branches/{branch}/dissolve"),
        cookie,
        &[("csrf", csrf), ("dissolved", "2022-03-01")],
    )
    .await;
    assert_eq!(r.status, 422, "before it was founded: {}", r.body);
    assert!(r.body.contains("撤销日期：早于支部成立日期"), "{}", r.body);
    let r = post_form(
        addr,
        &format!("/branches/{branch}/dissolve"),
        cookie,
        &[("csrf", csrf), ("dissolved", "2022-06-01")],
    )
    .await;
    assert_eq!(r.status, 303);
    let p = get_page(addr, &format!("/branches/{branch}"), cookie).await;
    assert!(p.body.contains("2022-06-01 撤销"));
    assert!(!p.body.contains("id=\"member-form\""));
    let p = get_page(addr, "/branches", cookie).await;
    assert_eq!(class_of(&p.body, &format!("branch-{branch}")), "gone");
    assert!(
        p.body.find(&format!("id=\"branch-{second}\"")).unwrap()
            < p.body.find(&format!("id=\"branch-{branch}\"")).unwrap(),
        "dissolved branches last"
    );
    let p = get_page(addr, &format!("/visits/new?resident={resident}"), cookie).await;
    assert!(!p.body.contains(&format!("<option value=\"{branch}\"")));
    assert!(p.body.contains(&format!("<option value=\"{second}\"")));
}

#[tokio::test]
async fn branches_teams_and_care_visits_through_the_pages() {
    for t in backends().await {
        let db = &t.db;
        demo(db, 3_000, 5).await;
        wardline::cli::create_demo_accounts(db).await.unwrap();
        // Another community of the demo street.
        let other_community = db
            .query_one(
                "SELECT MIN(code) FROM areas WHERE level = 5 AND code > '431102001001' AND code < '431102002'",
                vec![],
            )
            .await
            .unwrap()
            .string(0);
        access::create_account_as(
            db,
            &Actor::cli(),
            &access::NewAccount {
                username: "other-community",
                display_name: "other-community",
                role: "community",
                scope_codes: std::slice::from_ref(&other_community),
                password: Some(PW),
            },
        )
        .await
        .unwrap();
        let party = volunteer(db, "王建国", "party", 1).await;
        let probationary = volunteer(db, "李预备", "probationary", 2).await;
        let masses = volunteer(db, "赵群众", "none", 3).await;
        let addr = crate::common::serve(db).await;
        let officer = login(addr, "demo-community", PW).await;

        let w = World {
            db,
            backend: t.name,
            addr,
            officer,
            party,
            probationary,
            masses,
            other_community,
        };
        let branch = Box::pin(branch_and_members(&w)).await;
        let team = Box::pin(team_of_the_branch(&w, branch)).await;
        let (resident, fu) = Box::pin(care_visit_and_follow_up(&w, branch)).await;
        Box::pin(both_languages(&w, branch, team, resident)).await;
        Box::pin(scope_and_roles(&w, branch, team, resident, fu)).await;
        Box::pin(remove_and_dissolve(&w, branch, resident)).await;
    }
}
