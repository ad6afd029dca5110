//! The public sign-up of volunteers (no account; rate-limited) through sign-up links, the
//! links themselves, and what a volunteer may do with the reference they keep: look their
//! application up, withdraw it. [`super::volunteers`] re-exports all of it.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::volunteers::{too_long, transition};
use super::{in_vocab, parse_hhmm, require_manager, require_reader, POLITICAL, SKILLS};
use crate::access::{self, Reader};
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::validate;

/// Sign-ups one client (address) may send in [`RATE_WINDOW_MS`].
pub const RATE_PER_CLIENT: i64 = 5;
/// Sign-ups one link takes in [`RATE_WINDOW_MS`] from everyone together.
pub const RATE_PER_LINK: i64 = 300;
pub const RATE_WINDOW_MS: i64 = 10 * 60_000;
/// Sign-ups one client may send in [`RATE_WINDOW_MS`], saved or refused.
pub const RATE_ATTEMPTS: i64 = 20;

/// A sign-up form as sent (every field as text, checked by [`SignUp::parse`]); the public
/// sign-up page decodes its posted form into it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SignUp {
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    /// A unit id from the list, or empty with `unit_text` naming another.
    pub unit: String,
    pub unit_text: String,
    pub political: String,
    pub skills: Vec<String>,
    pub skills_note: String,
    /// Weekday codes (`mon` … `sun`); none means every day.
    pub days: Vec<String>,
    pub from: String,
    pub to: String,
    pub avail_from: String,
    pub avail_to: String,
    #[serde(deserialize_with = "ticked")]
    pub health_ok: bool,
    pub health_note: String,
    #[serde(deserialize_with = "ticked")]
    pub wants_account: bool,
}

/// A ticked checkbox (value `1`).
fn ticked<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(String::deserialize(d)? == "1")
}

/// A sign-up that passed the checks.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub name: String,
    pub doc_type: String,
    pub doc_number: String,
    pub phone: String,
    pub unit_id: Option<i64>,
    pub unit_text: String,
    pub political: String,
    pub skills: String,
    pub skills_note: String,
    pub days: i64,
    pub from_min: i64,
    pub to_min: i64,
    pub avail_from: Option<String>,
    pub avail_to: Option<String>,
    pub health_ok: bool,
    pub health_note: String,
    pub wants_account: bool,
}

