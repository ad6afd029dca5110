//! Vaccination on the pages: the vaccination section of the registry's resident page (status
//! and doses, for readers within scope only), and the worklist narrowed to one household.

use wardline::args;
use wardline::vaccination::ymd;

use crate::common::backends;
use crate::mobilization::{C1, C2};
use crate::vaccination::{aged, fixture, give};

async fn account(db: &wardline::db::Db, user: &str, role: &str, area: &str) {
    let a = wardline::access::NewAccount {
        username: user,
        display_name: user,
        role,
        scope_codes: &[area.to_string()],
        password: Some(wardline::cli::DEMO_PASSWORD),
    };
    wardline::access::create_account_as(db, &wardline::audit::Actor::cli(), &a)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_resident_page_shows_vaccination_and_the_list_narrows_to_a_household() {
    let t = backends().await.remove(0);
    let db = &t.db;
    let fx = fixture(db).await;
    let d = fx.today;
    let old = aged(db, 60, 200, d).await;
    let (a, b) = (old[0].0, old[1].0);
    give(db, &fx.grid, a, "inactivated", d - 40, d).await;
    account(db, "vpg", "grid", C1).await;
    account(db, "vpo", "community", C2).await;
    let addr = crate::common::serve(db).await;
    let who = crate::common::login(addr, "vpg", wardline::cli::DEMO_PASSWORD).await;
    // The registry's page of a vaccinated resident: the section with the dose.
    let page = crate::common::get_page(addr, &format!("/residents/{a}"), &who.cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("id=\"resident-vaccination\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"resident-vax-doses\""));
    assert!(page.body.contains(&ymd(d - 40)), "the dose's date");
    assert!(page.body.contains(&format!("/vaccination/residents/{a}")));
    // One without a dose: the section says so.
    let page = crate::common::get_page(addr, &format!("/residents/{b}"), &who.cookie).await;
    assert!(
        page.body.contains("id=\"resident-vax-none\""),
        "{}",
        page.body
    );
    // Outside the reader's scope: no page, no section.
    let other = crate::common::login(addr, "vpo", wardline::cli::DEMO_PASSWORD).await;
    let page = crate::common::get_page(addr, &format!("/residents/{a}"), &other.cookie).await;
    assert!(!page.body.contains("resident-vaccination"));
    assert_ne!(page.status, 200);
    // The worklist narrowed to b's household: b's household only, in walking order.
    let hh: i64 = db
        .scalar("SELECT household_id FROM residents WHERE id = $1", args![b])
        .await
        .unwrap();
    let whole = crate::common::get_page(
        addr,
        &format!("/vaccination?area={C1}&group=60%2B"),
        &who.cookie,
    )
    .await;
    assert_eq!(whole.status, 200, "{}", whole.body);
    assert!(
        whole.body.contains(&format!("household={hh}")),
        "each address narrows the list to its household"
    );
    let one = crate::common::get_page(
        addr,
        &format!("/vaccination?area={C1}&group=60%2B&household={hh}"),
        &who.cookie,
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert!(one.body.contains("id=\"vax-one-household\""));
    assert!(one.body.contains(&format!("data-resident=\"{b}\"")));
    let members: Vec<i64> = db
        .column(
            "SELECT id FROM residents WHERE household_id = $1",
            args![hh],
        )
        .await
        .unwrap();
    let rows = one.body.matches("data-resident=\"").count();
    assert!(rows >= 1 && rows <= members.len(), "{rows} rows");
    for part in one.body.split("data-resident=\"").skip(1) {
        let id: i64 = part[..part.find('"').unwrap()].parse().unwrap();
        assert!(members.contains(&id), "{id} lives in household {hh}");
    }
    // A household id that is not a number is refused, named.
    let bad = crate::common::get_page(
        addr,
        &format!("/vaccination?area={C1}&household=x"),
        &who.cookie,
    )
    .await;
    assert_ne!(bad.status, 200);
}
