//! The plan view: a Gantt chart of the selected rollout's phases, what has happened and what
//! the forecast projects, today marked, and the open items with the days each costs.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::app::action::{Action, Binding};
use crate::rules::forecast::{Forecast, OpenItem, PhasePlan, forecast};
use crate::ui::scroll::{self, Offset};
use crate::ui::table::fit;
use crate::ui::theme::Theme;

use super::{Effect, Snapshot, View};

/// The forecast (derived on each change) and the open items' scroll.
#[derive(Debug, Clone, Default)]
pub struct PlanPane {
    pub forecast: Option<Forecast>,
    pub items: Offset,
}

const ACTUAL: char = '█';
const PROJECTED: char = '▒';
const TODAY: char = '│';

impl View for PlanPane {
    fn keys(&self) -> Vec<&'static Binding> {
        Vec::new()
    }

    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("✓ ▶ ·", "phases: done, open now, to come"),
            ("█", "what happened: from the day a phase opened (to today, or to the next opening)"),
            ("▒", "projected: the earliest dates the soaks, windows, freezes and open items allow"),
            ("│ ▲", "today"),
            ("~", "a projected date; a date without it is from the journal"),
            ("+3 days", "how much sooner the rollout would end were that item met now"),
        ]
    }

    fn derive(&mut self, snap: &Snapshot, _servers: Option<&[usize]>) {
        self.forecast = forecast(&snap.live.data, &snap.live.state, snap.view, snap.now);
    }

    fn update(&mut self, action: Action, _snap: &Snapshot, page: usize) -> Effect {
        match action.rows(self.items.page(page)) {
            Some(rows) => {
                self.items.step(rows);
                Effect::Done
            }
            None => Effect::Ignored,
        }
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        let (Some(ro), Some(f)) = (snap.rollout(), self.forecast.as_ref()) else {
            frame.render_widget(Paragraph::new("No rollout in rollout.ron.").style(theme.dim), area);
            return;
        };
        let end = f.end.map_or("no date: an install window is frozen out".to_string(), |e| format!("~{}", day(e)));
        let title =
            format!(" Plan of {}: projected end {end} · today {} ", crate::safe::visible(&ro.id), day(snap.now));
        let title = fit(&title, usize::from(area.width)).trim_end().to_string() + " ";
        let block =
            Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let rows = f.phases.len() as u16 + 1;
        let [chart, items] = Layout::vertical([Constraint::Length(rows), Constraint::Min(2)]).areas(inner);
        let current = snap.view.rollout.as_ref().and_then(|v| v.current);
        draw_chart(frame, f, ro, current, snap.now, theme, chart);
        draw_items(self, frame, snap, f, theme, items);
    }
}

/// A date as the chart says it (UTC).
fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn short(t: DateTime<Utc>) -> String {
    t.format("%m-%d").to_string()
}

/// What a phase's row says in words: actual dates plain, projected ones with `~`.
fn dates(p: &PhasePlan, done: bool) -> String {
    let opened = match (p.opened, p.open) {
        (Some(o), _) => format!("opened {}", short(o)),
        (None, Some(o)) => format!("opens ~{}", short(o)),
        (None, None) => "opens: no date".to_string(),
    };
    let finish = match p.finish {
        Some(f) if done => format!("done {}", short(f)),
        Some(f) => format!("ends ~{}", short(f)),
        None => "ends: no date".to_string(),
    };
    format!("{opened} · {finish}")
}

