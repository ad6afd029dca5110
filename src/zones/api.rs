//! The zones' JSON API (listed in `server::api::API_ROUTES`): the zones of an area, a zone
//! with its changes, the zone in force over a household, the figures; declare, extend and lift,
//! each idempotent by `client_id` (a retry answers `replayed: true` and changes nothing).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::figures::{self, Figures};
use super::lifecycle::{self, Change, ChangeForm, Done, NewZone, Which, Zone};
use super::ZoneInForce;
use crate::audit::Actor;
use crate::db::now_ms;
use crate::error::{AppError, AppResult, FieldError};
use crate::web::{ApiError, AppState, Auth};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn reply<T>(r: AppResult<T>, lang: crate::i18n::Lang) -> ApiResult<T> {
    r.map(Json).map_err(|e| ApiError(e, lang))
}

fn actor(r: &crate::access::Reader) -> Actor {
    Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}

fn bad_json(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "body",
        format!("not a valid request: {e}"),
        format!("不是有效的请求：{e}"),
    )])
}

fn id_of(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub area: Option<String>,
    /// `current` (in force or planned, default) or `all` (the history).
    pub state: Option<String>,
    pub page: Option<String>,
}

#[derive(Serialize)]
pub struct ZoneList {
    pub area: String,
    pub name: String,
    /// The strictest zone in force over the area now, if any.
    pub in_force: Option<ZoneInForce>,
    pub zones: Vec<ZoneOut>,
    pub total: i64,
    pub page: i64,
}

#[derive(Serialize)]
pub struct ZoneOut {
    #[serde(flatten)]
    pub zone: Zone,
    /// planned, in_force, ended, lifted.
    pub state: &'static str,
}

const PAGE: i64 = 50;

/// `GET /zones?area=&state=&page=`.
pub async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<ZoneList> {
    let run = async {
        let a = super::area_for(&s.db, &r, q.area.as_deref().unwrap_or("")).await?;
        let which = match q.state.as_deref().unwrap_or("current") {
            "current" | "" => Which::Current,
            "all" => Which::All,
            other => {
                return Err(FieldError::new(
                    "state",
                    format!("{other:?}: use current or all"),
                    format!("“{other}”：请用 current 或 all"),
                )
                .into())
            }
        };
        let page = match q.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            None => 1,
            Some(p) => p.parse::<i64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
                FieldError::new(
                    "page",
                    format!("{p:?} is not a page number"),
                    format!("“{p}”不是页码"),
                )
            })?,
        };
        let now = now_ms();
        let (zones, total) =
            lifecycle::of_area(&s.db, &r, &a.path, which, now, PAGE, (page - 1) * PAGE).await?;
        let in_force = super::for_area(&s.db, &a.path, now).await?;
        Ok(ZoneList {
            area: a.code,
            name: a.name,
            in_force,
            zones: zones
                .into_iter()
                .map(|z| ZoneOut {
                    state: z.state(now).code(),
                    zone: z,
                })
                .collect(),
            total,
            page,
        })
    };
    reply(run.await, lang)
}

#[derive(Serialize)]
pub struct ZoneDetail {
    #[serde(flatten)]
    pub zone: ZoneOut,
    pub changes: Vec<Change>,
}

