//! Auto-fill of a period's roster from approved volunteers.
//!
//! Two passes over the open slots (a shift's head-count less the people already on it), taken in
//! time order:
//! 1. **Greedy.** Each slot goes to the eligible volunteer with the fewest minutes of duty in the
//!    period so far (fair spread), then the nearest to the place (longest common area path), then
//!    the lowest id. Eligible: available then, has the skills, breaks no time rule given what
//!    they already hold.
//! 2. **Exact search**, only when the greedy pass left a slot open that someone could in
//!    principle take: a depth-first branch-and-bound over the slots with the greedy count as the
//!    bound to beat, within a budget of rule checks. On small rosters it finishes and the result
//!    is proven the most slots that can be filled; on big ones it stops at the budget and the
//!    result says so.
//!
//! Nothing here breaks a rule: every placement is checked against everything the volunteer
//! holds, existing and new. The pure planner ([`plan`]) is separate from the database
//! ([`run`]) so tests can check it against brute force.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::rules::{time_breaches, Availability, Rules, Span, RULE_CODES};
use crate::access::Reader;
use crate::args;
use crate::audit::{self, Actor, Event};
use crate::db::{now_ms, path_end, Db, FromRow, Value};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// A volunteer the planner may place.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub skills: String,
    pub avail: Availability,
    /// Where they live (or serve), for "near the place".
    pub home: String,
    /// Shifts they already hold (any place, around the period).
    pub spans: Vec<Span>,
    /// Minutes of duty they already hold within the period.
    pub minutes: i64,
}

/// A shift with open places.
#[derive(Debug, Clone)]
pub struct Opening {
    pub shift: i64,
    pub start: i64,
    pub end: i64,
    pub path: String,
    pub skills: String,
    /// Places still open (head-count less the people on it).
    pub open: i64,
    /// Volunteers already on it.
    pub taken: Vec<i64>,
}

/// Why a shift kept open places: how many volunteers of the pool were ruled out by each rule
/// (the first rule each one breaks, in [`RULE_CODES`] order).
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Unfilled {
    pub shift: i64,
    pub open: i64,
    pub pool: i64,
    pub reasons: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// (shift, volunteer) placements to make.
    pub picks: Vec<(i64, i64)>,
    pub unfilled: Vec<Unfilled>,
    /// Whether no other plan fills more places.
    pub proven: bool,
    pub checks: u64,
}

/// The default budget of rule checks for the exact search.
pub const SEARCH_BUDGET: u64 = 3_000_000;

fn has_skills(has: &str, need: &str) -> bool {
    need.split_whitespace()
        .all(|n| has.split_whitespace().any(|h| h == n))
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}

struct Search<'a> {
    rules: &'a Rules,
    /// Slot i belongs to opening `slot_of[i]`.
    slot_of: Vec<usize>,
    /// Per opening: candidates (indexes) that are available and skilled and not already on it,
    /// in order of preference.
    statics: &'a [Vec<usize>],
    /// Upper bound of the places slots i.. can still fill.
    suffix: Vec<i64>,
    spans: Vec<Vec<Span>>,
    cur: Vec<Option<usize>>,
    best: i64,
    best_sol: Option<Vec<Option<usize>>>,
    checks: u64,
    budget: u64,
    aborted: bool,
    openings: &'a [Opening],
}

impl Search<'_> {
    fn dfs(&mut self, i: usize, filled: i64) {
        if self.aborted {
            return;
        }
        if i == self.slot_of.len() {
            if filled > self.best {
                self.best = filled;
                self.best_sol = Some(self.cur.clone());
            }
            return;
        }
        if filled + self.suffix[i] <= self.best {
            return;
        }
        let o = self.slot_of[i];
        let same = i > 0 && self.slot_of[i - 1] == o;
        // Canonical form: within a shift, an empty place is followed by empty places only, and
        // volunteers come in increasing index order.
        if same && self.cur[i - 1].is_none() {
            self.cur[i] = None;
            self.dfs(i + 1, filled);
            return;
        }
        let min = if same { self.cur[i - 1] } else { None };
        let op = &self.openings[o];
        let cand = Span {
            shift: op.shift,
            start: op.start,
            end: op.end,
        };
        // The list lives outside the search state (no copy per node).
        let statics = self.statics;
        for &c in &statics[o] {
            if min.is_some_and(|m| c <= m) {
                continue;
            }
            self.checks += 1;
            if self.checks > self.budget {
                self.aborted = true;
                return;
            }
            if !time_breaches(self.rules, &self.spans[c], cand, true).is_empty() {
                continue;
            }
            self.spans[c].push(cand);
            self.cur[i] = Some(c);
            self.dfs(i + 1, filled + 1);
            self.spans[c].pop();
            if self.aborted {
                return;
            }
        }
        self.cur[i] = None;
        self.dfs(i + 1, filled);
    }
}

