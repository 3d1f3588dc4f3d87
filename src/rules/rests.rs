//! What a derived fact rests on: the journal events (by `seq`) behind the facts the current
//! phase's gates count, the phase's opening and a member's install. Pure: whether each of those
//! events is proven by its operator's key is `live::signing`'s to say; the rules that meet a
//! gate do not change with it.

use crate::model::{CheckoutResult, Data};

use super::gates::{self, GATES, Gate};
use super::phase::Window;
use super::replay::{MemberRecord, State};

/// The events one member's part of the gates rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberRests {
    /// The install (or 0: none recorded; a member at the target already rests on no event).
    pub installed: u64,
    /// The verification (`winver`), 0: none.
    pub verified: u64,
    /// The Pass checkout after the soak that the checkout gate counts (the latest), 0: none.
    pub checkout: u64,
}

/// What `record`'s part of the gates of the phase with `window` rests on.
pub fn member(record: &MemberRecord, window: Window) -> MemberRests {
    let soaked = record.installed_at.and_then(|i| i.checked_add_signed(chrono::Duration::days(window.min.into())));
    let checkout = record
        .checkouts_in(window.phase)
        .filter(|c| c.result == CheckoutResult::Pass && soaked.is_some_and(|s| c.at >= s))
        .last()
        .map_or(0, |c| c.seq);
    MemberRests { installed: record.installed_seq, verified: record.verified_seq, checkout }
}

/// For each gate of phase `p` of rollout `r` that applies (in `GATES` order), the events its
/// facts rest on, oldest first: for the members of the phase (`members`, excluded ones never
/// count), their installs, verifications and counted checkouts; the sign-offs of the groups the
/// phase requires (the first of each).
pub fn gates(data: &Data, state: &State, r: usize, p: usize, members: &[usize]) -> Vec<(Gate, Vec<u64>)> {
    let ro = &data.plan.rollouts[r];
    let progress = &state.progress[r];
    let window = Window::of(ro, p, progress.extra_days[p]);
    let rests: Vec<MemberRests> = members
        .iter()
        .map(|&i| &progress.members[i])
        .filter(|m| m.excluded.is_none())
        .map(|m| member(m, window))
        .collect();
    let nonzero = |seqs: &mut dyn Iterator<Item = u64>| {
        let mut v: Vec<u64> = seqs.filter(|&s| s != 0).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    GATES
        .iter()
        .filter(|d| gates::applies(d, ro, p))
        .map(|d| {
            let seqs = match d.id {
                "installed" => nonzero(&mut rests.iter().flat_map(|m| [m.installed, m.verified])),
                "soaked" => nonzero(&mut rests.iter().map(|m| m.installed)),
                "checked_out" | "lab_coverage" => nonzero(&mut rests.iter().map(|m| m.checkout)),
                "signed_off" => nonzero(
                    &mut ro.phases[p]
                        .signoffs
                        .iter()
                        .filter_map(|g| progress.signoffs[p].iter().find(|s| &s.group == g).map(|s| s.seq)),
                ),
                _ => Vec::new(),
            };
            (d, seqs)
        })
        .collect()
}

/// The event that opened phase `p` of rollout `r`, if it is open.
pub fn opened(state: &State, r: usize, p: usize) -> Option<u64> {
    state.progress[r].opened.get(p)?.as_ref().map(|o| o.seq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Event;
    use crate::rules::fixture::{apply, sample};

    #[test]
    fn a_gate_rests_on_the_events_that_meet_it_and_a_back_out_takes_the_install_away() {
        let (data, mut state) = sample();
        let i = state.server_index("BOS-PF02").expect("server");
        let install = Event::Install {
            server: "BOS-PF02".into(),
            product: "ex55".into(),
            level: 4,
            verified: Some("winver".into()),
        };
        let seq = apply(&data, &mut state, "op", install);
        assert_eq!(state.progress[0].members[i].installed_seq, seq, "the install's seq is kept beside it");
        let p = state.progress[0].current.unwrap_or(0);
        let rests = gates(&data, &state, 0, p, &[i]);
        let installed = rests.iter().find(|(g, _)| g.id == "installed").expect("gate");
        assert_eq!(installed.1, vec![seq], "install and verification are one event");
        let back =
            Event::BackedOut { server: "BOS-PF02".into(), product: "ex55".into(), to_level: 3, reason: "r".into() };
        apply(&data, &mut state, "op", back);
        let rests = gates(&data, &state, 0, p, &[i]);
        let members = rests.iter().filter(|(g, _)| matches!(g.check, gates::Check::Member(_)));
        assert!(members.clone().count() >= 3 && members.clone().all(|(_, s)| s.is_empty()), "backed out: {rests:?}");
    }
}
