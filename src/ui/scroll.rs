//! Scrolling, the same in every pane: a cursor whose window moves only when the cursor leaves
//! it (ratatui's `TableState` behaviour), a cursorless offset that never passes the last page,
//! and the "more" line that says what is out of sight.

use std::cell::Cell;
use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::table::fit;
use super::theme::Theme;

/// What a list scrolled out of sight holds, in the words every pane uses:
/// "↑ 3 above", "… 17 more, ↓", or both; `None` when all of it shows.
pub fn more_text(above: usize, below: usize) -> Option<String> {
    match (above, below) {
        (0, 0) => None,
        (0, b) => Some(format!("… {b} more, ↓")),
        (a, 0) => Some(format!("↑ {a} above")),
        (a, b) => Some(format!("↑ {a} above · … {b} more, ↓")),
    }
}

/// The "more" line at the bottom of a pane whose `shown` rows of `len` start at `first`.
pub fn more_line(first: usize, shown: usize, len: usize, theme: &Theme) -> Option<Line<'static>> {
    more_text(first, len.saturating_sub(first + shown)).map(|t| Line::styled(t, theme.dim))
}

/// Rows left for a list of `len` in `height` rows: one fewer when it overflows, for the
/// "more" line.
pub fn list_rows(len: usize, height: usize) -> usize {
    if len > height { height.saturating_sub(1).max(1) } else { height }
}

/// A cursor over rows and the first row shown.
#[derive(Debug, Clone, Default)]
pub struct Scroll {
    pub cursor: usize,
    /// The first row shown; a drawing remembers where it left the window.
    offset: Cell<usize>,
}

impl Scroll {
    pub fn offset(&self) -> usize {
        self.offset.get()
    }

    /// Move the cursor by `delta` rows within `len` rows.
    pub fn step(&mut self, delta: i64, len: usize) {
        let max = len.saturating_sub(1) as i64;
        self.cursor = (self.cursor as i64).saturating_add(delta).clamp(0, max.max(0)) as usize;
    }

    /// Keep the cursor within `len` rows.
    pub fn clamp(&mut self, len: usize) {
        self.cursor = self.cursor.min(len.saturating_sub(1));
    }

    /// Move the window as little as keeps the cursor inside `height` rows.
    pub fn follow(&self, height: usize) {
        let height = height.max(1);
        let offset = self.offset.get();
        if self.cursor < offset {
            self.offset.set(self.cursor);
        } else if self.cursor >= offset + height {
            self.offset.set(self.cursor + 1 - height);
        }
    }

    /// The rows to build for a window of `height` rows over `len`, the cursor inside it.
    pub fn window(&self, len: usize, height: usize) -> Range<usize> {
        self.follow(height);
        let start = self.offset.get().min(len);
        start..(start + height).min(len)
    }
}

/// A text pane scrolled by its first row, with no cursor (the Server view, the Rollout view's
/// gates and waiting-on list): each drawing records how far it can go, so `G` lands on the
/// last page and `↑` after it moves at once.
#[derive(Debug, Clone, Default)]
pub struct Offset {
    top: usize,
    /// The last first row the latest drawing allowed, and its page: `None` before one.
    bounds: Cell<Option<(usize, usize)>>,
}

impl Offset {
    pub fn top(&self) -> usize {
        self.top
    }

    /// Move by `delta` rows, no further than the latest drawing's last page.
    pub fn step(&mut self, delta: i64) {
        let last = self.bounds.get().map_or(usize::MAX / 4, |(last, _)| last);
        self.top = (self.top.min(last) as i64).saturating_add(delta).clamp(0, last as i64) as usize;
    }

    /// Rows the latest drawing showed (for paging), or `fallback` before one.
    pub fn page(&self, fallback: usize) -> usize {
        self.bounds.get().map_or(fallback, |(_, page)| page.max(1))
    }

