//! Dashboard state and `update(Action)`: no terminal here, so it is tested directly.

pub mod action;
pub mod fleet;
pub mod form;
mod input;
mod writes;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::model::{Data, Rating};
use crate::rules::{FleetView, SoakState, State};
use crate::store::{self, Operator};

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
    pub dir: PathBuf,
    pub operator: Operator,
    pub read_only: bool,
    /// A pinned clock (`--now`) never moves; otherwise `tick` sets the time.
    pub pinned: bool,
    pub now: DateTime<Utc>,
    pub data: Data,
    pub state: State,
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
    /// Journal positions shown, newest first (derived).
    pub journal_lines: Vec<usize>,
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
    /// The data files' size and mtime at the last load, to notice other writers cheaply.
    pub stamp: Vec<Option<(u64, std::time::SystemTime)>>,
    pub quit: bool,
}

impl App {
    pub fn load(
        dir: PathBuf,
        operator: Operator,
        read_only: bool,
        now: DateTime<Utc>,
        pinned: bool,
        rollout: Option<usize>,
    ) -> Result<App, store::LoadError> {
        let loaded = store::load(&dir)?;
        Ok(App::from_loaded(loaded, operator, read_only, now, pinned, rollout))
    }

    /// Build the dashboard from a directory already loaded (start-up reads it once).
    pub fn from_loaded(
        loaded: store::Loaded,
        operator: Operator,
        read_only: bool,
        now: DateTime<Utc>,
        pinned: bool,
        rollout: Option<usize>,
    ) -> App {
        let dir = loaded.dir.clone();
        let stamp = loaded.stamp.clone();
        let warnings = loaded.warnings();
        let state = State::replay(&loaded.data);
        let seen_events = loaded.data.journal.len();
        let mut app = App {
            dir,
            operator,
            read_only,
            pinned,
            now,
            data: loaded.data,
            state,
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
            journal_lines: Vec::new(),
            risk_cursor: (0, 0),
            risk_counts: [[0; 3]; 3],
            overlay: None,
            notice: None,
            page: 10,
            seen_events,
            changed: Default::default(),
            warnings,
            stamp,
            quit: false,
        };
        app.derive();
        app.selected = app.fleet.selected_server().or_else(|| app.current_members().first().copied());
        app
    }

    /// Recompute everything derived; called on change, never per frame.
    pub fn derive(&mut self) {
        self.view = FleetView::build(&self.data, &self.state, self.rollout, self.now);
        self.fleet.index(&self.data, &self.state, &self.view);
        self.fleet.rebuild(&self.data, &self.state, &self.view);
        self.rebuild_journal();
        self.risk_counts = [[0; 3]; 3];
        for r in self.view.rows.iter().filter_map(|r| r.ratings.as_ref()) {
            let row = 2 - (r.without_sp.weight() - 1) as usize;
            let col = (r.if_fails.weight() - 1) as usize;
            self.risk_counts[row][col] += 1;
        }
        self.members = self.sort_members();
        self.member_cursor = self.member_cursor.min(self.members.len().saturating_sub(1));
    }

    fn rebuild_journal(&mut self) {
        let f = self.journal_filter.to_lowercase();
        self.journal_lines = (0..self.data.journal.len())
            .rev()
            .filter(|&i| {
                if f.is_empty() {
                    return true;
                }
                let e = &self.data.journal[i];
                format!("{} {} {}", e.by, e.event.kind(), e.event.summary()).to_lowercase().contains(&f)
            })
            .collect();
        self.journal_cursor = self.journal_cursor.min(self.journal_lines.len().saturating_sub(1));
    }

    /// Re-read the data directory (after a write, or another process's write).
    pub fn reload(&mut self) {
        match store::load(&self.dir) {
            Ok(loaded) => {
                self.stamp = loaded.stamp.clone();
                self.warnings = loaded.warnings();
                self.state = State::replay(&loaded.data);
                self.data = loaded.data;
                self.derive();
            }
            Err(e) => {
                // Remember what was seen, so a damaged file is reported once, not every tick.
                self.stamp = store::dir::stamp(&self.dir);
                self.notice =
                    Some(Notice { ok: false, text: format!("reload failed, showing the last good state: {e}") })
            }
        }
    }

    /// Reload if the files changed since the last load (another process wrote); true if so.
    pub fn watch(&mut self) -> bool {
        if store::dir::stamp(&self.dir) == self.stamp {
            return false;
        }
        self.reload_external();
        true
    }

    /// Another process changed the data directory: reload, keep the cursor, mark what is new.
    pub fn reload_external(&mut self) {
        let before = self.data.journal.len();
        self.reload();
        let added = self.data.journal.len().saturating_sub(before);
        for e in self.data.journal.iter().skip(before) {
            if let Some(i) = e.event.server().and_then(|s| self.state.server_index(s)) {
                self.changed.insert(i);
            }
        }
        if let (true, Some(last)) = (added > 0, self.data.journal.last()) {
            self.notice = Some(Notice {
                ok: true,
                text: format!(
                    "● {added} new event{} from {}: {}",
                    if added == 1 { "" } else { "s" },
                    last.by,
                    last.event.summary()
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
        let mut m = v.members[c].clone();
        let urgency = |i: usize| match self.view.rows[i].soak {
            Some(SoakState::Overdue { .. } | SoakState::Failed { .. }) => 0,
            Some(SoakState::CheckoutDue { .. }) => 1,
            Some(SoakState::Soaking { .. }) => 2,
            Some(SoakState::NotStarted | SoakState::BackedOut) => 3,
            _ => 4,
        };
        m.sort_by(|&a, &b| {
            urgency(a).cmp(&urgency(b)).then_with(|| self.state.servers[a].name.cmp(&self.state.servers[b].name))
        });
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
        self.view.rollout.as_ref().map(|v| &self.data.plan.rollouts[v.rollout])
    }
}

/// Risk grid cell `(row, col)`: rows are `without_sp` High..Low, columns `if_fails` Low..High.
pub fn risk_cell((row, col): (usize, usize)) -> (Rating, Rating) {
    let without = [Rating::High, Rating::Medium, Rating::Low][row.min(2)];
    let if_fails = [Rating::Low, Rating::Medium, Rating::High][col.min(2)];
    (without, if_fails)
}
