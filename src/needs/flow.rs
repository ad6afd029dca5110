//! Dispatch: the queue, and the state machine of a need.
//!
//! ```text
//! new ──assign──▶ assigned ──start──▶ in_progress ──done──▶ done ──reopen──▶ new
//!  │   ──claim───▶ claimed  ──start──▶      │                 (resident confirms, rates)
//!  │                 │ unable (reason) ◀────┘ back to new
//!  └──── cancel (reason) from any open state ──▶ cancelled ──reopen──▶ new
//! ```
//!
//! Every change is one transaction: the update is conditional on the version read in it, so
//! two nodes changing one need at once cannot both win (the loser is told what happened, e.g.
//! "another volunteer claimed it first"), and its step (who, when, from, to, why) is written
//! with it.

use serde_json::json;

use super::{fetch, is_open_status, label, load, Need, ITEM_KINDS, STATUSES};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{path_end, Db, Tx, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::mobilization::volunteers::Volunteer;

/// Who acts on a need.
#[derive(Debug, Clone, Copy)]
pub enum Who<'a> {
    /// Staff with an account (their role and scope decide what they may do).
    Staff(&'a Reader),
    /// An approved volunteer.
    Volunteer(&'a Volunteer),
    /// The household itself, through its link.
    Household(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// To a team or to a volunteer (exactly one).
    Assign {
        team: Option<i64>,
        volunteer: Option<i64>,
    },
    Claim,
    /// First contact made: on the way, or on the phone with the resident.
    Start,
    Done,
    /// Cannot complete: back to the queue.
    Unable {
        reason: String,
    },
    Cancel {
        reason: String,
    },
    Reopen {
        reason: String,
    },
    /// The resident confirms a done need and rates it 1–5.
    Confirm {
        rating: i64,
        feedback: String,
    },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Assign { .. } => "assigned",
            Action::Claim => "claimed",
            Action::Start => "started",
            Action::Done => "done",
            Action::Unable { .. } => "unable",
            Action::Cancel { .. } => "cancelled",
            Action::Reopen { .. } => "reopened",
            Action::Confirm { .. } => "confirmed",
        }
    }

    /// The states the action starts from, and the state it leads to.
    pub fn transition(&self) -> (&'static [&'static str], &'static str) {
        match self {
            Action::Assign { .. } => (&["new", "assigned", "claimed"], "assigned"),
            Action::Claim => (&["new", "assigned"], "claimed"),
            Action::Start => (&["assigned", "claimed"], "in_progress"),
            Action::Done => (&["in_progress"], "done"),
            Action::Unable { .. } => (&["assigned", "claimed", "in_progress"], "new"),
            Action::Cancel { .. } => (&["new", "assigned", "claimed", "in_progress"], "cancelled"),
            Action::Reopen { .. } => (&["done", "cancelled"], "new"),
            Action::Confirm { .. } => (&["done"], "done"),
        }
    }
}

fn status_msg(s: &str) -> (String, String) {
    (
        label(STATUSES, s, crate::i18n::Lang::En),
        label(STATUSES, s, crate::i18n::Lang::Zh),
    )
}

fn refused(action: &Action, n: &Need, me: Option<i64>) -> AppError {
    let (en, zh) = status_msg(&n.status);
    if matches!(action, Action::Claim)
        && matches!(n.status.as_str(), "claimed" | "assigned" | "in_progress")
        && n.volunteer_id != me
    {
        return AppError::Conflict(Msg::new(
            "another volunteer claimed this need first; it is no longer in the queue",
            "其他志愿者已先认领此需求，它已不在队列中",
        ));
    }
    AppError::Conflict(Msg::new(
        format!("this cannot be done to a need that is {en}"),
        format!("需求当前状态为“{zh}”，不能进行此操作"),
    ))
}

fn not_yours() -> AppError {
    AppError::Forbidden(Msg::new(
        "this need is given to someone else",
        "此需求已分派给他人",
    ))
}

