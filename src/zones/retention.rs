//! Retention of zones: a zone over a single household says that this family was sealed in —
//! personal, health-related data. 60 days after such a zone ended (lifted, or its planned end
//! passed), the household reference and the reasons typed for it and its changes go, and the
//! details of its audit entries (which name the household and repeat the reasons) are blanked
//! to `audit::REDACTED` (the entries stay: who, when, which zone; the chain allows it); the
//! kind, the area (its building or grid), the times, who decided and the head-count stay, so
//! the figures by area and day do not change. Zones over areas are not personal and are kept.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "zone_household",
        en: "zones over single households: the household and the reasons (after the zone ended)",
        zh: "单户风险区域：户信息和原因（区域结束后）",
        default_days: 60,
        why: "two months after a household's zone ends cover a complaint or a review; the figures keep only the head-count",
        steps: &[
            Step {
                en: "ended household zones' household and reason",
                zh: "已结束单户风险区域的户信息和原因",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM zones WHERE target = 'household' AND end_ms < $1 \
                        AND (household_id IS NOT NULL OR reason <> '')",
                apply: "UPDATE zones SET household_id = NULL, reason = '' WHERE target = 'household' \
                        AND end_ms < $1 AND (household_id IS NOT NULL OR reason <> '')",
            },
            Step {
                en: "reasons of those zones' changes",
                zh: "上述区域各次变更的原因",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM zone_changes WHERE reason <> '' AND zone_id IN \
                        (SELECT id FROM zones WHERE target = 'household' AND end_ms < $1)",
                apply: "UPDATE zone_changes SET reason = '' WHERE reason <> '' AND zone_id IN \
                        (SELECT id FROM zones WHERE target = 'household' AND end_ms < $1)",
            },
            Step {
                en: "details of those zones' audit entries (household and reasons)",
                zh: "上述区域审计记录的明细（户信息和原因）",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM audit_log WHERE entity = 'zone' \
                        AND action IN ('zone_declared', 'zone_extended', 'zone_lifted') \
                        AND detail_digest IS NOT NULL AND detail <> '{\"redacted\":\"retention\"}' \
                        AND entity_id IN (SELECT CAST(id AS TEXT) FROM zones \
                        WHERE target = 'household' AND end_ms < $1)",
                apply: "UPDATE audit_log SET detail = '{\"redacted\":\"retention\"}' WHERE entity = 'zone' \
                        AND action IN ('zone_declared', 'zone_extended', 'zone_lifted') \
                        AND detail_digest IS NOT NULL AND detail <> '{\"redacted\":\"retention\"}' \
                        AND entity_id IN (SELECT CAST(id AS TEXT) FROM zones \
                        WHERE target = 'household' AND end_ms < $1)",
            },
        ],
    }]
}
