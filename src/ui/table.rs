//! The one table: column specs that drop the least important columns on a narrow terminal, a
//! sort marker, cells and lines fitted with an ellipsis or wrapped between words, and rows built
//! for the visible window only (the window itself: `super::scroll`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::scroll::render_more;
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

/// `line` cut to `width` columns with an ellipsis, its styles kept; as is when it fits.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    // Blanks past the edge are padding: the terminal clips them and nothing is lost.
    if line.spans.iter().flat_map(|s| s.content.chars()).skip(width).all(char::is_whitespace) {
        return line;
    }
    let mut left = width.saturating_sub(1);
    let mut spans = Vec::with_capacity(line.spans.len());
    for span in line.spans {
        if left == 0 {
            break;
        }
        let n = span.content.chars().count();
        if n <= left {
            left -= n;
            spans.push(span);
        } else {
            spans.push(Span::styled(span.content.chars().take(left).collect::<String>(), span.style));
            left = 0;
        }
    }
    if width > 0 {
        let style = spans.last().map_or(line.style, |s| s.style);
        spans.push(Span::styled("…", style));
    }
    Line { spans, ..line }
}

/// `line` broken between words into rows of at most `width` columns, its styles kept; the
/// rows after the first hang two columns in from the line's own indent. A word longer than a
/// row is split where the row ends.
pub fn wrap_line(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let chars: Vec<(char, Style)> =
        line.spans.iter().flat_map(|s| s.content.chars().map(move |c| (c, line.style.patch(s.style)))).collect();
    if chars.len() <= width {
        return vec![styled_row(&chars)];
    }
    let indent = chars.iter().take_while(|(c, _)| *c == ' ').count();
    let hang = (indent + 2).min(width / 2);
    let mut rows: Vec<Vec<(char, Style)>> = Vec::new();
    let mut row: Vec<(char, Style)> = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        // The next token: a run of blanks, or a word.
        let blank = chars[k].0 == ' ';
        let end = chars[k..].iter().position(|(c, _)| (*c == ' ') != blank).map_or(chars.len(), |n| k + n);
        let mut token = &chars[k..end];
        k = end;
        if blank {
            // Blanks that would start a continued row are dropped: the hang stands for them.
            if !rows.is_empty() && row.len() == hang {
                continue;
            }
            if row.len() + token.len() <= width {
                row.extend_from_slice(token);
            }
            continue;
        }
        while !token.is_empty() {
            if row.len() + token.len() > width && row.iter().any(|(c, _)| *c != ' ') {
                while row.last().is_some_and(|(c, _)| *c == ' ') {
                    row.pop();
                }
                rows.push(std::mem::replace(&mut row, vec![(' ', Style::default()); hang]));
            }
            let take = width.saturating_sub(row.len()).min(token.len()).max(1);
            row.extend_from_slice(&token[..take]);
            token = &token[take..];
        }
    }
    rows.push(row);
    rows.iter().map(|r| styled_row(r)).collect()
}

/// Characters back into spans, one per run of a style.
fn styled_row(chars: &[(char, Style)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    for &(c, style) in chars {
        match spans.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push(c),
            _ => spans.push(Span::styled(c.to_string(), style)),
        }
    }
    Line::from(spans)
}

/// A table cell: `text` cut or padded to `width` columns, the last always blank, so that
/// neighbouring columns never run together.
pub fn cell(text: &str, width: usize) -> String {
    match width {
        0 => String::new(),
        w => fit(text, w - 1) + " ",
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
pub fn header<K: PartialEq>(columns: &[Column<K>], sorted: Option<(&K, bool)>, theme: &Theme) -> Line<'static> {
    Line::from(
        columns
            .iter()
            .map(|c| match sorted {
                // The sorted column says so in words' place, not by colour alone: ↑ or ↓ after
                // its title (cut to make room).
                Some((key, descending)) if *key == c.key => {
                    let title: String = c.title.chars().take(c.width.saturating_sub(2)).collect();
                    let arrow = if descending { '↓' } else { '↑' };
                    Span::styled(cell(&format!("{title}{arrow}"), c.width), theme.key)
                }
                _ => Span::styled(cell(&c.title, c.width), theme.dim),
            })
            .collect::<Vec<_>>(),
    )
}

/// Draw `header` (if any) and `rows` (the window's, built by the caller) in `area`; `cursor`
/// is the selected row's index in `rows`; `empty` stands in for no rows; `more` (see
/// `more_line`) goes on the area's last row.
#[allow(clippy::too_many_arguments)]
pub fn render(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    header: Option<Line<'static>>,
    rows: Vec<Line<'static>>,
    cursor: Option<usize>,
    empty: Line<'static>,
    more: Option<Line<'static>>,
) {
    let mut lines = Vec::with_capacity(rows.len() + 2);
    lines.extend(header);
    if rows.is_empty() {
        lines.push(empty);
    }
    let width = usize::from(area.width);
    for (n, row) in rows.into_iter().enumerate() {
        let row = fit_line(row, width);
        lines.push(if Some(n) == cursor { row.patch_style(theme.selected) } else { row });
    }
    frame.render_widget(Paragraph::new(lines), area);
    render_more(frame, area, more);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_wrap_between_words_with_a_hanging_indent_and_cut_with_an_ellipsis() {
        let text = |l: &Line| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>();
        let rows: Vec<String> =
            wrap_line(&Line::raw("  ✓ Q244599 ready TCP/IP SYN flood protection"), 20).iter().map(text).collect();
        assert_eq!(rows, ["  ✓ Q244599 ready", "    TCP/IP SYN flood", "    protection"]);
        assert_eq!(text(&fit_line(Line::raw("BOS-BH01: needs a Pass checkout"), 12)), "BOS-BH01: n…");
        assert_eq!(text(&fit_line(Line::raw("short      "), 6)), "short      ", "blanks past the edge are not cut");
        assert_eq!(cell("overdue 15/14", 13), "overdue 15/… ", "a cell always ends in a blank");
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