struct StatusCount {
    status: String,
    n: i64,
}
crate::from_row!(StatusCount { status, n });

/// The teams a volunteer belongs to.
pub async fn teams_of(db: &Db, volunteer: i64) -> AppResult<Vec<i64>> {
    Ok(db
        .column::<i64>(
            "SELECT team_id FROM team_members WHERE volunteer_id = $1",
            args![volunteer],
        )
        .await?)
}

/// Whether a need given to a team nobody of which has taken yet is open to this volunteer
/// (a member of the team).
async fn team_may_take(db: &Db, v: &Volunteer, n: &Need) -> AppResult<bool> {
    Ok(match n.team_id {
        Some(t) if n.volunteer_id.is_none() => teams_of(db, v.id).await?.contains(&t),
        _ => false,
    })
}

/// The need must be the volunteer's own: otherwise it is "given to someone else" in the area
/// they serve, and not found outside it.
fn require_holder(v: &Volunteer, n: &Need) -> AppResult<()> {
    if n.volunteer_id == Some(v.id) {
        Ok(())
    } else if n.path.starts_with(v.path.as_str()) {
        Err(not_yours())
    } else {
        Err(AppError::NotFound)
    }
}

fn need_reason(reason: &str, field: &'static str) -> Result<String, FieldError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 500 {
        Err(FieldError::new(
            field,
            "give the reason (up to 500 characters)",
            "请填写原因（不超过 500 个字符）",
        ))
    } else {
        Ok(r.to_owned())
    }
}

/// Check who may take the action on this need; a need they may not see is not found.
async fn allowed(db: &Db, who: &Who<'_>, n: &Need, action: &Action) -> AppResult<()> {
    match who {
        Who::Staff(r) => {
            if !r.registry_scope().contains(&n.path) {
                return Err(AppError::NotFound);
            }
            match action {
                Action::Confirm { .. } | Action::Claim => Err(AppError::Forbidden(Msg::new(
                    "volunteers claim needs and residents confirm them",
                    "需求由志愿者认领，由居民确认",
                ))),
                _ => super::require_dispatch(r),
            }
        }
        Who::Volunteer(v) => {
            let mine = n.volunteer_id == Some(v.id);
            let team = team_may_take(db, v, n).await?;
            let in_area = n.path.starts_with(v.path.as_str());
            if v.status != "approved" {
                return Err(AppError::Forbidden(Msg::new(
                    "only approved volunteers take needs",
                    "只有已通过审核的志愿者可以接单",
                )));
            }
            match action {
                // A need given to a team is taken by one of its members only.
                Action::Claim if team => Ok(()),
                Action::Claim if in_area && n.status == "assigned" && !mine => Err(not_yours()),
                Action::Claim if in_area => Ok(()),
                Action::Start | Action::Done | Action::Unable { .. } if mine || team => Ok(()),
                // Nobody holds it: the state is what stands in the way (claim it first).
                Action::Start | Action::Done | Action::Unable { .. }
                    if in_area && n.volunteer_id.is_none() && n.team_id.is_none() =>
                {
                    Err(refused(action, n, Some(v.id)))
                }
                Action::Start | Action::Done | Action::Unable { .. } if in_area => Err(not_yours()),
                Action::Claim | Action::Start | Action::Done | Action::Unable { .. } => {
                    Err(AppError::NotFound)
                }
                _ if in_area || mine => Err(AppError::Forbidden(Msg::new(
                    "officers assign, cancel and reopen needs",
                    "派单、取消和重新打开由干部操作",
                ))),
                _ => Err(AppError::NotFound),
            }
        }
        Who::Household(h) => {
            if n.household_id != *h {
                return Err(AppError::NotFound);
            }
            match action {
                Action::Confirm { .. } => Ok(()),
                // A resident may withdraw a request nobody has taken yet.
                Action::Cancel { .. } if n.status == "new" => Ok(()),
                Action::Cancel { .. } => Err(AppError::Conflict(Msg::new(
                    "a volunteer is already on it; call the community to cancel",
                    "志愿者已在处理，如需取消请联系社区",
                ))),
                _ => Err(AppError::Forbidden(Msg::new(
                    "the community handles this",
                    "此操作由社区处理",
                ))),
            }
        }
    }
}

