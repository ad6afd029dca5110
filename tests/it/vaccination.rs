//! Vaccination outreach through the database, on both backends: status derivation across the
//! catalogue's schedules, every refused dose (skipping, before birth, in the future, unknown
//! product, too early), idempotent client ids, tallies equal to a recount and coverage moving,
//! the worklist's groups and every tick-off reason with deferrals coming back on their date,
//! rides through the needs engine, and scope. The import is in `vaccination_import`, the pages
//! in `vaccination_pages`.

use wardline::access::Reader;
use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::vaccination::catalogue;
use wardline::vaccination::doses::{self, DoseForm};
use wardline::vaccination::figures;
use wardline::vaccination::rides::{self, RideForm};
use wardline::vaccination::worklist::{self, Part, TickForm};
use wardline::vaccination::{self as vax, ymd};

use crate::common::{backends, demo_under};
use crate::mobilization::{district, C1, C2};
use crate::testing::{actor, reader};

pub struct Fx {
    pub grid: Reader,
    pub c1: Reader,
    pub c2: Reader,
    pub hq: Reader,
    pub volunteer: Reader,
    pub today: i64,
}

pub async fn fixture(db: &Db) -> Fx {
    district(db).await;
    demo_under(db, 400, 7, C1).await;
    Fx {
        grid: reader(db, "vg1", "grid", C1).await,
        c1: reader(db, "vc1", "community", C1).await,
        c2: reader(db, "vc2", "community", C2).await,
        hq: reader(db, "vhq", "hq", "431102").await,
        volunteer: reader(db, "vvol", "volunteer", C1).await,
        today: vax::today(),
    }
}

/// Residents of C1 whose age (by year of birth) is within `lo..=hi`, by id.
pub async fn aged(db: &Db, lo: i64, hi: i64, today: i64) -> Vec<(i64, String)> {
    let year = vax::year_of(today);
    db.query(
        "SELECT r.id, r.birth_date FROM residents r JOIN households h ON h.id = r.household_id \
         WHERE h.path >= $1 AND h.path < $2 AND r.birth_date < $3 AND r.birth_date >= $4 ORDER BY r.id",
        args![
            C1,
            format!("{C1}~"),
            format!("{:04}-01-01", year - lo + 1),
            format!("{:04}-01-01", year - hi)
        ],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.int(0), r.text(1).to_owned()))
    .collect()
}

pub fn dose(product: &str, on: i64) -> DoseForm {
    DoseForm {
        product: product.into(),
        given_on: ymd(on),
        site: "一社区卫生服务站".into(),
        ..DoseForm::default()
    }
}

pub async fn give(db: &Db, r: &Reader, resident: i64, product: &str, on: i64, today: i64) {
    doses::record(db, &actor(r), r, resident, &dose(product, on), today)
        .await
        .unwrap_or_else(|e| panic!("dose for {resident} on {}: {e:?}", ymd(on)));
}

fn field_of(e: &AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => v.iter().map(|f| f.field).collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

async fn count_doses(db: &Db) -> i64 {
    db.scalar::<i64>("SELECT COUNT(*) FROM vax_doses", vec![])
        .await
        .unwrap()
}

/// Merges the household of `resident` into another household of community C1 (one on another
/// path first), as the registry's merge does; returns the household merged away and the one kept.
async fn merge_household_of(db: &Db, fx: &Fx, resident: i64) -> (i64, i64) {
    let from: i64 = db
        .scalar(
            "SELECT household_id FROM residents WHERE id = $1",
            args![resident],
        )
        .await
        .unwrap();
    let into: i64 = db
        .scalar(
            "SELECT id FROM households WHERE path >= $1 AND path < $2 AND id <> $3 \
             ORDER BY CASE WHEN path = (SELECT path FROM households WHERE id = $3) THEN 1 ELSE 0 END, id LIMIT 1",
            args![C1, format!("{C1}~"), from],
        )
        .await
        .unwrap();
    wardline::registry::edit::merge_households(db, &actor(&fx.c1), &fx.c1, from, into)
        .await
        .unwrap();
    (from, into)
}

async fn assert_tallies(db: &Db) {
    let (kept, counted) = doses::tallies_and_recount(db).await.unwrap();
    assert_eq!(kept, counted, "tallies equal a recount");
}

#[tokio::test]
async fn status_derivation_across_schedules() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let people = aged(db, 60, 200, d).await;
        assert!(people.len() >= 6, "{}: the demo has older people", t.name);
        let (a, b, c, e) = (people[0].0, people[1].0, people[2].0, people[3].0);
        let g = &fx.grid;
        // Inactivated: 2 doses 21 days apart, booster 90 days after.
        give(db, g, a, "inactivated", d - 200, d).await;
        let s = doses::status(db, g, a, d).await.unwrap();
        assert_eq!(s.status, "partial", "{}", t.name);
        assert_eq!(s.derived.as_ref().unwrap().next_due_on, Some(ymd(d - 179)));
        give(db, g, a, "inactivated", d - 170, d).await;
        let s = doses::status(db, g, a, d).await.unwrap();
        assert_eq!(
            s.status, "booster_due",
            "full course 170 days ago: booster due"
        );
        assert_eq!(s.derived.as_ref().unwrap().status, "full");
        assert_eq!(s.derived.as_ref().unwrap().next_due_on, Some(ymd(d - 80)));
        // A day before the booster's date it reads "full".
        assert_eq!(doses::shown_status(s.derived.as_ref(), d - 81), "full");
        // Heterologous booster with the inhaled product.
        give(db, g, a, "adenovirus_inhaled", d - 10, d).await;
        let s = doses::status(db, g, a, d).await.unwrap();
        assert_eq!(s.status, "boosted");
        assert_eq!(s.doses.len(), 3);
        // Recombinant: 3 doses.
        give(db, g, b, "recombinant", d - 120, d).await;
        give(db, g, b, "recombinant", d - 90, d).await;
        assert_eq!(doses::status(db, g, b, d).await.unwrap().status, "partial");
        give(db, g, b, "recombinant", d - 60, d).await;
        let s = doses::status(db, g, b, d).await.unwrap();
        assert_eq!(s.status, "full");
        assert_eq!(s.derived.unwrap().full_on, Some(ymd(d - 60)));
        // Adenovirus: one dose is the full course.
        give(db, g, c, "adenovirus", d - 5, d).await;
        assert_eq!(doses::status(db, g, c, d).await.unwrap().status, "full");
        // Nothing recorded: none.
        assert_eq!(doses::status(db, g, e, d).await.unwrap().status, "none");
        // The catalogue is HQ's: a changed booster interval applies to what is derived next.
        let mut f = catalogue::ProductForm {
            code: "adenovirus".into(),
            name_en: "adenovirus vector, injected".into(),
            name_zh: "腺病毒载体疫苗".into(),
            primary_doses: "1".into(),
            interval_days: "0".into(),
            booster_after_days: "180".into(),
            window_days: "0".into(),
            active: true,
        };
        let refused = catalogue::save(db, &actor(&fx.c1), &fx.c1, &f).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))));
        catalogue::save(db, &actor(&fx.hq), &fx.hq, &f)
            .await
            .unwrap();
        f.primary_doses = "9".into();
        let bad = catalogue::save(db, &actor(&fx.hq), &fx.hq, &f)
            .await
            .unwrap_err();
        assert_eq!(field_of(&bad), vec!["primary_doses"]);
        let cat = catalogue::products(db).await.unwrap();
        assert_eq!(
            catalogue::find(&cat, "adenovirus")
                .unwrap()
                .booster_after_days,
            180
        );
        assert_tallies(db).await;
    }
}

