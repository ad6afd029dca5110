//! The sampling writer's second half: what one batch changed, written in one pipeline (the
//! walk-ins, the tubes and their people, the tallies, the idempotency replies).

use super::*;

pub(super) async fn write(tx: &mut Tx, st: &mut State, now: i64) -> AppResult<()> {
    // Walk-ins first: their samples need their ids.
    let mut walkin_ids = Vec::with_capacity(st.walkins.len());
    for w in &st.walkins {
        let id: i64 = tx
            .scalar(
                "INSERT INTO test_walkins (round_id, site_id, path, barcode, doc_type, doc_number, \
                 name, phone, taken_ms, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') \
                 RETURNING id",
                crate::args![
                    w.round_id,
                    w.site_id,
                    w.path.as_str(),
                    w.barcode.as_str(),
                    w.doc_type.as_str(),
                    w.doc_number.as_str(),
                    w.name.as_str(),
                    w.phone.clone(),
                    w.taken_ms
                ],
            )
            .await?;
        walkin_ids.push(id);
    }
    // Everything else in one pipeline.
    let mut stmts = Vec::new();
    let mut tubes: Vec<&Tube> = st.tubes.values().filter(|t| t.dirty).collect();
    tubes.sort_by(|a, b| (a.round_id, &a.barcode).cmp(&(b.round_id, &b.barcode)));
    let mut rows = Vec::with_capacity(tubes.len() * 10);
    for t in tubes {
        rows.extend([
            Value::Int(t.round_id),
            Value::from(t.barcode.as_str()),
            Value::Int(t.site_id),
            Value::from(t.path.as_str()),
            Value::Int(t.capacity),
            Value::from(t.household_id),
            Value::Int(t.n),
            Value::Int(t.opened_by),
            Value::Int(t.opened_ms),
            Value::from(t.closed_ms),
        ]);
    }
    stmts.push(Stmt::Bulk {
        table: "test_tubes",
        columns: &[
            "round_id",
            "barcode",
            "site_id",
            "path",
            "capacity",
            "household_id",
            "n",
            "opened_by",
            "opened_ms",
            "closed_ms",
        ],
        rows,
        on_conflict: Some(
            "ON CONFLICT (round_id, barcode) DO UPDATE SET n = excluded.n, \
             closed_ms = excluded.closed_ms, household_id = excluded.household_id",
        ),
    });
    let mut rows = Vec::with_capacity(st.samples.len() * 8);
    for s in &st.samples {
        rows.extend([
            Value::Int(s.round_id),
            Value::from(s.barcode.as_str()),
            Value::from(s.resident_id),
            Value::from(s.walkin.map(|w| match w {
                WalkinRef::New(i) => walkin_ids[i],
                WalkinRef::Stored(id) => id,
            })),
            Value::Int(s.account_id),
            Value::Int(s.taken_ms),
            Value::from(s.duplicate),
            Value::from(s.retest),
        ]);
    }
    stmts.push(Stmt::Bulk {
        table: "test_samples",
        columns: &[
            "round_id",
            "barcode",
            "resident_id",
            "walkin_id",
            "account_id",
            "taken_ms",
            "duplicate",
            "retest",
        ],
        rows,
        on_conflict: None,
    });
    let mut persons: Vec<(&(i64, i64), &Person)> =
        st.persons.iter().filter(|(_, p)| p.dirty).collect();
    persons.sort_by_key(|(k, _)| **k);
    let mut rows = Vec::with_capacity(persons.len() * 9);
    for ((round, rid), p) in persons {
        rows.extend([
            Value::Int(*round),
            Value::Int(*rid),
            Value::Int(p.household_id),
            Value::from(p.path.as_str()),
            Value::from(p.status.as_str()),
            Value::from(p.barcode.as_str()),
            Value::from(p.first_barcode.as_str()),
            Value::Int(p.first_ms),
            Value::Int(now),
        ]);
    }
    stmts.push(Stmt::Bulk {
        table: "test_persons",
        columns: &[
            "round_id",
            "resident_id",
            "household_id",
            "path",
            "status",
            "barcode",
            "first_barcode",
            "first_ms",
            "updated_ms",
        ],
        rows,
        on_conflict: Some(
            "ON CONFLICT (round_id, resident_id) DO UPDATE SET status = excluded.status, \
             barcode = excluded.barcode, updated_ms = excluded.updated_ms",
        ),
    });
    // Follow-up tasks of people sampled again are done.
    for (round, rid) in &st.resampled {
        stmts.push(Stmt::Exec(
            "UPDATE test_tasks SET done_ms = $1 WHERE round_id = $2 AND resident_id = $3 \
             AND done_ms IS NULL"
                .into(),
            crate::args![now, *round, *rid],
        ));
    }
    let mut rows = Vec::with_capacity(st.new_replies.len() * 4);
    for (k, round, o) in &st.new_replies {
        rows.extend([
            Value::from(k.as_str()),
            Value::Int(*round),
            Value::Text(serde_json::to_string(o).map_err(|e| AppError::Internal(e.to_string()))?),
            Value::Int(now),
        ]);
    }
    // DO NOTHING: another node may have stored the same retry a moment earlier.
    stmts.push(Stmt::Bulk {
        table: "test_submissions",
        columns: &["key", "round_id", "reply", "created_ms"],
        rows,
        on_conflict: Some("ON CONFLICT (key) DO NOTHING"),
    });
    tx.pipeline(stmts).await?;
    Ok(())
}
