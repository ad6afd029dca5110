//! The vaccination JSON API (listed in `server::api::API_ROUTES`, described in the OpenAPI
//! document): a resident's status, doses and tick-offs; recording a dose, a tick-off and a
//! ride (each idempotent by `client_id`: a retry returns the stored answer with
//! `replayed: true`); the worklist of an area (phones masked); the coverage figures. Scoped
//! like the pages: outside the reader's registry scope a resident or an area is not found.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::doses::{self, DoseForm, Recorded, Status};
use super::figures::{self, Figures};
use super::rides::{self, Ride, RideForm};
use super::worklist::{self, Item, Part, Tick, TickForm, Ticked};
use crate::audit::Actor;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::web::{ApiError, AppState, Auth};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn reply<T>(r: AppResult<T>, lang: Lang) -> ApiResult<T> {
    r.map(Json).map_err(|e| ApiError(e, lang))
}

fn id_of(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

fn actor(r: &crate::access::Reader) -> Actor {
    Actor {
        account_id: Some(r.account_id),
        username: r.username.clone(),
        ip: "api".into(),
    }
}

/// Bodies are small: refuse anything larger unread.
const MAX_BODY: usize = 16 << 10;

fn body<T: serde::de::DeserializeOwned>(b: &Bytes) -> AppResult<T> {
    if b.len() > MAX_BODY {
        return Err(AppError::Invalid(vec![FieldError::new(
            "body",
            "the body is larger than 16 KiB",
            "请求内容超过 16 KiB",
        )]));
    }
    serde_json::from_slice(b).map_err(|e| {
        AppError::Invalid(vec![FieldError::new(
            "body",
            format!("not valid JSON for this call: {e}"),
            format!("请求内容不是有效的 JSON：{e}"),
        )])
    })
}

#[derive(Serialize)]
pub struct ResidentVaccination {
    #[serde(flatten)]
    pub status: Status,
    pub tickoffs: Vec<Tick>,
}

/// `GET /vaccination/residents/{id}`: status, doses and tick-offs.
pub async fn resident(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<ResidentVaccination> {
    let run = async {
        let id = id_of(&id)?;
        let status = doses::status(&s.db, &r, id, super::today()).await?;
        let tickoffs = worklist::history(&s.db, &r, id).await?;
        Ok(ResidentVaccination { status, tickoffs })
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoseBody {
    pub product: String,
    pub dose_no: Option<i64>,
    pub given_on: String,
    pub site: String,
    pub batch: String,
    pub client_id: String,
}

impl DoseBody {
    fn form(&self) -> DoseForm {
        DoseForm {
            product: self.product.clone(),
            dose_no: self.dose_no.map(|n| n.to_string()).unwrap_or_default(),
            given_on: self.given_on.clone(),
            site: self.site.clone(),
            batch: self.batch.clone(),
            client_id: self.client_id.clone(),
        }
    }
}

/// `POST /vaccination/residents/{id}/doses`
pub async fn post_dose(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    b: Bytes,
) -> ApiResult<Recorded> {
    let run = async {
        let id = id_of(&id)?;
        let f: DoseBody = body(&b)?;
        doses::record(&s.db, &actor(&r), &r, id, &f.form(), super::today()).await
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TickBody {
    pub reason: String,
    pub detail: String,
    pub note: String,
    pub appt_on: String,
    pub site: String,
    pub recheck_on: String,
    /// For `vaccinated`: the dose given.
    pub dose: Option<DoseBody>,
    pub client_id: String,
}

/// `POST /vaccination/residents/{id}/tickoffs`
pub async fn post_tickoff(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    b: Bytes,
) -> ApiResult<Ticked> {
    let run = async {
        let id = id_of(&id)?;
        let f: TickBody = body(&b)?;
        let form = TickForm {
            reason: f.reason,
            detail: f.detail,
            note: f.note,
            appt_on: f.appt_on,
            site: f.site,
            recheck_on: f.recheck_on,
            dose: f.dose.map(|d| d.form()).unwrap_or_default(),
            client_id: f.client_id,
        };
        worklist::tick(&s.db, &actor(&r), &r, id, &form, super::today()).await
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RideBody {
    pub site: String,
    pub on_day: String,
    pub note: String,
    pub client_id: String,
}

/// `POST /vaccination/residents/{id}/rides`
pub async fn post_ride(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    b: Bytes,
) -> ApiResult<Ride> {
    let run = async {
        let id = id_of(&id)?;
        let f: RideBody = body(&b)?;
        let form = RideForm {
            site: f.site,
            on_day: f.on_day,
            note: f.note,
            client_id: f.client_id,
        };
        rides::request(&s.db, &actor(&r), &r, id, &form, super::today()).await
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub area: String,
    pub group: String,
    pub part: String,
    /// One household's people only (its id); empty: the whole area.
    pub household: String,
}

#[derive(Serialize)]
pub struct Worklist {
    pub area: String,
    pub group: String,
    pub part: &'static str,
    pub items: Vec<Item>,
}

/// `GET /vaccination/worklist?area=&group=&part=`: in walking order, phones masked.
pub async fn worklist_of(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<Worklist> {
    let run = async {
        let area = super::area_in_scope(&s.db, &r, &q.area).await?;
        let group = if q.group.trim().is_empty() {
            "60+".to_owned()
        } else {
            q.group.trim().to_owned()
        };
        let (part, name) = match q.part.as_str() {
            "" | "todo" => (Part::Todo, "todo"),
            "ticked" => (Part::Ticked, "ticked"),
            _ => {
                return Err(AppError::Invalid(vec![FieldError::new(
                    "part",
                    "todo or ticked",
                    "应为 todo 或 ticked",
                )]))
            }
        };
        let household = household_filter(&q.household)?;
        let items = worklist::list_in(
            &s.db,
            &r,
            &area.path,
            household,
            &group,
            part,
            super::today(),
        )
        .await?;
        Ok(Worklist {
            area: area.code,
            group,
            part: name,
            items,
        })
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AreaQuery {
    pub area: String,
    /// Empty: the child areas; `community`: every community under the area.
    pub by: String,
}

/// `GET /vaccination/figures?area=&by=`: coverage by age band against the targets, tick-offs
/// by reason, deferrals due, dropouts, and the coverage by child area (or, `by=community`, of
/// every community under the area, read in one query).
pub async fn figures_of(
    State(s): State<AppState>,
    Query(q): Query<AreaQuery>,
    Auth(r, lang): Auth,
) -> ApiResult<Figures> {
    let run = async {
        let list = figures::List::parse(&q.by).ok_or_else(|| {
            AppError::Invalid(vec![FieldError::new(
                "by",
                "empty (the child areas) or community",
                "应为空（下级区域）或 community（全部社区）",
            )])
        })?;
        let area = super::area_in_scope(&s.db, &r, &q.area).await?;
        figures::of_area_listing(&s.db, &r, &area, super::today(), list).await
    };
    reply(run.await, lang)
}

/// The `household` filter of a worklist: empty, or a household id.
pub fn household_filter(s: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>().map(Some).map_err(|_| {
        AppError::Invalid(vec![FieldError::new(
            "household",
            "a household id",
            "应为户编号",
        )])
    })
}