impl SignUp {
    /// Check every field; all problems at once.
    pub fn parse(&self) -> Result<Parsed, AppError> {
        let mut errs = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errs.push(FieldError::new("name", "required", "必填"));
        } else if name.chars().count() > 50 {
            errs.push(too_long("name", 50));
        }
        let doc_type = if self.doc_type.trim().is_empty() {
            "id_card".to_owned()
        } else {
            self.doc_type.trim().to_owned()
        };
        let doc_number = if !crate::registry::model::DOC_TYPES
            .iter()
            .any(|t| t.code == doc_type)
        {
            errs.push(FieldError::new(
                "doc_type",
                "choose a document type from the list",
                "请从列表中选择证件类型",
            ));
            String::new()
        } else if doc_type == "id_card" {
            match validate::parse_id_card(&self.doc_number) {
                Ok(c) => c.number,
                Err(e) => {
                    errs.push(e);
                    String::new()
                }
            }
        } else {
            match validate::parse_other_doc(&doc_type, &self.doc_number) {
                Ok(n) => n,
                Err(e) => {
                    errs.push(e);
                    String::new()
                }
            }
        };
        let phone = match validate::parse_phone(&self.phone) {
            Ok(p) => p,
            Err(e) => {
                errs.push(e);
                String::new()
            }
        };
        let unit_id = match self.unit.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.push(FieldError::new(
                        "unit",
                        "choose a unit from the list, or name yours below",
                        "请从列表中选择单位，或在下方填写",
                    ));
                    None
                }
            },
        };
        let unit_text = self.unit_text.trim().to_owned();
        if unit_text.chars().count() > 100 {
            errs.push(too_long("unit", 100));
        }
        let political = if self.political.trim().is_empty() {
            "none".to_owned()
        } else {
            self.political.trim().to_owned()
        };
        if !in_vocab(POLITICAL, &political) {
            errs.push(FieldError::new(
                "political",
                "choose from the list",
                "请从列表中选择",
            ));
        }
        let mut skills: Vec<&str> = Vec::new();
        for s in &self.skills {
            if !in_vocab(SKILLS, s) {
                errs.push(FieldError::new(
                    "skills",
                    format!("unknown skill {s:?}"),
                    format!("未知技能“{s}”"),
                ));
            } else if !skills.contains(&s.as_str()) {
                skills.push(s);
            }
        }
        let skills_note = self.skills_note.trim().to_owned();
        if skills_note.chars().count() > 200 {
            errs.push(too_long("skills", 200));
        }
        let mut days = 0i64;
        for d in &self.days {
            match super::WEEKDAYS.iter().position(|w| w.0 == d) {
                Some(i) => days |= 1 << i,
                None => errs.push(FieldError::new(
                    "days",
                    format!("unknown day {d:?}"),
                    format!("未知的日期“{d}”"),
                )),
            }
        }
        if days == 0 {
            days = 127;
        }
        let hm = |field: &'static str, s: &str, default: i64, errs: &mut Vec<FieldError>| {
            if s.trim().is_empty() {
                return default;
            }
            parse_hhmm(s).unwrap_or_else(|| {
                errs.push(FieldError::new(
                    field,
                    format!("{s:?} is not a time of day (HH:MM)"),
                    format!("“{s}”不是时间（时:分）"),
                ));
                default
            })
        };
        let from_min = hm("hours", &self.from, 0, &mut errs);
        let to_min = hm("hours", &self.to, 1440, &mut errs);
        let date = |field: &'static str, s: &str, errs: &mut Vec<FieldError>| {
            if s.trim().is_empty() {
                return None;
            }
            match super::parse_day(field, s) {
                Ok(d) => Some(d),
                Err(e) => {
                    errs.push(e);
                    None
                }
            }
        };
        let avail_from = date("avail_from", &self.avail_from, &mut errs);
        let avail_to = date("avail_to", &self.avail_to, &mut errs);
        if let (Some(a), Some(b)) = (&avail_from, &avail_to) {
            if b < a {
                errs.push(FieldError::new(
                    "avail_to",
                    "the last day is before the first",
                    "截止日期早于起始日期",
                ));
            }
        }
        if !self.health_ok {
            errs.push(FieldError::new(
                "health",
                "tick the health declaration to sign up",
                "请勾选健康承诺后再报名",
            ));
        }
        let health_note = self.health_note.trim().to_owned();
        if health_note.chars().count() > 200 {
            errs.push(too_long("health", 200));
        }
        if !errs.is_empty() {
            return Err(AppError::Invalid(errs));
        }
        Ok(Parsed {
            name,
            doc_type,
            doc_number,
            phone,
            unit_id,
            unit_text,
            political,
            skills: skills.join(" "),
            skills_note,
            days,
            from_min,
            to_min,
            avail_from,
            avail_to,
            health_ok: self.health_ok,
            health_note,
            wants_account: self.wants_account,
        })
    }
}

/// A sign-up link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub id: i64,
    pub token: String,
    pub area_id: i64,
    pub path: String,
    pub title: String,
    pub active: bool,
}

const LINK_COLS: &str = "id, token, area_id, path, title, active";

crate::from_row!(Link {
    id,
    token,
    area_id,
    path,
    title,
    active
});

