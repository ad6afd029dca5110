//! Retention of the health follow-up: 30 days after an order ends, its checks (temperatures,
//! symptoms, notes), its referrals and escalations, its history, a visitor's name, document and
//! phone (a visitor's order) and the order itself go —
//! personal health data kept only while it serves the follow-up and a month after (a
//! complaint, a late positive result). Contact logs and ended pairings go after 30 days; the
//! self-report link's rate-limit log (hashed addresses) after a day.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "quarantine_health",
            en: "quarantine orders and their health checks (after the order ends)",
            zh: "隔离单及其健康监测记录（隔离结束后）",
            default_days: 30,
            why: "a month after the end covers a late test result or a complaint; the day's figures are reported by then",
            steps: &[
                Step {
                    en: "health checks of ended orders",
                    zh: "已结束隔离的健康监测记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM quarantine_checks WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                    apply: "DELETE FROM quarantine_checks WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                },
                Step {
                    en: "referrals and escalations of ended orders",
                    zh: "已结束隔离的转介与上报",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM quarantine_tasks WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                    apply: "DELETE FROM quarantine_tasks WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                },
                Step {
                    en: "history of ended orders",
                    zh: "已结束隔离的变更记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM quarantine_changes WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                    apply: "DELETE FROM quarantine_changes WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                },
                Step {
                    en: "visitors (name, document, phone) of ended orders",
                    zh: "已结束隔离的访客信息（姓名、证件、电话）",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM quarantine_visitors WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                    apply: "DELETE FROM quarantine_visitors WHERE order_id IN \
                            (SELECT id FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1)",
                },
                Step {
                    en: "ended quarantine orders",
                    zh: "已结束的隔离单",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1",
                    apply: "DELETE FROM quarantine_orders WHERE status = 'ended' AND ended_ms < $1",
                },
            ],
        },
        Kind {
            name: "contact_logs",
            en: "contact logs of paired households, and ended pairings",
            zh: "联户联系记录及已解除的联户",
            default_days: 30,
            why: "the figures look back a few days; a month covers a follow-up",
            steps: &[
                Step {
                    en: "contact logs",
                    zh: "联户联系记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM contact_logs WHERE at_ms < $1",
                    apply: "DELETE FROM contact_logs WHERE at_ms < $1",
                },
                Step {
                    en: "ended pairings",
                    zh: "已解除的联户",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM pairings WHERE until_ms < $1",
                    apply: "DELETE FROM pairings WHERE until_ms < $1",
                },
            ],
        },
        Kind {
            name: "quarantine_link_attempts",
            en: "self-report requests through household links (hashed addresses, for rate limits)",
            zh: "户码健康自报请求记录（地址哈希，用于限流）",
            default_days: 1,
            why: "the rate limit looks back 10 minutes",
            steps: &[Step {
                en: "self-report requests",
                zh: "健康自报请求记录",
                does: "delete",
                count: "SELECT COUNT(*) FROM quarantine_link_attempts WHERE at_ms < $1",
                apply: "DELETE FROM quarantine_link_attempts WHERE at_ms < $1",
            }],
        },
    ]
}
