//! The OpenAPI 3.1 description of the JSON API, served at `GET /api/v1/openapi.json`. Built by
//! hand with `json!`: its paths are checked against [`super::api::API_ROUTES`] by a test, so a
//! route cannot be added without being described.

use serde_json::{json, Value};

mod briefing;
mod commendations;
mod field;
mod hq;
mod notify;
mod quarantine;
mod supplies;
mod vaccination;
mod zones;

use crate::registry::model::{
    Term, DOC_TYPES, HOUSEHOLD_KINDS, LEVELS, PARTY, PARTY_CATEGORIES, RELATIONS, TAGS,
};

fn codes(terms: &[Term]) -> Value {
    Value::from(terms.iter().map(|t| t.code).collect::<Vec<_>>())
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn ok(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn error_response(description: &str) -> Value {
    ok(description, schema_ref("Error"))
}

/// The responses every authenticated operation may give besides its own 200.
fn with_errors(ok_response: Value, extra: &[(&str, &str)]) -> Value {
    let mut r = json!({
        "200": ok_response,
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
    });
    for (code, why) in extra {
        r[*code] = error_response(why);
    }
    r
}

fn path_param(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description,
           "schema": {"type": "string"}})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description,
           "schema": schema})
}

fn paging_params(cursor: &str) -> Vec<Value> {
    vec![
        query_param("after", cursor, json!({"type": "string"})),
        query_param(
            "limit",
            "Items per page, 1 to 200 (out of range is clamped; not a number is refused)",
            json!({"type": "integer", "minimum": 1, "maximum": 200, "default": 50}),
        ),
    ]
}

fn lang_param() -> Value {
    query_param(
        "lang",
        "Language of error messages (overrides Accept-Language)",
        json!({"type": "string", "enum": ["zh", "en"]}),
    )
}

fn page_of(item: &str) -> Value {
    json!({
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": schema_ref(item)},
            "next": {"type": ["string", "null"],
                     "description": "Cursor for the next page (pass as `after`); null on the last page"}
        }
    })
}

