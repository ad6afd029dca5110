//! Residents' needs (需求/工单): intake through a household's link or by staff (`intake`), the
//! dispatch queue and the state machine (`flow`), deadlines and escalation (`deadlines`), the
//! figures for reports (`figures`), and their pages.
//!
//! A need is personal data of its household: staff read needs within their registry scope; a
//! volunteer reads the open needs of the area they serve (without name or phone) and the needs
//! given to them or their team; a household link reads that household's own needs only.
//!
//! Every engine function that depends on the time takes `now` (milliseconds), so tests drive
//! the clock.

pub mod api;
pub mod deadlines;
pub mod demo;
pub mod figures;
pub mod flow;
pub mod household_watch;
pub mod intake;
pub mod notify;
pub mod pages;
pub mod retention;
pub mod tallies;

use serde::Serialize;

use crate::access::Reader;
use crate::args;
use crate::db::{Db, DbResult, FromRow, Row, Value};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
pub use crate::mobilization::{in_vocab, label, Vocab};

pub const CATEGORIES: Vocab = &[
    ("medicine", "medicine purchase", "代购药品"),
    ("gas", "gas cylinder", "燃气罐"),
    ("groceries", "groceries and daily supplies", "生活物资"),
    (
        "transport",
        "medical transport (incl. dialysis)",
        "就医转运（含透析）",
    ),
    ("emergency", "emergency medical", "紧急就医"),
    ("vaccine_transport", "transport to vaccination", "接种转运"),
    ("psych", "psychological support", "心理疏导"),
    ("errand", "errands and parcels", "跑腿代办"),
    ("other", "other", "其他"),
];

pub const URGENCIES: Vocab = &[
    ("1", "1 · life-threatening", "1 · 危及生命"),
    ("2", "2 · urgent", "2 · 紧急"),
    ("3", "3 · within the day", "3 · 当日需要"),
    ("4", "4 · no danger", "4 · 无危险"),
];

pub const STATUSES: Vocab = &[
    ("new", "waiting", "待处理"),
    ("assigned", "assigned", "已派单"),
    ("claimed", "claimed", "已认领"),
    ("in_progress", "in progress", "处理中"),
    ("done", "done", "已完成"),
    ("cancelled", "cancelled", "已取消"),
];

pub const SOURCES: Vocab = &[
    ("resident", "resident (household link)", "居民（户码）"),
    ("grid", "grid worker", "网格员"),
    ("hotline", "hotline", "热线"),
    ("volunteer", "volunteer", "志愿者"),
    ("visit", "care visit", "走访"),
];

pub const ITEM_KINDS: Vocab = &[
    ("medicine", "medicine", "药品"),
    ("gas", "gas cylinder", "燃气罐"),
    ("food", "food parcel", "食品包"),
    ("supplies", "daily supplies", "生活用品"),
    ("other", "other", "其他"),
];

/// Escalation levels: who a late need is shown to.
pub const LEVELS: Vocab = &[
    ("0", "not escalated", "未升级"),
    ("1", "community officers", "社区"),
    ("2", "street officers", "街道"),
    ("3", "headquarters", "指挥部"),
];

/// The statuses of a need that is still open (in the queue or being worked on).
pub const OPEN: [&str; 4] = ["new", "assigned", "claimed", "in_progress"];

pub fn is_open_status(s: &str) -> bool {
    OPEN.contains(&s)
}

/// Officers who dispatch, cancel and reopen needs.
pub fn can_dispatch(r: &Reader) -> bool {
    matches!(r.role.as_str(), "admin" | "hq" | "street" | "community")
}

/// Staff who register needs (officers, the hotline, grid workers) and read the queue.
pub fn can_intake(r: &Reader) -> bool {
    matches!(
        r.role.as_str(),
        "admin" | "hq" | "street" | "community" | "grid"
    )
}

/// Who reads the queue and the figures of their scope.
pub fn can_read(r: &Reader) -> bool {
    r.can_read_registry()
}

pub fn require_read(r: &Reader) -> AppResult<()> {
    if can_read(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "the needs queue is for officers, grid workers and branch secretaries; volunteers see their tasks under “My tasks”",
            "需求队列供干部、网格员和支部书记使用；志愿者请在“我的任务”中查看",
        )))
    }
}

pub fn require_intake(r: &Reader) -> AppResult<()> {
    if can_intake(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "needs are registered by officers, the hotline and grid workers",
            "需求由干部、热线和网格员登记",
        )))
    }
}

pub fn require_dispatch(r: &Reader) -> AppResult<()> {
    if can_dispatch(r) {
        Ok(())
    } else {
        Err(AppError::Forbidden(Msg::new(
            "only street and community officers (and HQ) dispatch, cancel and reopen needs",
            "只有街道、社区干部（及指挥部）可以派单、取消和重新打开需求",
        )))
    }
}

