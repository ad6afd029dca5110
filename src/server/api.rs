//! The read-only JSON API of the registry. Every handler takes the reader and filters by its
//! registry scope; outside it the answer is 404 with no count, no name, nothing. Parameters are
//! taken as text and parsed here, so a malformed one gets the same bilingual JSON error as
//! everything else rather than the framework's plain-text rejection.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json_};

use crate::access::Reader;
use crate::db::Db;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::registry::areas::{self, Area, Counts};
use crate::registry::model::level_code;
use crate::registry::residents::{self, Page};
use crate::web::{ApiError, AppState, Auth, UserLang};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn reply<T>(r: AppResult<T>, lang: Lang) -> ApiResult<T> {
    r.map(Json).map_err(|e| ApiError(e, lang))
}

#[derive(Deserialize, Default)]
pub struct PageParams {
    pub after: Option<String>,
    pub limit: Option<String>,
    pub q: Option<String>,
}

const MAX_LIMIT: i64 = 200;

impl PageParams {
    fn limit(&self) -> AppResult<i64> {
        match self
            .limit
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(50),
            // Out of range is clamped (a page is at most MAX_LIMIT long); not a number is refused.
            Some(s) => s
                .parse::<i64>()
                .map(|n| n.clamp(1, MAX_LIMIT))
                .map_err(|_| {
                    FieldError::new(
                        "limit",
                        format!("{s:?} is not a whole number (1 to {MAX_LIMIT})"),
                        format!("“{s}”不是整数（1 到 {MAX_LIMIT}）"),
                    )
                    .into()
                }),
        }
    }

    fn after_id(&self) -> AppResult<Option<i64>> {
        match self.after.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                AppError::BadRequest(Msg::new("the page cursor is not valid", "翻页参数无效"))
            }),
        }
    }
}

/// A record id from the URL: one that cannot be a number cannot exist either.
fn record_id(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

/// Every API route (method, path relative to `/api/v1`): the router is built from this list,
/// and the OpenAPI document must describe exactly these.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/me"),
    ("GET", "/areas"),
    ("GET", "/areas/{code}"),
    ("GET", "/areas/{code}/children"),
    ("GET", "/areas/{code}/households"),
    ("GET", "/households/{id}"),
    ("GET", "/residents/search"),
    ("GET", "/residents/{id}"),
    ("GET", "/residents/{id}/tests"),
    ("GET", "/testing/rounds"),
    ("GET", "/testing/rounds/{id}"),
    ("GET", "/testing/rounds/{id}/coverage"),
    ("GET", "/testing/rounds/{id}/communities"),
    ("GET", "/testing/rounds/{id}/missing"),
    ("GET", "/testing/rounds/{id}/tubes/{barcode}"),
    ("POST", "/testing/rounds/{id}/ops"),
    ("POST", "/testing/rounds/{id}/batch"),
    ("POST", "/testing/rounds/{id}/results"),
    ("POST", "/testing/rounds/{id}/exemptions"),
    ("GET", "/needs/figures"),
    ("GET", "/zones"),
    ("GET", "/zones/figures"),
    ("GET", "/zones/{id}"),
    ("POST", "/zones/declare"),
    ("POST", "/zones/{id}/extend"),
    ("POST", "/zones/{id}/lift"),
    ("GET", "/households/{id}/zone"),
    ("GET", "/followup/worklist"),
    ("GET", "/followup/figures"),
    ("GET", "/followup/orders"),
    ("GET", "/residents/{id}/quarantine"),
    ("POST", "/followup/orders"),
    ("POST", "/followup/order-changes"),
    ("POST", "/followup/checks"),
    ("POST", "/followup/self-report"),
    ("POST", "/followup/contacts"),
    ("POST", "/followup/batch"),
    ("POST", "/followup/order-ends"),
    ("GET", "/vaccination/residents/{id}"),
    ("POST", "/vaccination/residents/{id}/doses"),
    ("POST", "/vaccination/residents/{id}/tickoffs"),
    ("POST", "/vaccination/residents/{id}/rides"),
    ("GET", "/vaccination/worklist"),
    ("GET", "/vaccination/figures"),
    ("GET", "/supplies/stores"),
    ("GET", "/supplies/stores/{id}"),
    ("GET", "/supplies/stores/{id}/card"),
    ("POST", "/supplies/receipts"),
    ("POST", "/supplies/movements"),
    ("POST", "/supplies/movements/{id}/reverse"),
    ("POST", "/supplies/needs/{id}/handouts"),
    ("GET", "/supplies/trips"),
    ("POST", "/supplies/trips"),
    ("POST", "/supplies/gifts"),
    ("POST", "/supplies/spendings"),
    ("POST", "/supplies/spendings/{id}/approve"),
    ("POST", "/supplies/transfers"),
    ("GET", "/supplies/figures"),
    ("GET", "/supplies/disclosure/{code}"),
    ("POST", "/supplies/stock-takes"),
    ("GET", "/supplies/settings"),
    ("POST", "/supplies/settings"),
    ("GET", "/openapi.json"),
    ("GET", "/checkpoints"),
    ("GET", "/checkpoints/figures"),
    ("GET", "/checkpoints/{id}/lookup"),
    ("POST", "/checkpoints/{id}/ops"),
    ("POST", "/checkpoints/{id}/batch"),
    ("GET", "/checkpoints/{id}/visitors"),
    ("GET", "/checkpoints/{id}/log"),
    ("GET", "/checkpoints/{id}/figures"),
    ("GET", "/hq/overview"),
    ("GET", "/hq/briefing"),
    ("GET", "/hq/reports"),
    ("GET", "/hq/snapshots"),
    ("GET", "/hq/snapshots/{id}"),
    ("GET", "/followup/referred"),
    ("POST", "/followup/referred-reveals"),
    ("POST", "/needs"),
    ("POST", "/needs/{id}/claim"),
    ("POST", "/needs/{id}/contact"),
    ("POST", "/needs/{id}/done"),
    ("POST", "/needs/{id}/unable"),
    ("POST", "/needs/{id}/items"),
    ("POST", "/needs/batch"),
    ("POST", "/duty/checks"),
    ("POST", "/duty/batch"),
    ("POST", "/households"),
    ("POST", "/households/{id}/corrections"),
    ("POST", "/households/{id}/residents"),
    ("POST", "/residents/{id}/corrections"),
    ("POST", "/followup/visitor-orders"),
    ("GET", "/notifications"),
    ("POST", "/notifications/read"),
    ("GET", "/hq/commendations"),
    ("POST", "/hq/commendations"),
    ("POST", "/hq/commendations/{id}/decision"),
];

