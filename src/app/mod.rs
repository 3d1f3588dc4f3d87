//! Dashboard state and `update(Action)`: no terminal here, so it is tested directly.

pub mod action;
mod filter;
pub mod fleet;
pub mod form;
mod input;
mod writes;

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::live::{self, Loaded};
use crate::model::{Entry, Event, Rating};
use crate::rules::{FleetView, SoakState};
use crate::store::{Operator, Store};

pub use action::{Action, Tab, Write};
pub use fleet::{Column, FleetTable, Line};
pub use form::{Field, Form, FormOutcome};

/// What sits on top of the view and gets keys first.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help { scroll: u16 },
    Filter(Input),
    Command(Input),
    Form(Form),
}

/// The one-line answer to the last write or command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct App {
    pub operator: Operator,
    pub read_only: bool,
    /// A pinned clock (`--now`) never moves; otherwise `tick` sets the time.
    pub pinned: bool,
    pub now: DateTime<Utc>,
    /// The data directory as loaded: files, replayed state, and where in the journal it stands.
    pub live: Loaded,
    /// The data directory as the header shows it.
    pub place: String,
    pub view: FleetView,
    pub rollout: Option<usize>,
    pub tab: Tab,
    pub fleet: FleetTable,
    /// The server the Server view shows and actions apply to outside the fleet table.
    pub selected: Option<usize>,
    pub server_scroll: u16,
    /// Cursor in the current phase's member list on the Rollout view.
    pub member_cursor: usize,
    /// The current phase's members, overdue first (derived).
    members: Vec<usize>,
    pub journal_cursor: usize,
    pub journal_filter: String,
    /// Journal positions matching the filter, oldest first (derived); `None`: every event.
    journal_matches: Option<Vec<u32>>,
    /// Journal events read for display, by position (the journal itself stays on disk).
    entries: std::cell::RefCell<std::collections::HashMap<usize, Entry>>,
    /// (without_sp, if_fails) cell of the risk grid.
    pub risk_cursor: (usize, usize),
    /// Servers in each cell of the risk grid (derived), indexed like `risk_cell`.
    pub risk_counts: [[usize; 3]; 3],
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    /// Rows of the body last drawn, for paging.
    pub page: usize,
    /// Journal events seen; more after a reload are marked as new.
    pub seen_events: usize,
    /// Servers touched by events this operator has not seen yet (another operator's writes).
    pub changed: std::collections::HashSet<usize>,
    pub warnings: Vec<String>,
    pub quit: bool,
}

impl App {
    pub fn load(
        store: std::sync::Arc<dyn Store>,
        operator: Operator,
        read_only: bool,
        now: DateTime<Utc>,
        pinned: bool,
        rollout: Option<usize>,
    ) -> Result<App, live::LoadError> {
        let loaded = live::load(&store)?;
        Ok(App::from_loaded(loaded, operator, read_only, now, pinned, rollout))
    }

    /// Build the dashboard from a directory already loaded (start-up reads it once).
    pub fn from_loaded(
        loaded: Loaded,
        operator: Operator,
        read_only: bool,
        now: DateTime<Utc>,
        pinned: bool,
        rollout: Option<usize>,
    ) -> App {
        let warnings = loaded.warnings();
        let seen_events = loaded.data.journal.len();
        let mut app = App {
            operator,
            read_only,
            pinned,
            now,
            place: loaded.place(),
            live: loaded,
            view: FleetView::default(),
            rollout,
            tab: Tab::Fleet,
            fleet: FleetTable::default(),
            selected: None,
            server_scroll: 0,
            member_cursor: 0,
            members: Vec::new(),
            journal_cursor: 0,
            journal_filter: String::new(),
            journal_matches: None,
            entries: Default::default(),
            risk_cursor: (0, 0),
            risk_counts: [[0; 3]; 3],
            overlay: None,
            notice: None,
            page: 10,
            seen_events,
            changed: Default::default(),
            warnings,
            quit: false,
        };
        app.derive();
        app.selected = app.fleet.selected_server().or_else(|| app.current_members().first().copied());
        app
    }

    /// Recompute everything derived; called on change, never per frame.
    pub fn derive(&mut self) {
        self.view = FleetView::build(&self.live.data, &self.live.state, self.rollout, self.now);
        self.fleet.index(&self.live.data, &self.live.state, &self.view);
        self.fleet.rebuild(&self.live.data, &self.live.state, &self.view);
        self.rebuild_journal();
        self.count_risk();
        self.members = self.sort_members();
        self.member_cursor = self.member_cursor.min(self.members.len().saturating_sub(1));
    }

