//! Checkpoints (卡口/检查站) and the pass log (一扫二看三查四验): a mobilization place run as a
//! gate, a road checkpoint or a health station, its lanes and settings (`checkpoints`), who
//! may log there (the people on duty on its rostered shifts, and officers of its area), the
//! person look-up a checker's phone makes (masked name, age, sex, zone, test status), the
//! suggestion rules, the pass log's group-commit writer (`ingest`), visitors' self-registration
//! (`visitors`), the figures kept as tallies (`figures`), the JSON API (`api`), retention
//! (`retention`), demo data (`demo`) and the pages.
//!
//! The pass log is personal data gathered for one purpose: every read is scoped (a checker sees
//! only the log of the checkpoint they are on duty at, an officer the checkpoints of their area),
//! names, ID and phone numbers are masked, and the entries are deleted after the retention
//! period while the tallies stay.

pub mod api;
pub mod demo;
pub mod figures;
pub mod ingest;
pub mod pages;
pub mod referrals;
pub mod retention;
pub mod rules;
pub mod visitors;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::access::Reader;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Db, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};
use crate::mobilization::Vocab;
use crate::{args, from_row};

pub use rules::{suggest, temp_band, Checks};

pub const KINDS: Vocab = &[
    ("gate", "gate", "村口/小区门岗"),
    ("road", "road checkpoint", "道路卡口"),
    ("station", "health station", "健康检查站"),
];

pub const DIRECTIONS: Vocab = &[
    ("in", "in", "进"),
    ("out", "out", "出"),
    ("through", "passing through", "途经"),
];

pub const CODES: Vocab = &[
    ("green", "green", "绿码"),
    ("yellow", "yellow", "黄码"),
    ("red", "red", "红码"),
];

pub const DECISIONS: Vocab = &[
    ("pass", "let pass", "放行"),
    ("return", "persuade to return", "劝返"),
    ("quarantine", "refer to quarantine", "转隔离"),
    ("medical", "refer to medical care", "转医疗"),
];

pub const TEST_STATUSES: Vocab = &[
    ("negative", "negative within the validity", "有效期内阴性"),
    ("none", "no valid test", "无有效检测"),
    ("positive", "positive — refer", "阳性，请转送"),
    ("n/a", "not in the registry", "非登记人员"),
];

pub const BANDS: Vocab = &[
    ("normal", "normal", "正常"),
    ("low", "low fever", "低热"),
    ("mid", "fever", "发热"),
    ("high", "high fever", "高热"),
];

pub const VEHICLE_CLASSES: Vocab = &[
    ("car", "car", "小汽车"),
    ("van", "van", "面包车"),
    ("lorry", "lorry", "货车"),
    ("bus", "bus", "客车"),
    ("motorcycle", "motorcycle", "摩托车"),
    ("other", "other", "其他"),
];

pub const SEATS: Vocab = &[
    ("driver", "driver", "司机"),
    ("passenger", "passenger", "乘客"),
];

pub const ZONES: Vocab = &[
    ("sealed", "sealed zone", "封控区"),
    ("controlled", "controlled zone", "管控区"),
    ("precaution", "precaution zone", "防范区"),
];

pub const REASONS: Vocab = &[
    ("fever", "fever", "体温异常"),
    ("red_code", "red code", "红码"),
    ("positive", "positive test", "核酸阳性"),
    ("sealed", "lives in a sealed zone", "封控区人员"),
    (
        "controlled_out",
        "leaving a controlled zone",
        "管控区人员外出",
    ),
    ("no_test", "no valid negative test", "无有效阴性检测"),
    ("yellow_code", "yellow code", "黄码"),
    ("star", "itinerary card with a star", "行程卡带星"),
];

pub fn label(v: Vocab, code: &str, l: Lang) -> String {
    crate::mobilization::label(v, code, l)
}

/// Reasons as labels: "red code, fever".
pub fn reasons_text(codes: &str, l: Lang) -> String {
    codes
        .split_whitespace()
        .map(|c| label(REASONS, c, l))
        .collect::<Vec<_>>()
        .join(if l == Lang::Zh { "、" } else { ", " })
}

/// How far a checker's duty reaches around their assignment: an early start, a late hand-over,
/// an offline upload of the last hour.
pub const DUTY_SLACK_MS: i64 = 2 * 3600 * 1000;
/// How far back a checker reads their checkpoint's log.
pub const CHECKER_LOG_MS: i64 = 24 * 3600 * 1000;
pub const HOUR_MS: i64 = 3_600_000;