fn schemas() -> Value {
    let need_categories: Vec<&str> = crate::needs::CATEGORIES.iter().map(|c| c.0).collect();
    let area_props = json!({
        "id": {"type": "integer", "format": "int64"},
        "code": {"type": "string", "description": "Division code, or a local code such as 431102001001/G0001"},
        "parent_id": {"type": ["integer", "null"], "format": "int64"},
        "level": {"type": "integer", "minimum": 1, "maximum": 7,
                  "description": "1 province … 5 community/village, 6 grid, 7 building"},
        "name": {"type": "string"},
        "official_name": {"type": "string"},
        "path": {"type": "string"}
    });
    let area_required = json!([
        "id",
        "code",
        "parent_id",
        "level",
        "name",
        "official_name",
        "path"
    ]);
    let mut area_detail_props = area_props.clone();
    area_detail_props["level_name"] = json!({"type": "string", "enum": codes(LEVELS)});
    area_detail_props["counts"] = schema_ref("Counts");
    area_detail_props["ancestors"] = json!({
        "type": "array", "items": schema_ref("Area"),
        "description": "Breadcrumbs from the top of the reader's scope, nearest last"
    });
    let mut child_props = area_props.clone();
    child_props["counts"] = schema_ref("Counts");
    let household_props = json!({
        "id": {"type": "integer", "format": "int64"},
        "area_id": {"type": "integer", "format": "int64"},
        "area_path": {"type": "string"},
        "address": {"type": "string"},
        "kind": {"type": "string", "enum": codes(HOUSEHOLD_KINDS)},
        "head_id": {"type": ["integer", "null"], "format": "int64"},
        "head_name": {"type": ["string", "null"]},
        "members": {"type": "integer"}
    });
    let household_required = json!([
        "id",
        "area_id",
        "area_path",
        "address",
        "kind",
        "head_id",
        "head_name",
        "members"
    ]);
    let mut detail_props = household_props.clone();
    detail_props["residents"] = json!({"type": "array", "items": schema_ref("Resident")});
    let mut detail_required = household_required.clone();
    detail_required
        .as_array_mut()
        .expect("an array")
        .push(json!("residents"));
    let tally = |d: &str| json!({"type": "integer", "format": "int64", "description": d});
    json!({
        "Area": {"type": "object", "required": area_required, "properties": area_props},
        "Counts": {
            "type": "object",
            "required": ["households", "residents", "vulnerable", "party_members", "aged60"],
            "properties": {
                "households": tally("Households in the subtree"),
                "residents": tally("Residents in the subtree"),
                "vulnerable": tally("Residents with at least one vulnerable tag"),
                "party_members": tally("Party members (full or probationary)"),
                "aged60": tally("Residents aged 60 or over")
            }
        },
        "AreaDetail": {
            "type": "object",
            "required": ["id", "code", "parent_id", "level", "name", "official_name", "path",
                         "level_name", "counts", "ancestors"],
            "properties": area_detail_props
        },
        "Child": {
            "type": "object",
            "required": ["id", "code", "parent_id", "level", "name", "official_name", "path", "counts"],
            "properties": child_props
        },
        "ChildrenPage": page_of("Child"),
        "Household": {"type": "object", "required": household_required, "properties": household_props},
        "HouseholdsPage": page_of("Household"),
        "HouseholdDetail": {"type": "object", "required": detail_required, "properties": detail_props},
        "Resident": {
            "type": "object",
            "description": "A resident with identifiers masked: the full ID number, phone number \
                            and birth date are never sent by the API",
            "required": ["id", "household_id", "area_path", "name", "doc_type", "doc_number_masked",
                         "sex", "age", "phone_masked", "relation", "tags", "health_note", "party",
                         "party_categories"],
            "properties": {
                "id": {"type": "integer", "format": "int64"},
                "household_id": {"type": "integer", "format": "int64"},
                "area_path": {"type": "string"},
                "name": {"type": "string"},
                "doc_type": {"type": "string", "enum": codes(DOC_TYPES)},
                "doc_number_masked": {"type": "string", "examples": ["431102********1234"]},
                "sex": {"type": "integer", "enum": [0, 1, 2], "description": "0 unknown, 1 male, 2 female"},
                "age": {"type": ["integer", "null"]},
                "phone_masked": {"type": ["string", "null"], "examples": ["138****5678"]},
                "relation": {"type": "string", "enum": codes(RELATIONS)},
                "tags": {"type": "array", "items": {"type": "string", "enum": codes(TAGS)}},
                "health_note": {"type": ["string", "null"]},
                "party": {"type": "string", "enum": codes(PARTY)},
                "party_categories": {"type": "array",
                                     "items": {"type": "string", "enum": codes(PARTY_CATEGORIES)}}
            }
        },
        "SearchPage": page_of("Resident"),
        "Me": {
            "type": "object",
            "required": ["username", "role", "scope"],
            "properties": {
                "username": {"type": "string"},
                "role": {"type": "string"},
                "scope": {"type": "array", "items": {"type": "string"},
                          "description": "Paths of the areas the account may see"}
            }
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "fields"],
                    "properties": {
                        "code": {"type": "string",
                                 "enum": ["invalid", "not_found", "conflict", "unauthorized",
                                          "forbidden", "bad_request", "too_many",
                                          "method_not_allowed", "too_large", "internal"]},
                        "message": {"type": "string", "description": "In the reader's language"},
                        "fields": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["field", "row", "message"],
                                "properties": {
                                    "field": {"type": "string"},
                                    "row": {"type": ["integer", "null"]},
                                    "message": {"type": "string"}
                                }
                            }
                        }
                    }
                }
            }
        },
        "Round": {
            "type": "object",
            "required": ["id", "path", "name", "starts_ms", "ends_ms", "pool_size"],
            "properties": {
                "id": {"type": "integer"}, "area_id": {"type": "integer"}, "path": {"type": "string"},
                "name": {"type": "string"}, "starts_ms": {"type": "integer"}, "ends_ms": {"type": "integer"},
                "pool_size": {"type": "integer", "enum": [0, 1, 5, 10, 20],
                              "description": "People per tube; 0: one tube per household"},
                "my_sites": {"type": "array", "items": {"type": "object"}}
            }
        },
        "Coverage": {
            "type": "object",
            "properties": {
                "expected": {"type": "integer"}, "sampled": {"type": "integer"},
                "exempt": {"type": "integer"}, "missing": {"type": "integer"},
                "households": {"type": "integer"}, "households_covered": {"type": "integer"},
                "households_missing": {"type": "integer"}
            }
        },
        "NeedFigures": {
            "type": "object",
            "required": ["registered", "solved", "emergencies_solved", "open_now", "late_now"],
            "properties": {
                "registered": {"type": "integer", "description": "Needs created in the period"},
                "solved": {"type": "integer", "description": "Needs completed in the period (not reopened)"},
                "emergencies_solved": {"type": "integer", "description": "Of those, urgency 1 or emergency medical"},
                "contact_median": {"type": ["integer", "null"], "description": "Minutes to first contact, of needs registered in the period"},
                "contact_p90": {"type": ["integer", "null"]},
                "done_median": {"type": ["integer", "null"], "description": "Minutes from registration to completion, of needs solved in the period"},
                "done_p90": {"type": ["integer", "null"]},
                "open_now": {"type": "integer"},
                "late_now": {"type": "integer", "description": "Open and past a deadline now"}
            }
        },
        "NeedsFigures": {
            "type": "object",
            "required": ["area", "name", "period", "all", "by_category", "items"],
            "properties": {
                "area": {"type": "string"}, "name": {"type": "string"}, "path": {"type": "string"},
                "period": {"type": "object", "required": ["from", "to"],
                           "properties": {"from": {"type": "string"}, "to": {"type": "string"}}},
                "from_ms": {"type": "integer"}, "to_ms": {"type": "integer"},
                "all": schema_ref("NeedFigures"),
                "by_category": {"type": "array", "items": {"allOf": [schema_ref("NeedFigures")],
                    "type": "object", "required": ["category"],
                    "properties": {"category": {"type": "string", "enum": need_categories}}}},
                "items": {"type": "array", "items": {"type": "object", "required": ["kind", "quantity"],
                    "properties": {"kind": {"type": "string"}, "quantity": {"type": "integer"}}}}
            }
        },
        "CoverageView": {
            "type": "object",
            "required": ["area", "children"],
            "properties": {
                "area": schema_ref("Coverage"),
                "children": {"type": "array", "items": schema_ref("Coverage")}
            }
        },
        "PersonResult": {
            "type": "object",
            "properties": {
                "round_id": {"type": "integer"}, "round_name": {"type": "string"},
                "status": {"type": "string", "enum": ["pending", "negative", "positive", "retest",
                           "retest_pending", "resample"]},
                "barcode": {"type": "string"}, "first_ms": {"type": "integer"}, "updated_ms": {"type": "integer"}
            }
        },
        "Op": {
            "type": "object",
            "required": ["client_id", "tube", "op"],
            "description": "add: exactly one of resident_id, qr, doc {doc_type?, number}, walk_in {doc_type?, number, name, phone?}",
            "properties": {
                "client_id": {"type": "string", "description": "Unique per account: a retry sends the same"},
                "tube": {"type": "string", "description": "Tube barcode"},
                "op": {"type": "string", "enum": ["open", "add", "close", "abandon"]},
                "site_id": {"type": "integer", "description": "open: the site (default: the collector's only one)"},
                "resident_id": {"type": "integer"},
                "qr": {"type": "string", "description": "A personal code WLR1.<id>.<signature>"},
                "doc": {"type": "object"},
                "walk_in": {"type": "object"},
                "confirm": {"type": "boolean", "description": "Record the swab of an already-sampled person anyway (default: false online, true in batches)"},
                "taken_ms": {"type": "integer", "description": "When it was done (batches)"}
            }
        },
        "Outcome": {
            "type": "object",
            "required": ["status", "code", "text"],
            "properties": {
                "status": {"type": "string", "enum": ["accepted", "flagged", "refused"]},
                "code": {"type": "string", "description": "opened, added, walk_in, closed, already_sampled, tube_full, tube_closed, unknown_tube, not_in_round, needs_single_tube, other_household, not_collector, round_closed, …"},
                "text": {"type": "string", "description": "In the caller's language"},
                "message": {"type": "object", "description": "The message in both languages"},
                "tube": {"type": "object"}, "person": {"type": "object"},
                "earlier": {"type": "array", "description": "[tube, time] of the earlier sample"},
                "replayed": {"type": "boolean"},
                "line": {"type": "integer", "description": "Batches: the input line"}
            }
        }
    })
}

