## Health follow-up (issue 15)
nav-followup = Follow-up
nav-referrals = Referrals
nav-worklist = Today's rounds
audit-act-quarantine-rule-set = quarantine rule set
audit-act-quarantine-ordered = quarantine ordered
audit-act-quarantine-end-changed = quarantine end changed
audit-act-quarantine-ended = quarantine ended
audit-act-quarantine-check = health check recorded
audit-act-quarantine-task-closed = referral or escalation closed
audit-act-pairing-made = households paired
audit-act-pairing-ended = pairing ended
audit-act-contact-logged = contact logged
audit-kind-quarantine-rule = quarantine rule
audit-kind-quarantine-order = quarantine order
audit-kind-quarantine-check = health check
audit-kind-quarantine-task = referral or escalation
audit-kind-pairing = pairing
