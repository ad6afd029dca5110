//! Retention of notifications: a message names its recipient (a staff account) and what
//! happened in their work; 30 days after it was written, it goes (sent, failed or skipped
//! alike). Messages still queued are older only when the sender has been down that long; they
//! go too, as they would be stale.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "notification",
        en: "notifications sent to staff and volunteers (the outbox)",
        zh: "发给工作人员和志愿者的通知（发件箱）",
        default_days: 30,
        why:
            "a month covers a question about what someone was told; no figure is computed from them",
        steps: &[Step {
            en: "notifications",
            zh: "通知",
            does: "delete",
            count: "SELECT COUNT(*) FROM notify_outbox WHERE created_ms < $1",
            apply: "DELETE FROM notify_outbox WHERE created_ms < $1",
        }],
    }]
}
