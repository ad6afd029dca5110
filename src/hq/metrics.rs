//! The fixed vocabulary of HQ metrics: each a key, a unit and the page behind it, computed for
//! an area subtree at a moment by the capabilities' engines (their tallies where they keep
//! them). A figure is `None` ("absent") when the capability has nothing in the deployment or
//! area (no testing round yet, no store), which is not the same as zero.

use std::collections::HashMap;

use serde::Serialize;

use crate::access::{Reader, Scope};
use crate::checkpoints::figures as checkpoint_figures;
use crate::db::{now_ms, Db};
use crate::error::{AppError, AppResult};
use crate::mobilization::duty;
use crate::needs::figures as needs_figures;
use crate::needs::tallies as needs_tallies;
use crate::quarantine::figures as quarantine_figures;
use crate::registry::areas::{self, Area};
use crate::supplies::figures as supply_figures;
use crate::testing::coverage;
use crate::vaccination::figures as vaccination_figures;
use crate::zones::figures as zone_figures;

/// What a metric counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// People.
    People,
    /// Households.
    Households,
    /// Records of some kind (samples, needs, passes …).
    Count,
    /// A percentage (see the figure's scale for decimals).
    Percent,
    /// Hours.
    Hours,
    /// Pieces of a stock item.
    Pieces,
    /// Money in fen (scale 2 shows yuan).
    Fen,
}

/// Is the metric a current state (now / at the day's end) or a total over time?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    /// A state at the moment (residents, people under quarantine).
    Now,
    /// Events of the day (passes today, needs solved today).
    Day,
    /// Events of the week up to the day (duty hours this week).
    Week,
    /// Events since the start of the response (samples taken, parcels delivered).
    Total,
}

/// One metric of the vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Stable key (API, stored history, i18n `hq-m-<key>`).
    pub key: &'static str,
    pub unit: Unit,
    /// Decimals of the value (a percentage with one decimal is stored as permille, scale 1).
    pub scale: u32,
    pub span: Span,
    /// The page behind the figure for an area (national areas: the id is the code).
    pub link: fn(i64) -> String,
    /// Shown on the overview's first screen and charted over 14 days.
    pub headline: bool,
    /// Higher is worse (missing people, late needs): used to rank lagging child areas.
    pub worse_up: bool,
}

const fn m(
    key: &'static str,
    unit: Unit,
    scale: u32,
    span: Span,
    link: fn(i64) -> String,
    headline: bool,
    worse_up: bool,
) -> Metric {
    Metric {
        key,
        unit,
        scale,
        span,
        link,
        headline,
        worse_up,
    }
}

fn to_area(id: i64) -> String {
    format!("/areas/{id}")
}
fn to_testing(_id: i64) -> String {
    "/testing".to_owned()
}
fn to_zones(id: i64) -> String {
    format!("/zones/figures?area={id}")
}
fn to_quarantine(_id: i64) -> String {
    "/followup".to_owned()
}
fn to_vaccination(id: i64) -> String {
    format!("/vaccination/figures?area={id}")
}
fn to_needs(id: i64) -> String {
    format!("/needs/figures?area={id}")
}
fn to_roster(_id: i64) -> String {
    "/roster/hours".to_owned()
}
fn to_checkpoints(id: i64) -> String {
    format!("/checkpoints/figures?area={id}")
}
fn to_supplies(id: i64) -> String {
    format!("/supplies/figures?area={id}")
}

use Span::*;
use Unit::*;

/// The vocabulary, in the overview's order.
pub const METRICS: &[Metric] = &[
    // Registry.
    m("residents", People, 0, Now, to_area, true, false),
    m("households", Households, 0, Now, to_area, false, false),
    // Testing: the current round.
    m("round_coverage", Percent, 1, Now, to_testing, true, false),
    m("round_missing", People, 0, Now, to_testing, true, true),
    m("positives", People, 0, Now, to_testing, true, true),
    m("retests_due", People, 0, Now, to_testing, false, true),
    // Zones in force.
    m("zones_in_force", Count, 0, Now, to_zones, false, true),
    m(
        "sealed_households",
        Households,
        0,
        Now,
        to_zones,
        false,
        true,
    ),
    m("sealed_people", People, 0, Now, to_zones, true, true),
    m(
        "controlled_households",
        Households,
        0,
        Now,
        to_zones,
        false,
        true,
    ),
    m("controlled_people", People, 0, Now, to_zones, false, true),
    // Quarantine.
    m("quarantined", People, 0, Now, to_quarantine, true, true),
    m("checks_late", Count, 0, Now, to_quarantine, false, true),
    // Vaccination.
    m(
        "vaccinated_60",
        Percent,
        1,
        Now,
        to_vaccination,
        true,
        false,
    ),
    m(
        "vaccinated_80",
        Percent,
        1,
        Now,
        to_vaccination,
        false,
        false,
    ),
    // Needs.
    m("needs_open", Count, 0, Now, to_needs, true, true),
    m("needs_late", Count, 0, Now, to_needs, true, true),
    m("needs_solved_today", Count, 0, Day, to_needs, false, false),
    m("emergencies_open", Count, 0, Now, to_needs, false, true),
    // Mobilization.
    m("on_duty_now", People, 0, Now, to_roster, true, false),
    m("duty_hours_week", Hours, 1, Week, to_roster, false, false),
    // Checkpoints.
    m("passes_today", Count, 0, Day, to_checkpoints, false, false),
    m(
        "persuaded_today",
        People,
        0,
        Day,
        to_checkpoints,
        false,
        false,
    ),
    // Supplies.
    m("masks_stock", Pieces, 0, Now, to_supplies, false, false),
    m("lpg_stock", Pieces, 0, Now, to_supplies, false, false),
    m("money_balance", Fen, 2, Now, to_supplies, false, false),
    // Totals since the start of the response (the briefing's figures).
    m("samples_taken", Count, 0, Total, to_testing, false, false),
    m("parcels_delivered", Count, 0, Total, to_needs, false, false),
    m(
        "duty_person_times",
        Count,
        0,
        Total,
        to_roster,
        false,
        false,
    ),
    m("duty_hours_total", Hours, 1, Total, to_roster, false, false),
    m(
        "persuaded_total",
        People,
        0,
        Total,
        to_checkpoints,
        false,
        false,
    ),
    m(
        "requests_registered",
        Count,
        0,
        Total,
        to_needs,
        false,
        false,
    ),
    m(
        "emergencies_solved",
        Count,
        0,
        Total,
        to_needs,
        false,
        false,
    ),
    m("gas_delivered", Count, 0, Total, to_needs, false, false),
];

