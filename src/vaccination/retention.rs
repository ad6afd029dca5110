//! Retention of vaccination data. Doses are health records of a registered resident: they stay
//! while the resident is in the registry (the next dose, the booster and the coverage depend on
//! them) and go 30 days after the resident leaves it, with their tick-offs. The free-text notes
//! of tick-offs (why a family refused, what a contraindication was) are cleared after 180 days;
//! the typed reason, its date and who ticked off stay, so the figures do not change.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "vax_tickoff_notes",
            en: "notes of vaccination tick-offs (refusals, contraindications)",
            zh: "接种销号的备注（拒绝原因、禁忌情况）",
            default_days: 180,
            why: "half a year covers the campaign's follow-up; the figures need only the typed reason",
            steps: &[Step {
                en: "tick-off notes",
                zh: "销号备注",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM vax_tickoffs WHERE at_ms < $1 AND note <> ''",
                apply: "UPDATE vax_tickoffs SET note = '' WHERE at_ms < $1 AND note <> ''",
            }],
        },
        Kind {
            name: "vax_removed_residents",
            en: "doses and tick-offs of residents no longer in the registry",
            zh: "已不在户籍中的居民的接种记录和销号",
            default_days: 30,
            why: "a resident removed by mistake is restored within a month; after that the records have no one to serve",
            steps: &[
                Step {
                    en: "doses of removed residents",
                    zh: "已移除居民的接种记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM vax_doses d WHERE d.recorded_ms < $1 \
                            AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = d.resident_id)",
                    apply: "DELETE FROM vax_doses WHERE recorded_ms < $1 \
                            AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = vax_doses.resident_id)",
                },
                Step {
                    en: "tick-offs of removed residents",
                    zh: "已移除居民的销号记录",
                    does: "delete",
                    count: "SELECT COUNT(*) FROM vax_tickoffs t WHERE t.at_ms < $1 \
                            AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = t.resident_id)",
                    apply: "DELETE FROM vax_tickoffs WHERE at_ms < $1 \
                            AND NOT EXISTS (SELECT 1 FROM residents r WHERE r.id = vax_tickoffs.resident_id)",
                },
            ],
        },
    ]
}
