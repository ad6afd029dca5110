//! Retention of the stored API answers (`api_replies`, issue 19): answers older than the period
//! go in audited chunks, younger ones stay, a dry run counts without deleting, `0` keeps them.

use wardline::args;
use wardline::audit::retention::{policy, DAY_MS};
use wardline::audit::Actor;
use wardline::db::{now_ms, Db};
use wardline::web::reply_retention::{purge_in_chunks, DEFAULT_DAYS, KIND};

use crate::common::{backends, exec};

async fn int(db: &Db, sql: &str) -> i64 {
    db.query_one(sql, vec![]).await.unwrap().int(0)
}

/// `old` answers 8–12 days old and `young` ones of a day or less, as `once` stores them.
async fn stored(db: &Db, now: i64, old: i64, young: i64) {
    for i in 0..old {
        exec(
            db,
            "INSERT INTO api_replies (key, family, status, body, at_ms) VALUES ($1, 'needs', 200, '{}', $2)",
            args![format!("1:needs:old-{i}"), now - (8 + i % 5) * DAY_MS],
        )
        .await;
    }
    for i in 0..young {
        exec(
            db,
            "INSERT INTO api_replies (key, family, status, body, at_ms) VALUES ($1, 'duty', 200, '{}', $2)",
            args![format!("1:duty:young-{i}"), now - i * 3_600_000],
        )
        .await;
    }
}

async fn sweeps(db: &Db) -> i64 {
    int(
        db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'retention' AND entity_id = 'api_reply'",
    )
    .await
}

#[tokio::test]
async fn old_api_answers_go_in_audited_chunks_young_ones_stay() {
    for t in backends().await {
        let db = &t.db;
        let name = t.name;
        let now = now_ms();
        stored(db, now, 5, 3).await;
        assert_eq!(DEFAULT_DAYS, 7);

        // Chunks of 2: three transactions (2 + 2 + 1), each with its own audit entry.
        let n = purge_in_chunks(db, DEFAULT_DAYS, now, 2).await.unwrap();
        assert_eq!(n, 5, "{name}");
        assert_eq!(sweeps(db).await, 3, "{name}: one audit entry per chunk");
        assert_eq!(
            int(
                db,
                "SELECT COUNT(*) FROM api_replies WHERE key LIKE '1:duty:young-%'"
            )
            .await,
            3,
            "{name}: answers within the week stay"
        );
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM api_replies").await,
            3,
            "{name}"
        );
        // Nothing left to do: no further entry.
        assert_eq!(purge_in_chunks(db, DEFAULT_DAYS, now, 2).await.unwrap(), 0);
        assert_eq!(sweeps(db).await, 3, "{name}");
        // 0 keeps them.
        exec(
            db,
            "INSERT INTO api_replies (key, family, status, body, at_ms) VALUES ('1:needs:ancient', 'needs', 200, '{}', 0)",
            vec![],
        )
        .await;
        assert_eq!(purge_in_chunks(db, 0, now, 2).await.unwrap(), 0, "{name}");
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM api_replies").await,
            4,
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_retention_job_reports_and_deletes_api_answers() {
    for t in backends().await {
        let db = &t.db;
        let name = t.name;
        let now = now_ms();
        stored(db, now, 4, 2).await;
        let pol = policy(&wardline::retention::kinds(), &[]).unwrap();
        let p = pol
            .iter()
            .find(|p| p.kind.name == KIND)
            .expect("api_reply kind");
        assert_eq!(p.days, 7, "{name}");

        let dry = wardline::retention::run(db, &Actor::cli(), &pol, now, true)
            .await
            .unwrap();
        let rows = |r: &wardline::audit::retention::Report| {
            r.kinds.iter().find(|k| k.kind == KIND).unwrap().steps[0].rows
        };
        assert_eq!(rows(&dry), 4, "{name}: the dry run counts");
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM api_replies").await,
            6,
            "{name}"
        );

        let run = wardline::retention::run(db, &Actor::cli(), &pol, now, false)
            .await
            .unwrap();
        assert_eq!(rows(&run), 4, "{name}: the run reports what it deleted");
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM api_replies").await,
            2,
            "{name}"
        );
        assert_eq!(sweeps(db).await, 1, "{name}: the chunk's own audit entry");

        // A shorter period set in the configuration: a day takes all but the freshest.
        let pol = policy(&wardline::retention::kinds(), &[(KIND.to_string(), 1)]).unwrap();
        let run = wardline::retention::run(db, &Actor::cli(), &pol, now + DAY_MS + 1, false)
            .await
            .unwrap();
        assert_eq!(rows(&run), 2, "{name}");
        assert_eq!(
            int(db, "SELECT COUNT(*) FROM api_replies").await,
            0,
            "{name}"
        );
    }
}
