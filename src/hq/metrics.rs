//! The fixed vocabulary of HQ metrics: each a key, a unit and the page behind it, computed for
//! an area subtree at a moment by the capabilities' engines (their tallies where they keep
//! them). A figure is `None` ("absent") when the capability has nothing in the deployment or
//! area (no testing round yet, no store), which is not the same as zero.

use serde::Serialize;

use crate::db::Db;
use crate::error::AppResult;

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
    m("sealed_households", Households, 0, Now, to_zones, false, true),
    m("sealed_people", People, 0, Now, to_zones, true, true),
    m("controlled_households", Households, 0, Now, to_zones, false, true),
    m("controlled_people", People, 0, Now, to_zones, false, true),
    // Quarantine.
    m("quarantined", People, 0, Now, to_quarantine, true, true),
    m("checks_late", Count, 0, Now, to_quarantine, false, true),
    // Vaccination.
    m("vaccinated_60", Percent, 1, Now, to_vaccination, true, false),
    m("vaccinated_80", Percent, 1, Now, to_vaccination, false, false),
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
    m("persuaded_today", People, 0, Day, to_checkpoints, false, false),
    // Supplies.
    m("masks_stock", Pieces, 0, Now, to_supplies, false, false),
    m("lpg_stock", Pieces, 0, Now, to_supplies, false, false),
    m("money_balance", Fen, 2, Now, to_supplies, false, false),
    // Totals since the start of the response (the briefing's figures).
    m("samples_taken", Count, 0, Total, to_testing, false, false),
    m("parcels_delivered", Count, 0, Total, to_needs, false, false),
    m("duty_person_times", Count, 0, Total, to_roster, false, false),
    m("duty_hours_total", Hours, 1, Total, to_roster, false, false),
    m("persuaded_total", People, 0, Total, to_checkpoints, false, false),
    m("requests_registered", Count, 0, Total, to_needs, false, false),
    m("emergencies_solved", Count, 0, Total, to_needs, false, false),
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

/// Every metric of [`METRICS`] (in its order) for the subtree of `area_id`, on `day` (days since
/// 1970-01-01, China time): today's figures are as of now, a past day's as of its end.
pub async fn figures(db: &Db, area_id: i64, day: i64) -> AppResult<Vec<Figure>> {
    let _ = (db, area_id, day);
    todo!("hq figures")
}