fn handler(method: &str, path: &str) -> MethodRouter<AppState> {
    use crate::testing::api as t;
    match (method, path) {
        ("GET", "/me") => get(me),
        ("GET", "/areas") => get(scope_roots),
        ("GET", "/areas/{code}") => get(area),
        ("GET", "/areas/{code}/children") => get(children),
        ("GET", "/areas/{code}/households") => get(households),
        ("GET", "/households/{id}") => get(household),
        ("GET", "/residents/search") => get(search),
        ("GET", "/residents/{id}") => get(resident),
        ("GET", "/residents/{id}/tests") => get(t::resident_tests),
        ("GET", "/testing/rounds") => get(t::list),
        ("GET", "/testing/rounds/{id}") => get(t::round),
        ("GET", "/testing/rounds/{id}/coverage") => get(t::coverage_of),
        ("GET", "/needs/figures") => get(crate::needs::api::figures_of),
        ("GET", "/supplies/stores") => get(crate::supplies::api::stores),
        ("GET", "/supplies/stores/{id}") => get(crate::supplies::api::store),
        ("GET", "/supplies/stores/{id}/card") => get(crate::supplies::api::card),
        ("POST", "/supplies/receipts") => post(crate::supplies::api::receipt),
        ("POST", "/supplies/movements") => post(crate::supplies::api::movement),
        ("POST", "/supplies/movements/{id}/reverse") => post(crate::supplies::api::reverse),
        ("POST", "/supplies/needs/{id}/handouts") => post(crate::supplies::api::need_handout),
        ("GET", "/supplies/trips") => get(crate::supplies::api::trips),
        ("POST", "/supplies/trips") => post(crate::supplies::api::trip),
        ("POST", "/supplies/gifts") => post(crate::supplies::api::gift),
        ("POST", "/supplies/spendings") => post(crate::supplies::api::spending),
        ("POST", "/supplies/spendings/{id}/approve") => post(crate::supplies::api::approve),
        ("POST", "/supplies/transfers") => post(crate::supplies::api::transfer),
        ("GET", "/supplies/figures") => get(crate::supplies::api::figures),
        ("GET", "/supplies/disclosure/{code}") => get(crate::supplies::api::disclosure),
        ("POST", "/supplies/stock-takes") => post(crate::supplies::api::stock_take),
        ("GET", "/supplies/settings") => get(crate::supplies::api::settings),
        ("POST", "/supplies/settings") => post(crate::supplies::api::set_settings),
        ("GET", "/testing/rounds/{id}/communities") => get(t::communities),
        ("GET", "/testing/rounds/{id}/missing") => get(t::missing),
        ("GET", "/testing/rounds/{id}/tubes/{barcode}") => get(t::tube),
        ("POST", "/testing/rounds/{id}/ops") => post(t::op),
        ("POST", "/testing/rounds/{id}/batch") => post(t::batch),
        ("POST", "/testing/rounds/{id}/results") => post(t::post_results),
        ("POST", "/testing/rounds/{id}/exemptions") => post(t::post_exemption),
        ("GET", "/zones") => get(crate::zones::api::list),
        ("GET", "/zones/figures") => get(crate::zones::api::figures_of),
        ("GET", "/zones/{id}") => get(crate::zones::api::one),
        ("POST", "/zones/declare") => post(crate::zones::api::declare),
        ("POST", "/zones/{id}/extend") => post(crate::zones::api::extend),
        ("POST", "/zones/{id}/lift") => post(crate::zones::api::lift),
        ("GET", "/households/{id}/zone") => get(crate::zones::api::of_household),
        ("GET", "/followup/worklist") => get(crate::quarantine::api::worklist_of),
        ("GET", "/followup/figures") => get(crate::quarantine::api::figures_of),
        ("GET", "/followup/orders") => get(crate::quarantine::api::list),
        ("GET", "/residents/{id}/quarantine") => get(crate::quarantine::api::of_resident),
        ("POST", "/followup/orders") => post(crate::quarantine::api::create),
        ("POST", "/followup/order-changes") => post(crate::quarantine::api::change),
        ("POST", "/followup/checks") => post(crate::quarantine::api::check),
        ("POST", "/followup/self-report") => post(crate::quarantine::api::self_report),
        ("POST", "/followup/contacts") => post(crate::quarantine::api::contact),
        ("POST", "/followup/batch") => post(crate::quarantine::api::batch),
        ("POST", "/followup/order-ends") => post(crate::quarantine::api::end),
        ("GET", "/vaccination/residents/{id}") => get(crate::vaccination::api::resident),
        ("POST", "/vaccination/residents/{id}/doses") => post(crate::vaccination::api::post_dose),
        ("POST", "/vaccination/residents/{id}/tickoffs") => {
            post(crate::vaccination::api::post_tickoff)
        }
        ("POST", "/vaccination/residents/{id}/rides") => post(crate::vaccination::api::post_ride),
        ("GET", "/vaccination/worklist") => get(crate::vaccination::api::worklist_of),
        ("GET", "/vaccination/figures") => get(crate::vaccination::api::figures_of),
        ("GET", "/openapi.json") => get(openapi),
        ("GET", "/checkpoints") => get(crate::checkpoints::api::list),
        ("GET", "/checkpoints/figures") => get(crate::checkpoints::api::area_figures),
        ("GET", "/checkpoints/{id}/lookup") => get(crate::checkpoints::api::lookup),
        ("POST", "/checkpoints/{id}/ops") => post(crate::checkpoints::api::op),
        ("POST", "/checkpoints/{id}/batch") => post(crate::checkpoints::api::batch),
        ("GET", "/checkpoints/{id}/visitors") => get(crate::checkpoints::api::waiting),
        ("GET", "/checkpoints/{id}/log") => get(crate::checkpoints::api::log),
        ("GET", "/checkpoints/{id}/figures") => get(crate::checkpoints::api::figures_of),
        ("GET", "/hq/overview") => get(crate::hq::api::overview_of),
        ("GET", "/hq/briefing") => get(crate::hq::briefing::api::briefing_of),
        ("GET", "/hq/reports") => get(crate::hq::reports::api::catalogue_of),
        ("GET", "/hq/snapshots") => get(crate::hq::reports::api::snapshots),
        ("GET", "/hq/snapshots/{id}") => get(crate::hq::reports::api::snapshot),
        ("GET", "/followup/referred") => get(crate::quarantine::api::referred),
        ("POST", "/followup/referred-reveals") => post(crate::quarantine::api::referred_reveal),
        ("POST", "/needs") => post(crate::needs::api::register),
        ("POST", "/needs/{id}/claim") => post(crate::needs::api::claim),
        ("POST", "/needs/{id}/contact") => post(crate::needs::api::contact),
        ("POST", "/needs/{id}/done") => post(crate::needs::api::done),
        ("POST", "/needs/{id}/unable") => post(crate::needs::api::unable),
        ("POST", "/needs/{id}/items") => post(crate::needs::api::item),
        ("POST", "/needs/batch") => post(crate::needs::api::batch),
        ("POST", "/duty/checks") => post(crate::mobilization::api::check),
        ("POST", "/duty/batch") => post(crate::mobilization::api::batch),
        ("POST", "/households") => post(crate::registry::api::new_household),
        ("POST", "/households/{id}/corrections") => post(crate::registry::api::fix_household),
        ("POST", "/households/{id}/residents") => post(crate::registry::api::new_resident),
        ("POST", "/residents/{id}/corrections") => post(crate::registry::api::fix_resident),
        ("POST", "/followup/visitor-orders") => post(crate::quarantine::api::visitor_order),
        ("GET", "/notifications") => get(crate::notify::pages::api::mine),
        ("POST", "/notifications/read") => post(crate::notify::pages::api::read),
        ("GET", "/hq/commendations") => get(crate::hq::commendations::api::list),
        ("POST", "/hq/commendations") => post(crate::hq::commendations::api::propose),
        ("POST", "/hq/commendations/{id}/decision") => {
            post(crate::hq::commendations::api::decision)
        }
        (m, p) => panic!("API route {m} {p} is listed but has no handler"),
    }
}

