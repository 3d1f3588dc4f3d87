//! Keys and actions: the top layer first, then the keymap, then `update(Action)`.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Action, App, Column, FormOutcome, Line, Notice, Overlay, Tab, action, risk_cell};

impl App {
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
            self.fleet.rebuild(&self.live.data, &self.live.state, &self.view);
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
                .live
                .state
                .server_index(&arg)
                .or_else(|| self.live.state.servers.iter().position(|s| s.name.eq_ignore_ascii_case(&arg)))
            {
                Some(i) => self.open_server(i),
                None => self.notice = Some(Notice { ok: false, text: format!("unknown server '{arg}'") }),
            }
        } else if verb == "rollout" {
            match crate::rules::lookup::rollout_index(&self.live.data, &arg) {
                Ok(r) => {
                    self.rollout = Some(r);
                    self.derive();
                    self.tab = Tab::Rollout;
                }
                Err(refusal) => self.notice = Some(Notice { ok: false, text: refusal.0 }),
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
                self.fleet.rebuild(&self.live.data, &self.live.state, &self.view);
            }
            Action::SortReverse => {
                self.fleet.descending = !self.fleet.descending;
                self.fleet.rebuild(&self.live.data, &self.live.state, &self.view);
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
            Tab::Journal => self.journal_cursor = step(self.journal_cursor, self.journal_len()),
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
                    .journal_shown(self.journal_cursor)
                    .and_then(|p| self.live.data.journal.lines.get(p))
                    .and_then(|l| l.server());
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
                Line::Group { role, .. } => self.live.data.fleet.roles.get(*role).map(|r| r.id.clone()),
                Line::Server(_) => None,
            });
        let Some(role) = role else { return };
        if !self.fleet.folded.remove(&role) {
            self.fleet.folded.insert(role.clone());
        }
        self.fleet.rebuild(&self.live.data, &self.live.state, &self.view);
        let group = self.live.data.fleet.roles.iter().position(|r| r.id == role);
        if let Some(i) =
            self.fleet.lines.iter().position(|l| matches!(l, Line::Group { role: r, .. } if Some(*r) == group))
        {
            self.fleet.cursor = i;
        }
    }
}
