//! Who the current phase waits on: overdue and due checkouts, backups owed before an install,
//! and whether a back-out halted the phase.

use crate::model::{Data, Rollout};

use super::phase::SoakState;
use super::replay::{Progress, State};
use super::view::ServerRow;

/// Overdue, due and backup lines for `members`.
pub(super) fn members(state: &State, target: &str, members: &[usize], rows: &[ServerRow]) -> [Vec<(u32, String)>; 3] {
    let mut overdue = Vec::new();
    let mut due = Vec::new();
    let mut backups = Vec::new();
    for &i in members {
        let name = &state.servers[i].name;
        let owner = i as u32;
        let owned = |list: &mut Vec<(u32, String)>, line: String| list.push((owner, line));
        match rows[i].soak {
            Some(SoakState::Overdue { day, max }) => {
                owned(&mut overdue, format!("{name}: checkout OVERDUE (day {day}, max {max})"))
            }
            Some(SoakState::CheckoutDue { day, max, .. }) => {
                owned(&mut due, format!("{name}: checkout due (day {day} of {max})"))
            }
            Some(SoakState::Failed { .. }) => {
                owned(&mut overdue, format!("{name}: checkout failed; back out or re-check"))
            }
            Some(SoakState::NotStarted | SoakState::BackedOut) => {
                let backed_up = state.backup_confirmed(i);
                if backed_up {
                    owned(&mut due, format!("{name}: backup confirmed, install {target}"));
                } else {
                    owned(&mut backups, format!("{name}: backup not confirmed before installing {target}"));
                }
            }
            _ => {}
        }
    }
    [overdue, due, backups]
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
