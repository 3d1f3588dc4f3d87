//! The current state: the fleet baseline with the journal replayed over it.

use chrono::{DateTime, Utc};

use crate::model::{Asked, Data, Entry, Event, OnDemand, Rollout, Server};

use super::meeting::Meeting;
pub use super::names::{NameIndex, SortedNames};

mod records;
pub use records::{CheckoutRecord, Member, MemberRecord, Opened, Progress, Request, SignOffRecord};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub servers: OnDemand<Server>,
    /// Server indices sorted by name, for lookups without a second copy of every name.
    pub(crate) by_name: Vec<u32>,
    /// One per rollout of the plan, in plan order.
    pub progress: Vec<Progress>,
    /// Per server, the positions in the journal of the events about it.
    pub history: OnDemand<Vec<u32>>,
    pub last_backup: OnDemand<Option<DateTime<Utc>>>,
    pub last_install: OnDemand<Option<DateTime<Utc>>>,
    /// Per server, the level each install replaced, for back-out.
    pub(crate) previous_levels: OnDemand<Vec<(String, u8)>>,
    /// Server indices by a hash of the name, built on the first lookup: one hash per journal
    /// event instead of a binary search of string comparisons (names never change).
    pub(crate) names: NameIndex,
    /// The review meeting under way, if any.
    pub meeting: Option<Meeting>,
}

impl State {
    /// The fleet baseline, before any journal event.
    pub fn new(data: &Data) -> State {
        State::with_servers(data, data.fleet.servers.clone())
    }

    /// `new` from the baseline's `servers`, taken from the fleet (a full load keeps one copy
    /// of them, not two).
    pub fn with_servers(data: &Data, mut servers: Vec<Server>) -> State {
        servers.shrink_to_fit();
        let n = servers.len();
        let mut by_name: Vec<u32> = (0..n as u32).collect();
        by_name.sort_unstable_by(|&a, &b| servers[a as usize].name.cmp(&servers[b as usize].name));
        State {
            servers: servers.into(),
            by_name,
            progress: data.plan.rollouts.iter().map(|r| Progress::new(r, n)).collect(),
            history: vec![Vec::new(); n].into(),
            last_backup: vec![None; n].into(),
            last_install: vec![None; n].into(),
            previous_levels: vec![Vec::new(); n].into(),
            names: NameIndex::default(),
            meeting: None,
        }
    }

    /// The baseline with `entries` applied in order (position = index in `entries`).
    pub fn replay(data: &Data, entries: &[Entry]) -> State {
        let mut state = State::new(data);
        for (pos, entry) in entries.iter().enumerate() {
            state.apply(data, pos, entry);
        }
        state
    }

    /// After a replay of the whole journal, held as long as the process runs: the vectors that
    /// grew one event at a time cut to their length (a lab server's thousands of checkouts had
    /// up to half their room spare: 15 MB at 100,000 servers), and names found by a binary
    /// search of the sorted names, as in a state from the derived-state cache, not by the hash
    /// table built for the replay's million lookups (8 MB).
    pub fn compact(&mut self) {
        for p in &mut self.progress {
            p.members.as_vec_mut().iter_mut().filter_map(Member::made).for_each(|m| m.checkouts.shrink_to_fit());
        }
        self.history.as_vec_mut().iter_mut().for_each(|h| h.shrink_to_fit());
        self.names = NameIndex::sorted(SortedNames::of(&self.by_name, &self.servers));
    }