pub fn routes() -> Router<AppState> {
    API_ROUTES
        .iter()
        .fold(Router::new(), |r, (m, p)| r.route(p, handler(m, p)))
        .fallback(|UserLang(lang): UserLang| async move { ApiError(AppError::NotFound, lang) })
}

/// The OpenAPI 3.1 description of this API; no token needed.
async fn openapi() -> Json<Json_> {
    Json(super::openapi::document())
}

async fn me(Auth(r, _): Auth) -> ApiResult<Json_> {
    Ok(Json(json!({
        "username": r.username,
        "role": r.role,
        "scope": r.scope.roots,
    })))
}

#[derive(Serialize)]
struct AreaDetail {
    #[serde(flatten)]
    area: Area,
    level_name: &'static str,
    counts: Counts,
    ancestors: Vec<Area>,
}

/// An area of the reader's registry scope with its counts and breadcrumbs. Counts are personal
/// data in aggregate, so the registry scope applies, not the bare area scope.
async fn detail(db: &Db, code: &str, r: &Reader) -> AppResult<AreaDetail> {
    let scope = r.registry_scope();
    let a = areas::scoped(db, code, &scope).await?;
    let counts = areas::subtree_counts(db, &a.path).await?;
    // Breadcrumbs stop at the top of the reader's scope.
    let ancestors = areas::ancestors(db, &a)
        .await?
        .into_iter()
        .filter(|x| scope.contains(&x.path))
        .collect();
    Ok(AreaDetail {
        level_name: level_code(a.level),
        area: a,
        counts,
        ancestors,
    })
}