/// Plan the placements. `budget`: rule checks the exact search may spend.
pub fn plan(rules: &Rules, openings: &[Opening], cands: &[Candidate], budget: u64) -> Plan {
    // Openings in time order; slots in that order.
    let mut order: Vec<usize> = (0..openings.len()).collect();
    order.sort_by_key(|&i| (openings[i].start, openings[i].shift));
    let openings: Vec<Opening> = order.into_iter().map(|i| openings[i].clone()).collect();
    let mut checks = 0u64;

    // Static eligibility per opening, by preference: fewest minutes, nearest, lowest id.
    let statics: Vec<Vec<usize>> = openings
        .iter()
        .map(|op| {
            let mut v: Vec<usize> = (0..cands.len())
                .filter(|&c| {
                    let x = &cands[c];
                    !op.taken.contains(&x.id)
                        && x.avail.covers(op.start, op.end)
                        && (!rules.check_skills || has_skills(&x.skills, &op.skills))
                })
                .collect();
            v.sort_by_key(|&c| {
                (
                    cands[c].minutes,
                    std::cmp::Reverse(common_prefix(&cands[c].home, &op.path)),
                    cands[c].id,
                )
            });
            v
        })
        .collect();

    // 1. Greedy.
    let mut spans: Vec<Vec<Span>> = cands.iter().map(|c| c.spans.clone()).collect();
    let mut minutes: Vec<i64> = cands.iter().map(|c| c.minutes).collect();
    let mut greedy: Vec<Vec<usize>> = vec![vec![]; openings.len()];
    for (o, op) in openings.iter().enumerate() {
        let cand = Span {
            shift: op.shift,
            start: op.start,
            end: op.end,
        };
        for _ in 0..op.open {
            let mut best: Option<(i64, std::cmp::Reverse<usize>, i64, usize)> = None;
            for &c in &statics[o] {
                if greedy[o].contains(&c) {
                    continue;
                }
                let key = (
                    minutes[c],
                    std::cmp::Reverse(common_prefix(&cands[c].home, &op.path)),
                    cands[c].id,
                    c,
                );
                if best.as_ref().is_some_and(|b| *b <= key) {
                    continue;
                }
                checks += 1;
                if time_breaches(rules, &spans[c], cand, true).is_empty() {
                    best = Some(key);
                }
            }
            let Some((_, _, _, c)) = best else { break };
            spans[c].push(cand);
            minutes[c] += (op.end - op.start) / 60_000;
            greedy[o].push(c);
        }
    }
    let greedy_count: i64 = greedy.iter().map(|g| g.len() as i64).sum();

    // Upper bound: per opening, at most min(open, statically eligible).
    let caps: Vec<i64> = openings
        .iter()
        .zip(&statics)
        .map(|(op, s)| op.open.min(s.len() as i64))
        .collect();
    let bound: i64 = caps.iter().sum();

    let mut result = greedy.clone();
    let mut proven = greedy_count == bound;
    if !proven && budget > 0 {
        // 2. Exact search over the slots that could be filled at all.
        let mut slot_of = Vec::new();
        for (o, cap) in caps.iter().enumerate() {
            for _ in 0..*cap {
                slot_of.push(o);
            }
        }
        let mut suffix = vec![0i64; slot_of.len() + 1];
        for i in (0..slot_of.len()).rev() {
            suffix[i] = suffix[i + 1] + 1;
        }
        let mut s = Search {
            rules,
            cur: vec![None; slot_of.len()],
            slot_of,
            statics: &statics,
            suffix,
            spans: cands.iter().map(|c| c.spans.clone()).collect(),
            best: greedy_count,
            best_sol: None,
            checks: 0,
            budget,
            aborted: false,
            openings: &openings,
        };
        s.dfs(0, 0);
        checks += s.checks;
        proven = !s.aborted;
        if let Some(sol) = s.best_sol {
            result = vec![vec![]; openings.len()];
            for (i, c) in sol.iter().enumerate() {
                if let Some(c) = c {
                    result[s.slot_of[i]].push(*c);
                }
            }
        }
    }

    // The final holdings, to explain what stayed open.
    let mut spans: Vec<Vec<Span>> = cands.iter().map(|c| c.spans.clone()).collect();
    let mut picks = Vec::new();
    for (o, op) in openings.iter().enumerate() {
        for &c in &result[o] {
            spans[c].push(Span {
                shift: op.shift,
                start: op.start,
                end: op.end,
            });
            picks.push((op.shift, cands[c].id));
        }
    }
    let mut unfilled = Vec::new();
    for (o, op) in openings.iter().enumerate() {
        let open = op.open - result[o].len() as i64;
        if open <= 0 {
            continue;
        }
        let cand = Span {
            shift: op.shift,
            start: op.start,
            end: op.end,
        };
        let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
        let mut pool = 0;
        for (c, x) in cands.iter().enumerate() {
            if op.taken.contains(&x.id) || result[o].contains(&c) {
                continue;
            }
            pool += 1;
            let mut b = super::rules::breaches(
                rules, &x.avail, &x.skills, &op.skills,
                // Their other holdings: everything but this very shift.
                &spans[c], cand,
            );
            b.sort_by_key(|b| RULE_CODES.iter().position(|c| *c == b.code()));
            let code = b.first().map_or("free", |b| b.code());
            *reasons.entry(code.to_owned()).or_default() += 1;
        }
        unfilled.push(Unfilled {
            shift: op.shift,
            open,
            pool,
            reasons,
        });
    }
    Plan {
        picks,
        unfilled,
        proven,
        checks,
    }
}

