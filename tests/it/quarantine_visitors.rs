//! Issue 15: quarantine orders for visitors referred at a checkpoint (`quarantine::visitors`):
//! the referral → the order (masked, under the checkpoint's area) → its checks on the
//! worklist → release; replay, conflict and scope.

use wardline::args;
use wardline::db::Db;
use wardline::error::AppError;
use wardline::quarantine::checks::{self, Input};
use wardline::quarantine::orders::{self, Ending};
use wardline::quarantine::{day_of, referred, visitors, worklist};

use crate::common::{backends, exec};
use crate::quarantine::{fixture, order_form, T0};
use crate::testing::actor;

async fn count(db: &Db, sql: &str) -> i64 {
    db.scalar::<i64>(sql, args![]).await.unwrap()
}

/// A pass entry "refer to quarantine" of a visitor (no resident) at `path`, an hour before T0.
async fn visitor_entry(db: &Db, path: &str, name: &str) -> i64 {
    exec(
        db,
        "INSERT INTO pass_entries (place_id, path, account_id, at_ms, direction, name, phone, \
         doc_type, doc_number, to_place, health_code, test_status, suggestion, decision) \
         VALUES (1, $1, 0, $2, 'in', $3, '13900002222', 'id', '110101199001015678', \
         '幸福小区 3 栋', 'yellow', 'none', 'quarantine', 'quarantine')",
        args![path, T0 - 3_600_000, name],
    )
    .await;
    db.scalar::<i64>("SELECT MAX(id) FROM pass_entries", args![])
        .await
        .unwrap()
}