/// The escalation level a reader's role answers for: late needs at this level or above show
/// on their pages.
pub fn level_of_role(role: &str) -> Option<i64> {
    match role {
        "community" | "grid" | "branch" => Some(1),
        "street" => Some(2),
        "hq" | "admin" => Some(3),
        _ => None,
    }
}

/// The area a page or an API call is about: `code`, or when empty the reader's first scope
/// root; outside the scope it is not found.
pub async fn area_in_scope(
    db: &Db,
    r: &Reader,
    code: &str,
) -> AppResult<crate::registry::areas::Area> {
    use crate::registry::areas;
    let scope = r.registry_scope();
    let a = match code.trim() {
        "" => match scope.roots.first() {
            Some(p) => areas::by_path(db, p).await?,
            None => None,
        },
        c => areas::by_code(db, c).await?,
    };
    a.filter(|a| scope.contains(&a.path))
        .ok_or(AppError::NotFound)
}

/// Whom a need can be given to: the teams and approved volunteers of its community.
pub struct Choices {
    pub teams: Vec<crate::mobilization::branches::Team>,
    pub volunteers: Vec<crate::mobilization::volunteers::Approved>,
}

/// The teams (of the reader's scope) and the approved volunteers of a need's community.
pub async fn dispatch_choices(db: &Db, r: &Reader, n: &Need) -> AppResult<Choices> {
    let community = n.path.get(..12).unwrap_or(&n.path);
    let teams = crate::mobilization::branches::teams(db, r)
        .await?
        .into_iter()
        .filter(|t| t.path.starts_with(community) || community.starts_with(t.path.as_str()))
        .collect();
    let volunteers = crate::mobilization::volunteers::approved_under(db, community, 500).await?;
    Ok(Choices { teams, volunteers })
}

/// A need as its handlers see it.
#[derive(Debug, Clone, Serialize)]
pub struct Need {
    pub id: i64,
    pub household_id: i64,
    pub resident_id: Option<i64>,
    pub for_name: String,
    pub path: String,
    pub community_id: i64,
    pub category: String,
    pub urgency: i64,
    pub description: String,
    #[serde(skip)]
    pub phone: Option<String>,
    pub source: String,
    pub duplicate_of: Option<i64>,
    pub status: String,
    pub team_id: Option<i64>,
    pub volunteer_id: Option<i64>,
    pub version: i64,
    pub escalation: i64,
    pub created_by: String,
    pub created_ms: i64,
    /// Deadlines run from here: the creation, or the last reopening.
    pub since_ms: i64,
    pub first_contact_ms: Option<i64>,
    pub done_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub rating: Option<i64>,
    pub feedback: Option<String>,
    pub confirmed_ms: Option<i64>,
    /// The household's address ("" once the household is removed).
    pub address: String,
    pub team: Option<String>,
    pub volunteer: Option<String>,
    /// The vulnerable tags of the household's members, or-ed (filled by [`with_tags`]).
    pub tags: i64,
    /// The zone in force over the household now (filled by [`with_tags`]).
    pub zone: Option<crate::zones::ZoneInForce>,
    /// Someone in the household is under a quarantine order now (filled by [`with_tags`]).
    pub quarantined: bool,
}

impl Need {
    pub fn is_open(&self) -> bool {
        is_open_status(&self.status)
    }

    pub fn masked_phone(&self) -> String {
        self.phone
            .as_deref()
            .map(crate::registry::validate::mask_phone)
            .unwrap_or_default()
    }

    pub fn category_label(&self, l: Lang) -> String {
        label(CATEGORIES, &self.category, l)
    }

    pub fn status_label(&self, l: Lang) -> String {
        label(STATUSES, &self.status, l)
    }

    pub fn urgency_label(&self, l: Lang) -> String {
        label(URGENCIES, &self.urgency.to_string(), l)
    }
}

pub const COLS: &str = "n.id, n.household_id, n.resident_id, n.for_name, n.path, n.community_id, \
    n.category, n.urgency, n.description, n.phone, n.source, n.duplicate_of, n.status, n.team_id, \
    n.volunteer_id, n.version, n.escalation, n.created_by, n.created_ms, n.since_ms, n.first_contact_ms, \
    n.done_ms, n.closed_ms, n.rating, n.feedback, n.confirmed_ms, COALESCE(h.address, '') AS address, t.name AS team, v.name AS volunteer";

pub const FROM: &str = "needs n LEFT JOIN households h ON h.id = n.household_id \
    LEFT JOIN teams t ON t.id = n.team_id LEFT JOIN volunteers v ON v.id = n.volunteer_id";

