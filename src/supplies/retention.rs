//! Retention of the supplies' personal data. Which household received what is personal data:
//! 180 days after a handout, the movement keeps its community (what the disclosure and the
//! figures read) but no longer names the household. Drivers' names on trips go after a year;
//! plates, routes and tonnage stay. Donors' names stay: they are published by their consent
//! (a donor who asked is recorded as anonymous from the start).

use crate::audit::retention::{Kind, Step};

pub fn kinds() -> Vec<Kind> {
    vec![
        Kind {
            name: "supply_handouts",
            en: "which household received which goods (handouts and their corrections)",
            zh: "住户领取物资的记录（发放及其更正）中的住户信息",
            default_days: 180,
            why: "half a year covers complaints and audits of a distribution; the totals per community stay",
            steps: &[Step {
                en: "household on handout movements",
                zh: "发放记录中的住户",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM sup_moves WHERE household_id IS NOT NULL AND at_ms < $1",
                apply: "UPDATE sup_moves SET household_id = NULL, \
                        to_label = CASE WHEN to_type IN ('household', 'need') THEN '' ELSE to_label END, \
                        from_label = CASE WHEN from_type IN ('household', 'need') THEN '' ELSE from_label END \
                        WHERE household_id IS NOT NULL AND at_ms < $1",
            }],
        },
        Kind {
            name: "supply_drivers",
            en: "drivers' names on vehicle trips",
            zh: "车次中的司机姓名",
            default_days: 365,
            why: "a year covers the accounts of the trips; the counts and tonnage stay",
            steps: &[Step {
                en: "drivers' names",
                zh: "司机姓名",
                does: "anonymise",
                count: "SELECT COUNT(*) FROM sup_trips WHERE driver <> '' AND depart_ms < $1",
                apply: "UPDATE sup_trips SET driver = '' WHERE driver <> '' AND depart_ms < $1",
            }],
        },
    ]
}