/// The name steps are recorded under.
fn actor_name(actor: &Actor, who: &Who<'_>) -> String {
    match who {
        Who::Household(_) => "household link".to_owned(),
        _ => actor.username.clone(),
    }
}

/// Take an action on a need at `now`. `seen`: the version the actor saw (a form sends it), so
/// a change made meanwhile by someone else is not silently overwritten.
pub async fn act(
    db: &Db,
    actor: &Actor,
    who: &Who<'_>,
    id: i64,
    action: &Action,
    seen: Option<i64>,
    now: i64,
) -> AppResult<Need> {
    let n = fetch(db, id).await?;
    allowed(db, who, &n, action).await?;
    // Check the action's own fields before its state, so a form's errors come first.
    let mut errs = Vec::new();
    let mut note = String::new();
    match action {
        Action::Unable { reason } | Action::Cancel { reason } | Action::Reopen { reason } => {
            match need_reason(reason, "reason") {
                Ok(r) => note = r,
                Err(e) => errs.push(e),
            }
        }
        Action::Confirm { rating, feedback } => {
            if !(1..=5).contains(rating) {
                errs.push(FieldError::new(
                    "rating",
                    "choose 1 to 5 stars",
                    "请选择 1 至 5 星",
                ));
            }
            if feedback.trim().chars().count() > 500 {
                errs.push(FieldError::new(
                    "feedback",
                    "at most 500 characters",
                    "最多 500 个字符",
                ));
            }
            note = format!("{rating}");
        }
        _ => {}
    }
    let mut target: Option<(Option<i64>, Option<i64>)> = None;
    if let Action::Assign { team, volunteer } = action {
        let Who::Staff(r) = who else {
            return Err(AppError::NotFound);
        };
        match (team, volunteer) {
            (Some(t), None) => match crate::mobilization::branches::team(db, r, *t).await {
                Ok(team) => {
                    note = team.name.clone();
                    target = Some((Some(team.id), None));
                }
                Err(_) => errs.push(FieldError::new(
                    "team",
                    "choose a team in your scope",
                    "请选择您管辖范围内的队伍",
                )),
            },
            (None, Some(v)) => match crate::mobilization::volunteers::get(db, r, *v).await {
                Ok(v) if v.status == "approved" => {
                    note = v.name.clone();
                    target = Some((None, Some(v.id)));
                }
                _ => errs.push(FieldError::new(
                    "volunteer",
                    "choose an approved volunteer in your scope",
                    "请选择您管辖范围内已通过审核的志愿者",
                )),
            },
            _ => errs.push(FieldError::new(
                "volunteer",
                "choose a team or a volunteer (one of them)",
                "请选择一支队伍或一名志愿者（二选一）",
            )),
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let me = match who {
        Who::Volunteer(v) => Some(v.id),
        _ => None,
    };
    if let Some(seen) = seen {
        if seen != n.version && !matches!(action, Action::Claim) {
            let (en, zh) = status_msg(&n.status);
            return Err(AppError::Conflict(Msg::new(
                format!("this need changed since you opened it (it is now {en}); look at it again"),
                format!("您打开后此需求已有变化（当前为“{zh}”），请重新查看"),
            )));
        }
    }
    let (from, to) = action.transition();
    if !from.contains(&n.status.as_str()) {
        return Err(refused(action, &n, me));
    }
    // A claim of a need assigned to a team: only a member takes it (checked above), and only
    // while no one has.
    if matches!(action, Action::Claim)
        && n.status == "assigned"
        && (n.team_id.is_none() || n.volunteer_id.is_some())
    {
        return Err(refused(action, &n, me));
    }
    if matches!(action, Action::Confirm { .. }) && n.confirmed_ms.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "confirmed already, thank you",
            "已确认，谢谢",
        )));
    }
    let mut tx = db.begin().await?;
    let changed = update(&mut tx, &n, action, me, target, now).await?;
    if changed == 0 {
        drop(tx);
        // Someone else changed it between our read and our write: say what happened.
        let now_n = fetch(db, id).await?;
        return Err(refused(action, &now_n, me));
    }
    super::tallies::changed(&mut tx, n.id, Some(&super::tallies::State::from(&n))).await?;
    let by = actor_name(actor, who);
    let to_status = if matches!(action, Action::Confirm { .. }) {
        n.status.as_str()
    } else {
        to
    };
    tx.execute(
        "INSERT INTO need_events (need_id, kind, from_status, to_status, actor, note, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        args![id, action.kind(), n.status.as_str(), to_status, by.as_str(), note.as_str(), now],
    )
    .await?;
    if matches!(who, Who::Staff(_))
        && matches!(
            action,
            Action::Assign { .. } | Action::Cancel { .. } | Action::Reopen { .. }
        )
    {
        audit::record(
            &mut tx,
            actor,
            Event::new(
                match action {
                    Action::Assign { .. } => "need_assigned",
                    Action::Cancel { .. } => "need_cancelled",
                    _ => "need_reopened",
                },
                "need",
                id,
            )
            .area(&n.path)
            .detail(json!({"from": n.status, "to": to, "note": note})),
        )
        .await?;
    }
    if let (Action::Assign { .. }, Some((team, vol))) = (action, target) {
        super::notify::assigned(&mut tx, &n, team, vol, n.version + 1, now).await?;
    }
    tx.commit().await?;
    fetch(db, id).await
}

