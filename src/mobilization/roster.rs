//! Posts, places and shifts, and placing volunteers on shifts by hand: every placement is
//! checked against the duty rules, and one that breaks a rule needs an officer's explicit
//! override with a reason, which is recorded on the placement and in the audit log.

use serde::Serialize;
use serde_json::json;

use super::rules::{Span, DAY_MS, MINUTE_MS};
use super::{in_vocab, require_manager, require_reader, PLACE_KINDS, SKILLS};
use crate::access::{self, Reader};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db, DbResult, FromRow, Row, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

mod placements;
pub(super) use self::placements::VolunteerRules;
pub use self::placements::{
    assign, breaches_msg, check, placement_at, roster, set_leader, unassign, Holder, PlacementAt,
    OVER_HEADCOUNT,
};

#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub active: bool,
}

crate::from_row!(Post {
    id,
    code,
    name_en,
    name_zh,
    active
});

impl Post {
    pub fn name(&self, l: Lang) -> &str {
        if l == Lang::Zh {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
}

pub async fn posts(db: &Db) -> AppResult<Vec<Post>> {
    Ok(db
        .query_as(
            "SELECT id, code, name_en, name_zh, active FROM posts ORDER BY id",
            vec![],
        )
        .await?)
}

/// Add a post to the catalogue.
pub async fn add_post(db: &Db, actor: &Actor, r: &Reader, en: &str, zh: &str) -> AppResult<i64> {
    require_manager(r)?;
    let (en, zh) = (en.trim(), zh.trim());
    if en.is_empty() || zh.is_empty() || en.chars().count() > 60 || zh.chars().count() > 60 {
        return Err(FieldError::new(
            "post",
            "give the post's name in English and in Chinese (up to 60 characters each)",
            "请填写岗位的中英文名称（各不超过 60 个字符）",
        )
        .into());
    }
    let code = format!("p{}", access::random_hex(4));
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO posts (code, name_en, name_zh, active) VALUES ($1, $2, $3, 1) RETURNING id",
            args![code.as_str(), en, zh],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("post_create", "post", id).detail(json!({"en": en, "zh": zh})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Retire a post from the catalogue (existing shifts keep it), or bring it back.
pub async fn set_post_active(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    active: bool,
) -> AppResult<()> {
    require_manager(r)?;
    let mut tx = db.begin().await?;
    if tx
        .execute(
            "UPDATE posts SET active = $1 WHERE id = $2",
            args![active as i64, id],
        )
        .await?
        == 0
    {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("post_active", "post", id).detail(json!({"active": active})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub area_id: i64,
    pub path: String,
    pub qr_token: String,
}

const PLACE_COLS: &str = "id, name, kind, area_id, path, qr_token";

crate::from_row!(Place {
    id,
    name,
    kind,
    area_id,
    path,
    qr_token
});

/// One record of `sql` (with `$1` the id), when it lies in the reader's scope.
async fn scoped<T: FromRow>(
    db: &Db,
    r: &Reader,
    sql: &str,
    id: i64,
    path: fn(&T) -> &str,
) -> AppResult<T> {
    require_reader(r)?;
    let x = db
        .query_opt_as::<T>(sql, args![id])
        .await?
        .ok_or(AppError::NotFound)?;
    if r.registry_scope().contains(path(&x)) {
        Ok(x)
    } else {
        Err(AppError::NotFound)
    }
}

/// Places within the reader's scope (or under `path`).
pub async fn places(db: &Db, r: &Reader, path: Option<&str>) -> AppResult<Vec<Place>> {
    require_reader(r)?;
    let (cond, mut params) = r.registry_scope().sql("path", 1);
    let mut sql = format!("SELECT {PLACE_COLS} FROM places WHERE {cond}");
    if let Some(p) = path {
        params.push(Value::from(p));
        params.push(Value::from(path_end(p)));
        sql.push_str(&format!(
            " AND path >= ${} AND path < ${}",
            params.len() - 1,
            params.len()
        ));
    }
    sql.push_str(" ORDER BY path, name");
    Ok(db.query_as(&sql, params).await?)
}

pub async fn place(db: &Db, r: &Reader, id: i64) -> AppResult<Place> {
    scoped(
        db,
        r,
        &format!("SELECT {PLACE_COLS} FROM places WHERE id = $1"),
        id,
        |x: &Place| &x.path,
    )
    .await
}

/// The place whose check-in QR code carries `token`.
pub async fn place_by_token(db: &Db, token: &str) -> AppResult<Option<Place>> {
    Ok(db
        .query_opt_as(
            &format!("SELECT {PLACE_COLS} FROM places WHERE qr_token = $1"),
            args![token],
        )
        .await?)
}

pub async fn add_place(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    area_code: &str,
    name: &str,
    kind: &str,
) -> AppResult<i64> {
    require_manager(r)?;
    let mut errs = Vec::new();
    let area = crate::registry::areas::by_code(db, area_code.trim())
        .await?
        .filter(|a| r.scope.contains(&a.path));
    if area.is_none() {
        errs.push(FieldError::new(
            "area",
            "choose an area in your scope",
            "请选择您管辖范围内的区划",
        ));
    }
    let name = name.trim();
    super::check_name(
        &mut errs,
        "place",
        name,
        "give the place a name (up to 100 characters)",
        "请填写地点名称（不超过 100 个字符）",
    );
    super::check_code(
        &mut errs,
        "place",
        PLACE_KINDS,
        kind,
        "choose the kind of place",
        "请选择地点类型",
    );
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let area = area.expect("checked");
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO places (name, kind, area_id, path, qr_token, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![name, kind, area.id, area.path.as_str(), access::random_hex(12), now_ms()],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("place_create", "place", id)
            .area(&area.path)
            .detail(json!({"name": name, "kind": kind})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Shift patterns offered on the form: (code, times as (start, end) minutes of the day; an end
/// at or before the start is the next day).
pub const PATTERNS: &[(&str, &[(i64, i64)])] = &[
    ("3x8", &[(0, 480), (480, 960), (960, 1440)]),
    ("2x12", &[(480, 1200), (1200, 480)]),
    ("day", &[(480, 1020)]),
];

/// Shifts to create: for `days` days from `first_day`, one shift per time of the pattern.
#[derive(Debug, Clone)]
pub struct NewShifts {
    pub place: i64,
    pub post: i64,
    /// YYYY-MM-DD (China time).
    pub first_day: String,
    pub days: i64,
    pub times: Vec<(i64, i64)>,
    pub headcount: i64,
    pub skills: Vec<String>,
}

/// Create shifts; returns how many.
pub async fn add_shifts(db: &Db, actor: &Actor, r: &Reader, f: &NewShifts) -> AppResult<i64> {
    require_manager(r)?;
    let place = place(db, r, f.place).await.map_err(|_| {
        AppError::from(FieldError::new(
            "place",
            "choose a place in your scope",
            "请选择您管辖范围内的地点",
        ))
    })?;
    let mut errs = Vec::new();
    if !posts(db).await?.iter().any(|p| p.id == f.post && p.active) {
        errs.push(FieldError::new(
            "post",
            "choose a post from the catalogue",
            "请从岗位目录中选择",
        ));
    }
    let first = match super::parse_day("starts", &f.first_day) {
        Ok(d) => super::rules::day_number(&d),
        Err(e) => {
            errs.push(e);
            None
        }
    };
    if !(1..=31).contains(&f.days) {
        errs.push(FieldError::new("period", "from 1 to 31 days", "1 至 31 天"));
    }
    if !(1..=50).contains(&f.headcount) {
        errs.push(FieldError::new(
            "headcount",
            "from 1 to 50 people",
            "1 至 50 人",
        ));
    }
    if f.times.is_empty()
        || f.times
            .iter()
            .any(|(a, b)| !(0..1440).contains(a) || !(0..=1440).contains(b) || a == b)
    {
        errs.push(FieldError::new(
            "starts",
            "give the shift's start and end (HH:MM)",
            "请填写班次的开始和结束时间（时:分）",
        ));
    }
    for s in &f.skills {
        if !in_vocab(SKILLS, s) {
            errs.push(FieldError::new(
                "skills",
                format!("unknown skill {s:?}"),
                format!("未知技能“{s}”"),
            ));
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let first = first.expect("checked");
    let skills = f.skills.join(" ");
    let now = now_ms();
    let mut rows = Vec::new();
    let mut n = 0i64;
    for d in 0..f.days {
        let day_start = (first + d) * DAY_MS - super::rules::CST_MS;
        for &(a, b) in &f.times {
            let start = day_start + a * MINUTE_MS;
            let end = if b <= a {
                day_start + DAY_MS + b * MINUTE_MS
            } else {
                day_start + b * MINUTE_MS
            };
            rows.extend(args![
                place.id,
                f.post,
                place.path.as_str(),
                start,
                end,
                f.headcount,
                skills.as_str(),
                actor.username.as_str(),
                now
            ]);
            n += 1;
        }
    }
    let mut tx = db.begin().await?;
    tx.bulk_insert(
        "shifts",
        &[
            "place_id",
            "post_id",
            "path",
            "starts_ms",
            "ends_ms",
            "headcount",
            "skills",
            "created_by",
            "created_ms",
        ],
        rows,
        None,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("shifts_create", "place", place.id)
            .area(&place.path)
            .detail(json!({"first_day": f.first_day, "days": f.days, "times": f.times, "headcount": f.headcount, "post": f.post, "count": n})),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

#[derive(Debug, Clone, Serialize)]
pub struct Shift {
    pub id: i64,
    pub place_id: i64,
    pub place: String,
    pub post_id: i64,
    pub post_en: String,
    pub post_zh: String,
    pub path: String,
    pub start: i64,
    pub end: i64,
    pub headcount: i64,
    pub skills: String,
}

impl Shift {
    pub fn post(&self, l: Lang) -> &str {
        if l == Lang::Zh {
            &self.post_zh
        } else {
            &self.post_en
        }
    }
    pub fn span(&self) -> Span {
        Span {
            shift: self.id,
            start: self.start,
            end: self.end,
        }
    }
}

pub(super) const SHIFT_COLS: &str =
    "s.id, s.place_id, pl.name AS place, s.post_id, p.name_en AS post_en, p.name_zh AS post_zh, \
    s.path, s.starts_ms, s.ends_ms, s.headcount, s.skills";
pub(super) const SHIFT_FROM: &str =
    "shifts s JOIN places pl ON pl.id = s.place_id JOIN posts p ON p.id = s.post_id";

/// A shift from [`SHIFT_COLS`].
impl FromRow for Shift {
    fn from_row(r: &Row) -> DbResult<Shift> {
        Ok(Shift {
            id: r.get("id")?,
            place_id: r.get("place_id")?,
            place: r.get("place")?,
            post_id: r.get("post_id")?,
            post_en: r.get("post_en")?,
            post_zh: r.get("post_zh")?,
            path: r.get("path")?,
            start: r.get("starts_ms")?,
            end: r.get("ends_ms")?,
            headcount: r.get("headcount")?,
            skills: r.get("skills")?,
        })
    }
}

pub async fn shift(db: &Db, r: &Reader, id: i64) -> AppResult<Shift> {
    scoped(
        db,
        r,
        &format!("SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.id = $1"),
        id,
        |x: &Shift| &x.path,
    )
    .await
}

/// An auto-fill run as recorded: the period `[from_ms, to_ms)`, how many places it filled and
/// left open, `detail` (JSON: what it could not fill and why, whether the plan is proven
/// best), who ran it and when.
#[derive(Debug, Clone)]
pub struct Run {
    pub id: i64,
    pub path: String,
    pub from_ms: i64,
    pub to_ms: i64,
    pub filled: i64,
    pub unfilled: i64,
    pub detail: String,
    pub run_by: String,
    pub run_ms: i64,
}
crate::from_row!(Run {
    id,
    path,
    from_ms,
    to_ms,
    filled,
    unfilled,
    detail,
    run_by,
    run_ms
});

const RUN_COLS: &str = "id, path, from_ms, to_ms, filled, unfilled, detail, run_by, run_ms";

/// The latest auto-fill runs under `path`, newest first.
pub async fn runs(db: &Db, r: &Reader, path: &str, limit: i64) -> AppResult<Vec<Run>> {
    require_reader(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    Ok(db
        .query_as(
            &format!(
                "SELECT {RUN_COLS} FROM autofill_runs \
                 WHERE path >= $1 AND path < $2 ORDER BY id DESC LIMIT $3"
            ),
            args![path, path_end(path), limit],
        )
        .await?)
}

/// One auto-fill run, when it lies in the reader's scope.
pub async fn run(db: &Db, r: &Reader, id: i64) -> AppResult<Run> {
    scoped(
        db,
        r,
        &format!("SELECT {RUN_COLS} FROM autofill_runs WHERE id = $1"),
        id,
        |x: &Run| &x.path,
    )
    .await
}
