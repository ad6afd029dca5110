//! The browser flow of notifications (issue 19): an officer assigns a need to the demo
//! volunteer (the real action raises the message); on a phone the volunteer sees the unread
//! count in the header, opens /notifications from it, finds the message and its link to the
//! need, marks everything read and the count goes. The parent module has the WebDriver client.

use super::*;

#[test]
fn browser_volunteer_sees_the_unread_count_and_opens_notifications() {
    on_big_stack("e2e-notify", notify_browser_test);
}

async fn notify_browser_test() {
    if !browser_here("notifications browser test") {
        return;
    }
    let t = demo_backend(500).await;
    wardline::cli::create_demo_mobilization(&t.db)
        .await
        .expect("demo volunteers");
    wardline::needs::demo::create(&t.db)
        .await
        .expect("demo needs");
    let addr = common::serve(&t.db).await;
    in_browser("e2e-notify", &t, addr, LARGE_PHONE, notify_flow).await;
}

async fn notify_flow(b: &mut Browser, addr: SocketAddr, db: &wardline::db::Db) -> R<()> {
    let base = format!("http://{addr}");
    common::exec(db, "DELETE FROM notify_outbox", vec![]).await;
    // The demo's seed of notifications: an officer's assignment to demo-volunteer.
    let n = wardline::cli::create_demo_notifications(db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no demo notifications")?;
    ensure!(n >= 1, "at least the assignment: {n}");
    let need: i64 = db
        .scalar(
            "SELECT MAX(n.id) FROM needs n JOIN volunteers v ON v.id = n.volunteer_id \
             JOIN accounts a ON a.id = v.account_id WHERE a.username = 'demo-volunteer'",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;

    b.goto(&format!("{base}/lang/en?next=/login")).await?;
    sign_in(b, "demo-volunteer").await?;
    let count = b.wait_text("#nav-unread", "1").await?;
    b.screenshot("notify-unread").await?;
    let badge = b.find("#nav-unread").await?;
    b.click(&badge).await?;
    b.wait_url("the notifications page", |p| {
        p.starts_with("/notifications")
    })
    .await?;
    b.wait_text("#notify-unread", "unread").await?;
    let list = b.wait_text("#notifications", &format!("#{need}")).await?;
    // Rendered when raised, in the recipient's language (the demo account's: Chinese).
    ensure!(
        list.contains("已派给您") || list.contains("given to you"),
        "the assignment: {list:?} (badge {count:?})"
    );
    b.screenshot("notify-list").await?;
    let all = b.find("#notify-mark-all").await?;
    b.click(&all).await?;
    b.wait_url("back on the notifications page", |p| {
        p.starts_with("/notifications")
    })
    .await?;
    let gone = async {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if b.all("#nav-unread").await?.is_empty() {
                return Ok::<_, String>(true);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(false)
    };
    ensure!(gone.await?, "the unread count is gone once read");
    let unread: i64 = db
        .scalar(
            "SELECT COUNT(*) FROM notify_outbox o JOIN accounts a ON a.id = o.account_id \
             WHERE a.username = 'demo-volunteer' AND o.read_ms IS NULL",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    ensure!(unread == 0, "read on the server too: {unread}");
    Ok(())
}
