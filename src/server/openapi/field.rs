//! The field writes (issue 19): needs, duty and the registry through the API, each idempotent
//! by `client_id`, with a batch route per device family: needs, duty and the follow-up's checks
//! and contact logs here; the sampling round's and the checkpoint's beside their own routes.

use serde_json::{json, Value};

use super::*;

/// The schemas of the field writes' answers.
pub(super) fn field_schemas() -> Value {
    json!({
        "FieldDone": {
            "type": "object",
            "required": ["replayed"],
            "properties": {
                "id": {"type": "integer"},
                "replayed": {"type": "boolean", "description": "The client_id had been answered before: this is that answer, and nothing was changed"}
            }
        },
        "FieldRefused": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "object"},
                "state": {"type": "object", "description": "The record's state now (a need: id, status, version, held_by_you, held_by_team)"}
            }
        },
        "FieldLine": {
            "type": "object",
            "required": ["line", "status", "answer"],
            "properties": {
                "line": {"type": "integer", "description": "The input line"},
                "client_id": {"description": "The line's client_id as sent"},
                "status": {"type": "integer", "description": "The HTTP status the single route would have answered"},
                "answer": {"type": "object", "description": "The single route's answer (FieldDone, the follow-up's Recorded or Logged, or an error with its state)"}
            }
        }
    })
}

fn props(fields: &[(&str, &str)], required: &[&str]) -> Value {
    let mut p = serde_json::Map::new();
    p.insert(
        "client_id".into(),
        json!({"type": "string", "maxLength": 100, "description": "Unique per account and family (needs, duty, registry): a retry sends the same and gets the stored answer"}),
    );
    for (name, kind) in fields {
        let schema = match *kind {
            "id" => json!({"type": ["integer", "string"]}),
            "list" => json!({"type": ["array", "string"], "items": {"type": "string"}}),
            _ => json!({"type": ["string", "number"]}),
        };
        p.insert((*name).to_owned(), schema);
    }
    let mut req = vec!["client_id"];
    req.extend_from_slice(required);
    json!({"type": "object", "required": req, "properties": p})
}

fn answers(conflict: &str) -> Value {
    let mut r = with_errors(
        ok(
            "Done (or, on a retry with the same client_id, the stored answer with replayed: true)",
            schema_ref("FieldDone"),
        ),
        &[
            ("403", "The role may not do this"),
            ("422", "A field is wrong (named, in the caller's language)"),
        ],
    );
    r["409"] = ok(conflict, schema_ref("FieldRefused"));
    r
}

fn batch_answers() -> Value {
    with_errors(
        json!({"description": "One outcome per non-blank input line",
               "content": {"application/x-ndjson": {"schema": schema_ref("FieldLine")}}}),
        &[(
            "400",
            "Too many lines (at most 500), or a body that is not UTF-8",
        )],
    )
}

