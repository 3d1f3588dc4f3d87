//! The dashboard's views. Each owns its cursor and scroll, declares its keys, handles its
//! actions and draws itself from a `Snapshot` of the shared state. Adding a view: a module
//! here, a `Tab` for it, and its line in `Panes` and `keys`.

pub mod agenda;
pub mod fleet;
pub mod journal;
mod names;
pub mod plan;
pub mod risk;
pub mod rollout;
pub mod server;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use crate::app::action::{Action, Binding, GLOBAL, Group, Tab};
use crate::config::Keys;
use crate::live::Loaded;
use crate::live::signing::{Mark, Signing};
use crate::model::{Entry, Rollout};
use crate::rules::FleetView;
use crate::ui::theme::Theme;

pub use names::Names;

/// What every view reads and draws from; nothing in it changes while a view draws.
pub struct Snapshot<'a> {
    pub live: &'a Loaded,
    /// The rules' derived view of the fleet and the selected rollout.
    pub view: &'a FleetView,
    pub now: DateTime<Utc>,
    /// The server the Server view shows and actions apply to outside the lists.
    pub selected: Option<usize>,
    /// Servers touched by events this operator has not seen yet (another operator's writes).
    pub changed: &'a HashSet<usize>,
    /// Journal events seen; later ones are marked as new.
    pub seen_events: usize,
    pub names: &'a std::sync::Arc<Names>,
    reader: &'a Reader,
}

impl Snapshot<'_> {
    pub fn rollout(&self) -> Option<&Rollout> {
        self.view.rollout.as_ref().map(|v| &self.live.data.plan.rollouts[v.rollout])
    }

    /// The events at `positions`, read from the store when first shown and kept for later
    /// frames; `None` for one that cannot be read (the journal changed: a reload follows).
    pub fn entries(&self, positions: &[usize]) -> Vec<Option<Entry>> {
        self.reader.entries(self.live, positions)
    }

    /// The signature marks of the events at `positions` (`entries` as read), each verified
    /// once when first shown and kept by position.
    pub fn marks(&self, positions: &[usize], entries: &[Option<Entry>]) -> Vec<Option<Mark>> {
        self.reader.marks(self.live, positions, entries)
    }

    /// The trust at the journal's head where signatures matter, for a worker to judge with.
    pub fn signing(&self) -> Option<Signing> {
        self.reader.signing(self.live).as_ref()?.as_ref().filter(|s| s.in_use()).cloned()
    }

    /// Whether signatures matter here (required, or a key trusted): where they do not, no fact
    /// carries a mark and nothing needs to be looked up for one.
    pub fn signatures_matter(&self) -> bool {
        self.reader.in_use(self.live)
    }

    /// Of the events with these `seq`s (what a derived fact rests on), those not proven, with
    /// their mark (a proven row's `✓` is no mark on a fact); none read where signatures do not
    /// matter.
    pub fn marked(&self, seqs: &[u64]) -> Vec<(u64, Mark)> {
        if !self.signatures_matter() {
            return Vec::new();
        }
        let len = self.live.data.journal.len() as u64;
        let seqs: Vec<u64> = seqs.iter().copied().filter(|&s| s >= 1 && s <= len).collect();
        let positions: Vec<usize> = seqs.iter().map(|&s| (s - 1) as usize).collect();
        let mut marked = Vec::new();
        for (seqs, positions) in seqs.chunks(4096).zip(positions.chunks(4096)) {
            let entries = self.entries(positions);
            let marks = self.marks(positions, &entries);
            let unproven = seqs.iter().zip(marks).filter(|(_, m)| m.is_some_and(|m| m != Mark::Verified));
            marked.extend(unproven.filter_map(|(&s, m)| Some((s, m?))));
        }
        marked
    }
}

/// How a view's worker wakes the terminal loop when its result is ready (a filter matched), so
/// the lines are drawn at once instead of at the loop's next look. Silent when unset (tests
/// and scripts wait with `App::settle_filter`).
#[derive(Clone, Default)]
pub struct Doorbell(Option<std::sync::Arc<dyn Fn() + Send + Sync>>);

impl Doorbell {
    pub fn new(ring: impl Fn() + Send + Sync + 'static) -> Doorbell {
        Doorbell(Some(std::sync::Arc::new(ring)))
    }

    pub fn ring(&self) {
        if let Some(ring) = &self.0 {
            ring();
        }
    }
}

impl std::fmt::Debug for Doorbell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Doorbell(set)" } else { "Doorbell(unset)" })
    }
}

/// Journal events read for display, by position (the journal itself stays in the store).
#[derive(Debug, Default)]
pub struct Reader {
    cache: RefCell<HashMap<usize, Entry>>,
    /// The trust at the journal's head, read when a mark is first needed (`None` until then;
    /// `Some(None)` when the trust files cannot be read: no marks rather than wrong ones).
    signing: RefCell<Option<Option<Signing>>>,
    /// Each shown event's mark, by position: verified once, never on a key press again.
    marks: RefCell<HashMap<usize, Option<Mark>>>,
    /// Why the trust at the head could not be built (a trust file refused, a key change's line
    /// changed in place): said on the dashboard, never a silent absence of marks.
    refused: RefCell<Option<String>>,
}

