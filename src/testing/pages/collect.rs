//! The collector's scan page, phone first: choose the site, open a tube by its barcode, add
//! people (ID number typed, personal code scanned, members of a household picked, or a
//! walk-in with their document), close the tube.
//!
//! Every form goes through the same sampling writer as the API (`state.ingest`), with a client
//! id made fresh for each rendering of the form: a double tap or a refresh sends the same id
//! again and gets the stored reply, never a second sample. The page state (site, tube,
//! household) lives in the address, so the language switch and a refresh keep it.

use crate::html;
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};

use super::{bar_of, client_id, find_round, person_status, round_crumbs};
use crate::args;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::{t, ta, Arg, Lang, Msg};
use crate::registry::model::{DOC_TYPES, RELATIONS};
use crate::registry::residents;
use crate::testing::ingest::{Ingest, Op, OpKind, Outcome, PersonRef, Status, Submission};
use crate::testing::{mask_name, Round, Site};
use crate::web::html::clock;
use crate::web::html::{csrf_field, url_enc, Markup};
use crate::web::kit::{all, first, q, with_status, Pairs};
use crate::web::pages::Ctx;
use crate::web::AppState;

/// Where the collector is: site, tube, household being sampled.
#[derive(Debug, Clone, Default)]
struct Here {
    site: Option<i64>,
    tube: Option<String>,
    household: Option<i64>,
}

impl Here {
    fn from_query(qs: &HashMap<String, String>) -> Here {
        Here {
            site: q(qs, "site").parse().ok(),
            tube: Some(q(qs, "tube").to_owned()).filter(|s| !s.is_empty()),
            household: q(qs, "household").parse().ok(),
        }
    }

    fn href(&self, round: i64) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.site {
            parts.push(format!("site={s}"));
        }
        if let Some(t) = &self.tube {
            parts.push(format!("tube={}", url_enc(t)));
        }
        if let Some(h) = self.household {
            parts.push(format!("household={h}"));
        }
        let base = format!("/testing/rounds/{round}/collect");
        if parts.is_empty() {
            base
        } else {
            format!("{base}?{}", parts.join("&"))
        }
    }
}

/// The sites where this reader may sample in the round: where listed as a collector, and for
/// officers and grid workers any site within their scope.
async fn allowed_sites(db: &Db, ctx: &Ctx, round: &Round) -> Result<Vec<Site>, AppError> {
    let r = ctx.reader();
    let mut v = crate::testing::my_sites(db, r.account_id, round.id).await?;
    if crate::testing::samples_in_scope(r) {
        for s in crate::testing::sites(db, round.id, Some(&r.scope)).await? {
            if !v.iter().any(|x| x.id == s.id) {
                v.push(s);
            }
        }
    }
    Ok(v)
}

fn not_collector() -> AppError {
    AppError::Forbidden(Msg::new(
        "you are not a collector at any site of this round: ask the community office to add you to a site",
        "您不是本轮检测任何采样点的采样人员，请联系社区将您加入采样点",
    ))
}

/// A tube as the page shows it.
struct TubeInfo {
    barcode: String,
    site_id: i64,
    capacity: i64,
    n: i64,
    closed: bool,
}

async fn tube_info(
    db: &Db,
    round: i64,
    barcode: &str,
    sites: &[Site],
) -> Result<Option<TubeInfo>, AppError> {
    let row = db
        .query_opt(
            "SELECT site_id, capacity, n, closed_ms, result FROM test_tubes \
             WHERE round_id = $1 AND barcode = $2",
            args![round, barcode],
        )
        .await?;
    Ok(row
        .filter(|r| sites.iter().any(|s| s.id == r.int(0)))
        .map(|r| TubeInfo {
            barcode: barcode.to_owned(),
            site_id: r.int(0),
            capacity: r.int(1),
            n: r.int(2),
            closed: r.opt_int(3).is_some() || r.opt_text(4).is_some(),
        }))
}

