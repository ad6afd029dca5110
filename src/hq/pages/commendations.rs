//! The commendation pages: `/hq/commendations` (the list by status and the proposal form),
//! `/hq/commendations/{id}` (the proposal with its record; HQ decides, the proposer may
//! withdraw), `/hq/honours` (the printable 通报表扬 list of approved ones by area and period) and
//! `/hq/commendations/{id}/certificate`.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::commendations_views::{self as views, DetailPage, FormValues, HonoursPage, ListPage};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::hq::commendations::{self as comm, Decision, Filter, NewCommendation};
use crate::i18n::t;
use crate::registry::areas;
use crate::web::kit::{self, CsrfForm, FormErrors, Id, NoFields};
use crate::web::pages::Ctx;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/hq/commendations", get(list_page).post(propose_post))
        .route("/hq/commendations/{id}", get(detail_page))
        .route("/hq/commendations/{id}/decision", post(decision_post))
        .route("/hq/commendations/{id}/withdraw", post(withdraw_post))
        .route("/hq/commendations/{id}/certificate", get(certificate_page))
        .route("/hq/honours", get(honours_page))
}

/// Subjects offered per kind in the form.
const SUBJECTS: i64 = 300;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProposeForm {
    /// `kind:id`.
    pub subject: String,
    pub citation: String,
    pub client_id: String,
}

fn client_id() -> String {
    format!("web-{}", crate::access::random_hex(8))
}

async fn render_list(
    db: &Db,
    ctx: &Ctx,
    status: &str,
    done: &str,
    form: FormValues,
    errors: FormErrors,
) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let status = if comm::STATUSES.contains(&status) {
            status
        } else {
            ""
        };
        let f = Filter {
            status: status.to_owned(),
            ..Filter::default()
        };
        let items = comm::list(db, r, &f, 200).await?;
        let mut subjects = Vec::new();
        if comm::can_propose(r) {
            for k in comm::KINDS {
                subjects.extend(comm::subjects(db, r, k, SUBJECTS).await?);
            }
        }
        AppResult::Ok(views::list(
            l,
            &ListPage {
                status,
                items: &items,
                subjects: &subjects,
                can_propose: comm::can_propose(r),
                csrf: &ctx.session.csrf,
                form,
                errors,
                done,
            },
        ))
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "comm-title"), body),
        Err(e) => ctx.error(e),
    }
}

async fn list_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let form = FormValues {
        client_id: client_id(),
        ..FormValues::default()
    };
    render_list(&db, &ctx, &q.status, &q.done, form, FormErrors::none()).await
}

async fn propose_post(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<ProposeForm>) -> Response {
    let (kind, id) = f.subject.split_once(':').unwrap_or(("", ""));
    let new = NewCommendation {
        subject_kind: kind.to_owned(),
        subject_id: id.parse().ok(),
        citation: f.citation.clone(),
        client_id: f.client_id.clone(),
    };
    let res = comm::propose(&db, &ctx.actor(), ctx.reader(), &new).await;
    let values = FormValues {
        subject: f.subject.clone(),
        citation: f.citation.clone(),
        client_id: f.client_id.clone(),
    };
    kit::answer(
        &ctx,
        res,
        |p| format!("/hq/commendations/{}?done=proposed", p.id),
        |errors| render_list(&db, &ctx, "", "", values, errors),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    pub done: String,
}

async fn render_detail(db: &Db, ctx: &Ctx, id: i64, done: &str, errors: FormErrors) -> Response {
    let l = ctx.lang;
    let r = ctx.reader();
    match comm::get(db, r, id).await {
        Ok(c) => ctx.page(
            &c.subject_name.clone(),
            views::detail(
                l,
                &DetailPage {
                    can_decide: comm::can_decide(r),
                    can_withdraw: c.proposed_by == r.username,
                    c: &c,
                    csrf: &ctx.session.csrf,
                    errors,
                    done,
                },
            ),
        ),
        Err(e) => ctx.error(e),
    }
}

async fn detail_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<DoneQuery>,
) -> Response {
    render_detail(&db, &ctx, id, &q.done, FormErrors::none()).await
}