/// `POST …/ops`: 422 is a refused operation (its outcome says why: code, text), or a body that
/// is not an operation at all (the error body).
fn op_responses() -> Value {
    let mut r = with_errors(ok("The outcome", schema_ref("Outcome")), &[]);
    r["422"] = ok(
        "Refused (the outcome says why: code, text), or a body that is not an operation (the error body)",
        json!({"oneOf": [schema_ref("Outcome"), schema_ref("Error")]}),
    );
    r
}

fn get_op(id: &str, summary: &str, params: Vec<Value>, responses: Value, secured: bool) -> Value {
    let mut op = json!({
        "operationId": id,
        "summary": summary,
        "parameters": params,
        "responses": responses,
    });
    if !secured {
        op["security"] = json!([]);
    }
    json!({ "get": op })
}

fn post_op(
    id: &str,
    summary: &str,
    params: Vec<Value>,
    mime: &str,
    body: Value,
    responses: Value,
) -> Value {
    json!({ "post": {
        "operationId": id,
        "summary": summary,
        "parameters": params,
        "requestBody": {"required": true, "content": {mime: {"schema": body}}},
        "responses": responses,
    }})
}

fn area_q() -> Value {
    query_param(
        "area",
        "Area code within the round and the reader's scope",
        json!({"type": "string"}),
    )
}