/// A place run as a checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    pub id: i64,
    pub name: String,
    pub area_id: i64,
    pub path: String,
    pub kind: String,
    pub validity_h: i64,
    pub require_test: bool,
    #[serde(skip)]
    pub visitor_token: String,
}
from_row!(Checkpoint {
    id,
    name,
    area_id,
    path,
    kind,
    validity_h,
    require_test,
    visitor_token
});

pub const CP_SELECT: &str =
    "SELECT p.id AS id, p.name AS name, p.area_id AS area_id, p.path AS path, \
     c.kind AS kind, c.validity_h AS validity_h, c.require_test AS require_test, \
     c.visitor_token AS visitor_token FROM checkpoints c JOIN places p ON p.id = c.place_id";

#[derive(Debug, Clone, Serialize)]
pub struct Lane {
    pub id: i64,
    pub name: String,
}
from_row!(Lane { id, name });

/// Officers who set checkpoints up and read every checkpoint of their area.
pub fn is_officer(r: &Reader) -> bool {
    r.can_read_registry()
}

/// Officers who set a place up as a checkpoint.
pub fn can_manage(r: &Reader) -> bool {
    crate::mobilization::can_manage(r)
}

/// A checkpoint by its place id, whatever the reader (internal).
pub async fn by_id(db: &Db, id: i64) -> AppResult<Option<Checkpoint>> {
    Ok(db
        .query_opt_as(&format!("{CP_SELECT} WHERE c.place_id = $1"), args![id])
        .await?)
}

/// The checkpoint of a visitor QR code.
pub async fn by_token(db: &Db, token: &str) -> AppResult<Option<Checkpoint>> {
    Ok(db
        .query_opt_as(
            &format!("{CP_SELECT} WHERE c.visitor_token = $1"),
            args![token.trim()],
        )
        .await?)
}

pub async fn lanes(db: &Db, place_id: i64) -> AppResult<Vec<Lane>> {
    Ok(db
        .query_as(
            "SELECT id, name FROM checkpoint_lanes WHERE place_id = $1 AND active = 1 ORDER BY id",
            args![place_id],
        )
        .await?)
}

/// One assignment of a checker at a checkpoint.
#[derive(Debug, Clone)]
pub struct Duty {
    pub shift_id: i64,
    pub starts_ms: i64,
    pub ends_ms: i64,
}
from_row!(Duty {
    shift_id,
    starts_ms,
    ends_ms
});

/// What a reader may do at a checkpoint.
#[derive(Debug, Clone)]
pub enum Access {
    /// An officer whose area holds the checkpoint: logs, reads the whole log and the figures.
    Officer,
    /// A volunteer on duty there: logs during their shifts, reads the last day of the log.
    Checker(Vec<Duty>),
}

impl Access {
    /// The shift an entry at `at` belongs to: the checker's assignment around it (0 for an
    /// officer, or none).
    pub fn shift_at(&self, at: i64) -> Option<i64> {
        match self {
            Access::Officer => Some(0),
            Access::Checker(d) => d
                .iter()
                .find(|d| d.starts_ms <= at && at < d.ends_ms)
                .or_else(|| {
                    d.iter().find(|d| {
                        d.starts_ms - DUTY_SLACK_MS <= at && at < d.ends_ms + DUTY_SLACK_MS
                    })
                })
                .map(|d| d.shift_id),
        }
    }
    pub fn is_officer(&self) -> bool {
        matches!(self, Access::Officer)
    }
}

/// A volunteer account's assignments at a place that reach into [from, to].
pub async fn duties(
    db: &Db,
    account_id: i64,
    place_id: i64,
    from: i64,
    to: i64,
) -> AppResult<Vec<Duty>> {
    Ok(db
        .query_as(
            "SELECT a.shift_id AS shift_id, a.starts_ms AS starts_ms, a.ends_ms AS ends_ms \
             FROM assignments a JOIN shifts s ON s.id = a.shift_id \
             JOIN volunteers v ON v.id = a.volunteer_id \
             WHERE s.place_id = $1 AND v.account_id = $2 AND v.status = 'approved' \
             AND a.ends_ms >= $3 AND a.starts_ms <= $4 ORDER BY a.starts_ms",
            args![place_id, account_id, from, to],
        )
        .await?)
}

