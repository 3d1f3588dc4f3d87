//! A few servers' gate and waiting-on lines, derived apart from the rollout's view and put in
//! place of theirs: after events about those servers, and at the minute tick for the servers
//! whose soak the clock moved (derived on the clock's worker, so that the input thread only
//! puts them in, and no second view of 100,000 members is built beside the one shown).

use chrono::{DateTime, Utc};

use crate::model::Data;

use super::super::gates;
use super::super::phase::{Target, Window};
use super::super::replay::State;
use super::super::waiting;
use super::{RolloutView, Soaks};

/// The gate and waiting-on lines of some servers in the current phase of a rollout.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lines {
    /// The servers whose lines these replace (members of the phase or not), ascending.
    servers: Vec<u32>,
    /// The phase's halt, which decides what the other members are offered.
    halted: Option<String>,
    /// Each member gate's lines (indexed like `gates::GATES`), by server ascending.
    gates: Vec<Vec<(u32, String)>>,
    /// Waiting-on lines by (kind, server) ascending, in the order a full derivation lists them.
    waiting: Vec<((u8, u32), String)>,
}

/// The lines of `servers` in rollout `r`'s current phase at `now`, reading each server's phase
/// and soak from `soaks`; `None` when their change reaches other members' lines too (the lab
/// phase's coverage, a staggered start's holds): then the rollout's view is built again.
pub(super) fn lines_of(
    data: &Data,
    state: &State,
    r: usize,
    servers: &[usize],
    soaks: Soaks,
    now: DateTime<Utc>,
) -> Option<Lines> {
    let ro = &data.plan.rollouts[r];
    let progress = &state.progress[r];
    let mut servers: Vec<u32> = servers.iter().map(|&i| i as u32).collect();
    servers.sort_unstable();
    servers.dedup();
    let Some(p) = progress.current else {
        return Some(Lines { servers, halted: None, gates: Vec::new(), waiting: Vec::new() });
    };
    if ro.phases[p].is_lab() || ro.phases[p].stagger.is_some() {
        return None;
    }
    let halted = waiting::halted(ro, state, progress, p);
    let members: Vec<usize> = servers.iter().map(|&i| i as usize).filter(|&i| soaks.phase(i) == Some(p)).collect();
    let window = Window::of(ro, p, progress.extra_days[p]);
    let target = Target { catalog: &data.catalog, rollout: ro };
    let gates = gates::evaluate_owned(&target, progress, state, window, &members, now);
    let target_name = waiting::target_name(data, ro);
    let facts =
        waiting::Facts { target, target_name: &target_name, progress, halted: halted.is_some(), holds: Vec::new() };
    let mut lines = Vec::new();
    for (kind, block) in waiting::members(&facts, state, &members, soaks).into_iter().enumerate() {
        lines.extend(block.into_iter().map(|(owner, line)| ((kind as u8, owner), line)));
    }
    Some(Lines { servers, halted, gates, waiting: lines })
}

impl RolloutView {
    /// Put `lines` in place of their servers' lines. False when the phase's halt began or
    /// ended since the view was derived, which changes every member's offer: then the caller
    /// builds the rollout's view again.
    pub(super) fn put(&mut self, lines: Lines) -> bool {
        if self.current.is_none() {
            return true;
        }
        if lines.halted.is_some() != self.halted.is_some() {
            return false;
        }
        self.halted = lines.halted;
        let servers = &lines.servers;
        for (g, new) in lines.gates.into_iter().enumerate() {
            let (Some(owners), Some(status)) = (self.gate_owners.get_mut(g), self.gates.get_mut(g)) else { continue };
            // A phase gate's lines are owned by no server.
            if owners.is_empty() && new.is_empty() {
                continue;
            }
            replace(owners, &mut status.unmet, servers, new);
        }
        let keys: Vec<(u8, u32)> = (0..3u8).flat_map(|kind| servers.iter().map(move |&s| (kind, s))).collect();
        replace(&mut self.waiting_owners, &mut self.waiting, &keys, lines.waiting);
        true
    }
}

/// In `keys` and their `lines` (sorted by key), put `new` (sorted by key) in place of every
/// line whose key is among `gone` (sorted): in place when the same keys come back (a day
/// count moved), else in one merge.
fn replace<K: Ord + Copy>(keys: &mut Vec<K>, lines: &mut Vec<String>, gone: &[K], new: Vec<(K, String)>) {
    let mut at = Vec::new();
    for key in gone {
        let from = keys.partition_point(|k| k < key);
        let to = from + keys[from..].partition_point(|k| k == key);
        at.extend(from..to);
    }
    if at.len() == new.len() && at.iter().zip(&new).all(|(&k, (key, _))| keys[k] == *key) {
        for (k, (_, line)) in at.into_iter().zip(new) {
            lines[k] = line;
        }
        return;
    }
    let size = keys.len() - at.len() + new.len();
    let (mut kept_keys, mut kept_lines) = (Vec::with_capacity(size), Vec::with_capacity(size));
    let mut at = at.into_iter().peekable();
    let mut new = new.into_iter().peekable();
    for (k, (key, line)) in keys.drain(..).zip(lines.drain(..)).enumerate() {
        if at.next_if_eq(&k).is_some() {
            continue;
        }
        while let Some((key, line)) = new.next_if(|(n, _)| *n < key) {
            kept_keys.push(key);
            kept_lines.push(line);
        }
        kept_keys.push(key);
        kept_lines.push(line);
    }
    for (key, line) in new {
        kept_keys.push(key);
        kept_lines.push(line);
    }
    *keys = kept_keys;
    *lines = kept_lines;
}

#[cfg(test)]
mod tests {
    use super::replace;

    fn lines(keys: &[u32]) -> Vec<String> {
        keys.iter().map(|k| format!("line {k}")).collect()
    }

    #[test]
    fn lines_of_the_same_keys_are_replaced_in_place_and_others_merged_in_key_order() {
        let (mut keys, mut text) = (vec![1, 4, 7], lines(&[1, 4, 7]));
        replace(&mut keys, &mut text, &[4], vec![(4, "new 4".to_string())]);
        assert_eq!(keys, [1, 4, 7]);
        assert_eq!(text, ["line 1", "new 4", "line 7"]);
        replace(&mut keys, &mut text, &[4, 5, 9], vec![(5, "new 5".to_string()), (9, "new 9".to_string())]);
        assert_eq!(keys, [1, 5, 7, 9]);
        assert_eq!(text, ["line 1", "new 5", "line 7", "new 9"]);
        replace(&mut keys, &mut text, &[1, 9], Vec::new());
        assert_eq!(keys, [5, 7]);
        assert_eq!(text, ["new 5", "line 7"]);
        replace(&mut keys, &mut text, &[0], vec![(0, "new 0".to_string())]);
        assert_eq!(text, ["new 0", "new 5", "line 7"]);
    }
}
