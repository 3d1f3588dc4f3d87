//! The journal view: every event, newest first, filterable; events new since the last look marked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::app::action::{self, Action, Binding};
use crate::live::Loaded;
use crate::live::signing::Mark;
use crate::model::Event;
use crate::ui::scroll::{self, Scroll};
use crate::ui::table::{self, fit};
use crate::ui::theme::Theme;

use super::{Effect, Names, Snapshot, View};

#[derive(Debug, Clone, Default)]
pub struct JournalPane {
    pub filter: String,
    /// Journal positions matching the filter, oldest first (derived); `None`: every event.
    matches: Option<Vec<u32>>,
    pub scroll: Scroll,
}

impl JournalPane {
    /// Events listed (all, or those matching the filter).
    pub fn len(&self, live: &Loaded) -> usize {
        self.matches.as_ref().map_or(live.data.journal.len(), Vec::len)
    }

    pub fn is_empty(&self, live: &Loaded) -> bool {
        self.len(live) == 0
    }

    /// The journal position of the `n`-th event listed, newest first.
    pub fn shown(&self, live: &Loaded, n: usize) -> Option<usize> {
        let k = self.len(live).checked_sub(n + 1)?;
        Some(self.matches.as_ref().map_or(k, |m| m[k] as usize))
    }

    fn rebuild(&mut self, snap: &Snapshot) {
        // The mark words ask for each event's mark: judged once, when this filter is set.
        let (marks, words): (Vec<&str>, Vec<&str>) =
            self.filter.split_whitespace().partition(|w| MARK_WORDS.contains(&w.to_lowercase().as_str()));
        self.matches = journal_filter(snap.live, snap.names, &words.join(" "));
        if !marks.is_empty() {
            let all = || (0..snap.live.data.journal.len() as u32).collect();
            let positions: Vec<u32> = self.matches.take().unwrap_or_else(all);
            let wanted = |m: Option<Mark>| {
                marks.iter().all(|w| match w.to_lowercase().as_str() {
                    "unsigned" => m == Some(Mark::Unproven),
                    "failed" => m == Some(Mark::Failed),
                    _ => matches!(m, Some(Mark::Unproven | Mark::Failed)),
                })
            };
            let mut kept = Vec::new();
            for chunk in positions.chunks(4096) {
                let at: Vec<usize> = chunk.iter().map(|&p| p as usize).collect();
                let entries = snap.entries(&at);
                let found = snap.marks(&at, &entries);
                kept.extend(chunk.iter().zip(found).filter(|(_, m)| wanted(*m)).map(|(&p, _)| p));
            }
            self.matches = Some(kept);
        }
        self.scroll.clamp(self.len(snap.live));
    }
}

const KEYS: &[Binding] = &[OPEN, action::JOURNAL_FILTER];

/// Filter words that match an event's mark: `?` (unsigned), `✗` (failed), either (unproven).
pub const MARK_WORDS: [&str; 3] = ["unsigned", "unproven", "failed"];

/// What an empty match says: the words the Journal's filter understands.
pub const FILTER_WORDS: &str = "  none match: words are operators, kinds, servers, unsigned, failed, unproven";

const VERIFIED: (&str, &str) =
    ("✓", "signed by a key listed for its operator (where signatures are on): no mark means not proven");
const UNPROVEN: (&str, &str) = ("?", "unsigned where signatures are required or its operator has a key: not proven");
const FAILED: (&str, &str) = ("✗", "its signature fails: bad, a key not trusted then, or revoked (sprout verify)");

/// The marks of events proven, or not proven, by their operator's key (`live::signing::Mark`).
pub const SIGNATURE_LEGEND: &[(&str, &str)] = &[VERIFIED, UNPROVEN, FAILED];

/// A derived fact's mark (`live::rests`).
pub const RESTS: (&str, &str) =
    ("?✗ #n", "a fact (a gate, a level, an install) rests on event #n, which no key proves: it still counts");

/// The Server view's: its history lines carry an event's own mark, its levels and gates a fact's.
pub const SERVER_LEGEND: &[(&str, &str)] = &[
    ("✓", "on a history line: signed by a key listed for its operator (on a level: current)"),
    UNPROVEN,
    FAILED,
    RESTS,
];

/// The marks of events and of the facts that rest on them.
pub const FACT_LEGEND: &[(&str, &str)] = &[UNPROVEN, FAILED, RESTS];

const LEGEND: &[(&str, &str)] = &[
    ("●", "an event you have not seen yet (another operator's)"),
    VERIFIED,
    UNPROVEN,
    FAILED,
    ("#n", "the event's sequence number"),
];

const OPEN: Binding = action::binding(
    &[(ratatui::crossterm::event::KeyCode::Enter, ratatui::crossterm::event::KeyModifiers::NONE)],
    "enter",
    Action::Open,
    "the event whole (enter again: its server)",
    action::Group::Open,
    "event",
);