/// What `r` may do at checkpoint `cp` now; outside their area or their duty it is not found.
pub async fn access(db: &Db, r: &Reader, cp: &Checkpoint) -> AppResult<Access> {
    if is_officer(r) {
        return if r.registry_scope().contains(&cp.path) {
            Ok(Access::Officer)
        } else {
            Err(AppError::NotFound)
        };
    }
    if r.role != "volunteer" {
        return Err(AppError::NotFound);
    }
    let now = now_ms();
    let d = duties(
        db,
        r.account_id,
        cp.id,
        now - CHECKER_LOG_MS - DUTY_SLACK_MS,
        now + DUTY_SLACK_MS,
    )
    .await?;
    if d.is_empty() {
        Err(AppError::NotFound)
    } else {
        Ok(Access::Checker(d))
    }
}

/// A checkpoint `r` may use, with what they may do there.
pub async fn open(db: &Db, r: &Reader, id: i64) -> AppResult<(Checkpoint, Access)> {
    let cp = by_id(db, id).await?.ok_or(AppError::NotFound)?;
    let a = access(db, r, &cp).await?;
    Ok((cp, a))
}

/// Checkpoints of the reader's area (officers), or where the volunteer is on duty around now.
pub async fn list(db: &Db, r: &Reader) -> AppResult<Vec<Checkpoint>> {
    if is_officer(r) {
        let (cond, params) = r.registry_scope().sql("p.path", 1);
        return Ok(db
            .query_as(
                &format!("{CP_SELECT} WHERE {cond} ORDER BY p.path, p.name LIMIT 500"),
                params,
            )
            .await?);
    }
    if r.role != "volunteer" {
        return Ok(vec![]);
    }
    let now = now_ms();
    Ok(db
        .query_as(
            &format!(
                "{CP_SELECT} WHERE c.place_id IN (SELECT s.place_id FROM assignments a \
                 JOIN shifts s ON s.id = a.shift_id JOIN volunteers v ON v.id = a.volunteer_id \
                 WHERE v.account_id = $1 AND v.status = 'approved' AND a.ends_ms >= $2 \
                 AND a.starts_ms <= $3) ORDER BY p.name"
            ),
            args![r.account_id, now - DUTY_SLACK_MS, now + DUTY_SLACK_MS],
        )
        .await?)
}

/// Places of the officer's area that could be set up as checkpoints (kind `checkpoint`, not
/// yet set up).
pub async fn candidates(db: &Db, r: &Reader) -> AppResult<Vec<(i64, String)>> {
    if !can_manage(r) {
        return Ok(vec![]);
    }
    let (cond, params) = r.registry_scope().sql("path", 1);
    struct P {
        id: i64,
        name: String,
    }
    from_row!(P { id, name });
    let v: Vec<P> = db
        .query_as(
            &format!(
                "SELECT id, name FROM places WHERE kind = 'checkpoint' AND {cond} \
                 AND id NOT IN (SELECT place_id FROM checkpoints) ORDER BY name LIMIT 200"
            ),
            params,
        )
        .await?;
    Ok(v.into_iter().map(|p| (p.id, p.name)).collect())
}

/// A checkpoint's settings as an officer fills them in.
#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct Settings {
    pub kind: String,
    pub validity_h: i64,
    pub require_test: bool,
    /// Lane names, one per line (the lanes not named any more are retired).
    pub lanes: Vec<String>,
}

