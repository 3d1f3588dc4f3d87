//! Popups: the `?` help (from the keymap) and record forms.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::{App, Field, Form, Page, Tab};

use super::theme::Theme;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(v);
    h
}

/// A page of text over the view (help, messages, a journal event), scrolled by `scroll`
/// rows, no further than its last page; the title says when there is more.
pub fn page(frame: &mut Frame, app: &App, theme: &Theme, page: Page, scroll: u16) {
    let width = frame.area().width.min(if page == Page::Help { 70 } else { 100 });
    let (name, lines) = match page {
        Page::Help => ("help", help(app, theme)),
        Page::Messages => ("messages", messages(app, theme, usize::from(width.saturating_sub(2)))),
        Page::Entry(p) => ("event", entry(app, theme, p, usize::from(width.saturating_sub(2)))),
        Page::People => ("people", people(app, theme)),
    };
    // Wrapped between words to the popup's width, so a narrow terminal cuts no word.
    let lines: Vec<Line> =
        lines.iter().flat_map(|l| super::table::wrap_line(l, usize::from(width.saturating_sub(2)))).collect();
    let area = centered(frame.area(), width, lines.len() as u16 + 2);
    let room = area.height.saturating_sub(2);
    let total = lines.len() as u16;
    // Scrolled no further than the last page; the title says when there is more.
    let scroll = scroll.min(total.saturating_sub(room));
    app.page_last.set(Some((page, total.saturating_sub(room))));
    let below = total.saturating_sub(scroll + room);
    let title = match super::scroll::more_text(usize::from(scroll), usize::from(below)) {
        None => format!(" {name} · esc closes "),
        Some(more) => format!(" {name} · esc closes · {more} "),
    };
    frame.render_widget(Clear, area);
    let room = usize::from(area.width.saturating_sub(2));
    let title = if title.chars().count() > room { super::fit(&title, room) } else { title };
    let block = Block::default().borders(Borders::ALL).border_style(theme.key).title(Span::styled(title, theme.title));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

/// Every event kind, in lines of at most 66 columns that break after a comma.
fn journal_kinds() -> Vec<String> {
    let mut lines = vec![String::from("   ")];
    let kinds = crate::model::Event::KINDS;
    for (n, kind) in kinds.iter().enumerate() {
        let word = if n + 1 < kinds.len() { format!(" {kind},") } else { format!(" {kind}") };
        if lines.last().is_some_and(|l| l.chars().count() + word.chars().count() > 66) {
            lines.push(String::from("   "));
        }
        if let Some(l) = lines.last_mut() {
            l.push_str(&word);
        }
    }
    lines
}

fn help(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::styled(format!("Keys on the {} view", app.tab.title()), theme.title)];
    let keys = crate::views::keymap(&app.panes, &app.keys, app.tab, app.read_only);
    // The keys' column is as wide as the widest key and a blank (the operator's own may be long).
    let w = keys.iter().map(|b| b.shown.chars().count() + 1).max().unwrap_or(0).max(7);
    for b in keys {
        lines.push(Line::from(vec![Span::styled(format!("  {:<w$}", b.shown), theme.key), Span::raw(b.help)]));
    }
    if app.read_only {
        lines.push(Line::styled("  read-only: recording keys are off", theme.warn));
    }
    lines.push(Line::default());
    // Only the filters that work on this view.
    let kinds = journal_kinds();
    let journal: Vec<&str> = [
        "  words matching an operator, an event kind or a server:",
        "    checkout BOS-IMS01    jsmith    backup",
        "  words matching a mark: unsigned (?), failed (✗), unproven (either)",
        "  event kinds:",
    ]
    .into_iter()
    .chain(kinds.iter().map(String::as_str))
    .collect();
    let filter_help: &[&str] = match app.tab {
        Tab::Journal => &journal,
        Tab::Fleet => &[
            "  a word naming a role, site, environment or status means it:",
            "    BOS  mailbox  remote  lab  overdue due ready failed violation",
            "  other words search names, roles, sites and phase names",
            "  exact fields: role:mailbox site:bos env:lab status:due name:ims",
            "  behind>=2  priority=1  tier=high  without=high",
        ],
        Tab::Server | Tab::Rollout | Tab::Risk | Tab::Agenda | Tab::Plan => &[],
    };
    // Only a view with a `/` filter lists its words.
    if !filter_help.is_empty() && app.panes.get(app.tab).filter().is_some() {
        lines.push(Line::styled("Filter words (all must match)", theme.title));
        for l in filter_help {
            lines.push(Line::raw(l.to_string()));
        }
    }
    let legend = app.panes.get(app.tab).legend();
    if !legend.is_empty() {
        lines.push(Line::default());
        lines.push(Line::styled("Symbols and columns", theme.title));
        let w = legend.iter().map(|(short, _)| short.chars().count() + 1).max().unwrap_or(0).max(7);
        for (short, long) in legend {
            lines.push(Line::from(vec![Span::styled(format!("  {short:<w$}"), theme.key), Span::raw(*long)]));
        }
    }
    lines
}