/// How evenly the hours are spread over the volunteers who hold duty in the period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Fairness {
    pub volunteers: i64,
    pub min_hours: f64,
    pub max_hours: f64,
    pub mean_hours: f64,
    pub stddev_hours: f64,
}

pub fn fairness(minutes: &[i64]) -> Fairness {
    let v: Vec<f64> = minutes
        .iter()
        .filter(|m| **m > 0)
        .map(|m| *m as f64 / 60.0)
        .collect();
    if v.is_empty() {
        return Fairness {
            volunteers: 0,
            min_hours: 0.0,
            max_hours: 0.0,
            mean_hours: 0.0,
            stddev_hours: 0.0,
        };
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Fairness {
        volunteers: v.len() as i64,
        min_hours: v.iter().cloned().fold(f64::INFINITY, f64::min),
        max_hours: v.iter().cloned().fold(0.0, f64::max),
        mean_hours: (mean * 10.0).round() / 10.0,
        stddev_hours: (var.sqrt() * 10.0).round() / 10.0,
    }
}

/// What an auto-fill did.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub run_id: i64,
    pub filled: i64,
    pub unfilled: i64,
    pub proven: bool,
    pub fairness: Fairness,
    pub detail: Vec<Unfilled>,
}

/// A shift of the period with one of the people on it (`None` when nobody is).
struct ShiftTaken {
    id: i64,
    starts_ms: i64,
    ends_ms: i64,
    path: String,
    skills: String,
    headcount: i64,
    volunteer_id: Option<i64>,
}
crate::from_row!(ShiftTaken {
    id,
    starts_ms,
    ends_ms,
    path,
    skills,
    headcount,
    volunteer_id
});

/// An approved volunteer of the area: skills, availability and home.
struct CandidateRow {
    v: super::roster::VolunteerRules,
    home_path: String,
}