impl Clone for Reader {
    fn clone(&self) -> Self {
        Reader {
            cache: RefCell::new(self.cache.borrow().clone()),
            signing: RefCell::new(self.signing.borrow().clone()),
            marks: RefCell::new(self.marks.borrow().clone()),
            refused: RefCell::new(self.refused.borrow().clone()),
        }
    }
}

impl Reader {
    pub fn entries(&self, live: &Loaded, positions: &[usize]) -> Vec<Option<Entry>> {
        let mut cache = self.cache.borrow_mut();
        let missing: Vec<usize> = positions.iter().copied().filter(|p| !cache.contains_key(p)).collect();
        if !missing.is_empty() {
            if cache.len() > 4096 {
                cache.clear();
            }
            if let Ok(read) = live.entries(&missing) {
                cache.extend(missing.into_iter().zip(read));
            }
        }
        positions.iter().map(|p| cache.get(p).cloned()).collect()
    }

    /// The trust at the journal's head, read again when a key change was appended since.
    fn signing(&self, live: &Loaded) -> std::cell::RefMut<'_, Option<Option<Signing>>> {
        let mut signing = self.signing.borrow_mut();
        if signing.as_ref().is_none_or(|s| s.as_ref().is_some_and(|s| s.is_stale(live))) {
            let built = Signing::at_head(live);
            *self.refused.borrow_mut() = built
                .as_ref()
                .err()
                .map(|e| format!("warning: signatures not judged, so no row is marked ✓, ? or ✗: {e}"));
            *signing = Some(built.ok());
            self.marks.borrow_mut().clear();
        }
        signing
    }

    /// Why no row can be marked, if the trust at the head could not be built.
    pub fn signing_problem(&self, live: &Loaded) -> Option<String> {
        drop(self.signing(live));
        self.refused.borrow().clone()
    }

    /// Whether signatures matter here (required, or a key trusted).
    fn in_use(&self, live: &Loaded) -> bool {
        self.signing(live).as_ref().is_some_and(|s| s.as_ref().is_some_and(Signing::in_use))
    }

    /// One event's verdict in words and its mark, where signatures matter (the event's popup).
    pub fn signature(&self, live: &Loaded, e: &Entry) -> Option<(String, Option<Mark>)> {
        let signing = self.signing(live);
        let signing = signing.as_ref()?.as_ref().filter(|s| s.in_use())?;
        let judged = signing.judge(e);
        let mark = signing.row_mark(e, &judged);
        let words = match (&judged.problem, &e.sig) {
            (Some(problem), _) => problem.clone(),
            (None, Some(sig)) => format!("verified: signed by {}, a key trusted for {}", sig.key, e.by),
            (None, None) => "unsigned".to_string(),
        };
        Some((words, mark))
    }

    pub fn marks(&self, live: &Loaded, positions: &[usize], entries: &[Option<Entry>]) -> Vec<Option<Mark>> {
        let signing = self.signing(live);
        let Some(Some(signing)) = signing.as_ref().filter(|s| s.as_ref().is_some_and(Signing::in_use)) else {
            return vec![None; positions.len()];
        };
        let mut marks = self.marks.borrow_mut();
        if marks.len() > 4096 {
            marks.clear();
        }
        (positions.iter().zip(entries))
            .map(|(p, e)| {
                let e = e.as_ref()?;
                *marks.entry(*p).or_insert_with(|| signing.row_mark(e, &signing.judge(e)))
            })
            .collect()
    }

    /// Positions may mean other events now (the journal was read again), and the trust files
    /// may have changed.
    pub fn clear(&self) {
        self.cache.borrow_mut().clear();
        self.signing.borrow_mut().take();
        self.marks.borrow_mut().clear();
    }
}

/// What a view asks of the dashboard after an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Handled, or nothing to do.
    Done,
    /// Not for this view: the dashboard's default applies (esc clears the notice).
    Ignored,
    /// The cursor is on this server now: actions apply to it.
    Select(usize),
    /// Show this server on the Server view.
    OpenServer(usize),
    /// Show the journal event at this position whole.
    OpenEntry(usize),
    /// Show another view.
    Show(Tab),
    /// Show the fleet, filtered with this text.
    FilterFleet(String),
}

