//! Posts, places and shifts, and placing volunteers on shifts by hand: every placement is
//! checked against the duty rules, and one that breaks a rule needs an officer's explicit
//! override with a reason, which is recorded on the placement and in the audit log.

use serde::Serialize;
use serde_json::json;

use super::rules::{breaches, Breach, Rules, Span, DAY_MS, MINUTE_MS};
use super::volunteers::{self, Volunteer};
use super::{in_vocab, require_manager, require_reader, PLACE_KINDS, SKILLS};
use crate::access::{self, Reader};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db, Row, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::{Lang, Msg};

#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub id: i64,
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub active: bool,
}

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
        .query(
            "SELECT id, code, name_en, name_zh, active FROM posts ORDER BY id",
            vec![],
        )
        .await?
        .iter()
        .map(|r| Post {
            id: r.int(0),
            code: r.string(1),
            name_en: r.string(2),
            name_zh: r.string(3),
            active: r.int(4) != 0,
        })
        .collect())
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
    let id = tx
        .query_one(
            "INSERT INTO posts (code, name_en, name_zh, active) VALUES ($1, $2, $3, 1) RETURNING id",
            args![code.as_str(), en, zh],
        )
        .await?
        .int(0);
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

fn place_of(r: &Row) -> Place {
    Place {
        id: r.int(0),
        name: r.string(1),
        kind: r.string(2),
        area_id: r.int(3),
        path: r.string(4),
        qr_token: r.string(5),
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
    Ok(db.query(&sql, params).await?.iter().map(place_of).collect())
}

pub async fn place(db: &Db, r: &Reader, id: i64) -> AppResult<Place> {
    super::scoped_one(
        db,
        r,
        &format!("SELECT {PLACE_COLS} FROM places WHERE id = $1"),
        id,
        |r| Ok(place_of(r)),
        |x| &x.path,
    )
    .await
}

/// The place whose check-in QR code carries `token`.
pub async fn place_by_token(db: &Db, token: &str) -> AppResult<Option<Place>> {
    Ok(db
        .query_opt(
            &format!("SELECT {PLACE_COLS} FROM places WHERE qr_token = $1"),
            args![token],
        )
        .await?
        .map(|r| place_of(&r)))
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
    let id = tx
        .query_one(
            "INSERT INTO places (name, kind, area_id, path, qr_token, created_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            args![name, kind, area.id, area.path.as_str(), access::random_hex(12), now_ms()],
        )
        .await?
        .int(0);
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
    "s.id, s.place_id, pl.name, s.post_id, p.name_en, p.name_zh, s.path, \
    s.starts_ms, s.ends_ms, s.headcount, s.skills";
pub(super) const SHIFT_FROM: &str =
    "shifts s JOIN places pl ON pl.id = s.place_id JOIN posts p ON p.id = s.post_id";

pub(super) fn shift_of(r: &Row) -> Shift {
    Shift {
        id: r.int(0),
        place_id: r.int(1),
        place: r.string(2),
        post_id: r.int(3),
        post_en: r.string(4),
        post_zh: r.string(5),
        path: r.string(6),
        start: r.int(7),
        end: r.int(8),
        headcount: r.int(9),
        skills: r.string(10),
    }
}

pub async fn shift(db: &Db, r: &Reader, id: i64) -> AppResult<Shift> {
    super::scoped_one(
        db,
        r,
        &format!("SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.id = $1"),
        id,
        |r| Ok(shift_of(r)),
        |x| &x.path,
    )
    .await
}

/// Someone on a shift.
#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub assignment: i64,
    pub volunteer: i64,
    pub name: String,
    pub phone: String,
    pub unit: String,
    pub how: String,
    pub leader: bool,
    pub override_rules: String,
    pub override_reason: String,
    pub override_by: String,
    pub checkin: Option<i64>,
    pub checkout: Option<i64>,
    pub half_hours: i64,
    /// The rules this placement breaks now (overridden or not).
    pub breaches: Vec<Breach>,
}

/// The shifts starting in `[from, to)` under `path` (optionally at one place), with who is on
/// each and the rules each placement breaks.
pub async fn roster(
    db: &Db,
    r: &Reader,
    path: &str,
    place: Option<i64>,
    from: i64,
    to: i64,
) -> AppResult<Vec<(Shift, Vec<Holder>)>> {
    require_reader(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    let end = path_end(path);
    let mut params = args![path, end.as_str(), from, to];
    let mut sql = format!(
        "SELECT {SHIFT_COLS} FROM {SHIFT_FROM} WHERE s.path >= $1 AND s.path < $2 \
         AND s.starts_ms >= $3 AND s.starts_ms < $4"
    );
    if let Some(p) = place {
        params.push(Value::from(p));
        sql.push_str(" AND s.place_id = $5");
    }
    sql.push_str(" ORDER BY s.starts_ms, pl.name, s.id");
    let shifts: Vec<Shift> = db
        .query(&sql, params.clone())
        .await?
        .iter()
        .map(shift_of)
        .collect();
    if shifts.is_empty() {
        return Ok(vec![]);
    }
    let hsql = format!(
        "SELECT a.id, a.shift_id, v.id, v.name, v.phone, COALESCE(u.name, v.unit_text), a.how, a.leader, \
         a.override_rules, a.override_reason, a.override_by, a.checkin_ms, a.checkout_ms, a.half_hours \
         FROM assignments a JOIN shifts s ON s.id = a.shift_id JOIN volunteers v ON v.id = a.volunteer_id \
         LEFT JOIN units u ON u.id = v.unit_id WHERE {} ORDER BY a.leader DESC, v.name, a.id",
        sql.split_once(" WHERE ").expect("has WHERE").1.split(" ORDER BY").next().expect("has order")
    );
    let holders = db.query(&hsql, params).await?;
    // Everyone's holdings around the period, to show the rules each placement breaks.
    let vids: Vec<i64> = holders.iter().map(|h| h.int(2)).collect();
    let spans = spans_of(db, &vids, from - 8 * DAY_MS, to + 8 * DAY_MS).await?;
    let rules = Rules::load(db).await?;
    let vinfo = volunteer_rule_info(db, &vids).await?;
    let mut by_shift: std::collections::HashMap<i64, Vec<Holder>> = Default::default();
    let shift_index: std::collections::HashMap<i64, &Shift> =
        shifts.iter().map(|s| (s.id, s)).collect();
    for h in &holders {
        let (sid, vid) = (h.int(1), h.int(2));
        let s = shift_index[&sid];
        let others: Vec<Span> = spans
            .get(&vid)
            .map(|v| v.iter().filter(|x| x.shift != sid).copied().collect())
            .unwrap_or_default();
        let b = match vinfo.get(&vid) {
            Some((skills, avail)) => breaches(&rules, avail, skills, &s.skills, &others, s.span()),
            None => vec![],
        };
        by_shift.entry(sid).or_default().push(Holder {
            assignment: h.int(0),
            volunteer: vid,
            name: h.string(3),
            phone: h.string(4),
            unit: h.string(5),
            how: h.string(6),
            leader: h.int(7) != 0,
            override_rules: h.string(8),
            override_reason: h.string(9),
            override_by: h.string(10),
            checkin: h.opt_int(11),
            checkout: h.opt_int(12),
            half_hours: h.int(13),
            breaches: b,
        });
    }
    Ok(shifts
        .into_iter()
        .map(|s| {
            let h = by_shift.remove(&s.id).unwrap_or_default();
            (s, h)
        })
        .collect())
}

/// Skills and availability of volunteers by id.
async fn volunteer_rule_info(
    db: &Db,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, (String, super::rules::Availability)>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        if chunk.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT id, skills, days, from_min, to_min, avail_from, avail_to FROM volunteers WHERE id IN ({})",
            crate::testing::placeholders(1, chunk.len())
        );
        for r in db
            .query(&sql, chunk.iter().map(|i| Value::from(*i)).collect())
            .await?
        {
            out.insert(
                r.int(0),
                (
                    r.string(1),
                    super::availability_of(
                        r.int(2),
                        r.int(3),
                        r.int(4),
                        r.opt_text(5),
                        r.opt_text(6),
                    ),
                ),
            );
        }
    }
    Ok(out)
}