/// The conditional update of one action; 0 when the need changed since it was read.
async fn update(
    tx: &mut Tx,
    n: &Need,
    action: &Action,
    me: Option<i64>,
    target: Option<(Option<i64>, Option<i64>)>,
    now: i64,
) -> AppResult<u64> {
    let (_, to) = action.transition();
    let (set, mut params): (&str, Vec<Value>) = match action {
        Action::Assign { .. } => {
            let (team, vol) = target.expect("checked");
            (
                "status = $3, team_id = $4, volunteer_id = $5",
                vec![to.into(), team.into(), vol.into()],
            )
        }
        Action::Claim => (
            "status = $3, volunteer_id = $4",
            vec![to.into(), me.into()],
        ),
        Action::Start => (
            "status = $3, volunteer_id = COALESCE(volunteer_id, $4), first_contact_ms = COALESCE(first_contact_ms, $5)",
            vec![to.into(), me.into(), now.into()],
        ),
        Action::Done => (
            "status = $3, is_open = 0, done_ms = $4, closed_ms = $4",
            vec![to.into(), now.into()],
        ),
        Action::Unable { .. } => (
            "status = $3, team_id = NULL, volunteer_id = NULL",
            vec![to.into()],
        ),
        Action::Cancel { .. } => (
            "status = $3, is_open = 0, closed_ms = $4",
            vec![to.into(), now.into()],
        ),
        Action::Reopen { .. } => (
            "status = $3, is_open = 1, team_id = NULL, volunteer_id = NULL, done_ms = NULL, closed_ms = NULL, \
             since_ms = $4, escalation = 0, rating = NULL, feedback = NULL, confirmed_ms = NULL",
            vec![to.into(), now.into()],
        ),
        Action::Confirm { rating, feedback } => (
            "rating = $3, feedback = $4, confirmed_ms = $5",
            vec![
                (*rating).into(),
                Value::from((!feedback.trim().is_empty()).then(|| feedback.trim().to_owned())),
                now.into(),
            ],
        ),
    };
    let mut all = vec![Value::from(n.id), Value::from(n.version)];
    all.append(&mut params);
    Ok(tx
        .execute(
            &format!(
                "UPDATE needs SET {set}, version = version + 1 WHERE id = $1 AND version = $2"
            ),
            all,
        )
        .await?)
}