/// Who is in the tube, newest first, names masked (collectors confirm, they do not read the
/// registry). People registered outside the reader's scope and the tube's site area are listed
/// without a name: the collector learns nothing about them.
async fn tube_people(
    db: &Db,
    round: i64,
    barcode: &str,
    scope: &crate::access::Scope,
) -> Result<Vec<(String, i64, bool)>, AppError> {
    Ok(db
        .query(
            "SELECT COALESCE(r.name, w.name), s.taken_ms, s.duplicate, r.path, t.path \
             FROM test_samples s \
             JOIN test_tubes t ON t.round_id = s.round_id AND t.barcode = s.barcode \
             LEFT JOIN residents r ON r.id = s.resident_id \
             LEFT JOIN test_walkins w ON w.id = s.walkin_id \
             WHERE s.round_id = $1 AND s.barcode = $2 ORDER BY s.taken_ms DESC, s.id DESC",
            args![round, barcode],
        )
        .await?
        .iter()
        .map(|r| {
            let elsewhere = r
                .opt_text(3)
                .is_some_and(|p| !p.starts_with(r.text(4)) && !scope.contains(p));
            (
                if elsewhere {
                    "—".to_owned()
                } else {
                    mask_name(&r.opt_string(0).unwrap_or_default())
                },
                r.int(1),
                r.int(2) != 0,
            )
        })
        .collect())
}

/// One reply shown on the page, with the fields to send the same person again with
/// `confirm` when the reply flagged them as already sampled and did not record them.
struct Shown {
    outcome: Outcome,
    retry: Option<Markup>,
}

fn hidden(name: &str, value: &str) -> Markup {
    html!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        name,
        value
    )
}

/// The hidden fields that describe a person again.
fn person_fields(p: &PersonRef) -> Markup {
    let mut m = Markup::default();
    match p {
        PersonRef::ResidentId(id) => {
            m.push(hidden("act", "add"));
            m.push(hidden("rid", &id.to_string()));
        }
        PersonRef::Qr(code) => {
            m.push(hidden("act", "add"));
            m.push(hidden("person", code));
        }
        PersonRef::Doc { doc_type, number } => {
            m.push(hidden("act", "add"));
            m.push(hidden("person", number));
            m.push(hidden("doc_type", doc_type.as_deref().unwrap_or("id_card")));
        }
        PersonRef::WalkIn {
            doc_type,
            number,
            name,
            phone,
        } => {
            m.push(hidden("act", "walkin"));
            m.push(hidden("doc_type", doc_type.as_deref().unwrap_or("id_card")));
            m.push(hidden("number", number));
            m.push(hidden("name", name));
            m.push(hidden("phone", phone.as_deref().unwrap_or("")));
        }
    }
    m
}