#[tokio::test]
async fn a_visitor_referred_at_a_checkpoint_is_ordered_checked_and_released() {
    for t in backends().await {
        let db = &t.db;
        let f = fixture(db).await;
        let (p, _) = f.people[0];
        let path: String = db
            .scalar("SELECT path FROM residents WHERE id = $1", args![p])
            .await
            .unwrap();
        let entry = visitor_entry(db, &path, "欧阳访客").await;
        let day = day_of(T0);
        let mut form = order_form("7+3", day, "v-1");
        form.reason = String::new();

        // Another community's officer: not found, nothing written.
        assert!(matches!(
            visitors::order(db, &actor(&f.o2), &f.o2, entry, &form, T0).await,
            Err(AppError::NotFound)
        ));
        // A grid worker may record checks but not order.
        assert!(matches!(
            visitors::order(db, &actor(&f.grid), &f.grid, entry, &form, T0).await,
            Err(AppError::Forbidden(_))
        ));
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM quarantine_visitors").await,
            0
        );

        let made = visitors::order(db, &actor(&f.o1), &f.o1, entry, &form, T0)
            .await
            .unwrap();
        assert!(!made.replayed);
        let vid = made.visitor_id.expect("a visitor row");
        let o = orders::get(db, &f.o1, made.order_id).await.unwrap();
        assert_eq!(o.resident_id, -vid);
        assert_eq!(o.household_id, -vid);
        assert_eq!(o.path, path);
        assert_eq!(
            (o.reason.as_str(), o.rule_code.as_str()),
            ("checkpoint", "7+3")
        );
        assert_eq!(o.end_day, day + 9);
        // Masked on the order, whole nowhere in its JSON.
        assert_eq!(o.name, "欧**客");
        assert_eq!(o.address, "幸福小区 3 栋");
        assert!(!serde_json::to_string(&o).unwrap().contains("欧阳访客"));
        let v = visitors::of_order(db, &f.o1, o.id).await.unwrap().unwrap();
        assert_eq!(v.phone, "139****2222");
        assert!(!v.doc_number.contains("19900101"), "{}", v.doc_number);

        // The same client id again: the same order; another request: a conflict.
        let again = visitors::order(db, &actor(&f.o1), &f.o1, entry, &form, T0)
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!(again.order_id, o.id);
        assert!(matches!(
            visitors::order(
                db,
                &actor(&f.o1),
                &f.o1,
                entry,
                &order_form("7+3", day, "v-2"),
                T0
            )
            .await,
            Err(AppError::Conflict(_))
        ));
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM quarantine_visitors").await,
            1
        );

        // The referral leaves the queue (its order shows).
        let q = referred::queue(db, &f.o1, T0).await.unwrap();
        let x = q.iter().find(|x| x.entry_id == entry).unwrap();
        assert_eq!((x.who, x.order_id), ("visitor", Some(o.id)));

        // Its checks are generated and on the grid worker's worklist, masked.
        let cs = checks::of_order(db, o.id, 10).await.unwrap();
        assert_eq!(cs.len(), 2, "{cs:?}");
        let w = worklist::of(db, &f.grid, T0).await.unwrap();
        let mine: Vec<_> = w.todo.iter().filter(|r| r.check.order_id == o.id).collect();
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[0].name, "欧**客");
        assert!(mine[0].phone.is_none());
        // Another community's officer sees neither the order nor its checks.
        assert!(matches!(
            orders::get(db, &f.o2, o.id).await,
            Err(AppError::NotFound)
        ));
        let w2 = worklist::of(db, &f.o2, T0).await.unwrap();
        assert!(w2.todo.iter().all(|r| r.check.order_id != o.id));
        assert!(visitors::of_order(db, &f.o2, o.id).await.is_err());

        // The grid worker records the morning check.
        let first = cs.iter().map(|c| c.id).min().unwrap();
        let well = Input {
            outcome: "well".into(),
            temperature: "36.5".into(),
            ..Default::default()
        };
        let r = checks::record(db, &actor(&f.grid), &f.grid, first, &well, T0)
            .await
            .unwrap();
        assert_eq!(r.status, "well");

        // The reveal: whole, audited, and refused to another community.
        let before = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_visitor_reveal'",
        )
        .await;
        assert!(visitors::reveal(db, &actor(&f.o2), &f.o2, o.id)
            .await
            .is_err());
        let whole = visitors::reveal(db, &actor(&f.grid), &f.grid, o.id)
            .await
            .unwrap();
        assert_eq!(
            (whole.name.as_str(), whole.phone.as_str()),
            ("欧阳访客", "13900002222")
        );
        let after = count(
            db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine_visitor_reveal'",
        )
        .await;
        assert_eq!(after, before + 1);

        // Release at the end: testing knows no visitor, so the officer gives the override.
        let end = T0 + 10 * 86_400_000;
        let release = Ending {
            reason: "released".into(),
            ..Default::default()
        };
        assert!(orders::end(db, &actor(&f.o1), &f.o1, o.id, &release, end)
            .await
            .is_err());
        let release = Ending {
            reason: "released".into(),
            override_reason: "negative slips of the test site on days 1, 2, 3, 5, 7, 10".into(),
            ..Default::default()
        };
        orders::end(db, &actor(&f.o1), &f.o1, o.id, &release, end)
            .await
            .unwrap();
        let o = orders::get(db, &f.o1, o.id).await.unwrap();
        assert_eq!(o.end_reason.as_deref(), Some("released"));

        // A resident referred: an ordinary order for the resident.
        exec(
            db,
            "INSERT INTO pass_entries (place_id, path, account_id, at_ms, direction, resident_id, \
             name, phone, doc_type, doc_number, health_code, test_status, suggestion, decision) \
             VALUES (1, $1, 0, $2, 'in', $3, '居民', '', 'id', '', 'yellow', 'none', 'quarantine', \
             'quarantine')",
            args![path.as_str(), T0, p],
        )
        .await;
        let re = db
            .scalar::<i64>("SELECT MAX(id) FROM pass_entries", args![])
            .await
            .unwrap();
        let m = visitors::order(
            db,
            &actor(&f.o1),
            &f.o1,
            re,
            &order_form("7+3", day, ""),
            T0,
        )
        .await
        .unwrap();
        assert_eq!(m.visitor_id, None);
        assert_eq!(
            orders::get(db, &f.o1, m.order_id)
                .await
                .unwrap()
                .resident_id,
            p
        );
    }
}
