//! The OpenAPI 3.1 description of the JSON API, served at `GET /api/v1/openapi.json`. Built by
//! hand with `json!`: its paths are checked against [`super::api::API_ROUTES`] by a test, so a
//! route cannot be added without being described.

use serde_json::{json, Value};

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
                                          "forbidden", "bad_request", "internal"]},
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
        }
    })
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
            "description": "Read-only JSON API of the Wardline (网格防线) registry. Every answer is \
                            limited to the token's area scope: outside it a record is not found \
                            (404), with no count and no name. Identifiers are masked."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths(),
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
                "NotFound": error_response("Not found, or outside the reader's scope")
            },
            "schemas": schemas()
        }
    })
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
        let mut routes = super::super::api::API_ROUTES.to_vec();
        described.sort();
        routes.sort();
        assert_eq!(described, routes);
    }
}