impl FromRow for CandidateRow {
    fn from_row(r: &crate::db::Row) -> crate::db::DbResult<CandidateRow> {
        Ok(CandidateRow {
            v: super::roster::VolunteerRules::from_row(r)?,
            home_path: r.get("home_path")?,
        })
    }
}

/// Auto-fill the shifts starting in `[from, to)` within the area at `path` from the approved
/// volunteers serving there, and record the run. The reader must manage rosters there.
pub async fn run(
    db: &Db,
    actor: &Actor,
    reader: &Reader,
    path: &str,
    from: i64,
    to: i64,
) -> AppResult<RunResult> {
    super::require_manager(reader)?;
    if !reader.scope.contains(path) {
        return Err(AppError::NotFound);
    }
    if to <= from || to - from > 31 * super::rules::DAY_MS {
        return Err(FieldError::new(
            "period",
            "the period must end after it starts and last at most 31 days",
            "时段的结束须晚于开始，且不超过 31 天",
        )
        .into());
    }
    let rules = Rules::load(db).await?;
    let end = path_end(path);
    let mut tx = db.begin().await?;
    let area_id: i64 = tx
        .scalar_opt("SELECT id FROM areas WHERE path = $1", args![path])
        .await?
        .ok_or(AppError::NotFound)?;
    if tx.backend() == crate::db::Backend::Postgres {
        // Take turns with other placements of these shifts and volunteers (see `Tx::lock_rows`).
        let shifts: Vec<i64> = tx
            .column(
                "SELECT id FROM shifts WHERE path >= $1 AND path < $2 AND starts_ms >= $3 AND starts_ms < $4",
                args![path, end.as_str(), from, to],
            )
            .await?;
        tx.lock_rows("shifts", &shifts).await?;
        let vols: Vec<i64> = tx
            .column(
                "SELECT id FROM volunteers WHERE path >= $1 AND path < $2 AND status = 'approved'",
                args![path, end.as_str()],
            )
            .await?;
        tx.lock_rows("volunteers", &vols).await?;
    }
    // The shifts and who is on them.
    let rows = tx
        .query_as::<ShiftTaken>(
            "SELECT s.id, s.starts_ms, s.ends_ms, s.path, s.skills, s.headcount, a.volunteer_id \
             FROM shifts s LEFT JOIN assignments a ON a.shift_id = s.id \
             WHERE s.path >= $1 AND s.path < $2 AND s.starts_ms >= $3 AND s.starts_ms < $4 \
             ORDER BY s.starts_ms, s.id",
            args![path, end.as_str(), from, to],
        )
        .await?;
    let mut openings: Vec<Opening> = Vec::new();
    for r in rows {
        if openings.last().is_none_or(|o| o.shift != r.id) {
            openings.push(Opening {
                shift: r.id,
                start: r.starts_ms,
                end: r.ends_ms,
                path: r.path,
                skills: r.skills,
                open: r.headcount,
                taken: vec![],
            });
        }
        if let Some(v) = r.volunteer_id {
            let o = openings.last_mut().expect("pushed above");
            o.taken.push(v);
            o.open -= 1;
        }
    }
    openings.retain(|o| o.open > 0);
    // The approved volunteers serving in the area.
    let vrows = tx
        .query_as::<CandidateRow>(
            "SELECT id, skills, days, from_min, to_min, avail_from, avail_to, home_path \
             FROM volunteers WHERE path >= $1 AND path < $2 AND status = 'approved' ORDER BY id",
            args![path, end.as_str()],
        )
        .await?;
    let mut cands: Vec<Candidate> = vrows
        .into_iter()
        .map(|r| Candidate {
            id: r.v.id,
            avail: r.v.availability(),
            skills: r.v.skills,
            home: r.home_path,
            spans: vec![],
            minutes: 0,
        })
        .collect();
    let index: std::collections::HashMap<i64, usize> =
        cands.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    // What they already hold around the period (the rules look a week either side).
    let margin = 8 * super::rules::DAY_MS;
    let held = tx
        .query(
            "SELECT a.volunteer_id, a.shift_id, a.starts_ms, a.ends_ms FROM assignments a \
             JOIN volunteers v ON v.id = a.volunteer_id \
             WHERE v.path >= $1 AND v.path < $2 AND v.status = 'approved' \
             AND a.starts_ms >= $3 AND a.starts_ms < $4",
            args![path, end.as_str(), from - margin, to + margin],
        )
        .await?;
    for r in held {
        if let Some(&i) = index.get(&r.get::<i64>("volunteer_id")?) {
            let s = Span::from_row(&r)?;
            if s.start >= from && s.start < to {
                cands[i].minutes += (s.end - s.start) / 60_000;
            }
            cands[i].spans.push(s);
        }
    }
    let p = plan(&rules, &openings, &cands, SEARCH_BUDGET);
    let now = now_ms();
    let detail = json!({"unfilled": p.unfilled, "proven": p.proven});
    let unfilled: i64 = p.unfilled.iter().map(|u| u.open).sum();
    let run_id: i64 = tx
        .scalar(
            "INSERT INTO autofill_runs (area_id, path, from_ms, to_ms, filled, unfilled, detail, run_by, run_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            args![
                area_id,
                path,
                from,
                to,
                p.picks.len() as i64,
                unfilled,
                detail.to_string(),
                actor.username.as_str(),
                now
            ],
        )
        .await?;
    let by_id: std::collections::HashMap<i64, &Opening> =
        openings.iter().map(|o| (o.shift, o)).collect();
    let rows: Vec<Value> = p
        .picks
        .iter()
        .flat_map(|(s, v)| {
            let o = by_id[s];
            args![
                *s,
                *v,
                o.start,
                o.end,
                "auto",
                run_id,
                actor.username.as_str(),
                now
            ]
        })
        .collect();
    if !rows.is_empty() {
        tx.bulk_insert(
            "assignments",
            &[
                "shift_id",
                "volunteer_id",
                "starts_ms",
                "ends_ms",
                "how",
                "run_id",
                "assigned_by",
                "assigned_ms",
            ],
            rows,
            None,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Event::new("roster_autofill", "area", area_id)
            .area(path)
            .detail(json!({"from_ms": from, "to_ms": to, "filled": p.picks.len(), "unfilled": unfilled, "run": run_id})),
    )
    .await?;
    tx.commit().await?;
    let mut mins: BTreeMap<i64, i64> = cands.iter().map(|c| (c.id, c.minutes)).collect();
    for (s, v) in &p.picks {
        let o = by_id[s];
        *mins.entry(*v).or_default() += (o.end - o.start) / 60_000;
    }
    Ok(RunResult {
        run_id,
        filled: p.picks.len() as i64,
        unfilled,
        proven: p.proven,
        fairness: fairness(&mins.values().copied().collect::<Vec<_>>()),
        detail: p.unfilled,
    })
}