#[tokio::test]
async fn bad_doses_are_refused_and_nothing_is_written() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let people = aged(db, 60, 200, d).await;
        let (a, birth) = (people[0].0, people[0].1.clone());
        let g = &fx.grid;
        let before = count_doses(db).await;
        let try_dose = |f: DoseForm| {
            let g = g.clone();
            async move { doses::record(db, &actor(&g), &g, a, &f, d).await }
        };
        // Unknown product.
        let e = try_dose(dose("sputnik", d - 30)).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["product"], "{}", t.name);
        // In the future.
        let e = try_dose(dose("inactivated", d + 1)).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["given_on"]);
        // Before birth.
        let born = vax::day_number(&birth).unwrap();
        let e = try_dose(dose("inactivated", born - 1)).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["given_on"]);
        // Not a date.
        let mut f = dose("inactivated", d);
        f.given_on = "2022-02-30".into();
        assert_eq!(field_of(&try_dose(f).await.unwrap_err()), vec!["given_on"]);
        // A booster-only product as a first dose.
        let e = try_dose(dose("adenovirus_inhaled", d - 30))
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["product"]);
        // A dose number that skips.
        let mut f = dose("inactivated", d - 100);
        f.dose_no = "2".into();
        let e = try_dose(f).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["dose_no"]);
        assert_eq!(count_doses(db).await, before, "nothing half-written");
        give(db, g, a, "inactivated", d - 100, d).await;
        // Dose 2 too early (21 days), and of another product.
        let e = try_dose(dose("inactivated", d - 90)).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["given_on"]);
        let e = try_dose(dose("recombinant", d - 50)).await.unwrap_err();
        assert_eq!(field_of(&e), vec!["product"]);
        // Dose 1 again.
        let mut f = dose("inactivated", d - 50);
        f.dose_no = "1".into();
        assert_eq!(field_of(&try_dose(f).await.unwrap_err()), vec!["dose_no"]);
        assert_eq!(count_doses(db).await, before + 1);
        // The messages are in both languages and name the field.
        let e = try_dose(dose("sputnik", d - 30)).await.unwrap_err();
        if let AppError::Invalid(v) = e {
            assert!(v[0]
                .render(wardline::i18n::Lang::Zh)
                .contains("疫苗目录中没有"));
            assert!(v[0]
                .render(wardline::i18n::Lang::En)
                .contains("not in the vaccine catalogue"));
        }
        assert_tallies(db).await;
    }
}

#[tokio::test]
async fn idempotent_doses_and_scope() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let people = aged(db, 60, 200, d).await;
        let (a, b) = (people[0].0, people[1].0);
        let mut f = dose("inactivated", d - 40);
        f.client_id = "dose-abc-1".into();
        let one = doses::record(db, &actor(&fx.grid), &fx.grid, a, &f, d)
            .await
            .unwrap();
        let again = doses::record(db, &actor(&fx.grid), &fx.grid, a, &f, d)
            .await
            .unwrap();
        assert_eq!(one.id, again.id, "{}", t.name);
        assert!(!one.replayed && again.replayed);
        assert_eq!(count_doses(db).await, 1);
        let other = doses::record(db, &actor(&fx.grid), &fx.grid, b, &f, d).await;
        assert!(matches!(other, Err(AppError::Conflict(_))));
        // Outside the scope: not found; a volunteer: refused; nothing written.
        let r = doses::record(
            db,
            &actor(&fx.c2),
            &fx.c2,
            b,
            &dose("inactivated", d - 40),
            d,
        )
        .await;
        assert!(matches!(r, Err(AppError::NotFound)), "{r:?}");
        let r = doses::status(db, &fx.c2, a, d).await;
        assert!(matches!(r, Err(AppError::NotFound)));
        let r = doses::record(
            db,
            &actor(&fx.volunteer),
            &fx.volunteer,
            b,
            &dose("inactivated", d - 40),
            d,
        )
        .await;
        assert!(matches!(r, Err(AppError::Forbidden(_))));
        let r = worklist::list(db, &fx.c2, C1, "60+", Part::Todo, d).await;
        assert!(matches!(r, Err(AppError::NotFound)));
        let r = worklist::list(db, &fx.volunteer, C1, "60+", Part::Todo, d).await;
        assert!(r.is_err());
        let area = vax::area_in_scope(db, &fx.c2, C1).await;
        assert!(matches!(area, Err(AppError::NotFound)));
        assert_eq!(count_doses(db).await, 1);
        // The audit log holds the dose.
        let n = db
            .scalar::<i64>(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'vax_dose_recorded'",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}

#[tokio::test]
async fn tallies_equal_a_recount_and_coverage_moves() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let c1 = vax::area_in_scope(db, &fx.c1, C1).await.unwrap();
        let before = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        let band =
            |f: &figures::Figures, b: &str| f.bands.iter().find(|x| x.band == b).unwrap().clone();
        let old80 = band(&before, "80+");
        let older = aged(db, 80, 200, d).await;
        assert!(!older.is_empty(), "{}: the demo has people of 80+", t.name);
        assert_eq!(old80.population, older.len() as i64);
        assert_eq!(old80.first, 0);
        give(db, &fx.grid, older[0].0, "inactivated", d - 60, d).await;
        give(db, &fx.grid, older[0].0, "inactivated", d - 30, d).await;
        let sixties = aged(db, 60, 69, d).await;
        for (id, _) in sixties.iter().take(5) {
            give(db, &fx.grid, *id, "adenovirus", d - 100, d).await;
        }
        give(db, &fx.grid, sixties[0].0, "inactivated", d - 5, d).await;
        assert_tallies(db).await;
        let after = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        let new80 = band(&after, "80+");
        assert_eq!(
            (new80.first, new80.full, new80.booster),
            (1, 1, 0),
            "{}",
            t.name
        );
        assert_eq!(new80.target_first, Some(90));
        let s60 = band(&after, "60-69");
        assert_eq!((s60.first, s60.full, s60.booster), (5, 5, 1));
        let adults = band(&after, "adults");
        assert_eq!(adults.first, 6);
        // The district reads the same from the tallies, with C1 among its streets.
        let district = vax::area_in_scope(db, &fx.hq, "431102").await.unwrap();
        let fd = figures::of_area(db, &fx.hq, &district, d).await.unwrap();
        assert_eq!(band(&fd, "80+").first, 1);
        let street = fd
            .children
            .iter()
            .find(|c| C1.starts_with(&c.code))
            .unwrap();
        assert_eq!(
            street
                .bands
                .iter()
                .find(|b| b.band == "60-69")
                .unwrap()
                .full,
            5
        );
        // A grid counted from its own rows agrees with the community for its people.
        let grid_path: String = db
            .scalar("SELECT h.path FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = $1", args![older[0].0])
            .await
            .unwrap();
        let grid_code = grid_path
            .get(..grid_path.find("/B").unwrap_or(grid_path.len()))
            .unwrap()
            .to_owned();
        let grid = vax::area_in_scope(db, &fx.c1, &grid_code).await.unwrap();
        let fg = figures::of_area(db, &fx.c1, &grid, d).await.unwrap();
        assert!(band(&fg, "80+").first >= 1);
        // A recount changes nothing; moving a resident's household then recounting moves the tally.
        doses::recount(db, C1, wardline::db::now_ms())
            .await
            .unwrap();
        assert_tallies(db).await;
        let f2 = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        assert_eq!(f2.bands, after.bands);
        // Dropout: a first dose long ago without a second.
        give(db, &fx.grid, sixties[6].0, "inactivated", d - 200, d).await;
        let f3 = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        assert_eq!(f3.dropout, 1);
    }
}