    /// Re-derive after the events from position `first` on were applied: when they are all
    /// about servers, only those servers' rows and the rollout's phases are derived again.
    pub fn derive_from(&mut self, first: usize) {
        let new = self.live.data.journal.lines.get(first..).unwrap_or_default();
        if new.len() > 1000 || new.iter().any(|l| l.server().is_none()) {
            return self.derive();
        }
        let mut servers: Vec<usize> = new.iter().filter_map(|l| l.server()).collect();
        servers.sort_unstable();
        servers.dedup();
        self.view.update(&self.live.data, &self.live.state, &servers, self.now);
        self.fleet.changed(&servers, &self.view);
        self.fleet.rebuild(&self.live.data, &self.live.state, &self.view);
        if !self.journal_filter.is_empty() {
            self.rebuild_journal();
        }
        self.count_risk();
        self.members = self.sort_members();
        self.member_cursor = self.member_cursor.min(self.members.len().saturating_sub(1));
    }

    fn count_risk(&mut self) {
        self.risk_counts = [[0; 3]; 3];
        for r in self.view.rows.iter().filter_map(|r| r.ratings.as_ref()) {
            let row = 2 - (r.without_sp.weight() - 1) as usize;
            let col = (r.if_fails.weight() - 1) as usize;
            self.risk_counts[row][col] += 1;
        }
    }

    fn rebuild_journal(&mut self) {
        self.journal_matches = journal_filter(&self.live, &self.fleet, &self.journal_filter);
        self.journal_cursor = self.journal_cursor.min(self.journal_len().saturating_sub(1));
    }

    /// Events the journal view lists (all, or those matching the filter).
    pub fn journal_len(&self) -> usize {
        self.journal_matches.as_ref().map_or(self.live.data.journal.len(), Vec::len)
    }

    /// The journal position of the `n`-th event listed, newest first.
    pub fn journal_shown(&self, n: usize) -> Option<usize> {
        let len = self.journal_len();
        let k = len.checked_sub(n + 1)?;
        Some(self.journal_matches.as_ref().map_or(k, |m| m[k] as usize))
    }

    /// The events at `positions`, read from the journal when first shown and kept for later
    /// frames; `None` for one that cannot be read (the journal changed: a reload follows).
    pub fn entries(&self, positions: &[usize]) -> Vec<Option<Entry>> {
        let mut cache = self.entries.borrow_mut();
        let missing: Vec<usize> = positions.iter().copied().filter(|p| !cache.contains_key(p)).collect();
        if !missing.is_empty() {
            if cache.len() > 4096 {
                cache.clear();
            }
            if let Ok(read) = self.live.entries(&missing) {
                cache.extend(missing.into_iter().zip(read));
            }
        }
        positions.iter().map(|p| cache.get(p).cloned()).collect()
    }

    /// Re-read the data directory (after a write, or another process's write): only the
    /// journal lines appended since, when that is all that changed.
    pub fn reload(&mut self) -> Option<live::CatchUp> {
        match live::refresh(&mut self.live) {
            Ok(None) => None,
            Ok(Some(caught)) => {
                self.warnings = self.live.warnings();
                match caught {
                    live::CatchUp::Appended(first) => self.derive_from(first),
                    live::CatchUp::Unchanged => {}
                    live::CatchUp::Reloaded => {
                        self.entries.borrow_mut().clear();
                        self.derive();
                    }
                }
                Some(caught)
            }
            Err(e) => {
                self.notice =
                    Some(Notice { ok: false, text: format!("reload failed, showing the last good state: {e}") });
                None
            }
        }
    }

    /// After a write through `live`: events from `first` on are new (`None`: all re-read).
    pub(crate) fn after_write(&mut self, first: Option<usize>) {
        self.warnings = self.live.warnings();
        match first {
            Some(first) => self.derive_from(first),
            None => {
                self.entries.borrow_mut().clear();
                self.derive();
            }
        }
    }

    /// Reload if the files changed since the last load (another process wrote); true if so.
    pub fn watch(&mut self) -> bool {
        if self.live.store.stamp() == self.live.stamp {
            return false;
        }
        self.reload_external();
        true
    }

