//! Intake: a household's personal link (户码) and the registering of needs, by the resident
//! through that link or by staff (grid workers, the hotline, officers).
//!
//! Creation is idempotent by the client's id (a form sent twice over a weak network makes one
//! need), and a second open need of the same household and category is flagged as a possible
//! duplicate, not refused: the resident may really need two cylinders.

use serde::Serialize;
use serde_json::json;

use super::{in_vocab, CATEGORIES, SOURCES};
use crate::access::{self, Reader};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::validate;

/// Requests (saved or refused, and look-ups of unknown links) one client may send in
/// [`RATE_WINDOW_MS`].
pub const RATE_ATTEMPTS: i64 = 20;
/// Needs one household may register through its link in [`RATE_WINDOW_MS`].
pub const RATE_PER_HOUSEHOLD: i64 = 5;
pub const RATE_WINDOW_MS: i64 = 10 * 60_000;

#[derive(Debug, Clone, Default)]
pub struct NewNeed {
    /// The member it is for, when chosen from the household (staff forms).
    pub resident: Option<i64>,
    /// Who it is for, as typed ("" = the household).
    pub for_name: String,
    pub category: String,
    pub urgency: String,
    pub description: String,
    /// The number to call back ("" = the member's or the head's registered phone).
    pub phone: String,
    /// grid, hotline, volunteer or visit (staff); the link sets `resident`.
    pub source: String,
    /// The client's id for this request: the same id again returns the same need.
    pub client_id: String,
    /// The care visit that found the need (staff forms opened from a visit): recorded in the
    /// need's history.
    pub visit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub id: i64,
    /// An open need of the same household and category registered before.
    pub duplicate_of: Option<i64>,
    /// The client id had been seen: nothing new was made.
    pub replayed: bool,
}

/// The household a link or a form is about.
#[derive(Debug, Clone, Serialize)]
pub struct Household {
    pub id: i64,
    pub path: String,
    pub community_id: i64,
    pub address: String,
}

crate::from_row!(Household {
    id,
    path,
    community_id,
    address
});

async fn household(db: &Db, id: i64) -> AppResult<Option<Household>> {
    Ok(db
        .query_opt_as::<Household>(
            "SELECT id, path, community_id, address FROM households WHERE id = $1",
            args![id],
        )
        .await?)
}

/// The household a link opens, or none (unknown token, or the household was merged or
/// removed: the link row goes with it).
pub async fn link_household(db: &Db, token: &str) -> AppResult<Option<Household>> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let Some(id) = db
        .scalar_opt::<i64>(
            "SELECT household_id FROM household_links WHERE token = $1",
            args![token],
        )
        .await?
    else {
        return Ok(None);
    };
    household(db, id).await
}

/// The link token of a household in the reader's scope, made on first use.
pub async fn link_token(db: &Db, r: &Reader, household_id: i64) -> AppResult<String> {
    let hh = staff_household(db, r, household_id).await?;
    if let Some(token) = db
        .scalar_opt::<String>(
            "SELECT token FROM household_links WHERE household_id = $1",
            args![hh.id],
        )
        .await?
    {
        return Ok(token);
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO household_links (household_id, token, created_ms) VALUES ($1, $2, $3) ON CONFLICT (household_id) DO NOTHING",
        args![hh.id, access::random_hex(16), crate::db::now_ms()],
    )
    .await?;
    let t = tx
        .scalar::<String>(
            "SELECT token FROM household_links WHERE household_id = $1",
            args![hh.id],
        )
        .await?;
    tx.commit().await?;
    Ok(t)
}