fn tick(reason: &str) -> TickForm {
    TickForm {
        reason: reason.into(),
        ..TickForm::default()
    }
}

async fn on_list(db: &Db, r: &Reader, group: &str, part: Part, day: i64) -> Vec<i64> {
    worklist::list(db, r, C1, group, part, day)
        .await
        .unwrap()
        .iter()
        .map(|i| i.resident_id)
        .collect()
}

#[tokio::test]
async fn worklist_rules_and_every_tickoff_reason() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let g = &fx.grid;
        let p60 = aged(db, 60, 200, d).await;
        let p80 = aged(db, 80, 200, d).await;
        let p6079 = aged(db, 60, 79, d).await;
        let list60 = on_list(db, g, "60+", Part::Todo, d).await;
        let mut want: Vec<i64> = p60.iter().map(|p| p.0).collect();
        let mut got = list60.clone();
        want.sort();
        got.sort();
        assert_eq!(
            got, want,
            "{}: nobody vaccinated: all of 60+ are on the list",
            t.name
        );
        assert_eq!(on_list(db, g, "80+", Part::Todo, d).await.len(), p80.len());
        assert_eq!(
            on_list(db, g, "60-79", Part::Todo, d).await.len(),
            p6079.len()
        );
        assert!(on_list(db, g, "booster_due", Part::Todo, d)
            .await
            .is_empty());
        // Walking order: by area path, then address.
        let items = worklist::list(db, g, C1, "60+", Part::Todo, d)
            .await
            .unwrap();
        assert!(items.windows(2).all(|w| w[0].path <= w[1].path));
        assert!(items
            .iter()
            .all(|i| i.phone.is_none() || !i.phone_masked.contains(i.phone.as_deref().unwrap())));
        let ids: Vec<i64> = p6079.iter().map(|p| p.0).take(10).collect();
        assert!(ids.len() == 10, "enough people of 60–79");
        let who = |i: usize| ids[i];
        let ok = |r: Result<worklist::Ticked, AppError>| r.unwrap_or_else(|e| panic!("{e:?}"));
        let act = actor(g);
        // vaccinated: records a dose (course begun: back when dose 2 is due, in 21 days).
        let mut f = tick("vaccinated");
        f.dose = dose("inactivated", d);
        let v = ok(worklist::tick(db, &act, g, who(0), &f, d).await);
        assert!(v.dose_id.is_some());
        // appointment: off until the day after.
        let mut f = tick("appointment");
        f.appt_on = ymd(d + 3);
        f.site = "区人民医院接种点".into();
        ok(worklist::tick(db, &act, g, who(1), &f, d).await);
        // refused by the family, with a note: asked again after 30 days.
        let mut f = tick("refused");
        f.detail = "family".into();
        f.note = "子女担心副作用".into();
        ok(worklist::tick(db, &act, g, who(2), &f, d).await);
        // temporary contraindication with a recheck date.
        let mut f = tick("temp_contra");
        f.detail = "fever".into();
        f.recheck_on = ymd(d + 7);
        let tc = ok(worklist::tick(db, &act, g, who(3), &f, d).await);
        assert_eq!(tc.back_on, Some(ymd(d + 7)));
        // permanent contraindication.
        let mut f = tick("perm_contra");
        f.detail = "allergy".into();
        ok(worklist::tick(db, &act, g, who(4), &f, d).await);
        ok(worklist::tick(db, &act, g, who(5), &tick("bedridden"), d).await);
        ok(worklist::tick(db, &act, g, who(6), &tick("moved"), d).await);
        ok(worklist::tick(db, &act, g, who(7), &tick("deceased"), d).await);
        ok(worklist::tick(db, &act, g, who(8), &tick("not_reached"), d).await);
        let todo = on_list(db, g, "60-79", Part::Todo, d).await;
        let ticked = on_list(db, g, "60-79", Part::Ticked, d).await;
        for i in 0..8 {
            assert!(
                !todo.contains(&who(i)),
                "{}: {i} is off the list today",
                t.name
            );
        }
        for i in 1..8 {
            assert!(ticked.contains(&who(i)), "{i} is among the ticked off");
        }
        assert!(todo.contains(&who(8)), "not reached stays on the list");
        assert!(todo.contains(&who(9)));
        // Who and when are kept.
        let h = worklist::history(db, g, who(2)).await.unwrap();
        assert_eq!(h[0].by_login, "vg1");
        assert_eq!(
            (
                h[0].reason.as_str(),
                h[0].detail.as_str(),
                h[0].note.as_str()
            ),
            ("refused", "family", "子女担心副作用")
        );
        // Days pass (China time): the deferral comes back on its recheck date, not before.
        assert!(!on_list(db, g, "60-79", Part::Todo, d + 6)
            .await
            .contains(&who(3)));
        assert!(on_list(db, g, "60-79", Part::Todo, d + 7)
            .await
            .contains(&who(3)));
        // The appointment missed comes back the day after it.
        assert!(!on_list(db, g, "60-79", Part::Todo, d + 3)
            .await
            .contains(&who(1)));
        assert!(on_list(db, g, "60-79", Part::Todo, d + 4)
            .await
            .contains(&who(1)));
        // The first dose's course: back when dose 2 is due.
        assert!(!on_list(db, g, "60-79", Part::Todo, d + 20)
            .await
            .contains(&who(0)));
        assert!(on_list(db, g, "60-79", Part::Todo, d + 21)
            .await
            .contains(&who(0)));
        // The refusal is asked again after 30 days; the permanent reasons never come back.
        let later = on_list(db, g, "60-79", Part::Todo, d + 30).await;
        assert!(later.contains(&who(2)));
        for i in 4..8 {
            assert!(!later.contains(&who(i)), "{i} stays off");
        }
        // Figures by reason and deferrals due.
        let c1 = vax::area_in_scope(db, &fx.c1, C1).await.unwrap();
        let fig = figures::of_area(db, &fx.c1, &c1, d + 7).await.unwrap();
        for (reason, n) in &fig.reasons {
            assert_eq!(*n, 1, "{reason}");
        }
        assert_eq!(fig.deferrals_due, 1);
        assert_eq!(
            figures::of_area(db, &fx.c1, &c1, d)
                .await
                .unwrap()
                .deferrals_due,
            0
        );
        // Bad tick-offs: a recheck date in the past, a missing sub-reason, an unknown reason.
        let mut f = tick("temp_contra");
        f.detail = "flare".into();
        f.recheck_on = ymd(d - 1);
        let e = worklist::tick(db, &act, g, who(9), &f, d)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["recheck_on"]);
        let e = worklist::tick(db, &act, g, who(9), &tick("refused"), d)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["detail"]);
        let e = worklist::tick(db, &act, g, who(9), &tick("gone fishing"), d)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["reason"]);
        let mut f = tick("appointment");
        f.appt_on = ymd(d - 2);
        let e = worklist::tick(db, &act, g, who(9), &f, d)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["appt_on", "site"]);
        // A vaccinated tick-off whose dose is bad writes nothing.
        let mut f = tick("vaccinated");
        f.dose = dose("inactivated", d + 2);
        let e = worklist::tick(db, &act, g, who(9), &f, d)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["given_on"]);
        assert!(worklist::history(db, g, who(9)).await.unwrap().is_empty());
        // Idempotent by client id.
        let mut f = tick("not_reached");
        f.client_id = "tick-9".into();
        let a1 = ok(worklist::tick(db, &act, g, who(9), &f, d).await);
        let a2 = ok(worklist::tick(db, &act, g, who(9), &f, d).await);
        assert_eq!(a1.id, a2.id);
        assert!(a2.replayed);
        assert_eq!(worklist::history(db, g, who(9)).await.unwrap().len(), 1);
        // Booster due: a full course long ago.
        give(db, g, who(9), "adenovirus", d - 100, d).await;
        assert!(on_list(db, g, "booster_due", Part::Todo, d)
            .await
            .contains(&who(9)));
    }
}

