//! The auto-fill planner (`autofill::plan`) against an independent brute force on small random
//! rosters: it never breaks a rule (by a rule checker of our own that scans a half-hour grid,
//! unlike the engine's interval arithmetic), it fills the most places there are to fill, and
//! it says why the rest stayed open.

use std::collections::BTreeMap;

use wardline::mobilization::autofill::{self, Candidate, Opening, Plan, SEARCH_BUDGET};
use wardline::mobilization::rules::{Availability, Rules, Span, CST_MS, DAY_MS, MINUTE_MS};
use wardline::rng::Rng;

use crate::mobilization_rules::t;

/// The grid of the checker: every time in these cases is on a half hour.
const CELL: i64 = 30 * MINUTE_MS;

fn cst_day(ms: i64) -> i64 {
    (ms + CST_MS).div_euclid(DAY_MS)
}

/// Whether a volunteer may serve at every cell of `[start, end)`: the day of the week, the
/// dates and the hours of the day of each half hour (China time).
fn available(a: &Availability, start: i64, end: i64) -> bool {
    let mut c = start;
    while c < end {
        let day = cst_day(c);
        let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday
        let minute = (c + CST_MS).rem_euclid(DAY_MS) / MINUTE_MS;
        let in_hours = if a.from_min < a.to_min {
            a.from_min <= minute && minute < a.to_min
        } else {
            // Wraps past midnight (equal ends: round the clock).
            minute >= a.from_min || minute < a.to_min
        };
        if a.days & (1 << weekday) == 0
            || a.first_day.is_some_and(|f| day < f)
            || a.last_day.is_some_and(|l| day > l)
            || !in_hours
        {
            return false;
        }
        c += CELL;
    }
    true
}

/// Whether a set of spans keeps the time rules, by filling a half-hour grid: no cell taken
/// twice, no 24 hours with more than the limit, no taken cell within the rest after a span
/// ends, no run of days longer than the limit.
fn keeps_time_rules(r: &Rules, spans: &[(i64, i64)]) -> bool {
    if spans.is_empty() {
        return true;
    }
    let lo = spans.iter().map(|s| s.0).min().unwrap() - 2 * DAY_MS;
    let hi = spans.iter().map(|s| s.1).max().unwrap() + 2 * DAY_MS;
    let n = ((hi - lo) / CELL) as usize;
    let mut grid = vec![0u8; n];
    for &(a, b) in spans {
        for c in ((a - lo) / CELL)..((b - lo) / CELL) {
            grid[c as usize] += 1;
            if grid[c as usize] > 1 {
                return false; // overlap
            }
        }
    }
    let per_day = (DAY_MS / CELL) as usize;
    let max_cells = r.max_minutes_in_24 * MINUTE_MS / CELL;
    for w in 0..n.saturating_sub(per_day) {
        let taken = grid[w..w + per_day].iter().filter(|x| **x > 0).count() as i64;
        if taken > max_cells {
            return false;
        }
    }
    let rest_cells = (r.min_rest_minutes * MINUTE_MS / CELL) as usize;
    for &(_, b) in spans {
        let e = ((b - lo) / CELL) as usize;
        if grid[e..(e + rest_cells).min(n)].iter().any(|x| *x > 0) {
            return false;
        }
    }
    let mut days: Vec<i64> = (0..n)
        .filter(|c| grid[*c] > 0)
        .map(|c| cst_day(lo + c as i64 * CELL))
        .collect();
    days.dedup();
    let mut run = 0;
    let mut last = i64::MIN;
    for d in days {
        run = if d == last + 1 { run + 1 } else { 1 };
        last = d;
        if run > r.max_consecutive_days {
            return false;
        }
    }
    true
}

fn skilled(r: &Rules, has: &str, need: &str) -> bool {
    !r.check_skills
        || need
            .split_whitespace()
            .all(|n| has.split_whitespace().any(|h| h == n))
}

/// Whether volunteer `v` may hold `new` (openings placed by the planner) on top of what they
/// hold already.
fn may_hold(r: &Rules, v: &Candidate, new: &[&Opening]) -> bool {
    if new
        .iter()
        .any(|o| !available(&v.avail, o.start, o.end) || !skilled(r, &v.skills, &o.skills))
    {
        return false;
    }
    let mut spans: Vec<(i64, i64)> = v.spans.iter().map(|s| (s.start, s.end)).collect();
    spans.extend(new.iter().map(|o| (o.start, o.end)));
    keeps_time_rules(r, &spans)
}