/// Issue a new link for a household (the old plate stops working), audited.
pub async fn renew_link(db: &Db, actor: &Actor, r: &Reader, household_id: i64) -> AppResult<()> {
    super::require_dispatch(r)?;
    let hh = staff_household(db, r, household_id).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM household_links WHERE household_id = $1",
        args![hh.id],
    )
    .await?;
    tx.execute(
        "INSERT INTO household_links (household_id, token, created_ms) VALUES ($1, $2, $3)",
        args![hh.id, access::random_hex(16), crate::db::now_ms()],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("household_link_renewed", "household", hh.id).area(&hh.path),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A household in the reader's scope (readers of the queue only).
async fn staff_household(db: &Db, r: &Reader, id: i64) -> AppResult<Household> {
    super::require_read(r)?;
    household(db, id)
        .await?
        .filter(|h| r.registry_scope().contains(&h.path))
        .ok_or(AppError::NotFound)
}

pub fn too_many() -> AppError {
    AppError::TooMany(Msg::new(
        "too many requests from here in a short time; please wait ten minutes, or call the community's hotline",
        "短时间内请求过多，请十分钟后再试，或拨打社区热线",
    ))
}

/// Count a request through a household link (or a look-up of an unknown one) from `client`
/// (kept as a salted hash only); refuse with 429 past the limit. Committed before any other
/// check, so refused requests count too.
pub async fn guard(db: &Db, client: &str, now: i64) -> AppResult<()> {
    let (_, n) =
        access::count_attempt(db, "need_link_attempts", client, now, RATE_WINDOW_MS).await?;
    if n > RATE_ATTEMPTS {
        Err(too_many())
    } else {
        Ok(())
    }
}

/// Register a need through a household's link. The caller has passed [`guard`].
pub async fn create_by_link(db: &Db, hh: &Household, f: &NewNeed, now: i64) -> AppResult<Created> {
    let recent = db
        .scalar::<i64>(
            "SELECT COUNT(*) AS n FROM needs WHERE household_id = $1 AND source = 'resident' AND created_ms > $2",
            args![hh.id, now - RATE_WINDOW_MS],
        )
        .await?;
    if recent >= RATE_PER_HOUSEHOLD && !replay_of(db, hh.id, &f.client_id).await? {
        return Err(too_many());
    }
    let f = NewNeed {
        resident: None,
        visit: None,
        source: "resident".into(),
        ..f.clone()
    };
    insert(db, None, hh, &f, "household link", now).await
}

async fn replay_of(db: &Db, household: i64, client_id: &str) -> AppResult<bool> {
    Ok(!client_id.trim().is_empty()
        && db
            .query_opt(
                "SELECT id FROM needs WHERE client_id = $1 AND household_id = $2",
                args![client_id.trim(), household],
            )
            .await?
            .is_some())
}

/// Register a need by staff for a household in their scope.
pub async fn create(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    household_id: i64,
    f: &NewNeed,
    now: i64,
) -> AppResult<Created> {
    super::require_intake(r)?;
    let hh = staff_household(db, r, household_id).await?;
    if let Some(v) = f.visit {
        // Only a visit to a member of this household, within the reader's scope.
        let (_, visited) = visit_household(db, r, v).await?;
        if visited != hh.id {
            return Err(AppError::NotFound);
        }
        let f = NewNeed {
            source: "visit".into(),
            ..f.clone()
        };
        return insert(db, Some(actor), &hh, &f, &actor.username, now).await;
    }
    insert(db, Some(actor), &hh, f, &actor.username, now).await
}

/// The needs already registered from a care visit (oldest first).
pub async fn needs_from_visit(db: &Db, visit: i64) -> AppResult<Vec<i64>> {
    Ok(db
        .column::<i64>(
            "SELECT need_id FROM need_events WHERE kind = 'visit' AND note = $1 ORDER BY need_id",
            args![visit.to_string()],
        )
        .await?)
}

/// A care visit in the reader's scope (read through the mobilization engine) and the
/// household of the resident visited.
pub async fn visit_household(
    db: &Db,
    r: &Reader,
    visit: i64,
) -> AppResult<(crate::mobilization::visits::Visit, i64)> {
    super::require_intake(r)?;
    let v = crate::mobilization::visits::one(db, r, visit).await?;
    let who = crate::registry::residents::resident(db, &r.registry_scope(), v.resident).await?;
    Ok((v, who.household_id))
}

/// The checked fields of a new need.
struct Checked {
    category: String,
    urgency: i64,
    description: String,
    for_name: String,
    resident: Option<i64>,
    phone: Option<String>,
    source: String,
    client_id: Option<String>,
}

/// A member of the household, as the need form matches them.
struct Member {
    id: i64,
    name: String,
    phone: Option<String>,
}
crate::from_row!(Member { id, name, phone });

async fn check(db: &Db, hh: &Household, f: &NewNeed) -> AppResult<Checked> {
    let mut errs = Vec::new();
    if !in_vocab(CATEGORIES, &f.category) {
        errs.push(FieldError::new(
            "category",
            "choose what is needed",
            "请选择需求类别",
        ));
    }
    let urgency = f
        .urgency
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|u| (1..=4).contains(u));
    if urgency.is_none() {
        errs.push(FieldError::new(
            "urgency",
            "choose how urgent it is (1 life-threatening … 4 no danger)",
            "请选择紧急程度（1 危及生命 … 4 无危险）",
        ));
    }
    let description = f.description.trim();
    if description.is_empty() || description.chars().count() > 1000 {
        errs.push(FieldError::new(
            "description",
            "describe what is needed (up to 1,000 characters)",
            "请描述具体需求（不超过 1000 个字符）",
        ));
    }
    let for_name = f.for_name.trim();
    if for_name.chars().count() > 100 {
        errs.push(FieldError::new(
            "for_name",
            "at most 100 characters",
            "最多 100 个字符",
        ));
    }
    if f.source != "resident" && !in_vocab(SOURCES, &f.source) {
        errs.push(FieldError::new(
            "source",
            "choose how the need reached you",
            "请选择需求来源",
        ));
    }
    let client_id = f.client_id.trim();
    if client_id.len() > 64
        || !client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        errs.push(FieldError::new(
            "client_id",
            "the form's id is damaged; reload the page",
            "表单编号已损坏，请刷新页面",
        ));
    }
    let mut phone = None;
    if !f.phone.trim().is_empty() {
        match validate::parse_phone(&f.phone) {
            Ok(p) => phone = Some(p),
            Err(e) => errs.push(e),
        }
    }
    // The member it is for: chosen (staff), or matched by the typed name.
    let members = db
        .query_as::<Member>(
            "SELECT id, name, phone FROM residents WHERE household_id = $1 ORDER BY id",
            args![hh.id],
        )
        .await?;
    let mut resident = None;
    if let Some(id) = f.resident {
        match members.iter().find(|m| m.id == id) {
            Some(m) => resident = Some((m.id, m.name.clone(), m.phone.clone())),
            None => errs.push(FieldError::new(
                "resident",
                "choose a member of this household",
                "请选择本户成员",
            )),
        }
    } else if !for_name.is_empty() {
        resident = members
            .iter()
            .find(|m| m.name == for_name)
            .map(|m| (m.id, m.name.clone(), m.phone.clone()));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if phone.is_none() {
        phone = match &resident {
            Some((_, _, Some(p))) => Some(p.clone()),
            _ => db
                .scalar_opt::<Option<String>>(
                    "SELECT r.phone FROM households h JOIN residents r ON r.id = h.head_id WHERE h.id = $1",
                    args![hh.id],
                )
                .await?
                .flatten()
                .or_else(|| members.iter().find_map(|m| m.phone.clone())),
        };
    }
    Ok(Checked {
        category: f.category.clone(),
        urgency: urgency.expect("checked"),
        description: description.to_owned(),
        for_name: match &resident {
            Some((_, name, _)) if for_name.is_empty() => name.clone(),
            _ => for_name.to_owned(),
        },
        resident: resident.map(|r| r.0),
        phone,
        source: f.source.clone(),
        client_id: (!client_id.is_empty()).then(|| client_id.to_owned()),
    })
}

