//! Coverage (不漏一户、不漏一人): exemptions, the household rules, registry changes, and a
//! property test that the live tallies always equal a brute-force recount after random
//! sequences of everything that moves them. On both backends.

use std::collections::{HashMap, HashSet};

use wardline::access::Reader;
use wardline::args;
use wardline::db::{now_ms, Db};
use wardline::error::AppError;
use wardline::registry::edit;
use wardline::registry::model::{LEVEL_BUILDING, LEVEL_COMMUNITY, LEVEL_GRID, LEVEL_STREET};
use wardline::registry::residents::ResidentInput;
use wardline::rng::Rng;
use wardline::testing::ingest::{self, Op, Outcome, Status, Submission};
use wardline::testing::{self as testing, coverage, results, Round};

use crate::access::id_number;
use crate::common::{backends, demo_under};
use crate::testing::{
    actor, add, add_confirm, areas_at, check_coverage, close, household, lab_results, one, open,
    reader, round_over, site, submit,
};

const HOUR: i64 = 3_600_000;

/// The household's row of the round: (members, sampled, exempt), if touched.
async fn hh_row(db: &Db, round: &Round, hh: i64) -> Option<(i64, i64, i64)> {
    db.query_opt(
        "SELECT members, sampled, exempt FROM test_households WHERE round_id = $1 AND household_id = $2",
        args![round.id, hh],
    )
    .await
    .unwrap()
    .map(|r| (r.int(0), r.int(1), r.int(2)))
}