    /// Server indices in name order.
    pub fn by_name(&self) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        self.by_name.iter().map(|&i| i as usize)
    }

    /// Fetch ahead what looking up the server of `entry` will read (a hint only): a replay
    /// asks it of each event a few events before it applies it.
    pub fn prefetch(&self, entry: &Entry) {
        if let Some(name) = entry.event.server() {
            self.names.prefetch(name);
        }
    }

    pub fn server_index(&self, name: &str) -> Option<usize> {
        self.names.find(&self.by_name, &self.servers, name)
    }

    /// Whether a part read back from the derived-state cache did not match its sum: an answer
    /// from this state may be wrong.
    pub fn damaged(&self) -> bool {
        let members = self.progress.iter().any(|p| p.members.damaged());
        let times = self.last_backup.damaged() || self.last_install.damaged();
        members || times || self.servers.damaged() || self.history.damaged() || self.previous_levels.damaged()
    }

    pub fn server(&self, name: &str) -> Option<&Server> {
        self.server_index(name).map(|i| &self.servers[i])
    }

    /// A full backup is confirmed since the server's last install (seed: "Always do a full backup").
    pub fn backup_confirmed(&self, server: usize) -> bool {
        self.last_backup[server].is_some_and(|b| self.last_install[server].is_none_or(|x| b > x))
    }

    /// The level the most recent install of `product` on the server replaced.
    pub fn previous_level(&self, server: usize, product: &str) -> Option<u8> {
        self.previous_levels[server].iter().rev().find(|(p, _)| p == product).map(|(_, l)| *l)
    }

    /// Apply one journal entry at position `pos`; returns the server it is about, if known.
    /// Events naming unknown things are skipped here; `rules::check` reports them.
    pub fn apply(&mut self, data: &Data, pos: usize, entry: &Entry) -> Option<usize> {
        let server = self.apply_but_history(data, entry);
        if let Some(i) = server {
            self.history[i].push(pos as u32);
        }
        server
    }

    /// Every server's history from the journal index of a replay that applied its events with
    /// `apply_but_history`: a line's server is the one `apply` would have noted it for. Each
    /// history is allocated once at its length, in one pass over the lines in order: a push
    /// an event into the history of a server found at random waited on memory for a seventh of
    /// a full load's applying thread.
    pub(crate) fn note_histories(&mut self, journal: &crate::model::JournalIndex) {
        let lines = journal.lines.as_vec();
        let history = self.history.as_vec_mut();
        let mut counts = vec![0u32; history.len()];
        for line in lines {
            if let Some(n) = counts.get_mut(line.server as usize) {
                *n += 1;
            }
        }
        for (h, &n) in history.iter_mut().zip(&counts) {
            h.reserve_exact(n as usize);
        }
        for (pos, line) in lines.iter().enumerate() {
            if let Some(h) = history.get_mut(line.server as usize) {
                h.push(pos as u32);
            }
        }
    }

    /// `apply` but the note of the event in its server's history (`note_histories` makes those
    /// of a whole replay at its end).
    pub(crate) fn apply_but_history(&mut self, data: &Data, entry: &Entry) -> Option<usize> {
        let at = entry.at;
        let server = entry.event.server().and_then(|s| self.server_index(s));
        let rollout = entry.event.rollout().and_then(|id| data.plan.rollouts.iter().position(|r| r.id == id));
        // Every kind is named: a new kind must say what it changes (events naming unknown
        // servers or rollouts change nothing).
        match &entry.event {
            Event::Install { product, level, verified, .. } => {
                let i = server?;
                let old = self.servers[i].products.insert(product.clone(), *level).unwrap_or(0);
                self.previous_levels[i].push((product.clone(), old));
                self.last_install[i] = Some(at);
                for (r, rollout) in data.plan.rollouts.iter().enumerate() {
                    if &rollout.product == product && rollout.target == *level {
                        let progress = &mut self.progress[r];
                        progress.backed_out.retain(|&b| b as usize != i);
                        let m = &mut progress.members[i];
                        m.installed_at = Some(at);
                        m.installed_seq = entry.seq;
                        m.verified = verified.as_deref().map(Into::into);
                        m.verified_seq = if verified.is_some() { entry.seq } else { 0 };
                        m.backed_out_at = None;
                        apply_bundle(data, rollout, &mut self.servers[i]);
                    }
                }
            }
            Event::Verify { product, level, winver, .. } => {
                let i = server?;
                for (r, rollout) in data.plan.rollouts.iter().enumerate() {
                    if &rollout.product == product && rollout.target == *level {
                        let m = &mut self.progress[r].members[i];
                        m.verified = Some(winver.as_str().into());
                        m.verified_seq = entry.seq;
                    }
                }
            }
            Event::Backup { .. } => {
                if let Some(i) = server {
                    self.last_backup[i] = Some(at);
                }
            }
            Event::Checkout { result, phase, .. } => {
                if let (Some(i), Some(r)) = (server, rollout) {
                    let progress = &mut self.progress[r];
                    let index = data.plan.rollouts[r].phase_index(phase);
                    progress.members[i].checkouts.push(CheckoutRecord {
                        at,
                        result: *result,
                        phase: index.and_then(|p| u16::try_from(p).ok()).unwrap_or(u16::MAX),
                        seq: entry.seq,
                    });
                    if let Some(p) = index
                        && !progress.checked[p].iter().any(|(by, _)| *by == entry.by)
                    {
                        progress.checked[p].push((entry.by.clone(), i as u32));
                    }
                }
            }
            Event::SignOff { phase, group, .. } => {
                if let Some(r) = rollout
                    && let Some(p) = data.plan.rollouts[r].phase_index(phase)
                {
                    self.progress[r].signoffs[p].push(SignOffRecord {
                        group: group.clone(),
                        by: entry.by.clone(),
                        at,
                        seq: entry.seq,
                    });
                }
            }
            Event::SoakExtended { phase, days, .. } => {
                if let Some(r) = rollout
                    && let Some(p) = data.plan.rollouts[r].phase_index(phase)
                {
                    self.progress[r].extra_days[p] = self.progress[r].extra_days[p].saturating_add(*days);
                }
            }
            Event::Excluded { reason, .. } => {
                if let (Some(i), Some(r)) = (server, rollout) {
                    self.progress[r].members[i].excluded = Some(reason.clone());
                }
            }
            Event::PhaseOpened { phase, override_reason, approver, .. } => {
                if let Some(r) = rollout
                    && let Some(p) = data.plan.rollouts[r].phase_index(phase)
                {
                    let opened = Opened {
                        at,
                        by: entry.by.clone(),
                        override_reason: override_reason.clone(),
                        approvers: approver.iter().cloned().collect(),
                        seq: entry.seq,
                    };
                    self.progress[r].open(&data.plan.rollouts[r], p, opened);
                }
            }
            Event::BackedOut { product, to_level, .. } => {
                let i = server?;
                self.servers[i].products.insert(product.clone(), *to_level);
                for (r, rollout) in data.plan.rollouts.iter().enumerate() {
                    if &rollout.product == product && rollout.target > *to_level {
                        let progress = &mut self.progress[r];
                        // Only a record with an install changes (none is made to be read).
                        if let Some(m) = progress.members[i].made().filter(|m| m.installed_at.is_some()) {
                            m.installed_at = None;
                            m.installed_seq = 0;
                            m.verified = None;
                            m.verified_seq = 0;
                            m.backed_out_at = Some(at);
                            if !progress.backed_out.contains(&(i as u32)) {
                                progress.backed_out.push(i as u32);
                            }
                            self.servers[i].hot_fixes.retain(|h| !rollout.bundle.iter().any(|b| b == h));
                        }
                    }
                }
            }
            Event::HotFixApplied { hot_fix, .. } => {
                if let Some(i) = server
                    && !self.servers[i].hot_fixes.iter().any(|h| h == hot_fix)
                {
                    self.servers[i].hot_fixes.push(hot_fix.as_str().into());
                }
            }
            Event::RiskOverride { priority, reason, .. } => {
                if let (Some(i), Some(r)) = (server, rollout) {
                    let m = &mut self.progress[r].members[i];
                    m.priority_override = Some(Box::new((*priority, reason.clone())));
                    m.priority_seq = entry.seq;
                }
            }
            Event::OverrideRequested { asked, reason, needs, .. } => {
                if let Some(r) = rollout {
                    let needed = (*needs).max(1);
                    self.progress[r].requests.push(Request {
                        seq: entry.seq,
                        at,
                        by: entry.by.clone(),
                        asked: asked.clone(),
                        reason: reason.clone(),
                        needed,
                        confirmed: Vec::new(),
                    });
                }
            }
            Event::OverrideConfirmed { request, .. } => {
                if let Some(r) = rollout {
                    self.confirm(data, r, *request, &entry.by, (at, entry.seq));
                }
            }
            // The baseline is the file itself; the event is its history.
            // Trust and checkpoints change no server (`rules::keys`, `sprout verify`).
            Event::BaselineChanged { .. }
            | Event::KeyAdded { .. }
            | Event::KeyRevoked { .. }
            | Event::Checkpoint { .. } => {}
            Event::OverrideWithdrawn { request, .. } => {
                if let Some(r) = rollout {
                    self.progress[r].requests.retain(|q| q.seq != *request);
                }
            }
            Event::MeetingStarted { .. }
            | Event::MeetingEnded { .. }
            | Event::MeetingJoined { .. }
            | Event::MeetingLeft { .. }
            | Event::MeetingDriver { .. } => super::meeting::apply(&mut self.meeting, entry),
        }
        server
    }

    /// An approver's confirmation; the last one needed puts the override into effect.
    fn confirm(&mut self, data: &Data, r: usize, request: u64, by: &str, (at, seq): (DateTime<Utc>, u64)) {
        let progress = &mut self.progress[r];
        let Some(k) = progress.requests.iter().position(|q| q.seq == request) else { return };
        let q = &mut progress.requests[k];
        if !q.confirmed.iter().any(|c| c == by) {
            q.confirmed.push(by.to_string());
        }
        if q.confirmed.len() < usize::from(q.needed) {
            return;
        }
        let q = progress.requests.remove(k);
        // Only what the write path could have confirmed takes effect: the next phase, a priority.
        match q.asked {
            Asked::Open { phase, .. } => {
                let next = progress.current.map_or(0, |c| c + 1);
                if let Some(p) = data.plan.rollouts[r].phase_index(&phase).filter(|&p| p == next) {
                    let opened = Opened { at, by: q.by, override_reason: Some(q.reason), approvers: q.confirmed, seq };
                    progress.open(&data.plan.rollouts[r], p, opened);
                }
            }
            Asked::Priority { server, priority, .. } => {
                if let Some(i) = self.server_index(&server).filter(|_| (1..=3).contains(&priority)) {
                    let m = &mut self.progress[r].members[i];
                    m.priority_override = Some(Box::new((priority, q.reason)));
                    m.priority_seq = seq;
                }
            }
        }
    }
}

/// The rollout's bundled hot fixes go on with the service pack, where they apply.
fn apply_bundle(data: &Data, rollout: &Rollout, server: &mut Server) {
    for id in &rollout.bundle {
        let Some((_, fix)) = data.catalog.hot_fix(id) else {
            continue;
        };
        let applies = fix.publicised || fix.roles.iter().any(|r| *r == server.role);
        if applies && !server.hot_fixes.iter().any(|h| h == id) {
            server.hot_fixes.push(id.as_str().into());
        }
    }
}

#[cfg(test)]
mod tests;
