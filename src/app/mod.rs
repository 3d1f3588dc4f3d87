//! Dashboard state and `update(Action)`: no terminal here, so it is tested directly.

pub mod action;
pub mod fleet;
pub mod form;
mod writes;

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::model::{Data, Rating};
use crate::rules::{FleetView, State};
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
            quit: false,
        };
        app.derive();
        app.selected = app.fleet.selected_server().or_else(|| app.current_members().first().copied());
        Ok(app)
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
        self.member_cursor = self.member_cursor.min(self.current_members().len().saturating_sub(1));
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
                self.warnings = loaded.warnings();
                self.state = State::replay(&loaded.data);
                self.data = loaded.data;
                self.derive();
            }
            Err(e) => {
                self.notice =
                    Some(Notice { ok: false, text: format!("reload failed, showing the last good state: {e}") })
            }
        }
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

    /// Members of the current phase, overdue first, then by name.
    pub fn current_members(&self) -> Vec<usize> {
        let Some(v) = &self.view.rollout else { return Vec::new() };
        let Some(c) = v.current else { return Vec::new() };
        let mut m = v.members[c].clone();
        m.sort_by_key(|&i| {
            let urgent = match self.view.rows[i].soak {
                Some(crate::rules::SoakState::Overdue { .. }) | Some(crate::rules::SoakState::Failed { .. }) => 0,
                Some(crate::rules::SoakState::CheckoutDue { .. }) => 1,
                Some(crate::rules::SoakState::Soaking { .. }) => 2,
                Some(crate::rules::SoakState::NotStarted) | Some(crate::rules::SoakState::BackedOut) => 3,
                _ => 4,
            };
            (urgent, self.state.servers[i].name.clone())
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

    pub fn handle_event(&mut self, event: &Event) {
        if let Event::Key(key) = event
            && key.kind != ratatui::crossterm::event::KeyEventKind::Release
        {
            self.handle_key(*key);
        }
    }

    /// The top layer gets the key first; only then the keymap.
    pub fn handle_key(&mut self, key: KeyEvent) {
        if let Some(overlay) = self.overlay.take() {
            self.overlay_key(overlay, key);
            return;
        }
        if let Some(action) = action::lookup(key, self.tab, self.read_only) {
            self.update(action);
        }
    }

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) {
        match overlay {
            Overlay::Help { scroll } => {
                self.overlay = match key.code {
                    KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => None,
                    KeyCode::Down | KeyCode::Char('j') => Some(Overlay::Help { scroll: scroll.saturating_add(1) }),
                    KeyCode::Up | KeyCode::Char('k') => Some(Overlay::Help { scroll: scroll.saturating_sub(1) }),
                    _ => Some(Overlay::Help { scroll }),
                };
            }
            Overlay::Filter(mut input) => match key.code {
                KeyCode::Enter => {}
                KeyCode::Esc => self.set_filter(String::new()),
                _ => {
                    input.handle_event(&Event::Key(key));
                    self.set_filter(input.value().to_string());
                    self.overlay = Some(Overlay::Filter(input));
                }
            },
            Overlay::Command(mut input) => match key.code {
                KeyCode::Enter => self.command(input.value()),
                KeyCode::Esc => {}
                _ => {
                    input.handle_event(&Event::Key(key));
                    self.overlay = Some(Overlay::Command(input));
                }
            },
            Overlay::Form(mut form) => match form.handle_key(key) {
                FormOutcome::Editing => self.overlay = Some(Overlay::Form(form)),
                FormOutcome::Cancel => {
                    self.notice = Some(Notice { ok: true, text: "cancelled; nothing recorded".into() })
                }
                FormOutcome::Save => self.save(form),
            },
        }
    }

    fn set_filter(&mut self, filter: String) {
        if self.tab == Tab::Journal {
            self.journal_filter = filter;
            self.rebuild_journal();
        } else {
            self.fleet.filter = filter;
            self.fleet.offset = 0;
            self.fleet.rebuild(&self.data, &self.state, &self.view);
            // Land on the first matching server, not on its group row.
            self.fleet.cursor = self.fleet.lines.iter().position(|l| matches!(l, Line::Server(_))).unwrap_or(0);
        }
    }

    /// `:` commands: a view's name, `server NAME`, `rollout ID`, `q`.
    pub fn command(&mut self, text: &str) {
        let mut words = text.split_whitespace();
        let verb = words.next().unwrap_or("");
        let arg = words.collect::<Vec<_>>().join(" ");
        if matches!(verb, "q" | "quit") {
            self.quit = true;
        } else if let (Some(tab), true) = (Tab::from_name(verb), arg.is_empty()) {
            self.tab = tab;
        } else if verb == "server" {
            match self
                .state
                .server_index(&arg)
                .or_else(|| self.state.servers.iter().position(|s| s.name.eq_ignore_ascii_case(&arg)))
            {
                Some(i) => self.open_server(i),
                None => self.notice = Some(Notice { ok: false, text: format!("unknown server '{arg}'") }),
            }
        } else if verb == "rollout" {
            match self.data.plan.rollouts.iter().position(|r| r.id == arg) {
                Some(r) => {
                    self.rollout = Some(r);
                    self.derive();
                    self.tab = Tab::Rollout;
                }
                None => {
                    let ids: Vec<&str> = self.data.plan.rollouts.iter().map(|r| r.id.as_str()).collect();
                    self.notice = Some(Notice {
                        ok: false,
                        text: format!("unknown rollout '{arg}'; rollout.ron has: {}", ids.join(", ")),
                    });
                }
            }
        } else if !verb.is_empty() {
            self.notice = Some(Notice {
                ok: false,
                text: format!("unknown command ':{verb}'; try :fleet :server NAME :rollout [ID] :journal :risk :q"),
            });
        }
    }

    fn open_server(&mut self, i: usize) {
        self.selected = Some(i);
        self.server_scroll = 0;
        self.tab = Tab::Server;
    }

    pub fn update(&mut self, action: Action) {
        let page = self.page.max(1);
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Back => {
                if self.tab == Tab::Server {
                    self.tab = Tab::Fleet;
                } else if (self.tab == Tab::Fleet && !self.fleet.filter.is_empty())
                    || (self.tab == Tab::Journal && !self.journal_filter.is_empty())
                {
                    self.set_filter(String::new());
                } else {
                    self.notice = None;
                }
            }
            Action::NextTab => self.tab = Tab::ALL[self.tab.number() % Tab::ALL.len()],
            Action::PrevTab => self.tab = Tab::ALL[(self.tab.number() + Tab::ALL.len() - 2) % Tab::ALL.len()],
            Action::Tab(t) => self.tab = t,
            Action::Up => self.move_cursor(-1),
            Action::Down => self.move_cursor(1),
            Action::PageUp => self.move_cursor(-(page as i64)),
            Action::PageDown => self.move_cursor(page as i64),
            Action::Top => self.move_cursor(i64::MIN / 2),
            Action::Bottom => self.move_cursor(i64::MAX / 2),
            Action::Left => self.risk_cursor.1 = self.risk_cursor.1.saturating_sub(1),
            Action::Right => self.risk_cursor.1 = (self.risk_cursor.1 + 1).min(2),
            Action::Open => self.open(),
            Action::Filter => {
                let current = if self.tab == Tab::Journal { &self.journal_filter } else { &self.fleet.filter };
                self.overlay = Some(Overlay::Filter(Input::new(current.clone())));
            }
            Action::Command => self.overlay = Some(Overlay::Command(Input::default())),
            Action::SortNext => {
                let i = Column::ALL.iter().position(|c| *c == self.fleet.sort).unwrap_or(0);
                self.fleet.sort = Column::ALL[(i + 1) % Column::ALL.len()];
                self.fleet.rebuild(&self.data, &self.state, &self.view);
            }
            Action::SortReverse => {
                self.fleet.descending = !self.fleet.descending;
                self.fleet.rebuild(&self.data, &self.state, &self.view);
            }
            Action::Fold => self.fold(),
            Action::Record(w) => self.open_form(w),
        }
        self.fleet.scroll_to_cursor(page);
    }

    fn move_cursor(&mut self, delta: i64) {
        let step = |cursor: usize, len: usize| -> usize {
            let max = len.saturating_sub(1) as i64;
            (cursor as i64).saturating_add(delta).clamp(0, max.max(0)) as usize
        };
        match self.tab {
            Tab::Fleet => {
                self.fleet.cursor = step(self.fleet.cursor, self.fleet.lines.len());
                if let Some(i) = self.fleet.selected_server() {
                    self.selected = Some(i);
                }
            }
            Tab::Server => self.server_scroll = step(usize::from(self.server_scroll), usize::from(u16::MAX)) as u16,
            Tab::Rollout => {
                self.member_cursor = step(self.member_cursor, self.current_members().len());
                if let Some(&i) = self.current_members().get(self.member_cursor) {
                    self.selected = Some(i);
                }
            }
            Tab::Journal => self.journal_cursor = step(self.journal_cursor, self.journal_lines.len()),
            Tab::Risk => self.risk_cursor.0 = step(self.risk_cursor.0, 3),
        }
    }

    fn open(&mut self) {
        match self.tab {
            Tab::Fleet => match self.fleet.lines.get(self.fleet.cursor) {
                Some(Line::Server(i)) => self.open_server(*i),
                Some(Line::Group { .. }) => self.fold(),
                None => {}
            },
            Tab::Rollout => {
                if let Some(i) = self.target_server() {
                    self.open_server(i);
                }
            }
            Tab::Journal => {
                let server = self
                    .journal_lines
                    .get(self.journal_cursor)
                    .and_then(|&p| self.data.journal[p].event.server())
                    .and_then(|s| self.state.server_index(s));
                if let Some(i) = server {
                    self.open_server(i);
                }
            }
            Tab::Risk => {
                let (without, if_fails) = risk_cell(self.risk_cursor);
                self.tab = Tab::Fleet;
                self.set_filter(format!(
                    "without={} tier={}",
                    without.label().to_lowercase(),
                    if_fails.label().to_lowercase()
                ));
            }
            Tab::Server => {}
        }
    }

    fn fold(&mut self) {
        // Fold the group under the cursor, or the group of the server under it.
        let role = self.fleet.lines[..=self.fleet.cursor.min(self.fleet.lines.len().saturating_sub(1))]
            .iter()
            .rev()
            .find_map(|l| match l {
                Line::Group { role, .. } => Some(role.clone()),
                Line::Server(_) => None,
            });
        let Some(role) = role else { return };
        if !self.fleet.folded.remove(&role) {
            self.fleet.folded.insert(role.clone());
        }
        self.fleet.rebuild(&self.data, &self.state, &self.view);
        if let Some(i) = self.fleet.lines.iter().position(|l| matches!(l, Line::Group { role: r, .. } if *r == role)) {
            self.fleet.cursor = i;
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