fn resident(name: &str, doc: &str) -> ResidentInput {
    ResidentInput {
        name: name.into(),
        doc_number: doc.into(),
        relation: Some("other".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn exemptions_and_the_household_rules() {
    for t in backends().await {
        let (db, name) = (&t.db, t.name);
        demo_under(db, 1_000, 41, "431102001").await;
        let grid = areas_at(db, LEVEL_GRID).await[0].clone();
        let other_grid = areas_at(db, LEVEL_GRID).await[1].clone();
        let hq = reader(db, "hq", "hq", "431102").await;
        let col = reader(db, "col", "collector", "431102").await;
        let gw = reader(db, "gw", "grid", &grid).await;
        let gw2 = reader(db, "gw2", "grid", &other_grid).await;
        let now = now_ms();
        let round = round_over(db, &hq, "431102", 10, now - HOUR, now + HOUR).await;
        let s = site(db, &hq, &round, "431102", &["col"]).await;
        one(db, &col, &round, open("o1", "T1", Some(s))).await;
        one(db, &col, &round, open("o2", "T2", Some(s))).await;
        let (hh, m) = household(db, &grid, 3, 0).await;
        let (mut hh2, mut m2) = household(db, &grid, 2, 0).await;
        if hh2 == hh {
            (hh2, m2) = household(db, &grid, 2, 1).await;
        }
        let base = check_coverage(db, &round, &grid).await;
        assert_eq!(
            (base.sampled, base.exempt, base.households_covered),
            (0, 0, 0)
        );
        let ex = |r: &Reader, id: i64, reason: &str, note: &str| {
            let (r, reason, note) = (r.clone(), reason.to_owned(), note.to_owned());
            let round = round.clone();
            async move { results::exempt(db, &actor(&r), &r, &round, id, &reason, &note).await }
        };

        // Who may exempt, and what a valid exemption is.
        let e = ex(&gw, m[0], "other", "").await;
        assert!(
            matches!(e, Err(AppError::Invalid(_))),
            "{e:?}: other needs a note"
        );
        let e = ex(&gw, m[0], "holiday", "").await;
        assert!(matches!(e, Err(AppError::Invalid(_))), "{e:?}");
        let e = ex(&hq, m[0], "away", "").await;
        assert!(
            matches!(e, Err(AppError::Forbidden(_))),
            "{e:?}: HQ reads, grids write"
        );
        for r in [&gw2, &col] {
            let e = ex(r, m[0], "away", "").await;
            assert!(
                matches!(e, Err(AppError::NotFound)),
                "{}: {e:?}",
                r.username
            );
        }
        assert_eq!(check_coverage(db, &round, &grid).await, base);

        // One member exempt: counted as exempt, the household is not covered yet.
        ex(&gw, m[0], "away", "在外地").await.unwrap();
        let c = check_coverage(db, &round, &grid).await;
        assert_eq!((c.exempt, c.missing), (1, base.missing - 1), "{name}");
        assert_eq!(c.households_covered, 0);
        assert_eq!(hh_row(db, &round, hh).await, Some((m.len() as i64, 0, 1)));
        // Changing the reason changes nothing in the numbers.
        ex(&gw, m[0], "other", "出差").await.unwrap();
        assert_eq!(check_coverage(db, &round, &grid).await, c);
        let list = results::exemptions(db, round.id, &grid, &gw.scope)
            .await
            .unwrap();
        assert_eq!(
            list.iter()
                .map(|e| (e.resident_id, e.reason.as_str(), e.note.as_str()))
                .collect::<Vec<_>>(),
            [(m[0], "other", "出差")]
        );
        assert!(results::exemptions(db, round.id, &grid, &gw2.scope)
            .await
            .unwrap()
            .is_empty());

        // Everyone else sampled: covered.
        let ops: Vec<Op> = m[1..]
            .iter()
            .enumerate()
            .map(|(i, &x)| add(&format!("a{i}"), "T1", x))
            .collect();
        submit(db, &col, &round, ops, false).await;
        let c = check_coverage(db, &round, &grid).await;
        assert_eq!(
            c.households_covered, 1,
            "{name}: sampled or exempt, all of them"
        );
        assert_eq!(
            hh_row(db, &round, hh).await,
            Some((m.len() as i64, m.len() as i64 - 1, 1))
        );
        // The exempt one is sampled after all: sampled, no longer exempt, counted once.
        one(db, &col, &round, add("a-ex", "T1", m[0])).await;
        let c2 = check_coverage(db, &round, &grid).await;
        assert_eq!(
            (c2.sampled, c2.exempt),
            (c.sampled + 1, c.exempt - 1),
            "{name}"
        );
        assert_eq!(c2.households_covered, 1);
        // Taking the exemption back now changes nothing; exempting a sampled person neither.
        results::unexempt(db, &actor(&gw), &gw, &round, m[0])
            .await
            .unwrap();
        assert_eq!(check_coverage(db, &round, &grid).await, c2);
        ex(&gw, m[1], "hospital", "").await.unwrap();
        assert_eq!(check_coverage(db, &round, &grid).await, c2, "{name}");
        results::unexempt(db, &actor(&gw), &gw, &round, m[1])
            .await
            .unwrap();

        // A new member of the covered household: it is not covered any more.
        let rid = edit::add_resident(
            db,
            &actor(&gw),
            &gw,
            hh,
            &resident("新成员", &id_number("20240101", 981)),
        )
        .await
        .unwrap();
        let c3 = check_coverage(db, &round, &grid).await;
        assert_eq!(
            (c3.expected, c3.missing, c3.households_covered),
            (c2.expected + 1, c2.missing + 1, 0),
            "{name}"
        );
        assert_eq!(
            hh_row(db, &round, hh).await,
            Some((m.len() as i64 + 1, m.len() as i64, 0))
        );
        let (list, _) = coverage::missing(db, round.id, &grid, &gw.registry_scope())
            .await
            .unwrap();
        let mine = list
            .iter()
            .find(|h| h.household_id == hh)
            .expect("on the list again");
        assert_eq!(
            mine.missing
                .iter()
                .map(|p| p.resident_id)
                .collect::<Vec<_>>(),
            [rid]
        );
        // The baby is exempt (infant): covered again; unexempt: not.
        ex(&gw, rid, "infant", "").await.unwrap();
        assert_eq!(
            check_coverage(db, &round, &grid).await.households_covered,
            1
        );
        results::unexempt(db, &actor(&gw), &gw, &round, rid)
            .await
            .unwrap();
        assert_eq!(
            check_coverage(db, &round, &grid).await.households_covered,
            0
        );
        // Unexempting someone never exempt: nothing happens.
        results::unexempt(db, &actor(&gw), &gw, &round, m2[0])
            .await
            .unwrap();

        // A household with everyone exempt is covered, with nobody sampled.
        for &x in &m2 {
            ex(&gw, x, "away", "").await.unwrap();
        }
        let c4 = check_coverage(db, &round, &grid).await;
        assert_eq!(c4.households_covered, 1, "{name}");
        assert_eq!(
            hh_row(db, &round, hh2).await,
            Some((m2.len() as i64, 0, m2.len() as i64))
        );
        // The missing list has exactly the missing people, grouped by household.
        let (list, truncated) = coverage::missing(db, round.id, &grid, &gw.registry_scope())
            .await
            .unwrap();
        assert!(!truncated);
        let n: usize = list.iter().map(|h| h.missing.len()).sum();
        assert_eq!(n as i64, c4.missing, "{name}");
        assert!(list.iter().all(|h| h.household_id != hh2));
        // Outside the reader's scope: nothing.
        let (list, _) = coverage::missing(db, round.id, &grid, &gw2.registry_scope())
            .await
            .unwrap();
        assert!(list.is_empty());
        let (list, _) = coverage::missing(db, round.id, &grid, &col.registry_scope())
            .await
            .unwrap();
        assert!(list.is_empty(), "a collector reads no missing list");
        check_coverage(db, &round, "431102").await;
        check_coverage(db, &round, &grid[..12]).await;
    }
}

// ---- The property test ----

/// Everything the random walk keeps track of: what it has sent and what the engine said.
struct Walk<'a> {
    db: &'a Db,
    round: Round,
    collectors: Vec<Reader>,
    writer: Reader,
    lab: Reader,
    /// Sites: (id, capacity there).
    sites: Vec<(i64, i64)>,
    residents: Vec<(i64, i64)>,
    households: Vec<i64>,
    /// Open tubes: barcode → (site, capacity, n).
    open: HashMap<String, (i64, i64, i64)>,
    /// Closed tubes without a result.
    closed: Vec<String>,
    /// Ops already sent, with their replies, for retries: (collector index, op, outcome).
    sent: Vec<(usize, Op, Outcome)>,
    exempt: HashSet<i64>,
    next: usize,
    /// Client ids are unique per account across rounds: each walk has its own prefix.
    prefix: String,
    rng: Rng,
    log: Vec<String>,
}

impl Walk<'_> {
    fn cid(&mut self) -> String {
        self.next += 1;
        format!("{}c{}", self.prefix, self.next)
    }

    fn barcode(&mut self) -> String {
        self.next += 1;
        format!("B{}", self.next)
    }

    async fn status_of(&self, id: i64) -> Option<String> {
        self.db
            .query_opt(
                "SELECT status FROM test_persons WHERE round_id = $1 AND resident_id = $2",
                args![self.round.id, id],
            )
            .await
            .unwrap()
            .map(|r| r.string(0))
    }

    /// People with a given status in the round.
    async fn with_status(&self, s: &str) -> Vec<i64> {
        self.db
            .query(
                "SELECT resident_id FROM test_persons WHERE round_id = $1 AND status = $2 ORDER BY resident_id",
                args![self.round.id, s],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect()
    }

    /// Apply several submissions in one group commit, as the writer task does.
    async fn apply(&mut self, subs: Vec<(usize, Vec<Op>)>) -> Vec<Vec<Outcome>> {
        let s: Vec<Submission> = subs
            .iter()
            .map(|(c, ops)| Submission {
                reader: self.collectors[*c].clone(),
                round: self.round.clone(),
                ops: ops.clone(),
                offline: false,
            })
            .collect();
        let refs: Vec<&Submission> = s.iter().collect();
        let out = ingest::apply(self.db, &refs).await.unwrap();
        for ((c, ops), outs) in subs.iter().zip(&out) {
            for (op, o) in ops.iter().zip(outs) {
                self.track(op, o);
                if !o.replayed {
                    self.sent.push((*c, op.clone(), o.clone()));
                }
            }
        }
        out
    }

    /// Follow the tubes' states from the replies.
    fn track(&mut self, op: &Op, o: &Outcome) {
        let Some(t) = &o.tube else { return };
        if o.status == Status::Refused && o.code != "tube_full" {
            return;
        }
        if t.closed {
            if self.open.remove(&t.barcode).is_some() {
                self.closed.push(t.barcode.clone());
            }
        } else if !o.replayed {
            self.open
                .insert(t.barcode.clone(), (t.site_id, t.capacity, t.n));
        }
        let _ = op;
    }

    async fn open_tube(&mut self, site: usize, c: usize) -> Option<String> {
        let b = self.barcode();
        let cid = self.cid();
        let (sid, _) = self.sites[site];
        let o = self.apply(vec![(c, vec![open(&cid, &b, Some(sid))])]).await;
        assert_eq!(o[0][0].code, "opened", "{:?}", o[0][0]);
        Some(b)
    }

    /// An open tube (opening one when there is none) with room, at a site of `capacity` when
    /// given.
    async fn some_tube(&mut self, capacity: Option<i64>) -> String {
        let mut fit: Vec<&String> = self
            .open
            .iter()
            .filter(|(_, (_, cap, _))| capacity.is_none_or(|c| c == *cap))
            .map(|(b, _)| b)
            .collect();
        fit.sort();
        if !fit.is_empty() && self.rng.chance(800) {
            return self.rng.pick(&fit).to_string();
        }
        let candidates: Vec<usize> = (0..self.sites.len())
            .filter(|&i| capacity.is_none_or(|c| self.sites[i].1 == c))
            .collect();
        let site = *self.rng.pick(&candidates);
        let c = self.rng.below(self.collectors.len() as u64) as usize;
        self.open_tube(site, c).await.expect("a fresh tube opens")
    }

    async fn step(&mut self) {
        let roll = self.rng.below(100);
        match roll {
            // Sample someone (mostly new people, sometimes a repeat), maybe several devices at
            // once in one group commit.
            0..=39 => {
                let k = 1 + self.rng.below(3) as usize;
                let mut subs = Vec::new();
                for _ in 0..k {
                    let tube = self.some_tube(None).await;
                    let who = self.rng.pick(&self.residents).0;
                    let cid = self.cid();
                    let c = self.rng.below(self.collectors.len() as u64) as usize;
                    let op = match self.rng.below(4) {
                        0 => add_confirm(&cid, &tube, who, true),
                        1 => add_confirm(&cid, &tube, who, false),
                        _ => add(&cid, &tube, who),
                    };
                    subs.push((c, vec![op]));
                }
                let out = self.apply(subs).await;
                self.log.push(format!(
                    "add {:?}",
                    out.iter().map(|o| o[0].code.clone()).collect::<Vec<_>>()
                ));
            }
            // Close a tube.
            40..=49 => {
                let mut open: Vec<String> = self.open.keys().cloned().collect();
                open.sort();
                if let Some(b) = open.first().cloned() {
                    let b = if self.rng.chance(500) {
                        b
                    } else {
                        self.rng.pick(&open).clone()
                    };
                    let cid = self.cid();
                    let c = self.rng.below(self.collectors.len() as u64) as usize;
                    let o = self.apply(vec![(c, vec![close(&cid, &b)])]).await;
                    if o[0][0].code == "tube_empty" {
                        // Stays open.
                    }
                    self.log.push(format!("close {b}: {}", o[0][0].code));
                }
            }
            // Retry something sent before: the same reply, replayed.
            50..=56 => {
                if self.sent.is_empty() {
                    return;
                }
                let i = self.rng.below(self.sent.len() as u64) as usize;
                let (c, op, first) = self.sent[i].clone();
                let o = self.apply(vec![(c, vec![op.clone()])]).await;
                let o = &o[0][0];
                assert!(o.replayed, "retry of {op:?}: {o:?}");
                assert_eq!(
                    Outcome {
                        replayed: false,
                        ..o.clone()
                    },
                    first
                );
                self.log.push(format!("retry {}", op.client_id));
            }
            // Exempt or unexempt.
            57..=66 => {
                let who = self.rng.pick(&self.residents).0;
                let w = self.writer.clone();
                if self.exempt.contains(&who) && self.rng.chance(500) {
                    results::unexempt(self.db, &actor(&w), &w, &self.round, who)
                        .await
                        .unwrap();
                    self.exempt.remove(&who);
                    self.log.push(format!("unexempt {who}"));
                } else {
                    let reason = *self.rng.pick(&["away", "hospital", "infant", "deceased"]);
                    results::exempt(self.db, &actor(&w), &w, &self.round, who, reason, "")
                        .await
                        .unwrap();
                    self.exempt.insert(who);
                    self.log.push(format!("exempt {who}"));
                }
            }
            // A lab result for a closed tube.
            67..=80 => {
                if self.closed.is_empty() {
                    return;
                }
                let i = self.rng.below(self.closed.len() as u64) as usize;
                let b = self.closed.swap_remove(i);
                let r = *self
                    .rng
                    .pick(&["negative", "negative", "positive", "invalid"]);
                let rep = lab_results(self.db, &self.lab.clone(), &self.round, &[(&b, r)])
                    .await
                    .unwrap_or_else(|e| panic!("result {r} for {b}: {e:?}"));
                self.log.push(format!("result {b} {r}: {rep:?}"));
            }
            // Re-test someone whose pooled tube was positive, alone (or try a pooled tube).
            81..=88 => {
                let due = self.with_status("retest").await;
                if due.is_empty() {
                    return;
                }
                let who = *self.rng.pick(&due);
                let single = self.rng.chance(800);
                let tube = self.some_tube(single.then_some(1)).await;
                let cap = self.open.get(&tube).map(|t| t.1);
                let cid = self.cid();
                let o = self.apply(vec![(0, vec![add(&cid, &tube, who)])]).await;
                let o = &o[0][0];
                if cap == Some(1) {
                    assert_eq!(o.code, "added", "re-test of {who} in {tube}: {o:?}");
                    assert_eq!(self.status_of(who).await.as_deref(), Some("retest_pending"));
                } else if cap.is_some() {
                    assert!(
                        o.code == "needs_single_tube" || o.code == "other_household",
                        "re-test of {who} in a pooled tube {tube}: {o:?}"
                    );
                }
                self.log.push(format!("retest {who} in {tube}: {}", o.code));
            }
            // Sample again someone whose tube was invalid.
            89..=94 => {
                let due = self.with_status("resample").await;
                if due.is_empty() {
                    return;
                }
                let who = *self.rng.pick(&due);
                let tube = self.some_tube(None).await;
                let cid = self.cid();
                let o = self.apply(vec![(0, vec![add(&cid, &tube, who)])]).await;
                let o = &o[0][0];
                assert!(
                    matches!(o.code.as_str(), "added" | "other_household"),
                    "re-sample of {who}: {o:?}"
                );
                self.log.push(format!("resample {who}: {}", o.code));
            }
            // The registry grows: a new member in some household.
            _ => {
                let hh = *self.rng.pick(&self.households);
                self.next += 1;
                let doc = id_number("19310101", (self.next % 1000) as u32);
                let w = self.writer.clone();
                match edit::add_resident(self.db, &actor(&w), &w, hh, &resident("新来的", &doc))
                    .await
                {
                    Ok(id) => {
                        self.residents.push((id, hh));
                        self.log.push(format!("new resident {id} in {hh}"));
                    }
                    // The same number twice (the walk wraps around): refused, fine.
                    Err(AppError::Conflict(_)) | Err(AppError::Invalid(_)) => {}
                    Err(e) => panic!("add_resident: {e:?}"),
                }
            }
        }
    }
}

/// Tallies equal recounts at every level checked, children add up, and the missing list has
/// exactly the missing people; plus the tubes' own bookkeeping.
async fn check_all(db: &Db, round: &Round, paths: &[String], hq: &Reader, context: &str) {
    for p in paths {
        let c = coverage::subtree(db, round.id, p).await.unwrap();
        let r = coverage::recount(db, round.id, p).await.unwrap();
        assert_eq!(c, r, "{context}: coverage at {p}");
        let area = wardline::registry::areas::by_path(db, p)
            .await
            .unwrap()
            .unwrap();
        if area.level < LEVEL_BUILDING {
            let kids = coverage::children(db, round.id, &area).await.unwrap();
            let mut sum = coverage::Coverage::default();
            for k in &kids {
                let r = coverage::recount(db, round.id, &k.path).await.unwrap();
                assert_eq!(k.coverage, r, "{context}: child {} of {p}", k.path);
                sum.expected += r.expected;
                sum.sampled += r.sampled;
                sum.exempt += r.exempt;
                sum.missing += r.missing;
                sum.households += r.households;
                sum.households_covered += r.households_covered;
                sum.households_missing += r.households_missing;
            }
            assert_eq!(sum, c, "{context}: the children of {p} add up");
        }
        let (list, truncated) = coverage::missing(db, round.id, p, &hq.registry_scope())
            .await
            .unwrap();
        assert!(!truncated);
        let n: usize = list.iter().map(|h| h.missing.len()).sum();
        assert_eq!(n as i64, c.missing, "{context}: the missing list at {p}");
        let hh: HashSet<i64> = list.iter().map(|h| h.household_id).collect();
        assert_eq!(hh.len(), list.len(), "{context}: one entry per household");
        assert!(hh.len() as i64 <= c.households_missing);
    }
    // Every tube's count is its swabs; no tube over its capacity.
    let bad = db
        .query(
            "SELECT t.barcode, t.n, t.capacity, (SELECT COUNT(*) FROM test_samples s \
             WHERE s.round_id = t.round_id AND s.barcode = t.barcode) FROM test_tubes t \
             WHERE t.round_id = $1",
            args![round.id],
        )
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.int(1) != r.int(3) || (r.int(2) > 0 && r.int(1) > r.int(2)))
        .map(|r| format!("{:?}", r.values()))
        .collect::<Vec<_>>();
    assert!(bad.is_empty(), "{context}: tube counts {bad:?}");
    // Every sampled person's current tube holds a swab of theirs, and a household tube one
    // household only.
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_persons p WHERE p.round_id = $1 AND NOT EXISTS \
             (SELECT 1 FROM test_samples s WHERE s.round_id = p.round_id AND s.barcode = p.barcode \
             AND s.resident_id = p.resident_id)",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(
        n, 0,
        "{context}: people settled by a tube without their swab"
    );
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_tubes t WHERE t.round_id = $1 AND t.capacity = 0 AND \
             (SELECT COUNT(DISTINCT r.household_id) FROM test_samples s JOIN residents r ON r.id = s.resident_id \
             WHERE s.round_id = t.round_id AND s.barcode = t.barcode) > 1",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(n, 0, "{context}: a household tube with two households");
    // A tube's result settles the people it was the tube of.
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_persons p JOIN test_tubes t ON t.round_id = p.round_id \
             AND t.barcode = p.barcode WHERE p.round_id = $1 AND t.result IS NOT NULL \
             AND p.status IN ('pending', 'retest_pending')",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(
        n, 0,
        "{context}: people waiting for a tube that has its result"
    );
    // Whoever's swab is alone in a positive tube is positive (positive is final).
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_samples s JOIN test_tubes t ON t.round_id = s.round_id \
             AND t.barcode = s.barcode JOIN test_persons p ON p.round_id = s.round_id \
             AND p.resident_id = s.resident_id WHERE s.round_id = $1 AND t.result = 'positive' \
             AND (t.capacity = 1 OR t.n = 1) AND p.status <> 'positive'",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(
        n, 0,
        "{context}: a positive swab whose person is not positive"
    );
    // At most one open task per person, and only for people waiting for one.
    let n = db
        .query_one(
            "SELECT COUNT(*) FROM test_tasks k WHERE k.round_id = $1 AND k.done_ms IS NULL AND \
             (NOT EXISTS (SELECT 1 FROM test_persons p WHERE p.round_id = k.round_id \
               AND p.resident_id = k.resident_id AND p.status = k.kind) \
             OR EXISTS (SELECT 1 FROM test_tasks o WHERE o.round_id = k.round_id \
               AND o.resident_id = k.resident_id AND o.done_ms IS NULL AND o.id <> k.id))",
            args![round.id],
        )
        .await
        .unwrap()
        .int(0);
    assert_eq!(n, 0, "{context}: stray open tasks");
}

