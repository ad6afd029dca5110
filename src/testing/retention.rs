//! Retention of mass testing's personal records: 30 days after a round ends, who was in which
//! tube and each person's result go; the tubes, their counts and the coverage tallies stay.

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![Kind {
        name: "test_samples",
        en: "test samples: who was in which tube, results per person, walk-ins (after the round ends)",
        zh: "检测样本：试管中的人员、个人结果、临时登记人员（轮次结束后）",
        default_days: 30,
        why: "health-code and testing data were kept 14–30 days in the pandemic's rules; a round \
              over for a month has no more re-tests to chase",
        steps: &[
            Step {
                en: "tube members unlinked from people",
                zh: "试管成员与人员解除关联",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM test_samples WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1) \
                        AND (resident_id IS NOT NULL OR walkin_id IS NOT NULL)",
                apply: "UPDATE test_samples SET resident_id = NULL, walkin_id = NULL \
                        WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1) \
                        AND (resident_id IS NOT NULL OR walkin_id IS NOT NULL)",
            },
            Step {
                en: "people's results in the round",
                zh: "人员检测结果",
                does: "delete",
                count: "SELECT COUNT(*) FROM test_persons WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
                apply: "DELETE FROM test_persons WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
            },
            Step {
                en: "re-test and re-sample tasks",
                zh: "复检和重采任务",
                does: "delete",
                count: "SELECT COUNT(*) FROM test_tasks WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
                apply: "DELETE FROM test_tasks WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
            },
            Step {
                en: "exemptions (who and why)",
                zh: "免检记录（人员和理由）",
                does: "delete",
                count: "SELECT COUNT(*) FROM test_exemptions WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
                apply: "DELETE FROM test_exemptions WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
            },
            Step {
                en: "walk-ins' names, documents and phones",
                zh: "临时登记人员的姓名、证件和电话",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM test_walkins WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1) \
                        AND resolved_by IS DISTINCT FROM 'retention'",
                apply: "UPDATE test_walkins SET name = '', phone = NULL, doc_number = 'erased-' || id, \
                        resident_id = NULL, resolved_by = 'retention' \
                        WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1) \
                        AND resolved_by IS DISTINCT FROM 'retention'",
            },
            Step {
                en: "stored replies to collectors' devices (masked names)",
                zh: "采样设备的应答记录（含脱敏姓名）",
                does: "delete",
                count: "SELECT COUNT(*) FROM test_submissions WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
                apply: "DELETE FROM test_submissions WHERE round_id IN (SELECT id FROM test_rounds WHERE ends_ms < $1)",
            },
        ],
    }]
}
