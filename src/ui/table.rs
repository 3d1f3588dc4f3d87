//! The one table: column specs that drop the least important columns on a narrow terminal, a
//! sort marker, a cursor whose window moves only when the cursor leaves it (ratatui's
//! `TableState` behaviour), and rows built for the visible window only.

use std::cell::Cell;
use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;

/// Pad or cut `text` to exactly `width` columns.
pub fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        format!("{text:<width$}")
    } else if width == 0 {
        String::new()
    } else {
        text.chars().take(width - 1).chain(['…']).collect()
    }
}

/// One column: its title, width, and how much it matters when room is short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column<K> {
    pub key: K,
    pub title: String,
    pub width: usize,
    /// Lower is dropped first when the terminal is narrow; `ALWAYS` is never dropped.
    pub keep: u8,
}

pub const ALWAYS: u8 = 255;

/// The most important columns that fit in `width`, in their original order.
pub fn fit_columns<K>(all: Vec<Column<K>>, width: usize) -> Vec<Column<K>> {
    let mut by_importance: Vec<usize> = (0..all.len()).collect();
    by_importance.sort_by_key(|&i| std::cmp::Reverse(all[i].keep));
    let mut used = 0;
    let mut kept = vec![false; all.len()];
    for i in by_importance {
        if used + all[i].width <= width || all[i].keep == ALWAYS {
            used += all[i].width;
            kept[i] = true;
        }
    }
    all.into_iter().zip(kept).filter(|(_, k)| *k).map(|(c, _)| c).collect()
}

/// The header line; the sorted column stands out.
pub fn header<K: PartialEq>(columns: &[Column<K>], sorted: Option<&K>, theme: &Theme) -> Line<'static> {
    Line::from(
        columns
            .iter()
            .map(|c| {
                let style = if sorted == Some(&c.key) { theme.key } else { theme.dim };
                Span::styled(fit(&c.title, c.width), style)
            })
            .collect::<Vec<_>>(),
    )
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

/// Draw `header` (if any) and `rows` (the window's, built by the caller) in `area`; `cursor`
/// is the selected row's index in `rows`; `empty` stands in for no rows.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    header: Option<Line<'static>>,
    rows: Vec<Line<'static>>,
    cursor: Option<usize>,
    empty: Line<'static>,
) {
    let mut lines = Vec::with_capacity(rows.len() + 2);
    lines.extend(header);
    if rows.is_empty() {
        lines.push(empty);
    }
    for (n, row) in rows.into_iter().enumerate() {
        lines.push(if Some(n) == cursor { row.patch_style(theme.selected) } else { row });
    }
    frame.render_widget(Paragraph::new(lines), area);
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
    fn narrow_terminals_drop_the_least_important_columns_first() {
        let col = |title: &str, width, keep| Column { key: title.to_string(), title: title.into(), width, keep };
        let all = vec![col("server", 12, ALWAYS), col("site", 5, 10), col("behind", 7, 200), col("soak", 15, 150)];
        let titles = |cols: Vec<Column<String>>| cols.into_iter().map(|c| c.title).collect::<Vec<_>>();
        assert_eq!(titles(fit_columns(all.clone(), 40)), ["server", "site", "behind", "soak"]);
        assert_eq!(titles(fit_columns(all.clone(), 34)), ["server", "behind", "soak"]);
        assert_eq!(titles(fit_columns(all, 5)), ["server"], "the server column is never dropped");
        assert_eq!(fit("BOS-MBX01", 5), "BOS-…");
        assert_eq!(fit("ab", 4), "ab  ");
    }
}
