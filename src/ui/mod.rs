//! Drawing: pure functions of `&App`: the header, tabs, notice and footer around the current
//! view (which draws itself, `crate::views`), and the popups. Theme and table live here.

mod ascii;
mod popup;
pub mod scroll;
pub mod table;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Overlay, Tab};

pub use table::fit;
pub use theme::Theme;

/// Below this the screen says so instead of drawing a garbled dashboard.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// Rows of the body for a terminal of `height` rows (header 2, footer 2).
pub fn body_height(height: u16) -> usize {
    usize::from(height.saturating_sub(4))
}

/// Rows `text` takes when word-wrapped to `width` (as the paragraph wraps it, trimmed).
pub fn wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut col = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let n = word.chars().count();
        let need = if col == 0 { n } else { col + 1 + n };
        if need <= width {
            col = need;
        } else {
            rows += usize::from(col > 0) + (n.saturating_sub(1)) / width;
            col = if n % width == 0 { width } else { n % width };
        }
    }
    rows
}

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "sprout needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {}x{}.\nEnlarge it (no key works until then; q quits), or use `sprout status` for text.",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        if theme.ascii {
            ascii::frame(frame.buffer_mut());
        }
        return;
    }
    // A notice longer than the line opens whole, wrapped over up to five lines: never cut.
    let notice_rows = notice_lines(app, usize::from(area.width)).min(5) as u16;
    let [header, tabs, body, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(notice_rows.max(1)),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, theme, header);
    draw_tabs(frame, app, theme, tabs);
    let body = draw_requests(frame, app, theme, body);
    app.panes.get(app.tab).draw(frame, &app.snapshot(), theme, body);
    draw_notice(frame, app, theme, notice);
    draw_footer(frame, app, theme, footer);
    match &app.overlay {
        Some(Overlay::Page { page, scroll }) => popup::page(frame, app, theme, *page, *scroll),
        Some(Overlay::Form(form)) => popup::form(frame, form, theme),
        _ => {}
    }
    // The one boundary: nothing drawn from the data reaches the terminal raw.
    crate::safe::frame(frame.buffer_mut());
    if theme.ascii {
        ascii::frame(frame.buffer_mut());
    }
}

fn draw_header(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let rollout = app.rollout();
    let phase = match (rollout, app.view.rollout.as_ref().and_then(|v| v.current)) {
        (Some(r), Some(c)) => format!("phase {}/{} {}", c + 1, r.phases.len(), r.phases[c].name),
        (Some(_), None) => "no phase open".to_string(),
        _ => String::new(),
    };
    let clock = app.now.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut left = format!(" sprout │ {} │ {phase}", rollout.map_or("no rollout", |r| r.title.as_str()));
    // `check`'s problems are counted in the background; the header says so until they are fixed.
    let problems = match app.problems {
        Some(0) | None => String::new(),
        Some(n) if area.width < 100 => format!("⚠ {n} problem{} │ ", if n == 1 { "" } else { "s" }),
        Some(n) => format!("⚠ check: {n} problem{} │ ", if n == 1 { "" } else { "s" }),
    };
    // Events whose signature fails, once the worker has judged them: someone must look.
    let failing = match app.failing {
        Some(0) | None => String::new(),
        Some(1) => "✗ 1 signature fails │ ".to_string(),
        Some(n) => format!("✗ {n} signatures fail │ "),
    };
    let right = format!("{failing}{problems}{}{} ", if app.read_only { "READ-ONLY │ " } else { "" }, clock);
    // Two blanks always stand between the title and the clock: the title is cut first.
    let room = usize::from(area.width).saturating_sub(right.chars().count() + 2);
    // A narrow terminal drops the program's name before the rollout's.
    if left.chars().count() > room {
        left = left.replacen(" sprout │", "", 1);
    }
    frame.render_widget(Paragraph::new(format!("{}  {right}", fit(&left, room))).style(theme.header), area);
}

/// A pending override request shows on every view until confirmed or withdrawn: one line
/// above the view (the first request, and how many more), the rest of `area` left for the view.
fn draw_requests(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) -> Rect {
    let (Some(v), Some(ro)) = (app.view.rollout.as_ref(), app.rollout()) else { return area };
    let requests = &app.live.state.progress[v.rollout].requests;
    let Some(first) = requests.first() else { return area };
    let [banner, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let more = match requests.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    // Short enough for 80 columns: the Rollout view and its confirm form say the rest.
    let what = match &first.asked {
        crate::model::Asked::Open { phase, .. } => match ro.phase_index(phase) {
            Some(p) => format!("open phase {} ({phase})", p + 1),
            None => format!("open phase {phase}"),
        },
        crate::model::Asked::Priority { server, priority, .. } => format!("{server} to priority {priority}"),
    };
    // Who can confirm it: the approvers other than who asked and who already confirmed.
    let can = app.live.data.team.as_ref().map_or(String::new(), |t| {
        let names = crate::rules::approval::can_confirm(t, first);
        if names.is_empty() { String::new() } else { format!("; approvers: {}", names.join(", ")) }
    });
    // The keys first: at 80 columns the end of the line may be cut (6 lists the approvers too).
    let text = format!(
        "⚑ OVERRIDE ASKED #{} (3 then y/w) by {}: {what}; {}/{} confirmed{can}{more}",
        first.seq,
        first.by,
        first.confirmed.len(),
        first.needed
    );
    frame.render_widget(Paragraph::new(fit(&text, usize::from(banner.width))).style(theme.warn), banner);
    rest
}

/// Where a click landed: a tab of the tab bar, or a row of the view (from its top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Tab(Tab),
    Body(u16),
    Nothing,
}