impl FromRow for Need {
    fn from_row(r: &Row) -> DbResult<Need> {
        Ok(Need {
            id: r.get("id")?,
            household_id: r.get("household_id")?,
            resident_id: r.get("resident_id")?,
            for_name: r.get("for_name")?,
            path: r.get("path")?,
            community_id: r.get("community_id")?,
            category: r.get("category")?,
            urgency: r.get("urgency")?,
            description: r.get("description")?,
            phone: r.get("phone")?,
            source: r.get("source")?,
            duplicate_of: r.get("duplicate_of")?,
            status: r.get("status")?,
            team_id: r.get("team_id")?,
            volunteer_id: r.get("volunteer_id")?,
            version: r.get("version")?,
            escalation: r.get("escalation")?,
            created_by: r.get("created_by")?,
            created_ms: r.get("created_ms")?,
            since_ms: r.get("since_ms")?,
            first_contact_ms: r.get("first_contact_ms")?,
            done_ms: r.get("done_ms")?,
            closed_ms: r.get("closed_ms")?,
            rating: r.get("rating")?,
            feedback: r.get("feedback")?,
            confirmed_ms: r.get("confirmed_ms")?,
            address: r.get("address")?,
            team: r.get("team")?,
            volunteer: r.get("volunteer")?,
            // Filled by `with_tags`.
            tags: 0,
            zone: None,
            quarantined: false,
        })
    }
}

/// One need by id, without its household's tags: what the state machine reads.
pub async fn fetch(db: &Db, id: i64) -> AppResult<Need> {
    db.query_opt_as::<Need>(
        &format!("SELECT {COLS} FROM {FROM} WHERE n.id = $1"),
        args![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// One need by id with its household's vulnerable tags, whoever asks (callers check who may
/// see it): what the pages show.
pub async fn load(db: &Db, id: i64) -> AppResult<Need> {
    let mut v = vec![fetch(db, id).await?];
    with_tags(db, &mut v).await?;
    Ok(v.pop().expect("one"))
}

/// One need for a reader of the queue, within their scope (else not found).
pub async fn get(db: &Db, r: &Reader, id: i64) -> AppResult<Need> {
    require_read(r)?;
    let n = load(db, id).await?;
    if r.registry_scope().contains(&n.path) {
        Ok(n)
    } else {
        Err(AppError::NotFound)
    }
}

/// The vulnerable tags of each household's members, or-ed, by household (households without
/// any are left out).
pub async fn household_tags(
    db: &Db,
    households: &[i64],
) -> AppResult<std::collections::HashMap<i64, i64>> {
    let mut ids = households.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut tags = std::collections::HashMap::<i64, i64>::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT household_id, tags FROM residents WHERE tags <> 0 AND household_id IN ({})",
            crate::db::placeholders(1, chunk.len())
        );
        for row in db
            .query_as::<HouseholdTags>(&sql, chunk.iter().map(|i| Value::from(*i)).collect())
            .await?
        {
            *tags.entry(row.household_id).or_default() |= row.tags;
        }
    }
    Ok(tags)
}

struct HouseholdTags {
    household_id: i64,
    tags: i64,
}
crate::from_row!(HouseholdTags { household_id, tags });

/// Fill in the vulnerable tags of each need's household.
pub async fn with_tags(db: &Db, needs: &mut [Need]) -> AppResult<()> {
    let ids: Vec<i64> = needs.iter().map(|n| n.household_id).collect();
    let tags = household_tags(db, &ids).await?;
    let now = crate::db::now_ms();
    let zones = crate::zones::for_households(db, &ids, now).await?;
    let quarantined = crate::quarantine::households_under_order(db, &ids, now).await?;
    for n in needs {
        n.quarantined = quarantined.contains(&n.household_id);
        n.tags = tags.get(&n.household_id).copied().unwrap_or(0);
        n.zone = zones.get(&n.household_id).cloned();
    }
    Ok(())
}

/// The vulnerable tags as labels: "living-alone elderly, chronic illness".
pub fn tags_text(tags: i64, l: Lang) -> String {
    crate::registry::model::TAGS
        .iter()
        .enumerate()
        .filter(|(i, _)| tags & (1 << i) != 0)
        .map(|(_, t)| if l == Lang::Zh { t.zh } else { t.en })
        .collect::<Vec<_>>()
        .join(if l == Lang::Zh { "、" } else { ", " })
}

/// A step in a need's history.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor: String,
    pub note: String,
    pub at_ms: i64,
}

crate::from_row!(Step {
    kind,
    from_status,
    to_status,
    actor,
    note,
    at_ms
});

pub async fn history(db: &Db, id: i64) -> AppResult<Vec<Step>> {
    Ok(db
        .query_as::<Step>(
            "SELECT kind, from_status, to_status, actor, note, at_ms FROM need_events WHERE need_id = $1 ORDER BY id",
            args![id],
        )
        .await?)
}

/// An item delivered for a need.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub kind: String,
    pub description: String,
    pub quantity: i64,
    pub recorded_by: String,
    pub at_ms: i64,
}

crate::from_row!(Item {
    kind,
    description,
    quantity,
    recorded_by,
    at_ms
});

pub async fn items(db: &Db, id: i64) -> AppResult<Vec<Item>> {
    Ok(db
        .query_as::<Item>(
            "SELECT kind, description, quantity, recorded_by, at_ms FROM need_items WHERE need_id = $1 ORDER BY id",
            args![id],
        )
        .await?)
}
