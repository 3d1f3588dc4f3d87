//! The agenda view: what a review meeting takes, in the change board's order, grouped by whom
//! each item waits on. Stepping through it moves every follower.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::app::action::{self, Action, Binding};
use crate::rules::agenda::{Item, Section, agenda};
use crate::ui::scroll::{self, Scroll};
use crate::ui::table::{self, fit};
use crate::ui::theme::Theme;

use super::{Effect, Snapshot, View};

/// A line of the agenda as drawn: a section's heading, whom the items below wait on, an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Section(Section),
    Whom(String),
    Item(usize),
}

#[derive(Debug, Clone, Default)]
pub struct AgendaPane {
    /// The items (derived on every change).
    pub items: Vec<Item>,
    /// The lines as drawn, headings among the items (derived).
    pub rows: Vec<Row>,
    pub scroll: Scroll,
    /// The item under the cursor when the items were let go (`forget`), to keep it there.
    kept: Option<Item>,
}

const KEYS: &[Binding] = &[action::OPEN];

impl AgendaPane {
    /// Take `items` (the agenda as `rules::agenda` derived it, here or on a worker): the
    /// lines as drawn, the item under the cursor kept under it.
    pub fn take(&mut self, items: Vec<Item>) {
        // The item under the cursor stays under it when the agenda changes.
        let under = self.item().cloned().or_else(|| self.kept.take());
        self.items = items;
        self.rows.clear();
        let (mut section, mut whom) = (None, None);
        for (k, item) in self.items.iter().enumerate() {
            if section != Some(item.section) {
                section = Some(item.section);
                whom = None;
                self.rows.push(Row::Section(item.section));
            }
            if whom.as_ref() != Some(&item.whom) {
                whom = Some(item.whom.clone());
                self.rows.push(Row::Whom(item.whom.to_string()));
            }
            self.rows.push(Row::Item(k));
        }
        if let Some(under) = under
            && let Some(k) = self.items.iter().position(|i| *i == under)
            && let Some(r) = self.rows.iter().position(|r| *r == Row::Item(k))
        {
            self.scroll.cursor = r;
        }
        self.scroll.clamp(self.rows.len());
    }

    /// Hidden and out of date: let go of the items, which are derived again (or taken from
    /// the worker that derives them ahead) before the Agenda is shown; the one under the
    /// cursor is remembered. Holding the old beside the new was the peak every minute.
    /// What was let go is given back, to be freed off the input path.
    pub fn forget(&mut self) -> (Vec<Item>, Vec<Row>) {
        if let Some(under) = self.item().cloned() {
            self.kept = Some(under);
        }
        (std::mem::take(&mut self.items), std::mem::take(&mut self.rows))
    }

    /// The item under the cursor, if the cursor is on one.
    fn item(&self) -> Option<&Item> {
        match self.rows.get(self.scroll.cursor) {
            Some(Row::Item(k)) => self.items.get(*k),
            _ => None,
        }
    }
}

impl View for AgendaPane {
    fn keys(&self) -> Vec<&'static Binding> {
        KEYS.iter().chain(&action::SERVER_RECORDS).collect()
    }

    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("order", "violations, failed and overdue checkouts, unmet gates, decisions: a change board's order"),
            ("whom", "under each part, whom the items wait on: a site's operators, a group, the approvers"),
        ]
    }

    fn derive(&mut self, snap: &Snapshot, _servers: Option<&[usize]>) {
        self.take(agenda(&snap.live.data, &snap.live.state, snap.view));
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        if let Some(rows) = action.rows(page) {
            self.scroll.step(rows, self.rows.len());
            return self.item().and_then(|i| i.server).map_or(Effect::Done, Effect::Select);
        }
        match action {
            Action::Open => self.item().and_then(|i| i.server).map_or(Effect::Done, Effect::OpenServer),
            _ => Effect::Ignored,
        }
    }

    fn target(&self, snap: &Snapshot) -> Option<usize> {
        self.item().and_then(|i| i.server).or(snap.selected)
    }

    fn row(&self) -> Option<usize> {
        Some(self.scroll.cursor)
    }

    fn set_row(&mut self, row: usize) {
        self.scroll.cursor = row;
        self.scroll.clamp(self.rows.len());
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        let items = self.items.len();
        let title = match snap.rollout() {
            Some(ro) => format!(" Agenda of {}: {items} item{} ", ro.id, if items == 1 { "" } else { "s" }),
            None => format!(" Agenda: {items} items "),
        };
        let block = Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border)
            .title(Span::styled(fit(&title, usize::from(area.width)).trim_end().to_string() + " ", theme.title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = usize::from(inner.width);
        let height = scroll::list_rows(self.rows.len(), usize::from(inner.height));
        let window = self.scroll.window(self.rows.len(), height);
        let more = scroll::more_line(window.start, window.len(), self.rows.len(), theme);
        let lines: Vec<Line> = self.rows[window.clone()]
            .iter()
            .map(|row| match row {
                Row::Section(s) => Line::styled(fit(s.title(), width), theme.group),
                Row::Whom(w) => Line::styled(fit(&format!("  {}", crate::safe::visible(w)), width), theme.key),
                Row::Item(k) => {
                    let item = &self.items[*k];
                    let mark = match item.section {
                        Section::Violations | Section::FailedOrOverdue => Span::styled("    ✗ ", theme.bad),
                        Section::Unmet => Span::styled("    · ", theme.warn),
                        Section::Decisions => Span::styled("    ? ", theme.key),
                    };
                    Line::from(vec![mark, Span::raw(fit(&item.text(&snap.live.state), width.saturating_sub(6)))])
                }
            })
            .collect();
        let cursor = self.scroll.cursor.checked_sub(window.start);
        let empty = Line::styled("  nothing waits: every gate of the current phase is met", theme.ok);
        table::render(frame, inner, theme, None, lines, cursor, empty, more);
    }
}