fn draw_chart(
    frame: &mut Frame,
    f: &Forecast,
    ro: &crate::model::Rollout,
    current: Option<usize>,
    now: DateTime<Utc>,
    theme: &Theme,
    area: Rect,
) {
    let width = usize::from(area.width);
    // The bars get what the names and (on a wide screen) the dates leave.
    let label_width = (width / 4).clamp(10, 30);
    let dates_width = if width >= 100 { 30 } else { 0 };
    let bar_width = width.saturating_sub(label_width + dates_width).max(10);
    let from = f.phases.iter().filter_map(|p| p.open).min().unwrap_or(now).min(now);
    let to = f.end.or_else(|| f.phases.iter().filter_map(|p| p.finish).max()).unwrap_or(now).max(now);
    let span = (to - from).num_seconds().max(1);
    // The column of a moment, the last one for the end of the axis.
    let column = |t: DateTime<Utc>| {
        let seconds = (t - from).num_seconds().clamp(0, span);
        ((seconds as i128 * (bar_width as i128 - 1)) / i128::from(span)) as usize
    };
    let today = column(now);
    let mut lines = Vec::with_capacity(f.phases.len() + 1);
    for (i, p) in f.phases.iter().enumerate() {
        let done = current.is_some_and(|c| i < c);
        let (mark, style) = match current {
            Some(c) if i < c => ("✓", theme.ok),
            Some(c) if i == c => ("▶", theme.tab_active),
            _ => ("·", theme.dim),
        };
        let label = fit(
            &format!("{mark}{} {}", i + 1, crate::safe::visible(&ro.phases[i].name)),
            label_width.saturating_sub(1),
        ) + " ";
        let start = p.open.map_or(bar_width, column);
        let end = p.finish.map_or(bar_width - 1, column).max(start);
        // What happened runs from the opening to today (or to the next phase's opening).
        let actual_to = match (p.opened, p.finish) {
            (Some(_), Some(fin)) if done => column(fin),
            (Some(_), _) => today,
            _ => 0,
        };
        let mut spans = vec![Span::styled(label, style)];
        let mut run = String::new();
        let mut run_style = Style::default();
        for k in 0..bar_width {
            let (c, s) = if k >= start && k <= end {
                if p.opened.is_some() && k <= actual_to { (ACTUAL, style) } else { (PROJECTED, theme.dim) }
            } else if k == today {
                (TODAY, theme.key)
            } else {
                (' ', Style::default())
            };
            if s != run_style && !run.is_empty() {
                spans.push(Span::styled(std::mem::take(&mut run), run_style));
            }
            run_style = s;
            run.push(c);
        }
        spans.push(Span::styled(run, run_style));
        if dates_width > 0 {
            spans.push(Span::styled(format!(" {}", fit(&dates(p, done), dates_width - 1)), theme.dim));
        }
        lines.push(Line::from(spans));
    }
    // The axis: the first and last days at the ends, today under its column.
    let mut axis: Vec<char> = vec![' '; bar_width];
    let mut put = |at: usize, text: &str| {
        for (k, c) in text.chars().enumerate() {
            if let Some(slot) = axis.get_mut(at + k) {
                *slot = c;
            }
        }
    };
    let (first, last) = (short(from), short(to));
    put(0, &first);
    put(bar_width.saturating_sub(last.len()), &last);
    let mark = format!("▲{}", short(now));
    let at = today.min(bar_width.saturating_sub(mark.chars().count()));
    // Today's date only where it leaves the ends readable; the mark always.
    if at > first.len() && at + mark.chars().count() < bar_width.saturating_sub(last.len()) {
        put(at, &mark);
    } else {
        put(today, "▲");
    }
    lines.push(Line::from(vec![
        Span::raw(" ".repeat(label_width)),
        Span::styled(axis.into_iter().collect::<String>(), theme.dim),
    ]));
    frame.render_widget(Paragraph::new(lines), area);
}

fn item_line(item: &OpenItem, wide: bool, theme: &Theme) -> Line<'static> {
    let (cost, style) = match item.days {
        Some(0) => ("+0 days".to_string(), theme.dim),
        Some(1) => ("+1 day".to_string(), theme.warn),
        Some(n) => (format!("+{n} days"), theme.warn),
        None => ("no date".to_string(), theme.bad),
    };
    let mut text = format!("{}: {cost}", crate::safe::visible(&item.text));
    if let (true, Some(at)) = (wide, item.at) {
        text.push_str(&format!(" (met ~{} UTC)", at.format("%Y-%m-%d %H:%M")));
    }
    Line::styled(text, style)
}

fn draw_items(pane: &PlanPane, frame: &mut Frame, snap: &Snapshot, f: &Forecast, theme: &Theme, area: Rect) {
    let current = snap.view.rollout.as_ref().and_then(|v| v.current);
    let title = match current {
        Some(c) => format!(" Open items of phase {}, by the days they hold the end back ", c + 1),
        None => " Open items ".to_string(),
    };
    let title = fit(&title, usize::from(area.width)).trim_end().to_string() + " ";
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if f.items.is_empty() {
        let text = if current.is_some() { "nothing: the gates are met" } else { "no phase open yet" };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.ok)), inner);
        return;
    }
    let width = usize::from(inner.width).max(1);
    let wide = width >= 100;
    // Lines for the items a screen can show only: a large fleet's phase has thousands.
    let window = pane.items.window_by(f.items.len(), usize::from(inner.height), |k| {
        let line = item_line(&f.items[k], wide, theme);
        crate::ui::wrapped_rows(&line.spans.iter().map(|s| s.content.as_ref()).collect::<String>(), width)
    });
    let more = scroll::more_line(window.start, window.len(), f.items.len(), theme);
    let shown: Vec<Line> = f.items[window].iter().map(|i| item_line(i, wide, theme)).collect();
    frame.render_widget(Paragraph::new(shown).wrap(Wrap { trim: true }), inner);
    scroll::render_more(frame, inner, more);
}
