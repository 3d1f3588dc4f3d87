//! Plain serde types for the four data files; no behaviour beyond lookups.

pub mod catalog;
pub mod de;
pub mod fleet;
pub mod index;
pub mod journal;
pub mod levels;
pub mod on_demand;
pub mod rollout;
pub mod team;
pub mod trust;

pub use catalog::{Catalog, HotFix, NextRelease, Product, Requirement, ServicePack};
pub use fleet::{Environment, Fleet, Freeze, Hours, Role, Server, Site};
pub use index::{JournalIndex, LineRef};
pub use journal::{Asked, Attendee, CheckoutResult, Entry, Event, Signature};
pub use levels::Levels;
pub use on_demand::OnDemand;
pub use rollout::{InstallWindow, Phase, Rating, RoleRisk, Rollout, RolloutPlan, Selector, ServerRisk, Soak, Stagger};
pub use team::Team;

/// Everything loaded from one data directory: the baseline plus the journal.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub catalog: Catalog,
    pub fleet: Fleet,
    pub plan: RolloutPlan,
    /// Where each event is; the events stay on disk (`store::journal::read`).
    pub journal: JournalIndex,
    /// From `team.ron`, when present.
    pub team: Option<Team>,
}
