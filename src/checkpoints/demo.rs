//! The demo community's checkpoints: its north and south gates (the mobilization demo's places,
//! made here when missing) run as gates, the demo volunteer on duty at the north gate now, and
//! a day of pass logs: residents scanned in and out, visitors, a car with two passengers, a few
//! persuaded returns and a checker's override; two visitors waiting to be confirmed.

use super::ingest::{self, EntryIn, OccupantIn, Op, PersonIn, Seen, Submission, VehicleIn};
use super::visitors::{self, VisitorIn};
use super::{Access, Settings};
use crate::db::{now_ms, path_end, Db};
use crate::error::AppError;
use crate::registry::demo::{demo_actor, demo_reader, DEMO_COMMUNITY};

const FROM: &[&str] = &[
    "长沙市岳麓区",
    "永州市冷水滩区",
    "衡阳市",
    "广州市天河区",
    "桂林市",
];

fn seen(code: &str, temp: f64, decision: &str, note: &str) -> Seen {
    Seen {
        health_code: Some(code.into()),
        star: false,
        temperature: Some(temp),
        decision: Some(decision.into()),
        note: note.into(),
    }
}

fn id_number(n: u32) -> String {
    let first17 = format!("430103199{}0101{n:03}", n % 10);
    let c = crate::registry::validate::check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

/// Once, when no checkpoint is set up yet. Returns the entries logged.
pub async fn create(db: &Db) -> Result<Option<usize>, AppError> {
    if db
        .query_opt("SELECT place_id FROM checkpoints LIMIT 1", vec![])
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let actor = demo_actor(&officer);
    let Some(area) = crate::registry::areas::by_code(db, DEMO_COMMUNITY).await? else {
        return Ok(None);
    };
    let mut gates = Vec::new();
    for name in ["北门卡口", "南门卡口"] {
        let id = match db
            .scalar_opt::<i64>(
                "SELECT id FROM places WHERE name = $1 AND path = $2",
                crate::args![name, area.path.as_str()],
            )
            .await?
        {
            Some(id) => id,
            None => {
                crate::mobilization::roster::add_place(
                    db,
                    &actor,
                    &officer,
                    DEMO_COMMUNITY,
                    name,
                    "checkpoint",
                )
                .await?
            }
        };
        super::set_up(
            db,
            &actor,
            &officer,
            id,
            &Settings {
                kind: "gate".into(),
                validity_h: 48,
                require_test: false,
                lanes: vec!["行人通道".into(), "车辆通道".into()],
            },
        )
        .await?;
        gates.push(id);
    }
    let now = now_ms();
    // The demo volunteer on duty at the north gate: a shift from an hour ago for eight hours.
    let volunteer = db
        .scalar_opt::<i64>(
            "SELECT v.id FROM volunteers v JOIN accounts a ON a.id = v.account_id \
             WHERE a.username = 'demo-volunteer'",
            vec![],
        )
        .await?;
    if let Some(v) = volunteer {
        let post = db
            .scalar_opt::<i64>("SELECT id FROM posts WHERE code = 'security'", vec![])
            .await?
            .unwrap_or(1);
        let (from, to) = (now - 3_600_000, now + 7 * 3_600_000);
        let mut tx = db.begin().await?;
        let shift: i64 = tx
            .scalar(
                "INSERT INTO shifts (place_id, post_id, path, starts_ms, ends_ms, headcount, skills, \
                 created_by, created_ms) VALUES ($1, $2, $3, $4, $5, 1, '', $6, $7) RETURNING id",
                crate::args![
                    gates[0],
                    post,
                    area.path.as_str(),
                    from,
                    to,
                    officer.username.as_str(),
                    now
                ],
            )
            .await?;
        tx.execute(
            "INSERT INTO assignments (shift_id, volunteer_id, starts_ms, ends_ms, how, leader, \
             assigned_by, assigned_ms) VALUES ($1, $2, $3, $4, 'manual', 0, $5, $6)",
            crate::args![shift, v, from, to, officer.username.as_str(), now],
        )
        .await?;
        tx.commit().await?;
    }
    let secret = crate::access::settings::qr_secret(db).await?;
    let people: Vec<i64> = db
        .column(
            "SELECT id FROM residents WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 400",
            crate::args![area.path.as_str(), path_end(&area.path)],
        )
        .await?;
    if people.is_empty() {
        return Ok(Some(0));
    }
    let mut rng = crate::rng::Rng::new(14);
    let mut logged = 0;
    for (g, gate) in gates.iter().enumerate() {
        let cp = super::by_id(db, *gate).await?.ok_or(AppError::NotFound)?;
        let lanes = super::lanes(db, cp.id).await?;
        let mut ops = Vec::new();
        // A day of residents: every few minutes someone in or out.
        let n = if g == 0 { 140 } else { 80 };
        for i in 0..n {
            let at = now - 24 * 3_600_000 + (i as i64) * (23 * 3_600_000 / n as i64);
            let who = people[rng.below(people.len() as u64) as usize];
            let fever = rng.chance(15);
            let red = rng.chance(8);
            let temp = if fever {
                37.8
            } else {
                36.2 + (rng.below(8) as f64) / 10.0
            };
            let code = if red { "red" } else { "green" };
            let decision = if fever {
                "medical"
            } else if red {
                "quarantine"
            } else if rng.chance(40) {
                "return"
            } else {
                "pass"
            };
            let note = if decision == "return" {
                "非必要不外出，劝返回家"
            } else {
                ""
            };
            ops.push(Op::Person(EntryIn {
                client_id: format!("demo-{g}-{i}"),
                at_ms: Some(at),
                direction: Some(if rng.chance(500) { "in" } else { "out" }.into()),
                lane_id: lanes.first().map(|l| l.id),
                person: PersonIn::Code(crate::registry::codes::resident_code(&secret, who)),
                seen: seen(code, temp, decision, note),
            }));
        }
        // Visitors, one let through against the suggestion (a red code: a doctor on call,
        // the checker noted why), one referred to quarantine (the health follow-up's queue;
        // its demo orders the first gate's).
        for (i, from) in FROM.iter().enumerate() {
            let (code, decision, note) = match i {
                0 => ("red", "pass", "医护人员返岗，持单位证明，已报备社区"),
                1 => ("yellow", "quarantine", "黄码，来自中风险地区，转居家隔离"),
                _ => ("green", "pass", ""),
            };
            ops.push(Op::Person(EntryIn {
                client_id: format!("demo-{g}-v{i}"),
                at_ms: Some(now - (10 - i as i64) * 3_600_000),
                direction: Some("in".into()),
                lane_id: lanes.first().map(|l| l.id),
                person: PersonIn::Visitor(VisitorIn {
                    doc_type: None,
                    number: id_number(100 + i as u32 + g as u32 * 10),
                    name: ["王建国", "李秀英", "张伟", "刘洋", "陈静"][i].into(),
                    phone: format!("1390731{:04}", 100 + i + g * 10),
                    from: (*from).into(),
                    to: "朝阳社区".into(),
                    reason: ["返岗", "探亲", "送货", "就医", "返乡"][i].into(),
                }),
                seen: seen(code, 36.5, decision, note),
            }));
        }
        if g == 0 {
            // A car with its driver and two passengers.
            ops.push(Op::Vehicle(VehicleIn {
                client_id: "demo-car".into(),
                at_ms: Some(now - 5 * 3_600_000),
                direction: Some("in".into()),
                lane_id: lanes.get(1).map(|l| l.id),
                plate: "湘M5A321".into(),
                class: "car".into(),
                cargo: String::new(),
                occupants: (0..3)
                    .map(|k| OccupantIn {
                        seat: Some(if k == 0 { "driver" } else { "passenger" }.into()),
                        person: PersonIn::Code(crate::registry::codes::resident_code(
                            &secret,
                            people[(k * 7) % people.len()],
                        )),
                        seen: seen("green", 36.4, "pass", ""),
                    })
                    .collect(),
            }));
            ops.push(Op::Vehicle(VehicleIn {
                client_id: "demo-lorry".into(),
                at_ms: Some(now - 3 * 3_600_000),
                direction: Some("through".into()),
                lane_id: lanes.get(1).map(|l| l.id),
                plate: "粤B12345".into(),
                class: "lorry".into(),
                cargo: "生活物资（蔬菜）".into(),
                occupants: vec![OccupantIn {
                    seat: Some("driver".into()),
                    person: PersonIn::Visitor(VisitorIn {
                        doc_type: None,
                        number: id_number(200),
                        name: "黄师傅".into(),
                        phone: "13807310200".into(),
                        from: "广州市".into(),
                        to: "永州市保供仓库".into(),
                        reason: "保供运输".into(),
                    }),
                    seen: seen("green", 36.6, "pass", "闭环管理，不下车"),
                }],
            }));
        }
        let sub = Submission {
            reader: officer.clone(),
            checkpoint: cp.clone(),
            access: Access::Officer,
            lanes: lanes.clone(),
            ops,
        };
        let out = ingest::apply(db, &[&sub]).await?;
        logged += out[0].iter().filter(|o| o.is_logged()).count();
        // Two visitors registered on their phones, waiting for the checker.
        if g == 0 {
            for k in 0..2u32 {
                let _ = visitors::register(
                    db,
                    &cp,
                    &VisitorIn {
                        doc_type: None,
                        number: id_number(300 + k),
                        name: ["赵敏", "孙磊"][k as usize].into(),
                        phone: format!("1380731{:04}", 300 + k),
                        from: "长沙市".into(),
                        to: "朝阳社区 3 栋".into(),
                        reason: "探亲".into(),
                    },
                    "in",
                )
                .await?;
            }
        }
    }
    Ok(Some(logged))
}
