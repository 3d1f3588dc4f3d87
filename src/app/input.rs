//! Keys and actions: the top layer first, then the keymap, then `update(Action)`.

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::command::CommandLine;
use super::{Action, App, FormOutcome, Overlay, Page, Tab};

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
        // No key works behind a screen the user cannot see: below the minimum size only quit.
        if self.too_small {
            let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
            if ctrl_c || (self.overlay.is_none() && key.code == KeyCode::Char('q')) {
                self.quit = true;
            }
            return;
        }
        if let Some(overlay) = self.overlay.take() {
            self.overlay_key(overlay, key);
            return;
        }
        // A notice is read by the next key: it does not linger across views (`m` shows it again).
        self.notice = None;
        let action = crate::views::lookup(&self.panes, &self.keys, key, self.tab, self.read_only);
        // Any key of one's own stops following (`f` itself toggles; looking at help, messages
        // or the people list does not move the view, so it does not stop).
        let looks = matches!(action, Some(Action::Follow | Action::Help | Action::Messages | Action::People));
        if self.following.is_some() && !looks {
            self.unfollow();
        }
        if let Some(action) = action {
            self.update(action);
        }
    }

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) {
        match overlay {
            Overlay::Page { page, scroll } => self.page_key(page, scroll, key),
            Overlay::Filter(mut input) => match key.code {
                KeyCode::Enter => {}
                KeyCode::Esc => self.set_filter(String::new()),
                _ => {
                    input.handle_event(&Event::Key(key));
                    self.set_filter(input.value().to_string());
                    self.overlay = Some(Overlay::Filter(input));
                }
            },
            Overlay::Command(line) => self.command_key(line, key),
            Overlay::Form(mut form) => match form.handle_key(key) {
                FormOutcome::Editing => self.overlay = Some(Overlay::Form(form)),
                FormOutcome::Cancel => self.say(true, "cancelled; nothing recorded"),
                FormOutcome::Save => self.save(form),
            },
        }
    }

    /// A page of text: the move and page keys scroll it (the draw clamps it to the last page);
    /// on a journal event, enter opens its server.
    fn page_key(&mut self, page: Page, scroll: u16, key: KeyEvent) {
        // From where the page shows: `G` (or paging past the end) leaves the scroll beyond the
        // last page, and the latest drawing knows where that is.
        let scroll = match self.page_last.get() {
            Some((shown, last)) if shown == page => scroll.min(last),
            _ => scroll,
        };
        let scroll = match key.code {
            KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
            KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
            // A page of a popup is about the body's height (the popup takes most of it).
            KeyCode::PageDown | KeyCode::Char(' ') => scroll.saturating_add(self.page.max(10) as u16),
            KeyCode::PageUp => scroll.saturating_sub(self.page.max(10) as u16),
            KeyCode::Char('g') | KeyCode::Home => 0,
            KeyCode::Char('G') | KeyCode::End => u16::MAX,
            KeyCode::Enter => {
                if let Page::Entry(p) = page
                    && let Some(server) = self.live.data.journal.lines.get(p).and_then(|l| l.server())
                {
                    self.open_server(server);
                }
                return;
            }
            KeyCode::Char('1'..='9') if page == Page::People && self.people_key(key) => return,
            KeyCode::Char('z') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.suspend = true;
                scroll
            }
            _ if self.closes_page(page, key) => return,
            _ => scroll,
        };
        self.overlay = Some(Overlay::Page { page, scroll });
    }

    /// On the people page, a digit follows the person beside it.
    fn people_key(&mut self, key: KeyEvent) -> bool {
        let KeyCode::Char(d @ '1'..='9') = key.code else { return false };
        let n = d as usize - '1' as usize;
        if let Some(name) = self.others().get(n).map(|p| p.operator.clone()) {
            self.follow(&name);
        }
        true
    }

    /// Esc, q, and the key that opened the page close it.
    fn closes_page(&self, page: Page, key: KeyEvent) -> bool {
        let opened_by = match page {
            Page::Help => Some(Action::Help),
            Page::Messages => Some(Action::Messages),
            Page::People => Some(Action::People),
            Page::Entry(_) => None,
        };
        matches!(key.code, KeyCode::Esc | KeyCode::Char('q'))
            || crate::views::lookup(&self.panes, &self.keys, key, self.tab, self.read_only)
                .is_some_and(|a| Some(a) == opened_by)
    }

    fn set_filter(&mut self, filter: String) {
        self.with_pane(self.tab, |pane, snap| pane.set_filter(filter, snap));
    }

    /// A paste (bracketed by the terminal): text for the field being typed into, never keys.
    /// A newline in it is a space, so a paste can neither submit a form nor confirm a record.
    pub fn paste(&mut self, text: &str) {
        let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let insert = |input: &mut Input| {
            for c in text.chars() {
                input.handle(tui_input::InputRequest::InsertChar(c));
            }
        };
        match &mut self.overlay {
            Some(Overlay::Form(form)) if form.confirm.is_none() => {
                if !form.paste(&text) {
                    self.say(false, "paste ignored: the field under the cursor is not one you type into");
                }
            }
            Some(Overlay::Filter(input)) => {
                insert(input);
                let value = input.value().to_string();
                self.set_filter(value);
            }
            Some(Overlay::Command(line)) => insert(&mut line.input),
            _ => self.say(false, "paste ignored: keys are typed, not pasted, outside a text field"),
        }
    }

    /// The mouse wheel: `rows` down (up if negative), on a page of text or the view.
    pub fn wheel(&mut self, rows: i16) {
        let code = if rows > 0 { KeyCode::Down } else { KeyCode::Up };
        for _ in 0..rows.unsigned_abs() {
            match &self.overlay {
                Some(Overlay::Page { .. }) => self.handle_key(KeyEvent::new(code, KeyModifiers::NONE)),
                // A form or a prompt is left alone: the wheel never changes a field.
                Some(_) => return,
                None => self.update(if rows > 0 { Action::Down } else { Action::Up }),
            }
        }
    }

    /// A click on a tab shows that view.
    pub fn click_tab(&mut self, tab: Tab) {
        self.notice = None;
        self.update(Action::Tab(tab));
    }

    /// A click on the `row`-th row of the view: the view selects what is there.
    pub fn click(&mut self, row: u16) {
        self.notice = None;
        let effect = self.with_pane(self.tab, |pane, snap| pane.click(row, snap));
        self.apply(effect, Action::Open);
    }

    pub fn update(&mut self, action: Action) {
        let page = self.page.max(1);
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.overlay = Some(Overlay::Page { page: Page::Help, scroll: 0 }),
            Action::Messages => {
                self.overlay = Some(Overlay::Page { page: Page::Messages, scroll: u16::MAX });
                // Read whole there: the alarm has been seen.
                self.alarm = None;
            }
            Action::Copy => self.copy("name"),
            Action::People => self.overlay = Some(Overlay::Page { page: Page::People, scroll: 0 }),
            Action::Follow => self.toggle_follow(),
            Action::Present => self.toggle_presenting(),
            Action::Suspend => self.suspend = true,
            Action::NextTab => self.show(Tab::ALL[self.tab.number() % Tab::ALL.len()]),
            Action::PrevTab => self.show(Tab::ALL[(self.tab.number() + Tab::ALL.len() - 2) % Tab::ALL.len()]),
            Action::Tab(t) => self.show(t),
            Action::Filter => {
                if let Some(current) = self.panes.get(self.tab).filter() {
                    self.overlay = Some(Overlay::Filter(Input::new(current.to_string())));
                }
            }
            Action::Command => self.overlay = Some(Overlay::Command(CommandLine::default())),
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
