//! Demo data for the checkpoints.
