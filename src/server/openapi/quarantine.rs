//! Health follow-up (issue 15): its schemas and paths in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

/// Health follow-up (issue 15).
pub(super) fn quarantine_schemas() -> Value {
    let order_form = json!({
        "kind": {"type": "string", "enum": ["home", "central", "monitor"]},
        "reason": {"type": "string", "enum": ["returnee", "close", "secondary", "pooled", "abroad", "checkpoint", "other"]},
        "rule": {"type": "string", "description": "A rule's code (7+3, 14+7, home7, …) or custom with the days below"},
        "central_days": {"type": "string"}, "home_days": {"type": "string"},
        "test_days": {"type": "string", "description": "custom: days of the order a test is due, e.g. 1,3,7"},
        "start": {"type": "string", "format": "date", "description": "First day (China time)"},
        "ordered_by": {"type": "string"}, "document": {"type": "string"}, "note": {"type": "string"},
        "client_id": {"type": "string", "description": "The same id again returns the same orders (replayed)"}
    });
    let input = json!({
        "outcome": {"type": "string", "enum": ["", "well", "unwell", "not_attempted"], "description": "Empty: from the temperature and symptoms"},
        "temperature": {"type": "string", "description": "°C, 34–43, e.g. 36.8"},
        "symptoms": {"type": "array", "items": {"type": "string", "enum": ["fever", "cough", "throat", "fatigue", "smell", "breath", "ache", "diarrhoea"]}},
        "note": {"type": "string"},
        "reason": {"type": "string", "enum": ["", "not_home", "no_phone", "refused", "other"], "description": "Why not attempted"},
        "client_id": {"type": "string", "description": "The same id again returns the same answer"}
    });
    let order = json!({
        "type": "object",
        "required": ["id", "resident_id", "household_id", "kind", "reason", "rule_code", "rule_version", "start_day", "end_day", "status"],
        "properties": {
            "id": {"type": "integer"}, "resident_id": {"type": "integer"}, "household_id": {"type": "integer"},
            "path": {"type": "string"}, "kind": {"type": "string"}, "reason": {"type": "string"},
            "rule_code": {"type": "string"}, "rule_version": {"type": "integer"},
            "central_days": {"type": "integer"}, "home_days": {"type": "integer"}, "test_days": {"type": "string"},
            "checks_per_day": {"type": "integer"},
            "start_day": {"type": "integer", "description": "Days since 1970-01-01, China time"},
            "end_day": {"type": "integer", "description": "The last day, included"},
            "status": {"type": "string", "enum": ["active", "ended"]},
            "end_reason": {"type": ["string", "null"], "enum": ["released", "hospital", "moved", "error", null]},
            "override_reason": {"type": "string"}, "name": {"type": "string"}, "address": {"type": "string"}
        }
    });
    let check = json!({
        "type": "object",
        "required": ["id", "order_id", "resident_id", "day", "slot", "status"],
        "properties": {
            "id": {"type": "integer"}, "order_id": {"type": "integer"}, "resident_id": {"type": "integer"},
            "household_id": {"type": "integer"}, "day": {"type": "integer"},
            "slot": {"type": "integer", "description": "1 morning, 2 evening"},
            "due_ms": {"type": "integer"}, "late_ms": {"type": "integer"}, "missed_ms": {"type": "integer"},
            "status": {"type": "string", "enum": ["pending", "well", "unwell", "missed", "not_attempted"]},
            "temp_dc": {"type": ["integer", "null"], "description": "Tenths of a degree"},
            "symptoms": {"type": "integer", "description": "Bit set in the order of the symptom list"},
            "by_kind": {"type": ["string", "null"]}, "done_ms": {"type": ["integer", "null"]}
        }
    });
    json!({
        "QuarantineOrderForm": {"type": "object", "properties": order_form},
        "CheckInput": {"type": "object", "properties": input},
        "QuarantineOrder": order,
        "QuarantineCheck": check,
        "OrdersPage": {"type": "object", "required": ["total", "page", "items"], "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "items": {"type": "array", "items": schema_ref("QuarantineOrder")}}},
        "OrderDetail": {"type": "object", "required": ["id", "tests", "checks"], "properties": {
            "id": {"type": "integer"},
            "tests": {"type": "array", "items": {"type": "object", "properties": {
                "n": {"type": "integer"}, "day": {"type": "integer"},
                "result": {"type": ["string", "null"]}, "round": {"type": ["string", "null"]}}}},
            "checks": {"type": "array", "items": schema_ref("QuarantineCheck")}}},
        "Made": {"type": "object", "required": ["ids", "replayed"], "properties": {
            "ids": {"type": "array", "items": {"type": "integer"}}, "replayed": {"type": "boolean"}}},
        "Recorded": {"type": "object", "required": ["check_id", "status", "replayed"], "properties": {
            "check_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["well", "unwell", "not_attempted"]},
            "referral": {"type": ["integer", "null"], "description": "The referral to the medic a fever or symptom raised"},
            "replayed": {"type": "boolean"}}},
        "Logged": {"type": "object", "required": ["id", "replayed"], "properties": {
            "id": {"type": "integer"}, "replayed": {"type": "boolean"}}},
        "Ok": {"type": "object", "required": ["ok"], "properties": {"ok": {"type": "boolean"}}},
        "Worklist": {"type": "object", "required": ["day", "todo", "todo_total", "done", "next", "tasks", "contacts"], "properties": {
            "day": {"type": "integer"},
            "todo": {"type": "array", "items": schema_ref("QuarantineCheck"), "description": "Checks to do, in walking order, with name and address: one page (at most 100)"},
            "todo_total": {"type": "integer", "description": "Checks to do today in all pages"},
            "done": {"type": "integer"},
            "next": {"type": ["string", "null"], "description": "Cursor for the next page of the walk (pass as `after`); null on the last page"},
            "tasks": {"type": "array", "items": {"type": "object"}, "description": "Open referrals and escalations (first page only)"},
            "contacts": {"type": "array", "items": {"type": "object"}, "description": "Paired households not contacted today (first page only)"}}},
        "FollowupFigures": {"type": "object", "required": ["area", "day", "active", "checks_owed"], "properties": {
            "area": {"type": "string"}, "name": {"type": "string"}, "day": {"type": "string", "format": "date"},
            "active": {"type": "integer"},
            "by_kind": {"type": "array", "items": {"type": "object"}},
            "by_reason": {"type": "array", "items": {"type": "object"}},
            "started": {"type": "integer"}, "released": {"type": "integer"},
            "checks_owed": {"type": "integer"}, "on_time": {"type": "integer"}, "late": {"type": "integer"},
            "missed": {"type": "integer"}, "not_attempted": {"type": "integer"},
            "referrals": {"type": "integer"}, "escalations": {"type": "integer"},
            "paired": {"type": "integer"}, "contacted": {"type": "integer"},
            "not_contacted_for": {"type": "integer"}, "stale_days": {"type": "integer"},
            "by_contact": {"type": "array", "items": {"type": "object"}}}},
        "Referred": {"type": "object", "required": ["entry_id", "at_ms", "who", "name"], "properties": {
            "entry_id": {"type": "integer", "description": "The pass-log entry"},
            "place": {"type": "string"}, "path": {"type": "string"}, "at_ms": {"type": "integer"},
            "who": {"type": "string", "enum": ["resident", "visitor"]},
            "resident_id": {"type": ["integer", "null"]},
            "name": {"type": "string", "description": "Masked"},
            "doc_type": {"type": "string"}, "doc_number": {"type": "string", "description": "Masked"},
            "phone": {"type": "string", "description": "Masked"},
            "from_place": {"type": "string"}, "health_code": {"type": "string"},
            "temp_dc": {"type": ["integer", "null"]}, "test_status": {"type": "string"},
            "order_id": {"type": ["integer", "null"], "description": "The resident's order made since the referral"}}},
        "ReferredRevealed": {"type": "object", "required": ["entry_id", "name", "phone"], "properties": {
            "entry_id": {"type": "integer"}, "name": {"type": "string"}, "doc_type": {"type": "string"},
            "doc_number": {"type": "string"}, "phone": {"type": "string"}, "to_place": {"type": "string"}}}
    })
}

pub(super) fn quarantine_paths() -> Value {
    let body = |props: Value, required: &[&str], extra: &str| json!({"allOf": [schema_ref(extra), {"type": "object", "required": required, "properties": props}]});
    let refused = [
        (
            "422",
            "Bad input, each field named, in the caller's language; nothing written",
        ),
        (
            "409",
            "A conflict (already under an order, already recorded, changed meanwhile)",
        ),
        ("403", "The role may not do this"),
    ];
    json!({
        "/followup/worklist": get_op("followupWorklist",
            "Today's worklist of the reader: checks to do and late (grid workers: their grids; contact persons: their paired households), referrals and escalations, paired households not contacted today; in walking order",
            vec![
                query_param("after", "The next page of the walk: the previous page's `next`", json!({"type": "string"})),
                lang_param(),
            ],
            with_errors(ok("The worklist", schema_ref("Worklist")), &[]), true),
        "/followup/figures": get_op("followupFigures",
            "Health follow-up figures of an area for a day: under quarantine now (by kind and reason), started, released, checks on time / late / missed, fevers referred, paired households contacted",
            vec![
                query_param("area", "Area code within the reader's scope (default: the reader's top area)", json!({"type": "string"})),
                query_param("date", "YYYY-MM-DD, China time (default: today)", json!({"type": "string", "format": "date"})),
                query_param("days", "Days without contact that count a paired household as not contacted (default 3)", json!({"type": "integer"})),
                lang_param(),
            ],
            with_errors(ok("The figures", schema_ref("FollowupFigures")), &[("422", "A bad date")]), true),
        "/followup/orders": {
            "get": get_op("followupOrders", "Quarantine orders under an area of the reader's scope, 100 a page, by end day",
                vec![
                    query_param("area", "Area code (default: the reader's top area)", json!({"type": "string"})),
                    query_param("state", "active (default) or ended", json!({"type": "string", "enum": ["active", "ended"]})),
                    query_param("page", "Page, from 1", json!({"type": "integer"})),
                    lang_param(),
                ],
                with_errors(ok("A page of orders", schema_ref("OrdersPage")), &[]), true)["get"].clone(),
            "post": post_op("followupOrder",
                "Order quarantine for a resident, or for every member of a household not under one (idempotent by client_id)",
                vec![lang_param()], "application/json",
                body(json!({"resident_id": {"type": "integer"}, "household_id": {"type": "integer"}}), &[], "QuarantineOrderForm"),
                with_errors(ok("The orders made", schema_ref("Made")), &refused))["post"].clone()
        },
        "/residents/{id}/quarantine": get_op("residentQuarantine",
            "A resident's quarantine orders, newest first, with the rule's test days and their results, and the recent checks",
            vec![path_param("id", "Resident id"), lang_param()],
            with_errors(ok("The orders", json!({"type": "array", "items": schema_ref("OrderDetail")})), &[]), true),
        "/followup/order-changes": post_op("followupOrderChange",
            "Extend or shorten an active order to a new last day, with a reason; the previous end is kept",
            vec![lang_param()], "application/json",
            json!({"type": "object", "required": ["order_id", "end", "reason"], "properties": {
                "order_id": {"type": "integer"}, "end": {"type": "string", "format": "date"}, "reason": {"type": "string"}}}),
            with_errors(ok("Changed", schema_ref("Ok")), &refused)),
        "/followup/order-ends": post_op("followupOrderEnd",
            "End an order: released (only when the rule's end is reached and its tests negative, else with override_reason), hospital, moved, error (with a note)",
            vec![lang_param()], "application/json",
            json!({"type": "object", "required": ["order_id", "reason"], "properties": {
                "order_id": {"type": "integer"},
                "reason": {"type": "string", "enum": ["released", "hospital", "moved", "error"]},
                "note": {"type": "string"}, "override_reason": {"type": "string"}}}),
            with_errors(ok("Ended", schema_ref("Ok")), &refused)),
        "/followup/checks": post_op("followupCheck",
            "Record a check from a device: by check_id, or the check a resident owes now (resident_id); idempotent by client_id. A fever (from 37.3 °C) or a symptom raises a referral to the medic",
            vec![lang_param()], "application/json",
            body(json!({"check_id": {"type": "integer"}, "resident_id": {"type": "integer"}}), &[], "CheckInput"),
            with_errors(ok("Recorded", schema_ref("Recorded")), &refused)),
        "/followup/self-report": {"post": {
            "operationId": "followupSelfReport",
            "summary": "A self-report through a household link (the door plate's token), without an account: the check the member owes now; idempotent by client_id",
            "security": [],
            "parameters": [lang_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema":
                body(json!({"token": {"type": "string"}, "resident_id": {"type": "integer"}}), &["token", "resident_id", "temperature"], "CheckInput")}}},
            "responses": with_errors(ok("Recorded", schema_ref("Recorded")), &[("422", "Bad input, each field named"), ("409", "Today's checks are all recorded")])
        }},
        "/followup/contacts": post_op("followupContact",
            "Log a contact with a paired household (its contact person, or staff of its grid): well, needs (then register the need), unreached; idempotent by client_id",
            vec![lang_param()], "application/json",
            json!({"type": "object", "required": ["household_id", "outcome"], "properties": {
                "household_id": {"type": "integer"},
                "outcome": {"type": "string", "enum": ["well", "needs", "unreached"]},
                "note": {"type": "string"}, "client_id": {"type": "string"}}}),
            with_errors(ok("Logged", schema_ref("Logged")), &refused)),
        "/followup/referred": get_op("followupReferred",
            "The people a checkpoint referred to quarantine in the reader's area over the last 14 days (residents and visitors, from the pass log), newest first, masked, with the resident's order made since",
            vec![lang_param()], with_errors(ok("The queue", json!({"type": "array", "items": schema_ref("Referred")})), &[("403", "The role may not read the queue")]), true),
        "/followup/referred-reveals": post_op("followupReferredReveal",
            "One referral's name, document number and phone whole (to call the person or make the order); audited",
            vec![lang_param()], "application/json",
            json!({"type": "object", "required": ["entry_id"], "properties": {"entry_id": {"type": "integer"}}}),
            with_errors(ok("The referral whole", schema_ref("ReferredRevealed")), &[("403", "The role may not read the queue"), ("422", "The body is not JSON or entry_id is missing")])),
        "/followup/visitor-orders": post_op("followupVisitorOrder",
            "Order quarantine for the person of a checkpoint referral (entry_id from the referred queue): a visitor without a registry record gets an order under the checkpoint's area, their name, document and phone kept masked; a resident an ordinary order. The reason defaults to checkpoint; idempotent by client_id",
            vec![lang_param()], "application/json",
            body(json!({"entry_id": {"type": "integer"}}), &["entry_id"], "QuarantineOrderForm"),
            with_errors(ok("The order made", json!({"type": "object", "required": ["order_id", "replayed"], "properties": {
                "order_id": {"type": "integer"}, "visitor_id": {"type": ["integer", "null"]}, "replayed": {"type": "boolean"}}})), &refused))
    })
}
