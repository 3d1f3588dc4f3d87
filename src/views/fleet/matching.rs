//! The fleet filter matched on a worker while the operator types, at a large fleet: the typed
//! text shows at once and the lines follow when the worker is done (2-6 ms a keystroke at
//! 100,000 servers on the input thread before). A result is taken only for the text, rows
//! and order still shown.

use std::sync::{Arc, Mutex};

use crate::rules::ServerRow;
use crate::views::Names;

use super::filter::{Filter, Words};
use super::orders::Order;

/// A fleet larger than this is matched on the worker as the operator types.
pub const ON_WORKER: usize = 50_000;

/// Each role's members, in order, that pass `filter`.
fn passed_here(roles: &[Vec<usize>], filter: &Filter, rows: &[ServerRow], words: &Words) -> Vec<Vec<usize>> {
    roles.iter().map(|order| order.iter().copied().filter(|&i| filter.passes(i, rows, words)).collect()).collect()
}

/// The same on two threads, the roles cut where half the servers have been seen.
pub(super) fn passed(order: &[Vec<usize>], filter: &Filter, rows: &[ServerRow], words: &Words) -> Vec<Vec<usize>> {
    let filter_roles = |roles: &[Vec<usize>]| passed_here(roles, filter, rows, words);
    let total: usize = order.iter().map(Vec::len).sum();
    let mut seen = 0;
    let cut = order.iter().position(|o| {
        seen += o.len();
        seen * 2 >= total
    });
    let (a, b) = order.split_at(cut.map_or(0, |c| c + 1).min(order.len()));
    let (mut first, second) = crate::parallel::join(|| filter_roles(a), || filter_roles(b));
    first.extend(second);
    first
}

/// A filter under way on the worker.
#[derive(Debug, Clone)]
pub(super) struct Matching {
    pub(super) text: String,
    pub(super) generation: u64,
    pub(super) order: Order,
    result: Arc<Mutex<Option<Vec<Vec<usize>>>>>,
}

/// What the worker matches with: shared, not copied.
pub(super) struct Input {
    pub(super) words: Arc<Words>,
    pub(super) names: Arc<Names>,
    pub(super) rows: Arc<Vec<ServerRow>>,
}

impl Matching {
    /// Match `text` against `order` on a worker; `None` when no thread can be had.
    pub(super) fn start(
        text: String,
        generation: u64,
        order: Order,
        input: Input,
        doorbell: crate::views::Doorbell,
    ) -> Option<Matching> {
        let matching = Matching { text: text.clone(), generation, order: Arc::clone(&order), result: Arc::default() };
        let result = Arc::clone(&matching.result);
        std::thread::Builder::new()
            .name("fleet filter".into())
            .spawn(move || {
                let filter = Filter::new(&text, &input.words, &input.names);
                // Both cores: the input thread has drawn the typed text in about a millisecond
                // and then waits for these lines.
                let found = passed(&order, &filter, &input.rows, &input.words);
                if let Ok(mut slot) = result.lock() {
                    *slot = Some(found);
                }
                doorbell.ring();
            })
            .ok()?;
        Some(matching)
    }

    /// What the worker matched, once it is done (taken out).
    pub(super) fn take(&self) -> Option<Vec<Vec<usize>>> {
        self.result.lock().ok()?.take()
    }
}
