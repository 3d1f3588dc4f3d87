//! Pure functions over the model: compliance, hot fixes, risk, gates, manifest. No I/O; `now` is passed in.

pub mod advice;
pub mod agenda;
pub mod approval;
pub mod authority;
pub mod check;
pub mod forecast;
pub mod gates;
pub mod hotfix;
pub mod intent;
pub mod keys;
pub mod levels;
pub mod lookup;
pub mod manifest;
pub mod meeting;
mod names;
pub mod phase;
pub mod record;
pub mod replay;
pub mod rests;
pub mod risk;
pub mod signature;
pub mod stagger;
pub mod time;
pub mod view;
mod waiting;

pub use gates::{Gate, GateStatus};
pub use hotfix::{HotFixStatus, PendingFix};
pub use intent::Intent;
pub use levels::Compliance;
pub use lookup::Refusal;
pub use phase::SoakState;
pub use replay::State;
pub use risk::{RatingSource, Ratings};
pub use view::{FleetView, RolloutView, ServerRow, Ticked};

/// The embedded sample as the rules see it, for the unit tests beside each rule.
#[cfg(test)]
pub(crate) mod fixture {
    use chrono::{DateTime, Utc};

    use crate::model::{Data, Entry, Event};
    use crate::store::{MemoryStore, sample};

    use super::State;

    /// The day the sample is dated for: its soak clocks read right on it.
    pub fn now() -> DateTime<Utc> {
        sample::anchor()
    }

    /// The sample's baseline with its journal replayed.
    pub fn sample() -> (Data, State) {
        let store = MemoryStore::sample(now()).expect("sample").arc();
        let loaded = crate::live::load(&store).expect("load");
        let mut data = std::sync::Arc::unwrap_or_clone(loaded.data);
        // A load lets the baseline's servers go (the state holds them); the tests change them.
        data.fleet.servers = store.fleet_and_digest().expect("fleet").0.servers;
        (data, std::sync::Arc::unwrap_or_clone(loaded.state))
    }

    /// Apply `event` as if `by` recorded it at `now()`; returns its seq (each call its own).
    pub fn apply(data: &Data, state: &mut State, by: &str, event: Event) -> u64 {
        static APPLIED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let pos = data.journal.len();
        let seq = pos as u64 + 1 + APPLIED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let entry = Entry {
            seq,
            at: now(),
            by: by.into(),
            from: None,
            event,
            prev: String::new(),
            sig: None,
            sum: String::new(),
        };
        state.apply(data, pos, &entry);
        seq
    }
}