async fn decision_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, f): CsrfForm<Decision>,
) -> Response {
    let res = comm::decide(&db, &ctx.actor(), ctx.reader(), id, &f).await;
    kit::answer(
        &ctx,
        res,
        |c| format!("/hq/commendations/{}?done=decided", c.id),
        |errors| render_detail(&db, &ctx, id, "", errors),
    )
    .await
}

async fn withdraw_post(
    State(db): State<Db>,
    Id(id): Id,
    CsrfForm(ctx, _): CsrfForm<NoFields>,
) -> Response {
    let res = comm::withdraw(&db, &ctx.actor(), ctx.reader(), id).await;
    kit::answer(
        &ctx,
        res,
        |_| "/hq/commendations?done=withdrawn".to_owned(),
        |errors| render_detail(&db, &ctx, id, "", errors),
    )
    .await
}

async fn certificate_page(State(db): State<Db>, ctx: Ctx, Id(id): Id) -> Response {
    let l = ctx.lang;
    match comm::get(&db, ctx.reader(), id).await {
        Ok(c) if c.status == "approved" => {
            ctx.page(&t(l, "comm-certificate"), views::certificate(l, &c))
        }
        Ok(_) => ctx.error(AppError::NotFound),
        Err(e) => ctx.error(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct HonoursQuery {
    pub area: String,
    pub from: String,
    pub to: String,
}

/// The start (China time) of a `YYYY-MM-DD` day, in ms.
fn day_start(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > crate::calendar::days_in_month(y, m) {
        return None;
    }
    Some(crate::calendar::days_from_civil(y, m, d) * 86_400_000 - 8 * 3_600_000)
}

async fn honours_page(State(db): State<Db>, ctx: Ctx, Query(q): Query<HonoursQuery>) -> Response {
    let l = ctx.lang;
    let run = async {
        let r = ctx.reader();
        let scope = comm::scope(r);
        if scope.roots.is_empty() {
            comm::list(&db, r, &Filter::default(), 1).await?;
        }
        let area = match q.area.trim() {
            "" => match scope.roots.first() {
                Some(p) => areas::by_path(&db, p).await?,
                None => None,
            },
            c => areas::by_code(&db, c).await?,
        }
        .filter(|a| scope.contains(&a.path))
        .ok_or(AppError::NotFound)?;
        let f = Filter {
            status: "approved".into(),
            under: Some(area.path.clone()),
            decided_from: day_start(&q.from),
            decided_to: day_start(&q.to).map(|t| t + 86_400_000),
        };
        let mut items = comm::list(&db, r, &f, 2000).await?;
        items.sort_by(|a, b| a.path.cmp(&b.path).then(a.decided_ms.cmp(&b.decided_ms)));
        let mut groups: Vec<(i64, String, Vec<comm::Commendation>)> = Vec::new();
        for c in items {
            match groups.last_mut() {
                Some(g) if g.0 == c.area_id => g.2.push(c),
                _ => {
                    let name = areas::by_id(&db, c.area_id)
                        .await?
                        .map(|a| a.name)
                        .unwrap_or_default();
                    groups.push((c.area_id, name, vec![c]));
                }
            }
        }
        let groups: Vec<(String, Vec<comm::Commendation>)> =
            groups.into_iter().map(|(_, n, v)| (n, v)).collect();
        AppResult::Ok(views::honours(
            l,
            &HonoursPage {
                area_name: &area.name,
                area_code: &area.code,
                from: q.from.trim(),
                to: q.to.trim(),
                groups: &groups,
            },
        ))
    };
    match run.await {
        Ok(body) => ctx.page(&t(l, "comm-honours-title"), body),
        Err(e) => ctx.error(e),
    }
}
