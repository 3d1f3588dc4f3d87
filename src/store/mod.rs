//! The only code that touches the disk: load, validate, append under a lock, seed the sample.

pub mod atomic;
pub mod cache;
pub mod dir;
pub mod journal;
pub mod lock;
pub mod operator;
pub mod parse;
pub mod sample;
pub mod write;

pub use dir::{CatchUp, LoadError, Loaded, Source, load, refresh};
pub use operator::Operator;
pub use write::{Recorded, WriteError, record, record_in};

pub const CATALOG: &str = "catalog.ron";
pub const FLEET: &str = "fleet.ron";
pub const ROLLOUT: &str = "rollout.ron";
pub const JOURNAL: &str = "journal.ron";
pub const LOCK: &str = ".sprout.lock";
pub const TEAM: &str = "team.ron";
