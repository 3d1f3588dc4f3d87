//! Pure functions over the model: compliance, hot fixes, risk, gates, manifest. No I/O; `now` is passed in.

pub mod advice;
pub mod authority;
pub mod check;
pub mod gates;
pub mod hotfix;
pub mod intent;
pub mod levels;
pub mod lookup;
pub mod manifest;
pub mod phase;
pub mod record;
pub mod replay;
pub mod risk;
pub mod view;

pub use gates::{Gate, GateStatus};
pub use hotfix::{HotFixStatus, PendingFix};
pub use intent::Intent;
pub use levels::Compliance;
pub use lookup::Refusal;
pub use phase::SoakState;
pub use replay::State;
pub use risk::{RatingSource, Ratings};
pub use view::{FleetView, RolloutView, ServerRow};
