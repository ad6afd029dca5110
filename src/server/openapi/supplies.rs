//! Supplies, donations and money (issue 17): its paths in the OpenAPI document.

use serde_json::{json, Value};

use super::*;

/// The supplies' paths (issue 17): bodies carry the pages' form fields, as strings.
pub(super) fn supplies_paths() -> Value {
    let id = |what: &str| path_param("id", &format!("{what} id"));
    let obj = || json!({"type": "object"});
    let strings = |fields: &[&str]| {
        let props: serde_json::Map<String, Value> = fields
            .iter()
            .map(|f| ((*f).to_owned(), json!({"type": "string"})))
            .collect();
        json!({"type": "object", "properties": props})
    };
    let created = || {
        with_errors(
            ok("Recorded (or, on a retry with the same client_id, the entry first recorded)",
                json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}})),
            &[("422", "A field is wrong (named), the stock or fund holds too little (the amount left is said), or a directed gift would go elsewhere"),
              ("403", "The role may not record this")],
        )
    };
    let write = |op: &str, summary: &str, params: Vec<Value>, fields: &[&str]| {
        let mut p = params;
        p.push(lang_param());
        post_op(
            op,
            summary,
            p,
            "application/json",
            strings(fields),
            created(),
        )
    };
    let mut reverse = write(
        "supplyReverse",
        "Correct a movement by a reversing one, with a reason (once)",
        vec![id("Movement")],
        &["client_id", "reason"],
    );
    reverse["post"]["responses"]["409"] = error_response("The movement was reversed already");
    json!({
        "/supplies/stores": get_op("supplyStores", "The stores (depots, supply points, team stores) of the reader's scope",
            vec![lang_param()], with_errors(ok("Stores", json!({"type": "array", "items": obj()})), &[("403", "The role reads no supplies")]), true),
        "/supplies/stores/{id}": get_op("supplyStore", "A store with the communities it serves and its stock per item and lot (direction)",
            vec![id("Store"), lang_param()], with_errors(ok("The store", obj()), &[("403", "The role reads no supplies")]), true),
        "/supplies/stores/{id}/card": get_op("supplyCard", "A store's stock card, newest first: each line's movement, change and balance after it",
            vec![id("Store"), query_param("item", "Only this item", json!({"type": "integer"})),
                 query_param("limit", "Lines, 1 to 1000", json!({"type": "integer"})),
                 query_param("offset", "Lines to skip", json!({"type": "integer"})), lang_param()],
            with_errors(ok("Lines and their total", obj()), &[("403", "The role reads no supplies")]), true),
        "/supplies/receipts": write("supplyReceipt", "Goods received into a store: a donation in kind (donor, stated value, direction), a purchase (supplier, invoice, cost) or an allocation from above. Quantities are whole numbers of units or packs (per = unit|pack)",
            vec![], &["client_id", "kind", "store", "item", "qty", "per", "donor_kind", "donor", "value", "supplier", "invoice", "directed_area", "directed_org", "trip"]),
        "/supplies/movements": write("supplyMovement", "Goods out of a store: transfer (to_store, trip), handout (to_type household|team|post|recipient), loss (reason) or return to the donor. Never below zero; directed goods only where directed",
            vec![], &["client_id", "kind", "store", "item", "qty", "per", "to_store", "to_type", "household", "team", "to_name", "trip", "reason", "lot"]),
        "/supplies/movements/{id}/reverse": reverse,
        "/supplies/needs/{id}/handouts": write("supplyNeedHandout", "Hand goods to a need's household (the need's items delivered): an officer from a store in scope, or the volunteer holding the need from their team's store",
            vec![id("Need")], &["client_id", "store", "item", "qty", "per"]),
        "/supplies/trips": {
            "get": get_op("supplyTrips", "Vehicle trips of the reader's scope, newest first, with the movements they carried",
                vec![query_param("limit", "Trips, 1 to 1000", json!({"type": "integer"})), query_param("offset", "Trips to skip", json!({"type": "integer"})), lang_param()],
                with_errors(ok("Trips and their total", obj()), &[("403", "The role reads no supplies")]), true)["get"].clone(),
            "post": write("supplyTrip", "Record a vehicle trip (plate, driver, from, to, depart/arrive as YYYY-MM-DDTHH:MM China time, kg, passengers)",
                vec![], &["client_id", "plate", "driver", "from", "to", "depart", "arrive", "kg", "passengers", "area"])["post"].clone(),
        },
        "/supplies/gifts": write("moneyGift", "Money received into a fund, in yuan with at most two decimals: donation (donor or anonymous, channel, reference), party_fee or grant; optionally directed to a recipient",
            vec![], &["client_id", "fund", "kind", "donor_kind", "donor", "channel", "reference", "amount", "directed"]),
        "/supplies/spendings": write("moneySpending", "Request a spending (payee, purpose, receipt number required); paid once approved by one other person, two above the threshold",
            vec![], &["client_id", "fund", "amount", "payee", "purpose", "receipt_no"]),
        "/supplies/transfers": write("moneyTransfer", "Move money from a fund of the scope to another fund (lot: a direction, which goes with the money)",
            vec![], &["client_id", "fund", "to_fund", "amount", "lot", "purpose"]),
        "/supplies/spendings/{id}/approve": post_op("moneyApprove", "Approve a spending (not one's own; once per person); paid on the last approval",
            vec![id("Spending"), lang_param()], "application/json", obj(),
            with_errors(ok("The spending's status: pending or paid", obj()), &[("409", "One's own, already approved by this person, or already paid"), ("403", "The role may not approve spendings")])),
        "/supplies/figures": get_op("supplyFigures", "Figures of an area over a period: received, handed out, in stock, stock-outs, trips, tonnage, households helped, money received and spent, the balance, and sentences such as 口罩37.2万只",
            vec![query_param("area", "Area code in scope (default: the reader's top area)", json!({"type": "string"})),
                 query_param("from", "First day, YYYY-MM-DD", json!({"type": "string", "format": "date"})),
                 query_param("to", "Last day, YYYY-MM-DD", json!({"type": "string", "format": "date"})), lang_param()],
            with_errors(ok("The figures", obj()), &[("422", "A bad date, named"), ("403", "The role reads no supplies")]), true),
        "/supplies/disclosure/{code}": get_op("supplyDisclosure", "The public disclosure (公示) of an area, no token: goods received per day, source, item and store (donors, or anonymous), where goods went per community or team (never a person or household), money received and spent entry by entry, balances, generated time; every line names its ledger entries (goods: how many, the first and the last)",
            vec![path_param("code", "Area code"), lang_param()],
            with_errors(ok("The disclosure", obj()), &[]), false),
        "/supplies/stock-takes": post_op("supplyStockTake", "A store's stock-take: the counted units per item id (counts: {\"<item id>\": \"<units>\"}); each difference becomes an adjustment with the reason and an approver other than the counter. Idempotent by client_id",
            vec![lang_param()], "application/json",
            json!({"type": "object", "properties": {
                "client_id": {"type": "string"}, "store": {"type": "string"}, "reason": {"type": "string"},
                "approver": {"type": "string"},
                "counts": {"type": "object", "additionalProperties": {"type": "string"}}}}),
            with_errors(ok("The adjustments recorded (none when the count agreed)",
                json!({"type": "object", "required": ["adjustments"], "properties": {"adjustments": {"type": "array", "items": {"type": "integer"}}}})),
                &[("422", "A field is wrong (named)"), ("403", "The role may not record goods")])),
        "/supplies/settings": {
            "get": get_op("supplySettings", "The amount above which a spending needs two approvers",
                vec![lang_param()], with_errors(ok("The threshold, in fen and in yuan", obj()), &[("403", "The role reads no supplies")]), true)["get"].clone(),
            "post": post_op("supplySetSettings", "Set the amount (yuan) above which a spending needs two approvers (administrators and HQ)",
                vec![lang_param()], "application/json", strings(&["threshold"]),
                with_errors(ok("The threshold set, in fen", obj()), &[("422", "A bad amount, named"), ("403", "Only HQ sets it")]))["post"].clone(),
        },
    })
}