/// The spans volunteers hold starting in `[from, to)`.
async fn spans_of(
    db: &Db,
    ids: &[i64],
    from: i64,
    to: i64,
) -> AppResult<std::collections::HashMap<i64, Vec<Span>>> {
    let mut out: std::collections::HashMap<i64, Vec<Span>> = Default::default();
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT volunteer_id, shift_id, starts_ms, ends_ms FROM assignments \
             WHERE starts_ms >= $1 AND starts_ms < $2 AND volunteer_id IN ({})",
            crate::testing::placeholders(3, chunk.len())
        );
        let mut params = args![from, to];
        params.extend(chunk.iter().map(|i| Value::from(*i)));
        for r in db.query(&sql, params).await? {
            out.entry(r.int(0)).or_default().push(Span {
                shift: r.int(1),
                start: r.int(2),
                end: r.int(3),
            });
        }
    }
    Ok(out)
}

/// The rules placing `v` on `s` would break, given what they hold.
pub async fn check(db: &Db, s: &Shift, v: &Volunteer) -> AppResult<Vec<Breach>> {
    let rules = Rules::load(db).await?;
    let spans = spans_of(db, &[v.id], s.start - 8 * DAY_MS, s.end + 8 * DAY_MS).await?;
    let others: Vec<Span> = spans
        .get(&v.id)
        .map(|x| x.iter().filter(|x| x.shift != s.id).copied().collect())
        .unwrap_or_default();
    Ok(breaches(
        &rules,
        &v.availability(),
        &v.skills,
        &s.skills,
        &others,
        s.span(),
    ))
}