/// Run a mobilization place as a checkpoint, or change its settings. Audited.
pub async fn set_up(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    place_id: i64,
    s: &Settings,
) -> AppResult<()> {
    if !can_manage(r) {
        return Err(AppError::Forbidden(Msg::new(
            "only street and community officers (and HQ) set up checkpoints",
            "只有街道、社区干部（及指挥部）可以设置卡口",
        )));
    }
    struct P {
        path: String,
        kind: String,
    }
    from_row!(P { path, kind });
    let p: P = db
        .query_opt_as(
            "SELECT path, kind FROM places WHERE id = $1",
            args![place_id],
        )
        .await?
        .filter(|p: &P| r.registry_scope().contains(&p.path))
        .ok_or(AppError::NotFound)?;
    let mut errs = Vec::new();
    if p.kind != "checkpoint" {
        errs.push(FieldError::new(
            "place",
            "only a place of the kind “checkpoint” can be run as one",
            "只有类型为“卡口”的地点可以设置为卡口",
        ));
    }
    if !crate::mobilization::in_vocab(KINDS, &s.kind) {
        errs.push(FieldError::new(
            "kind",
            "choose gate, road checkpoint or health station",
            "请选择门岗、道路卡口或健康检查站",
        ));
    }
    if !(1..=168).contains(&s.validity_h) {
        errs.push(FieldError::new(
            "validity_h",
            "a test counts for 1 to 168 hours (24, 48 or 72 usually)",
            "检测有效期为 1 到 168 小时（通常 24、48 或 72）",
        ));
    }
    let lanes: Vec<String> = s
        .lanes
        .iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    if lanes.len() > 20 || lanes.iter().any(|l| l.chars().count() > 40) {
        errs.push(FieldError::new(
            "lanes",
            "at most 20 lanes, each name up to 40 characters",
            "最多 20 条通道，每个名称不超过 40 个字符",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let now = now_ms();
    let mut tx = db.begin().await?;
    let existed = tx
        .scalar_opt::<i64>(
            "SELECT place_id FROM checkpoints WHERE place_id = $1",
            args![place_id],
        )
        .await?
        .is_some();
    if existed {
        tx.execute(
            "UPDATE checkpoints SET kind = $2, validity_h = $3, require_test = $4, updated_by = $5, \
             updated_ms = $6 WHERE place_id = $1",
            args![
                place_id,
                s.kind.as_str(),
                s.validity_h,
                s.require_test,
                r.username.as_str(),
                now
            ],
        )
        .await?;
    } else {
        tx.execute(
            "INSERT INTO checkpoints (place_id, kind, validity_h, require_test, visitor_token, \
             updated_by, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![
                place_id,
                s.kind.as_str(),
                s.validity_h,
                s.require_test,
                crate::access::random_hex(12),
                r.username.as_str(),
                now
            ],
        )
        .await?;
    }
    let old: Vec<String> = tx
        .column(
            "SELECT name FROM checkpoint_lanes WHERE place_id = $1 AND active = 1",
            args![place_id],
        )
        .await?;
    for o in &old {
        if !lanes.contains(o) {
            tx.execute(
                "UPDATE checkpoint_lanes SET active = 0 WHERE place_id = $1 AND name = $2",
                args![place_id, o.as_str()],
            )
            .await?;
        }
    }
    for l in &lanes {
        if !old.contains(l) {
            tx.execute(
                "INSERT INTO checkpoint_lanes (place_id, name, active) VALUES ($1, $2, 1)",
                args![place_id, l.as_str()],
            )
            .await?;
        }
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("checkpoint_setup", "checkpoint", place_id)
            .area(&p.path)
            .detail(json!({
                "new": !existed,
                "kind": s.kind,
                "validity_h": s.validity_h,
                "require_test": s.require_test,
                "lanes": lanes,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A resident as a checker's phone shows them: enough to confirm the face, nothing more.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PersonCard {
    pub resident_id: i64,
    pub household_id: i64,
    pub name: String,
    pub sex: i64,
    pub age: Option<i64>,
    /// sealed, controlled, precaution or "".
    pub zone: String,
    /// negative, none, positive.
    pub test: String,
    /// The sample time of the test shown (negative or positive).
    pub test_ms: Option<i64>,
}

/// A resident row as the look-ups read it.
#[derive(Debug, Clone)]
pub struct Resident {
    pub id: i64,
    pub household_id: i64,
    pub path: String,
    pub name: String,
    pub sex: i64,
    pub birth_date: Option<String>,
    pub doc_number: String,
}
from_row!(Resident {
    id,
    household_id,
    path,
    name,
    sex,
    birth_date,
    doc_number
});

pub const RESIDENT_SELECT: &str =
    "SELECT id, household_id, path, name, sex, birth_date, doc_number FROM residents";

/// Age today (China date) from a birth date.
pub fn age(birth: Option<&str>) -> Option<i64> {
    let today = crate::calendar::civil_from_days((now_ms() + 8 * HOUR_MS).div_euclid(86_400_000));
    birth.and_then(|b| crate::registry::residents::age_on(b, today))
}

/// What a checker typed or scanned: a personal code, or an ID number.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    Resident(i64),
    Doc(String),
}

/// Read a scanned or typed code: a genuine personal code `WLR1.…`, or a valid resident ID
/// number. `field` names the input in the error.
pub fn parse_code(secret: &str, field: &'static str, input: &str) -> Result<Lookup, FieldError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(FieldError::new(
            field,
            "scan the person's code or type their ID number",
            "请扫描个人码或输入身份证号码",
        ));
    }
    if s.len() > 200 {
        return Err(FieldError::new(
            field,
            "this is no personal code",
            "这不是有效的个人码",
        ));
    }
    if s.to_ascii_uppercase().starts_with("WLR1.") {
        return crate::registry::codes::parse_resident_code(secret, s)
            .map(Lookup::Resident)
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "this code is not a Wardline personal code (forged or damaged): type the ID number instead",
                    "此码不是本系统签发的个人码（伪造或损坏），请改为输入身份证号码",
                )
            });
    }
    match crate::registry::validate::parse_id_card(s) {
        Ok(c) => Ok(Lookup::Doc(c.number)),
        Err(e) => Err(FieldError {
            row: None,
            field,
            message: Msg::new(
                format!("neither a personal code nor an ID number: {}", e.message.en),
                format!("既不是个人码也不是有效的身份证号码：{}", e.message.zh),
            ),
        }),
    }
}