/// A view of the dashboard.
pub trait View {
    /// The view's own keys; the global ones are added around them (`keymap`).
    fn keys(&self) -> Vec<&'static Binding>;
    /// Derive what the view needs after the state changed: `servers` when only events about
    /// them were applied, `None` after anything else.
    fn derive(&mut self, _snap: &Snapshot, _servers: Option<&[usize]>) {}
    fn update(&mut self, action: Action, snap: &Snapshot, page: usize) -> Effect;
    /// The server an action applies to on this view.
    fn target(&self, snap: &Snapshot) -> Option<usize> {
        snap.selected
    }
    /// What each abbreviated column heading means, for the help.
    fn legend(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// The view's filter, if it has one.
    fn filter(&self) -> Option<&str> {
        None
    }
    fn set_filter(&mut self, _filter: String, _snap: &Snapshot) {}
    /// The row under the cursor, for a view a follower mirrors row by row (the agenda).
    fn row(&self) -> Option<usize> {
        None
    }
    fn set_row(&mut self, _row: usize) {}
    /// Put the cursor on `server`, if the view lists it (a followed driver selected it).
    fn select(&mut self, _server: usize) {}
    /// A click on the `row`-th row of the view's area (`--mouse`): select what is there.
    fn click(&mut self, _row: u16, _snap: &Snapshot) -> Effect {
        Effect::Ignored
    }
    /// The terminal's body is `page` rows now: keep the cursor in sight.
    fn fit_page(&mut self, _page: usize) {}
    fn draw(&self, frame: &mut Frame, snap: &Snapshot, theme: &Theme, area: Rect);
}

/// Every view, one field each: the registry.
#[derive(Debug, Clone, Default)]
pub struct Panes {
    pub fleet: fleet::FleetTable,
    pub server: server::ServerPane,
    pub rollout: rollout::RolloutPane,
    pub journal: journal::JournalPane,
    pub risk: risk::RiskPane,
    pub agenda: agenda::AgendaPane,
    pub plan: plan::PlanPane,
}

impl Panes {
    pub fn get(&self, tab: Tab) -> &dyn View {
        match tab {
            Tab::Fleet => &self.fleet,
            Tab::Server => &self.server,
            Tab::Rollout => &self.rollout,
            Tab::Journal => &self.journal,
            Tab::Risk => &self.risk,
            Tab::Agenda => &self.agenda,
            Tab::Plan => &self.plan,
        }
    }

    pub fn get_mut(&mut self, tab: Tab) -> &mut dyn View {
        match tab {
            Tab::Fleet => &mut self.fleet,
            Tab::Server => &mut self.server,
            Tab::Rollout => &mut self.rollout,
            Tab::Journal => &mut self.journal,
            Tab::Risk => &mut self.risk,
            Tab::Agenda => &mut self.agenda,
            Tab::Plan => &mut self.plan,
        }
    }

    /// The dashboard's state as the views see it.
    #[allow(clippy::too_many_arguments)]
    pub fn snapshot<'a>(
        live: &'a Loaded,
        view: &'a FleetView,
        now: DateTime<Utc>,
        selected: Option<usize>,
        changed: &'a HashSet<usize>,
        seen_events: usize,
        names: &'a std::sync::Arc<Names>,
        reader: &'a Reader,
    ) -> Snapshot<'a> {
        Snapshot { live, view, now, selected, changed, seen_events, names, reader }
    }
}

/// The keys in force on `tab`: the global ones and the view's own, group by group, with the
/// operator's own keys (`key_bindings.ron`) in place of the defaults, less every mutating one
/// when read-only (here and only here).
pub fn keymap(panes: &Panes, keys: &Keys, tab: Tab, read_only: bool) -> Vec<Binding> {
    let own = panes.get(tab).keys();
    Group::ALL
        .into_iter()
        .flat_map(|g| {
            GLOBAL.iter().filter(move |b| b.group == g).chain(own.iter().copied().filter(move |b| b.group == g))
        })
        .filter(|b| !(read_only && b.action.mutating()))
        .map(|b| keys.apply(b))
        .collect()
}

pub fn lookup(panes: &Panes, keys: &Keys, key: KeyEvent, tab: Tab, read_only: bool) -> Option<Action> {
    keymap(panes, keys, tab, read_only).into_iter().find(|b| b.matches(key)).map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::action::Write;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    #[test]
    fn read_only_removes_every_mutating_binding() {
        let panes = Panes::default();
        for &tab in Tab::ALL {
            assert!(keymap(&panes, &Keys::default(), tab, true).iter().all(|b| !b.action.mutating()));
        }
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(lookup(&panes, &Keys::default(), c, Tab::Fleet, false), Some(Action::Record(Write::Checkout)));
        assert_eq!(lookup(&panes, &Keys::default(), c, Tab::Fleet, true), None);
        assert_eq!(
            lookup(&panes, &Keys::default(), c, Tab::Journal, false),
            None,
            "nothing to check out on the journal"
        );
    }

    #[test]
    fn no_key_is_bound_twice_on_one_view() {
        let panes = Panes::default();
        for &tab in Tab::ALL {
            // A key with Ctrl is another key; Shift is not (terminals differ in sending it).
            let keys: Vec<(KeyCode, bool)> = keymap(&panes, &Keys::default(), tab, false)
                .iter()
                .flat_map(|b| {
                    b.keys
                        .iter()
                        .map(|(k, m)| (*k, m.contains(ratatui::crossterm::event::KeyModifiers::CONTROL)))
                        .collect::<HashSet<_>>()
                })
                .collect();
            for (i, k) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice on {tab:?}");
            }
        }
    }
}
