//! A review meeting's agenda: what the rollout waits on, in the order a change board takes it
//! (violations, failed and overdue checkouts, the current phase's unmet gates, the decisions
//! due), each item under whom it waits on (a site's operators, a sign-off group, the approvers).

use crate::model::{Asked, Data};

use super::levels::Compliance;
use super::phase::SoakState;
use super::replay::State;
use super::view::FleetView;

/// The agenda's parts, in the order a change board takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// Servers more than two service packs behind: against policy whatever the rollout does.
    Violations,
    /// Members whose latest checkout failed, or whose soak passed its maximum unchecked.
    FailedOrOverdue,
    /// The rest of what the current phase's gates wait on.
    Unmet,
    /// What the meeting itself must decide: open, extend, back out, confirm an override.
    Decisions,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Violations => "Violations (more than two behind)",
            Section::FailedOrOverdue => "Failed and overdue checkouts",
            Section::Unmet => "Unmet gates of the current phase",
            Section::Decisions => "Decisions due",
        }
    }
}

/// One thing the meeting takes, on whom it waits, and the server it is about (if one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub section: Section,
    /// Inline when short ("BOS operators"): a violation each at 100,000 servers was 17,000
    /// allocations of the dashboard's memory.
    pub whom: compact_str::CompactString,
    pub what: String,
    pub server: Option<usize>,
}

/// The agenda for the rollout `view` shows, sorted by section, then whom, then server name.
pub fn agenda(data: &Data, state: &State, view: &FleetView) -> Vec<Item> {
    let mut items = Vec::new();
    let operators = |i: usize| compact_str::format_compact!("{} operators", state.servers[i].site);
    for row in view.rows.iter().filter(|r| r.compliance == Compliance::Violation) {
        let s = &state.servers[row.index];
        items.push(Item {
            section: Section::Violations,
            whom: operators(row.index),
            what: format!("{} is {} service packs behind: policy is never more than two", s.name, row.behind),
            server: Some(row.index),
        });
    }
    let Some(v) = &view.rollout else { return sorted(items, state) };
    let ro = &data.plan.rollouts[v.rollout];
    let progress = &state.progress[v.rollout];
    if let Some(c) = v.current {
        let mut failed = Vec::new();
        for &i in &v.members[c] {
            match view.rows.get(i).and_then(|r| r.soak.as_ref()) {
                Some(SoakState::Failed { day }) => {
                    failed.push(i);
                    items.push(Item {
                        section: Section::FailedOrOverdue,
                        whom: operators(i),
                        what: format!(
                            "{}: latest checkout FAILED (day {day}): back out or check out again",
                            state.servers[i].name
                        ),
                        server: Some(i),
                    });
                }
                Some(SoakState::Overdue { day, max }) => items.push(Item {
                    section: Section::FailedOrOverdue,
                    whom: operators(i),
                    what: format!("{}: checkout OVERDUE (day {day}, maximum {max})", state.servers[i].name),
                    server: Some(i),
                }),
                _ => {}
            }
        }
        // The waiting-on lines name whom before the colon; overdue ones are listed above.
        for line in &v.waiting {
            let (whom, what) = line.split_once(": ").unwrap_or(("the phase", line.as_str()));
            if what.contains("OVERDUE") || whom.starts_with("approvers") {
                continue;
            }
            let server = what.split_whitespace().next().and_then(|w| state.server_index(w));
            items.push(Item { section: Section::Unmet, whom: whom.into(), what: what.to_string(), server });
        }
        let decide = |what: String, server: Option<usize>| Item {
            section: Section::Decisions,
            whom: "the change board".into(),
            what,
            server,
        };
        let unmet = v.gates.iter().filter(|g| !g.met()).count();
        match ro.phases.get(c + 1) {
            Some(next) if unmet == 0 => {
                items.push(decide(format!("open phase {} ({}): every gate is met", c + 2, next.name), None))
            }
            Some(next) => items.push(decide(
                format!("open phase {} ({}) by override, or wait: {unmet} gate(s) unmet", c + 2, next.name),
                None,
            )),
            None => {}
        }
        if items.iter().any(|i| i.section == Section::FailedOrOverdue) {
            items.push(decide(format!("extend the soak of phase {} ({})?", c + 1, ro.phases[c].name), None));
        }
        for i in failed {
            items.push(decide(format!("back out {} (its checkout failed)?", state.servers[i].name), Some(i)));
        }
        if let Some(why) = &v.halted {
            items.push(decide(format!("the phase is halted: {why}"), None));
        }
    }
    for q in &progress.requests {
        let what = match &q.asked {
            Asked::Open { phase, .. } => format!("confirm override request #{} by {}: open {phase}", q.seq, q.by),
            Asked::Priority { server, priority, .. } => {
                format!("confirm override request #{} by {}: {server} to priority {priority}", q.seq, q.by)
            }
        };
        let approvers = data.team.as_ref().map(|t| super::approval::can_confirm(t, q).join(", "));
        let whom = match approvers {
            Some(names) if !names.is_empty() => compact_str::format_compact!("approvers ({names})"),
            _ => "approvers".into(),
        };
        let what = format!("{what} ({}/{} confirmed)", q.confirmed.len(), q.needed);
        items.push(Item { section: Section::Decisions, whom, what, server: None });
    }
    sorted(items, state)
}

fn sorted(mut items: Vec<Item>, state: &State) -> Vec<Item> {
    let name = |i: &Item| i.server.map(|s| state.servers[s].name.clone()).unwrap_or_default();
    // Stable: within a section and a whom, the order the rules gave (decisions as listed).
    items.sort_by(|a, b| {
        a.section.cmp(&b.section).then_with(|| a.whom.cmp(&b.whom)).then_with(|| {
            if a.section == Section::Decisions { std::cmp::Ordering::Equal } else { name(a).cmp(&name(b)) }
        })
    });
    // Kept until the next change: without the room pushing left spare (half of it, at 100,000).
    items.shrink_to_fit();
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fixture::sample;

    #[test]
    fn the_sample_agenda_takes_the_overdue_checkout_first_then_the_gates_then_the_decisions() {
        let (data, state) = sample();
        let view = FleetView::build(&data, &state, Some(0), crate::store::sample::anchor());
        let items = agenda(&data, &state, &view);
        let sections: Vec<Section> = items.iter().map(|i| i.section).collect();
        assert!(sections.windows(2).all(|w| w[0] <= w[1]), "in the board's order: {sections:?}");
        let overdue = items.iter().find(|i| i.section == Section::FailedOrOverdue).expect("an overdue checkout");
        assert_eq!(overdue.whom, "BOS operators");
        assert!(overdue.what.starts_with("BOS-IMS01: checkout OVERDUE"), "{}", overdue.what);
        assert!(
            items.iter().any(|i| i.section == Section::Unmet && i.whom == "Network services"),
            "the missing sign-off waits on its group: {items:#?}"
        );
        assert!(items.iter().any(|i| i.section == Section::Unmet && i.whom == "MSP operators"));
        let decisions: Vec<&str> =
            items.iter().filter(|i| i.section == Section::Decisions).map(|i| i.what.as_str()).collect();
        assert!(decisions[0].starts_with("open phase 4 (Local high impact) by override, or wait"), "{decisions:?}");
        assert!(decisions.iter().any(|d| d.starts_with("extend the soak of phase 3")), "{decisions:?}");
    }
}
