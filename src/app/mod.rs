//! Dashboard state and `update(Action)`: no terminal here, so it is tested directly. The views
//! (`crate::views`) own their cursors and keys; the app holds what they share.

pub mod action;
pub mod ahead;
pub mod clock;
mod command;
mod filters;
pub mod form;
pub mod front;
pub mod input;
mod people;
mod reload;
pub use ahead::Hold;
pub use people::Announcer;
mod writes;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use tui_input::Input;

use crate::live::{self, Loaded};
use crate::rules::FleetView;
use crate::store::{Operator, Store};
use crate::views::{Effect, Names, Panes, Reader, Snapshot, View};

pub use crate::views::fleet::{Column, FleetTable, Line};
pub use action::{Action, Tab, Write};
pub use command::{COMMANDS, CommandLine};
pub use form::{Field, Form, FormOutcome};

/// A page of text over the view: scrolled with the move and page keys, closed with esc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Every key of the current view, and its filter words and column legend.
    Help,
    /// The last notices and refusals, newest last (`:messages`).
    Messages,
    /// One journal event whole, at this position (enter on the Journal view).
    Entry(usize),
    /// Who is here and where they are looking (`p`, `:who`); a number follows that person.
    People,
}

/// What sits on top of the view and gets keys first.
#[derive(Debug, Clone)]
pub enum Overlay {
    Page { page: Page, scroll: u16 },
    Filter(Input),
    Command(command::CommandLine),
    Form(Form),
}

/// The one-line answer to the last write or command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

/// Views derived only when shown.
const LAZY: [Tab; 3] = [Tab::Risk, Tab::Agenda, Tab::Plan];

/// Notices kept for `:messages`: enough for a session, bounded whatever its length.
pub const MESSAGES_KEPT: usize = 200;

#[derive(Debug, Clone)]
pub struct App {
    pub operator: Operator,
    pub read_only: bool,
    /// A pinned clock (`--now`) never moves; otherwise `tick` sets the time.
    pub pinned: bool,
    pub now: DateTime<Utc>,
    /// The store as loaded: baseline, replayed state, and where in the journal it stands.
    pub live: Loaded,
    /// Where the data lives, as the header shows it.
    pub place: String,
    pub view: FleetView,
    pub rollout: Option<usize>,
    pub tab: Tab,
    /// Every view's own state.
    pub panes: Panes,
    /// The operator's own keys (`key_bindings.ron`), in place of the defaults they name.
    pub keys: crate::config::Keys,
    /// The server the Server view shows and actions apply to outside the lists.
    pub selected: Option<usize>,
    /// Server names for the filters (derived).
    names: std::sync::Arc<Names>,
    /// Journal events read for display.
    reader: Reader,
    pub overlay: Option<Overlay>,
    pub notice: Option<Notice>,
    /// Every notice of this session (the last `MESSAGES_KEPT`), with the time it was said.
    pub messages: std::collections::VecDeque<(DateTime<Utc>, Notice)>,
    /// Where `esc` goes back to: the views shown before this one, most recent last.
    pub history: Vec<Tab>,
    /// `:` commands entered, oldest first (↑/↓ in the command line walk them).
    pub commands: Vec<String>,
    /// Text to put on the terminal's clipboard (OSC 52), taken by the terminal loop.
    pub clipboard: Option<String>,
    /// Ctrl-Z: the terminal loop suspends the dashboard (restores the terminal, stops).
    pub suspend: bool,
    /// Problems `sprout check` finds in the data, once a background check has counted them.
    pub problems: Option<usize>,
    /// Events whose signature fails (`✗`), once the background worker has judged them; `None`
    /// before, and where signatures do not matter.
    pub failing: Option<usize>,
    /// This dashboard's presence session, when it announces itself.
    pub session: Option<String>,
    /// Everyone present (this session among them), as last read from the store.
    pub people: Vec<crate::store::Presence>,
    /// The operator whose view this dashboard mirrors.
    pub following: Option<String>,
    /// Whom it followed last (`f` follows again).
    pub followed: Option<String>,
    /// This session asks the room to follow it.
    pub presenting: bool,
    /// What this dashboard has seen of presence in the meeting it drives (joins and leaves are
    /// minuted once they settle).
    pub attendance: crate::live::meeting::Attendance,
    /// How long a presence must hold before it is minuted (`live::meeting::SETTLE`).
    pub settle: std::time::Duration,
    /// Views a change was not derived into because they were hidden (`LAZY`).
    stale: HashSet<Tab>,
    /// The hidden Agenda and Plan derived ahead on a worker (`derive_ahead`).
    ahead: ahead::Ahead,
    /// The terminal is below the minimum size: nothing is drawn but a message, so no key but
    /// quit may act (the terminal loop sets it at each draw and resize).
    pub too_small: bool,
    /// Rows of the body last drawn, for paging.
    pub page: usize,
    /// The last scroll the latest drawing of a popup page allowed (its last page), so a key
    /// scrolls from where the page shows, not from past its end.
    pub page_last: std::cell::Cell<Option<(Page, u16)>>,
    /// Journal events seen; more after a reload are marked as new.
    pub seen_events: usize,
    /// Servers touched by events this operator has not seen yet (another operator's writes).
    pub changed: HashSet<usize>,
    pub warnings: Vec<String>,
    /// What the last proof of the files' content found changed behind their identities
    /// (`live::audit`): kept on the notice line over routine notices until the operator reads
    /// it in `:messages`.
    pub alarm: Option<String>,
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

