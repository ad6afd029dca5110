//! The checkpoints' JSON API for devices and officers: the checkpoints a token may use, a person
//! looked up by code, one operation (a person or a vehicle), an offline upload (JSON lines in
//! and out, each line its own answer), the visitors waiting, the log and the figures. Routes
//! are listed in `server::api::API_ROUTES`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::figures::{self, By, Figures, Group};
use super::ingest::{Op, Outcome, PassLog, Status, Submission, MAX_BATCH};
use super::visitors::{self, Waiting};
use super::{Checkpoint, LogEntry, PersonCard};
use crate::db::now_ms;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::web::{ApiError, AppState, Auth};

type ApiResult<T> = Result<Json<T>, ApiError>;

fn reply<T>(r: AppResult<T>, lang: Lang) -> ApiResult<T> {
    r.map(Json).map_err(|e| ApiError(e, lang))
}

fn id_of(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

fn bad_json(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(vec![FieldError::new(
        "body",
        format!("not a valid operation: {e}"),
        format!("不是有效的操作：{e}"),
    )])
}

/// The checkpoints the token's account may use: an officer's of their area, a volunteer's
/// where they are on duty now.
pub async fn list(State(s): State<AppState>, Auth(r, lang): Auth) -> ApiResult<Vec<Checkpoint>> {
    reply(super::list(&s.db, &r).await, lang)
}

#[derive(Deserialize, Default)]
pub struct CodeParam {
    #[serde(default)]
    pub code: String,
}

/// What a look-up finds: one person, or the members of the household behind a scanned door
/// plate (each with their personal code, to look up in turn), as the gate page lists them.
#[derive(Serialize)]
#[serde(untagged)]
pub enum LookupAnswer {
    Person(PersonCard),
    Household { members: Vec<super::Member> },
}

/// A person by scanned personal code or typed ID number: masked name, age, sex, zone and test
/// status, for the checker to confirm the face; a scanned door-plate code (`…/h/{token}`)
/// answers the household's members.
pub async fn lookup(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CodeParam>,
    Auth(r, lang): Auth,
) -> ApiResult<LookupAnswer> {
    let run = async {
        let (cp, a) = super::open(&s.db, &r, id_of(&id)?).await?;
        if let Some(token) = super::household_token(&q.code) {
            let members = super::household_members(&s.db, token).await?;
            return Ok(LookupAnswer::Household { members });
        }
        super::lookup(&s.db, &r, &cp, &a, &q.code)
            .await
            .map(LookupAnswer::Person)
    };
    reply(run.await, lang)
}

/// Submit operations at a checkpoint the reader may log at.
pub async fn submit(
    db: &crate::db::Db,
    log: &PassLog,
    r: crate::access::Reader,
    id: i64,
    ops: Vec<Op>,
) -> AppResult<Vec<Outcome>> {
    let (cp, a) = super::open(db, &r, id).await?;
    let lanes = super::lanes(db, cp.id).await?;
    log.submit(Submission {
        reader: r,
        checkpoint: cp,
        access: a,
        lanes,
        ops,
    })
    .await
}

/// An answer as sent: the message in the caller's language.
#[derive(Serialize)]
pub struct OutcomeView {
    #[serde(flatten)]
    pub outcome: Outcome,
    pub text: String,
}

fn view(o: Outcome, lang: Lang) -> OutcomeView {
    OutcomeView {
        text: o.message.get(lang).to_owned(),
        outcome: o,
    }
}

/// One operation (`{"op": "person", …}` or `{"op": "vehicle", …}`): 200 when logged, 422 when
/// refused with the field and the reason. Idempotent by `client_id`.
pub async fn op(
    State(s): State<AppState>,
    Extension(log): Extension<PassLog>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    let run = async {
        let op: Op = serde_json::from_slice(&body).map_err(bad_json)?;
        let mut out = submit(&s.db, &log, r, id_of(&id)?, vec![op]).await?;
        Ok::<_, AppError>(out.remove(0))
    };
    match run.await {
        Ok(o) => {
            let status = if o.status == Status::Refused {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            (status, Json(view(o, lang))).into_response()
        }
        Err(e) => ApiError(e, lang).into_response(),
    }
}

/// An offline upload: one operation per line (each with `at_ms`); the answer has one line per
/// input line with its number. A line that is no operation is refused alone.
pub async fn batch(
    State(s): State<AppState>,
    Extension(log): Extension<PassLog>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
    body: Bytes,
) -> Response {
    let run = async {
        let text = std::str::from_utf8(&body).map_err(|_| bad_json("not UTF-8"))?;
        let mut parsed: Vec<(usize, Result<Op, String>)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if parsed.len() >= MAX_BATCH {
                return Err(AppError::BadRequest(Msg::new(
                    format!("at most {MAX_BATCH} lines per upload: send the rest in another"),
                    format!("每次最多上传 {MAX_BATCH} 行，其余请分批上传"),
                )));
            }
            parsed.push((
                i + 1,
                serde_json::from_str::<Op>(line).map_err(|e| e.to_string()),
            ));
        }
        let ops: Vec<Op> = parsed
            .iter()
            .filter_map(|(_, o)| o.as_ref().ok().cloned())
            .collect();
        let mut outs = if ops.is_empty() {
            // Still check the checkpoint, so an outsider learns nothing from broken lines.
            super::open(&s.db, &r, id_of(&id)?).await?;
            vec![]
        } else {
            submit(&s.db, &log, r, id_of(&id)?, ops).await?
        }
        .into_iter();
        let mut body = String::new();
        for (line, op) in parsed {
            let (client_id, o) = match op {
                Ok(op) => (
                    Some(op.client_id().to_owned()),
                    outs.next().expect("one outcome per op"),
                ),
                Err(e) => (None, bad_line(&e)),
            };
            let mut v = serde_json::to_value(view(o, lang)).unwrap_or_default();
            v["line"] = line.into();
            if let Some(c) = client_id {
                v["client_id"] = c.into();
            }
            body.push_str(&v.to_string());
            body.push('\n');
        }
        Ok::<_, AppError>(body)
    };
    match run.await {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => ApiError(e, lang).into_response(),
    }
}

fn bad_line(e: &str) -> Outcome {
    serde_json::from_value(serde_json::json!({
        "status": "refused",
        "code": "bad_line",
        "field": "line",
        "message": {
            "en": format!("not a valid operation: {e}"),
            "zh": format!("不是有效的操作：{e}"),
        },
    }))
    .expect("an outcome")
}

/// Visitors who registered themselves and wait for the checker (masked).
pub async fn waiting(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Auth(r, lang): Auth,
) -> ApiResult<Vec<Waiting>> {
    let run = async {
        let (cp, _) = super::open(&s.db, &r, id_of(&id)?).await?;
        visitors::waiting(&s.db, &cp).await
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
pub struct LogParams {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub page: String,
}

#[derive(Serialize)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    pub page: i64,
    pub pages: i64,
}

/// A page of the checkpoint's log, newest first (a checker: the last 24 hours).
pub async fn log(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<LogParams>,
    Auth(r, lang): Auth,
) -> ApiResult<LogPage> {
    let run = async {
        let (cp, a) = super::open(&s.db, &r, id_of(&id)?).await?;
        let day = match q.day.trim() {
            "" => None,
            d => Some(figures::parse_day("day", d)?),
        };
        let page = q.page.trim().parse::<i64>().unwrap_or(1).max(1);
        let (entries, pages) = super::log(&s.db, &cp, &a, day, page).await?;
        Ok(LogPage {
            entries,
            page: page.min(pages),
            pages,
        })
    };
    reply(run.await, lang)
}

#[derive(Deserialize, Default)]
pub struct PeriodParams {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub area: String,
}

#[derive(Serialize)]
pub struct CheckpointFigures {
    pub from: String,
    pub to: String,
    pub total: Figures,
    pub by_checker: Vec<Group>,
    pub by_shift: Vec<Group>,
    pub by_hour: Vec<Group>,
}

/// A checkpoint's figures for a period of days (today by default): totals, by checker (account
/// id), by shift (0: none) and by hour. Officers of its area only.
pub async fn figures_of(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PeriodParams>,
    Auth(r, lang): Auth,
) -> ApiResult<CheckpointFigures> {
    let run = async {
        let (cp, a) = super::open(&s.db, &r, id_of(&id)?).await?;
        if !a.is_officer() {
            return Err(AppError::Forbidden(Msg::new(
                "the figures are for officers",
                "统计数据仅供干部查看",
            )));
        }
        let (from, to, f, t) = figures::period(&q.from, &q.to, now_ms())?;
        Ok(CheckpointFigures {
            from: figures::day_text(f),
            to: figures::day_text(t),
            total: figures::of_checkpoint(&s.db, cp.id, from, to).await?,
            by_checker: figures::grouped(&s.db, cp.id, By::Checker, from, to).await?,
            by_shift: figures::grouped(&s.db, cp.id, By::Shift, from, to).await?,
            by_hour: figures::grouped(&s.db, cp.id, By::Hour, from, to).await?,
        })
    };
    reply(run.await, lang)
}

#[derive(Serialize)]
pub struct AreaFigures {
    pub area: String,
    pub from: String,
    pub to: String,
    pub total: Figures,
    /// Per checkpoint (key: its id).
    pub checkpoints: Vec<Group>,
}

/// Totals of the checkpoints of an area (the reader's top area by default) for a period.
pub async fn area_figures(
    State(s): State<AppState>,
    Query(q): Query<PeriodParams>,
    Auth(r, lang): Auth,
) -> ApiResult<AreaFigures> {
    let run = async {
        let area = super::figures_area(&s.db, &r, &q.area).await?;
        let (from, to, f, t) = figures::period(&q.from, &q.to, now_ms())?;
        Ok(AreaFigures {
            area: area.code.clone(),
            from: figures::day_text(f),
            to: figures::day_text(t),
            total: figures::of_area(&s.db, &area.path, from, to).await?,
            checkpoints: figures::by_checkpoint(&s.db, &area.path, from, to).await?,
        })
    };
    reply(run.await, lang)
}

fn err_ref(name: &str) -> serde_json::Value {
    serde_json::json!({"$ref": format!("#/components/responses/{name}")})
}

fn answers(ok: serde_json::Value, extra: &[(&str, &str)]) -> serde_json::Value {
    let mut r = serde_json::json!({
        "200": ok,
        "400": err_ref("BadRequest"),
        "401": err_ref("Unauthorized"),
        "404": err_ref("NotFound"),
    });
    for (code, why) in extra {
        r[*code] = serde_json::json!({"description": why, "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Error"}}}});
    }
    r
}

