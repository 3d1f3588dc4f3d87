//! Who the current phase waits on, each line naming whom: the server's site operators (checkouts,
//! verifications, backups, installs, prerequisites), a sign-off group, or the approvers; and
//! whether a back-out halted the phase. A step the write path would refuse is never offered.

use crate::model::{Data, Rollout};

use super::phase::{SoakState, Target};
use super::replay::{Progress, State};
use super::view::Soaks;

/// What the lines of `members` need besides their rows.
pub(super) struct Facts<'a> {
    pub target: Target<'a>,
    /// "SP4": the target's name.
    pub target_name: &'a str,
    pub progress: &'a Progress,
    /// A back-out halted the phase: no install is offered but the backed-out server's own.
    pub halted: bool,
    /// Staggered start: who waits for the first ones, by role ("" for the whole phase).
    pub holds: Vec<(String, super::stagger::Hold)>,
}

impl Facts<'_> {
    fn hold(&self, role: &str) -> Option<&super::stagger::Hold> {
        self.holds.iter().find(|(r, _)| r.is_empty() || r == role).map(|(_, h)| h)
    }
}

/// The holds of a staggered phase, once per group (the phase, or each role in it).
pub(super) fn holds(
    data: &Data,
    state: &State,
    r: usize,
    phase: usize,
    members: &[usize],
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, super::stagger::Hold)> {
    let Some(stagger) = data.plan.rollouts[r].phases[phase].stagger else { return Vec::new() };
    let progress = &state.progress[r];
    let waiting = members.iter().filter(|&&i| progress.members[i].installed_at.is_none());
    let mut out: Vec<(String, super::stagger::Hold)> = Vec::new();
    for &i in waiting {
        let group = if stagger.per_role { state.servers[i].role.clone() } else { Default::default() };
        if out.iter().any(|(g, _)| *g == group) {
            continue;
        }
        if let Some(h) = super::stagger::hold(data, state, r, phase, i, now) {
            out.push((group.to_string(), h));
        } else if !stagger.per_role {
            break;
        }
    }
    out
}

/// Overdue, due and to-do (prerequisites, backups, installs) lines for `members`.
pub(super) fn members(f: &Facts, state: &State, members: &[usize], soaks: Soaks) -> [Vec<(u32, String)>; 3] {
    let mut overdue = Vec::new();
    let mut due = Vec::new();
    let mut todo = Vec::new();
    let target = f.target_name;
    for &i in members {
        let server = &state.servers[i];
        let (name, site) = (&server.name, &server.site);
        let owner = i as u32;
        let owned = |list: &mut Vec<(u32, String)>, line: String| {
            list.push((owner, format!("{site} operators: {name} {line}")))
        };
        let record = &f.progress.members[i];
        if record.installed_at.is_some() && record.verified.is_none() && record.excluded.is_none() {
            owned(&mut due, "verify the install (winver)".to_string());
        }
        match soaks.of(i) {
            Some(SoakState::Overdue { day, max }) => {
                owned(&mut overdue, format!("checkout OVERDUE (day {day}, max {max})"))
            }
            Some(SoakState::CheckoutDue { day, max, .. }) => {
                owned(&mut due, format!("checkout due (day {day} of {max})"))
            }
            Some(SoakState::Failed { .. }) => owned(&mut overdue, "checkout failed; back out or re-check".to_string()),
            Some(SoakState::AtTarget { verified: false }) => {
                owned(&mut due, "verify (winver): it had the target already".to_string())
            }
            Some(SoakState::Blocked) => {
                let needs = f.target.needs(server).unwrap_or_else(|| "a prerequisite".into());
                owned(&mut todo, format!("install {needs} first ({target} needs it)"));
            }
            Some(SoakState::BackedOut) => {
                owned(&mut overdue, format!("was backed out: re-install {target} or exclude it"))
            }
            Some(SoakState::NotStarted) if f.halted => {}
            Some(SoakState::NotStarted) if f.hold(&server.role).is_some() => {
                if let Some(h) = f.hold(&server.role) {
                    let from = h.from.format("%Y-%m-%d");
                    owned(
                        &mut todo,
                        format!("install {target} from {from} (staggered start: after {})", h.waiting_on.join(", ")),
                    );
                }
            }
            Some(SoakState::NotStarted) => {
                if state.backup_confirmed(i) {
                    owned(&mut due, format!("backup confirmed, install {target}"));
                } else {
                    owned(&mut todo, format!("confirm a full backup, then install {target}"));
                }
            }
            _ => {}
        }
    }
    [overdue, due, todo]
}

/// Lines owed by the approvers: each pending override request, with who may confirm it.
pub(super) fn approvers(data: &Data, progress: &Progress) -> Vec<String> {
    progress
        .requests
        .iter()
        .map(|q| {
            let may: Vec<&str> = data.team.as_ref().map_or_else(Vec::new, |t| {
                t.approvers.iter().filter(|a| **a != q.by && !q.confirmed.contains(a)).map(String::as_str).collect()
            });
            format!(
                "approvers ({}): confirm override request #{} by {}, {}",
                may.join(", "),
                q.seq,
                q.by,
                super::approval::still_needed(q)
            )
        })
        .collect()
}

/// Whether a back-out halted `phase`: a member backed out, not re-installed nor excluded since.
/// Looks only at the few servers backed out, so the write path and `check` can ask per event.
pub(super) fn halted(ro: &Rollout, state: &State, progress: &Progress, phase: usize) -> Option<String> {
    progress
        .backed_out
        .iter()
        .map(|&i| i as usize)
        .find(|&i| {
            let record = &progress.members[i];
            record.excluded.is_none()
                && record.backed_out_at.is_some()
                && super::view::placement(ro, record, &state.servers[i]).2 == Some(phase)
        })
        .map(|i| format!("halted: {} was backed out; re-install or exclude it", state.servers[i].name))
}

pub(super) fn target_name(data: &Data, ro: &Rollout) -> String {
    data.catalog.product(&ro.product).map_or(String::new(), |p| p.level_name(ro.target))
}