    /// Build the dashboard from a store already loaded (start-up reads it once).
    pub fn from_loaded(
        loaded: Loaded,
        operator: Operator,
        read_only: bool,
        now: DateTime<Utc>,
        pinned: bool,
        rollout: Option<usize>,
    ) -> App {
        let mut app = App::bare(loaded, operator, read_only, now, pinned, rollout);
        app.derive();
        app.selected = app.panes.fleet.selected_server().or_else(|| app.current_members().first().copied());
        app
    }

    /// An app over `loaded` with nothing derived yet: `from_loaded` derives every view, the
    /// front of the derived-state cache only the first frame's (`front`).
    fn bare(
        loaded: Loaded,
        operator: Operator,
        read_only: bool,
        now: DateTime<Utc>,
        pinned: bool,
        rollout: Option<usize>,
    ) -> App {
        let warnings = loaded.warnings();
        let seen_events = loaded.data.journal.len();
        App {
            operator,
            read_only,
            pinned,
            now,
            place: loaded.place(),
            live: loaded,
            view: FleetView::default(),
            rollout,
            tab: Tab::Fleet,
            panes: Panes::default(),
            keys: Default::default(),
            selected: None,
            names: Default::default(),
            reader: Reader::default(),
            overlay: None,
            notice: None,
            messages: Default::default(),
            history: Vec::new(),
            commands: Vec::new(),
            clipboard: None,
            suspend: false,
            problems: None,
            failing: None,
            session: None,
            people: Vec::new(),
            following: None,
            followed: None,
            presenting: false,
            too_small: false,
            stale: HashSet::new(),
            ahead: Default::default(),
            attendance: Default::default(),
            settle: crate::live::meeting::SETTLE,
            page: 10,
            page_last: std::cell::Cell::new(None),
            seen_events,
            changed: Default::default(),
            warnings,
            alarm: None,
            quit: false,
        }
    }