fn json_ok(description: &str, schema: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn sref(name: &str) -> serde_json::Value {
    serde_json::json!({"$ref": format!("#/components/schemas/{name}")})
}

fn q(name: &str, description: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "in": "query", "required": false, "description": description,
        "schema": {"type": "string"}})
}

fn id_param() -> serde_json::Value {
    serde_json::json!({"name": "id", "in": "path", "required": true,
        "description": "Checkpoint id (its place's id)", "schema": {"type": "string"}})
}

/// The checkpoints' paths of the OpenAPI document (relative to `/api/v1`).
pub fn openapi_paths() -> serde_json::Value {
    use serde_json::json;
    let period = || {
        vec![
            q("from", "First day, YYYY-MM-DD (China time; default today)"),
            q(
                "to",
                "Last day, YYYY-MM-DD, included (default: the first day or today)",
            ),
            q("lang", "Language of messages: zh or en"),
        ]
    };
    let mut fig_params = vec![id_param()];
    fig_params.extend(period());
    let mut op_answers = answers(json_ok("Logged", sref("PassOutcome")), &[]);
    op_answers["422"] = json!({"description": "Refused: the outcome names the field and why, or the body is no operation (the error body)",
        "content": {"application/json": {"schema": {"oneOf": [sref("PassOutcome"), sref("Error")]}}}});
    json!({
        "/checkpoints": {"get": {"operationId": "checkpoints",
            "summary": "Checkpoints the token may use: an officer's of their area, a volunteer's where they are on duty now",
            "parameters": [q("lang", "Language of messages: zh or en")],
            "responses": answers(json_ok("Checkpoints", json!({"type": "array", "items": sref("Checkpoint")})), &[])}},
        "/checkpoints/figures": {"get": {"operationId": "checkpointAreaFigures",
            "summary": "Totals of the checkpoints of an area (default: the reader's top area) over a period of days, and per checkpoint. Read from tallies kept after the log is purged.",
            "parameters": [q("area", "Area code within the reader's scope"), q("from", "First day, YYYY-MM-DD"), q("to", "Last day, YYYY-MM-DD"), q("lang", "zh or en")],
            "responses": answers(json_ok("The figures", sref("CheckpointAreaFigures")), &[("403", "Officers only"), ("422", "A bad date, named")])}},
        "/checkpoints/{id}/lookup": {"get": {"operationId": "checkpointLookup",
            "summary": "A person by scanned personal code (WLR1.…) or typed ID number: masked name, age, sex, zone, test status (negative within the checkpoint's validity / none / positive). Typed ID numbers of volunteers are limited per hour. A scanned door-plate code (…/h/{token}) answers the household's members, each with their personal code to look up.",
            "parameters": [id_param(), q("code", "The scanned code (personal or door plate) or the typed ID number"), q("lang", "zh or en")],
            "responses": answers(json_ok("The person, or a door plate's household", json!({"oneOf": [sref("PersonCard"), sref("HouseholdMembers")]})), &[("422", "Unknown or forged code, a door plate that opens no household, malformed ID number, or nobody registered: the field `code`"), ("429", "Too many typed ID numbers this hour")])}},
        "/checkpoints/{id}/ops": {"post": {"operationId": "checkpointOp",
            "summary": "Log one person or one vehicle with its occupants. Idempotent by client_id (a retry gets the stored answer, replayed: true). 200 when logged (a vehicle: each occupant's own outcome), 422 when refused.",
            "parameters": [id_param(), q("lang", "zh or en")],
            "requestBody": {"required": true, "content": {"application/json": {"schema": sref("PassOp")}}},
            "responses": op_answers}},
        "/checkpoints/{id}/batch": {"post": {"operationId": "checkpointBatch",
            "summary": "An offline upload: JSON lines of operations (each with at_ms). Answers JSON lines, one per input line with its line number; broken lines are refused alone.",
            "parameters": [id_param(), q("lang", "zh or en")],
            "requestBody": {"required": true, "content": {"application/x-ndjson": {"schema": sref("PassOp")}}},
            "responses": answers(json!({"description": "One outcome per line",
                "content": {"application/x-ndjson": {"schema": sref("PassOutcome")}}}),
                &[("422", "The body is not UTF-8 text")])}},
        "/checkpoints/{id}/visitors": {"get": {"operationId": "checkpointVisitors",
            "summary": "Visitors who registered themselves at the checkpoint and wait to be confirmed (masked)",
            "parameters": [id_param(), q("lang", "zh or en")],
            "responses": answers(json_ok("Waiting visitors", json!({"type": "array", "items": sref("WaitingVisitor")})), &[])}},
        "/checkpoints/{id}/log": {"get": {"operationId": "checkpointLog",
            "summary": "A page of the checkpoint's log, newest first, names and numbers masked (a checker: the last 24 hours)",
            "parameters": [id_param(), q("day", "A day, YYYY-MM-DD (China time)"), q("page", "Page, from 1"), q("lang", "zh or en")],
            "responses": answers(json_ok("A page", sref("PassLogPage")), &[("422", "A bad day")])}},
        "/checkpoints/{id}/figures": {"get": {"operationId": "checkpointFigures",
            "summary": "A checkpoint's figures over a period: totals, by checker, by shift and by hour (officers of its area)",
            "parameters": fig_params,
            "responses": answers(json_ok("The figures", sref("CheckpointFigures")), &[("403", "Officers only"), ("422", "A bad date, named")])}},
    })
}

