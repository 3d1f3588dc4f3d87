//! The journal view: every event, newest first, filterable; events new since the last look marked.

mod judging;
mod keys;

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use crate::app::action::{self, Action, Binding};
use crate::live::Loaded;
use crate::live::signing::Mark;
use crate::ui::scroll::{self, Scroll};
use crate::ui::table::{self, fit};
use crate::ui::theme::Theme;

use super::{Effect, Names, Snapshot, View};
use judging::{Job, Judging, Words};
pub use judging::{MARK_WORDS, ON_WORKER};

#[derive(Debug, Clone)]
pub struct JournalPane {
    pub filter: String,
    /// Journal positions matching the filter, oldest first (derived); `None`: every event.
    matches: Option<Vec<u32>>,
    /// The words (no mark words) and the journal (epoch, length) `matches` holds the events
    /// of: a filter that only narrows them looks at those events, not the whole journal.
    matched_for: Option<(Vec<String>, (u64, usize))>,
    pub scroll: Scroll,
    /// The filter being matched on a worker (marks to judge, or a long journal to scan).
    judging: Option<Judging>,
    /// Journals longer than this are scanned on the worker (`ON_WORKER`; tests lower it).
    pub on_worker: usize,
    /// Rung by the filter's worker when its lines are ready.
    pub doorbell: crate::views::Doorbell,
    /// Each event's kind, operator and server, derived ahead while the Journal is shown.
    keys: keys::Ahead,
}

impl Default for JournalPane {
    fn default() -> Self {
        JournalPane {
            filter: String::new(),
            matches: None,
            matched_for: None,
            scroll: Scroll::default(),
            judging: None,
            on_worker: ON_WORKER,
            doorbell: Default::default(),
            keys: Default::default(),
        }
    }
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

    /// Match the filter: at once when that is cheap (a short journal, no mark words), else on
    /// the worker, the typed text showing meanwhile. A filter under way is cancelled.
    fn rebuild(&mut self, snap: &Snapshot) {
        self.cancel();
        let (marks, words) = judging::split(&self.filter);
        let index = &snap.live.data.journal;
        let basis = (snap.live.epoch, index.len());
        let among = self.narrowed(&marks, &words, basis);
        let scanned = among.as_ref().map_or(index.len(), Vec::len);
        let matched_for = (marks.is_empty() && !words.is_empty()).then(|| (words.clone(), basis));
        let keys = self.keys.ready(index, snap.live.epoch);
        if marks.is_empty() && (words.is_empty() || scanned <= self.on_worker) {
            self.matches = (!words.is_empty())
                .then(|| Words::new(index, snap.names, &words).scan(index, keys.as_deref(), among.as_deref()));
            self.matched_for = matched_for;
            self.scroll.clamp(self.len(snap.live));
            return;
        }
        let job = Job {
            data: Arc::clone(&snap.live.data),
            store: Arc::clone(&snap.live.store),
            words: (!words.is_empty()).then(|| Words::new(index, snap.names, &words)),
            among,
            keys,
            marks,
            signing: snap.signing(),
        };
        let basis = (snap.live.epoch, index.len());
        self.judging = Judging::start(job, self.filter.clone(), basis, self.doorbell.clone());
        if self.judging.is_none() {
            // No thread to be had: match here, as before.
            self.matches = matches_now(snap, &self.filter);
            self.matched_for = matched_for;
            self.scroll.clamp(self.len(snap.live));
        }
    }

    /// The only events a filter of `words` can match, when it narrows the list shown: the
    /// list was matched (without mark words) for words each contained in one of these, in the
    /// same journal (and the events appended since). A word matches by containment (in a
    /// kind, an operator, a server's name), so a longer word or one more word matches no
    /// event the shorter list left out.
    fn narrowed(&self, marks: &[String], words: &[String], basis: (u64, usize)) -> Option<Vec<u32>> {
        let (before, (epoch, len)) = self.matched_for.as_ref()?;
        let narrows = marks.is_empty()
            && !words.is_empty()
            && *epoch == basis.0
            && *len <= basis.1
            && before.iter().all(|b| words.iter().any(|w| w.contains(b.as_str())));
        let matches = self.matches.as_ref().filter(|_| narrows)?;
        Some(matches.iter().copied().chain(*len as u32..basis.1 as u32).collect())
    }

    /// Derive each event's keys ahead on a worker, for a journal long enough that its filter is
    /// scanned on the worker, unless they are ready or under way (the terminal loop calls this
    /// while the Journal is shown). True when a worker was started.
    pub fn keys_ahead(&self, live: &Loaded) -> bool {
        live.data.journal.len() > self.on_worker && self.keys.start(&live.data, live.epoch)
    }

    /// Wait (up to `limit`) for the keys' worker: for tests.
    pub fn settle_keys(&self, limit: std::time::Duration) -> bool {
        self.keys.settle(limit)
    }

    /// Stop a filter under way; what it found is never taken.
    fn cancel(&mut self) {
        if let Some(j) = self.judging.take() {
            j.cancel();
        }
    }

    /// The filter under way on the worker: whether it judges marks, and (done, of) events.
    pub fn judging(&self) -> Option<(bool, usize, usize)> {
        self.judging.as_ref().map(|j| {
            let (done, total) = j.progress();
            (j.marks, done, total)
        })
    }

    /// Take in what the worker matched: true when the list changed. A result for another
    /// filter or journal is dropped and matched again.
    pub fn take_judged(&mut self, snap: &Snapshot) -> bool {
        let Some(found) = self.judging.as_ref().and_then(Judging::take) else { return false };
        let Some(j) = self.judging.take() else { return false };
        if j.text == self.filter && j.basis == (snap.live.epoch, snap.live.data.journal.len()) {
            self.matches = Some(found);
            let (marks, words) = judging::split(&self.filter);
            self.matched_for = (marks.is_empty() && !words.is_empty()).then_some((words, j.basis));
            self.scroll.clamp(self.len(snap.live));
        } else {
            self.rebuild(snap);
        }
        true
    }
}

/// The journal positions that pass `filter`, matched on this thread (the worker's reference,
/// and its stand-in when no thread can be had): the mark words judge each event's mark.
pub fn matches_now(snap: &Snapshot, filter: &str) -> Option<Vec<u32>> {
    let (marks, words) = judging::split(filter);
    let index = &snap.live.data.journal;
    let matched = (!words.is_empty()).then(|| Words::new(index, snap.names, &words).scan(index, None, None));
    if marks.is_empty() {
        return matched;
    }
    let positions: Vec<u32> = matched.unwrap_or_else(|| (0..index.len() as u32).collect());
    let mut kept = Vec::new();
    for chunk in positions.chunks(4096) {
        let at: Vec<usize> = chunk.iter().map(|&p| p as usize).collect();
        let entries = snap.entries(&at);
        let found = snap.marks(&at, &entries);
        kept.extend(chunk.iter().zip(found).filter(|(_, m)| judging::wanted(&marks, *m)).map(|(&p, _)| p));
    }
    Some(kept)
}

const KEYS: &[Binding] = &[OPEN, action::JOURNAL_FILTER];

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
    let title = match pane.judging() {
        Some((true, done, total)) => {
            format!(" Journal: judging signatures for the filter, {done} of {total} events (esc cancels) ")
        }
        Some((false, ..)) => format!(" Journal: matching the filter in {} events ", snap.live.data.journal.len()),
        None => format!(" Journal: {listed} of {} events, newest first ", snap.live.data.journal.len()),
    };
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
    let index = &live.data.journal;
    (!words.is_empty()).then(|| Words::new(index, names, &words).scan(index, None, None))
}