#[tokio::test]
async fn coverage_equals_a_recount_after_random_operations() {
    // Three walks of 200 steps: about 10 s on SQLite and 30 s on PostgreSQL on 2 busy cores.
    let seeds: &[u64] = &[1, 2, 3];
    let steps = 200;
    for t in backends().await {
        let db = &t.db;
        // One street's worth of people: its communities get real grids and buildings.
        demo_under(db, 1_200, 42, "431102001").await;
        let street = areas_at(db, LEVEL_STREET).await[0].clone();
        let comm = areas_at(db, LEVEL_COMMUNITY).await[1].clone();
        let grid = areas_at(db, LEVEL_GRID)
            .await
            .into_iter()
            .find(|g| g.starts_with(comm.as_str()))
            .unwrap();
        let hq = reader(db, "hq", "hq", "431102").await;
        let writer = reader(db, "off", "street", "431102").await;
        let lab = reader(db, "lab", "lab", "431102").await;
        let mut collectors = Vec::new();
        for i in 0..3 {
            collectors.push(reader(db, &format!("col{i}"), "collector", "431102").await);
        }
        // Only a few households, so the walk meets the same people again and again: most in
        // the grid, some elsewhere in the street.
        let mut picked = Vec::new();
        for (from, n) in [(&grid, 45), (&street, 15)] {
            picked.extend(
                db.query(
                    "SELECT r.id, r.household_id FROM residents r WHERE r.path >= $1 AND r.path < $2 \
                     ORDER BY r.household_id, r.id",
                    args![from.as_str(), wardline::db::path_end(from)],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| (r.int(0), r.int(1)))
                .filter(|p| !picked.contains(p))
                .take(n)
                .collect::<Vec<_>>(),
            );
        }
        let mut households: Vec<i64> = picked.iter().map(|p| p.1).collect();
        households.dedup();
        let paths = vec![
            "431102".to_owned(),
            street.clone(),
            comm.clone(),
            grid.clone(),
        ];
        let mut rounds: Vec<Round> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for &seed in seeds {
            let now = now_ms();
            let round = round_over(db, &hq, "431102", 5, now - HOUR, now + HOUR).await;
            let a = actor(&hq);
            testing::set_pool_rule(db, &a, &hq, &round, &comm, "1")
                .await
                .unwrap();
            testing::set_pool_rule(db, &a, &hq, &round, &grid, "0")
                .await
                .unwrap();
            let names: Vec<&str> = collectors.iter().map(|c| c.username.as_str()).collect();
            let sites = vec![
                (site(db, &hq, &round, "431102", &names).await, 5),
                (site(db, &hq, &round, &comm, &names).await, 1),
                (site(db, &hq, &round, &grid, &names).await, 0),
                (site(db, &hq, &round, &street, &names).await, 5),
            ];
            let mut w = Walk {
                db,
                round: round.clone(),
                collectors: collectors.clone(),
                writer: writer.clone(),
                lab: lab.clone(),
                sites,
                residents: picked.clone(),
                households: households.clone(),
                open: HashMap::new(),
                closed: Vec::new(),
                sent: Vec::new(),
                exempt: HashSet::new(),
                next: 0,
                prefix: format!("s{seed}-"),
                rng: Rng::new(seed),
                log: Vec::new(),
            };
            for i in 0..steps {
                w.step().await;
                if i % 10 == 9 || i + 1 == steps {
                    let context = format!(
                        "[{}] seed {seed}, step {i}; last steps: {:?}",
                        t.name,
                        &w.log[w.log.len().saturating_sub(8)..]
                    );
                    check_all(db, &round, &paths, &hq, &context).await;
                }
            }
            // Every remaining tube gets a result; everyone due a re-test or a re-sample gets
            // one, until the round is settled.
            for b in w.open.keys().cloned().collect::<Vec<_>>() {
                let cid = w.cid();
                w.apply(vec![(0, vec![close(&cid, &b)])]).await;
            }
            for _ in 0..6 {
                let closed = std::mem::take(&mut w.closed);
                for b in closed {
                    lab_results(db, &lab, &round, &[(&b, "negative")])
                        .await
                        .unwrap();
                }
                let mut due = w.with_status("retest").await;
                due.extend(w.with_status("resample").await);
                if due.is_empty() {
                    break;
                }
                for who in due {
                    let tube = w.open_tube(1, 0).await.unwrap();
                    let cid = w.cid();
                    let o = w.apply(vec![(0, vec![add(&cid, &tube, who)])]).await;
                    assert_eq!(o[0][0].code, "added", "{:?}", o[0][0]);
                }
            }
            let open_statuses = db
                .query_one(
                    "SELECT COUNT(*) FROM test_persons WHERE round_id = $1 AND status NOT IN ('negative', 'positive')",
                    args![round.id],
                )
                .await
                .unwrap()
                .int(0);
            assert_eq!(
                open_statuses, 0,
                "[{}] seed {seed}: the round settles",
                t.name
            );
            for entry in &w.log {
                let kind = entry.split([' ', ':']).next().unwrap().to_owned();
                *seen.entry(kind).or_insert(0) += 1;
                for code in ["already_sampled", "needs_single_tube", "added"] {
                    if entry.contains(code) {
                        *seen.entry(code.to_owned()).or_insert(0) += 1;
                    }
                }
                if entry.starts_with("result") && !entry.contains("retests_due: 0") {
                    *seen.entry("positive pool".to_owned()).or_insert(0) += 1;
                }
                if entry.starts_with("result") && !entry.contains("resamples_due: 0") {
                    *seen.entry("invalid with people".to_owned()).or_insert(0) += 1;
                }
            }
            let context = format!("[{}] seed {seed}, settled", t.name);
            check_all(db, &round, &paths, &hq, &context).await;
            let c = check_coverage(db, &round, "431102").await;
            assert!(
                c.sampled > 0 && !w.exempt.is_empty(),
                "{context}: the walk did something: {c:?}"
            );
            rounds.push(round);
            // Registry changes in later walks move the earlier rounds' coverage too.
            for r in &rounds {
                check_coverage(db, r, "431102").await;
                check_coverage(db, r, &street).await;
            }
        }
        // The walks went everywhere they should.
        eprintln!("[{}] random walks: {seen:?}", t.name);
        for kind in [
            "add",
            "close",
            "retry",
            "exempt",
            "unexempt",
            "result",
            "retest",
            "resample",
            "new",
            "already_sampled",
            "needs_single_tube",
            "positive pool",
            "invalid with people",
        ] {
            assert!(
                seen.get(kind).copied().unwrap_or(0) > 0,
                "[{}] no {kind}: {seen:?}",
                t.name
            );
        }
    }
}