/// The checkpoints' schemas of the OpenAPI document.
pub fn openapi_schemas() -> serde_json::Value {
    use serde_json::json;
    let figures = json!({"type": "object", "properties": {
        "people": {"type": "integer"}, "n_in": {"type": "integer"}, "n_out": {"type": "integer"},
        "n_through": {"type": "integer"}, "vehicles": {"type": "integer"}, "visitors": {"type": "integer"},
        "passed": {"type": "integer"}, "returned": {"type": "integer", "description": "Persuaded to return (劝返)"},
        "quarantine": {"type": "integer"}, "medical": {"type": "integer"},
        "overrides": {"type": "integer", "description": "Decisions other than Wardline's suggestion"},
        "fever": {"type": "integer"}}});
    let group = json!({"allOf": [{"$ref": "#/components/schemas/PassFigures"},
        {"type": "object", "required": ["key"], "properties": {"key": {"type": "integer",
         "description": "The checker's account id, the shift id (0: none), the hour (Unix ms) or the checkpoint id"}}}]});
    let seen = json!({
        "health_code": {"type": "string", "enum": ["green", "yellow", "red"], "description": "As shown on the person's phone"},
        "star": {"type": "boolean", "description": "The itinerary card shows a star"},
        "temperature": {"type": "number", "minimum": 34.0, "maximum": 42.0, "description": "°C, when measured"},
        "decision": {"type": "string", "enum": ["pass", "return", "quarantine", "medical"]},
        "note": {"type": "string", "maxLength": 500}
    });
    let person = json!({"type": "object", "description": "Exactly one of: code (scanned personal code or typed ID number), visitor, registered (a self-registration's number)",
        "properties": {"code": {"type": "string"}, "registered": {"type": "integer"},
            "visitor": {"type": "object", "required": ["number", "name", "from"], "properties": {
                "doc_type": {"type": "string", "enum": ["id_card", "passport", "hk_macau", "taiwan", "other"]},
                "number": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": "string"},
                "from": {"type": "string"}, "to": {"type": "string"}, "reason": {"type": "string"}}}}});
    let mut entry_props = seen.clone();
    entry_props["person"] = person.clone();
    let mut occupant_props = seen;
    occupant_props["person"] = person;
    occupant_props["seat"] = json!({"type": "string", "enum": ["driver", "passenger"], "description": "Default: the first is the driver"});
    json!({
        "Checkpoint": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "area_id": {"type": "integer"},
            "path": {"type": "string"}, "kind": {"type": "string", "enum": ["gate", "road", "station"]},
            "validity_h": {"type": "integer", "description": "Hours a negative test counts"},
            "require_test": {"type": "boolean"}}},
        "PersonCard": {"type": "object", "properties": {
            "resident_id": {"type": "integer"}, "household_id": {"type": "integer"},
            "name": {"type": "string", "description": "Masked"}, "sex": {"type": "integer", "description": "1 male, 2 female"},
            "age": {"type": ["integer", "null"]},
            "zone": {"type": "string", "enum": ["", "sealed", "controlled", "precaution"]},
            "test": {"type": "string", "enum": ["negative", "none", "positive"]},
            "test_ms": {"type": ["integer", "null"]}}},
        "HouseholdMembers": {"type": "object", "required": ["members"], "properties": {
            "members": {"type": "array", "items": {"type": "object", "properties": {
                "code": {"type": "string", "description": "The member's personal code (look it up to log them)"},
                "name": {"type": "string", "description": "Masked"},
                "sex": {"type": "integer", "description": "1 male, 2 female"},
                "age": {"type": ["integer", "null"]}}}}}},
        "PassOp": {"type": "object", "required": ["op", "client_id"],
            "description": "op person: person + what was seen and decided; op vehicle: plate, class, cargo, occupants (each a person with what was seen and decided)",
            "properties": {
                "op": {"type": "string", "enum": ["person", "vehicle"]},
                "client_id": {"type": "string", "description": "Unique per account and checkpoint: a retry sends the same"},
                "at_ms": {"type": "integer", "description": "When (offline uploads); default now"},
                "direction": {"type": "string", "enum": ["in", "out", "through"]},
                "lane_id": {"type": "integer"},
                "person": entry_props["person"],
                "health_code": entry_props["health_code"], "star": entry_props["star"],
                "temperature": entry_props["temperature"], "decision": entry_props["decision"],
                "note": entry_props["note"],
                "plate": {"type": "string", "description": "Mainland plate, e.g. 京A12345"},
                "class": {"type": "string", "enum": ["car", "van", "lorry", "bus", "motorcycle", "other"]},
                "cargo": {"type": "string"},
                "occupants": {"type": "array", "maxItems": 70, "items": {"type": "object", "properties": occupant_props}}}},
        "PassOutcome": {"type": "object", "required": ["status", "code", "text"], "properties": {
            "status": {"type": "string", "enum": ["logged", "refused"]},
            "code": {"type": "string", "description": "logged, invalid, unknown_person, no_visitor, visitor_confirmed, not_on_duty, vehicle_invalid, vehicle_empty, bad_line"},
            "field": {"type": "string", "description": "The field at fault"},
            "text": {"type": "string"}, "message": {"type": "object"},
            "person": {"type": "object", "description": "Masked name, sex, age, zone, test"},
            "suggestion": {"type": "string"}, "decision": {"type": "string"},
            "reasons": {"type": "array", "items": {"type": "string", "enum": ["fever", "red_code", "positive", "sealed", "controlled_out", "no_test", "yellow_code", "star"]}},
            "overridden": {"type": "boolean"}, "vehicle_id": {"type": "integer"},
            "occupants": {"type": "array", "items": {"type": "object"}},
            "replayed": {"type": "boolean"}, "line": {"type": "integer"}, "client_id": {"type": "string"}}},
        "WaitingVisitor": {"type": "object", "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "doc_type": {"type": "string"},
            "doc_number": {"type": "string", "description": "Masked"}, "phone": {"type": "string", "description": "Masked"},
            "from_place": {"type": "string"}, "to_place": {"type": "string"}, "reason": {"type": "string"},
            "direction": {"type": "string"}, "created_ms": {"type": "integer"}}},
        "PassLogPage": {"type": "object", "properties": {
            "entries": {"type": "array", "items": {"type": "object"}},
            "page": {"type": "integer"}, "pages": {"type": "integer"}}},
        "PassFigures": figures,
        "CheckpointFigures": {"type": "object", "properties": {
            "from": {"type": "string"}, "to": {"type": "string"},
            "total": {"$ref": "#/components/schemas/PassFigures"},
            "by_checker": {"type": "array", "items": group.clone()},
            "by_shift": {"type": "array", "items": group.clone()},
            "by_hour": {"type": "array", "items": group.clone()}}},
        "CheckpointAreaFigures": {"type": "object", "properties": {
            "area": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
            "total": {"$ref": "#/components/schemas/PassFigures"},
            "checkpoints": {"type": "array", "items": group}}},
    })
}