/// The notices of this session, oldest first, each whole.
fn messages(app: &App, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    if app.messages.is_empty() {
        return vec![Line::styled("no messages yet", theme.dim)];
    }
    let mut lines = Vec::new();
    for (at, n) in &app.messages {
        // Wrapped inside the time's indent, so the page's own wrapping never splits it again.
        for (i, l) in wrap_words(&n.text, width.saturating_sub(6).max(10)).into_iter().enumerate() {
            let l = if i == 0 { format!("{} {l}", at.format("%H:%M")) } else { format!("      {l}") };
            lines.push(Line::styled(l, if n.ok { theme.base } else { theme.bad }));
        }
    }
    lines
}

/// Who is here and where each is looking; a number follows that person.
fn people(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let me = app.people.iter().find(|p| Some(&p.session) == app.session.as_ref());
    let mine = me.map_or_else(
        || format!("{} (not in the list: --no-presence, or the store refused it: m says why)", app.operator.name),
        |p| format!("{} · {}", p.operator, p.looking_at),
    );
    lines.push(Line::from(vec![Span::styled("you  ", theme.dim), Span::raw(mine)]));
    let others = app.others();
    if others.is_empty() {
        lines.push(Line::styled("nobody else is here", theme.dim));
    }
    for (n, p) in others.iter().enumerate() {
        let mut marks = p.marks();
        if app.following.as_ref() == Some(&p.operator) {
            marks.push("◀ you follow".to_string());
        }
        let from = p.from.as_deref().map(|f| format!(" ({f})")).unwrap_or_default();
        let key = if n < 9 { format!("{}", n + 1) } else { " ".to_string() };
        lines.push(Line::from(vec![
            Span::styled(format!("{key}    "), theme.key),
            Span::styled(format!("{}{from}", p.operator), theme.title),
            Span::raw(format!(" · {}", p.looking_at)),
            Span::styled(
                if marks.is_empty() { String::new() } else { format!(" · {}", marks.join(" · ")) },
                theme.warn,
            ),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::styled("1-9 follows that person · f follows the presenter · P presents · esc closes", theme.dim));
    lines
}

/// One journal event, every field whole: what the Journal view's row cuts short.
fn entry(app: &App, theme: &Theme, p: usize, width: usize) -> Vec<Line<'static>> {
    let Some(Some(e)) = app.entries(&[p]).pop() else {
        return vec![Line::styled(format!("event #{} cannot be read from the journal (changed?)", p + 1), theme.bad)];
    };
    let field = |name: &str, value: String| -> Vec<Line<'static>> {
        wrap_words(&value, width.saturating_sub(12).max(10))
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let label = if i == 0 { format!("{name:<11} ") } else { " ".repeat(12) };
                Line::from(vec![Span::styled(label, theme.dim), Span::raw(v)])
            })
            .collect()
    };
    let mut lines = Vec::new();
    lines.extend(field("event", format!("#{} {}", e.seq, e.event.kind())));
    lines.extend(field("what", crate::describe::event(&e.event)));
    lines.extend(field("when", e.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()));
    lines.extend(field("by", crate::safe::visible(&e.by).into_owned()));
    if let Some(from) = &e.from {
        lines.extend(field("from", crate::safe::visible(from).into_owned()));
    }
    for (name, text) in e.event.texts() {
        let name = name.trim_start_matches("the ").trim_start_matches("what ");
        lines.extend(field(name, crate::safe::visible(text).into_owned()));
    }
    if let Some((words, mark)) = app.signature(&e) {
        let mark = mark.map_or(String::new(), |m| format!("{} ", m.symbol()));
        lines.extend(field("signature", format!("{mark}{}", crate::safe::visible(&words))));
    }
    lines.extend(field("sum", e.sum.clone()));
    lines.extend(field("prev", e.prev.clone()));
    if app.live.data.journal.lines.get(p).and_then(|l| l.server()).is_some() {
        lines.push(Line::default());
        lines.push(Line::styled("enter opens its server", theme.dim));
    }
    lines
}