#[tokio::test]
async fn rides_go_through_the_needs_engine() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let p = aged(db, 80, 200, d).await[0].0;
        let f = RideForm {
            site: "区人民医院接种点".into(),
            on_day: ymd(d + 1),
            note: "轮椅".into(),
            client_id: "ride-1".into(),
        };
        let ride = rides::request(db, &actor(&fx.grid), &fx.grid, p, &f, d)
            .await
            .unwrap();
        let again = rides::request(db, &actor(&fx.grid), &fx.grid, p, &f, d)
            .await
            .unwrap();
        assert_eq!(ride.need_id, again.need_id, "{}", t.name);
        let need = wardline::needs::get(db, &fx.c1, ride.need_id)
            .await
            .unwrap();
        assert_eq!(need.category, "vaccine_transport");
        assert_eq!(need.resident_id, Some(p));
        assert_eq!(need.status, "new");
        let item =
            |items: Vec<worklist::Item>| items.into_iter().find(|i| i.resident_id == p).unwrap();
        let it = item(
            worklist::list(db, &fx.grid, C1, "80+", Part::Todo, d)
                .await
                .unwrap(),
        );
        assert_eq!(it.ride, Some("requested"));
        // The community dispatches it to a team of drivers: arranged.
        let team = wardline::mobilization::branches::create_team(
            db,
            &actor(&fx.c1),
            &fx.c1,
            C1,
            "党员车队",
            "mobile",
            None,
        )
        .await;
        let team_id = match team {
            Ok(id) => id,
            Err(e) => panic!("team: {e:?}"),
        };
        wardline::needs::flow::act(
            db,
            &actor(&fx.c1),
            &wardline::needs::flow::Who::Staff(&fx.c1),
            ride.need_id,
            &wardline::needs::flow::Action::Assign {
                team: Some(team_id),
                volunteer: None,
            },
            None,
            wardline::db::now_ms(),
        )
        .await
        .unwrap();
        let it = item(
            worklist::list(db, &fx.grid, C1, "80+", Part::Todo, d)
                .await
                .unwrap(),
        );
        assert_eq!(it.ride, Some("arranged"));
        // Bad input and scope.
        let bad = RideForm {
            site: String::new(),
            on_day: ymd(d - 1),
            ..RideForm::default()
        };
        let e = rides::request(db, &actor(&fx.grid), &fx.grid, p, &bad, d)
            .await
            .unwrap_err();
        assert_eq!(field_of(&e), vec!["site", "on_day"]);
        let e = rides::request(db, &actor(&fx.c2), &fx.c2, p, &f, d)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::NotFound));
    }
}

