//! Vaccination outreach (issue 16): its paths in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

/// Vaccination outreach (issue 16): its paths, in a block of their own (one `json!` of every
/// path exceeds the macro's recursion limit).
pub(super) fn vaccination_paths() -> Value {
    let record = |what: &str| path_param("id", &format!("{what} id"));
    json!({
        "/vaccination/residents/{id}": get_op("vaxResident",
            "A resident's vaccination: status (none, partial, full, booster_due, boosted) derived \
             from the doses and the catalogue's schedule, the doses, the tick-offs (newest first)",
            vec![record("Resident"), lang_param()],
            with_errors(ok("Status, doses and tick-offs", json!({"type": "object"})), &[("403", "The role reads no registry")]), true),
        "/vaccination/residents/{id}/doses": post_op("vaxDose",
            "Record a dose. Refused with the field named: a dose number that skips, a date before \
             birth or in the future, a product not in the catalogue, a course's dose too early. \
             Idempotent by client_id (replayed: true).",
            vec![record("Resident"), lang_param()], "application/json",
            json!({"type": "object", "required": ["product", "given_on"], "properties": {
                "product": {"type": "string"}, "dose_no": {"type": "integer", "description": "default: the next"},
                "given_on": {"type": "string", "format": "date"}, "site": {"type": "string"},
                "batch": {"type": "string"}, "client_id": {"type": "string"}}}),
            with_errors(ok("The dose", json!({"type": "object"})), &[("422", "A bad field, named"), ("403", "Role may not record doses"), ("409", "client_id used for another resident")])),
        "/vaccination/residents/{id}/tickoffs": post_op("vaxTickoff",
            "Tick a resident off the worklist with a typed reason: vaccinated (with its dose), \
             appointment (appt_on, site), refused (detail: self or family; note), temp_contra \
             (detail: fever or flare; recheck_on after today), perm_contra (detail: allergy or \
             end_stage), bedridden, moved, deceased, not_reached. Idempotent by client_id.",
            vec![record("Resident"), lang_param()], "application/json",
            json!({"type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string", "enum": ["vaccinated", "appointment", "refused", "temp_contra", "perm_contra", "bedridden", "moved", "deceased", "not_reached"]},
                "detail": {"type": "string"}, "note": {"type": "string"},
                "appt_on": {"type": "string", "format": "date"}, "site": {"type": "string"},
                "recheck_on": {"type": "string", "format": "date"},
                "dose": {"type": "object"}, "client_id": {"type": "string"}}}),
            with_errors(ok("The tick-off", json!({"type": "object"})), &[("422", "A bad field, named"), ("403", "Role may not tick off")])),
        "/vaccination/residents/{id}/rides": post_op("vaxRide",
            "Request a ride to the vaccination site: a need of category vaccine_transport in the \
             needs queue, to be dispatched to volunteer drivers. Idempotent by client_id.",
            vec![record("Resident"), lang_param()], "application/json",
            json!({"type": "object", "required": ["site", "on_day"], "properties": {
                "site": {"type": "string"}, "on_day": {"type": "string", "format": "date"},
                "note": {"type": "string"}, "client_id": {"type": "string"}}}),
            with_errors(ok("The need", json!({"type": "object"})), &[("422", "A bad field, named"), ("403", "Role may not request rides")])),
        "/vaccination/worklist": get_op("vaxWorklist",
            "The outreach worklist of an area in walking order (phones masked): a target group's \
             residents who still need a dose today, or (part=ticked) those a tick-off keeps off it",
            vec![
                query_param("area", "Area code within the reader's scope (default: the reader's top area)", json!({"type": "string"})),
                query_param("group", "60+ (default), 80+, 60-79 or booster_due", json!({"type": "string"})),
                query_param("part", "todo (default) or ticked", json!({"type": "string"})),
                query_param("household", "One household's people only (its id), in walking order", json!({"type": "integer"})),
                lang_param(),
            ],
            with_errors(ok("The list", json!({"type": "object"})), &[("422", "A bad group or part")]), true),
        "/vaccination/figures": get_op("vaxFigures",
            "Coverage by age band (60-69, 70-79, 80+, adults) for first dose, full course and \
             booster against the targets; tick-offs by reason; deferrals due; dropouts; by child area",
            vec![
                query_param("area", "Area code within the reader's scope (default: the reader's top area)", json!({"type": "string"})),
                query_param("by", "Empty: coverage by child area; `community`: coverage of every community under the area (one query over the tallies)", json!({"type": "string", "enum": ["", "community"]})),
                lang_param(),
            ],
            with_errors(ok("The figures", json!({"type": "object"})), &[("422", "A bad `by`")]), true)
    })
}