/// The words of `text`, a code span in backticks ("(`ssh -A`)") kept as one where it fits
/// `width`, so a line never breaks inside it.
fn tokens(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut open = false;
    for word in text.split(' ') {
        let joined = out.last().map_or(0, |l| l.chars().count()) + 1 + word.chars().count();
        match out.last_mut() {
            Some(last) if open && joined <= width => {
                last.push(' ');
                last.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
        if word.matches('`').count() % 2 == 1 {
            open = !open;
        }
    }
    out
}

/// `text` in lines of at most `width` characters, broken between words.
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new()];
    for word in tokens(text, width) {
        let word = word.as_str();
        let last = out.last_mut().map_or(0, |l| l.chars().count());
        if last > 0 && last + 1 + word.chars().count() > width {
            out.push(String::new());
        }
        if let Some(l) = out.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    out
}

/// A form's problem wrapped between words in `room` columns, three lines at most: the last
/// of a longer one ends with where to read it whole (esc closes the form, `m` the messages).
fn problem_lines(form: &Form, room: usize) -> Vec<String> {
    let Some(p) = &form.problem else { return Vec::new() };
    let mut lines = wrap_words(&format!("✗ {p}"), room.max(10));
    if lines.len() > 3 {
        let rest = lines[2..].join(" ");
        lines.truncate(2);
        lines.push(super::cut_noting(&rest, room, "esc, m: whole"));
    }
    lines
}

pub fn form(frame: &mut Frame, form: &Form, theme: &Theme) {
    // Context lines are cut to the popup's width, so its height is exactly its line count.
    let width = frame.area().width.min(72);
    let room = usize::from(width.saturating_sub(2));
    // The fields, the problem, the summary and the key hints always show: the context gets what
    // is left of the screen, and a long list scrolls inside it (PgUp/PgDn) with a count.
    let summary_rows = form.confirm.as_deref().map_or(0, |s| wrap_words(s, room).len() + 1);
    let fixed = form.fields.len() + 2 + problem_lines(form, room).len() + summary_rows + 3;
    let for_context = usize::from(frame.area().height).saturating_sub(fixed).max(1);
    let total = form.context.len();
    let start = form.scroll.min(total.saturating_sub(1));
    let shown = if total - start > for_context { for_context.saturating_sub(1) } else { total - start };
    let mut lines: Vec<Line> = form.context[start..start + shown]
        .iter()
        .map(|c| Line::styled(super::fit(c, room), if c.starts_with("OVERRIDE") { theme.bad } else { theme.base }))
        .collect();
    if start + shown < total || start > 0 {
        let more = total - start - shown;
        lines.push(Line::styled(
            format!("… lines {}-{} of {total}; {more} more ↓ (PgUp/PgDn)", start + 1, start + shown),
            theme.dim,
        ));
    }
    if !lines.is_empty() {
        lines.push(Line::default());
    }
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label = Span::styled(
            format!("{}{:>16}: ", if focused { "▶" } else { " " }, f.label()),
            if focused { theme.key } else { theme.dim },
        );
        let value = match f {
            Field::Fixed { value, .. } => Span::raw(value.clone()),
            Field::Choice { options, selected, .. } => {
                let text = options
                    .iter()
                    .enumerate()
                    .map(|(k, o)| if k == *selected { format!("[{o}]") } else { format!(" {o} ") })
                    .collect::<Vec<_>>()
                    .join("");
                Span::raw(text)
            }
            Field::Text { input, required, .. } => {
                let mut v = input.value().to_string();
                if focused {
                    v.push('█');
                } else if v.is_empty() && *required {
                    v = "(required)".into();
                }
                // A long value shows its end (where the cursor is), marked as cut at the start.
                let room = room.saturating_sub(19);
                let n = v.chars().count();
                if n > room {
                    v = std::iter::once('…').chain(v.chars().skip(n + 1 - room)).collect();
                }
                Span::raw(v)
            }
        };
        lines.push(Line::from(vec![label, value]));
    }
    // Why it was refused, whole over up to three lines; longer, cut with where to read it all.
    for part in problem_lines(form, room) {
        lines.push(Line::styled(part, theme.bad));
    }
    lines.push(Line::default());
    match &form.confirm {
        Some(summary) => {
            // Whole, over as many lines as it takes: this is what the second key records.
            for part in wrap_words(summary, room) {
                lines.push(Line::styled(part, theme.bad));
            }
            lines.push(Line::styled("y record it · any other key: back to the fields", theme.key));
        }
        None => {
            // The hint says what the keys do on the field under the cursor, and where a
            // choice is, that tab reaches it.
            let on_choice = matches!(form.fields.get(form.focus), Some(Field::Choice { .. }));
            let has_choice = form.fields.iter().any(|f| matches!(f, Field::Choice { .. }));
            let hint = match (on_choice, has_choice) {
                (true, _) => "←/→ choose · tab next field · enter save · esc cancel",
                (false, true) => "type · tab/shift-tab to the choice above · enter save · esc cancel",
                (false, false) => "type · enter save · esc cancel",
            };
            lines.push(Line::styled(hint, theme.dim));
        }
    }
    let area = centered(frame.area(), width, lines.len() as u16 + 2);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.key)
        .title(Span::styled(format!(" {} ", form.title), theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