/// Each resident's latest test in Wardline: (status in `test_persons`, sample time).
pub async fn latest_tests(
    db: &Db,
    residents: &[i64],
) -> AppResult<std::collections::HashMap<i64, (String, i64)>> {
    let mut out = std::collections::HashMap::new();
    struct T {
        resident_id: i64,
        status: String,
        first_ms: i64,
    }
    from_row!(T {
        resident_id,
        status,
        first_ms
    });
    for chunk in residents.chunks(500) {
        let rows: Vec<T> = db
            .query_as(
                &format!(
                    "SELECT resident_id, status, first_ms FROM test_persons WHERE resident_id IN ({}) \
                     ORDER BY first_ms",
                    crate::db::placeholders(1, chunk.len())
                ),
                chunk.iter().map(|i| Value::Int(*i)).collect(),
            )
            .await?;
        // Later rows win: the latest sample settles the status.
        for t in rows {
            out.insert(t.resident_id, (t.status, t.first_ms));
        }
    }
    Ok(out)
}

/// A resident's test status as a checkpoint shows it, from their latest test: negative
/// (sampled within `validity_h` hours and negative), positive (positive, or its pooled tube was
/// positive and the re-test is due), or none; with the sample time of a negative or positive.
pub fn test_status(
    latest: Option<&(String, i64)>,
    now: i64,
    validity_h: i64,
) -> (String, Option<i64>) {
    match latest {
        Some((s, ms)) if matches!(s.as_str(), "positive" | "retest" | "retest_pending") => {
            ("positive".into(), Some(*ms))
        }
        Some((s, ms)) if s == "negative" && *ms >= now - validity_h * HOUR_MS => {
            ("negative".into(), Some(*ms))
        }
        _ => ("none".into(), None),
    }
}

/// The zone in force for each household at `at` (sealed, controlled, precaution), as the
/// zones capability decides it (the strictest over the household or an area above it).
pub async fn zones_of(
    db: &Db,
    households: &[i64],
    at: i64,
) -> AppResult<std::collections::HashMap<i64, String>> {
    Ok(crate::zones::for_households(db, households, at)
        .await?
        .into_iter()
        .map(|(h, z)| (h, z.kind.code().to_owned()))
        .collect())
}

/// The household of a scanned door-plate code (the household link `…/h/{token}` printed by
/// the needs pages), if the input is one.
pub fn household_token(input: &str) -> Option<&str> {
    let s = input.trim();
    let (_, token) = s.rsplit_once("/h/")?;
    let token = token.trim_end_matches('/');
    (!token.is_empty()
        && token.len() <= 64
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then_some(token)
}

/// A household's members as the checker's phone lists them after a door-plate scan: each
/// with their personal code (to open their card) and their masked name, sex and age.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub code: String,
    pub name: String,
    pub sex: i64,
    pub age: Option<i64>,
}

