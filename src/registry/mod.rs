//! The registry: the area tree, households and residents, imports and the demo city.

pub mod api;
pub mod areas;
pub mod codes;
pub mod demo;
pub mod edit;
pub mod export;
pub mod import;
pub mod import_source;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod residents;
pub mod validate;
pub mod watch;
pub mod xlsx;