impl View for JournalPane {
    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        LEGEND
    }

    fn keys(&self) -> Vec<&'static Binding> {
        KEYS.iter().collect()
    }

    fn derive(&mut self, snap: &Snapshot, servers: Option<&[usize]>) {
        // Events about servers add to the end; an unfiltered list needs nothing derived.
        if servers.is_none() || !self.filter.is_empty() {
            self.rebuild(snap);
        }
    }

    fn click(&mut self, row: u16, snap: &Snapshot) -> Effect {
        // Below the block's top border.
        let Some(n) = usize::from(row).checked_sub(1).map(|n| n + self.scroll.offset()) else {
            return Effect::Done;
        };
        if n < self.len(snap.live) {
            self.scroll.cursor = n;
        }
        Effect::Done
    }

    fn update(&mut self, action: Action, snap: &Snapshot, page: usize) -> Effect {
        if let Some(rows) = action.rows(page) {
            self.scroll.step(rows, self.len(snap.live));
            return Effect::Done;
        }
        match action {
            Action::Open => return self.shown(snap.live, self.scroll.cursor).map_or(Effect::Done, Effect::OpenEntry),
            Action::Back if !self.filter.is_empty() => self.set_filter(String::new(), snap),
            _ => return Effect::Ignored,
        }
        Effect::Done
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, filter: String, snap: &Snapshot) {
        self.filter = filter;
        self.rebuild(snap);
    }

    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
        draw(self, frame, snap, theme, area);
    }
}

fn draw(pane: &JournalPane, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect) {
    let listed = pane.len(snap.live);
    let title = format!(" Journal: {listed} of {} events, newest first ", snap.live.data.journal.len());
    let block =
        Block::default().borders(Borders::TOP).border_style(theme.border).title(Span::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let height = scroll::list_rows(listed, usize::from(inner.height));
    let window = pane.scroll.window(listed, height);
    let first = window.start;
    let more = scroll::more_line(first, window.len(), listed, theme);
    let width = usize::from(inner.width);
    // The sequence column fits the largest number in the journal (a million events: 7 digits).
    let digits = snap.live.data.journal.len().max(1).ilog10() as usize + 1;
    let digits = digits.max(4);
    let mut rows = Vec::new();
    let shown: Vec<usize> = window.filter_map(|n| pane.shown(snap.live, n)).collect();
    let entries = snap.entries(&shown);
    let marks = snap.marks(&shown, &entries);
    for ((&p, e), mark) in shown.iter().zip(entries).zip(marks) {
        let Some(e) = e else {
            rows.push(Line::styled(format!("  #{}: cannot be read from journal.ron (changed?)", p + 1), theme.warn));
            continue;
        };
        let new = p >= snap.seen_events;
        rows.push(Line::from(vec![
            Span::styled(if new { "●" } else { " " }, theme.new),
            match mark {
                Some(Mark::Failed) => Span::styled(Mark::Failed.symbol(), theme.bad),
                Some(Mark::Verified) => Span::styled(Mark::Verified.symbol(), theme.ok),
                Some(m) => Span::styled(m.symbol(), theme.warn),
                None => Span::raw(" "),
            },
            Span::styled(format!("#{:<digits$} ", e.seq), theme.dim),
            Span::raw(format!("{} ", e.at.format("%Y-%m-%d %H:%M"))),
            Span::styled(table::cell(&crate::safe::visible(&e.by), 10), theme.key),
            Span::styled(table::cell(e.event.kind(), 9), theme.dim),
            // What is left after the marker (2), `#seq ` (digits + 2), the time (17), who (10), kind (9).
            Span::raw(fit(&crate::describe::event(&e.event), width.saturating_sub(40 + digits))),
        ]));
    }
    let cursor = pane.scroll.cursor.checked_sub(first);
    table::render(
        frame,
        inner,
        theme,
        None,
        rows,
        cursor,
        Line::styled(if pane.filter.trim().is_empty() { "  no events" } else { FILTER_WORDS }, theme.dim),
        more,
    );
}

/// Journal positions whose operator, kind or server matches every word of `filter`
/// (case-insensitive); `None` when the filter is empty. Works on the in-memory index only:
/// each word is matched once against the kinds, operators and server names, then the index
/// is scanned in two halves on two threads.
pub fn journal_filter(live: &Loaded, names: &Names, filter: &str) -> Option<Vec<u32>> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return None;
    }
    let index = &live.data.journal;
    // Per word: which kinds, operators and servers it matches.
    let sets: Vec<(u64, Vec<bool>, Vec<bool>)> = words
        .iter()
        .map(|w| {
            let kinds =
                Event::KINDS.iter().enumerate().filter(|(_, k)| k.contains(w.as_str())).fold(0, |m, (i, _)| m | 1 << i);
            let ops = index.operators.iter().map(|o| contains_folded(o, w)).collect();
            (kinds, ops, names.hits(w))
        })
        .collect();
    let scan = |from: usize, lines: &[crate::model::LineRef]| -> Vec<u32> {
        let hit = |l: &crate::model::LineRef| {
            sets.iter().all(|(kinds, ops, servers)| {
                kinds & (1u64 << l.kind.min(63)) != 0
                    || ops.get(usize::from(l.by)).copied().unwrap_or(false)
                    || l.server().is_some_and(|s| servers.get(s).copied().unwrap_or(false))
            })
        };
        (from..).zip(lines).filter(|(_, l)| hit(l)).map(|(p, _)| p as u32).collect()
    };
    Some(crate::parallel::halves(&index.lines, scan).into_iter().flatten().collect())
}

/// `hay` contains `needle` (already lower-case), ignoring ASCII case, without allocating.
fn contains_folded(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}