/// An active link by its token (public: the token is the secret).
pub async fn link_by_token(db: &Db, token: &str) -> AppResult<Link> {
    db.query_opt_as(
        &format!("SELECT {LINK_COLS} FROM signup_links WHERE token = $1 AND active = 1"),
        args![token],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn links(db: &Db, r: &Reader) -> AppResult<Vec<Link>> {
    require_reader(r)?;
    let (cond, params) = r.registry_scope().sql("path", 1);
    Ok(db
        .query_as(
            &format!("SELECT {LINK_COLS} FROM signup_links WHERE {cond} ORDER BY id DESC"),
            params,
        )
        .await?)
}

/// Open a sign-up link for an area (a community, or a street for a campaign).
pub async fn create_link(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    area_code: &str,
    title: &str,
) -> AppResult<Link> {
    require_manager(r)?;
    let area = crate::registry::areas::by_code(db, area_code.trim())
        .await?
        .filter(|a| r.scope.contains(&a.path))
        .ok_or_else(|| {
            FieldError::new(
                "area",
                "choose an area in your scope",
                "请选择您管辖范围内的区划",
            )
        })?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(FieldError::new("title", "1 to 100 characters", "1 至 100 个字符").into());
    }
    let token = access::random_hex(12);
    let mut tx = db.begin().await?;
    let id: i64 = tx
        .scalar(
            "INSERT INTO signup_links (token, area_id, path, title, active, created_by, created_ms) \
             VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id",
            args![token.as_str(), area.id, area.path.as_str(), title, actor.username.as_str(), now_ms()],
        )
        .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("signup_link_create", "signup_link", id)
            .area(&area.path)
            .detail(json!({"title": title})),
    )
    .await?;
    tx.commit().await?;
    Ok(Link {
        id,
        token,
        area_id: area.id,
        path: area.path,
        title: title.to_owned(),
        active: true,
    })
}

/// Close a link: it stops taking sign-ups.
pub async fn close_link(db: &Db, actor: &Actor, r: &Reader, id: i64) -> AppResult<()> {
    require_manager(r)?;
    let link = links(db, r)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(AppError::NotFound)?;
    let mut tx = db.begin().await?;
    tx.execute(
        "UPDATE signup_links SET active = 0 WHERE id = $1",
        args![id],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("signup_link_close", "signup_link", id).area(&link.path),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn too_many() -> AppError {
    AppError::TooMany(Msg::new(
        "too many sign-ups from here in the last few minutes; wait ten minutes and try again",
        "此处最近报名次数过多，请十分钟后再试",
    ))
}

/// A reference a volunteer keeps: 10 characters without look-alikes.
fn new_ref() -> String {
    const A: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).expect("no system randomness");
    let s: String = b.iter().map(|x| A[*x as usize % A.len()] as char).collect();
    format!("{}-{}", &s[..5], &s[5..])
}

/// What a sign-up returns to the person: the reference to keep.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub id: i64,
    pub ref_code: String,
}

/// A resident the registry knows, by id and home.
struct Known {
    id: i64,
    path: String,
}
crate::from_row!(Known { id, path });

