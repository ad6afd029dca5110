//! Retention of HQ's records. Commendations name people, but an approved one is a public
//! honour (通报表扬) and is kept. A declined or withdrawn proposal names someone who was not
//! honoured, with the officers' citation and HQ's reason: it is deleted a year after the
//! decision (the audit log keeps that it happened).

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "commendations_not_granted",
        en: "declined and withdrawn commendation proposals",
        zh: "未获批准及已撤回的先进典型推荐",
        default_days: 365,
        why: "a year covers a review of HQ's decisions; approved commendations are public honours and are kept",
        steps: &[Step {
            en: "declined and withdrawn proposals",
            zh: "未获批准及已撤回的推荐",
            does: "delete",
            count: "SELECT COUNT(*) FROM hq_commendations WHERE status IN ('declined', 'withdrawn') \
                    AND decided_ms < $1",
            apply: "DELETE FROM hq_commendations WHERE status IN ('declined', 'withdrawn') \
                    AND decided_ms < $1",
        }],
    }]
}
