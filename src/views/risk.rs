//! The risk view: the guide's grid of `without_sp` by `if_fails`, each cell a count and a priority.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::action::{self, Action, Binding};
use crate::model::Rating;
use crate::rules::risk::priority;
use crate::ui::theme::Theme;

use super::{Effect, Snapshot, View};

/// The risk grid: a cursor on one cell, and the number of servers in each (derived).
#[derive(Debug, Clone, Default)]
pub struct RiskPane {
    /// (without_sp, if_fails) cell of the grid.
    pub cursor: (usize, usize),
    /// Servers in each cell, indexed like `cell`.
    pub counts: [[usize; 3]; 3],
    /// The first servers of each cell by name, as many as a large cell shows (derived).
    named: [[Vec<usize>; 3]; 3],
}

/// Names a cell lists at most; `enter` lists them all on the fleet view.
const NAMED: usize = 120;

/// Grid cell `(row, col)`: rows are `without_sp` High..Low, columns `if_fails` Low..High.
pub fn cell((row, col): (usize, usize)) -> (Rating, Rating) {
    let without = [Rating::High, Rating::Medium, Rating::Low][row.min(2)];
    let if_fails = [Rating::Low, Rating::Medium, Rating::High][col.min(2)];
    (without, if_fails)
}

const KEYS: &[Binding] = &[action::LEFT, action::RIGHT, action::OPEN];

/// What the grid shows of a state: each cell's count and first servers by name. Derived on
/// show, or ahead on a worker while the view is hidden (`app::ahead`): it reads every server's
/// row in name order, 10-60 ms at 100,000 servers.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    counts: [[usize; 3]; 3],
    named: [[Vec<usize>; 3]; 3],
}

/// The grid's `Tally` of `state` with its derived `rows`.
pub fn tally(state: &crate::rules::State, rows: &[crate::rules::ServerRow]) -> Tally {
    let mut t = Tally::default();
    for i in state.by_name() {
        let Some(r) = rows.get(i).and_then(|row| row.ratings.as_ref()) else { continue };
        let row = 2 - (r.without_sp.weight() - 1) as usize;
        let col = (r.if_fails.weight() - 1) as usize;
        t.counts[row][col] += 1;
        if t.named[row][col].len() < NAMED {
            t.named[row][col].push(i);
        }
    }
    t
}

impl RiskPane {
    /// Show `tally` (derived here or ahead).
    pub fn take(&mut self, tally: Tally) {
        (self.counts, self.named) = (tally.counts, tally.named);
    }
}

impl View for RiskPane {
    fn keys(&self) -> Vec<&'static Binding> {
        KEYS.iter().collect()
    }

    fn derive(&mut self, snap: &Snapshot, _servers: Option<&[usize]>) {
        self.take(tally(&snap.live.state, &snap.view.rows));
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        if let Some(rows) = action.rows(page) {
            self.cursor.0 = (self.cursor.0 as i64).saturating_add(rows).clamp(0, 2) as usize;
            return Effect::Done;
        }
        match action {
            Action::Left => self.cursor.1 = self.cursor.1.saturating_sub(1),
            Action::Right => self.cursor.1 = (self.cursor.1 + 1).min(2),
            Action::Open => {
                let (without, if_fails) = cell(self.cursor);
                return Effect::FilterFleet(format!(
                    "without={} tier={}",
                    without.label().to_lowercase(),
                    if_fails.label().to_lowercase()
                ));
            }
            _ => return Effect::Ignored,
        }
        Effect::Done
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        draw(self, frame, snap, theme, area);
    }
}

