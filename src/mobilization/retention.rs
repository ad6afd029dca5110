//! Retention of care visits' notes: 90 days after a visit, what was written about the person's
//! situation and needs goes (the visit itself, its date and visitors stay, so the counts do);
//! a follow-up's description and solution go 90 days after it was solved.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "care_visit_notes",
        en: "care visits' notes on a person's situation and needs, solved follow-ups' texts",
        zh: "走访记录中的情况和需求描述、已解决跟进事项的文字",
        default_days: 90,
        why: "a season: long enough to see a visited person through, not kept as a file on them",
        steps: &[
            Step {
                en: "visits' situation and needs",
                zh: "走访的情况和需求",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM care_visits WHERE created_ms < $1 AND (situation <> '' OR needs <> '')",
                apply: "UPDATE care_visits SET situation = '', needs = '' \
                        WHERE created_ms < $1 AND (situation <> '' OR needs <> '')",
            },
            Step {
                en: "solved follow-ups' description and solution",
                zh: "已解决跟进事项的描述和解决办法",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM care_followups WHERE status = 'solved' AND solved_ms < $1 \
                        AND (description <> '' OR solution <> '')",
                apply: "UPDATE care_followups SET description = '', solution = '' \
                        WHERE status = 'solved' AND solved_ms < $1 AND (description <> '' OR solution <> '')",
            },
        ],
    }]
}
