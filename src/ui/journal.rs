//! The journal view: every event, newest first, filterable; events new since the last look marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;

use super::fit;
use super::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let title = format!(" Journal: {} of {} events, newest first ", app.journal_len(), app.live.data.journal.len());
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = usize::from(inner.height);
    let offset = app.journal_cursor.saturating_sub(height.saturating_sub(1));
    let width = usize::from(inner.width);
    // The sequence column fits the largest number in the journal (a million events: 7 digits).
    let digits = app.live.data.journal.len().max(1).ilog10() as usize + 1;
    let digits = digits.max(4);
    let mut lines = Vec::new();
    let shown: Vec<usize> = (offset..offset + height).map_while(|n| app.journal_shown(n)).collect();
    for ((n, &p), e) in (offset..).zip(&shown).zip(app.entries(&shown)) {
        let Some(e) = e else {
            lines.push(Line::styled(format!("  #{}: cannot be read from journal.ron (changed?)", p + 1), theme.warn));
            continue;
        };
        let new = p >= app.seen_events;
        let mut line = Line::from(vec![
            Span::styled(if new { "● " } else { "  " }, theme.new),
            Span::styled(format!("#{:<digits$} ", e.seq), theme.dim),
            Span::raw(format!("{} ", e.at.format("%Y-%m-%d %H:%M"))),
            Span::styled(fit(&e.by, 9), theme.key),
            Span::styled(fit(e.event.kind(), 9), theme.dim),
            Span::raw(fit(&crate::describe::event(&e.event), width.saturating_sub(37 + digits))),
        ]);
        if n == app.journal_cursor {
            line = line.patch_style(theme.selected);
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(Line::styled("  no events match", theme.dim));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
