# Checkpoints (issue 14): gates, road checkpoints, health stations and the pass log.
audit-act-pass-log = Passes logged at a checkpoint
audit-act-checkpoint-setup = Checkpoint set up
audit-kind-checkpoint = Checkpoint