fn draw(pane: &RiskPane, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let title = match snap.rollout() {
        Some(r) => format!(" Risk in {}: failure without the SP by effect if the install fails ", r.id),
        None => " Risk ".to_string(),
    };
    // Cut with an ellipsis, never mid-word without a mark.
    let title = crate::ui::fit(&title, usize::from(area.width)).trim_end().to_string() + " ";
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [labels, grid, legend] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(6), Constraint::Length(1)]).areas(inner);
    let cols =
        Layout::horizontal([Constraint::Length(16), Constraint::Fill(1), Constraint::Fill(1), Constraint::Fill(1)]);
    let [axis, l0, l1, l2] = cols.areas(labels);
    // Narrow columns say the axis once, at the left, and each column only its rating.
    let narrow = usize::from(l0.width) < "if fails: Medium".len() + 1;
    if narrow {
        frame.render_widget(Paragraph::new("if fails →").style(theme.dim), axis);
    }
    for (a, rating) in [(l0, "Low"), (l1, "Medium"), (l2, "High")] {
        let text = if narrow { rating.to_string() } else { format!("if fails: {rating}") };
        let text = crate::ui::fit(&text, usize::from(a.width));
        frame.render_widget(
            Paragraph::new(text.trim_end().to_string()).alignment(Alignment::Center).style(theme.dim),
            a,
        );
    }
    let rows = Layout::vertical([Constraint::Fill(1); 3]).split(grid);
    for (r, row_area) in rows.iter().enumerate() {
        let [label, c0, c1, c2] = cols.areas(*row_area);
        let (without, _) = cell((r, 0));
        frame.render_widget(Paragraph::new(format!("\nwithout SP:\n{}", without.label())).style(theme.dim), label);
        for (c, area) in [c0, c1, c2].into_iter().enumerate() {
            let (without, if_fails) = cell((r, c));
            let count = pane.counts[r][c];
            let p = priority(without, if_fails);
            let selected = pane.cursor == (r, c);
            let border = if selected { theme.key } else { theme.border };
            // A short screen gives each cell three rows: its sides keep the frame, its two
            // lines (count, priority) stay whole.
            let sides = if area.height >= 4 { Borders::ALL } else { Borders::LEFT | Borders::RIGHT };
            let block = Block::default().borders(sides).border_style(border);
            let style = match p {
                1 => theme.ok,
                2 => theme.warn,
                _ => theme.bad,
            };
            let mut text = vec![
                Line::styled(
                    format!("{count} server{}", if count == 1 { "" } else { "s" }),
                    if count == 0 { theme.dim } else { theme.base },
                ),
                Line::styled(format!("priority {p}"), style),
            ];
            // A tall cell names its servers, as many as fit, and counts the rest.
            let inner = block.inner(area);
            let room = usize::from(inner.height).saturating_sub(2);
            if room > 0 && count > 0 {
                if room >= 4 {
                    text.push(Line::default());
                }
                let rows = room - usize::from(room >= 4);
                text.extend(cell_names(snap, &pane.named[r][c], count, usize::from(inner.width), rows, theme));
            }
            let mut para = Paragraph::new(text).alignment(Alignment::Center).block(block);
            if selected {
                para = para.style(theme.selected);
            }
            frame.render_widget(para, area);
        }
    }
    let text = "priority 1 = as soon as possible, 3 = last · enter lists the cell's servers";
    frame.render_widget(Paragraph::new(crate::ui::fit(text, usize::from(legend.width))).style(theme.dim), legend);
}

/// The servers of a cell, as many names per line as fit in `width`, in at most `rows` lines,
/// the last saying how many more there are when they do not all fit.
fn cell_names(
    snap: &Snapshot,
    named: &[usize],
    count: usize,
    width: usize,
    rows: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut listed = 0;
    for &i in named {
        let name = crate::safe::visible(&snap.live.state.servers[i].name);
        let need = current.chars().count() + usize::from(!current.is_empty()) + name.chars().count();
        if need > width && !current.is_empty() {
            if lines.len() + 1 == rows {
                break;
            }
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&name);
        listed += 1;
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if listed < count {
        // The last line makes way for the count of the rest.
        if lines.len() == rows {
            let dropped = lines.pop().map_or(0, |l| l.split(' ').count());
            listed -= dropped;
        }
        lines.push(match listed {
            0 if width >= 16 => "enter lists them".to_string(),
            0 => "enter: all".to_string(),
            n => format!("… {} more (enter)", count - n),
        });
    }
    lines.into_iter().map(|l| Line::styled(crate::ui::fit(&l, width).trim_end().to_string(), theme.dim)).collect()
}
