//! The risk view: the guide's grid of `without_sp` by `if_fails`, each cell a count and a priority.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, risk_cell};
use crate::rules::risk::priority;

use super::theme::Theme;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let title = match app.rollout() {
        Some(r) => format!(" Risk in {}: failure without the SP by effect if the install fails ", r.id),
        None => " Risk ".to_string(),
    };
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [labels, grid, legend] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(6), Constraint::Length(1)]).areas(inner);
    let cols =
        Layout::horizontal([Constraint::Length(16), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)]);
    let [_, l0, l1, l2] = cols.areas(labels);
    for (a, t) in [(l0, "if fails: Low"), (l1, "if fails: Medium"), (l2, "if fails: High")] {
        frame.render_widget(Paragraph::new(t).alignment(Alignment::Center).style(theme.dim), a);
    }
    let rows = Layout::vertical([Constraint::Fill(1); 3]).split(grid);
    for (r, row_area) in rows.iter().enumerate() {
        let [label, c0, c1, c2] = cols.areas(*row_area);
        let (without, _) = risk_cell((r, 0));
        frame.render_widget(Paragraph::new(format!("\nwithout SP:\n{}", without.label())).style(theme.dim), label);
        for (c, cell) in [c0, c1, c2].into_iter().enumerate() {
            let (without, if_fails) = risk_cell((r, c));
            let count = app.risk_counts[r][c];
            let p = priority(without, if_fails);
            let selected = app.risk_cursor == (r, c);
            let border = if selected { theme.key } else { theme.border };
            let block = Block::default().borders(Borders::ALL).border_style(border);
            let style = match p {
                1 => theme.ok,
                2 => theme.warn,
                _ => theme.bad,
            };
            let text = vec![
                Line::styled(
                    format!("{count} server{}", if count == 1 { "" } else { "s" }),
                    if count == 0 { theme.dim } else { theme.base },
                ),
                Line::styled(format!("priority {p}"), style),
            ];
            let mut para = Paragraph::new(text).alignment(Alignment::Center).block(block);
            if selected {
                para = para.style(theme.selected);
            }
            frame.render_widget(para, cell);
        }
    }
    frame.render_widget(
        Paragraph::new("priority 1 = as soon as possible, 3 = last · enter lists the cell's servers").style(theme.dim),
        legend,
    );
}