/// The members of the household behind a door-plate code; unknown codes are a field error.
pub async fn household_members(db: &Db, token: &str) -> AppResult<Vec<Member>> {
    let unknown = || {
        AppError::from(FieldError::new(
            "code",
            "this door-plate code opens no household (renewed or removed): scan the person's own code",
            "此户码已失效（已更换或删除），请扫描个人码",
        ))
    };
    let hh = db
        .scalar_opt::<i64>(
            "SELECT household_id FROM household_links WHERE token = $1",
            args![token],
        )
        .await?
        .ok_or_else(unknown)?;
    let secret = crate::access::settings::qr_secret(db).await?;
    let v: Vec<Resident> = db
        .query_as(
            &format!("{RESIDENT_SELECT} WHERE household_id = $1 ORDER BY id LIMIT 30"),
            args![hh],
        )
        .await?;
    if v.is_empty() {
        return Err(unknown());
    }
    Ok(v.into_iter()
        .map(|r| Member {
            code: crate::registry::codes::resident_code(&secret, r.id),
            name: crate::privacy::mask_name(&r.name),
            sex: r.sex,
            age: age(r.birth_date.as_deref()),
        })
        .collect())
}

/// Typed ID numbers a checker without registry access may look up in an hour.
pub const LOOKUP_LIMIT: i64 = 300;

/// Look a person up for the checker's phone: by personal code or ID number. Typed ID numbers
/// of a checker who does not read the registry are counted, and refused past the hour's limit.
pub async fn lookup(
    db: &Db,
    r: &Reader,
    cp: &Checkpoint,
    a: &Access,
    input: &str,
) -> AppResult<PersonCard> {
    let secret = crate::access::settings::qr_secret(db).await?;
    let how = parse_code(&secret, "code", input)?;
    let now = now_ms();
    let res: Option<Resident> = match &how {
        Lookup::Resident(id) => {
            db.query_opt_as(&format!("{RESIDENT_SELECT} WHERE id = $1"), args![*id])
                .await?
        }
        Lookup::Doc(n) => {
            if !a.is_officer() {
                let window = now - now % HOUR_MS;
                let mut tx = db.begin().await?;
                tx.execute(
                    "INSERT INTO checkpoint_lookups (account_id, window_ms, n) VALUES ($1, $2, 1) \
                     ON CONFLICT (account_id, window_ms) DO UPDATE SET n = checkpoint_lookups.n + 1",
                    args![r.account_id, window],
                )
                .await?;
                let n: i64 = tx
                    .scalar(
                        "SELECT n FROM checkpoint_lookups WHERE account_id = $1 AND window_ms = $2",
                        args![r.account_id, window],
                    )
                    .await?;
                tx.execute(
                    "DELETE FROM checkpoint_lookups WHERE window_ms < $1",
                    args![window - HOUR_MS],
                )
                .await?;
                tx.commit().await?;
                if n > LOOKUP_LIMIT {
                    return Err(AppError::TooMany(Msg::new(
                        format!("more than {LOOKUP_LIMIT} ID numbers typed this hour: scan personal codes, or ask an officer"),
                        format!("本小时输入身份证号码已超过 {LOOKUP_LIMIT} 次，请扫描个人码或联系干部"),
                    )));
                }
            }
            db.query_opt_as(
                &format!("{RESIDENT_SELECT} WHERE doc_number = $1 AND doc_type = 'id_card'"),
                args![n.as_str()],
            )
            .await?
        }
    };
    let res = res.ok_or_else(|| {
        AppError::from(FieldError::new(
            "code",
            "nobody in the registry has this code or ID number: log them as a visitor",
            "登记库中没有此人，请按外来人员登记",
        ))
    })?;
    card(db, cp, &res, now).await
}

/// The card of a resident found.
pub async fn card(db: &Db, cp: &Checkpoint, res: &Resident, now: i64) -> AppResult<PersonCard> {
    let tests = latest_tests(db, &[res.id]).await?;
    let zones = zones_of(db, &[res.household_id], now).await?;
    let (test, test_ms) = test_status(tests.get(&res.id), now, cp.validity_h);
    Ok(PersonCard {
        resident_id: res.id,
        household_id: res.household_id,
        name: crate::privacy::mask_name(&res.name),
        sex: res.sex,
        age: age(res.birth_date.as_deref()),
        zone: zones.get(&res.household_id).cloned().unwrap_or_default(),
        test,
        test_ms,
    })
}

