//! The checkpoints' pages: the checker's gate page on a phone (scan or type → the person's card
//! → "pass": three taps for a resident who is fine), the visitors waiting to be confirmed, the
//! vehicle form; the checkpoint page (settings, log, figures, retention) and the area figures
//! for officers; the visitors' public form behind the printed QR code (`/v/{token}`).

pub mod views;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Deserialize;

use super::figures::{self, By};
use super::ingest::{EntryIn, OccupantIn, Op, Outcome, PassLog, PersonIn, Seen, VehicleIn};
use super::visitors::{self, VisitorIn};
use super::Checkpoint;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, Lang};
use crate::web::html::{page, Markup};
use crate::web::kit::{error_lines, with_status, CsrfForm, Id, PublicForm};
use crate::web::pages::{error_page, html_response, Ctx, Visitor};
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checkpoints", get(list_page))
        .route("/checkpoints/me", get(list_page))
        .route("/checkpoints/figures", get(area_page))
        .route("/checkpoints/{id}", get(checkpoint_page))
        .route("/checkpoints/{id}/settings", post(settings_post))
        .route("/checkpoints/{id}/gate", get(gate_page))
        .route("/checkpoints/{id}/lookup", post(lookup_post))
        .route("/checkpoints/{id}/pass", post(pass_post))
        .route("/checkpoints/{id}/visitors/{vid}", get(confirm_page))
        .route(
            "/checkpoints/{id}/vehicle",
            get(vehicle_page).post(vehicle_post),
        )
        .route("/checkpoints/{id}/poster", get(poster_page))
        .route("/v/{token}", get(public_page).post(public_post))
        .route("/checkpoints/{id}/visitors/{vid}/call", post(call_post))
}

/// Tap to call a visitor's phone (see `visitors::call_phone` and the registry's
/// `call_answer`): the full number, once asked, audited.
async fn call_post(
    State(db): State<Db>,
    Path((id, vid)): Path<(String, String)>,
    headers: HeaderMap,
    CsrfForm(ctx, f): CsrfForm<crate::registry::pages::parts::CallForm>,
) -> Response {
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let vid: i64 = vid.parse().map_err(|_| AppError::NotFound)?;
        let (cp, _) = super::open(&db, ctx.reader(), id).await?;
        visitors::call_phone(&db, &ctx.actor(), &cp, vid).await
    };
    let phone = run.await;
    let title = t(ctx.lang, "cp-call-visitor");
    crate::registry::pages::parts::call_answer(
        &ctx,
        crate::registry::pages::parts::wants_json(&headers),
        phone,
        &title,
        &f.back,
    )
}

fn show(ctx: &Ctx, r: AppResult<(String, Markup)>) -> Response {
    match r {
        Ok((title, body)) => ctx.page(&title, body),
        Err(e) => ctx.error(e),
    }
}

fn client_id() -> String {
    format!("web-{}", crate::access::random_hex(8))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
    pub who: String,
}

fn done_text(l: Lang, q: &DoneQuery) -> String {
    let d = q.done.trim();
    if d.is_empty() || !d.chars().all(|c| c.is_ascii_lowercase() || c == '-') || d.len() > 40 {
        return String::new();
    }
    let who: String = q.who.chars().take(20).collect();
    let s = t(l, &format!("cp-done-{d}"));
    if who.is_empty() {
        s
    } else {
        format!("{s} · {who}")
    }
}

async fn list_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<DoneQuery>) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    let officer = super::is_officer(r);
    let cps = match super::list(&db, r).await {
        Ok(c) => c,
        Err(e) => return ctx.error(e),
    };
    // A checker on duty at one checkpoint goes straight to its gate.
    if !officer && cps.len() == 1 && q.done.is_empty() {
        return Redirect::to(&format!("/checkpoints/{}/gate", cps[0].id)).into_response();
    }
    let run = async {
        let day = figures::day_start(figures::china_day(now_ms()));
        let mut rows = Vec::new();
        for c in cps {
            let f = if officer {
                Some(figures::of_checkpoint(&db, c.id, day, day + 86_400_000).await?)
            } else {
                None
            };
            rows.push((c, f));
        }
        let cands = super::candidates(&db, r).await?;
        Ok((
            t(l, "cp-title"),
            views::list(
                l,
                &ctx.session.csrf,
                &rows,
                &cands,
                officer,
                &done_text(l, &q),
            ),
        ))
    };
    show(&ctx, run.await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CheckpointQuery {
    pub done: String,
    pub who: String,
    pub page: String,
    pub day: String,
    pub from: String,
    pub to: String,
}

async fn checkpoint_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<CheckpointQuery>,
) -> Response {
    let r = checkpoint_view(&db, &ctx, id, &q, vec![]).await;
    show(&ctx, r)
}

