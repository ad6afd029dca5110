//! Writes from people (web forms and the API): each in one transaction with its tallies and its
//! audit entry, each checked against the writer's scope. Audit entries keep identifiers masked:
//! the log must not become a second copy of everyone's ID number.

use serde_json::{json, Value as Json};

use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, Db, DbResult, FromRow, Row};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::registry::areas::{self, Counts};
use crate::registry::model::*;
use crate::registry::residents::{self, ResidentData, ResidentInput};
use crate::registry::validate::{mask_doc, mask_phone};
use crate::registry::watch;

/// The refusal for a role that does not write the registry.
pub fn forbidden() -> AppError {
    AppError::Forbidden(Msg::new(
        "your role may not change the registry",
        "您的角色无权修改登记信息",
    ))
}

/// The audit view of a resident's values: identifiers masked, birth date left out.
fn audit_view(d: &ResidentData) -> Json {
    json!({
        "name": d.name,
        "doc_type": d.doc_type,
        "doc_number": mask_doc(&d.doc_number),
        "sex": d.sex,
        "phone": d.phone.as_deref().map(mask_phone),
        "relation": d.relation,
        "tags": bits_to_codes(TAGS, d.tags),
        "health_note": d.health_note,
        "party": d.party,
        "party_categories": bits_to_codes(PARTY_CATEGORIES, d.party_categories),
    })
}

/// Register a household at the area with `code`, audited.
pub async fn create_household(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    area_code: &str,
    address: &str,
    kind: Option<&str>,
) -> AppResult<i64> {
    if !r.can_write_registry() {
        return Err(forbidden());
    }
    let area = areas::scoped(db, area_code, &r.registry_scope()).await?;
    let kind = residents::parse_kind(kind)?;
    let mut tx = db.begin().await?;
    let hh = residents::create_household(&mut tx, &area, address, kind).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("create", "household", hh.id)
            .area(&area.path)
            .detail(json!({"new": {"address": address.trim(), "kind": kind, "area": area.code}})),
    )
    .await?;
    tx.commit().await?;
    Ok(hh.id)
}

/// A household as it was before a change, for the audit entry.
struct OldHousehold {
    area_id: i64,
    path: String,
    address: String,
    kind: String,
}
crate::from_row!(OldHousehold {
    area_id,
    path,
    address,
    kind
});

/// What a moved resident adds to the tallies.
struct Tallied {
    birth_date: Option<String>,
    tags: i64,
    party: i64,
}
crate::from_row!(Tallied {
    birth_date,
    tags,
    party
});

