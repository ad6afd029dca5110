//! Headquarters' briefing and reports with cut-offs (issue 18): their paths in the OpenAPI
//! document.

use serde_json::{json, Value};

use super::*;

pub(super) fn briefing_paths() -> Value {
    let area = || {
        query_param(
            "area",
            "Area code within the reader's scope (default: the reader's top area)",
            json!({"type": "string"}),
        )
    };
    json!({
        "/hq/briefing": get_op("hqBriefing",
            "The briefing of an area over a period, as generated now (not issued): the text in \
             Chinese and English (万 with two decimals, 余 for rounded-down figures), the \
             paragraphs as segments (numbers with the metric behind them) and the figures it is \
             written from (value null: absent, not zero). HQ, admins, street and community \
             officers, in their scope.",
            vec![
                area(),
                query_param("period", "day, week or all (default: all, since the start)", json!({"type": "string", "enum": ["day", "week", "all"]})),
                lang_param(),
            ],
            with_errors(ok("The briefing", json!({"type": "object", "properties": {
                "area": {"type": "string"}, "name": {"type": "string"},
                "period": {"type": "string"}, "as_of_ms": {"type": "integer"},
                "text_zh": {"type": "string"}, "text_en": {"type": "string"},
                "zh": {"type": "array"}, "en": {"type": "array"},
                "figures": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "value": {"type": ["integer", "null"]},
                    "scale": {"type": "integer"}, "unit": {"type": "string"}}}}}})),
                &[("403", "The role reads no overview")]), true),
        "/hq/reports": get_op("hqReports",
            "The report catalogue (each report's metrics and layouts: column order and headers) \
             and the daily cut-off time (HH:MM, China time)",
            vec![lang_param()],
            with_errors(ok("The catalogue", json!({"type": "object", "properties": {
                "cutoff": {"type": "string"}, "reports": {"type": "array"}}})),
                &[("403", "The role reads no overview")]), true),
        "/hq/snapshots": get_op("hqSnapshots",
            "Locked report snapshots the reader may see, newest first (each revision listed)",
            vec![query_param("limit", "At most this many (default 50, up to 500)", json!({"type": "integer"})), lang_param()],
            with_errors(ok("The snapshots", json!({"type": "array"})),
                &[("403", "The role reads no overview")]), true),
        "/hq/snapshots/{id}": get_op("hqSnapshot",
            "One locked snapshot: report, day, revision, SHA-256 and whether the stored figures \
             still match it, the metrics and the rows within the reader's scope (value null: not \
             reported, apart from zero)",
            vec![path_param("id", "Snapshot id"), lang_param()],
            with_errors(ok("The snapshot", json!({"type": "object", "properties": {
                "id": {"type": "integer"}, "report": {"type": "string"}, "day_ymd": {"type": "string"},
                "revision": {"type": "integer"}, "sha256": {"type": "string"},
                "verified": {"type": "boolean"}, "metrics": {"type": "array", "items": {"type": "string"}},
                "rows": {"type": "array"}}})),
                &[("403", "The role reads no overview")]), true)
    })
}
