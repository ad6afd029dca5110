//! The vaccine catalogue and its schedules, and the coverage targets: both editable by HQ
//! (audited), seeded by the migration.

use serde::Serialize;
use serde_json::json;

use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{Db, DbResult, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Product {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    /// Doses of the full course (0: a booster-only product).
    pub primary_doses: i64,
    /// Least days between two doses of the course.
    pub interval_days: i64,
    /// Least days from the full course to the booster.
    pub booster_after_days: i64,
    /// Days from the first dose within which the course should be complete (dropout after).
    pub window_days: i64,
    pub active: bool,
}

crate::from_row!(Product {
    code,
    name_en,
    name_zh,
    primary_doses,
    interval_days,
    booster_after_days,
    window_days,
    active
});

impl Product {
    pub fn name(&self, l: Lang) -> &str {
        if l == Lang::Zh {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
}

const COLS: &str = "code, name_en, name_zh, primary_doses, interval_days, booster_after_days, \
    window_days, active";

/// The whole catalogue (a handful of rows), active first.
pub async fn products(db: &Db) -> DbResult<Vec<Product>> {
    db.query_as(
        &format!("SELECT {COLS} FROM vax_products ORDER BY active DESC, code"),
        vec![],
    )
    .await
}

pub async fn products_tx(tx: &mut Tx) -> DbResult<Vec<Product>> {
    tx.query_as(
        &format!("SELECT {COLS} FROM vax_products ORDER BY active DESC, code"),
        vec![],
    )
    .await
}

pub fn find<'a>(cat: &'a [Product], code: &str) -> Option<&'a Product> {
    cat.iter().find(|p| p.code == code.trim())
}

/// Find a product by its code or either of its names (the vaccination system's export names
/// products in Chinese).
pub fn find_loose<'a>(cat: &'a [Product], text: &str) -> Option<&'a Product> {
    let t = text.trim();
    cat.iter()
        .find(|p| p.code == t || p.name_zh == t || p.name_en.eq_ignore_ascii_case(t))
}

/// A product as HQ edits it.
#[derive(Debug, Clone, Default)]
pub struct ProductForm {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub primary_doses: String,
    pub interval_days: String,
    pub booster_after_days: String,
    pub window_days: String,
    pub active: bool,
}

fn number(field: &'static str, s: &str, max: i64, errs: &mut Vec<FieldError>) -> i64 {
    match s.trim().parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => n,
        _ => {
            errs.push(FieldError::new(
                field,
                format!("a whole number from 0 to {max}"),
                format!("请填写 0 到 {max} 之间的整数"),
            ));
            0
        }
    }
}

/// Add a product or change one (a code already in use changes it), audited.
pub async fn save(db: &Db, actor: &Actor, r: &Reader, f: &ProductForm) -> AppResult<()> {
    super::require_catalogue(r)?;
    let mut errs = Vec::new();
    let code = f.code.trim();
    if code.is_empty()
        || code.len() > 40
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errs.push(FieldError::new(
            "code",
            "a short code of lower-case letters, digits and _ (up to 40)",
            "请填写简短代码：小写字母、数字和下划线（最多 40 个）",
        ));
    }
    for (field, v) in [("name_en", &f.name_en), ("name_zh", &f.name_zh)] {
        let n = v.trim().chars().count();
        if n == 0 || n > 100 {
            errs.push(FieldError::new(
                field,
                "a name of up to 100 characters",
                "请填写名称（最多 100 个字符）",
            ));
        }
    }
    let primary = number("primary_doses", &f.primary_doses, 4, &mut errs);
    let interval = number("interval_days", &f.interval_days, 365, &mut errs);
    let booster = number("booster_after_days", &f.booster_after_days, 1000, &mut errs);
    let window = number("window_days", &f.window_days, 1000, &mut errs);
    if primary > 1 && window < interval * (primary - 1) {
        errs.push(FieldError::new(
            "window_days",
            "the window must leave room for the course's intervals",
            "完成全程的期限不能短于各剂间隔之和",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO vax_products (code, name_en, name_zh, primary_doses, interval_days, booster_after_days, window_days, active, updated_by, updated_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO UPDATE SET \
         name_en = excluded.name_en, name_zh = excluded.name_zh, primary_doses = excluded.primary_doses, \
         interval_days = excluded.interval_days, booster_after_days = excluded.booster_after_days, \
         window_days = excluded.window_days, active = excluded.active, updated_by = excluded.updated_by, \
         updated_ms = excluded.updated_ms",
        args![
            code,
            f.name_en.trim(),
            f.name_zh.trim(),
            primary,
            interval,
            booster,
            window,
            f.active,
            actor.username.as_str(),
            crate::db::now_ms()
        ],
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Event::new("vax_product_saved", "vax_product", code).detail(json!({
            "primary_doses": primary, "interval_days": interval,
            "booster_after_days": booster, "window_days": window, "active": f.active
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A coverage target: percent of a band reached by a measure.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Target {
    pub band: String,
    pub measure: String,
    pub percent: i64,
}
crate::from_row!(Target {
    band,
    measure,
    percent
});

pub async fn targets(db: &Db) -> DbResult<Vec<Target>> {
    db.query_as(
        "SELECT band, measure, percent FROM vax_targets ORDER BY band, measure",
        vec![],
    )
    .await
}

/// Set (or with an empty percent, remove) the target of a band and measure, audited.
pub async fn set_target(
    db: &Db,
    actor: &Actor,
    r: &Reader,
    band: &str,
    measure: &str,
    percent: &str,
) -> AppResult<()> {
    super::require_catalogue(r)?;
    let mut errs = Vec::new();
    if !super::BANDS.iter().any(|b| b.0 == band) {
        errs.push(FieldError::new(
            "band",
            "choose an age band",
            "请选择年龄段",
        ));
    }
    if !super::in_vocab(super::MEASURES, measure) {
        errs.push(FieldError::new(
            "measure",
            "choose first dose, full course or booster",
            "请选择第一剂、全程或加强",
        ));
    }
    let pct = if percent.trim().is_empty() {
        None
    } else {
        Some(number("percent", percent, 100, &mut errs))
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = db.begin().await?;
    match pct {
        Some(p) => {
            tx.execute(
                "INSERT INTO vax_targets (band, measure, percent) VALUES ($1, $2, $3) \
                 ON CONFLICT (band, measure) DO UPDATE SET percent = excluded.percent",
                args![band, measure, p],
            )
            .await?
        }
        None => {
            tx.execute(
                "DELETE FROM vax_targets WHERE band = $1 AND measure = $2",
                args![band, measure],
            )
            .await?
        }
    };
    audit::record(
        &mut tx,
        actor,
        Event::new("vax_target_set", "vax_target", format!("{band}/{measure}"))
            .detail(json!({"percent": pct})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