/// `GET /zones/{id}`: a zone with its changes.
pub async fn one(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<ZoneDetail> {
    let run = async {
        let id = id_of(&id)?;
        let z = lifecycle::get(&s.db, &r, id).await?;
        let changes = lifecycle::changes(&s.db, &r, id).await?;
        Ok(ZoneDetail {
            zone: ZoneOut {
                state: z.state(now_ms()).code(),
                zone: z,
            },
            changes,
        })
    };
    reply(run.await, lang)
}

#[derive(Serialize)]
pub struct HouseholdZone {
    pub household_id: i64,
    pub zone: Option<ZoneInForce>,
}

/// `GET /households/{id}/zone`: the zone in force over a household in the reader's scope.
pub async fn of_household(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<HouseholdZone> {
    let run = async {
        super::require_read(&r)?;
        let id = id_of(&id)?;
        let path: Option<String> =
            s.db.scalar_opt(
                "SELECT path FROM households WHERE id = $1",
                crate::args![id],
            )
            .await?;
        match path {
            Some(p) if r.registry_scope().contains(&p) => {}
            _ => return Err(AppError::NotFound),
        }
        Ok(HouseholdZone {
            household_id: id,
            zone: super::for_household(&s.db, id, now_ms()).await?,
        })
    };
    reply(run.await, lang)
}

#[derive(Deserialize)]
pub struct FiguresQuery {
    pub area: Option<String>,
    pub day: Option<String>,
}

#[derive(Serialize)]
pub struct AreaFigures {
    pub area: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Serialize)]
pub struct FiguresView {
    /// The day asked for (China time), or none for now.
    pub day: Option<String>,
    #[serde(flatten)]
    pub total: AreaFigures,
    pub children: Vec<AreaFigures>,
}

/// `GET /zones/figures?area=&day=`.
pub async fn figures_of(
    State(s): State<AppState>,
    Query(q): Query<FiguresQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<FiguresView> {
    let run = async {
        super::require_read(&r)?;
        let scope = r.registry_scope();
        let code = match q.area.as_deref().map(str::trim).unwrap_or("") {
            "" => scope.roots.first().cloned().unwrap_or_default(),
            c => c.to_owned(),
        };
        let a = crate::registry::areas::scoped(&s.db, &code, &scope).await?;
        let now = now_ms();
        let day = q.day.as_deref().map(str::trim).filter(|d| !d.is_empty());
        let (from, to) = match day {
            None => (now, now),
            Some(d) => match figures::day_window(d) {
                Some((x, y)) if x <= now => (x, y),
                _ => {
                    return Err(FieldError::new(
                        "day",
                        format!("{d:?} is not a past day (use YYYY-MM-DD)"),
                        format!("“{d}”不是已过去的日期（格式为 YYYY-MM-DD）"),
                    )
                    .into())
                }
            },
        };
        let (total, children) = figures::by_area(&s.db, &r, &a, from, to).await?;
        Ok(FiguresView {
            day: day.map(str::to_owned),
            total: AreaFigures {
                area: a.code,
                name: a.name,
                figures: total,
            },
            children: children
                .into_iter()
                .map(|(a, f)| AreaFigures {
                    area: a.code,
                    name: a.name,
                    figures: f,
                })
                .collect(),
        })
    };
    reply(run.await, lang)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclareBody {
    pub client_id: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub household_id: Option<i64>,
    pub kind: String,
    pub start_ms: i64,
    #[serde(default)]
    pub planned_end_ms: Option<i64>,
    pub reason: String,
    pub decided_by: String,
}

/// `POST /zones/declare`.
pub async fn declare(
    State(s): State<AppState>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> ApiResult<Done> {
    let run = async {
        let b: DeclareBody = serde_json::from_slice(&body).map_err(bad_json)?;
        require_client_id(&b.client_id)?;
        let f = NewZone {
            area: b.area,
            household: b.household_id,
            kind: b.kind,
            start_ms: b.start_ms,
            planned_end_ms: b.planned_end_ms,
            reason: b.reason,
            decided_by: b.decided_by,
            client_id: b.client_id,
        };
        lifecycle::declare(&s.db, &actor(&r), &r, &f, now_ms()).await
    };
    reply(run.await, lang)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    pub client_id: String,
    #[serde(default)]
    pub planned_end_ms: Option<i64>,
    pub reason: String,
    pub decided_by: String,
}

fn require_client_id(c: &str) -> AppResult<()> {
    if c.trim().is_empty() {
        return Err(FieldError::new(
            "client_id",
            "required: a new id for each change, the same one again on a retry",
            "必填：每次变更一个新编号，重试时使用同一编号",
        )
        .into());
    }
    Ok(())
}

async fn change(
    s: &AppState,
    r: &crate::access::Reader,
    id: &str,
    body: &[u8],
    extend: bool,
) -> AppResult<Done> {
    let b: ChangeBody = serde_json::from_slice(body).map_err(bad_json)?;
    require_client_id(&b.client_id)?;
    let id = id_of(id)?;
    let f = ChangeForm {
        new_end_ms: b.planned_end_ms,
        reason: b.reason,
        decided_by: b.decided_by,
        client_id: b.client_id,
    };
    if extend {
        lifecycle::extend(&s.db, &actor(r), r, id, &f, now_ms()).await
    } else {
        lifecycle::lift(&s.db, &actor(r), r, id, &f, now_ms()).await
    }
}

/// `POST /zones/{id}/extend`.
pub async fn extend(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> ApiResult<Done> {
    reply(change(&s, &r, &id, &body, true).await, lang)
}

/// `POST /zones/{id}/lift`.
pub async fn lift(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> ApiResult<Done> {
    reply(change(&s, &r, &id, &body, false).await, lang)
}