/// Sign up through a public link. `client`: the sender's address (kept only as a salted
/// hash, for the rate limit). Refused with 429 when the client or the link sends too many.
pub async fn sign_up(db: &Db, link: &Link, client: &str, f: &SignUp) -> AppResult<Receipt> {
    let now = now_ms();
    // Every attempt counts, refused or not.
    let (ip_hash, attempts) =
        access::count_attempt(db, "signup_attempts", client, now, RATE_WINDOW_MS).await?;
    if attempts > RATE_ATTEMPTS {
        return Err(too_many());
    }
    let p = f.parse()?;
    let recent: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM volunteers WHERE ip_hash = $1 AND created_ms > $2",
            args![ip_hash.as_str(), now - RATE_WINDOW_MS],
        )
        .await?;
    let link_recent: i64 = db
        .scalar(
            "SELECT COUNT(*) AS n FROM volunteers WHERE link_id = $1 AND created_ms > $2",
            args![link.id, now - RATE_WINDOW_MS],
        )
        .await?;
    if recent >= RATE_PER_CLIENT || link_recent >= RATE_PER_LINK {
        return Err(too_many());
    }
    let end = path_end(&link.path);
    let mut tx = db.begin().await?;
    let dup = tx
        .query_opt(
            "SELECT id FROM volunteers WHERE doc_number = $1 AND path >= $2 AND path < $3 \
             AND status IN ('applied', 'approved', 'suspended')",
            args![p.doc_number.as_str(), link.path.as_str(), end.as_str()],
        )
        .await?;
    if dup.is_some() {
        return Err(AppError::Conflict(Msg::new(
            "you have signed up here already; look up your application with the reference you were given",
            "您已在此报名；请用报名时获得的编号查询进度",
        )));
    }
    if let Some(u) = p.unit_id {
        if tx
            .query_opt("SELECT id FROM units WHERE id = $1", args![u])
            .await?
            .is_none()
        {
            return Err(FieldError::new(
                "unit",
                "choose a unit from the list",
                "请从列表中选择单位",
            )
            .into());
        }
    }
    // The person, if the registry knows them: where they live is "near".
    let resident = tx
        .query_opt_as::<Known>(
            "SELECT id, path FROM residents WHERE doc_number = $1 AND doc_type = $2",
            args![p.doc_number.as_str(), p.doc_type.as_str()],
        )
        .await?;
    let (resident_id, home) = match resident {
        Some(r) => (Some(r.id), r.path),
        None => (None, link.path.clone()),
    };
    let ref_code = new_ref();
    let id: i64 = tx
        .scalar(
            "INSERT INTO volunteers (ref_code, link_id, area_id, path, home_path, resident_id, name, \
             doc_type, doc_number, phone, unit_id, unit_text, political, skills, skills_note, days, \
             from_min, to_min, avail_from, avail_to, health_ok, health_note, wants_account, status, \
             ip_hash, created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 'applied', $24, $25, $25) \
             RETURNING id",
            args![
                ref_code.as_str(),
                link.id,
                link.area_id,
                link.path.as_str(),
                home.as_str(),
                resident_id,
                p.name.as_str(),
                p.doc_type.as_str(),
                p.doc_number.as_str(),
                p.phone.as_str(),
                p.unit_id,
                p.unit_text.as_str(),
                p.political.as_str(),
                p.skills.as_str(),
                p.skills_note.as_str(),
                p.days,
                p.from_min,
                p.to_min,
                p.avail_from.clone(),
                p.avail_to.clone(),
                p.health_ok as i64,
                p.health_note.as_str(),
                p.wants_account as i64,
                ip_hash.as_str(),
                now
            ],
        )
        .await?;
    tx.execute(
        "INSERT INTO volunteer_events (volunteer_id, at_ms, actor, from_status, to_status, reason) \
         VALUES ($1, $2, $3, '', 'applied', '')",
        args![id, now, "(sign-up)"],
    )
    .await?;
    tx.commit().await?;
    Ok(Receipt { id, ref_code })
}

struct Application {
    name: String,
    status: String,
    reason: String,
    title: Option<String>,
}
crate::from_row!(Application {
    name,
    status,
    reason,
    title
});

/// The public status of an application by its reference: status, reason, masked name.
pub async fn by_ref(db: &Db, ref_code: &str) -> AppResult<(String, String, String, String)> {
    let r = db
        .query_opt_as::<Application>(
            "SELECT v.name, v.status, v.status_reason AS reason, l.title FROM volunteers v \
             LEFT JOIN signup_links l ON l.id = v.link_id WHERE v.ref_code = $1",
            args![ref_code.trim().to_ascii_uppercase()],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        crate::privacy::mask_name(&r.name),
        r.status,
        r.reason,
        r.title.unwrap_or_default(),
    ))
}

/// Withdraw one's own application by its reference (the volunteer changed their mind).
pub async fn withdraw_by_ref(db: &Db, ref_code: &str) -> AppResult<()> {
    let id: i64 = db
        .scalar_opt(
            "SELECT id FROM volunteers WHERE ref_code = $1",
            args![ref_code.trim().to_ascii_uppercase()],
        )
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = Actor {
        account_id: None,
        username: "(volunteer)".into(),
        ip: String::new(),
    };
    transition(
        db,
        &actor,
        id,
        "withdrawn",
        "withdrawn by the volunteer",
        None,
    )
    .await
    .map(|_| ())
}