async fn checkpoint_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    q: &CheckpointQuery,
    errors: Vec<String>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let r = ctx.reader();
    let (cp, a) = super::open(db, r, id).await?;
    let day = match q.day.trim() {
        "" => None,
        d => Some(figures::parse_day("day", d)?),
    };
    let page: i64 = q.page.trim().parse().unwrap_or(1);
    let (log, pages) = super::log(db, &cp, &a, day, page).await?;
    let lanes = super::lanes(db, cp.id).await?;
    // People's names for the checkers' accounts.
    let mut ids: Vec<i64> = log.iter().map(|e| e.account_id).collect();
    let fig = if a.is_officer() {
        let (from, to, f, t_) = figures::period(&q.from, &q.to, now_ms())?;
        let total = figures::of_checkpoint(db, cp.id, from, to).await?;
        let by_checker = figures::grouped(db, cp.id, By::Checker, from, to).await?;
        let by_shift = figures::grouped(db, cp.id, By::Shift, from, to).await?;
        let by_hour = figures::grouped(db, cp.id, By::Hour, from, to).await?;
        ids.extend(by_checker.iter().map(|g| g.key));
        Some((f, t_, total, by_checker, by_shift, by_hour))
    } else {
        None
    };
    let names = account_names(db, &ids).await?;
    let shift_names = shift_names(db, l, fig.as_ref().map(|f| &f.4[..]).unwrap_or(&[])).await?;
    let last = super::retention::last_sweep(db).await?;
    let retention_days = last
        .as_ref()
        .map(|s| s.days)
        .unwrap_or(super::retention::DEFAULT_DAYS as i64);
    let page = page.clamp(1, pages);
    let (from_s, to_s);
    let rows_checker: Vec<(String, &figures::Figures)>;
    let rows_shift: Vec<(String, &figures::Figures)>;
    let rows_hour: Vec<(String, &figures::Figures)>;
    let fv = match &fig {
        Some((f, t_, total, bc, bs, bh)) => {
            from_s = figures::day_text(*f);
            to_s = figures::day_text(*t_);
            rows_checker = bc
                .iter()
                .map(|g| (names.get(&g.key).cloned().unwrap_or_default(), &g.figures))
                .collect();
            rows_shift = bs
                .iter()
                .map(|g| {
                    (
                        shift_names
                            .get(&g.key)
                            .cloned()
                            .unwrap_or_else(|| t(l, "cp-no-shift")),
                        &g.figures,
                    )
                })
                .collect();
            rows_hour = bh
                .iter()
                .map(|g| {
                    let s = crate::web::html::datetime(g.key);
                    (s[..16.min(s.len())].to_owned(), &g.figures)
                })
                .collect();
            Some(views::FiguresView {
                from: &from_s,
                to: &to_s,
                total,
                by_checker: &rows_checker,
                by_shift: &rows_shift,
                by_hour: &rows_hour,
            })
        }
        None => None,
    };
    let done = done_text(
        l,
        &DoneQuery {
            done: q.done.clone(),
            who: q.who.clone(),
        },
    );
    let body = views::checkpoint(
        l,
        &views::CheckpointPage {
            cp: &cp,
            officer: a.is_officer(),
            manager: super::can_manage(r),
            csrf: &ctx.session.csrf,
            done: &done,
            lanes: &lanes,
            log: &log,
            names: &names,
            page,
            pages,
            day: q.day.trim(),
            figures: fv,
            retention_days,
            last_sweep: last.map(|s| (s.at_ms, s.entries)),
            errors,
        },
    );
    Ok((cp.name.clone(), body))
}

/// People's names of accounts, by id.
async fn account_names(db: &Db, ids: &[i64]) -> AppResult<std::collections::HashMap<i64, String>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    struct A {
        id: i64,
        username: String,
    }
    crate::from_row!(A { id, username });
    let rows: Vec<A> = db
        .query_as(
            &format!(
                "SELECT id, username FROM accounts WHERE id IN ({})",
                crate::db::placeholders(1, ids.len())
            ),
            ids.iter().map(|i| crate::db::Value::Int(*i)).collect(),
        )
        .await?;
    let logins: Vec<&str> = rows.iter().map(|a| a.username.as_str()).collect();
    let names = crate::access::display_names(db, &logins).await?;
    for a in rows {
        let n = names.get(&a.username).cloned().unwrap_or_default();
        out.insert(a.id, n);
    }
    Ok(out)
}

