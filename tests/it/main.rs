//! The one integration-test binary (each extra test binary costs link time on 2 cores).
//! Every database test runs on SQLite and, when `WARDLINE_TEST_POSTGRES_URL` is set, on
//! PostgreSQL too.

mod access;
mod api;
mod audit;
mod audit_anchor;
mod backup;
mod common;
mod config;
mod e2e;
mod e2e_phone;
mod exchange;
mod fuzz;
mod hardening_privacy;
mod hardening_web;
mod import;
mod import_limits;
mod kit;
mod layering;
mod mobilization;
mod mobilization_autofill;
mod mobilization_branch_pages;
mod mobilization_pages;
mod mobilization_people;
mod mobilization_rules;
mod needs;
mod needs_pages;
mod needs_phone;
mod notify;
mod openapi;
mod registry;
mod registry_merge;
mod retention;
mod sessions;
mod shell;
mod testing;
mod testing_api;
mod testing_coverage;
mod testing_crash;
mod testing_faults;
mod testing_ingest;
mod testing_pages;
mod testing_results;
mod validate;
mod write_api;

/// `.ci/run` sets `WARDLINE_REQUIRE_POSTGRES=1`: then a missing or unreachable PostgreSQL is a
/// failure, not a silent SQLite-only run.
#[tokio::test]
async fn postgres_half_runs_when_required() {
    if std::env::var("WARDLINE_REQUIRE_POSTGRES").as_deref() != Ok("1") {
        return;
    }
    let url = common::postgres_url().expect("WARDLINE_TEST_POSTGRES_URL must be set");
    let dbs = common::backends().await;
    assert!(
        dbs.iter().any(|d| d.name == "postgres"),
        "PostgreSQL at {url} was not used"
    );
    let r = dbs[1].db.query_one("SELECT 40 + 2", vec![]).await.unwrap();
    assert_eq!(r.int(0), 42);
}
mod briefing;
mod checkpoints;
mod checkpoints_pages;
mod cluster;
mod hq;
mod hq_commendations;
mod mobilization_phone;
mod notify_events;
mod offline;
mod quarantine;
mod quarantine_visitors;
mod registry_phone;
mod reply_retention;
mod supplies;
mod supplies_api;
mod supplies_pages;
mod testing_overload;
mod testing_phone;
mod vaccination;
mod vaccination_api;
mod vaccination_import;
mod vaccination_pages;
mod zones;
mod zones_api;
mod zones_pages;
