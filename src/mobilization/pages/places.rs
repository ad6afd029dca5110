//! A place's pages: its week of shifts with who is on each, placing a volunteer on a shift (a
//! rule broken needs an officer's reason), the buttons on a placement (check in or out, remove,
//! make leader), and the place's check-in QR poster.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::places_views as views;
use super::rosters::{day_of_ymd, week_of, RosterQuery};
use super::rosters_views::{day_start_ms, monday};
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{t, ta, Arg};
use crate::mobilization::duty;
use crate::mobilization::roster::{self, Holder, Place, Shift};
use crate::mobilization::rules::{day_of, Rules};
use crate::mobilization::volunteers::{self, Filter};
use crate::registry::areas::{self, Area};
use crate::web::html::{notice, url_enc, Markup};
use crate::web::kit::{self, with_status, CsrfForm, FormErrors, Id};
use crate::web::pages::origin;
use crate::web::pages::Ctx;
use crate::web::AppState;

/// The assignment form; on an error the place's week shows it again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AssignForm {
    pub shift: String,
    pub volunteer: String,
    pub override_reason: String,
    pub week: String,
}

/// What a place's week shows.
pub(super) struct PlaceWeek {
    pub place: Place,
    pub area: Area,
    /// The Monday.
    pub week: i64,
    pub list: Vec<(Shift, Vec<Holder>)>,
    pub rules: Rules,
    /// Whether the reader manages rosters (sees the buttons).
    pub manage: bool,
    /// For the assignment form (shown to officers when the week has shifts): the approved
    /// volunteers serving the place's community, as (id, name, unit).
    pub volunteers: Option<Vec<(i64, String, String)>>,
    /// People's names by login (who gave an override).
    pub names: std::collections::HashMap<String, String>,
}

async fn place_week(db: &Db, ctx: &Ctx, id: i64, week: i64) -> AppResult<PlaceWeek> {
    let r = ctx.reader();
    let place = roster::place(db, r, id).await?;
    let area = areas::by_path(db, &place.path)
        .await?
        .ok_or(AppError::NotFound)?;
    let (from, to) = (day_start_ms(week), day_start_ms(week + 7));
    let list = roster::roster(db, r, &place.path, Some(place.id), from, to).await?;
    let rules = Rules::load(db).await?;
    let manage = crate::mobilization::can_manage(r);
    let volunteers = if manage && !list.is_empty() {
        // The approved volunteers serving the place's community (or whatever area it is in).
        let community = place.path.split('/').next().unwrap_or(&place.path);
        let filter = Filter {
            status: Some("approved".into()),
            path: Some(community.to_owned()),
            ..Default::default()
        };
        let vols = volunteers::list(db, r, &filter, 5000).await?;
        Some(vols.into_iter().map(|v| (v.id, v.name, v.unit)).collect())
    } else {
        None
    };
    let logins: Vec<&str> = list
        .iter()
        .flat_map(|(_, hs)| hs.iter().map(|h| h.override_by.as_str()))
        .filter(|u| !u.is_empty())
        .collect();
    let names = crate::access::display_names(db, &logins).await?;
    Ok(PlaceWeek {
        names,
        place,
        area,
        week,
        list,
        rules,
        manage,
        volunteers,
    })
}

fn place_view(
    ctx: &Ctx,
    w: AppResult<PlaceWeek>,
    f: &AssignForm,
    errs: &[String],
    top: Markup,
) -> Response {
    match w {
        Ok(w) => {
            let (l, csrf) = (ctx.lang, &ctx.session.csrf);
            let body = views::place_week(l, csrf, now_ms(), &w, f, errs, top);
            ctx.page(&w.place.name, body)
        }
        Err(e) => ctx.error(e),
    }
}

async fn place_page(
    State(db): State<Db>,
    ctx: Ctx,
    Id(id): Id,
    Query(q): Query<RosterQuery>,
) -> Response {
    let w = place_week(&db, &ctx, id, week_of(&q.week)).await;
    let f = AssignForm {
        shift: q.shift.trim().to_owned(),
        ..Default::default()
    };
    let top = match q.done.trim() {
        "shifts" => notice(&ta(
            ctx.lang,
            "mob-done-shifts",
            &[("n", Arg::N(q.n.trim().parse().unwrap_or(0)))],
        )),
        "assigned" => notice(&t(ctx.lang, "mob-done-assigned")),
        _ => Markup::default(),
    };
    place_view(&ctx, w, &f, &[], top)
}