/// Breaches as one line of text in both languages.
pub fn breaches_msg(rules: &Rules, b: &[Breach]) -> Msg {
    let en: Vec<String> = b.iter().map(|x| x.message(rules).en).collect();
    let zh: Vec<String> = b.iter().map(|x| x.message(rules).zh).collect();
    Msg::new(en.join("; "), zh.join("；"))
}

/// Put a volunteer on a shift. A placement that breaks a rule is refused unless an officer
/// gives `override_reason`; then it is made and the override recorded. Returns the rules
/// broken (empty when none).
pub async fn assign(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    shift_id: i64,
    volunteer_id: i64,
    override_reason: &str,
) -> AppResult<Vec<Breach>> {
    require_manager(r)?;
    let s = shift(db, r, shift_id).await?;
    let v = volunteers::get(db, r, volunteer_id).await.map_err(|_| {
        AppError::from(FieldError::new(
            "volunteer",
            "choose a volunteer in your scope",
            "请选择您管辖范围内的志愿者",
        ))
    })?;
    if v.status != "approved" {
        return Err(AppError::Conflict(Msg::new(
            format!("{} is not an approved volunteer", v.name),
            format!("{} 不是已通过审核的志愿者", v.name),
        )));
    }
    let reason = override_reason.trim();
    if reason.chars().count() > 300 {
        return Err(FieldError::new(
            "override_reason",
            "at most 300 characters",
            "最多 300 个字符",
        )
        .into());
    }
    let rules = Rules::load(db).await?;
    let mut tx = db.begin().await?;
    tx.lock_rows("shifts", &[shift_id]).await?;
    tx.lock_rows("volunteers", &[volunteer_id]).await?;
    let on = tx
        .query(
            "SELECT volunteer_id FROM assignments WHERE shift_id = $1",
            args![shift_id],
        )
        .await?;
    if on.iter().any(|x| x.int(0) == volunteer_id) {
        return Err(AppError::Conflict(Msg::new(
            format!("{} is on this shift already", v.name),
            format!("{} 已在此班次", v.name),
        )));
    }
    if on.len() as i64 >= s.headcount {
        return Err(AppError::Conflict(Msg::new(
            format!("this shift is full ({} people)", s.headcount),
            format!("此班次已满（{} 人）", s.headcount),
        )));
    }
    let others: Vec<Span> = tx
        .query(
            "SELECT shift_id, starts_ms, ends_ms FROM assignments WHERE volunteer_id = $1 \
             AND starts_ms >= $2 AND starts_ms < $3",
            args![volunteer_id, s.start - 8 * DAY_MS, s.end + 8 * DAY_MS],
        )
        .await?
        .iter()
        .map(|x| Span {
            shift: x.int(0),
            start: x.int(1),
            end: x.int(2),
        })
        .collect();
    let b = breaches(
        &rules,
        &v.availability(),
        &v.skills,
        &s.skills,
        &others,
        s.span(),
    );
    if !b.is_empty() && reason.is_empty() {
        let m = breaches_msg(&rules, &b);
        return Err(AppError::Conflict(Msg::new(
            format!(
                "{} cannot take this shift: {}. An officer may override this with a reason.",
                v.name, m.en
            ),
            format!(
                "{} 不能排入此班次：{}。如确需安排，请填写破例理由。",
                v.name, m.zh
            ),
        )));
    }
    let codes: Vec<&str> = b.iter().map(|x| x.code()).collect();
    let (o_rules, o_reason, o_by) = if b.is_empty() {
        (String::new(), String::new(), String::new())
    } else {
        (codes.join(" "), reason.to_owned(), actor.username.clone())
    };
    let id = tx
        .query_one(
            "INSERT INTO assignments (shift_id, volunteer_id, starts_ms, ends_ms, how, assigned_by, assigned_ms, \
             override_rules, override_reason, override_by) VALUES ($1, $2, $3, $4, 'manual', $5, $6, $7, $8, $9) RETURNING id",
            args![shift_id, volunteer_id, s.start, s.end, actor.username.as_str(), now_ms(), o_rules.as_str(), o_reason.as_str(), o_by.as_str()],
        )
        .await?
        .int(0);
    let mut ev = Event::new(
        if b.is_empty() {
            "roster_assign"
        } else {
            "roster_override"
        },
        "assignment",
        id,
    )
    .area(&s.path)
    .detail(
        json!({"shift": shift_id, "volunteer": volunteer_id, "broken": codes, "reason": o_reason}),
    );
    ev = ev.area(&s.path);
    audit::record(&mut tx, actor, ev).await?;
    tx.commit().await?;
    Ok(b)
}