    /// Another process changed the data directory: reload, keep the cursor, mark what is new.
    pub fn reload_external(&mut self) {
        let before = self.live.data.journal.len();
        if self.reload().is_none() {
            return;
        }
        let index = &self.live.data.journal;
        let added = index.len().saturating_sub(before);
        self.changed.extend(index.lines.get(before..).unwrap_or_default().iter().filter_map(|l| l.server()));
        if added > 0
            && let Some(Some(last)) = self.entries(&[index.len() - 1]).pop()
        {
            self.notice = Some(Notice {
                ok: true,
                text: format!(
                    "● {added} new event{} from {}: {}",
                    if added == 1 { "" } else { "s" },
                    last.by,
                    crate::describe::event(&last.event)
                ),
            });
        }
    }

    /// The clock moved (a minute tick): soak days and overdue flags may change.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if !self.pinned {
            self.now = now;
            self.derive();
        }
    }

    /// Members of the current phase, overdue first, then by name (derived in `derive`).
    pub fn current_members(&self) -> &[usize] {
        &self.members
    }

    fn sort_members(&self) -> Vec<usize> {
        let Some(v) = &self.view.rollout else { return Vec::new() };
        let Some(c) = v.current else { return Vec::new() };
        let urgency = |i: usize| match self.view.rows[i].soak {
            Some(SoakState::Overdue { .. } | SoakState::Failed { .. }) => 0,
            Some(SoakState::CheckoutDue { .. }) => 1,
            Some(SoakState::Soaking { .. }) => 2,
            Some(SoakState::NotStarted | SoakState::BackedOut) => 3,
            _ => 4,
        };
        // Name order comes from the state's index; a stable sort by urgency keeps it within each.
        let mut member = vec![false; self.view.rows.len()];
        for &i in &v.members[c] {
            member[i] = true;
        }
        let mut m: Vec<usize> = self.live.state.by_name().filter(|&i| member[i]).collect();
        m.sort_by_key(|&i| urgency(i));
        m
    }

    /// The server an action applies to on the current view.
    pub fn target_server(&self) -> Option<usize> {
        match self.tab {
            Tab::Fleet => self.fleet.selected_server(),
            Tab::Rollout => self.current_members().get(self.member_cursor).copied(),
            _ => self.selected,
        }
    }

    pub fn rollout(&self) -> Option<&crate::model::Rollout> {
        self.view.rollout.as_ref().map(|v| &self.live.data.plan.rollouts[v.rollout])
    }
}

/// Risk grid cell `(row, col)`: rows are `without_sp` High..Low, columns `if_fails` Low..High.
pub fn risk_cell((row, col): (usize, usize)) -> (Rating, Rating) {
    let without = [Rating::High, Rating::Medium, Rating::Low][row.min(2)];
    let if_fails = [Rating::Low, Rating::Medium, Rating::High][col.min(2)];
    (without, if_fails)
}

/// Journal positions whose operator, kind or server matches every word of `filter`
/// (case-insensitive); `None` when the filter is empty. Works on the in-memory index only:
/// each word is matched once against the kinds, operators and server names, then the index
/// is scanned in two halves on two threads.
fn journal_filter(live: &Loaded, fleet: &FleetTable, filter: &str) -> Option<Vec<u32>> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return None;
    }
    let index = &live.data.journal;
    // Per word: which kinds, operators and servers it matches.
    let sets: Vec<(u16, Vec<bool>, Vec<bool>)> = words
        .iter()
        .map(|w| {
            let kinds =
                Event::KINDS.iter().enumerate().filter(|(_, k)| k.contains(w.as_str())).fold(0, |m, (i, _)| m | 1 << i);
            let ops = index.operators.iter().map(|o| contains_folded(o, w)).collect();
            (kinds, ops, fleet.name_hits(w))
        })
        .collect();
    let scan = |from: usize, lines: &[crate::model::LineRef]| -> Vec<u32> {
        let hit = |l: &crate::model::LineRef| {
            sets.iter().all(|(kinds, ops, servers)| {
                kinds & (1 << l.kind) != 0
                    || ops.get(usize::from(l.by)).copied().unwrap_or(false)
                    || l.server().is_some_and(|s| servers.get(s).copied().unwrap_or(false))
            })
        };
        (from..).zip(lines).filter(|(_, l)| hit(l)).map(|(p, _)| p as u32).collect()
    };
    Some(crate::parallel::halves(&index.lines, scan).into_iter().flatten().collect())
}

/// `hay` contains `needle` (already lower-case), ignoring ASCII case, without allocating.
fn contains_folded(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}
