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

/// Run `f` over `items` in two halves on two threads when there are enough of them to pay for
/// a thread (the machines have two cores); the results come back in order.
pub(crate) fn in_halves<T: Send>(items: &[usize], f: impl Fn(&[usize]) -> T + Sync) -> Vec<T> {
    if items.len() < 4096 {
        return vec![f(items)];
    }
    let (a, b) = items.split_at(items.len() / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| f(b));
        let first = f(a);
        vec![first, second.join().unwrap_or_else(|e| std::panic::resume_unwind(e))]
    })
}