/// Take someone off a shift (not once they have checked in).
pub async fn unassign(db: &Db, actor: &Actor, r: &Reader, assignment: i64) -> AppResult<()> {
    require_manager(r)?;
    let a = db
        .query_opt(
            "SELECT shift_id, volunteer_id, checkin_ms FROM assignments WHERE id = $1",
            args![assignment],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let s = shift(db, r, a.int(0)).await?;
    if a.opt_int(2).is_some() {
        return Err(AppError::Conflict(Msg::new(
            "they have checked in on this shift; it stays on their record",
            "其已在此班次签到，记录须保留",
        )));
    }
    let mut tx = db.begin().await?;
    tx.execute("DELETE FROM assignments WHERE id = $1", args![assignment])
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("roster_unassign", "assignment", assignment)
            .area(&s.path)
            .detail(json!({"shift": s.id, "volunteer": a.int(1)})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Make someone the shift's leader (who may check the others in and out), or not.
pub async fn set_leader(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    assignment: i64,
    leader: bool,
) -> AppResult<()> {
    require_manager(r)?;
    let a = db
        .query_opt(
            "SELECT shift_id FROM assignments WHERE id = $1",
            args![assignment],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let s = shift(db, r, a.int(0)).await?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE assignments SET leader = $1 WHERE id = $2",
        args![leader as i64, assignment],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("roster_leader", "assignment", assignment)
            .area(&s.path)
            .detail(json!({"leader": leader})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The latest auto-fill runs under `path`, newest first: (id, from, to, filled, unfilled,
/// detail JSON, by, at).
pub async fn runs(db: &Db, r: &Reader, path: &str, limit: i64) -> AppResult<Vec<Row>> {
    require_reader(r)?;
    if !r.registry_scope().contains(path) {
        return Err(AppError::NotFound);
    }
    Ok(db
        .query(
            "SELECT id, from_ms, to_ms, filled, unfilled, detail, run_by, run_ms, path FROM autofill_runs \
             WHERE path >= $1 AND path < $2 ORDER BY id DESC LIMIT $3",
            args![path, path_end(path), limit],
        )
        .await?)
}
