//! Zones (issue 14): their schemas in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

/// The zones' schemas (issue 14).
pub(super) fn zone_schemas() -> Value {
    let mut v = zone_schemas_base();
    // A zone with its changes: the zone's fields and `changes`.
    let mut detail = v["Zone"].clone();
    detail["required"]
        .as_array_mut()
        .expect("required")
        .push(json!("changes"));
    detail["properties"]["changes"] = json!({"type": "array", "items": {"type": "object",
        "required": ["id", "zone_id", "change", "reason", "decided_by", "actor", "at_ms"],
        "properties": {
            "id": {"type": "integer"}, "zone_id": {"type": "integer"},
            "change": {"type": "string", "enum": ["declared", "extended", "lifted"]},
            "old_end_ms": {"type": ["integer", "null"]}, "new_end_ms": {"type": ["integer", "null"]},
            "reason": {"type": "string"}, "decided_by": {"type": "string"},
            "actor": {"type": "string"}, "at_ms": {"type": "integer"}}}});
    v["ZoneDetail"] = detail;
    v
}

pub(super) fn zone_schemas_base() -> Value {
    json!({
        "ZoneInForce": {
            "type": "object",
            "required": ["id", "kind", "area_path", "start_ms"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["sealed", "controlled", "precaution"]},
                "area_path": {"type": "string", "description": "Path of the area covered (a household zone: the household's area)"},
                "household_id": {"type": ["integer", "null"], "description": "Set for a zone over one household"},
                "start_ms": {"type": "integer"},
                "planned_end_ms": {"type": ["integer", "null"], "description": "null: until further notice"}
            }
        },
        "Zone": {
            "type": "object",
            "required": ["id", "kind", "target", "area_id", "area_path", "start_ms", "reason", "decided_by", "recorded_by", "created_ms", "state"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "enum": ["sealed", "controlled", "precaution"]},
                "target": {"type": "string", "enum": ["area", "household"]},
                "area_id": {"type": "integer"},
                "area_path": {"type": "string"},
                "household_id": {"type": ["integer", "null"]},
                "start_ms": {"type": "integer"},
                "planned_end_ms": {"type": ["integer", "null"]},
                "lifted_ms": {"type": ["integer", "null"]},
                "end_ms": {"type": ["integer", "null"], "description": "When it ceases to be in force: the lifting, else the planned end"},
                "reason": {"type": "string"},
                "decided_by": {"type": "string", "description": "Who decided (the HQ's decision or document)"},
                "recorded_by": {"type": "string", "description": "The account that recorded it"},
                "created_ms": {"type": "integer"},
                "state": {"type": "string", "enum": ["planned", "in_force", "ended", "lifted"]}
            }
        },
        "ZoneList": {
            "type": "object",
            "required": ["area", "name", "zones", "total", "page"],
            "properties": {
                "area": {"type": "string"}, "name": {"type": "string"},
                "in_force": {"oneOf": [schema_ref("ZoneInForce"), {"type": "null"}]},
                "zones": {"type": "array", "items": schema_ref("Zone")},
                "total": {"type": "integer"}, "page": {"type": "integer"}
            }
        },
        "ZoneTally": {
            "type": "object", "required": ["households", "people"],
            "properties": {"households": {"type": "integer"}, "people": {"type": "integer"}}
        },
        "ZoneFigures": {
            "type": "object",
            "required": ["area", "name", "sealed", "controlled", "precaution", "zones", "children"],
            "properties": {
                "day": {"type": ["string", "null"]},
                "area": {"type": "string"}, "name": {"type": "string"},
                "sealed": schema_ref("ZoneTally"), "controlled": schema_ref("ZoneTally"),
                "precaution": schema_ref("ZoneTally"),
                "zones": {"type": "integer", "description": "Zones touching the area in the window"},
                "children": {"type": "array", "items": {"type": "object"}}
            }
        },
        "ZoneDeclare": {
            "type": "object",
            "required": ["client_id", "kind", "start_ms", "reason", "decided_by"],
            "properties": {
                "client_id": {"type": "string", "maxLength": 64},
                "area": {"type": "string", "description": "Code of a community/village, grid or building"},
                "household_id": {"type": "integer", "description": "Instead of area: one household"},
                "kind": {"type": "string", "enum": ["sealed", "controlled", "precaution"]},
                "start_ms": {"type": "integer", "description": "At most 7 days ago, at most 30 days ahead"},
                "planned_end_ms": {"type": ["integer", "null"], "description": "null: until further notice"},
                "reason": {"type": "string", "maxLength": 500},
                "decided_by": {"type": "string", "maxLength": 200}
            }
        },
        "ZoneChange": {
            "type": "object",
            "required": ["client_id", "reason", "decided_by"],
            "properties": {
                "client_id": {"type": "string", "maxLength": 64},
                "planned_end_ms": {"type": "integer", "description": "The new planned end (extend only)"},
                "reason": {"type": "string", "maxLength": 500},
                "decided_by": {"type": "string", "maxLength": 200}
            }
        },
        "ZoneDone": {
            "type": "object", "required": ["id", "replayed"],
            "properties": {"id": {"type": "integer"}, "replayed": {"type": "boolean", "description": "The client_id had been seen: nothing was changed"}}
        }
    })
}
