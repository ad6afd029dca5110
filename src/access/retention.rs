//! Retention of sessions: a session (with the address it signed in from) goes 7 days after it
//! expired.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "sessions",
        en: "expired sign-in sessions (with their address)",
        zh: "已过期的登录会话（含登录地址）",
        default_days: 7,
        why: "a week after expiry is enough to look into a sign-in; the audit log keeps the sign-in itself",
        steps: &[Step {
            en: "expired sessions",
            zh: "过期会话",
            does: "delete",
            count: "SELECT COUNT(*) FROM sessions WHERE expires_ms < $1",
            apply: "DELETE FROM sessions WHERE expires_ms < $1",
        }],
    }]
}