struct Case {
    rules: Rules,
    openings: Vec<Opening>,
    cands: Vec<Candidate>,
}

fn half_hours(rng: &mut Rng, lo: i64, hi: i64) -> i64 {
    rng.range(lo, hi) * CELL
}

/// A small random roster: 3–6 shifts of 4–8 hours for 1–2 people over 2–8 days, 2–4
/// volunteers with varied availability and skills, some holding shifts already (elsewhere, or
/// on one of these shifts).
fn case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let mut rules = Rules::default();
    match rng.below(10) {
        0 => rules.check_skills = false,
        1 | 2 => rules.max_consecutive_days = rng.range(1, 3),
        3 => rules.max_minutes_in_24 = 8 * 60,
        4 => rules.min_rest_minutes = 12 * 60,
        _ => {}
    }
    let days = rng.range(2, 8);
    let skill_sets = ["", "", "", "medical", "driving", "medical driving"];
    let n = rng.range(3, 6);
    let mut openings: Vec<Opening> = (0..n)
        .map(|i| {
            let start = t(rng.range(0, days - 1), 0, 0) + half_hours(&mut rng, 0, 47);
            let end = start + half_hours(&mut rng, 8, 16);
            let need = if rng.chance(250) {
                *rng.pick(&skill_sets[3..])
            } else {
                ""
            };
            Opening {
                shift: 100 + i,
                start,
                end,
                path: "431102001001".into(),
                skills: need.into(),
                open: rng.range(1, 2),
                taken: vec![],
            }
        })
        .collect();
    let nv = rng.range(2, 4);
    let mut cands: Vec<Candidate> = (0..nv)
        .map(|i| {
            let days_mask = match rng.below(5) {
                0 => 0b001_1111,                // weekdays
                1 => 1 + rng.below(127) as i64, // some days
                _ => 127,
            };
            let (from, to) = match rng.below(8) {
                0 | 1 => (8 * 60, 20 * 60),
                2 => (20 * 60, 8 * 60),
                3 => (rng.range(0, 23) * 60, rng.range(0, 24) * 60),
                _ => (0, 1440),
            };
            let first_day = rng.chance(150).then(|| cst_day(t(rng.range(0, 2), 0, 0)));
            let last_day = rng.chance(150).then(|| cst_day(t(rng.range(2, 8), 0, 0)));
            let mut skills: Vec<&str> = Vec::new();
            for s in ["medical", "driving", "it"] {
                if rng.chance(300) {
                    skills.push(s);
                }
            }
            Candidate {
                id: 10 + i,
                skills: skills.join(" "),
                avail: Availability {
                    days: days_mask,
                    from_min: from,
                    to_min: to,
                    first_day,
                    last_day,
                },
                home: if rng.chance(500) {
                    "431102001001/G0001".into()
                } else {
                    "431102001009".into()
                },
                spans: vec![],
                minutes: 0,
            }
        })
        .collect();
    // Shifts they hold elsewhere, around the period (kept only if they keep the rules).
    for (k, c) in cands.iter_mut().enumerate() {
        for j in 0..rng.range(0, 2) {
            let start = t(rng.range(-2, days + 1), 0, 0) + half_hours(&mut rng, 0, 47);
            let s = Span {
                shift: 900 + 10 * k as i64 + j,
                start,
                end: start + half_hours(&mut rng, 4, 16),
            };
            let mut all: Vec<(i64, i64)> = c.spans.iter().map(|s| (s.start, s.end)).collect();
            all.push((s.start, s.end));
            if keeps_time_rules(&rules, &all) {
                c.minutes += (s.end - s.start) / MINUTE_MS;
                c.spans.push(s);
            }
        }
    }
    // Someone already on a shift for two (as `autofill::run` hands it over: on `taken`, one
    // place less open, and the shift among their spans).
    for o in openings.iter_mut() {
        if o.open == 2 && rng.chance(300) {
            let k = rng.below(cands.len() as u64) as usize;
            let c = &mut cands[k];
            let mut all: Vec<(i64, i64)> = c.spans.iter().map(|s| (s.start, s.end)).collect();
            all.push((o.start, o.end));
            if keeps_time_rules(&rules, &all) {
                c.spans.push(Span {
                    shift: o.shift,
                    start: o.start,
                    end: o.end,
                });
                c.minutes += (o.end - o.start) / MINUTE_MS;
                o.taken.push(c.id);
                o.open -= 1;
            }
        }
    }
    Case {
        rules,
        openings,
        cands,
    }
}