/// Reveal the phone number to call to the volunteer the need is given to (and record that
/// they did). Anyone else is refused.
pub async fn reveal_phone(
    db: &Db,
    actor: &Actor,
    v: &Volunteer,
    id: i64,
    now: i64,
) -> AppResult<String> {
    let n = fetch(db, id).await?;
    require_holder(v, &n)?;
    dial(
        db,
        actor,
        &n,
        Event::new("need_phone_reveal", "need", id),
        now,
    )
    .await
}

/// The number of an open need, with a `call` step in its history and `event` in the audit log,
/// both recorded before the number is returned.
async fn dial(db: &Db, actor: &Actor, n: &Need, event: Event, now: i64) -> AppResult<String> {
    if !n.is_open() {
        return Err(AppError::Conflict(Msg::new(
            "this need is closed; its phone number is no longer shown",
            "此需求已关闭，不再显示电话号码",
        )));
    }
    let phone = n.phone.clone().ok_or(AppError::Conflict(Msg::new(
        "no phone number was given; go to the address",
        "未留电话，请上门",
    )))?;
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO need_events (need_id, kind, from_status, to_status, actor, note, at_ms) VALUES ($1, 'call', $2, $2, $3, '', $4)",
        args![n.id, n.status.as_str(), actor.username.as_str(), now],
    )
    .await?;
    audit::record(&mut tx, actor, event.area(&n.path)).await?;
    tx.commit().await?;
    Ok(phone)
}

/// Tap to call for staff: reveal the number a need is to be called back on to a reader who may
/// call residents (no reason asked, as the registry's call), within their scope and while the
/// need is open. Audited as `phone_call` and noted in the need's history before the number is
/// returned.
pub async fn call_phone(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    now: i64,
) -> AppResult<String> {
    let n = fetch(db, id).await?;
    if !super::can_read(r) || !r.registry_scope().contains(&n.path) {
        return Err(AppError::NotFound);
    }
    if !r.can_call() {
        return Err(AppError::Forbidden(Msg::new(
            "your role may not call residents",
            "您的角色无权拨打居民电话",
        )));
    }
    dial(
        db,
        actor,
        &n,
        Event::new("phone_call", "need", id).detail(json!({"fields": ["phone"]})),
        now,
    )
    .await
}