/// The metric of a key.
pub fn metric(key: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.key == key)
}

/// One metric's value for an area at a moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub key: &'static str,
    /// `None`: absent — the capability has nothing in this deployment or area.
    pub value: Option<i64>,
    /// Decimals of `value`.
    pub scale: u32,
    pub unit: Unit,
}

/// The first millisecond of a China day (days since 1970-01-01, UTC+8).
pub fn day_start(day: i64) -> i64 {
    day * DAY_MS - 8 * HOUR_MS
}

/// The China day of an instant.
pub use crate::calendar::china_day as day_of;

pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// A reader with HQ's rights over one subtree: the capabilities' engines check their readers,
/// and the overview has already checked the person's scope.
fn hq_reader(path: &str) -> Reader {
    Reader {
        account_id: 0,
        username: "hq-overview".into(),
        display_name: "HQ".into(),
        role: "hq".into(),
        scope: Scope {
            roots: vec![path.to_owned()],
        },
    }
}

/// `n` of `of` in per mille (one decimal of a percentage); absent when `of` is zero.
fn permille(n: i64, of: i64) -> Option<i64> {
    (of > 0).then(|| n * 1000 / of)
}

/// Every metric of [`METRICS`] (in its order) for the subtree of `area_id`, on `day` (days since
/// 1970-01-01, China time): today's figures are as of now, a past day's as of its end. States
/// the capabilities keep no history of (registry tallies, a round's coverage, stock) are read
/// as they are now; the stored history ([`super::history`]) keeps each day's.
pub async fn figures(db: &Db, area_id: i64, day: i64) -> AppResult<Vec<Figure>> {
    let area = areas::by_id(db, area_id).await?.ok_or(AppError::NotFound)?;
    figures_of(db, &area, day, now_ms()).await
}

/// [`figures`] for an area already read, with the clock given.
pub async fn figures_of(db: &Db, area: &Area, day: i64, now: i64) -> AppResult<Vec<Figure>> {
    figures_timed(db, area, day, now, &mut Vec::new()).await
}

