//! sprout: a terminal dashboard for rolling service packs and hot fixes out across a fleet.

pub mod app;
pub mod bits;
pub mod cli;
pub mod config;
pub mod describe;
pub mod heap;
pub mod import;
pub mod live;
pub mod model;
pub mod parallel;
pub mod progress;
pub mod rules;
pub mod safe;
pub mod store;
pub mod synthetic;
pub mod ui;
pub mod views;