/// Shifts as "04-01 08:00–16:00".
async fn shift_names(
    db: &Db,
    _l: Lang,
    groups: &[figures::Group],
) -> AppResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = groups.iter().map(|g| g.key).filter(|k| *k > 0).collect();
    let mut out = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    struct S {
        id: i64,
        starts_ms: i64,
        ends_ms: i64,
    }
    crate::from_row!(S {
        id,
        starts_ms,
        ends_ms
    });
    let rows: Vec<S> = db
        .query_as(
            &format!(
                "SELECT id, starts_ms, ends_ms FROM shifts WHERE id IN ({})",
                crate::db::placeholders(1, ids.len())
            ),
            ids.iter().map(|i| crate::db::Value::Int(*i)).collect(),
        )
        .await?;
    for s in rows {
        let a = crate::web::html::datetime(s.starts_ms);
        let b = crate::web::html::datetime(s.ends_ms);
        out.insert(s.id, format!("{}–{}", &a[5..16], &b[11..16]));
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    pub kind: String,
    pub validity_h: String,
    pub require_test: String,
    pub lanes: String,
}

async fn settings_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<SettingsForm>,
) -> Response {
    let s = super::Settings {
        kind: f.kind.trim().to_owned(),
        validity_h: f.validity_h.trim().parse().unwrap_or(0),
        require_test: !f.require_test.is_empty(),
        lanes: f.lanes.lines().map(str::to_owned).collect(),
    };
    match super::set_up(&db, &ctx.actor(), ctx.reader(), id, &s).await {
        Ok(()) => Redirect::to(&format!("/checkpoints/{id}?done=saved")).into_response(),
        Err(e) if crate::web::kit::is_form_error(&e) => {
            let lines = error_lines(ctx.lang, &e);
            if super::by_id(&db, id).await.ok().flatten().is_some() {
                let r = checkpoint_view(&db, &ctx, id, &CheckpointQuery::default(), lines).await;
                with_status(show(&ctx, r), StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                ctx.error(e)
            }
        }
        Err(e) => ctx.error(e),
    }
}

async fn gate_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    done: &str,
    code: &str,
    errors: Vec<String>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let (cp, _) = super::open(db, ctx.reader(), id).await?;
    let lanes = super::lanes(db, cp.id).await?;
    let waiting = visitors::waiting(db, &cp).await?;
    let cid = client_id();
    let body = views::gate(
        l,
        &views::Gate {
            cp: &cp,
            lanes: &lanes,
            csrf: &ctx.session.csrf,
            done,
            waiting: &waiting,
            errors,
            code,
            client_id: &cid,
        },
    );
    Ok((t(l, "cp-gate-title"), body))
}