/// Record an item delivered for a need: by the volunteer it is given to (once started), or by
/// an officer.
#[allow(clippy::too_many_arguments)]
pub async fn add_item(
    db: &Db,
    actor: &Actor,
    who: &Who<'_>,
    id: i64,
    kind: &str,
    description: &str,
    quantity: &str,
    now: i64,
) -> AppResult<()> {
    let n = fetch(db, id).await?;
    match who {
        Who::Staff(r) => {
            if !r.registry_scope().contains(&n.path) {
                return Err(AppError::NotFound);
            }
            super::require_dispatch(r)?;
        }
        Who::Volunteer(v) => require_holder(v, &n)?,
        Who::Household(_) => return Err(AppError::NotFound),
    }
    let mut errs = Vec::new();
    if !super::in_vocab(ITEM_KINDS, kind) {
        errs.push(FieldError::new(
            "kind",
            "choose what was delivered",
            "请选择物品类别",
        ));
    }
    let description = description.trim();
    if description.chars().count() > 200 {
        errs.push(FieldError::new(
            "description",
            "at most 200 characters",
            "最多 200 个字符",
        ));
    }
    let qty = quantity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|q| (1..=1000).contains(q));
    if qty.is_none() {
        errs.push(FieldError::new(
            "quantity",
            "a whole number from 1 to 1,000",
            "1 至 1000 的整数",
        ));
    }
    if !matches!(n.status.as_str(), "in_progress" | "done") {
        errs.push(FieldError::new(
            "kind",
            "items are recorded once the need is being worked on",
            "需求处理中或完成后才能登记物品",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    let note = format!("{kind} × {}", qty.unwrap_or(0));
    add_item_in(
        &mut tx,
        &n,
        kind,
        description,
        qty.unwrap_or(0),
        &actor.username,
        &note,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Write an item delivered for a need (its row and its event) in the caller's transaction:
/// for another capability recording the delivery together with its own rows (supplies posts
/// the ledger movement in the same transaction). The caller has checked who may do it; the
/// need must be in progress or done and `kind` one of [`ITEM_KINDS`].
#[allow(clippy::too_many_arguments)]
pub async fn add_item_in(
    tx: &mut crate::db::Tx,
    n: &Need,
    kind: &str,
    description: &str,
    quantity: i64,
    actor: &str,
    note: &str,
    now: i64,
) -> AppResult<()> {
    if !super::in_vocab(ITEM_KINDS, kind) || quantity < 1 {
        return Err(AppError::Invalid(vec![FieldError::new(
            "kind",
            "choose what was delivered",
            "请选择物品类别",
        )]));
    }
    if !matches!(n.status.as_str(), "in_progress" | "done") {
        return Err(AppError::Conflict(Msg::new(
            "items are recorded once the need is being worked on",
            "需求处理中或完成后才能登记物品",
        )));
    }
    let description: String = description.trim().chars().take(200).collect();
    tx.execute(
        "INSERT INTO need_items (need_id, kind, description, quantity, recorded_by, at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        args![n.id, kind, description.as_str(), quantity, actor, now],
    )
    .await?;
    let mut d = super::tallies::Delta::default();
    d.item(&n.path, kind, quantity, now);
    d.write(tx).await?;
    tx.execute(
        "INSERT INTO need_events (need_id, kind, from_status, to_status, actor, note, at_ms) VALUES ($1, 'item', $2, $2, $3, $4, $5)",
        args![n.id, n.status.as_str(), actor, note, now],
    )
    .await?;
    Ok(())
}

/// The queue of an area: open needs, most urgent and oldest first.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<String>,
    pub category: Option<String>,
    pub urgency: Option<i64>,
    /// Only needs escalated to at least this level.
    pub escalated: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// The condition for the open needs at or under `path` (columns of `needs` aliased `n`), with
/// its parameters from `$1`: a path range, and at or below a community its id too, the first
/// column of the queue's index (community, open, urgency, age).
fn open_under(path: &str) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = vec![path.into(), path_end(path).into()];
    let mut cond = "n.path >= $1 AND n.path < $2 AND n.is_open = 1".to_owned();
    let community = crate::registry::areas::community_id(path);
    if community != 0 {
        params.push(community.into());
        cond.push_str(" AND n.community_id = $3");
    }
    (cond, params)
}

/// Open needs under `path` for a reader in scope. A path at or below a community is one
/// range of the queue index (community, open, urgency, age).
pub async fn queue(
    db: &Db,
    r: &Reader,
    path: &str,
    f: &QueueFilter,
) -> AppResult<(Vec<Need>, i64)> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let (mut cond, mut params) = open_under(path);
    if let Some(s) = f.status.as_deref().filter(|s| is_open_status(s)) {
        params.push(s.into());
        cond.push_str(&format!(" AND n.status = ${}", params.len()));
    }
    if let Some(c) = &f.category {
        params.push(c.as_str().into());
        cond.push_str(&format!(" AND n.category = ${}", params.len()));
    }
    if let Some(u) = f.urgency {
        params.push(u.into());
        cond.push_str(&format!(" AND n.urgency = ${}", params.len()));
    }
    if let Some(l) = f.escalated {
        params.push(l.into());
        cond.push_str(&format!(" AND n.escalation >= ${}", params.len()));
    }
    let total = db
        .scalar::<i64>(
            &format!("SELECT COUNT(*) AS n FROM needs n WHERE {cond}"),
            params.clone(),
        )
        .await?;
    // Within the same urgency, the households in a sealed zone first: nobody there may go out…
    let (sealed, sp) = crate::zones::sealed_sql(
        db,
        path,
        crate::db::now_ms(),
        "n.path",
        "n.household_id",
        params.len() + 1,
    )
    .await?;
    params.extend(sp);
    // … and so are households with someone under quarantine (issue 15).
    params.push(crate::quarantine::day_of(crate::db::now_ms()).into());
    let quarantined = crate::quarantine::under_order_sql("n.household_id", params.len());
    params.push(f.limit.clamp(1, 500).into());
    params.push(f.offset.max(0).into());
    let sql = format!(
        "SELECT {} FROM {} WHERE {cond} ORDER BY n.urgency, CASE WHEN {sealed} OR {quarantined} THEN 0 ELSE 1 END, \
         n.created_ms, n.id LIMIT ${} OFFSET ${}",
        super::COLS,
        super::FROM,
        params.len() - 1,
        params.len()
    );
    let mut v: Vec<Need> = db.query_as::<Need>(&sql, params).await?;
    super::with_tags(db, &mut v).await?;
    Ok((v, total))
}

/// Open needs per status under `path` (for the queue's tabs).
pub async fn open_counts(db: &Db, r: &Reader, path: &str) -> AppResult<Vec<(String, i64)>> {
    super::require_read(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let (cond, params) = open_under(path);
    Ok(db
        .query_as::<StatusCount>(
            &format!("SELECT n.status AS status, COUNT(*) AS n FROM needs n WHERE {cond} GROUP BY n.status"),
            params,
        )
        .await?
        .into_iter()
        .map(|c| (c.status, c.n))
        .collect())
}

/// What a volunteer sees: needs given to them or to their teams (open), and the open queue of
/// the area they serve that nobody has taken yet.
pub struct Tasks {
    pub mine: Vec<Need>,
    pub queue: Vec<Need>,
    pub done: Vec<Need>,
}

pub async fn tasks(db: &Db, v: &Volunteer, limit: i64) -> AppResult<Tasks> {
    let teams = teams_of(db, v.id).await?;
    let mut sql = format!(
        "SELECT {} FROM {} WHERE n.is_open = 1 AND (n.volunteer_id = $1",
        super::COLS,
        super::FROM
    );
    let mut params = vec![Value::from(v.id)];
    if !teams.is_empty() {
        sql.push_str(&format!(
            " OR (n.volunteer_id IS NULL AND n.team_id IN ({}))",
            crate::db::placeholders(2, teams.len())
        ));
        params.extend(teams.iter().map(|t| Value::from(*t)));
    }
    sql.push_str(") ORDER BY n.urgency, n.created_ms");
    let mut mine: Vec<Need> = db.query_as::<Need>(&sql, params).await?;
    let (mut cond, mut params) = open_under(&v.path);
    cond.push_str(" AND n.status = 'new'");
    params.push(limit.into());
    let mut queue: Vec<Need> = db
        .query_as::<Need>(
            &format!(
                "SELECT {} FROM {} WHERE {cond} ORDER BY n.urgency, n.created_ms, n.id LIMIT ${}",
                super::COLS,
                super::FROM,
                params.len()
            ),
            params,
        )
        .await?;
    let done = db
        .query_as::<Need>(
            &format!(
                "SELECT {} FROM {} WHERE n.volunteer_id = $1 AND n.status = 'done' ORDER BY n.done_ms DESC LIMIT 20",
                super::COLS,
                super::FROM
            ),
            args![v.id],
        )
        .await?;
    super::with_tags(db, &mut mine).await?;
    super::with_tags(db, &mut queue).await?;
    Ok(Tasks { mine, queue, done })
}

/// A need as a volunteer may see it: given to them or their team, or waiting in their area.
pub async fn for_volunteer(db: &Db, v: &Volunteer, id: i64) -> AppResult<Need> {
    let n = load(db, id).await?;
    let waiting = n.status == "new" && n.path.starts_with(v.path.as_str());
    if n.volunteer_id == Some(v.id) || waiting || team_may_take(db, v, &n).await? {
        Ok(n)
    } else {
        Err(AppError::NotFound)
    }
}