#[tokio::test]
async fn retention_clears_notes_and_keeps_reasons_and_doses() {
    use wardline::audit::retention::{self, policy};
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let p = aged(db, 60, 200, d).await;
        give(db, &fx.grid, p[0].0, "adenovirus", d - 10, d).await;
        let mut f = tick("refused");
        f.detail = "self".into();
        f.note = "说怕打针".into();
        worklist::tick(db, &actor(&fx.grid), &fx.grid, p[1].0, &f, d)
            .await
            .unwrap();
        let pol = policy(&wardline::retention::kinds(), &[]).unwrap();
        let now = wardline::db::now_ms();
        let cli = wardline::audit::Actor::cli();
        // Within 180 days nothing changes.
        retention::run(db, &cli, &pol, now + 179 * vax::DAY_MS, false)
            .await
            .unwrap();
        let h = worklist::history(db, &fx.grid, p[1].0).await.unwrap();
        assert_eq!(h[0].note, "说怕打针", "{}", t.name);
        retention::run(db, &cli, &pol, now + 181 * vax::DAY_MS, false)
            .await
            .unwrap();
        let h = worklist::history(db, &fx.grid, p[1].0).await.unwrap();
        assert_eq!(
            (
                h[0].note.as_str(),
                h[0].reason.as_str(),
                h[0].detail.as_str()
            ),
            ("", "refused", "self")
        );
        // Doses of a registered resident stay.
        assert_eq!(doses::doses(db, p[0].0).await.unwrap().len(), 1);
    }
}

/// The population by birth year kept for a community, sorted.
async fn population_of(db: &Db, community: &str) -> Vec<(i64, i64)> {
    db.query(
        "SELECT birth_year, n_pop FROM vax_area_tallies WHERE path = $1 AND n_pop <> 0 ORDER BY birth_year",
        args![community],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| (r.int(0), r.int(1)))
    .collect()
}

#[tokio::test]
async fn registry_changes_keep_statuses_tallies_and_population() {
    use wardline::registry::residents::ResidentInput;
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let c1 = vax::area_in_scope(db, &fx.c1, C1).await.unwrap();
        let band =
            |f: &figures::Figures, b: &str| f.bands.iter().find(|x| x.band == b).unwrap().clone();
        // The first read counts the population; from then on the registry's changes keep it.
        let before = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        let a = aged(db, 80, 200, d).await[0].0;
        // A full course 50 days ago: the booster is not due yet.
        give(db, &fx.grid, a, "adenovirus", d - 50, d).await;
        let hh: i64 = db
            .scalar("SELECT household_id FROM residents WHERE id = $1", args![a])
            .await
            .unwrap();
        // An arrival aged 85 in a's household: the 80+ population grows, with no recount.
        let input = ResidentInput {
            name: "新来的老人".into(),
            doc_type: Some("passport".into()),
            doc_number: "E12345678".into(),
            birth_date: Some(format!("{:04}-03-01", vax::year_of(d) - 85)),
            relation: Some("parent".into()),
            ..Default::default()
        };
        wardline::registry::edit::add_resident(db, &actor(&fx.c1), &fx.c1, hh, &input)
            .await
            .unwrap();
        let after = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        assert_eq!(
            band(&after, "80+").population,
            band(&before, "80+").population + 1,
            "{}: the arrival is counted",
            t.name
        );
        assert_eq!(band(&after, "80+").full, band(&before, "80+").full + 1);
        // A merge: a's household joins another; a's status follows into it, the tallies
        // equal a recount and the population equals a fresh count.
        let other: i64 = db
            .scalar(
                "SELECT id FROM households WHERE path >= $1 AND path < $2 AND id <> $3 ORDER BY id DESC LIMIT 1",
                args![C1, format!("{C1}~"), hh],
            )
            .await
            .unwrap();
        wardline::registry::edit::merge_households(db, &actor(&fx.c1), &fx.c1, hh, other)
            .await
            .unwrap();
        let status_path: String = db
            .scalar(
                "SELECT path FROM vax_status WHERE resident_id = $1",
                args![a],
            )
            .await
            .unwrap();
        let into_path: String = db
            .scalar("SELECT path FROM households WHERE id = $1", args![other])
            .await
            .unwrap();
        assert_eq!(status_path, into_path, "{}: the status follows", t.name);
        assert_tallies(db).await;
        let kept = population_of(db, C1).await;
        figures::count_population(db, C1, wardline::db::now_ms())
            .await
            .unwrap();
        assert_eq!(kept, population_of(db, C1).await, "{}", t.name);
        let merged = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        assert_eq!(merged.bands, after.bands);
        // The worklist narrowed to the household a lives in now: its 60+ people only.
        let list = worklist::list_in(db, &fx.grid, C1, Some(other), "60+", Part::Todo, d)
            .await
            .unwrap();
        assert!(!list.is_empty(), "{}: the arrival of 85 is on it", t.name);
        assert!(list.iter().all(|i| i.household_id == other));
        assert!(list.iter().all(|i| i.resident_id != a), "a is vaccinated");
    }
}

/// The sums of the bands 60–69, 70–79 and 80+: (population, first, full).
fn sixty_up(f: &figures::Figures) -> (i64, i64, i64) {
    f.bands
        .iter()
        .filter(|b| matches!(b.band, "60-69" | "70-79" | "80+"))
        .fold((0, 0, 0), |a, b| {
            (a.0 + b.population, a.1 + b.first, a.2 + b.full)
        })
}