/// A short text of why places stayed open, e.g. "12 unavailable · 30 would break the rest rule".
pub fn reasons_msg(u: &Unfilled) -> Msg {
    if u.pool == 0 {
        return Msg::new(
            "no approved volunteer serves here",
            "此处没有已通过审核的志愿者",
        );
    }
    let label = |code: &str| -> (&'static str, &'static str) {
        match code {
            "availability" => ("unavailable then", "该时段不可服务"),
            "skill" => ("lack the skill", "缺少所需技能"),
            "overlap" => ("on another shift then", "同时段已有班次"),
            "hours24" => ("over the hours in 24", "超过 24 小时工时上限"),
            "rest" => ("too little rest", "休息不足"),
            "days" => ("too many days in a row", "连续天数超限"),
            _ => ("free but placed elsewhere", "空闲但已另有安排"),
        }
    };
    let en: Vec<String> = u
        .reasons
        .iter()
        .map(|(k, n)| format!("{n} {}", label(k).0))
        .collect();
    let zh: Vec<String> = u
        .reasons
        .iter()
        .map(|(k, n)| format!("{n} 人{}", label(k).1))
        .collect();
    Msg::new(
        format!("of {} volunteers: {}", u.pool, en.join(" · ")),
        format!("{} 名志愿者中：{}", u.pool, zh.join(" · ")),
    )
}
