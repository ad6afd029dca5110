//! Retention of residents' needs: 30 days after a need is closed (done or cancelled), the
//! phone to call back, the name it was for, its description and feedback, and the notes of
//! its steps go; category, urgency, times, rating and items stay, so the figures do not change.
//! The household link's rate-limit log (hashed addresses) goes after a day.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "need_contact",
            en: "needs' callback phones, names, descriptions and notes (after the need is closed)",
            zh: "需求的回拨电话、姓名、描述和备注（需求关闭后）",
            default_days: 30,
            why: "a month after closing covers a complaint or a follow-up; the figures need none of it",
            steps: &[
                Step {
                    en: "closed needs' phone, name, description, feedback",
                    zh: "已关闭需求的电话、姓名、描述、评价",
                    does: "anonymise",
                    count: "SELECT COUNT(*) FROM needs WHERE closed_ms < $1 AND is_open = 0 \
                            AND (phone IS NOT NULL OR description <> '' OR for_name <> '' OR feedback IS NOT NULL)",
                    apply: "UPDATE needs SET phone = NULL, description = '', for_name = '', feedback = NULL \
                            WHERE closed_ms < $1 AND is_open = 0 \
                            AND (phone IS NOT NULL OR description <> '' OR for_name <> '' OR feedback IS NOT NULL)",
                },
                Step {
                    en: "notes on closed needs' steps",
                    zh: "已关闭需求各环节的备注",
                    does: "anonymise",
                    count: "SELECT COUNT(*) FROM need_events WHERE note <> '' AND need_id IN \
                            (SELECT id FROM needs WHERE closed_ms < $1 AND is_open = 0)",
                    apply: "UPDATE need_events SET note = '' WHERE note <> '' AND need_id IN \
                            (SELECT id FROM needs WHERE closed_ms < $1 AND is_open = 0)",
                },
            ],
        },
        Kind {
            name: "link_attempts",
            en: "household-link and sign-up attempts (hashed addresses, for rate limits)",
            zh: "户码和报名的请求记录（地址哈希，用于限流）",
            default_days: 1,
            why: "the rate limits look back 10 minutes",
            steps: &[
                Step {
                    en: "household-link attempts",
                    zh: "户码请求记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM need_link_attempts WHERE at_ms < $1",
                    apply: "DELETE FROM need_link_attempts WHERE at_ms < $1",
                },
                Step {
                    en: "volunteer sign-up attempts",
                    zh: "志愿者报名请求记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM signup_attempts WHERE at_ms < $1",
                    apply: "DELETE FROM signup_attempts WHERE at_ms < $1",
                },
            ],
        },
    ]
}