#[tokio::test]
async fn area_tallies_equal_a_recount_at_every_level() {
    use wardline::registry::residents::ResidentInput;
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let city = vax::area_in_scope(db, &fx.hq, "431102").await.unwrap();
        // The first read counts the whole registry, at every level.
        let f0 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        assert_tallies(db).await;
        let adults: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id \
                 WHERE h.path >= '431102' AND h.path < '431102~' AND r.birth_date < $1",
                args![format!("{:04}-01-01", vax::year_of(d) - 17)],
            )
            .await
            .unwrap();
        let band =
            |f: &figures::Figures, b: &str| f.bands.iter().find(|x| x.band == b).unwrap().clone();
        assert!(adults > 0);
        assert_eq!(band(&f0, "adults").population, adults, "{}", t.name);
        // The district's children (its streets) add up to it.
        let kids: i64 = f0
            .children
            .iter()
            .map(|c| {
                c.bands
                    .iter()
                    .find(|b| b.band == "adults")
                    .unwrap()
                    .population
            })
            .sum();
        assert_eq!(kids, adults, "{}", t.name);
        // Doses: a full course, a course past its window (a dropout), a course in its window.
        let p = aged(db, 60, 200, d).await;
        give(db, &fx.grid, p[0].0, "adenovirus", d - 50, d).await;
        give(db, &fx.grid, p[1].0, "inactivated", d - 200, d).await;
        give(db, &fx.grid, p[2].0, "inactivated", d - 10, d).await;
        assert_tallies(db).await;
        let f1 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        let (pop0, first0, full0) = sixty_up(&f0);
        assert_eq!(sixty_up(&f1), (pop0, first0 + 3, full0 + 1), "{}", t.name);
        assert_eq!(f1.dropout, f0.dropout + 1, "{}", t.name);
        // An arrival of 85, vaccinated, then their birth date corrected to 65: the status and
        // the population move between birth years at every level.
        let hh: i64 = db
            .scalar(
                "SELECT household_id FROM residents WHERE id = $1",
                args![p[0].0],
            )
            .await
            .unwrap();
        let mut input = ResidentInput {
            name: "新来的老人".into(),
            doc_type: Some("passport".into()),
            doc_number: "E22345678".into(),
            birth_date: Some(format!("{:04}-03-01", vax::year_of(d) - 85)),
            relation: Some("parent".into()),
            ..Default::default()
        };
        let newcomer =
            wardline::registry::edit::add_resident(db, &actor(&fx.c1), &fx.c1, hh, &input)
                .await
                .unwrap();
        give(db, &fx.grid, newcomer, "adenovirus", d - 40, d).await;
        let f2 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        assert_eq!(band(&f2, "80+").population, band(&f1, "80+").population + 1);
        assert_eq!(band(&f2, "80+").full, band(&f1, "80+").full + 1);
        input.birth_date = Some(format!("{:04}-03-01", vax::year_of(d) - 65));
        wardline::registry::edit::update_resident(db, &actor(&fx.c1), &fx.c1, newcomer, &input)
            .await
            .unwrap();
        assert_tallies(db).await;
        let f3 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        assert_eq!(band(&f3, "80+"), band(&f1, "80+"), "{}", t.name);
        assert_eq!(
            band(&f3, "60-69").population,
            band(&f1, "60-69").population + 1
        );
        assert_eq!(band(&f3, "60-69").full, band(&f1, "60-69").full + 1);
        // The dropout's household moves into a household of another grid (a merge): the
        // status and the dropout move down the path, the district's figures stay.
        merge_household_of(db, &fx, p[1].0).await;
        assert_tallies(db).await;
        let f4 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        assert_eq!(f4.dropout, f3.dropout, "{}", t.name);
        assert_eq!(f4.bands, f3.bands, "{}", t.name);
        // A grid reads the same way as the district: one range of its own rows.
        let grid_path: String = db
            .scalar("SELECT path FROM households WHERE id = $1", args![hh])
            .await
            .unwrap();
        if let Some(grid) = wardline::registry::areas::by_path(db, &grid_path)
            .await
            .unwrap()
        {
            let g = figures::of_area(db, &fx.hq, &grid, d).await.unwrap();
            let direct: i64 = db
                .scalar(
                    "SELECT COUNT(*) FROM residents r JOIN households h ON h.id = r.household_id \
                     WHERE h.path >= $1 AND h.path < $2 AND r.birth_date < $3",
                    args![
                        grid_path.as_str(),
                        format!("{grid_path}~"),
                        format!("{:04}-01-01", vax::year_of(d) - 17)
                    ],
                )
                .await
                .unwrap();
            assert_eq!(band(&g, "adults").population, direct, "{}", t.name);
        }
    }
}

#[tokio::test]
async fn a_registry_import_is_counted_in_the_coverage() {
    use crate::import::card;
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let city = vax::area_in_scope(db, &fx.hq, "431102").await.unwrap();
        let c1 = vax::area_in_scope(db, &fx.c1, C1).await.unwrap();
        let f0 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        let c0 = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        // Two people born in 1950 arrive by the registry's import (no household watcher).
        let mut body = format!("{}\n", wardline::registry::import::template_header());
        for (name, doc, rel) in [
            ("赵一", card("43110219500101931"), "户主"),
            ("钱二", card("43110219500202942"), "配偶"),
        ] {
            body.push_str(&format!(
                "{C1},第九网格,9栋,HV1,东岳宫社区9栋101,自住,{name},,{doc},,,,{rel},,,,\n"
            ));
        }
        let everywhere = wardline::scope::Scope {
            roots: vec![String::new()],
        };
        let rep = wardline::registry::import::import_file(
            db,
            &wardline::audit::Actor::cli(),
            &everywhere,
            "arrivals.csv",
            body.as_bytes(),
            false,
            &|_| {},
        )
        .await
        .unwrap();
        assert!(rep.errors.is_empty(), "{}: {:?}", t.name, rep.errors);
        let band =
            |f: &figures::Figures, b: &str| f.bands.iter().find(|x| x.band == b).unwrap().clone();
        // The community's read catches it up; the district's sees it too.
        let c1_after = figures::of_area(db, &fx.c1, &c1, d).await.unwrap();
        assert_eq!(
            band(&c1_after, "adults").population,
            band(&c0, "adults").population + 2,
            "{}",
            t.name
        );
        let f1 = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        assert_eq!(
            band(&f1, "adults").population,
            band(&f0, "adults").population + 2,
            "{}",
            t.name
        );
        assert_tallies(db).await;
    }
}

/// Coverage of the area under `path` recounted from the registry and the statuses, not the
/// tallies.
async fn recounted_bands(db: &Db, path: &str, today: i64) -> Vec<figures::Band> {
    let mut by = figures::ByYear::default();
    let end = format!("{path}~");
    for r in db
        .query(
            "SELECT CAST(substr(r.birth_date, 1, 4) AS BIGINT) AS y, COUNT(*) AS n \
             FROM residents r JOIN households h ON h.id = r.household_id \
             WHERE h.path >= $1 AND h.path < $2 AND r.birth_date IS NOT NULL \
             GROUP BY CAST(substr(r.birth_date, 1, 4) AS BIGINT)",
            args![path, end.as_str()],
        )
        .await
        .unwrap()
    {
        by.years.entry(r.int(0)).or_default()[0] += r.int(1);
    }
    for r in db
        .query(
            "SELECT birth_year, status, COUNT(*) AS n FROM vax_status \
             WHERE path >= $1 AND path < $2 GROUP BY birth_year, status",
            args![path, end.as_str()],
        )
        .await
        .unwrap()
    {
        let slot = match r.text(1) {
            "partial" => 1,
            "full" => 2,
            "boosted" => 3,
            _ => continue,
        };
        by.years.entry(r.int(0)).or_default()[slot] += r.int(2);
    }
    let targets = catalogue::targets(db).await.unwrap();
    by.bands(vax::year_of(today), &targets)
}