fn sex_age(l: Lang, sex: i64, age: Option<i64>) -> String {
    let s = match sex {
        1 => t(l, "sex-male"),
        2 => t(l, "sex-female"),
        _ => String::new(),
    };
    let a = age
        .map(|a| ta(l, "age-years", &[("age", Arg::N(a))]))
        .unwrap_or_default();
    [s, a]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn outcome_box(ctx: &Ctx, action: &str, s: &Shown) -> Markup {
    let l = ctx.lang;
    let o = &s.outcome;
    let (class, role) = match o.status {
        Status::Accepted => ("ok", "status"),
        Status::Flagged => ("warn", "alert"),
        Status::Refused => ("bad", "alert"),
    };
    let mut m = html!(
        "<div class=\"outcome {}\" role=\"{}\" data-code=\"{}\"><b>{}</b>",
        class,
        role,
        o.code,
        o.message.get(l)
    );
    if let Some(p) = &o.person {
        m.push(html!(
            "<div class=\"who\">{} <span class=\"muted\">{}</span></div>",
            p.name,
            sex_age(l, p.sex, p.age)
        ));
    }
    if let Some((tube, at)) = &o.earlier {
        m.push(html!(
            "<div>{}</div>",
            ta(
                l,
                "collect-earlier",
                &[("tube", Arg::S(tube.clone())), ("at", Arg::S(clock(*at)))]
            )
        ));
    }
    if o.replayed {
        m.push(html!(
            "<div class=\"muted\">{}</div>",
            t(l, "collect-replayed")
        ));
    }
    if let Some(fields) = &s.retry {
        m.push(html!(
            "<form method=\"post\" action=\"{}\" class=\"retry\">{}{}{}{}<button class=\"warn big\" id=\"record-anyway\">{}</button></form>",
            action,
            csrf_field(&ctx.session.csrf),
            hidden("cid", &client_id()),
            hidden("confirm", "1"),
            fields.clone(),
            t(l, "collect-record-anyway")
        ));
    }
    m.0.push_str("</div>");
    m
}

fn doc_options(l: Lang, selected: &str) -> Markup {
    Markup(
        DOC_TYPES
            .iter()
            .map(|d| {
                html!(
                    "<option value=\"{}\"{}>{}</option>",
                    d.code,
                    Markup(if d.code == selected {
                        " selected".into()
                    } else {
                        String::new()
                    }),
                    if l == Lang::Zh { d.zh } else { d.en }
                )
                .0
            })
            .collect(),
    )
}

/// A scan button: hidden until the script finds a barcode detector and a camera.
fn scan_button(l: Lang, input: &str) -> Markup {
    html!(
        "<button type=\"button\" class=\"scan alt big\" data-scan=\"{}\" hidden>{}</button>",
        input,
        t(l, "collect-scan")
    )
}

/// What a rendering needs beyond the place: replies to show, a value to put back in the
/// person field (after a refusal), an error of the page's own.
#[derive(Default)]
struct Extra {
    shown: Vec<Shown>,
    person: String,
    doc_type: String,
    barcode: String,
    problem: Option<String>,
}

async fn collect_page(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let here = Here::from_query(&qs);
    let run = async {
        let round = find_round(&st.db, &ctx, &id).await?;
        render(&st.db, &ctx, &round, here, Extra::default()).await
    };
    match run.await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

async fn render(
    db: &Db,
    ctx: &Ctx,
    round: &Round,
    mut here: Here,
    x: Extra,
) -> Result<Response, AppError> {
    let l = ctx.lang;
    let r = ctx.reader();
    let sites = allowed_sites(db, ctx, round).await?;
    if sites.is_empty() {
        return Err(not_collector());
    }
    let tube = match &here.tube {
        Some(b) => tube_info(db, round.id, b, &sites).await?,
        None => None,
    };
    if tube.is_none() {
        here.tube = None;
    }
    if let Some(t) = &tube {
        here.site = Some(t.site_id);
    }
    if here.site.is_some_and(|s| !sites.iter().any(|x| x.id == s)) {
        here.site = None;
    }
    if here.site.is_none() && sites.len() == 1 {
        here.site = Some(sites[0].id);
    }
    let action = here.href(round.id);
    let mut body = round_crumbs(db, ctx, round, None, Some(t(l, "collect-title"))).await?;
    body.push(html!(
        "<h1 class=\"collect-h\">{} <span class=\"muted\">{}</span></h1>",
        t(l, "collect-title"),
        round.name
    ));
    if !round.is_open_at(crate::db::now_ms()) {
        body.push(html!(
            "<p class=\"errors\" id=\"round-closed\">{}</p>",
            ta(
                l,
                "collect-round-closed",
                &[("window", Arg::S(super::window(round)))]
            )
        ));
    }
    // Several replies (members of a household): one compact line each.
    body.push(Markup(
        if x.shown.len() > 1 {
            "<div class=\"outcomes\">"
        } else {
            "<div>"
        }
        .into(),
    ));
    for s in &x.shown {
        body.push(outcome_box(ctx, &action, s));
    }
    body.0.push_str("</div>");
    if let Some(p) = &x.problem {
        body.push(html!(
            "<div class=\"outcome bad\" role=\"alert\"><b>{}</b></div>",
            p
        ));
    }
    // The site.
    let Some(site_id) = here.site else {
        body.push(html!(
            "<h2>{}</h2><div class=\"choices\" id=\"site-choice\">",
            t(l, "collect-choose-site")
        ));
        for s in &sites {
            let h = Here {
                site: Some(s.id),
                tube: None,
                household: here.household,
            };
            body.push(html!(
                "<a class=\"btn big alt\" href=\"{}\">{}</a>",
                h.href(round.id),
                s.name
            ));
        }
        body.0.push_str("</div>");
        return Ok(ctx.page(&t(l, "collect-title"), body));
    };
    let site = sites
        .iter()
        .find(|s| s.id == site_id)
        .expect("an allowed site");
    let change = if sites.len() > 1 {
        html!(
            " <a class=\"small\" href=\"{}\">{}</a>",
            Here {
                household: here.household,
                ..Default::default()
            }
            .href(round.id),
            t(l, "collect-change-site")
        )
    } else {
        Markup::default()
    };
    body.push(html!(
        "<p class=\"site-line\" id=\"site\">{}{}</p>",
        Markup(ta(
            l,
            "collect-at-site",
            &[(
                "site",
                Arg::S(format!("<b>{}</b>", crate::web::html::esc(&site.name)))
            )]
        )),
        change
    ));
    let open_tube = tube.as_ref().filter(|t| !t.closed);
    // The tube.
    if let Some(tb) = &tube {
        let count = if tb.capacity == 0 {
            ta(l, "collect-count-household", &[("n", Arg::N(tb.n))])
        } else {
            format!("{} / {}", tb.n, tb.capacity)
        };
        body.push(html!(
            "<div class=\"tube-state{}\" id=\"tube-state\"><span>{} <b class=\"mono\">{}</b>{}</span><b class=\"count\" id=\"tube-count\">{}</b>{}</div>",
            if tb.closed { " closed" } else { "" },
            t(l, "tube-barcode"),
            tb.barcode,
            if tb.closed { html!(" <span class=\"tag\">{}</span>", t(l, "collect-closed")) } else { Markup::default() },
            count,
            if tb.capacity > 0 { bar_of(tb.n, tb.capacity) } else { Markup::default() }
        ));
    }
    let common = |act: &str| {
        html!(
            "{}{}{}",
            csrf_field(&ctx.session.csrf),
            hidden("cid", &client_id()),
            hidden("act", act)
        )
    };
    match open_tube {
        None => {
            body.push(html!(
                "<form method=\"post\" action=\"{}\" class=\"box scan-form\" id=\"open-form\">{}<label class=\"field big\"><span>{}</span><input name=\"barcode\" id=\"barcode\" value=\"{}\" required autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" autofocus></label><div class=\"row\">{}<button class=\"big\" id=\"open-tube\">{}</button></div></form>",
                action,
                common("open"),
                if tube.is_some() { t(l, "collect-next-tube") } else { t(l, "collect-tube-barcode") },
                x.barcode,
                scan_button(l, "barcode"),
                t(l, "collect-open")
            ));
        }
        Some(tb) => {
            let doc = if x.doc_type.is_empty() {
                "id_card"
            } else {
                x.doc_type.as_str()
            };
            body.push(html!(
                "<form method=\"post\" action=\"{}\" class=\"box scan-form\" id=\"add-form\">{}<label class=\"field big\"><span>{}</span><input name=\"person\" id=\"person\" value=\"{}\" required autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" autofocus></label><label class=\"field small\"><span>{}</span><select name=\"doc_type\">{}</select></label><div class=\"row\">{}<button class=\"big\" id=\"add-person\">{}</button></div><p class=\"muted\">{}</p></form>",
                action,
                common("add"),
                t(l, "collect-person"),
                x.person,
                t(l, "col-doc-type"),
                doc_options(l, doc),
                scan_button(l, "person"),
                t(l, "collect-add"),
                t(l, "collect-person-hint")
            ));
            // Members of the household being sampled (registry readers).
            if let Some(hid) = here.household.filter(|_| r.can_read_registry()) {
                if let Ok(d) = residents::household(db, &r.registry_scope(), hid).await {
                    let ids: Vec<i64> = d.residents.iter().map(|m| m.id).collect();
                    let status = statuses(db, round.id, &ids).await?;
                    let mut items = Markup::default();
                    let mut open = 0;
                    for m in &d.residents {
                        let rel = RELATIONS
                            .iter()
                            .find(|x| x.code == m.relation)
                            .map(|x| if l == Lang::Zh { x.zh } else { x.en })
                            .unwrap_or("");
                        let info = format!("{rel} · {}", sex_age(l, m.sex, m.age));
                        match status.get(&m.id).map(String::as_str) {
                            Some(s) if !matches!(s, "resample" | "retest") => {
                                items.push(html!(
                                    "<div class=\"member done\"><b>{}</b> <span class=\"muted\">{}</span> <span class=\"tag ok\">{}</span></div>",
                                    m.name,
                                    info,
                                    person_status(l, s)
                                ));
                            }
                            s => {
                                open += 1;
                                let flag = s
                                    .map(|s| {
                                        html!(
                                            " <span class=\"tag warn\">{}</span>",
                                            person_status(l, s)
                                        )
                                    })
                                    .unwrap_or_default();
                                items.push(html!(
                                    "<label class=\"member\"><input type=\"checkbox\" name=\"member\" value=\"{}\"> <b>{}</b> <span class=\"muted\">{}</span>{}</label>",
                                    m.id,
                                    m.name,
                                    info,
                                    flag
                                ));
                            }
                        }
                    }
                    let button = if open > 0 {
                        html!(
                            "<button class=\"big\" id=\"add-members\">{}</button>",
                            t(l, "collect-add-members")
                        )
                    } else {
                        Markup::default()
                    };
                    let leave = Here {
                        household: None,
                        ..here.clone()
                    }
                    .href(round.id);
                    body.push(html!(
                        "<form method=\"post\" action=\"{}\" class=\"box\" id=\"members-form\">{}<h2>{} <span class=\"muted\">{}</span></h2>{}{}<p><a class=\"small\" href=\"{}\">{}</a></p></form>",
                        action,
                        common("members"),
                        t(l, "collect-household"),
                        d.household.address,
                        items,
                        button,
                        leave,
                        t(l, "collect-household-leave")
                    ));
                }
            }
            // After "not in the registry", the walk-in form opens with the number typed.
            let not_found = x.shown.iter().any(|s| s.outcome.code == "not_in_round");
            let (open_attr, number) = if not_found {
                (Markup(" open".into()), x.person.clone())
            } else {
                (Markup::default(), String::new())
            };
            body.push(html!(
                "<details class=\"box\" id=\"walkin\"{}><summary>{}</summary><form method=\"post\" action=\"{}\" id=\"walkin-form\">{}<p class=\"muted\">{}</p><label class=\"field\"><span>{}</span><select name=\"doc_type\">{}</select></label><label class=\"field\"><span>{}</span><input name=\"number\" value=\"{}\" required autocomplete=\"off\" autocapitalize=\"characters\"></label><label class=\"field\"><span>{}</span><input name=\"name\" required maxlength=\"50\" autocomplete=\"off\"></label><label class=\"field\"><span>{}</span><input name=\"phone\" inputmode=\"tel\" autocomplete=\"off\"></label><button class=\"big\">{}</button></form></details>",
                open_attr,
                t(l, "collect-walkin"),
                action,
                common("walkin"),
                t(l, "collect-walkin-hint"),
                t(l, "col-doc-type"),
                doc_options(l, &x.doc_type),
                t(l, "col-doc"),
                number,
                t(l, "col-name"),
                t(l, "col-phone"),
                t(l, "collect-walkin-add")
            ));
            body.push(html!(
                "<form method=\"post\" action=\"{}\" id=\"close-form\">{}<button class=\"alt big wide\" id=\"close-tube\" data-confirm=\"{}\">{}</button></form>",
                action,
                common("close"),
                ta(l, "collect-close-confirm", &[("tube", Arg::S(tb.barcode.clone())), ("n", Arg::N(tb.n))]),
                t(l, "collect-close")
            ));
        }
    }
    if let Some(tb) = &tube {
        let people = tube_people(db, round.id, &tb.barcode, &r.scope).await?;
        if !people.is_empty() {
            body.push(html!(
                "<h2>{}</h2><ol class=\"in-tube\" id=\"in-tube\">",
                t(l, "collect-in-tube")
            ));
            for (name, at, dup) in &people {
                body.push(html!(
                    "<li><b>{}</b> <span class=\"muted\">{}</span>{}</li>",
                    name,
                    clock(*at),
                    if *dup {
                        html!(
                            " <span class=\"tag warn\">{}</span>",
                            t(l, "tube-duplicate")
                        )
                    } else {
                        Markup::default()
                    }
                ));
            }
            body.0.push_str("</ol>");
        }
    }
    body.push(html!(
        "<div id=\"scanner\" class=\"scanner\" hidden><video id=\"scanner-video\" playsinline muted></video><p class=\"muted\" id=\"scanner-msg\">{}</p><button type=\"button\" class=\"alt big\" id=\"scanner-stop\">{}</button></div>",
        t(l, "collect-scan-hint"),
        t(l, "collect-scan-stop")
    ));
    let refused =
        x.shown.iter().any(|s| s.outcome.status == Status::Refused) || x.problem.is_some();
    let resp = ctx.page(&t(l, "collect-title"), body);
    Ok(if refused {
        with_status(resp, StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        resp
    })
}

/// The state of residents in the round.
async fn statuses(db: &Db, round: i64, ids: &[i64]) -> Result<HashMap<i64, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut params = vec![crate::db::Value::Int(round)];
    params.extend(ids.iter().map(|&i| crate::db::Value::Int(i)));
    Ok(db
        .query(
            &format!(
                "SELECT resident_id, status FROM test_persons WHERE round_id = $1 AND resident_id IN ({})",
                crate::db::placeholders(2, ids.len())
            ),
            params,
        )
        .await?
        .iter()
        .map(|r| (r.int(0), r.string(1)))
        .collect())
}

fn opt(f: &[(String, String)], k: &str) -> Option<String> {
    Some(first(f, k).trim().to_owned()).filter(|s| !s.is_empty())
}

/// The person a form names.
fn person_of(f: &[(String, String)]) -> Option<PersonRef> {
    if let Ok(id) = first(f, "rid").parse::<i64>() {
        return Some(PersonRef::ResidentId(id));
    }
    let v = first(f, "person").trim();
    if v.is_empty() {
        return None;
    }
    if v.len() > 5 && v[..5].eq_ignore_ascii_case("WLR1.") {
        return Some(PersonRef::Qr(v.to_owned()));
    }
    Some(PersonRef::Doc {
        doc_type: opt(f, "doc_type").filter(|d| d != "id_card"),
        number: v.to_owned(),
    })
}

async fn collect_submit(
    State(st): State<AppState>,
    Extension(ingest): Extension<Ingest>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
    axum::Form(f): Pairs,
) -> Response {
    if let Err(r) = ctx.check_csrf(first(&f, "csrf")) {
        return r;
    }
    let l = ctx.lang;
    let mut here = Here::from_query(&qs);
    let run = async {
        let round = find_round(&st.db, &ctx, &id).await?;
        let sites = allowed_sites(&st.db, &ctx, &round).await?;
        if sites.is_empty() {
            return Err(not_collector());
        }
        let cid = first(&f, "cid").trim().to_owned();
        let tube = here.tube.clone().unwrap_or_default();
        let confirm = (first(&f, "confirm") == "1").then_some(true);
        let mut extra = Extra::default();
        // (operation, whether a flagged reply may be sent again with confirm)
        let ops: Vec<(Op, Option<PersonRef>)> = match first(&f, "act") {
            "open" => {
                let barcode = first(&f, "barcode").trim().to_owned();
                extra.barcode = barcode.clone();
                if barcode.is_empty() {
                    extra.problem = Some(t(l, "collect-need-barcode"));
                    vec![]
                } else {
                    vec![(
                        Op {
                            client_id: cid.clone(),
                            tube: barcode,
                            kind: OpKind::Open { site_id: here.site },
                            taken_ms: None,
                        },
                        None,
                    )]
                }
            }
            "add" => match person_of(&f) {
                None => {
                    extra.problem = Some(t(l, "collect-need-person"));
                    vec![]
                }
                Some(p) => {
                    extra.person = first(&f, "person").to_owned();
                    extra.doc_type = first(&f, "doc_type").to_owned();
                    vec![(
                        Op {
                            client_id: cid.clone(),
                            tube: tube.clone(),
                            kind: OpKind::Add {
                                person: p.clone(),
                                confirm,
                            },
                            taken_ms: None,
                        },
                        Some(p),
                    )]
                }
            },
            "walkin" => {
                let p = PersonRef::WalkIn {
                    doc_type: opt(&f, "doc_type"),
                    number: first(&f, "number").trim().to_owned(),
                    name: first(&f, "name").trim().to_owned(),
                    phone: opt(&f, "phone"),
                };
                vec![(
                    Op {
                        client_id: cid.clone(),
                        tube: tube.clone(),
                        kind: OpKind::Add {
                            person: p.clone(),
                            confirm,
                        },
                        taken_ms: None,
                    },
                    Some(p),
                )]
            }
            "members" => {
                let ids: Vec<i64> = all(&f, "member")
                    .iter()
                    .filter_map(|s| s.parse().ok())
                    .collect();
                if ids.is_empty() {
                    extra.problem = Some(t(l, "collect-need-members"));
                }
                ids.iter()
                    .map(|&rid| {
                        let p = PersonRef::ResidentId(rid);
                        (
                            Op {
                                client_id: format!("{cid}.{rid}"),
                                tube: tube.clone(),
                                kind: OpKind::Add {
                                    person: p.clone(),
                                    confirm: None,
                                },
                                taken_ms: None,
                            },
                            Some(p),
                        )
                    })
                    .collect()
            }
            "close" => vec![(
                Op {
                    client_id: cid.clone(),
                    tube: tube.clone(),
                    kind: OpKind::Close,
                    taken_ms: None,
                },
                None,
            )],
            _ => return Err(AppError::NotFound),
        };
        if !ops.is_empty() {
            let (ops, persons): (Vec<Op>, Vec<Option<PersonRef>>) = ops.into_iter().unzip();
            let opened =
                matches!(ops[0].kind, OpKind::Open { .. }).then(|| ops[0].tube.trim().to_owned());
            let outs = ingest
                .submit(Submission {
                    reader: ctx.reader().clone(),
                    round: round.clone(),
                    ops,
                    offline: false,
                })
                .await?;
            for (o, p) in outs.into_iter().zip(persons) {
                if o.status != Status::Refused {
                    // Done with: the fields start empty for the next person or tube.
                    extra.person.clear();
                    extra.doc_type.clear();
                    extra.barcode.clear();
                }
                if o.status == Status::Accepted {
                    if let Some(b) = &opened {
                        here.tube = Some(b.clone());
                    }
                    if let Some(h) = o.person.as_ref().and_then(|p| p.household_id) {
                        if ctx.reader().can_read_registry() {
                            here.household = Some(h);
                        }
                    }
                }
                // Flagged and not recorded (no confirm sent): offer to record the swab anyway.
                let retry = match (&p, o.status, confirm) {
                    (Some(p), Status::Flagged, None) if o.code == "already_sampled" => {
                        Some(person_fields(p))
                    }
                    _ => None,
                };
                extra.shown.push(Shown { outcome: o, retry });
            }
        }
        render(&st.db, &ctx, &round, here, extra).await
    };
    match run.await {
        Ok(r) => r,
        Err(e) => ctx.error(e),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/testing/rounds/{id}/collect",
        get(collect_page).post(collect_submit),
    )
}