/// What is drawn at (`col`, `row`) on a `width` x `height` screen, as `draw` lays it out.
pub fn hit(app: &App, col: u16, row: u16, width: u16, height: u16) -> Hit {
    if width < MIN_WIDTH || height < MIN_HEIGHT || app.overlay.is_some() {
        return Hit::Nothing;
    }
    if row == 1 {
        let mut x = 0u16;
        for &t in Tab::ALL {
            let w = tab_label(t, width).chars().count() as u16;
            if (x..x + w).contains(&col) {
                return Hit::Tab(t);
            }
            x += w + 1;
        }
        return Hit::Nothing;
    }
    let top = 2 + u16::from(has_requests(app));
    let notice = notice_lines(app, usize::from(width)).min(5) as u16;
    let bottom = height.saturating_sub(1 + notice.max(1));
    if row >= top && row < bottom { Hit::Body(row - top) } else { Hit::Nothing }
}

/// A tab's label: padded on a screen with room for every tab so, tight on a narrow one.
fn tab_label(t: Tab, width: u16) -> String {
    let padded: usize = Tab::ALL.iter().map(|t| t.title().chars().count() + 5).sum();
    if padded <= usize::from(width) * 4 / 5 {
        format!(" {} {} ", t.number(), t.title())
    } else {
        format!("{} {}", t.number(), t.title())
    }
}

fn has_requests(app: &App) -> bool {
    app.view.rollout.as_ref().is_some_and(|v| !app.live.state.progress[v.rollout].requests.is_empty())
}