#[tokio::test]
async fn every_community_in_one_read_equals_each_read_and_a_recount() {
    use wardline::registry::areas;
    for t in backends().await {
        let db = &t.db;
        district(db).await;
        demo_under(db, 3000, 16, "431102").await;
        let hq = reader(db, "vhq", "hq", "431102").await;
        let d = vax::today();
        let city = vax::area_in_scope(db, &hq, "431102").await.unwrap();
        // Doses across the city: a full course for one in five of the 60+ (by id), a first
        // dose for one in seven.
        let old: Vec<i64> = db
            .query(
                "SELECT r.id FROM residents r JOIN households h ON h.id = r.household_id \
                 WHERE h.path >= '431102' AND h.path < '431102~' AND r.birth_date < $1 ORDER BY r.id",
                args![format!("{:04}-01-01", vax::year_of(d) - 59)],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.int(0))
            .collect();
        assert!(old.len() > 50, "{}", t.name);
        for (i, id) in old.iter().enumerate() {
            if i % 5 == 0 {
                give(db, &hq, *id, "adenovirus", d - 50, d).await;
            } else if i % 7 == 0 {
                give(db, &hq, *id, "inactivated", d - 10, d).await;
            }
        }
        let all = figures::communities(db, &hq, &city, d).await.unwrap();
        let codes: Vec<String> = db
            .query(
                "SELECT code FROM areas WHERE level = 5 AND path >= '431102' AND path < '431102~' ORDER BY code",
                vec![],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.text(0).to_owned())
            .collect();
        assert!(codes.len() > 1, "{}", t.name);
        assert_eq!(
            all.iter().map(|c| c.code.clone()).collect::<Vec<_>>(),
            codes,
            "{}",
            t.name
        );
        let mut vaccinated = 0;
        for c in &all {
            let area = areas::by_code(db, &c.code).await.unwrap().unwrap();
            let one = figures::of_area(db, &hq, &area, d).await.unwrap();
            assert_eq!(c.bands, one.bands, "{} {}", t.name, c.code);
            assert_eq!(
                c.bands,
                recounted_bands(db, &area.path, d).await,
                "{} {}",
                t.name,
                c.code
            );
            vaccinated += c.bands.iter().map(|b| b.first).sum::<i64>();
        }
        assert!(vaccinated > 0, "{}", t.name);
        // The page's and the API's listing (`by=community`) is the same read.
        let f = figures::of_area_listing(db, &hq, &city, d, figures::List::Communities)
            .await
            .unwrap();
        assert_eq!(
            f.children.iter().map(|c| &c.bands).collect::<Vec<_>>(),
            all.iter().map(|c| &c.bands).collect::<Vec<_>>(),
            "{}",
            t.name
        );
        // The children of the district (its streets), and a street's (its communities), each
        // equal to the area's own read and a recount.
        let f = figures::of_area(db, &hq, &city, d).await.unwrap();
        assert!(!f.children.is_empty(), "{}", t.name);
        let street_code = f.children[0].code.clone();
        for c in &f.children {
            let area = areas::by_code(db, &c.code).await.unwrap().unwrap();
            let one = figures::of_area(db, &hq, &area, d).await.unwrap();
            assert_eq!(c.bands, one.bands, "{} {}", t.name, c.code);
            assert_eq!(c.bands, recounted_bands(db, &area.path, d).await);
        }
        let street = areas::by_code(db, &street_code).await.unwrap().unwrap();
        let s = figures::of_area(db, &hq, &street, d).await.unwrap();
        let under: Vec<_> = all
            .iter()
            .filter(|c| c.code.starts_with(&street_code))
            .map(|c| (&c.code, &c.bands))
            .collect();
        assert_eq!(
            s.children
                .iter()
                .map(|c| (&c.code, &c.bands))
                .collect::<Vec<_>>(),
            under,
            "{}",
            t.name
        );
        assert_eq!(
            figures::bands_of(db, &hq, &city, d).await.unwrap(),
            recounted_bands(db, &city.path, d).await,
            "{}",
            t.name
        );
        // The listing reads span tallies built on the year's first read: doses recorded after
        // it reach them, so each community still equals a recount.
        for (i, id) in old.iter().enumerate() {
            if i % 5 == 1 && i % 7 != 0 {
                give(db, &hq, *id, "inactivated", d - 5, d).await;
            }
        }
        let again = figures::communities(db, &hq, &city, d).await.unwrap();
        assert_ne!(
            again.iter().map(|c| &c.bands).collect::<Vec<_>>(),
            all.iter().map(|c| &c.bands).collect::<Vec<_>>(),
            "{}: the new doses show",
            t.name
        );
        for c in &again {
            let area = areas::by_code(db, &c.code).await.unwrap().unwrap();
            assert_eq!(
                c.bands,
                recounted_bands(db, &area.path, d).await,
                "{} {} after more doses",
                t.name,
                c.code
            );
        }
        // Next year every age is a year more: that year's spans are built on its first read
        // and equal a recount then; a dose afterwards reaches both years' spans.
        let next = d + 366;
        assert_eq!(vax::year_of(next), vax::year_of(d) + 1);
        let later = figures::communities(db, &hq, &city, next).await.unwrap();
        for c in &later {
            let area = areas::by_code(db, &c.code).await.unwrap().unwrap();
            assert_eq!(
                c.bands,
                recounted_bands(db, &area.path, next).await,
                "{} {} next year",
                t.name,
                c.code
            );
        }
        if let Some(id) = old
            .iter()
            .enumerate()
            .find(|(i, _)| i % 5 == 2 && i % 7 != 0)
        {
            give(db, &hq, *id.1, "adenovirus", d - 3, d).await;
        }
        assert_tallies(db).await;
    }
}

/// Tick-offs under an area by reason, counted straight from the tick-off rows.
async fn recounted_reasons(db: &Db, path: &str) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = db
        .query(
            "SELECT reason, COUNT(*) AS n FROM vax_tickoffs WHERE current = 1 \
             AND path >= $1 AND path < $2 GROUP BY reason",
            args![path, format!("{path}~")],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.text(0).to_owned(), r.int(1)))
        .collect();
    v.sort();
    v
}

fn nonzero(f: &figures::Figures) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = f.reasons.iter().filter(|r| r.1 != 0).cloned().collect();
    v.sort();
    v
}

