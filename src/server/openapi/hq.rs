//! Command headquarters (issue 18): its paths in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

/// HQ's paths (issue 18).
pub(super) fn hq_paths() -> Value {
    let line = json!({"type": "object",
        "required": ["key", "unit", "scale", "value", "yesterday", "change", "link", "headline", "days"],
        "properties": {
            "key": {"type": "string", "description": "The metric (README: Command headquarters)"},
            "unit": {"type": "string", "enum": ["people", "households", "count", "percent", "hours", "pieces", "fen"]},
            "scale": {"type": "integer", "description": "Decimals of value (a percentage with scale 1 is in per mille)"},
            "value": {"type": ["integer", "null"], "description": "null: absent (the capability has nothing in the area), not zero"},
            "yesterday": {"type": ["integer", "null"]},
            "change": {"type": ["integer", "null"]},
            "link": {"type": "string", "description": "The page behind the figure"},
            "headline": {"type": "boolean"},
            "days": {"type": "array", "items": {"type": ["integer", "null"]}, "description": "The last 14 days, oldest first"}
        }});
    let overview = json!({"type": "object",
        "required": ["area", "day", "date", "lines", "children"],
        "properties": {
            "area": {"type": "object"},
            "day": {"type": "integer", "description": "China day, days since 1970-01-01"},
            "date": {"type": "string"},
            "lines": {"type": "array", "items": line},
            "children": {"type": "array", "items": {"type": "object",
                "required": ["code", "name", "figures", "rank"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                    "figures": {"type": "object", "additionalProperties": {"type": ["integer", "null"]}},
                    "rank": {"type": "integer", "description": "1: lags most (lowest round coverage, then most late needs)"}}}}
        }});
    json!({
        "/hq/overview": get_op("hqOverview", "The headquarters overview of an area in the reader's scope: every metric now, its change since yesterday and last 14 days, the child areas ranked by what lags. Aggregates only",
            vec![query_param("area", "Area code (default: the reader's first area)", json!({"type": "string"})), lang_param()],
            with_errors(ok("The overview", overview), &[("403", "The role reads no overview")]), true),
    })
}
