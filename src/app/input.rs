//! Keys and actions: the top layer first, then the keymap, then `update(Action)`.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Action, App, FormOutcome, Notice, Overlay, Tab};

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
        // A notice is read by the next key: it does not linger across views.
        self.notice = None;
        if let Some(action) = crate::views::lookup(&self.panes, key, self.tab, self.read_only) {
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
                    KeyCode::PageDown => Some(Overlay::Help { scroll: scroll.saturating_add(10) }),
                    KeyCode::PageUp => Some(Overlay::Help { scroll: scroll.saturating_sub(10) }),
                    KeyCode::Char('g') | KeyCode::Home => Some(Overlay::Help { scroll: 0 }),
                    // The draw clamps it to the last page.
                    KeyCode::Char('G') | KeyCode::End => Some(Overlay::Help { scroll: u16::MAX }),
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
        self.with_pane(self.tab, |pane, snap| pane.set_filter(filter, snap));
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

    pub fn update(&mut self, action: Action) {
        let page = self.page.max(1);
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::NextTab => self.tab = Tab::ALL[self.tab.number() % Tab::ALL.len()],
            Action::PrevTab => self.tab = Tab::ALL[(self.tab.number() + Tab::ALL.len() - 2) % Tab::ALL.len()],
            Action::Tab(t) => self.tab = t,
            Action::Filter => {
                if let Some(current) = self.panes.get(self.tab).filter() {
                    self.overlay = Some(Overlay::Filter(Input::new(current.to_string())));
                }
            }
            Action::Command => self.overlay = Some(Overlay::Command(Input::default())),
            Action::Record(w) => self.open_form(w),
            // Moving, opening, sorting, folding and esc belong to the view.
            Action::Back
            | Action::Up
            | Action::Down
            | Action::Left
            | Action::Right
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Open
            | Action::SortNext
            | Action::SortReverse
            | Action::Fold => {
                let effect = self.with_pane(self.tab, |pane, snap| pane.update(action, snap, page));
                self.apply(effect, action);
            }
        }
        for &tab in Tab::ALL {
            self.panes.get_mut(tab).fit_page(page);
        }
    }
}