/// The description of every path in [`super::api::API_ROUTES`], relative to `/api/v1`.
fn paths() -> Value {
    let code = || path_param("code", "Area code (URL-encoded: local codes contain `/`)");
    let record = |what: &str| path_param("id", &format!("{what} id"));
    let bad_page = [
        ("400", "The page cursor is not valid"),
        ("422", "`limit` is not a number"),
    ];
    let with = |mut v: Vec<Value>, extra: Vec<Value>| {
        v.extend(extra);
        v.push(lang_param());
        v
    };
    json!({
        "/me": get_op("me", "The account the token belongs to", vec![lang_param()],
            with_errors(ok("The account", schema_ref("Me")), &[]), true),
        "/areas": get_op("scopeRoots", "The areas the reader's scope starts at, with their tallies",
            vec![lang_param()],
            with_errors(ok("The scope roots",
                json!({"type": "array", "items": schema_ref("AreaDetail")})), &[]), true),
        "/areas/{code}": get_op("area", "An area within the reader's scope, with tallies and breadcrumbs",
            vec![code(), lang_param()],
            with_errors(ok("The area", schema_ref("AreaDetail")), &[]), true),
        "/areas/{code}/children": get_op("areaChildren",
            "The children of an area in code order, with their tallies",
            with(vec![code()], paging_params("Code of the last child of the previous page")),
            with_errors(ok("A page of children", schema_ref("ChildrenPage")), &bad_page), true),
        "/areas/{code}/households": get_op("areaHouseholds",
            "The households of an area's whole subtree, by (path, id)",
            with(vec![code()], paging_params("Id of the last household of the previous page")),
            with_errors(ok("A page of households", schema_ref("HouseholdsPage")), &bad_page), true),
        "/households/{id}": get_op("household", "A household with its members (masked)",
            vec![record("Household"), lang_param()],
            with_errors(ok("The household", schema_ref("HouseholdDetail")), &[]), true),
        "/residents/search": get_op("searchResidents",
            "Search residents within the scope by name prefix, full document number or mobile number",
            with(vec![query_param("q", "Name prefix, full document number or mobile number",
                    json!({"type": "string"}))],
                paging_params("Id of the last resident of the previous page")),
            with_errors(ok("A page of residents (masked)", schema_ref("SearchPage")), &bad_page),
            true),
        "/residents/{id}": get_op("resident", "A resident (masked)",
            vec![record("Resident"), lang_param()],
            with_errors(ok("The resident", schema_ref("Resident")), &[]), true),
        "/residents/{id}/tests": get_op("residentTests",
            "A resident's testing results, newest round first (registry scope)",
            vec![record("Resident"), lang_param()],
            with_errors(ok("Results", json!({"type": "array", "items": schema_ref("PersonResult")})), &[]), true),
        "/testing/rounds": get_op("rounds", "Testing rounds the reader may see (by area scope, or as a collector)",
            vec![lang_param()],
            with_errors(ok("Rounds", json!({"type": "array", "items": schema_ref("Round")})), &[]), true),
        "/testing/rounds/{id}": get_op("round", "A round, with the sites where the token's account collects",
            vec![record("Round"), lang_param()],
            with_errors(ok("The round", schema_ref("Round")), &[]), true),
        "/testing/rounds/{id}/coverage": get_op("roundCoverage",
            "Coverage of an area of the round (default: the reader's top area) and of its children: \
             expected, sampled, exempt, missing people and households",
            vec![record("Round"), area_q(), lang_param()],
            with_errors(ok("Coverage", schema_ref("CoverageView")), &[]), true),
        "/testing/rounds/{id}/communities": get_op("roundCommunities",
            "Coverage of every community/village under an area, laggards first",
            vec![record("Round"), area_q(), lang_param()],
            with_errors(ok("Coverage per community", json!({"type": "array", "items": schema_ref("Coverage")})), &[]), true),
        "/testing/rounds/{id}/missing": get_op("roundMissing",
            "Missing people under an area, by household, in door-to-door order (phones masked)",
            vec![record("Round"), area_q(), lang_param()],
            with_errors(ok("Missing households", json!({"type": "object"})), &[]), true),
        "/testing/rounds/{id}/tubes/{barcode}": get_op("tube", "A tube: site, state, result, the people in it",
            vec![record("Round"), path_param("barcode", "Tube barcode"), lang_param()],
            with_errors(ok("The tube", json!({"type": "object"})), &[]), true),
        "/testing/rounds/{id}/ops": post_op("sample",
            "One sampling operation: open a tube, add a person, close a tube. Idempotent by \
             client_id: a retry gets the stored reply (replayed: true) and changes nothing. \
             200 when accepted or flagged (e.g. already sampled), 422 when refused.",
            vec![record("Round"), lang_param()], "application/json", schema_ref("Op"),
            op_responses()),
        "/testing/rounds/{id}/batch": post_op("sampleBatch",
            "What a device collected offline, as JSON lines of operations (with taken_ms). \
             Answers JSON lines, one per input line with its line number: accepted, flagged or refused.",
            vec![record("Round"), lang_param()], "application/x-ndjson", schema_ref("Op"),
            with_errors(json!({"description": "One outcome per line",
                "content": {"application/x-ndjson": {"schema": schema_ref("Outcome")}}}),
                &[("400", "Too many lines"), ("422", "The body is not UTF-8 text")])),
        "/testing/rounds/{id}/results": post_op("results",
            "Lab results per tube (negative, positive, invalid). All recorded or none; every bad \
             line reported. A positive pooled tube puts each person in it up for an individual re-test.",
            vec![record("Round"), lang_param()], "application/json",
            json!({"type": "object", "required": ["results"], "properties": {"results": {"type": "array",
                "items": {"type": "object", "required": ["tube", "result"], "properties": {
                    "tube": {"type": "string"}, "result": {"type": "string", "enum": ["negative", "positive", "invalid"]}}}}}}),
            with_errors(ok("What was recorded", json!({"type": "object"})), &[("422", "Bad lines, each named"), ("403", "Role may not enter results")])),
        "/testing/rounds/{id}/exemptions": post_op("exempt",
            "Exempt a resident from the round (away, hospital, deceased, infant, other) with a note",
            vec![record("Round"), lang_param()], "application/json",
            json!({"type": "object", "required": ["resident_id", "reason"], "properties": {
                "resident_id": {"type": "integer"}, "reason": {"type": "string",
                "enum": ["away", "hospital", "deceased", "infant", "other"]}, "note": {"type": "string"}}}),
            with_errors(ok("Done", json!({"type": "object"})), &[("422", "Bad reason or note"), ("403", "Role may not exempt")])),
        "/needs/figures": get_op("needsFigures",
            "Residents' needs of an area over a period, for reports: registered, solved, emergencies \
             solved, median and 90th percentile minutes to first contact and to completion, open and \
             late now, per category, and the items delivered",
            vec![
                query_param("area", "Area code within the reader's scope (default: the reader's top area)", json!({"type": "string"})),
                query_param("from", "First day, YYYY-MM-DD (China time; default: 6 days before `to`)", json!({"type": "string", "format": "date"})),
                query_param("to", "Last day, YYYY-MM-DD, included (default: today)", json!({"type": "string", "format": "date"})),
                lang_param(),
            ],
            with_errors(ok("The figures", schema_ref("NeedsFigures")),
                &[("422", "A bad date, named"), ("403", "The role reads no registry figures (volunteers, collectors, labs, auditors)")]), true),
        "/zones": get_op("zones",
            "Zones of an area (sealed, controlled, precaution): its own, those over it, and within \
             the reader's scope those below it; `state=current` (in force or planned, default) or \
             `all` (the history), newest start first, 50 per page",
            vec![
                query_param("area", "Area code (default: the reader's top area); an area over the reader's scope shows the zones over it", json!({"type": "string"})),
                query_param("state", "current or all", json!({"type": "string", "enum": ["current", "all"]})),
                query_param("page", "Page number from 1", json!({"type": "integer", "minimum": 1})),
                lang_param(),
            ],
            with_errors(ok("The zones", schema_ref("ZoneList")), &[("422", "A bad state or page, named"), ("403", "The role reads no zones")]), true),
        "/zones/figures": get_op("zoneFigures",
            "Households and people in each kind of zone in an area and each of its children, now or \
             at any time of a past day (each household once, under its strictest zone)",
            vec![
                query_param("area", "Area code within the reader's scope (default: the reader's top area)", json!({"type": "string"})),
                query_param("day", "A past day, YYYY-MM-DD (China time); default: now", json!({"type": "string", "format": "date"})),
                lang_param(),
            ],
            with_errors(ok("The figures", schema_ref("ZoneFigures")), &[("422", "A bad day, named"), ("403", "The role reads no zones")]), true),
        "/zones/{id}": get_op("zone", "A zone with every change made to it",
            vec![record("Zone"), lang_param()],
            with_errors(ok("The zone", schema_ref("ZoneDetail")), &[("403", "The role reads no zones")]), true),
        "/zones/declare": post_op("declareZone",
            "Declare a zone over an area (`area`: a community/village, grid or building code) or one \
             household (`household_id`). HQ anywhere in its scope, street officers within theirs. \
             Idempotent by client_id: a retry answers replayed: true and changes nothing.",
            vec![lang_param()], "application/json", schema_ref("ZoneDeclare"),
            with_errors(ok("Declared", schema_ref("ZoneDone")),
                &[("422", "Bad fields, each named"), ("409", "A zone over the same area or household overlaps"), ("403", "The role may not declare zones")])),
        "/zones/{id}/extend": post_op("extendZone",
            "Extend a zone to a later planned end (the earlier end is kept in its changes). Idempotent by client_id.",
            vec![record("Zone"), lang_param()], "application/json", schema_ref("ZoneChange"),
            with_errors(ok("Extended", schema_ref("ZoneDone")),
                &[("422", "Bad fields, each named"), ("403", "The role may not change zones")])),
        "/zones/{id}/lift": post_op("liftZone",
            "Lift a zone now (one planned to start later is called off). Idempotent by client_id.",
            vec![record("Zone"), lang_param()], "application/json", schema_ref("ZoneChange"),
            with_errors(ok("Lifted", schema_ref("ZoneDone")),
                &[("422", "Bad fields, each named"), ("403", "The role may not change zones")])),
        "/households/{id}/zone": get_op("householdZone",
            "The strictest zone in force now over a household: its own, or over its building, grid or community",
            vec![record("Household"), lang_param()],
            with_errors(ok("The zone in force, or null", json!({"type": "object", "required": ["household_id", "zone"],
                "properties": {"household_id": {"type": "integer"},
                    "zone": {"oneOf": [schema_ref("ZoneInForce"), {"type": "null"}]}}})), &[("403", "The role reads no zones")]), true),
        "/openapi.json": get_op("openapi", "This document", vec![],
            json!({"200": {"description": "The OpenAPI 3.1 document",
                           "content": {"application/json": {"schema": {"type": "object"}}}}}),
            false),
    })
}

