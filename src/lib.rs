//! Wardline (网格防线): grassroots epidemic response. The library holds everything; the binary
//! only parses the command line (see [`cli`]).

// Page helpers return `Result<(), Response>` (an early answer), as axum code does.
#![allow(clippy::result_large_err)]

pub mod access;
pub mod audit;
pub mod calendar;
pub mod checkpoints;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod hex;
pub mod home;
pub mod hq;
pub mod i18n;
pub mod mobilization;
pub mod needs;
pub mod notify;
pub mod privacy;
pub mod quarantine;
pub mod registry;
pub mod retention;
pub mod rng;
pub mod scope;
pub mod server;
pub mod supplies;
pub mod testing;
pub mod vaccination;
pub mod web;
pub mod zones;
