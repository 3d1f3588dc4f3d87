//! What `sprout check` found in the journal's events, kept current as events are applied:
//! every event the live state takes in (a tail another process appended, this process's own
//! write) is judged with the state just before it, so the header's problem count needs no
//! second replay of the whole journal after a write.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Data, Entry, Event};
use crate::rules::State;
use crate::rules::check::Problem;
use crate::rules::time::CLOCK_TOLERANCE_MINUTES;

/// The journal's events as `check` judges them, up to `lines` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judged {
    /// How many events were judged: the journal's first `lines` events.
    pub lines: usize,
    /// The baseline files' own problems (`rules::check::check` less what the state can change,
    /// `rules::check::of_state`), counted when they were parsed: a state from the
    /// derived-state cache keeps no parsed fleet to ask again, and the files do not change
    /// while the stamp the judgement is kept under holds.
    pub files: usize,
    /// Problems an event has on its own (a name that exists nowhere, unsafe text).
    pub journal: usize,
    /// Events the rules would have refused with the state just before them.
    pub history: usize,
    /// The last recorded import of fleet.ron: its line and the hash it recorded.
    pub baseline: Option<(usize, String)>,
    /// The latest event's time: an event dated in the future is a problem only until the clock
    /// passes it.
    pub latest: Option<DateTime<Utc>>,
    /// The earliest clock any event was judged by.
    pub judged_at: DateTime<Utc>,
}

impl Judged {
    /// Nothing judged yet, at `now`.
    pub fn new(now: DateTime<Utc>) -> Judged {
        Judged { lines: 0, files: 0, journal: 0, history: 0, baseline: None, latest: None, judged_at: now }
    }

    /// Judge `e`, on journal.ron `line`, with the state just before it, at `now`; its
    /// problems go to `journal` and `history` (`check` names them; a count only counts them).
    #[allow(clippy::too_many_arguments)]
    pub fn event(
        &mut self,
        data: &Data,
        state: &State,
        line: usize,
        e: &Entry,
        now: DateTime<Utc>,
        journal: &mut Vec<Problem>,
        history: &mut Vec<Problem>,
    ) {
        self.lines += 1;
        self.latest = self.latest.max(Some(e.at));
        self.judged_at = self.judged_at.min(now);
        if let Event::BaselineChanged { file, hash, .. } = &e.event
            && file == crate::store::FLEET
        {
            self.baseline = Some((line, hash.clone()));
        }
        let (j, h) = (journal.len(), history.len());
        crate::rules::check::event(data, state, line, e, journal);
        // An event naming what does not exist is reported once, not again as a refusal.
        if journal.len() == j {
            crate::rules::check::history(data, state, line, e, now, history);
        }
        self.journal += journal.len() - j;
        self.history += history.len() - h;
    }

    /// Note the baseline files' own problems among the `all` that `rules::check::check` found
    /// in `data` and `state`: those the state cannot change.
    pub fn files_among(&mut self, all: usize, data: &Data, state: &State) {
        self.files = all.saturating_sub(crate::rules::check::of_state(data, state).len());
    }

    /// `event`, counting only.
    pub fn count(&mut self, data: &Data, state: &State, line: usize, e: &Entry, now: DateTime<Utc>) {
        self.event(data, state, line, e, now, &mut Vec::new(), &mut Vec::new());
    }

    /// The judgement still holds at `now`: no event was in the future when it was judged, nor
    /// is now (a clock set back included).
    pub fn holds(&self, now: DateTime<Utc>) -> bool {
        let tolerance = Duration::minutes(CLOCK_TOLERANCE_MINUTES);
        self.latest.is_none_or(|l| l <= self.judged_at.min(now) + tolerance)
    }

    /// How many problems `check` reports, given the `state` problems it finds in the files and
    /// the state the journal replays to (fleet.ron changed by hand since its import included):
    /// refusals judged by broken files are one problem, not one an event.
    pub fn problems(&self, state: usize) -> usize {
        let history = if state == 0 || self.history == 0 { self.history } else { 1 };
        state + self.journal + history
    }
}

/// fleet.ron changed by hand since the last import recorded it: the problem `check` names,
/// when `now_hash` (BLAKE3 of the fleet's bytes now) differs from the recorded hash.
pub fn baseline_changed(baseline: &Option<(usize, String)>, now_hash: &str) -> Option<Problem> {
    let (line, hash) = baseline.as_ref()?;
    (now_hash != hash).then(|| Problem {
        file: crate::store::FLEET,
        last: false,
        near: None,
        after: Vec::new(),
        line: Some(1),
        message: format!(
            "changed since journal.ron line {line} recorded it (by import); record inventory changes with sprout import"
        ),
    })
}