#[tokio::test]
async fn tickoff_tallies_follow_supersession_merge_and_removal() {
    for t in backends().await {
        let db = &t.db;
        let fx = fixture(db).await;
        let d = fx.today;
        let g = &fx.grid;
        let act = actor(g);
        let c1 = vax::area_in_scope(db, &fx.c1, C1).await.unwrap();
        let city = vax::area_in_scope(db, &fx.hq, "431102").await.unwrap();
        let p = aged(db, 60, 79, d).await;
        assert!(p.len() >= 4);
        let ok = |r: Result<worklist::Ticked, AppError>| r.unwrap_or_else(|e| panic!("{e:?}"));
        let mut fever = tick("temp_contra");
        fever.detail = "fever".into();
        fever.recheck_on = ymd(d + 5);
        ok(worklist::tick(db, &act, g, p[0].0, &fever, d).await);
        let mut flare = tick("temp_contra");
        flare.detail = "flare".into();
        flare.recheck_on = ymd(d + 9);
        ok(worklist::tick(db, &act, g, p[1].0, &flare, d).await);
        let mut refused = tick("refused");
        refused.detail = "self".into();
        ok(worklist::tick(db, &act, g, p[2].0, &refused, d).await);
        ok(worklist::tick(db, &act, g, p[3].0, &tick("moved"), d).await);
        assert_tallies(db).await;
        let check = |f: figures::Figures, want: Vec<(String, i64)>| {
            assert_eq!(nonzero(&f), want, "{}", t.name);
        };
        let want = vec![
            ("moved".to_string(), 1),
            ("refused".to_string(), 1),
            ("temp_contra".to_string(), 2),
        ];
        assert_eq!(recounted_reasons(db, C1).await, want);
        check(
            figures::of_area(db, &fx.c1, &c1, d).await.unwrap(),
            want.clone(),
        );
        check(figures::of_area(db, &fx.hq, &city, d).await.unwrap(), want);
        // Deferrals due by their recheck day, at the community and the district.
        for (day, due) in [(d + 4, 0), (d + 5, 1), (d + 8, 1), (d + 9, 2), (d + 30, 2)] {
            let f = figures::of_area(db, &fx.c1, &c1, day).await.unwrap();
            assert_eq!(f.deferrals_due, due, "{} day +{}", t.name, day - d);
            let f = figures::of_area(db, &fx.hq, &city, day).await.unwrap();
            assert_eq!(f.deferrals_due, due, "{} day +{}", t.name, day - d);
        }
        // A new tick-off supersedes the deferral: it leaves the tallies, the appointment enters.
        let mut appt = tick("appointment");
        appt.appt_on = ymd(d + 2);
        appt.site = "区人民医院接种点".into();
        ok(worklist::tick(db, &act, g, p[0].0, &appt, d).await);
        assert_tallies(db).await;
        let f = figures::of_area(db, &fx.c1, &c1, d + 30).await.unwrap();
        assert_eq!(f.deferrals_due, 1, "{}", t.name);
        assert_eq!(nonzero(&f), recounted_reasons(db, C1).await, "{}", t.name);
        // The refuser's household merges into another household (no doses: the tick-off
        // follows all the same), the tallies move down the path.
        let (_, into) = merge_household_of(db, &fx, p[2].0).await;
        assert_tallies(db).await;
        let into_path: String = db
            .scalar("SELECT path FROM households WHERE id = $1", args![into])
            .await
            .unwrap();
        let n_at: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM vax_tickoffs WHERE resident_id = $1 AND current = 1 AND path = $2",
                args![p[2].0, into_path.as_str()],
            )
            .await
            .unwrap();
        assert_eq!(n_at, 1, "{}: the tick-off follows the merge", t.name);
        // The one who moved away leaves the registry: the tick-off stops counting (kept as
        // history).
        let hh: i64 = db
            .scalar(
                "SELECT household_id FROM residents WHERE id = $1",
                args![p[3].0],
            )
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.execute("DELETE FROM residents WHERE id = $1", args![p[3].0])
            .await
            .unwrap();
        vax::household_watch::households_changed(&mut tx, &[hh])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_tallies(db).await;
        let f = figures::of_area(db, &fx.hq, &city, d).await.unwrap();
        assert_eq!(
            nonzero(&f),
            vec![
                ("appointment".to_string(), 1),
                ("refused".to_string(), 1),
                ("temp_contra".to_string(), 1),
            ],
            "{}",
            t.name
        );
        let kept: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM vax_tickoffs WHERE resident_id = $1 AND current = 0",
                args![p[3].0],
            )
            .await
            .unwrap();
        assert_eq!(kept, 1, "{}: kept as history", t.name);
        // Only the merged residents' tick-offs moved: the others in the building stay.
        let stayed: i64 = db
            .scalar(
                "SELECT COUNT(*) FROM vax_tickoffs t JOIN residents r ON r.id = t.resident_id \
                 JOIN households h ON h.id = r.household_id WHERE t.current = 1 AND t.path <> h.path",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            stayed, 0,
            "{}: every tick-off under its resident's household",
            t.name
        );
    }
}

/// A recount above community level (the whole registry, or a district) goes community by
/// community, then sets the levels above to the sums of their communities: drift at a
/// community, at a street and under a community that no longer exists is repaired, and the
/// tallies equal a recount again.
#[tokio::test]
async fn a_recount_above_communities_repairs_every_level() {
    use crate::common::exec;
    for t in backends().await {
        let db = &t.db;
        fixture(db).await;
        wardline::vaccination::tallies::ensure_counted(db)
            .await
            .unwrap();
        assert_tallies(db).await;
        let street = &C1[..9];
        let gone = format!("{street}999");
        for root in ["431102", ""] {
            exec(
                db,
                "UPDATE vax_area_tallies SET n_pop = n_pop + 5 WHERE path = $1 AND birth_year = \
                 (SELECT MIN(birth_year) FROM vax_area_tallies WHERE path = $1 AND birth_year > 0)",
                args![C1],
            )
            .await;
            exec(
                db,
                "UPDATE vax_area_tallies SET n_pop = n_pop + 7 WHERE path = $1 AND birth_year = \
                 (SELECT MAX(birth_year) FROM vax_area_tallies WHERE path = $1)",
                args![street],
            )
            .await;
            exec(
                db,
                "INSERT INTO vax_area_tallies (path, birth_year, n_pop) VALUES ($1, 1950, 3) \
                 ON CONFLICT (path, birth_year) DO UPDATE SET n_pop = 3",
                args![gone.as_str()],
            )
            .await;
            let (kept, counted) = doses::tallies_and_recount(db).await.unwrap();
            assert_ne!(kept, counted, "{} {root:?}: the drift shows", t.name);
            figures::count_population(db, root, wardline::db::now_ms())
                .await
                .unwrap();
            let (kept, counted) = doses::tallies_and_recount(db).await.unwrap();
            assert_eq!(kept, counted, "{} {root:?}: repaired", t.name);
        }
    }
}