/// The whole document.
pub fn document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Wardline API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "JSON API of Wardline (网格防线): the registry (read-only), mass testing (sampling devices, labs, coverage) and the figures of residents' needs. Every answer is \
                            limited to the token's area scope: outside it a record is not found \
                            (404), with no count and no name. Identifiers are masked."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": merged_all(vec![
            paths(),
            crate::checkpoints::api::openapi_paths(),
            quarantine::quarantine_paths(),
            vaccination::vaccination_paths(),
            supplies::supplies_paths(),
            hq::hq_paths(),
            briefing::briefing_paths(),
            field::field_paths(),
            notify::notify_paths(),
            commendations::commendation_paths(),
        ]),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from the account page or `wardline admin create-token`"
                }
            },
            "responses": {
                "Unauthorized": error_response("No token, or a token that is wrong, revoked or of a disabled account"),
                "BadRequest": error_response("A parameter given twice, or one that cannot be read"),
                "NotFound": error_response("Not found, or outside the reader's scope")
            },
            "schemas": merged_all(vec![
                schemas(),
                zones::zone_schemas(),
                crate::checkpoints::api::openapi_schemas(),
                quarantine::quarantine_schemas(),
                field::field_schemas(),
            ])
        }
    })
}

/// `a`'s members and `b`'s, in one object (a capability's schemas or paths kept in a block of
/// their own: one `json!` of everything exceeds the macro's recursion limit).
fn merged_all(parts: Vec<Value>) -> Value {
    let mut all = serde_json::Map::new();
    for p in parts {
        if let Value::Object(p) = p {
            all.extend(p);
        }
    }
    Value::Object(all)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_route_is_described_and_nothing_else() {
        let doc = super::document();
        let mut described: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut routes: Vec<&str> = super::super::api::API_ROUTES.iter().map(|r| r.1).collect();
        described.sort();
        routes.sort();
        routes.dedup();
        assert_eq!(described, routes);
        for (m, p) in super::super::api::API_ROUTES {
            assert!(doc["paths"][p][m.to_lowercase()].is_object(), "{m} {p}");
        }
    }
}
