# Supplies, donations and money (issue 17).

audit-act-supply-item-created = Supply item added to the catalogue
audit-act-supply-store-created = Store created
audit-act-supply-moved = Goods movement recorded
audit-act-supply-reversed = Goods movement corrected
audit-act-supply-stocktake = Stock-take recorded
audit-act-supply-trip = Vehicle trip recorded
audit-act-supply-settings = Spending approval threshold changed
audit-act-fund-created = Fund created
audit-act-money-entry = Money entry recorded
audit-act-money-reversed = Money entry corrected
audit-act-money-spend-requested = Spending requested
audit-act-money-spend-approved = Spending approved
audit-kind-supply-item = Supply item
audit-kind-supply-store = Store
audit-kind-supply-move = Goods movement
audit-kind-supply-trip = Vehicle trip
audit-kind-fund = Fund