    /// The shared state as the views see it.
    pub fn snapshot(&self) -> Snapshot<'_> {
        Panes::snapshot(
            &self.live,
            &self.view,
            self.now,
            self.selected,
            &self.changed,
            self.seen_events,
            &self.names,
            &self.reader,
        )
    }

    /// Run `f` on the view of `tab` with the shared state beside it.
    fn with_pane<R>(&mut self, tab: Tab, f: impl FnOnce(&mut dyn View, &Snapshot) -> R) -> R {
        let App { live, view, now, selected, changed, seen_events, names, reader, panes, .. } = self;
        let snap = Panes::snapshot(live, view, *now, *selected, changed, *seen_events, names, reader);
        f(panes.get_mut(tab), &snap)
    }

    /// Derive the views after a change: `servers` when only events about them were applied.
    /// The risk grid, the agenda and the plan are derived when they are shown (a forecast of a
    /// large fleet is not redone for every write while nobody looks at it); the rest at once,
    /// since the record keys and the selection read them.
    pub(crate) fn derive_views(&mut self, servers: Option<&[usize]>) {
        for &tab in Tab::ALL {
            if tab == self.tab || !LAZY.contains(&tab) {
                self.with_pane(tab, |pane, snap| pane.derive(snap, servers));
            } else {
                self.stale.insert(tab);
                // Derived again (or taken from the worker) before it is shown: not held beside
                // what the worker derives meanwhile. Freed on a thread of its own: tens of
                // thousands of lines cost milliseconds to free, and a write waits to be shown.
                let old = match tab {
                    Tab::Agenda => Some((Some(self.panes.agenda.forget()), None)),
                    Tab::Plan => Some((None, self.panes.plan.forecast.take())),
                    _ => None,
                };
                if let Some(old) = old.filter(|o| o.0.as_ref().is_some_and(|a| !a.0.is_empty()) || o.1.is_some()) {
                    let _ = std::thread::Builder::new().name("free".into()).spawn(move || drop(old));
                }
            }
        }
    }

    /// Make `tab` the one shown, derived first if a change happened while it was hidden.
    pub(crate) fn set_tab(&mut self, tab: Tab) {
        self.tab = tab;
        if self.stale.remove(&tab) && !self.take_ahead(tab) {
            self.with_pane(tab, |pane, snap| pane.derive(snap, None));
        }
    }

    /// Recompute everything derived; called on change, never per frame.
    pub fn derive(&mut self) {
        self.view = FleetView::build(&self.live.data, &self.live.state, self.rollout, self.now);
        self.names = std::sync::Arc::new(Names::build(&self.live.state));
        self.derive_views(None);
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
        self.derive_views(Some(&servers));
    }

    /// The clock moved (a minute tick): soak days and overdue flags may change.
    /// Within a day only the soaks and the rollout's gates read the clock: those are derived
    /// again, and the views as after events about the servers whose soak changed.
    pub fn tick(&mut self, now: DateTime<Utc>) {
        if self.pinned {
            return;
        }
        let before = std::mem::replace(&mut self.now, now);
        match self.view.tick(&self.live.data, &self.live.state, before, now) {
            Some(changed) => self.derive_views(Some(&changed)),
            None => self.derive(),
        }
    }

    /// Members of the current phase, overdue first, then by name (derived in `derive`).
    pub fn current_members(&self) -> &[usize] {
        &self.panes.rollout.members
    }

    /// The server an action applies to on the current view.
    pub fn target_server(&self) -> Option<usize> {
        self.panes.get(self.tab).target(&self.snapshot())
    }

    pub fn rollout(&self) -> Option<&crate::model::Rollout> {
        self.view.rollout.as_ref().map(|v| &self.live.data.plan.rollouts[v.rollout])
    }

    /// Why the dashboard marks no row, if the trust at the journal's head could not be built.
    pub fn signing_problem(&self) -> Option<String> {
        self.reader.signing_problem(&self.live)
    }

    /// Say something on the notice line, and keep it for `:messages`.
    pub fn say(&mut self, ok: bool, text: impl Into<String>) {
        let notice = Notice { ok, text: text.into() };
        if self.messages.len() == MESSAGES_KEPT {
            self.messages.pop_front();
        }
        self.messages.push_back((self.now, notice.clone()));
        self.notice = Some(notice);
    }

    /// Show `tab`, remembering where we were so `esc` can go back (like a browser).
    pub fn show(&mut self, tab: Tab) {
        if tab != self.tab {
            // Bounded: a long session of tab switching keeps the last hundred.
            if self.history.len() == 100 {
                self.history.remove(0);
            }
            self.history.push(self.tab);
            self.set_tab(tab);
        }
    }

    /// `esc` with nothing to close: back to the view shown before this one (the fleet, when
    /// the dashboard started elsewhere).
    fn back(&mut self) {
        if let Some(tab) = self.history.pop() {
            self.set_tab(tab);
        } else if self.tab != Tab::Fleet {
            self.set_tab(Tab::Fleet);
        }
    }

    /// Do what a view asked after an action.
    fn apply(&mut self, effect: Effect, action: Action) {
        match effect {
            Effect::Done => {}
            Effect::Ignored => {
                if action == Action::Back {
                    self.back();
                }
            }
            Effect::Select(i) => self.selected = Some(i),
            Effect::OpenServer(i) => self.open_server(i),
            Effect::OpenEntry(p) => self.overlay = Some(Overlay::Page { page: Page::Entry(p), scroll: 0 }),
            Effect::Show(tab) => self.show(tab),
            Effect::FilterFleet(filter) => {
                self.show(Tab::Fleet);
                self.with_pane(Tab::Fleet, |pane, snap| pane.set_filter(filter, snap));
            }
        }
    }

    pub(crate) fn open_server(&mut self, i: usize) {
        self.selected = Some(i);
        self.panes.server.scroll = Default::default();
        self.show(Tab::Server);
    }
}
