//! Notifications (issue 19): their paths in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

pub(super) fn notify_paths() -> Value {
    let item = json!({"type": "object",
    "required": ["id", "kind", "urgent", "text", "link", "created_ms", "read"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["need_assigned", "need_late", "shift_soon",
            "check_missed", "pool_positive", "application_decided"]},
        "urgent": {"type": "boolean", "description": "Sent in quiet hours and not counted against the daily cap"},
        "text": {"type": "string", "description": "In the recipient's language, as written when the event was raised"},
        "link": {"type": "string", "description": "The page of this site the message is about"},
        "created_ms": {"type": "integer"},
        "read": {"type": "boolean"}
    }});
    let unread =
        json!({"type": "integer", "description": "The caller's unread notifications after this"});
    json!({
        "/notifications": get_op("notifications",
            "The caller's own notifications, newest first (those skipped at send time are left out)",
            vec![
                query_param("before", "Only notifications older than this id (paging)", json!({"type": "string"})),
                query_param("limit", "Items, 1 to 200 (default 50)", json!({"type": "string"})),
                query_param("unread", "1: only the unread ones of the page", json!({"type": "string", "enum": ["0", "1", "true", "false"]})),
                lang_param(),
            ],
            with_errors(ok("The caller's notifications", json!({"type": "object",
                "required": ["unread", "items"],
                "properties": {"unread": unread, "items": {"type": "array", "items": item}}})), &[]),
            true),
        "/notifications/read": post_op("notificationsRead",
            "Mark some of the caller's notifications read (`ids`; others' ids are ignored), or all (`all`: true). Idempotent",
            vec![lang_param()], "application/json",
            json!({"type": "object", "properties": {
                "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 1000},
                "all": {"type": "boolean"},
                "client_id": {"type": "string", "description": "Accepted; marking read is idempotent by itself"}}}),
            with_errors(ok("Marked", json!({"type": "object", "required": ["unread"],
                "properties": {"unread": unread}})), &[("422", "Neither ids nor all given, or more than 1000 ids")])),
    })
}