fn draw_tabs(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = Vec::new();
    for &t in Tab::ALL {
        let style = if t == app.tab { theme.tab_active } else { theme.tab };
        spans.push(Span::styled(tab_label(t, area.width), style));
        spans.push(Span::raw(" "));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    // In a review meeting: whom this dashboard follows, whether it presents, how many are here.
    let mut meeting = String::new();
    if let Some(m) = &app.live.state.meeting {
        meeting.push_str(&format!("● meeting #{} │ ", m.seq));
    }
    if let Some(name) = &app.following {
        meeting.push_str(&format!("▶ following {name} │ "));
    }
    if app.presenting {
        meeting.push_str("● presenting │ ");
    }
    match app.others().len() {
        0 => {}
        n => meeting.push_str(&format!("{} here │ ", n + 1)),
    }
    let room = usize::from(area.width).saturating_sub(used + 1);
    if room > 8 {
        let who = who_line(&meeting, &app.operator.name, &app.place, room);
        spans.push(Span::raw(" ".repeat(room - who.chars().count())));
        spans.push(Span::styled(who, if app.following.is_some() { theme.warn } else { theme.dim }));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The header's right end in `room` columns: the meeting, who you are, where the data is.
/// Whom you follow and who you are matter more than the place, so a long place gives way
/// first, from its start: its end (the directory's own name, the database's) is what tells two
/// places apart.
fn who_line(meeting: &str, operator: &str, place: &str, room: usize) -> String {
    let who = format!("{meeting}{operator} │ {place}");
    let n = who.chars().count();
    if n <= room {
        return who;
    }
    let head = n - place.chars().count();
    let keep = room.saturating_sub(head + 1);
    if keep >= 8 {
        let end: String = place.chars().skip(place.chars().count() - keep).collect();
        // From a separator, when one is near: "…/east" rather than "…ta/east".
        let end = match end.find('/') {
            Some(at) if end[at..].chars().count() >= 8 => &end[at..],
            _ => &end,
        };
        return format!("{meeting}{operator} │ …{end}");
    }
    fit(&who, room)
}

/// Rows the notice takes at `width`, with the active filter's line below it.
fn notice_lines(app: &App, width: usize) -> usize {
    match (&app.overlay, shown_notice(app)) {
        (None, Some((text, _))) => wrapped_rows(text, width) + usize::from(active_filter(app).is_some()),
        _ => 1,
    }
}

/// The notice to show whole, and whether it is good news: the alarm of content changed behind
/// the files' identities over any routine notice, until it is read in `:messages`.
fn shown_notice(app: &App) -> Option<(&str, bool)> {
    match (&app.alarm, &app.notice) {
        (Some(alarm), n) if n.as_ref().is_none_or(|n| n.ok) => Some((alarm.as_str(), false)),
        (_, n) => n.as_ref().map(|n| (n.text.as_str(), n.ok)),
    }
}

fn active_filter(app: &App) -> Option<&str> {
    app.panes.get(app.tab).filter().filter(|f| !f.is_empty())
}

fn draw_notice(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    if let (None, Some((text, ok))) = (&app.overlay, shown_notice(app)) {
        let mut lines = vec![Line::styled(text.to_string(), if ok { theme.ok } else { theme.bad })];
        if let Some(filter) = active_filter(app) {
            lines.push(Line::from(vec![
                Span::styled("filter: ", theme.dim),
                Span::styled(filter.to_string(), theme.key),
                Span::styled("  (esc clears)", theme.dim),
            ]));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        return;
    }
    let line = match &app.overlay {
        Some(Overlay::Filter(input)) => Line::from(vec![
            Span::styled("/", theme.key),
            Span::raw(input.value()),
            Span::styled("█", theme.dim),
            Span::styled("  enter keep · esc clear", theme.dim),
        ]),
        Some(Overlay::Command(line)) => {
            let hint = match line.offered.as_slice() {
                [] => "  tab completes · ↑↓ history · :fleet :server NAME :rollout ID :copy :who :q".to_string(),
                offered => {
                    let shown: Vec<&str> = offered.iter().take(8).map(String::as_str).collect();
                    let more = offered.len().saturating_sub(shown.len());
                    let more = if more > 0 { format!(" (+{more} more)") } else { String::new() };
                    format!("  {}{more}", shown.join(" "))
                }
            };
            Line::from(vec![
                Span::styled(":", theme.key),
                Span::raw(line.input.value().to_string()),
                Span::styled("█", theme.dim),
                Span::styled(hint, theme.dim),
            ])
        }
        // Content changed behind the files' identities: over any routine notice until read in
        // `:messages`.
        _ if app.alarm.is_some() && app.notice.as_ref().is_none_or(|n| n.ok) => {
            let alarm = app.alarm.as_deref().unwrap_or_default();
            Line::styled(cut_noting(alarm, usize::from(area.width), "m: whole"), theme.bad)
        }
        _ => match (&app.notice, app.warnings.first().cloned().or_else(|| app.signing_problem())) {
            (Some(n), _) => {
                // Over a popup the notice has one line: a cut one says where it shows whole.
                let whole = if matches!(app.overlay, Some(Overlay::Form(_))) { "esc, m: whole" } else { "m: whole" };
                Line::styled(
                    cut_noting(&n.text, usize::from(area.width), whole),
                    if n.ok { theme.ok } else { theme.bad },
                )
            }
            (None, Some(w)) => Line::styled(w, theme.warn),
            (None, None) => match app.panes.get(app.tab).filter() {
                Some(filter) if !filter.is_empty() => Line::from(vec![
                    Span::styled("filter: ", theme.dim),
                    Span::styled(filter.to_string(), theme.key),
                    Span::styled("  (esc clears)", theme.dim),
                ]),
                _ => Line::default(),
            },
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `text` as is when it fits `width`, else cut and ended with "… (`whole`)": where to read it
/// whole (the `m` messages view keeps every notice).
pub fn cut_noting(text: &str, width: usize, whole: &str) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let hint = format!("… ({whole})");
    let keep = width.saturating_sub(hint.chars().count());
    text.chars().take(keep).collect::<String>().trim_end().to_string() + &hint
}

/// Footer hints come from the keymap, so they cannot drift from the keys.
fn draw_footer(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    // Whole hints only, in keymap order, as many as fit: `?` (first) lists the rest.
    let mut spans = Vec::new();
    let mut room = usize::from(area.width);
    for b in
        crate::views::keymap(&app.panes, &app.keys, app.tab, app.read_only).into_iter().filter(|b| !b.hint.is_empty())
    {
        let hint = format!(" {}  ", b.hint);
        let need = b.shown.chars().count() + hint.trim_end().chars().count();
        if need > room {
            continue;
        }
        room = room.saturating_sub(need + 2);
        spans.push(Span::styled(b.shown, theme.key));
        spans.push(Span::styled(hint, theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod tests {
    use super::who_line;

    #[test]
    fn a_long_place_gives_way_from_its_start_so_its_name_shows() {
        let place = "postgres://alice@db.example.org:5432/sprout_fleet_east";
        let who = who_line("", "alice", place, 30);
        assert_eq!(who, "alice │ …/sprout_fleet_east");
        assert!(who.chars().count() <= 30);
        assert_eq!(who_line("● meeting #4 │ ", "bob", "/srv/data", 40), "● meeting #4 │ bob │ /srv/data");
        // With no room for a useful end of the place, the line is cut at its end as before.
        assert_eq!(who_line("▶ following alice │ ", "bob", "/srv/sprout/east", 26), "▶ following alice │ bob │…");
    }
}