/// A vehicle plate of mainland China: a province's character, a letter, then five letters or
/// digits (six for new-energy vehicles), no I or O; `学`, `挂`, `警`, `港`, `澳` may end it.
/// Returns it upper-cased without spaces.
pub fn parse_plate(input: &str) -> Result<String, FieldError> {
    const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '·' && *c != '-')
        .collect::<String>()
        .to_uppercase();
    let c: Vec<char> = s.chars().collect();
    let bad = || {
        FieldError::new(
            "plate",
            format!("{input:?} is no mainland plate (like 京A12345 or 粤B D12345)"),
            format!("“{input}”不是有效的车牌号（例如 京A12345、粤BD12345）"),
        )
    };
    if c.len() < 7 || c.len() > 9 || !PROVINCES.contains(c[0]) || !c[1].is_ascii_uppercase() {
        return Err(bad());
    }
    let (body, suffix) = match c.last() {
        Some(x) if "学挂警港澳".contains(*x) => (&c[2..c.len() - 1], true),
        _ => (&c[2..], false),
    };
    let ok_len = if suffix {
        body.len() == 4
    } else {
        body.len() == 5 || body.len() == 6
    };
    if !ok_len
        || !body
            .iter()
            .all(|x| (x.is_ascii_uppercase() || x.is_ascii_digit()) && *x != 'I' && *x != 'O')
    {
        return Err(bad());
    }
    Ok(s)
}

/// Temperature: a reading in °C between 34.0 and 42.0 (anything else is no body temperature),
/// as tenths of a degree.
pub fn parse_temp(field: &'static str, t: f64) -> Result<i64, FieldError> {
    if !t.is_finite() || !(34.0..=42.0).contains(&t) {
        return Err(FieldError::new(
            field,
            format!("{t} °C is no body temperature: measure again (34.0 to 42.0)"),
            format!("{t} ℃ 不是有效体温，请重新测量（34.0 到 42.0）"),
        ));
    }
    Ok((t * 10.0).round() as i64)
}

/// Tenths of a degree as "36.5".
pub fn temp_text(dc: i64) -> String {
    format!("{}.{}", dc / 10, dc % 10)
}

/// The area an officer asks figures for: by code within their scope, or their top area.
pub async fn figures_area(
    db: &Db,
    r: &Reader,
    code: &str,
) -> AppResult<crate::registry::areas::Area> {
    if !is_officer(r) {
        return Err(AppError::Forbidden(Msg::new(
            "the figures are for officers",
            "统计数据仅供干部查看",
        )));
    }
    let scope = r.registry_scope();
    if !code.trim().is_empty() {
        return crate::registry::areas::scoped(db, code.trim(), &scope).await;
    }
    let root = scope.roots.first().ok_or(AppError::NotFound)?;
    crate::registry::areas::by_path(db, root)
        .await?
        .ok_or(AppError::NotFound)
}

/// One entry of the log as a checker or an officer sees it: name, ID and phone masked.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub at_ms: i64,
    pub account_id: i64,
    pub shift_id: i64,
    pub direction: String,
    pub resident_id: Option<i64>,
    pub visitor_id: Option<i64>,
    pub name: String,
    pub doc_number: String,
    pub phone: String,
    pub from_place: String,
    pub to_place: String,
    pub reason: String,
    pub health_code: String,
    pub star: bool,
    pub temp_dc: Option<i64>,
    pub temp_band: String,
    pub test_status: String,
    pub zone: String,
    pub suggestion: String,
    pub reasons: String,
    pub decision: String,
    pub overridden: bool,
    pub note: String,
    pub vehicle_id: Option<i64>,
    pub seat: String,
    pub plate: Option<String>,
}
from_row!(LogEntry {
    id,
    at_ms,
    account_id,
    shift_id,
    direction,
    resident_id,
    visitor_id,
    name,
    doc_number,
    phone,
    from_place,
    to_place,
    reason,
    health_code,
    star,
    temp_dc,
    temp_band,
    test_status,
    zone,
    suggestion,
    reasons,
    decision,
    overridden,
    note,
    vehicle_id,
    seat,
    plate
});

/// Entries per page of the log.
pub const LOG_PAGE: i64 = 50;
/// The log is paged over its latest entries (of the day chosen): beyond, choose a day.
pub const LOG_MAX_PAGES: i64 = 100;

