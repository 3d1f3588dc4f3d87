//! The Fleet's and the Journal's filters matched on their workers, and the journal's events
//! as the Journal lists them.

use crate::model::Entry;
use crate::views::Panes;

use super::App;

impl App {
    /// Events the journal view lists (all, or those matching the filter).
    pub fn journal_len(&self) -> usize {
        self.panes.journal.len(&self.live)
    }

    /// A filter is being matched on a worker (the Fleet's, or the Journal's, whose events may
    /// be judged).
    pub fn filter_pending(&self) -> bool {
        self.panes.journal.judging().is_some() || self.panes.fleet.matching()
    }

    /// A filter is being matched on a worker whose lines come within milliseconds: not one
    /// that judges the events' marks (seconds long, with its progress drawn meanwhile).
    pub fn lines_soon(&self) -> bool {
        self.panes.fleet.matching() || matches!(self.panes.journal.judging(), Some((false, ..)))
    }

    /// What the filters' workers ring when their lines are ready (the terminal loop's wake).
    pub fn set_doorbell(&mut self, doorbell: crate::views::Doorbell) {
        self.panes.fleet.doorbell = doorbell.clone();
        self.panes.journal.doorbell = doorbell;
    }

    /// How often the terminal loop looks at a filter under way: the worker rings when its
    /// lines are ready, so this only paces the progress drawn while marks are judged (seconds)
    /// and stands in should a ring be missed. `None`: nothing under way.
    pub fn filter_wait(&self) -> Option<std::time::Duration> {
        use std::time::Duration;
        match self.panes.journal.judging() {
            Some((true, ..)) if !self.panes.fleet.matching() => Some(Duration::from_millis(50)),
            _ if self.filter_pending() => Some(Duration::from_millis(20)),
            _ => None,
        }
    }

    /// Take in a filter the worker has matched: true when the list changed (draw it).
    pub fn take_filtered(&mut self) -> bool {
        let App { live, view, now, selected, changed, seen_events, names, reader, panes, .. } = self;
        let snap = Panes::snapshot(live, view, *now, *selected, changed, *seen_events, names, reader);
        panes.journal.take_judged(&snap) | panes.fleet.take_matched(&snap)
    }

    /// Wait (up to `limit`) for the filter's worker and take what it matched: false if it is
    /// still under way (for tests and scripts, which read the list at once).
    pub fn settle_filter(&mut self, limit: std::time::Duration) -> bool {
        let until = std::time::Instant::now() + limit;
        while self.filter_pending() {
            if !self.take_filtered() {
                if std::time::Instant::now() >= until {
                    return false;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        true
    }

    /// The journal position of the `n`-th event listed, newest first.
    pub fn journal_shown(&self, n: usize) -> Option<usize> {
        self.panes.journal.shown(&self.live, n)
    }

    /// The events at `positions`, read from the store when first shown.
    pub fn entries(&self, positions: &[usize]) -> Vec<Option<Entry>> {
        self.reader.entries(&self.live, positions)
    }

    /// An event's signature in words and its mark, where signatures matter.
    pub fn signature(&self, e: &Entry) -> Option<(String, Option<crate::live::signing::Mark>)> {
        self.reader.signature(&self.live, e)
    }
}