/// Milliseconds each capability's part of [`figures_of`] took, in order (the bench's view of
/// where an overview's time goes).
pub type Timings = Vec<(&'static str, f64)>;

/// [`figures_of`], pushing the time of each capability's part onto `times`.
pub async fn figures_timed(
    db: &Db,
    area: &Area,
    day: i64,
    now: i64,
    times: &mut Timings,
) -> AppResult<Vec<Figure>> {
    let mut t0 = std::time::Instant::now();
    let mut lap = |name: &'static str| {
        times.push((name, t0.elapsed().as_secs_f64() * 1000.0));
        t0 = std::time::Instant::now();
    };
    let path = area.path.as_str();
    let from = day_start(day);
    let to = from + DAY_MS;
    // The moment: now for today (or a future day), the day's end for a past day.
    let at = if now < to { now } else { to - 1 };
    let r = hq_reader(path);
    let mut v: HashMap<&'static str, Option<i64>> = HashMap::new();
    let mut put = |k: &'static str, x: Option<i64>| {
        v.insert(k, x);
    };

    // Registry tallies.
    let reg = areas::subtree_counts(db, path).await?;
    put("residents", Some(reg.residents));
    put("households", Some(reg.households));

    lap("registry");
    // Testing: the round over the area.
    match coverage::round_state(db, path, at).await? {
        Some(s) => {
            let c = &s.coverage;
            put("round_coverage", permille(c.sampled + c.exempt, c.expected));
            put("round_missing", Some(c.missing));
            put("positives", Some(s.positives));
            put("retests_due", Some(s.retests_due));
        }
        None => {
            for k in [
                "round_coverage",
                "round_missing",
                "positives",
                "retests_due",
            ] {
                put(k, None);
            }
        }
    }
    put("samples_taken", coverage::samples_taken(db, path).await?);

    lap("testing");
    // Zones in force at the moment.
    let z = zone_figures::of_area(db, &r, area, at, at).await?;
    put("zones_in_force", Some(z.zones));
    put("sealed_households", Some(z.sealed.households));
    put("sealed_people", Some(z.sealed.people));
    put("controlled_households", Some(z.controlled.households));
    put("controlled_people", Some(z.controlled.people));

    lap("zones");
    // Quarantine on the day.
    let q = quarantine_figures::of(db, &r, path, day, 3).await?;
    put("quarantined", Some(q.active));
    put("checks_late", Some(q.late));

    lap("quarantine");
    // Vaccination: full courses among the 60+ (every band from 60 up) and the 80+.
    let bands = vaccination_figures::bands_of(db, &r, area, day).await?;
    let (mut p60, mut f60, mut p80, mut f80) = (0, 0, 0, 0);
    for b in &bands {
        if matches!(b.band, "60-69" | "70-79" | "80+") {
            p60 += b.population;
            f60 += b.full;
        }
        if b.band == "80+" {
            p80 += b.population;
            f80 += b.full;
        }
    }
    put("vaccinated_60", permille(f60, p60));
    put("vaccinated_80", permille(f80, p80));

    lap("vaccination");
    // Needs: open and late now, solved on the day; totals since the start. A national area
    // reads its tallies; a grid or building counts its needs.
    if needs_tallies::kept_for(path) {
        let n = needs_tallies::of_area(db, path, day).await?;
        put("needs_open", Some(n.open));
        put(
            "needs_late",
            Some(needs_tallies::late_now(db, path, at).await?),
        );
        put("needs_solved_today", Some(n.solved_day));
        put("emergencies_open", Some(n.open_emergency));
        put("requests_registered", Some(n.registered));
        put("emergencies_solved", Some(n.solved_emergency));
        put("gas_delivered", Some(n.gas));
        put("parcels_delivered", Some(n.parcels));
    } else {
        let today = needs_figures::report(db, &r, path, from, to, at).await?;
        put("needs_open", Some(today.all.open_now));
        put("needs_late", Some(today.all.late_now));
        put("needs_solved_today", Some(today.all.solved));
        let emergency = |rep: &needs_figures::Report| {
            rep.by_category
                .iter()
                .find(|c| c.category == "emergency")
                .map(|c| c.figures.clone())
                .unwrap_or_default()
        };
        put("emergencies_open", Some(emergency(&today).open_now));
        let total = needs_figures::report(db, &r, path, 0, to, at).await?;
        put("requests_registered", Some(total.all.registered));
        put("emergencies_solved", Some(total.all.emergencies_solved));
        let item = |kind: &str| -> i64 {
            total
                .items
                .iter()
                .filter(|i| (i.kind == "gas") == (kind == "gas"))
                .map(|i| i.quantity)
                .sum()
        };
        put("gas_delivered", Some(item("gas")));
        put("parcels_delivered", Some(item("parcels")));
    }

    lap("needs");
    // Mobilization: on duty now, this week's hours (weeks from Monday), totals.
    let monday = day - (day + 3).rem_euclid(7);
    let week = duty::area_duty(db, path, at, day_start(monday), to).await?;
    put("on_duty_now", Some(week.on_duty));
    put("duty_hours_week", Some(week.half_hours * 5));
    let all = duty::area_duty(db, path, at, 0, to).await?;
    put("duty_person_times", Some(all.person_times));
    put("duty_hours_total", Some(all.half_hours * 5));

    lap("mobilization");
    // Checkpoints: absent where there is none.
    if checkpoint_figures::count_under(db, path).await? > 0 {
        let d = checkpoint_figures::of_area(db, path, from, to).await?;
        put("passes_today", Some(d.passed));
        put("persuaded_today", Some(d.returned));
        let t = checkpoint_figures::of_area(db, path, 0, to).await?;
        put("persuaded_total", Some(t.returned));
    } else {
        for k in ["passes_today", "persuaded_today", "persuaded_total"] {
            put(k, None);
        }
    }

    lap("checkpoints");
    // Supplies: absent where there is no store.
    let k = supply_figures::key_stock(db, path).await?;
    if k.stores > 0 {
        put("masks_stock", Some(k.masks));
        put("lpg_stock", Some(k.lpg));
        put(
            "money_balance",
            Some(supply_figures::balance_fen(db, path).await?),
        );
    } else {
        for k in ["masks_stock", "lpg_stock", "money_balance"] {
            put(k, None);
        }
    }

    lap("supplies");
    Ok(METRICS
        .iter()
        .map(|m| Figure {
            key: m.key,
            value: v.get(m.key).copied().flatten(),
            scale: m.scale,
            unit: m.unit,
        })
        .collect())
}
