//! The fleet filter matched on a worker while the operator types, at a large fleet: the typed
//! text shows at once and the lines follow when the worker is done (2-6 ms a keystroke at
//! 100,000 servers on the input thread before). A result is taken only for the text, rows
//! and order still shown.

use std::sync::{Arc, Mutex};

use crate::rules::ServerRow;
use crate::views::Names;

use super::filter::Filter;
use super::orders::Order;
use super::words::Words;
use super::{FleetTable, Snapshot, View};
use crate::ui::scroll::Scroll;

/// A fleet larger than this is matched on the worker as the operator types.
pub const ON_WORKER: usize = 50_000;

/// Which servers pass `filter`, a bit each, in the order the servers are held: their facts are
/// read front to back. Read in a sort's order, which jumps about the fleet, the same facts (a
/// megabyte at 100,000 servers) missed the cache at every server.
fn passing(filter: &Filter, rows: &[ServerRow], words: &Words) -> Vec<u64> {
    crate::bits::filled(rows.len(), |first, out| filter.fill(first, out, rows, words))
}

/// Each role's members, in order, that pass `filter`: every member written and the count moved
/// on only past one that passes (no branch on the answer, no list grown and copied).
pub(super) fn passed(order: &[Vec<u32>], filter: &Filter, rows: &[ServerRow], words: &Words) -> Vec<Vec<u32>> {
    let bits = passing(filter, rows, words);
    order
        .iter()
        .map(|order| {
            let mut out = vec![0; order.len()];
            let mut n = 0;
            for &i in order {
                out[n] = i;
                n += usize::from(crate::bits::has(&bits, i as usize));
            }
            out.truncate(n);
            out
        })
        .collect()
}

/// A filter under way on the worker.
#[derive(Debug, Clone)]
pub(super) struct Matching {
    pub(super) text: String,
    pub(super) generation: u64,
    pub(super) order: Order,
    result: Arc<Mutex<Option<Vec<Vec<u32>>>>>,
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
    pub(super) fn take(&self) -> Option<Vec<Vec<u32>>> {
        self.result.lock().ok()?.take()
    }
}

impl FleetTable {
    /// The filter is being matched on the worker.
    pub fn matching(&self) -> bool {
        self.matching.is_some()
    }

    /// Take in what the worker matched: true when the lines changed. A result for another
    /// text, other rows or another order is matched again.
    pub fn take_matched(&mut self, snap: &Snapshot) -> bool {
        let Some(passed) = self.matching.as_ref().and_then(Matching::take) else { return false };
        let Some(m) = self.matching.take() else { return false };
        if m.text == self.filter && m.generation == self.generation && Arc::ptr_eq(&m.order, &self.order) {
            self.scroll = Scroll::default();
            self.lay_out(&snap.live.data, Some(passed));
            self.land();
        } else {
            let filter = self.filter.clone();
            self.set_filter(filter, snap);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::rules::FleetView;
    use crate::views::fleet::FleetTable;
    use crate::views::{Names, Panes, Reader, View};

    /// The servers' bits, each term over the whole fleet in turn, give what asking each member
    /// in its sort's order gives, in every order, for every kind of term, at a fleet split in
    /// two halves whose cut falls inside a word of 64 servers or not.
    #[test]
    fn the_bits_pass_the_members_a_one_by_one_match_passes_in_every_order() {
        use super::super::filter::Filter;
        use super::super::orders::order_by;
        use super::super::words::Words;
        use crate::views::fleet::Column;
        let now = crate::rules::fixture::now();
        for servers in [5_000, super::ON_WORKER + 2_000 + 37] {
            let store = crate::synthetic::memory_store(servers, servers, now);
            let live = crate::live::load(&store.arc()).expect("load");
            let view = FleetView::build(&live.data, &live.state, Some(0), now);
            let names = Names::build(&live.state);
            let words = Words::build(&live.data, &live.state, &view);
            let roles = live.data.fleet.roles.len();
            for (column, descending) in [(Column::Server, false), (Column::Site, true), (Column::Behind, false)] {
                let order = order_by(column, descending, roles, live.state.by_name(), &view.rows, &words);
                for text in
                    ["m", "mbx", "bos lab", "overdue", "remote", "behind>=1 x", "tier=hi", "role:mb", "zzzz", "1"]
                {
                    let filter = Filter::new(text, &words, &names);
                    let one_by_one: Vec<Vec<u32>> = (order.iter())
                        .map(|o| o.iter().copied().filter(|&i| filter.passes(i as usize, &view.rows, &words)).collect())
                        .collect();
                    let passed = super::passed(&order, &filter, &view.rows, &words);
                    assert_eq!(passed, one_by_one, "{servers} servers, {text:?} by {column:?}");
                }
            }
        }
    }

    /// Type `filter` a key at a time into a table that matches on the worker and into one
    /// that matches on this thread (the path before the worker): after every key (each a
    /// narrowing of the last), the same lines and the same count.
    #[test]
    fn the_workers_lines_are_the_input_threads_for_words_fields_comparisons_and_narrowing() {
        let now = crate::rules::fixture::now();
        let servers = super::ON_WORKER + 2_000;
        let store = crate::synthetic::memory_store(servers, servers, now);
        let live = crate::live::load(&store.arc()).expect("load");
        let view = FleetView::build(&live.data, &live.state, Some(0), now);
        let names = std::sync::Arc::new(Names::build(&live.state));
        let (changed, reader) = (HashSet::new(), Reader::default());
        let snap = Panes::snapshot(&live, &view, now, None, &changed, 0, &names, &reader);
        let (mut worker, mut here) = (FleetTable::default(), FleetTable::default());
        here.on_worker = usize::MAX;
        worker.derive(&snap, None);
        here.derive(&snap, None);
        assert!(view.rows.len() > worker.on_worker, "the fleet takes the worker's path");
        let filters = [
            "mbx",
            "bos",
            "lab",
            "production",
            "overdue",
            "remote",
            "violation",
            "x 1",
            "name:0",
            "role:mb",
            "site:bos",
            "env:lab",
            "status:due",
            "phase:p",
            "behind>=1",
            "priority<3",
            "tier=hi",
            "without=me",
            "behind>x",
            "zzzz",
        ];
        let mut nonempty = 0;
        for filter in filters {
            for end in 1..=filter.len() {
                let typed = &filter[..end];
                worker.set_filter(typed.to_string(), &snap);
                let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while worker.matching() {
                    if !worker.take_matched(&snap) {
                        assert!(std::time::Instant::now() < until, "{typed:?}: the worker's lines never came");
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                }
                here.set_filter(typed.to_string(), &snap);
                assert!(!here.matching(), "matched on this thread");
                assert_eq!(worker.lines, here.lines, "{typed:?}: the lines");
                assert_eq!(worker.matched, here.matched, "{typed:?}: the count");
            }
            nonempty += usize::from(here.matched > 0 && here.matched < view.rows.len());
        }
        assert!(nonempty >= filters.len() / 2, "most filters match some servers, not all: {nonempty}");
        worker.set_filter(String::new(), &snap);
        assert_eq!(worker.matched, view.rows.len(), "esc: every server again");
    }
}