async fn insert(
    db: &Db,
    actor: Option<&Actor>,
    hh: &Household,
    f: &NewNeed,
    by: &str,
    now: i64,
) -> AppResult<Created> {
    let c = check(db, hh, f).await?;
    if let Some(existing) = by_client_id(db, hh, c.client_id.as_deref()).await? {
        return Ok(existing);
    }
    let mut tx = db.begin().await?;
    let duplicate_of = tx
        .scalar_opt::<i64>(
            "SELECT id FROM needs WHERE household_id = $1 AND category = $2 AND is_open = 1 ORDER BY id LIMIT 1",
            args![hh.id, c.category.as_str()],
        )
        .await?;
    let id = tx
        .scalar_opt::<i64>(
            "INSERT INTO needs (household_id, resident_id, for_name, path, community_id, category, urgency, description, phone, source, client_id, duplicate_of, status, is_open, created_by, created_ms, since_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'new', 1, $13, $14, $14) \
             ON CONFLICT (client_id) DO NOTHING RETURNING id",
            vec![
                Value::from(hh.id),
                Value::from(c.resident),
                Value::from(c.for_name.as_str()),
                Value::from(hh.path.as_str()),
                Value::from(hh.community_id),
                Value::from(c.category.as_str()),
                Value::from(c.urgency),
                Value::from(c.description.as_str()),
                Value::from(c.phone.as_deref()),
                Value::from(c.source.as_str()),
                Value::from(c.client_id.as_deref()),
                Value::from(duplicate_of),
                Value::from(by),
                Value::from(now),
            ],
        )
        .await?;
    let Some(id) = id else {
        // The same client id won a race on another connection: answer with that need.
        drop(tx);
        return by_client_id(db, hh, c.client_id.as_deref())
            .await?
            .ok_or(AppError::Internal("a need's client id vanished".into()));
    };
    super::tallies::changed(&mut tx, id, None).await?;
    tx.execute(
        "INSERT INTO need_events (need_id, kind, from_status, to_status, actor, note, at_ms) VALUES ($1, 'created', NULL, 'new', $2, $3, $4)",
        args![id, by, c.source.as_str(), now],
    )
    .await?;
    if let Some(v) = f.visit {
        tx.execute(
            "INSERT INTO need_events (need_id, kind, from_status, to_status, actor, note, at_ms) VALUES ($1, 'visit', 'new', 'new', $2, $3, $4)",
            args![id, by, v.to_string(), now],
        )
        .await?;
    }
    if let Some(actor) = actor {
        audit::record(
            &mut tx,
            actor,
            Event::new("need_created", "household", hh.id)
                .area(&hh.path)
                .detail(json!({"need": id, "category": c.category, "urgency": c.urgency, "visit": f.visit})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Created {
        id,
        duplicate_of,
        replayed: false,
    })
}

struct ByClient {
    id: i64,
    household_id: i64,
    duplicate_of: Option<i64>,
}
crate::from_row!(ByClient {
    id,
    household_id,
    duplicate_of
});

/// The need a client id made before, if any. The same id from another household is refused.
async fn by_client_id(
    db: &Db,
    hh: &Household,
    client_id: Option<&str>,
) -> AppResult<Option<Created>> {
    let Some(cid) = client_id else {
        return Ok(None);
    };
    let Some(row) = db
        .query_opt_as::<ByClient>(
            "SELECT id, household_id, duplicate_of FROM needs WHERE client_id = $1",
            args![cid],
        )
        .await?
    else {
        return Ok(None);
    };
    if row.household_id != hh.id {
        return Err(AppError::Conflict(Msg::new(
            "this form was already used for another household; reload the page",
            "此表单已用于其他住户，请刷新页面",
        )));
    }
    Ok(Some(Created {
        id: row.id,
        duplicate_of: row.duplicate_of,
        replayed: true,
    }))
}

/// A household's needs as its link shows them (newest first, the last 90 days).
pub async fn household_needs(db: &Db, household_id: i64, now: i64) -> AppResult<Vec<super::Need>> {
    let mut v: Vec<super::Need> = db
        .query_as::<super::Need>(
            &format!(
                "SELECT {} FROM {} WHERE n.household_id = $1 AND n.created_ms > $2 ORDER BY n.id DESC LIMIT 50",
                super::COLS,
                super::FROM
            ),
            args![household_id, now - 90 * crate::mobilization::rules::DAY_MS],
        )
        .await?;
    super::with_tags(db, &mut v).await?;
    Ok(v)
}

/// A member of a household as the household's own link shows them: the name masked, the
/// relation; never an ID number or a phone.
#[derive(Debug, Clone, Serialize)]
pub struct LinkMember {
    pub id: i64,
    pub name_masked: String,
    pub relation: String,
}

struct MemberName {
    id: i64,
    name: String,
    relation: String,
}
crate::from_row!(MemberName { id, name, relation });

/// The members of a link's household (head first), for their personal codes.
pub async fn link_members(db: &Db, hh: &Household) -> AppResult<Vec<LinkMember>> {
    let rows = db
        .query_as::<MemberName>(
            "SELECT id, name, relation FROM residents WHERE household_id = $1 \
             ORDER BY CASE WHEN relation = 'head' THEN 0 ELSE 1 END, id",
            args![hh.id],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| LinkMember {
            id: m.id,
            name_masked: crate::privacy::mask_name(&m.name),
            relation: m.relation,
        })
        .collect())
}