/// The most places any placement keeping every rule fills: every subset of volunteers for
/// every shift, depth first, cut only where a volunteer already breaks a rule or where even
/// filling every remaining place would not beat the best found.
fn brute_force(c: &Case) -> i64 {
    struct B<'a> {
        c: &'a Case,
        held: Vec<Vec<&'a Opening>>,
        best: i64,
    }
    impl<'a> B<'a> {
        fn go(&mut self, o: usize, v: usize, here: i64, filled: i64) {
            let ops = &self.c.openings;
            if o == ops.len() {
                self.best = self.best.max(filled);
                return;
            }
            let left: i64 = (ops[o].open - here) + ops[o + 1..].iter().map(|x| x.open).sum::<i64>();
            if filled + left <= self.best {
                return;
            }
            if v == self.c.cands.len() || here == ops[o].open {
                self.go(o + 1, 0, 0, filled);
                return;
            }
            let cand = &self.c.cands[v];
            if !ops[o].taken.contains(&cand.id) {
                self.held[v].push(&ops[o]);
                if may_hold(&self.c.rules, cand, &self.held[v]) {
                    self.go(o, v + 1, here + 1, filled + 1);
                }
                self.held[v].pop();
            }
            self.go(o, v + 1, here, filled);
        }
    }
    let mut b = B {
        c,
        held: vec![vec![]; c.cands.len()],
        best: 0,
    };
    b.go(0, 0, 0, 0);
    b.best
}

/// Everything a plan must satisfy, whatever the roster: placements only on open places of
/// known shifts, by volunteers not already there, each volunteer keeping every rule by our own
/// checker; the unfilled list accounts for every open place left and for every volunteer.
fn check_plan(c: &Case, p: &Plan, what: &str) {
    let mut on: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (s, v) in &p.picks {
        let o = c.openings.iter().find(|o| o.shift == *s);
        let o = o.unwrap_or_else(|| panic!("{what}: unknown shift {s}"));
        assert!(
            !o.taken.contains(v),
            "{what}: volunteer {v} is on shift {s} already"
        );
        let list = on.entry(*s).or_default();
        assert!(!list.contains(v), "{what}: {v} twice on {s}");
        list.push(*v);
        assert!(list.len() as i64 <= o.open, "{what}: shift {s} over-filled");
    }
    for cand in &c.cands {
        let new: Vec<&Opening> = c
            .openings
            .iter()
            .filter(|o| on.get(&o.shift).is_some_and(|l| l.contains(&cand.id)))
            .collect();
        assert!(
            may_hold(&c.rules, cand, &new),
            "{what}: volunteer {} breaks a rule with shifts {:?}",
            cand.id,
            new.iter().map(|o| o.shift).collect::<Vec<_>>()
        );
    }
    for o in &c.openings {
        let placed = on.get(&o.shift).map_or(0, |l| l.len() as i64);
        let u = p.unfilled.iter().find(|u| u.shift == o.shift);
        if placed == o.open {
            assert!(u.is_none(), "{what}: shift {} is full: {u:?}", o.shift);
            continue;
        }
        let u = u.unwrap_or_else(|| panic!("{what}: shift {} not in unfilled", o.shift));
        assert_eq!(
            u.open,
            o.open - placed,
            "{what}: open places of {}",
            o.shift
        );
        assert_eq!(
            u.pool,
            c.cands.len() as i64 - o.taken.len() as i64 - placed,
            "{what}: pool of {}",
            o.shift
        );
        assert_eq!(
            u.reasons.values().sum::<i64>(),
            u.pool,
            "{what}: reasons {:?}",
            u.reasons
        );
    }
    assert_eq!(
        p.unfilled.len(),
        c.openings
            .iter()
            .filter(|o| on.get(&o.shift).map_or(0, |l| l.len() as i64) < o.open)
            .count(),
        "{what}: one unfilled entry per shift with open places"
    );
}

