//! Commendations (issue 18): their paths in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

pub(super) fn commendation_paths() -> Value {
    let record = json!({"type": "object",
        "description": "Counted from the audited data when proposed (never typed); members, care_visits and followups_solved only where they apply (teams, branches)",
        "required": ["duty_shifts", "duty_half_hours", "needs_solved", "samples", "contact_logs", "as_of_ms"],
        "properties": {
            "members": {"type": "integer"},
            "duty_shifts": {"type": "integer", "description": "Assignments checked in and out"},
            "duty_half_hours": {"type": "integer", "description": "Their service time in half-hours"},
            "needs_solved": {"type": "integer"},
            "samples": {"type": "integer", "description": "Samples taken by the members' accounts (duplicates not counted)"},
            "contact_logs": {"type": "integer"},
            "care_visits": {"type": "integer"},
            "followups_solved": {"type": "integer"},
            "as_of_ms": {"type": "integer"}}});
    let one = json!({"type": "object",
        "required": ["id", "subject_kind", "subject_id", "subject_name", "status", "citation", "record", "proposed_by", "proposed_ms"],
        "properties": {
            "id": {"type": "integer"},
            "subject_kind": {"type": "string", "enum": ["volunteer", "team", "branch"]},
            "subject_id": {"type": "integer"},
            "subject_name": {"type": "string"},
            "area_id": {"type": "integer"},
            "path": {"type": "string"},
            "citation": {"type": "string"},
            "status": {"type": "string", "enum": ["proposed", "approved", "declined", "withdrawn"]},
            "proposed_by": {"type": "string"},
            "proposed_ms": {"type": "integer"},
            "decided_by": {"type": "string"},
            "decided_ms": {"type": ["integer", "null"]},
            "reason": {"type": "string", "description": "HQ's reason for a decline"},
            "client_id": {"type": ["string", "null"]},
            "record": record}});
    let mut proposed = one.clone();
    proposed["properties"]["replayed"] = json!({"type": "boolean", "description": "A retry of a proposal stored already (same client_id): nothing new was stored"});
    json!({
        "/hq/commendations": {
            "get": get_op("hqCommendations",
                "Commendations in the reader's scope, newest first (HQ, admins, street and community officers, branch secretaries)",
                vec![
                    query_param("status", "proposed, approved, declined or withdrawn (default: all)", json!({"type": "string"})),
                    query_param("limit", "At most this many (default 100, up to 500)", json!({"type": "integer"})),
                    lang_param(),
                ],
                with_errors(ok("The commendations", json!({"type": "array", "items": one})),
                    &[("403", "The role reads no commendations"), ("422", "An unknown status")]), true)["get"].clone(),
            "post": post_op("hqCommendationPropose",
                "Propose a volunteer, team or temporary party branch in the proposer's area (street and community officers, branch secretaries). The record is computed from the data now and stored with it. Idempotent by client_id; a subject with a proposal waiting for HQ is refused (field subject).",
                vec![lang_param()], "application/json",
                json!({"type": "object", "required": ["subject_kind", "subject_id", "citation", "client_id"], "properties": {
                    "subject_kind": {"type": "string", "enum": ["volunteer", "team", "branch"]},
                    "subject_id": {"type": "integer"},
                    "citation": {"type": "string", "description": "Up to 2,000 characters"},
                    "client_id": {"type": "string", "description": "Unique per proposer: a retry sends the same"}}}),
                with_errors(ok("The proposal", proposed),
                    &[("403", "The role proposes no commendations"), ("422", "A field is missing or wrong, or the subject has an open proposal")]))["post"].clone()
        },
        "/hq/commendations/{id}/decision": post_op("hqCommendationDecide",
            "HQ approves or declines a proposal (a decline needs a reason). The same decision again changes nothing.",
            vec![path_param("id", "Commendation id"), lang_param()], "application/json",
            json!({"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": ["approve", "decline"]},
                "reason": {"type": "string"}}}),
            with_errors(ok("The commendation as decided", one),
                &[("403", "Only HQ decides"), ("409", "Decided or withdrawn already"), ("422", "No reason for a decline")]))
    })
}
