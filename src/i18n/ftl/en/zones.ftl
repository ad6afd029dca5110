## Zones (风险区域)
audit-act-zone-declared = Zone declared
audit-act-zone-extended = Zone extended
audit-act-zone-lifted = Zone lifted
audit-kind-zone = Zone
audit-key-decided-by = decided by
audit-key-old-end-ms = planned end before
audit-key-new-end-ms = new planned end
audit-key-lifted-ms = lifted at
audit-val-sealed = sealed zone
audit-val-controlled = controlled zone
audit-val-precaution = precaution zone