    /// The rows of `len` to show in `height` rows, one kept for the "more" line when it
    /// overflows; never past the last page.
    pub fn window(&self, len: usize, height: usize) -> Range<usize> {
        self.window_by(len, height, |_| 1)
    }

    /// The items of `len` to show in `height` rows when item `k` takes `rows_of(k)` rows
    /// (wrapped text), whole items only, one row kept for the "more" line when they overflow.
    /// Looks at no more items than fit on a screen, however long the list.
    pub fn window_by(&self, len: usize, height: usize, rows_of: impl Fn(usize) -> usize) -> Range<usize> {
        let height = height.max(1);
        let mut used = 0;
        let fits = (0..len).all(|k| {
            used += rows_of(k).max(1);
            used <= height
        });
        if fits {
            self.bounds.set(Some((0, len.max(1))));
            return 0..len;
        }
        let room = height.saturating_sub(1).max(1);
        // The last first item: as far back from the end as still fits.
        let (mut last, mut used) = (len, 0);
        while last > 0 && (used + rows_of(last - 1).max(1) <= room || last == len) {
            used += rows_of(last - 1).max(1);
            last -= 1;
        }
        let start = self.top.min(last);
        let (mut end, mut used) = (start, 0);
        while end < len && (used + rows_of(end).max(1) <= room || end == start) {
            used += rows_of(end).max(1);
            end += 1;
        }
        self.bounds.set(Some((last, (end - start).max(1))));
        start..end
    }
}

/// The "more" line on the last row of `area`.
pub fn render_more(frame: &mut Frame, area: Rect, more: Option<Line<'static>>) {
    if let Some(more) = more
        && area.height > 0
    {
        let last = Rect { y: area.bottom() - 1, height: 1, ..area };
        let text: String = more.spans.iter().map(|s| s.content.as_ref()).collect();
        let style = more.spans.first().map_or(more.style, |s| s.style);
        frame.render_widget(Paragraph::new(Line::styled(fit(&text, usize::from(area.width)), style)), last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_moves_only_when_the_cursor_leaves_it() {
        let mut s = Scroll::default();
        s.step(12, 100);
        assert_eq!(s.window(100, 10), 3..13, "down past the bottom: the cursor is on the last row");
        s.step(-1, 100);
        assert_eq!(s.window(100, 10), 3..13, "up one: the window stays, the cursor does not stick to the bottom");
        s.step(-10, 100);
        assert_eq!(s.window(100, 10), 1..11);
        s.step(i64::MAX / 2, 100);
        assert_eq!((s.cursor, s.window(100, 10)), (99, 90..100));
        assert_eq!(s.window(5, 10), 5..5, "a shorter list than the offset shows nothing past its end");
    }

    #[test]
    fn an_offset_stops_at_the_last_page_and_moves_at_once_from_it() {
        let mut o = Offset::default();
        o.step(i64::MAX / 2);
        assert_eq!(o.window(30, 10), 21..30, "G before any drawing: the last page, 9 rows and the more line");
        o.step(-1);
        assert_eq!(o.window(30, 10), 20..29, "one up from the end moves at once");
        assert_eq!(o.window(5, 10), 0..5, "all of it fits: no more line");
        // Entries of 3 rows each in 10 rows: three whole entries and the more line.
        let mut o = Offset::default();
        assert_eq!(o.window_by(8, 10, |_| 3), 0..3);
        o.step(i64::MAX / 2);
        assert_eq!(o.window_by(8, 10, |_| 3), 5..8);
        assert_eq!(o.page(99), 3);
    }

    #[test]
    fn the_more_words_are_the_same_everywhere() {
        assert_eq!(more_text(0, 0), None);
        assert_eq!(more_text(0, 17).as_deref(), Some("… 17 more, ↓"));
        assert_eq!(more_text(3, 0).as_deref(), Some("↑ 3 above"));
        assert_eq!(more_text(3, 17).as_deref(), Some("↑ 3 above · … 17 more, ↓"));
    }
}