/// The field writes' paths.
pub(super) fn field_paths() -> Value {
    let need = || path_param("id", "Need id");
    let busy = "The same client_id is being processed (send it again in a moment)";
    let need_conflict = "The need's state changed meanwhile (e.g. another volunteer claimed it first): the error, and the need's state now";
    let resident: &[(&str, &str)] = &[
        ("name", "text"),
        ("doc_type", "text"),
        ("doc_number", "text"),
        ("sex", "text"),
        ("birth_date", "text"),
        ("phone", "text"),
        ("relation", "text"),
        ("tags", "list"),
        ("health_note", "text"),
        ("party", "text"),
        ("party_categories", "list"),
    ];
    let act = |op: &str, summary: &str, fields: &[(&str, &str)], required: &[&str]| {
        post_op(
            op,
            summary,
            vec![need(), lang_param()],
            "application/json",
            props(fields, required),
            answers(need_conflict),
        )
    };
    json!({
        "/needs": post_op("needRegister",
            "Register a need for a household of the caller's scope (staff who take needs in), as the need form does",
            vec![lang_param()], "application/json",
            props(&[("household", "id"), ("resident", "id"), ("for_name", "text"), ("category", "text"),
                    ("urgency", "text"), ("description", "text"), ("phone", "text"), ("source", "text")],
                  &["household", "category", "urgency", "description", "source"]),
            answers(busy)),
        "/needs/{id}/claim": act("needClaim", "A volunteer claims a need of their area, or one given to their team", &[("version", "id")], &[]),
        "/needs/{id}/contact": act("needContact", "First contact made (on the way, or on the phone)", &[("version", "id")], &[]),
        "/needs/{id}/done": act("needDone", "The need is done", &[("version", "id")], &[]),
        "/needs/{id}/unable": act("needUnable", "Cannot complete, with the reason: back to the queue", &[("version", "id"), ("reason", "text")], &["reason"]),
        "/needs/{id}/items": act("needItem", "An item delivered for the need (kind, quantity 1–1000, description)",
            &[("kind", "text"), ("quantity", "text"), ("description", "text")], &["kind", "quantity"]),
        "/needs/batch": post_op("needBatch",
            "Needs actions queued offline, as JSON lines: each {\"op\": register|claim|contact|done|unable|item, \"need\": id, \"client_id\", …the single route's fields}. Answers JSON lines, each line its own outcome",
            vec![lang_param()], "application/x-ndjson",
            props(&[("op", "text"), ("need", "id")], &["op"]), batch_answers()),
        "/duty/checks": post_op("dutyCheck",
            "Check in or out of the caller's own shift at a place (place: the code its QR carries; action: in, out, or absent for what a scan would do). A check-in sent again stays a check-in",
            vec![lang_param()], "application/json",
            props(&[("place", "text"), ("action", "text")], &["place"]), answers(busy)),
        "/duty/batch": post_op("dutyBatch",
            "Checks queued offline, as JSON lines (the single route's body each). Answers JSON lines, each line its own outcome",
            vec![lang_param()], "application/x-ndjson",
            props(&[("place", "text"), ("action", "text")], &["place"]), batch_answers()),
        "/followup/batch": post_op("followupBatch",
            "Follow-up actions queued offline, as JSON lines: each {\"op\": check|contact, \"client_id\", …the single route's fields} — check as POST /followup/checks (check_id, or resident_id for the check owed now; outcome, temperature, symptoms, note, reason), contact as POST /followup/contacts (household_id, outcome, note). A client_id recorded before answers as a replay and writes nothing. Answers JSON lines, each line its own outcome",
            vec![lang_param()], "application/x-ndjson",
            props(&[("op", "text"), ("check_id", "id"), ("resident_id", "id"), ("household_id", "id"),
                    ("outcome", "text"), ("temperature", "text"), ("symptoms", "list"), ("note", "text"),
                    ("reason", "text")], &["op"]), batch_answers()),
        "/households": post_op("householdRegister",
            "Register a household at an area of the caller's scope (area code, address, kind)",
            vec![lang_param()], "application/json",
            props(&[("area", "text"), ("address", "text"), ("kind", "text")], &["area", "address"]),
            answers(busy)),
        "/households/{id}/corrections": post_op("householdCorrect",
            "Correct a household's address and kind",
            vec![path_param("id", "Household id"), lang_param()], "application/json",
            props(&[("address", "text"), ("kind", "text")], &["address"]), answers(busy)),
        "/households/{id}/residents": post_op("residentAdd",
            "Add a resident to a household (the registry's checks: ID number, phone, relation…)",
            vec![path_param("id", "Household id"), lang_param()], "application/json",
            props(resident, &["name", "doc_number"]), answers(busy)),
        "/residents/{id}/corrections": post_op("residentCorrect",
            "Correct a resident: every field as it should be; a document number or phone sent as its masked value keeps the stored one",
            vec![path_param("id", "Resident id"), lang_param()], "application/json",
            props(resident, &["name", "doc_number"]), answers(busy)),
    })
}