/// The volunteer meant by the assignment form: "Name · Unit #123" from the list, a bare id, a
/// mobile number, or a name that only one approved volunteer in scope has.
async fn volunteer_ref(db: &Db, ctx: &Ctx, s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((_, id)) = s.rsplit_once('#') {
        return id.trim().parse().ok();
    }
    let filter = if s.len() == 11 && s.bytes().all(|b| b.is_ascii_digit()) {
        Filter {
            phone: Some(s.to_owned()),
            ..Default::default()
        }
    } else if let Ok(id) = s.parse() {
        return Some(id);
    } else {
        Filter {
            status: Some("approved".into()),
            q: Some(s.to_owned()),
            ..Default::default()
        }
    };
    let found = volunteers::list(db, ctx.reader(), &filter, 50).await.ok()?;
    let mut exact = found.iter().filter(|v| v.name == s || v.phone == s);
    match (exact.next(), exact.next()) {
        (Some(v), None) => Some(v.id),
        _ => None,
    }
}

async fn assign(State(db): State<Db>, CsrfForm(ctx, f): CsrfForm<AssignForm>) -> Response {
    let shift_id: i64 = f.shift.parse().unwrap_or(0);
    let place = match roster::shift(&db, ctx.reader(), shift_id).await {
        Ok(s) => s.place_id,
        Err(e) => return ctx.error(e),
    };
    let res = match volunteer_ref(&db, &ctx, &f.volunteer).await {
        Some(v) => {
            let (actor, reason) = (ctx.actor(), &f.override_reason);
            roster::assign(&db, &actor, ctx.reader(), shift_id, v, reason).await
        }
        None => Err(FieldError::new(
            "volunteer",
            "choose a volunteer from the list",
            "请从列表中选择志愿者",
        )
        .into()),
    };
    kit::answer(
        &ctx,
        res,
        |_| {
            format!(
                "/roster/places/{}?week={}&done=assigned#shift-{}",
                place,
                url_enc(&f.week),
                shift_id
            )
        },
        |errs| assign_again(&db, &ctx, &f, place, errs),
    )
    .await
}

/// The place's week again with the assignment form's values and errors (status 409).
async fn assign_again(
    db: &Db,
    ctx: &Ctx,
    f: &AssignForm,
    place: i64,
    errs: FormErrors,
) -> Response {
    // The week the form was posted from, else this week.
    let week = match f.week.as_str() {
        "" => week_of(""),
        w => monday(day_of_ymd(w).unwrap_or_else(|| day_of(now_ms()))),
    };
    let w = place_week(db, ctx, place, week).await;
    let resp = place_view(ctx, w, f, &errs.lines, Markup::default());
    if resp.status() == StatusCode::OK {
        with_status(resp, StatusCode::CONFLICT)
    } else {
        resp
    }
}

/// The buttons on a placement.
#[derive(Deserialize, Default)]
#[serde(default)]
struct PlacementForm {
    leader: String,
    action: String,
    back: String,
    week: String,
}

async fn assignment_op(
    State(db): State<Db>,
    Path((id, op)): Path<(String, String)>,
    CsrfForm(ctx, f): CsrfForm<PlacementForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return ctx.error(AppError::NotFound);
    };
    let Some(at) = roster::placement_at(&db, id).await.ok().flatten() else {
        return ctx.error(AppError::NotFound);
    };
    let actor = ctx.actor();
    let r = ctx.reader();
    let res = match op.as_str() {
        "remove" => roster::unassign(&db, &actor, r, id).await,
        "leader" => roster::set_leader(&db, &actor, r, id, f.leader == "1").await,
        "check" => duty::check_other(&db, &actor, r, id, f.action == "in", now_ms())
            .await
            .map(|_| ()),
        _ => Err(AppError::NotFound),
    };
    match res {
        Ok(()) if f.back == "mine" => Redirect::to("/me/shifts").into_response(),
        Ok(()) => Redirect::to(&format!(
            "/roster/places/{}?week={}#shift-{}",
            at.place_id,
            url_enc(&f.week),
            at.shift_id
        ))
        .into_response(),
        Err(e) => ctx.error(e),
    }
}

async fn place_qr(State(db): State<Db>, ctx: Ctx, headers: HeaderMap, Id(id): Id) -> Response {
    let l = ctx.lang;
    match roster::place(&db, ctx.reader(), id).await {
        Ok(p) => {
            let url = format!("{}/duty/{}", origin(&headers), p.qr_token);
            ctx.page(&t(l, "mob-qr-checkin"), views::place_poster(l, &p, &url))
        }
        Err(e) => ctx.error(e),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/roster/places/{id}", get(place_page))
        .route("/roster/places/{id}/qr", get(place_qr))
        .route("/roster/assign", post(assign))
        .route("/roster/assignments/{id}/{op}", post(assignment_op))
}