/// A page (from 1) of a checkpoint's log, newest first, of one China day (`day`: days since
/// 1970 in China time) or of all kept; with the number of pages. A checker sees the last 24
/// hours only. The caller has the reader's [`Access`].
pub async fn log(
    db: &Db,
    cp: &Checkpoint,
    a: &Access,
    day: Option<i64>,
    page: i64,
) -> AppResult<(Vec<LogEntry>, i64)> {
    let now = now_ms();
    let (mut from, mut to) = match day {
        Some(d) => (
            d * 86_400_000 - 8 * HOUR_MS,
            (d + 1) * 86_400_000 - 8 * HOUR_MS,
        ),
        None => (0, i64::MAX),
    };
    if !a.is_officer() {
        from = from.max(now - CHECKER_LOG_MS);
        to = to.max(from);
    }
    let n: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS x FROM pass_entries WHERE place_id = $1 \
             AND at_ms >= $2 AND at_ms < $3 LIMIT $4) t",
            args![cp.id, from, to, LOG_PAGE * LOG_MAX_PAGES],
        )
        .await?;
    let pages = ((n + LOG_PAGE - 1) / LOG_PAGE).max(1);
    let page = page.clamp(1, pages);
    let v: Vec<LogEntry> = db
        .query_as(
            "SELECT e.id AS id, e.at_ms AS at_ms, e.account_id AS account_id, e.shift_id AS shift_id, \
             e.direction AS direction, e.resident_id AS resident_id, e.visitor_id AS visitor_id, \
             COALESCE(r.name, e.name) AS name, e.doc_number AS doc_number, e.phone AS phone, \
             e.from_place AS from_place, e.to_place AS to_place, e.reason AS reason, \
             e.health_code AS health_code, e.star AS star, e.temp_dc AS temp_dc, \
             e.temp_band AS temp_band, e.test_status AS test_status, e.zone AS zone, \
             e.suggestion AS suggestion, e.reasons AS reasons, e.decision AS decision, \
             e.override AS overridden, e.note AS note, e.vehicle_id AS vehicle_id, e.seat AS seat, \
             v.plate AS plate \
             FROM pass_entries e LEFT JOIN residents r ON r.id = e.resident_id \
             LEFT JOIN vehicle_passes v ON v.id = e.vehicle_id \
             WHERE e.place_id = $1 AND e.at_ms >= $2 AND e.at_ms < $3 \
             ORDER BY e.at_ms DESC, e.id DESC LIMIT $4 OFFSET $5",
            args![cp.id, from, to, LOG_PAGE, (page - 1) * LOG_PAGE],
        )
        .await?;
    let v = v
        .into_iter()
        .map(|mut e| {
            e.name = crate::privacy::mask_name(&e.name);
            e.doc_number = crate::registry::validate::mask_doc(&e.doc_number);
            if !e.phone.is_empty() {
                e.phone = crate::registry::validate::mask_phone(&e.phone);
            }
            e
        })
        .collect();
    Ok((v, pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates() {
        assert_eq!(parse_plate("京A 12345").unwrap(), "京A12345");
        assert_eq!(parse_plate("粤bd12345").unwrap(), "粤BD12345");
        assert_eq!(parse_plate("苏E1234学").unwrap(), "苏E1234学");
        assert!(parse_plate("ABC123").is_err());
        assert!(parse_plate("京A1234").is_err());
        assert!(parse_plate("京AI2345").is_err());
        assert!(parse_plate("X京12345").is_err());
    }

    #[test]
    fn temperatures() {
        assert_eq!(parse_temp("t", 36.5).unwrap(), 365);
        assert!(parse_temp("t", 45.0).is_err());
        assert!(parse_temp("t", 25.0).is_err());
        assert!(parse_temp("t", f64::NAN).is_err());
        assert_eq!(temp_text(373), "37.3");
    }

    #[test]
    fn codes() {
        let secret = "s";
        let code = crate::registry::codes::resident_code(secret, 42);
        assert_eq!(
            parse_code(secret, "code", &code).unwrap(),
            Lookup::Resident(42)
        );
        assert!(parse_code(secret, "code", "WLR1.42.000000000000").is_err());
        assert!(parse_code(secret, "code", "12345").is_err());
        assert!(parse_code(secret, "code", "").is_err());
        assert_eq!(household_token("https://x.cn/h/abC-12"), Some("abC-12"));
        assert_eq!(household_token("/h/"), None);
        assert_eq!(household_token("WLR1.1.AB"), None);
    }
}