#[test]
fn plan_matches_brute_force_on_small_rosters() {
    let mut searched = 0;
    let mut total = 0;
    let mut short = 0;
    let mut greedy_short = 0;
    for seed in 0..1000u64 {
        let c = case(seed);
        let what = format!("seed {seed}");
        let p = autofill::plan(&c.rules, &c.openings, &c.cands, SEARCH_BUDGET);
        check_plan(&c, &p, &what);
        let best = brute_force(&c);
        assert!(p.proven, "{what}: not proven on a small roster");
        assert_eq!(
            p.picks.len() as i64,
            best,
            "{what}: filled {} of a possible {best}: {:?}",
            p.picks.len(),
            p.picks
        );
        let open: i64 = c.openings.iter().map(|o| o.open).sum();
        let unfilled: i64 = p.unfilled.iter().map(|u| u.open).sum();
        assert_eq!(unfilled, open - best, "{what}");
        if best < open {
            short += 1;
        }
        if p.checks > 0 {
            searched += 1;
        }
        total += best;
        // The planner alone, without the exact search, still keeps every rule.
        let greedy = autofill::plan(&c.rules, &c.openings, &c.cands, 0);
        check_plan(&c, &greedy, &format!("{what} (greedy only)"));
        assert!(greedy.picks.len() as i64 <= best);
        if greedy.picks.len() as i64 != best {
            greedy_short += 1;
            assert!(
                !greedy.proven,
                "{what}: greedy short of the best but proven"
            );
        }
    }
    // The cases are not trivial: places stay open in most, placements are made, and in some
    // the greedy pass alone falls short and the exact search makes up for it. (Checked on
    // 20,000 seeds once; 1,000 here keep the test to a few seconds.)
    assert!(short > 500, "only {short} rosters could not be filled");
    assert!(total > 1000, "only {total} places filled in all");
    assert!(searched > 900);
    assert!(
        greedy_short > 10,
        "the exact search mattered in {greedy_short} cases only"
    );
}

/// A case where the greedy pass (fewest hours, then lowest id) is not the best: the exact
/// search finds the better plan and proves it; without a budget the plan says it is unproven.
#[test]
fn exact_search_beats_greedy() {
    let any = Availability::default();
    let person = |id: i64, skills: &str| Candidate {
        id,
        skills: skills.into(),
        avail: any,
        home: "431102001001".into(),
        spans: vec![],
        minutes: 0,
    };
    let shift = |id: i64, start: i64, end: i64, skills: &str| Opening {
        shift: id,
        start,
        end,
        path: "431102001001".into(),
        skills: skills.into(),
        open: 1,
        taken: vec![],
    };
    // The medic has the lower id, so the greedy pass puts them on the first shift, and then
    // with four hours' rest they cannot take the shift that needs them.
    let cands = [person(1, "medical"), person(2, "")];
    let ops = [
        shift(10, t(0, 8, 0), t(0, 16, 0), ""),
        shift(11, t(0, 20, 0), t(1, 0, 0), "medical"),
    ];
    let r = Rules::default();
    let greedy = autofill::plan(&r, &ops, &cands, 0);
    assert_eq!(greedy.picks, vec![(10, 1)]);
    assert!(!greedy.proven);
    assert_eq!(greedy.unfilled.len(), 1);
    assert_eq!(greedy.unfilled[0].shift, 11);
    // Why: the medic would rest too little, the other lacks the skill.
    assert_eq!(
        greedy.unfilled[0].reasons,
        BTreeMap::from([("rest".to_string(), 1), ("skill".to_string(), 1)])
    );
    let best = autofill::plan(&r, &ops, &cands, SEARCH_BUDGET);
    let mut picks = best.picks.clone();
    picks.sort();
    assert_eq!(picks, vec![(10, 2), (11, 1)]);
    assert!(best.proven);
    assert!(best.unfilled.is_empty());
    // Fairness: the one with fewer hours goes first.
    let cands = [
        person(1, ""),
        Candidate {
            minutes: 60,
            ..person(2, "")
        },
    ];
    let p = autofill::plan(&r, &ops[..1], &cands, SEARCH_BUDGET);
    assert_eq!(p.picks, vec![(10, 1)]);
    let cands = [
        Candidate {
            minutes: 60,
            ..person(1, "")
        },
        person(2, ""),
    ];
    let p = autofill::plan(&r, &ops[..1], &cands, SEARCH_BUDGET);
    assert_eq!(p.picks, vec![(10, 2)]);
}

#[test]
fn fairness_figures() {
    let f = autofill::fairness(&[0, 480, 480, 960]);
    assert_eq!(f.volunteers, 3, "those with no hours are not counted");
    assert_eq!(f.min_hours, 8.0);
    assert_eq!(f.max_hours, 16.0);
    assert_eq!(f.mean_hours, 10.7);
    assert_eq!(f.stddev_hours, 3.8);
    let none = autofill::fairness(&[]);
    assert_eq!(none.volunteers, 0);
    assert_eq!(none.max_hours, 0.0);
}