/// The areas the reader's scope starts at, with their counts.
async fn scope_roots(State(db): State<Db>, Auth(r, lang): Auth) -> ApiResult<Vec<AreaDetail>> {
    let run = async {
        let mut out = Vec::new();
        for root in &r.registry_scope().roots {
            out.push(detail(&db, root, &r).await?);
        }
        Ok(out)
    };
    reply(run.await, lang)
}

async fn area(
    State(db): State<Db>,
    Path(code): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<AreaDetail> {
    reply(detail(&db, &code, &r).await, lang)
}

async fn children(
    State(db): State<Db>,
    Path(code): Path<String>,
    Query(p): Query<PageParams>,
    Auth(r, lang): Auth,
) -> ApiResult<Page<areas::Child>> {
    let run = async {
        let a = areas::scoped(&db, &code, &r.registry_scope()).await?;
        let n = p.limit()?;
        let items = areas::children(&db, &a, p.after.as_deref(), n + 1).await?;
        Ok(Page::from_overfetch(items, n, |c| c.area.code.clone()))
    };
    reply(run.await, lang)
}

async fn households(
    State(db): State<Db>,
    Path(code): Path<String>,
    Query(p): Query<PageParams>,
    Auth(r, lang): Auth,
) -> ApiResult<Page<residents::HouseholdView>> {
    let run = async {
        let a = areas::scoped(&db, &code, &r.registry_scope()).await?;
        residents::households_under(&db, &a, p.after_id()?, p.limit()?).await
    };
    reply(run.await, lang)
}

async fn household(
    State(db): State<Db>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<residents::HouseholdDetail> {
    let run = async { residents::household(&db, &r.registry_scope(), record_id(&id)?).await };
    reply(run.await, lang)
}

async fn resident(
    State(db): State<Db>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<residents::ResidentView> {
    let run = async { residents::resident(&db, &r.registry_scope(), record_id(&id)?).await };
    reply(run.await, lang)
}

async fn search(
    State(db): State<Db>,
    Query(p): Query<PageParams>,
    Auth(r, lang): Auth,
) -> ApiResult<Page<residents::ResidentView>> {
    let run = async {
        let q = p.q.as_deref().unwrap_or_default();
        residents::search(&db, &r.registry_scope(), q, p.after_id()?, p.limit()?).await
    };
    reply(run.await, lang)
}