/// Change a household's address and kind, audited with old and new values.
pub async fn update_household(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    address: &str,
    kind: Option<&str>,
) -> AppResult<()> {
    if !r.can_write_registry() {
        return Err(forbidden());
    }
    let scope = r.registry_scope();
    // Scope first: outside it, the answer is "not found" whatever the form holds.
    db.scalar_opt::<String>("SELECT path FROM households WHERE id = $1", args![id])
        .await?
        .filter(|path| scope.contains(path))
        .ok_or(AppError::NotFound)?;
    let mut errs = Vec::new();
    let address = address.trim();
    if address.is_empty() || address.chars().count() > 200 {
        errs.push(FieldError::new(
            "address",
            "1–200 characters",
            "应为 1–200 个字符",
        ));
    }
    let kind = match residents::parse_kind(kind) {
        Ok(k) => k,
        Err(e) => {
            errs.push(e);
            "home"
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    let old: OldHousehold = tx
        .query_opt_as(
            "SELECT area_id, path, address, kind FROM households WHERE id = $1",
            args![id],
        )
        .await?
        .filter(|o: &OldHousehold| scope.contains(&o.path))
        .ok_or(AppError::NotFound)?;
    tx.execute(
        "UPDATE households SET address = $1, kind = $2, updated_ms = $3 WHERE id = $4",
        args![address, kind, now_ms(), id],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("update", "household", id)
            .area(&old.path)
            .detail(json!({
                "old": {"address": old.address, "kind": old.kind},
                "new": {"address": address, "kind": kind},
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Merge household `from` into `into`: its residents move to `into` (its head becomes an
/// ordinary member, "other"; `into` keeps its head, or stays without one), its needs follow,
/// its personal link stops working, and the household row goes. One transaction with the
/// tallies and the audit entry; both households must lie within the writer's scope.
pub async fn merge_households(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    from: i64,
    into: i64,
) -> AppResult<()> {
    if !r.can_write_registry() {
        return Err(forbidden());
    }
    let scope = r.registry_scope();
    let mut tx = db.begin().await?;
    tx.lock_rows("households", &[from, into]).await?;
    // Scope first: outside it, the answer is "not found" whatever the form holds.
    let src = residents::household_ref(&mut tx, from)
        .await?
        .filter(|h| scope.contains(&h.path))
        .ok_or(AppError::NotFound)?;
    if from == into {
        return Err(FieldError::new(
            "into",
            "a household cannot be merged into itself; give the number of another household",
            "不能将住户合并到其自身，请填写另一户的编号",
        )
        .into());
    }
    let dst = residents::household_ref(&mut tx, into)
        .await?
        .filter(|h| scope.contains(&h.path))
        .ok_or(AppError::NotFound)?;
    // The residents move, each with what it adds to the tallies (as add_resident counts it).
    let moved: Vec<Tallied> = tx
        .query_as(
            "UPDATE residents SET household_id = $1, path = $2, community_id = $3, \
             relation = CASE WHEN relation = 'head' THEN 'other' ELSE relation END, updated_ms = $4 \
             WHERE household_id = $5 RETURNING birth_date, tags, party",
            args![
                into,
                dst.path.as_str(),
                dst.community_id,
                now_ms(),
                from
            ],
        )
        .await?;
    let mut people = Counts::default();
    for m in &moved {
        people += Counts::resident(m.birth_date.as_deref(), m.tags, m.party);
    }
    let mut src_delta = Counts {
        households: -1,
        ..Counts::default()
    };
    if src.area_id != dst.area_id {
        src_delta += -people;
        areas::bump_counts(&mut tx, dst.area_id, &dst.path, people).await?;
    }
    areas::bump_counts(&mut tx, src.area_id, &src.path, src_delta).await?;
    // Other capabilities' records of the household (tests taken, needs) follow its people.
    let merge = watch::Merge {
        from,
        from_path: src.path.clone(),
        into,
        into_path: dst.path.clone(),
        into_community: dst.community_id,
    };
    watch::merging(&mut tx, &merge).await?;
    tx.execute(
        "DELETE FROM household_links WHERE household_id = $1",
        args![from],
    )
    .await?;
    tx.execute(
        "UPDATE households SET updated_ms = $1 WHERE id = $2",
        args![now_ms(), into],
    )
    .await?;
    tx.execute("DELETE FROM households WHERE id = $1", args![from])
        .await?;
    watch::removed(&mut tx, from, &src.path).await?;
    watch::members_changed(&mut tx, &[into]).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("merge", "household", from)
            .area(&src.path)
            .detail(json!({
                "into": into,
                "into_area": dst.path,
                "residents_moved": moved.len(),
                "former_head_id": src.head_id,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Remove an empty household (registered by mistake, or left empty by moves): its personal
/// link stops working; its needs stay, as history. A household with residents is refused.
pub async fn remove_household(db: &Db, actor: &Actor, r: &Reader, id: i64) -> AppResult<()> {
    if !r.can_write_registry() {
        return Err(forbidden());
    }
    let scope = r.registry_scope();
    let mut tx = db.begin().await?;
    tx.lock_rows("households", &[id]).await?;
    let old: OldHousehold = tx
        .query_opt_as(
            "SELECT area_id, path, address, kind FROM households WHERE id = $1",
            args![id],
        )
        .await?
        .filter(|o: &OldHousehold| scope.contains(&o.path))
        .ok_or(AppError::NotFound)?;
    let members: i64 = tx
        .scalar(
            "SELECT COUNT(*) AS n FROM residents WHERE household_id = $1",
            args![id],
        )
        .await?;
    if members > 0 {
        return Err(AppError::Conflict(Msg::new(
            format!(
                "this household still has {members} resident(s); move its residents or merge it into another household first"
            ),
            format!("该户还有 {members} 名成员；请先迁出成员，或将该户合并到另一户"),
        )));
    }
    let path = old.path.clone();
    tx.execute(
        "DELETE FROM household_links WHERE household_id = $1",
        args![id],
    )
    .await?;
    tx.execute("DELETE FROM households WHERE id = $1", args![id])
        .await?;
    areas::bump_counts(
        &mut tx,
        old.area_id,
        &path,
        Counts {
            households: -1,
            ..Counts::default()
        },
    )
    .await?;
    watch::removed(&mut tx, id, &path).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("remove", "household", id)
            .area(&path)
            .detail(json!({"old": {"address": old.address, "kind": old.kind}})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Add a resident to a household within the writer's scope, audited.
pub async fn add_resident(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    household_id: i64,
    input: &ResidentInput,
) -> AppResult<i64> {
    if !r.can_write_registry() {
        return Err(forbidden());
    }
    let scope = r.registry_scope();
    let mut tx = db.begin().await?;
    // Scope first: outside it, the answer is "not found" whatever the form holds.
    let mut hh = residents::household_ref(&mut tx, household_id)
        .await?
        .filter(|h| scope.contains(&h.path))
        .ok_or(AppError::NotFound)?;
    let d = input.validate().map_err(AppError::Invalid)?;
    let id = residents::add_resident(&mut tx, &scope, &mut hh, &d).await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("create", "resident", id)
            .area(&hh.path)
            .detail(json!({"household_id": household_id, "new": audit_view(&d)})),
    )
    .await?;
    // A new member: the household's coverage in testing rounds changes with it.
    watch::members_changed(&mut tx, &[household_id]).await?;
    tx.commit().await?;
    Ok(id)
}

const FULL_COLS: &str = "household_id, path, name, doc_type, doc_number, sex, birth_date, phone, \
    relation, tags, health_note, party, party_categories";

/// A stored resident with the household it belongs to, before a correction.
struct Stored {
    household_id: i64,
    path: String,
    data: ResidentData,
}

impl FromRow for Stored {
    fn from_row(r: &Row) -> DbResult<Stored> {
        let doc_type: String = r.get("doc_type")?;
        let relation: String = r.get("relation")?;
        Ok(Stored {
            household_id: r.get("household_id")?,
            path: r.get("path")?,
            data: ResidentData {
                name: r.get("name")?,
                doc_type: DOC_TYPES
                    .iter()
                    .find(|t| t.code == doc_type)
                    .map_or("other", |t| t.code),
                doc_number: r.get("doc_number")?,
                sex: r.get("sex")?,
                birth_date: r.get("birth_date")?,
                phone: r.get("phone")?,
                relation: RELATIONS
                    .iter()
                    .find(|t| t.code == relation)
                    .map_or("other", |t| t.code),
                tags: r.get("tags")?,
                health_note: r.get("health_note")?,
                party: r.get("party")?,
                party_categories: r.get("party_categories")?,
            },
        })
    }
}

/// A household's head and area.
struct HeadAndArea {
    head_id: Option<i64>,
    area_id: i64,
}
crate::from_row!(HeadAndArea { head_id, area_id });

/// Correct a resident. A document or phone field left at its masked value keeps the stored
/// value (the form never holds the full number). Audited with old and new values (masked).
pub async fn update_resident(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    input: &ResidentInput,
) -> AppResult<()> {
    if !r.can_write_registry() {
        return Err(forbidden());
    }
    let scope = r.registry_scope();
    let mut tx = db.begin().await?;
    let Stored {
        household_id,
        path,
        data: old,
    } = tx
        .query_opt_as(
            &format!("SELECT {FULL_COLS} FROM residents WHERE id = $1"),
            args![id],
        )
        .await?
        .filter(|o: &Stored| scope.contains(&o.path))
        .ok_or(AppError::NotFound)?;
    let mut input = input.clone();
    if input.doc_number.trim() == mask_doc(&old.doc_number) {
        input.doc_number = old.doc_number.clone();
    }
    if let Some(p) = &input.phone {
        if old
            .phone
            .as_deref()
            .is_some_and(|o| mask_phone(o) == p.trim())
        {
            input.phone = old.phone.clone();
        }
    }
    // A masked ID number hides the birth date: an unchanged card keeps the stored date.
    if input.doc_number == old.doc_number
        && input
            .birth_date
            .as_deref()
            .is_none_or(|b| b.trim().is_empty())
    {
        input.birth_date = old.birth_date.clone();
    }
    let new = input.validate().map_err(AppError::Invalid)?;
    let HeadAndArea { head_id, area_id } = tx
        .query_one_as(
            "SELECT head_id, area_id FROM households WHERE id = $1",
            args![household_id],
        )
        .await?;
    residents::check_head(new.relation, head_id, Some(id))?;
    let updated = tx
        .query_opt(
            "UPDATE residents SET name = $1, doc_type = $2, doc_number = $3, sex = $4, \
             birth_date = $5, phone = $6, relation = $7, tags = $8, health_note = $9, party = $10, \
             party_categories = $11, updated_ms = $12 WHERE id = $13 \
             AND NOT EXISTS (SELECT 1 FROM residents o WHERE o.doc_number = $3 AND o.doc_type = $2 \
             AND o.id <> $13) RETURNING id",
            args![
                new.name.as_str(),
                new.doc_type,
                new.doc_number.as_str(),
                new.sex,
                new.birth_date.clone(),
                new.phone.clone(),
                new.relation,
                new.tags,
                new.health_note.clone(),
                new.party,
                new.party_categories,
                now_ms(),
                id
            ],
        )
        .await;
    match updated {
        Ok(Some(_)) => {}
        Ok(None) | Err(crate::db::DbError::Unique(_)) => {
            return Err(AppError::Conflict(
                residents::duplicate_message(&mut tx, &scope, new.doc_type, &new.doc_number)
                    .await?,
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let was_head = head_id == Some(id);
    let is_head = new.relation == "head";
    if was_head != is_head {
        tx.execute(
            "UPDATE households SET head_id = $1, updated_ms = $2 WHERE id = $3",
            args![
                if is_head { Some(id) } else { None },
                now_ms(),
                household_id
            ],
        )
        .await?;
    }
    let mut delta = Counts::resident(new.birth_date.as_deref(), new.tags, new.party);
    delta += -Counts::resident(old.birth_date.as_deref(), old.tags, old.party);
    if delta != Counts::default() {
        areas::bump_counts(&mut tx, area_id, &path, delta).await?;
    }
    if old.birth_date != new.birth_date {
        // An age corrected moves the resident between age bands of other capabilities' figures.
        watch::members_changed(&mut tx, &[household_id]).await?;
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("update", "resident", id)
            .area(&path)
            .detail(json!({"old": audit_view(&old), "new": audit_view(&new)})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The full identifiers of a resident, revealed for a stated reason.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Revealed {
    pub id: i64,
    pub doc_number: String,
    pub phone: Option<String>,
    pub birth_date: Option<String>,
    pub audit_seq: i64,
}

/// Where a resident lives and their phone number, for a call.
struct PhoneOf {
    path: String,
    phone: Option<String>,
}
crate::from_row!(PhoneOf { path, phone });

/// Tap to call: a resident's phone number alone, for a staff member who calls people from a
/// list (missing people, follow-ups). No reason is asked (the purpose is the call); the ID
/// number and birth date stay masked; the reveal is audited (`phone_call`) before the number
/// is returned.
pub async fn call_phone(db: &Db, actor: &Actor, r: &Reader, id: i64) -> AppResult<String> {
    // The role first: a role that never calls is told so, whoever the resident is.
    if !r.can_call() {
        return Err(AppError::Forbidden(Msg::new(
            "your role may not call residents",
            "您的角色无权拨打居民电话",
        )));
    }
    let scope = r.registry_scope();
    let row: PhoneOf = db
        .query_opt_as("SELECT path, phone FROM residents WHERE id = $1", args![id])
        .await?
        .filter(|o: &PhoneOf| scope.contains(&o.path))
        .ok_or(AppError::NotFound)?;
    let phone = row
        .phone
        .filter(|p| !p.trim().is_empty())
        .ok_or(AppError::Conflict(Msg::new(
            "no phone number is on record for this person; go to the door",
            "此人未登记电话，请上门",
        )))?;
    audit::record_now(
        db,
        actor,
        Event::new("phone_call", "resident", id)
            .area(&row.path)
            .detail(json!({"fields": ["phone"]})),
    )
    .await?;
    Ok(phone)
}

/// A resident's stored identifiers and where the resident lives.
struct Identifiers {
    path: String,
    doc_number: String,
    phone: Option<String>,
    birth_date: Option<String>,
}
crate::from_row!(Identifiers {
    path,
    doc_number,
    phone,
    birth_date
});

/// "Break the glass": show a resident's full ID number, phone and birth date. Needs a role that
/// may reveal, a resident within scope and a reason; the reveal is audited before the values
/// are returned, so there is no reveal without its audit entry.
pub async fn reveal(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    id: i64,
    reason: &str,
) -> AppResult<Revealed> {
    let scope = r.registry_scope();
    let row: Identifiers = db
        .query_opt_as(
            "SELECT path, doc_number, phone, birth_date FROM residents WHERE id = $1",
            args![id],
        )
        .await?
        .filter(|o: &Identifiers| scope.contains(&o.path))
        .ok_or(AppError::NotFound)?;
    if !r.can_reveal() {
        return Err(AppError::Forbidden(Msg::new(
            "your role may not see full ID or phone numbers",
            "您的角色无权查看完整证件号码或手机号码",
        )));
    }
    let reason = reason.trim();
    if reason.chars().count() < 4 || reason.chars().count() > 200 {
        return Err(FieldError::new(
            "reason",
            "say why you need the full number (4–200 characters); it is recorded in the audit log",
            "请说明查看完整号码的理由（4–200 个字符），理由将记入审计日志",
        )
        .into());
    }
    let seq = audit::record_now(
        db,
        actor,
        Event::new("reveal", "resident", id)
            .area(&row.path)
            .detail(json!({"reason": reason, "fields": ["doc_number", "phone", "birth_date"]})),
    )
    .await?;
    Ok(Revealed {
        id,
        doc_number: row.doc_number,
        phone: row.phone,
        birth_date: row.birth_date,
        audit_seq: seq,
    })
}
