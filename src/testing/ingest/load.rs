//! A batch's reads: a handful of `IN (…)` queries that fill the writer's state before the
//! decisions are made in memory.

use super::*;

/// What a statement of the load pipeline reads.
enum Load {
    Replies,
    Lookups,
    Rules,
    Collects,
    Tubes,
    Sites,
    Residents,
    ResidentsByDoc,
    Walkins(i64),
    Persons(i64),
}

/// `IN (…)` over `vals` with parameters numbered from `first`; an empty list matches nothing.
fn in_list(first: usize, vals: &[Value]) -> String {
    if vals.is_empty() {
        "NULL".into()
    } else {
        placeholders(first, vals.len())
    }
}

/// Read everything the batch needs in one pipeline (one trip to the database's thread).
/// `now`: the batch's clock, the same one its lookups are counted under.
pub(super) async fn load(
    tx: &mut Tx,
    db: &Db,
    subs: &[&Submission],
    st: &mut State,
    now: i64,
) -> AppResult<()> {
    let keys: Vec<Value> = subs
        .iter()
        .flat_map(|s| {
            s.ops
                .iter()
                .map(|o| Value::Text(key(s.reader.account_id, s.round.id, &o.client_id)))
        })
        .collect();
    let rounds: Vec<i64> = subs
        .iter()
        .map(|s| s.round.id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let round_list = ints(rounds.iter().copied());
    let acc_list = ints(
        subs.iter()
            .map(|s| s.reader.account_id)
            .collect::<HashSet<_>>(),
    );
    let barcodes: Vec<Value> = texts(
        subs.iter()
            .flat_map(|s| s.ops.iter().map(|o| o.tube.trim().to_owned()))
            .collect::<HashSet<_>>(),
    );
    let open_sites: Vec<Value> = ints(
        subs.iter()
            .flat_map(|s| s.ops.iter())
            .filter_map(|o| match o.kind {
                OpKind::Open { site_id } => site_id,
                _ => None,
            })
            .collect::<HashSet<_>>(),
    );
    // People, by id, personal code or document.
    let mut ids: HashSet<i64> = HashSet::new();
    let mut docs: HashSet<String> = HashSet::new();
    let mut has_qr = false;
    for s in subs {
        for o in &s.ops {
            if let OpKind::Add { person, .. } = &o.kind {
                match person {
                    PersonRef::ResidentId(i) => {
                        ids.insert(*i);
                    }
                    PersonRef::Qr(_) => has_qr = true,
                    PersonRef::Doc { number, .. } | PersonRef::WalkIn { number, .. } => {
                        docs.insert(doc_key(number));
                    }
                }
            }
        }
    }
    if has_qr {
        let secret = crate::testing::qr_secret(db).await?;
        for s in subs {
            for o in &s.ops {
                if let OpKind::Add {
                    person: PersonRef::Qr(code),
                    ..
                } = &o.kind
                {
                    if let Some(id) = parse_resident_code(&secret, code) {
                        ids.insert(id);
                    }
                }
            }
        }
        st.qr_secret = Some(secret);
    }
    let ids = ints(ids);
    let docs = texts(docs);

    let mut what = Vec::new();
    let mut stmts = Vec::new();
    let mut push = |w: Load, sql: String, params: Vec<Value>| {
        what.push(w);
        stmts.push(Stmt::Query(sql, params));
    };
    push(
        Load::Replies,
        format!(
            "SELECT key, reply FROM test_submissions WHERE key IN ({})",
            in_list(1, &keys)
        ),
        keys.clone(),
    );
    push(
        Load::Rules,
        format!(
            "SELECT round_id, path, pool_size FROM test_pool_rules WHERE round_id IN ({})",
            in_list(1, &round_list)
        ),
        round_list.clone(),
    );
    push(
        Load::Collects,
        format!(
            "SELECT c.account_id, s.round_id, s.id FROM test_collectors c \
             JOIN test_sites s ON s.id = c.site_id WHERE c.account_id IN ({}) ORDER BY s.id",
            in_list(1, &acc_list)
        ),
        acc_list.clone(),
    );
    let mut p = round_list.clone();
    p.extend(barcodes.iter().cloned());
    push(
        Load::Tubes,
        format!(
            "SELECT round_id, barcode, site_id, path, capacity, household_id, n, opened_by, \
             opened_ms, closed_ms, result FROM test_tubes WHERE round_id IN ({}) AND barcode IN ({}){}",
            in_list(1, &round_list),
            in_list(1 + round_list.len(), &barcodes),
            for_update(tx)
        ),
        p,
    );
    // The sites the batch refers to: where these accounts collect, where its tubes are, and
    // where it opens tubes (a round may have thousands of sites).
    let mut p = acc_list.clone();
    p.extend(round_list.iter().cloned());
    p.extend(barcodes.iter().cloned());
    p.extend(open_sites.iter().cloned());
    let (a, r, b) = (acc_list.len(), round_list.len(), barcodes.len());
    push(
        Load::Sites,
        format!(
            "SELECT id, round_id, path FROM test_sites WHERE \
             id IN (SELECT site_id FROM test_collectors WHERE account_id IN ({})) \
             OR id IN (SELECT site_id FROM test_tubes WHERE round_id IN ({}) AND barcode IN ({})) \
             OR id IN ({})",
            in_list(1, &acc_list),
            in_list(1 + a, &round_list),
            in_list(1 + a + r, &barcodes),
            in_list(1 + a + r + b, &open_sites)
        ),
        p,
    );
    // The hour the batch counts its lookups under (`count_lookups`): one clock reading. (Two
    // readings, a millisecond apart, named a window that does not exist, so a collector's
    // earlier fruitless lookups were forgotten.)
    let mut p = vec![Value::Int(now - now % LOOKUP_WINDOW_MS)];
    p.extend(acc_list.iter().cloned());
    push(
        Load::Lookups,
        format!(
            "SELECT account_id, n FROM collector_lookups WHERE window_ms = $1 AND account_id IN ({})",
            in_list(2, &acc_list)
        ),
        p,
    );
    const RES_COLS: &str =
        "r.id, r.household_id, r.path, r.name, r.sex, r.birth_date, r.doc_type, r.doc_number";
    push(
        Load::Residents,
        format!(
            "SELECT {RES_COLS} FROM residents r WHERE r.id IN ({})",
            in_list(1, &ids)
        ),
        ids.clone(),
    );
    push(
        Load::ResidentsByDoc,
        format!(
            "SELECT {RES_COLS} FROM residents r WHERE r.doc_number IN ({})",
            in_list(1, &docs)
        ),
        docs.clone(),
    );
    for &round in &rounds {
        let mut p = vec![Value::Int(round)];
        p.extend(docs.iter().cloned());
        push(
            Load::Walkins(round),
            format!(
                "SELECT doc_number, doc_type, barcode, taken_ms, id FROM test_walkins \
                 WHERE round_id = $1 AND doc_number IN ({})",
                in_list(2, &docs)
            ),
            p,
        );
        // Their state in the round: by id, and by document through the registry.
        const P_COLS: &str =
            "p.resident_id, p.status, p.barcode, p.first_barcode, p.first_ms, p.household_id, p.path";
        let mut p = vec![Value::Int(round)];
        p.extend(ids.iter().cloned());
        push(
            Load::Persons(round),
            format!(
                "SELECT {P_COLS} FROM test_persons p WHERE p.round_id = $1 AND p.resident_id IN ({})",
                in_list(2, &ids)
            ),
            p,
        );
        let mut p = vec![Value::Int(round)];
        p.extend(docs.iter().cloned());
        push(
            Load::Persons(round),
            format!(
                "SELECT {P_COLS} FROM test_persons p JOIN residents r ON r.id = p.resident_id \
                 WHERE p.round_id = $1 AND r.doc_number IN ({})",
                in_list(2, &docs)
            ),
            p,
        );
    }
    let results = tx.pipeline(stmts).await?;
    for (w, rows) in what.into_iter().zip(results) {
        match w {
            Load::Replies => {
                for r in &rows {
                    let reply: String = r.get("reply")?;
                    if let Ok(o) = serde_json::from_str::<Outcome>(&reply) {
                        st.replies.insert(r.get("key")?, o);
                    }
                }
            }
            Load::Lookups => {
                for r in &rows {
                    st.lookups.insert(r.get("account_id")?, r.get("n")?);
                }
            }
            Load::Rules => {
                for r in &rows {
                    st.rules
                        .entry(r.get("round_id")?)
                        .or_default()
                        .push(PoolRule::from_row(r)?);
                }
            }
            Load::Collects => {
                for r in &rows {
                    st.collects
                        .entry((r.get("account_id")?, r.get("round_id")?))
                        .or_default()
                        .push(r.get("id")?);
                }
            }
            Load::Tubes => {
                for r in &rows {
                    let t = Tube::from_row(r)?;
                    st.tubes.insert((t.round_id, t.barcode.clone()), t);
                }
            }
            Load::Sites => {
                for r in &rows {
                    st.sites.insert(r.get("id")?, Site::from_row(r)?);
                }
            }
            Load::Residents => st.add_residents(&rows)?,
            Load::ResidentsByDoc => {
                st.add_residents(&rows)?;
                for r in &rows {
                    st.by_doc
                        .entry(r.get("doc_number")?)
                        .or_default()
                        .push(r.get("id")?);
                }
            }
            Load::Walkins(round) => {
                for r in &rows {
                    st.walkins_seen.insert(
                        (round, r.get("doc_number")?, r.get("doc_type")?),
                        (
                            r.get("barcode")?,
                            r.get("taken_ms")?,
                            WalkinRef::Stored(r.get("id")?),
                        ),
                    );
                }
            }
            Load::Persons(round) => {
                for r in &rows {
                    st.persons
                        .insert((round, r.get("resident_id")?), Person::from_row(r)?);
                }
            }
        }
    }
    Ok(())
}
