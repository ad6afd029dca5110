//! The demo city's needs: household links and three days of requests in every state, some of
//! them late and escalated, so that the queue, the tasks and the figures have something to show.

use super::flow::{self, Action, Who};
use super::intake::{self, NewNeed};
use crate::db::{now_ms, path_end, Db};
use crate::error::AppError;
use crate::mobilization::volunteers;
use crate::registry::demo::{demo_actor, demo_reader, DEMO_COMMUNITY};

const ASKS: &[(&str, &str)] = &[
    (
        "medicine",
        "硝酸甘油片 2 盒，老人心脏不好，家里只剩一天的量",
    ),
    ("gas", "燃气罐用完了，需要换一罐"),
    ("groceries", "米面油和蔬菜，一家三口一周的量"),
    ("transport", "周三上午透析，需要车送到市一医院"),
    ("medicine", "胰岛素笔芯 3 支"),
    ("errand", "快递柜取件并送上楼"),
    ("psych", "独居老人情绪低落，希望有人打电话聊聊"),
    ("groceries", "婴儿奶粉 2 罐（一段）"),
    ("emergency", "老人胸闷气短，已拨打 120，请社区协助下楼"),
    ("other", "轮椅一辆，腿脚不便无法下楼做核酸"),
];

/// Once, when there are no needs yet: 36 needs in the demo community. Returns how many.
pub async fn create(db: &Db) -> Result<Option<i64>, AppError> {
    if db
        .query_opt("SELECT id FROM needs LIMIT 1", vec![])
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let Some(officer) = demo_reader(db, "demo-community").await? else {
        return Ok(None);
    };
    let actor = demo_actor(&officer);
    let area = crate::registry::areas::by_code(db, DEMO_COMMUNITY)
        .await?
        .ok_or(AppError::NotFound)?;
    let households: Vec<i64> = db
        .column(
            "SELECT id FROM households WHERE path >= $1 AND path < $2 ORDER BY id LIMIT 36",
            crate::args![area.path.as_str(), path_end(&area.path)],
        )
        .await?;
    let vols: Vec<i64> = db
        .column(
            "SELECT id FROM volunteers WHERE status = 'approved' AND path >= $1 AND path < $2 ORDER BY id LIMIT 6",
            crate::args![area.path.as_str(), path_end(&area.path)],
        )
        .await?;
    if households.is_empty() || vols.is_empty() {
        return Ok(None);
    }
    let mut rng = crate::rng::Rng::new(6);
    let now = now_ms();
    let minute = 60_000;
    for (i, hh) in households.iter().enumerate() {
        intake::link_token(db, &officer, *hh).await?;
        let (category, text) = ASKS[i % ASKS.len()];
        let urgency = match category {
            "emergency" => 1,
            "medicine" | "transport" => 2,
            "gas" | "groceries" => 3,
            _ => 4,
        };
        // The first few are recent and waiting; the rest are spread over three days.
        let created = if i < 6 {
            now - rng.range(5, 90) * minute
        } else {
            now - rng.range(60, 72 * 60) * minute
        };
        let c = intake::create(
            db,
            &actor,
            &officer,
            *hh,
            &NewNeed {
                category: category.into(),
                urgency: urgency.to_string(),
                description: text.into(),
                source: if i % 3 == 0 { "grid" } else { "hotline" }.into(),
                ..NewNeed::default()
            },
            created,
        )
        .await?;
        if i < 6 {
            continue;
        }
        let vol = volunteers::get(db, &officer, vols[i % vols.len()]).await?;
        let who = Who::Volunteer(&vol);
        let mut t = created + rng.range(3, 40) * minute;
        match i % 6 {
            // Waiting (the oldest are late and escalate below).
            0 => {}
            // Assigned by the officer, not yet contacted.
            1 => {
                step(
                    db,
                    &actor,
                    c.id,
                    Action::Assign {
                        team: None,
                        volunteer: Some(vol.id),
                    },
                    Who::Staff(&officer),
                    t,
                )
                .await?;
            }
            // Claimed and being worked on.
            2 => {
                step(db, &actor, c.id, Action::Claim, who, t).await?;
                t += rng.range(2, 30) * minute;
                step(db, &actor, c.id, Action::Start, who, t).await?;
            }
            // Cancelled by the officer.
            5 => {
                step(
                    db,
                    &actor,
                    c.id,
                    Action::Cancel {
                        reason: "家属已自行解决".into(),
                    },
                    Who::Staff(&officer),
                    t,
                )
                .await?;
            }
            // Done, with the items delivered, and (every other one) rated.
            _ => {
                step(db, &actor, c.id, Action::Claim, who, t).await?;
                t += rng.range(2, 25) * minute;
                step(db, &actor, c.id, Action::Start, who, t).await?;
                t += rng.range(20, 300) * minute;
                let kind = match category {
                    "medicine" => "medicine",
                    "gas" => "gas",
                    "groceries" => "food",
                    _ => "supplies",
                };
                let vactor = volunteer_actor(&vol);
                flow::add_item(
                    db,
                    &vactor,
                    &who,
                    c.id,
                    kind,
                    "",
                    &rng.range(1, 3).to_string(),
                    t,
                )
                .await?;
                step(db, &actor, c.id, Action::Done, who, t).await?;
                if i % 2 == 0 {
                    step(
                        db,
                        &actor,
                        c.id,
                        Action::Confirm {
                            rating: rng.range(4, 5),
                            feedback: "谢谢志愿者！".into(),
                        },
                        Who::Household(*hh),
                        t + 30 * minute,
                    )
                    .await?;
                }
            }
        }
    }
    super::deadlines::escalate(db, now).await?;
    Ok(Some(households.len() as i64))
}

/// One step of a demo need, recorded under the volunteer's name when a volunteer takes it.
async fn step(
    db: &Db,
    officer: &crate::audit::Actor,
    id: i64,
    a: Action,
    who: Who<'_>,
    at: i64,
) -> Result<super::Need, AppError> {
    let actor = match who {
        Who::Volunteer(v) => volunteer_actor(v),
        _ => officer.clone(),
    };
    flow::act(db, &actor, &who, id, &a, None, at).await
}

/// A demo volunteer's steps are recorded under their name.
fn volunteer_actor(v: &volunteers::Volunteer) -> crate::audit::Actor {
    crate::audit::Actor {
        account_id: v.account_id,
        username: v.name.clone(),
        ip: "demo".into(),
    }
}