async fn gate_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<DoneQuery>,
) -> Response {
    let done = done_text(ctx.lang, &q);
    let r = gate_view(&db, &ctx, id, &done, "", vec![]).await;
    show(&ctx, r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupForm {
    pub code: String,
}

async fn lookup_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<LookupForm>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let (cp, a) = super::open(&db, ctx.reader(), id).await?;
        // A door plate: the household's members, to choose who stands there.
        if let Some(token) = super::household_token(&f.code) {
            let members = super::household_members(&db, token).await?;
            return Ok(views::members(l, &cp, &ctx.session.csrf, &members));
        }
        let card = super::lookup(&db, ctx.reader(), &cp, &a, &f.code).await?;
        let lanes = super::lanes(&db, cp.id).await?;
        Ok::<_, AppError>(views::card(
            l,
            &cp,
            &lanes,
            &ctx.session.csrf,
            &card,
            f.code.trim(),
            &client_id(),
            &[],
        ))
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "cp-gate-title"), body),
        Err(e) if crate::web::kit::is_form_error(&e) || matches!(e, AppError::TooMany(_)) => {
            let lines = error_lines(l, &e);
            let r = gate_view(&db, &ctx, id, "", f.code.trim(), lines).await;
            with_status(show(&ctx, r), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => ctx.error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PassForm {
    pub client_id: String,
    /// resident, visitor, registered.
    pub kind: String,
    pub code: String,
    pub registered: String,
    pub doc_type: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub health_code: String,
    pub temperature: String,
    pub direction: String,
    pub star: String,
    pub lane: String,
    pub note: String,
    pub decision: String,
}

/// A temperature field: empty is "not measured"; text that is no number is kept as NaN, so the
/// engine refuses it with the field named.
fn temp_of(s: &str) -> Option<f64> {
    match s.trim() {
        "" => None,
        x => Some(x.replace(',', ".").parse().unwrap_or(f64::NAN)),
    }
}

async fn pass_post(
    State(db): State<Db>,
    Extension(log): Extension<PassLog>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<PassForm>,
) -> Response {
    let l = ctx.lang;
    let person = match f.kind.as_str() {
        "visitor" => PersonIn::Visitor(VisitorIn {
            doc_type: Some(f.doc_type.clone()),
            number: f.number.clone(),
            name: f.name.clone(),
            phone: f.phone.clone(),
            from: f.from.clone(),
            to: f.to.clone(),
            reason: f.reason.clone(),
        }),
        "registered" => PersonIn::Registered(f.registered.trim().parse().unwrap_or(0)),
        _ => PersonIn::Code(f.code.clone()),
    };
    let op = Op::Person(EntryIn {
        client_id: f.client_id.clone(),
        at_ms: None,
        direction: Some(f.direction.clone()),
        lane_id: f.lane.trim().parse().ok(),
        person,
        seen: Seen {
            health_code: Some(f.health_code.clone()),
            star: !f.star.is_empty(),
            temperature: temp_of(&f.temperature),
            decision: (!f.decision.is_empty()).then(|| f.decision.clone()),
            note: f.note.clone(),
        },
    });
    let out = super::api::submit(&db, &log, ctx.reader().clone(), id, vec![op]).await;
    match out.map(|mut o| o.remove(0)) {
        Ok(o) if o.is_logged() => {
            let who = o
                .person
                .as_ref()
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let d = o.decision.clone().unwrap_or_default();
            Redirect::to(&format!(
                "/checkpoints/{id}/gate?done=logged-{d}&who={}",
                crate::web::html::url_enc(&who)
            ))
            .into_response()
        }
        Ok(o) => {
            // Refused: the same form again, its reason on top.
            let lines = vec![o.message.get(l).to_owned()];
            let r = match f.kind.as_str() {
                "resident" => {
                    async {
                        let (cp, a) = super::open(&db, ctx.reader(), id).await?;
                        let lanes = super::lanes(&db, cp.id).await?;
                        match super::lookup(&db, ctx.reader(), &cp, &a, &f.code).await {
                            Ok(card) => Ok((
                                t(l, "cp-gate-title"),
                                views::card(
                                    l,
                                    &cp,
                                    &lanes,
                                    &ctx.session.csrf,
                                    &card,
                                    f.code.trim(),
                                    &f.client_id,
                                    &lines,
                                ),
                            )),
                            Err(_) => {
                                gate_view(&db, &ctx, id, "", f.code.trim(), lines.clone()).await
                            }
                        }
                    }
                    .await
                }
                "registered" => {
                    async {
                        let (cp, _) = super::open(&db, ctx.reader(), id).await?;
                        let lanes = super::lanes(&db, cp.id).await?;
                        match visitors::one_waiting(
                            &db,
                            &cp,
                            f.registered.trim().parse().unwrap_or(0),
                        )
                        .await
                        {
                            Ok(w) => Ok((
                                t(l, "cp-confirm-visitor"),
                                views::confirm(
                                    l,
                                    &cp,
                                    &lanes,
                                    &ctx.session.csrf,
                                    &w,
                                    &f.client_id,
                                    &lines,
                                ),
                            )),
                            Err(_) => gate_view(&db, &ctx, id, "", "", lines.clone()).await,
                        }
                    }
                    .await
                }
                _ => gate_view(&db, &ctx, id, "", "", lines).await,
            };
            with_status(show(&ctx, r), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => ctx.error(e),
    }
}

async fn confirm_page(
    State(db): State<Db>,
    ctx: Ctx,
    Path((id, vid)): Path<(String, String)>,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let vid: i64 = vid.parse().map_err(|_| AppError::NotFound)?;
        let (cp, _) = super::open(&db, ctx.reader(), id).await?;
        let lanes = super::lanes(&db, cp.id).await?;
        let w = visitors::one_waiting(&db, &cp, vid).await?;
        Ok((
            t(l, "cp-confirm-visitor"),
            views::confirm(l, &cp, &lanes, &ctx.session.csrf, &w, &client_id(), &[]),
        ))
    };
    show(&ctx, run.await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VehicleFormIn {
    pub client_id: String,
    pub plate: String,
    pub class: String,
    pub cargo: String,
    pub direction: String,
    pub code: Vec<String>,
    pub name: Vec<String>,
    pub number: Vec<String>,
    pub phone: Vec<String>,
    pub from: Vec<String>,
    pub health_code: Vec<String>,
    pub temperature: Vec<String>,
    pub decision: Vec<String>,
}

impl VehicleFormIn {
    fn rows(&self) -> Vec<views::OccupantValues> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..views::OCCUPANT_ROWS)
            .map(|i| views::OccupantValues {
                code: at(&self.code, i),
                name: at(&self.name, i),
                number: at(&self.number, i),
                phone: at(&self.phone, i),
                from: at(&self.from, i),
                health_code: at(&self.health_code, i),
                temperature: at(&self.temperature, i),
                decision: at(&self.decision, i),
            })
            .collect()
    }
}

async fn vehicle_view(
    db: &Db,
    ctx: &Ctx,
    id: i64,
    f: &VehicleFormIn,
    outcome: Option<&Outcome>,
    errors: Vec<String>,
) -> AppResult<(String, Markup)> {
    let l = ctx.lang;
    let (cp, _) = super::open(db, ctx.reader(), id).await?;
    let rows = f.rows();
    let cid = if f.client_id.is_empty() {
        client_id()
    } else {
        f.client_id.clone()
    };
    let body = views::vehicle(
        l,
        &cp,
        &ctx.session.csrf,
        &views::VehicleForm {
            plate: &f.plate,
            class: if f.class.is_empty() { "car" } else { &f.class },
            cargo: &f.cargo,
            direction: if f.direction.is_empty() {
                "in"
            } else {
                &f.direction
            },
            rows: &rows,
            client_id: &cid,
            outcome,
            errors,
        },
    );
    Ok((t(l, "cp-vehicle"), body))
}

async fn vehicle_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let r = vehicle_view(&db, &ctx, id, &VehicleFormIn::default(), None, vec![]).await;
    show(&ctx, r)
}

async fn vehicle_post(
    State(db): State<Db>,
    Extension(log): Extension<PassLog>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<VehicleFormIn>,
) -> Response {
    let l = ctx.lang;
    let rows = f.rows();
    let occupants: Vec<OccupantIn> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !r.code.trim().is_empty() || !r.name.trim().is_empty() || !r.number.trim().is_empty()
        })
        .map(|(i, r)| OccupantIn {
            seat: Some(if i == 0 { "driver" } else { "passenger" }.into()),
            person: if r.code.trim().is_empty() {
                PersonIn::Visitor(VisitorIn {
                    doc_type: None,
                    number: r.number.clone(),
                    name: r.name.clone(),
                    phone: r.phone.clone(),
                    from: r.from.clone(),
                    to: String::new(),
                    reason: String::new(),
                })
            } else {
                PersonIn::Code(r.code.clone())
            },
            seen: Seen {
                health_code: Some(r.health_code.clone()),
                star: false,
                temperature: temp_of(&r.temperature),
                decision: Some(r.decision.clone()),
                note: String::new(),
            },
        })
        .collect();
    let op = Op::Vehicle(VehicleIn {
        client_id: f.client_id.clone(),
        at_ms: None,
        direction: Some(f.direction.clone()),
        lane_id: None,
        plate: f.plate.clone(),
        class: f.class.clone(),
        cargo: f.cargo.clone(),
        occupants,
    });
    let out = super::api::submit(&db, &log, ctx.reader().clone(), id, vec![op]).await;
    match out.map(|mut o| o.remove(0)) {
        Ok(o) if o.is_logged() && o.occupants.iter().all(|x| x.is_logged()) => {
            Redirect::to(&format!(
                "/checkpoints/{id}/gate?done=vehicle&who={}",
                crate::web::html::url_enc(
                    &crate::checkpoints::parse_plate(&f.plate).unwrap_or_default()
                )
            ))
            .into_response()
        }
        Ok(o) => {
            // Some (or all) refused: the form again with the answers, the same client id, so
            // sending it corrected adds the missing people to the same vehicle.
            let errors = if o.is_logged() {
                vec![]
            } else {
                vec![o.message.get(l).to_owned()]
            };
            let r = vehicle_view(&db, &ctx, id, &f, Some(&o), errors).await;
            with_status(show(&ctx, r), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => ctx.error(e),
    }
}

async fn poster_page(State(db): State<Db>, ctx: Ctx, Id(id): Id, headers: HeaderMap) -> Response {
    let l = ctx.lang;
    let run = async {
        let (cp, _) = super::open(&db, ctx.reader(), id).await?;
        let url = format!(
            "{}/v/{}",
            crate::web::pages::origin(&headers),
            cp.visitor_token
        );
        let svg = crate::web::html::qr_svg(&url);
        Ok((cp.name.clone(), views::poster(l, &cp, &url, svg)))
    };
    show(&ctx, run.await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AreaQuery {
    pub area: String,
    pub from: String,
    pub to: String,
}

async fn area_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<AreaQuery>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let area = super::figures_area(&db, r, &q.area).await?;
        let (from, to, f, t_) = figures::period(&q.from, &q.to, now_ms())?;
        let total = figures::of_area(&db, &area.path, from, to).await?;
        let per = figures::by_checkpoint(&db, &area.path, from, to).await?;
        let mut named = Vec::new();
        for g in &per {
            let name = super::by_id(&db, g.key)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            named.push((name, g));
        }
        // The area and its children to choose from.
        let mut choices = vec![(area.code.clone(), area.name.clone())];
        let kids = crate::registry::areas::children(&db, &area, None, 200).await?;
        for k in kids {
            choices.push((k.area.code.clone(), k.area.name.clone()));
        }
        Ok((
            t(l, "cp-area-figures"),
            views::area(
                l,
                &area.name,
                &area.code,
                &figures::day_text(f),
                &figures::day_text(t_),
                &total,
                &named,
                &choices,
            ),
        ))
    };
    show(&ctx, run.await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PublicVisitorForm {
    pub doc_type: String,
    pub number: String,
    pub name: String,
    pub phone: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub direction: String,
}

fn public_page_of(v: &Visitor, status: StatusCode, title: &str, body: Markup) -> Response {
    html_response(status, page(&v.chrome(), title, body))
}

async fn public_cp(db: &Db, v: &Visitor, token: &str) -> AppResult<Checkpoint> {
    let cp = super::by_token(db, token).await?;
    visitors::guard(db, &v.ip).await?;
    cp.ok_or(AppError::NotFound)
}

async fn public_page(State(db): State<Db>, v: Visitor, Path(token): Path<String>) -> Response {
    let l = v.lang;
    match public_cp(&db, &v, &token).await {
        Ok(cp) => public_page_of(
            &v,
            StatusCode::OK,
            &t(l, "cp-public-title"),
            views::public_form(
                l,
                &cp.name,
                &token,
                &views::VisitorValues::default(),
                "in",
                &[],
            ),
        ),
        Err(e) => error_page(l, Some(&v.chrome()), e),
    }
}

async fn public_post(
    State(db): State<Db>,
    v: Visitor,
    Path(token): Path<String>,
    PublicForm(f): PublicForm<PublicVisitorForm>,
) -> Response {
    let l = v.lang;
    let cp = match public_cp(&db, &v, &token).await {
        Ok(cp) => cp,
        Err(e) => return error_page(l, Some(&v.chrome()), e),
    };
    let input = VisitorIn {
        doc_type: Some(f.doc_type.clone()),
        number: f.number.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        from: f.from.clone(),
        to: f.to.clone(),
        reason: f.reason.clone(),
    };
    match visitors::register(&db, &cp, &input, f.direction.trim()).await {
        Ok(id) => public_page_of(
            &v,
            StatusCode::OK,
            &t(l, "cp-public-title"),
            views::public_done(l, &cp.name, id),
        ),
        Err(e) if crate::web::kit::is_form_error(&e) => {
            let values = views::VisitorValues {
                doc_type: f.doc_type,
                number: f.number,
                name: f.name,
                phone: f.phone,
                from: f.from,
                to: f.to,
                reason: f.reason,
            };
            public_page_of(
                &v,
                StatusCode::UNPROCESSABLE_ENTITY,
                &t(l, "cp-public-title"),
                views::public_form(
                    l,
                    &cp.name,
                    &token,
                    &values,
                    &f.direction,
                    &error_lines(l, &e),
                ),
            )
        }
        Err(e) => error_page(l, Some(&v.chrome()), e),
    }
}
