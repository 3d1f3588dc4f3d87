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
    pub what: What,
    pub server: Option<usize>,
}

/// What an item says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Text(String),
    /// A violation: the item's server is this many service packs behind. Its line is made
    /// when drawn: one a server, the lines were 2.7 MB of a first start at 100,000.
    Behind(u8),
}

impl Item {
    /// The item's line.
    pub fn text(&self, state: &State) -> std::borrow::Cow<'_, str> {
        match (&self.what, self.server.and_then(|s| state.servers.get(s))) {
            (What::Text(text), _) => text.into(),
            (What::Behind(n), server) => {
                let name = server.map_or("a server", |s| s.name.as_str());
                format!("{name} is {n} service packs behind: policy is never more than two").into()
            }
        }
    }
}

/// Whom an item about server `i` waits on: its site's operators.
fn operators(state: &State, i: usize) -> compact_str::CompactString {
    compact_str::format_compact!("{} operators", state.servers[i].site)
}

/// The agenda for the rollout `view` shows, sorted by section, then whom, then server name.
pub fn agenda(data: &Data, state: &State, view: &FleetView) -> Vec<Item> {
    let operators = |i: usize| operators(state, i);
    // The rollout's items (hundreds, thousands at most) first, so that the violations (one a
    // server, 33,000 at 100,000) go into a list of its final size: grown by doubling, it was
    // twice as large at its last copy, and half of it spare.
    let rest = rollout_items(data, state, view);
    let violating = view.rows.iter().filter(|r| r.compliance == Compliance::Violation);
    let mut items = Vec::with_capacity(violating.clone().count() + rest.len());
    for row in violating {
        items.push(Item {
            section: Section::Violations,
            whom: operators(row.index),
            what: What::Behind(row.behind),
            server: Some(row.index),
        });
    }
    items.extend(rest);
    sorted(items, state)
}

/// What the rollout `view` shows waits on: its current phase's failed and overdue checkouts
/// and unmet gates, and the decisions due, in the sections' order.
fn rollout_items(data: &Data, state: &State, view: &FleetView) -> Vec<Item> {
    let mut items = Vec::new();
    let operators = |i: usize| operators(state, i);
    let Some(v) = &view.rollout else { return items };
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
                        what: What::Text(format!(
                            "{}: latest checkout FAILED (day {day}): back out or check out again",
                            state.servers[i].name
                        )),
                        server: Some(i),
                    });
                }
                Some(SoakState::Overdue { day, max }) => items.push(Item {
                    section: Section::FailedOrOverdue,
                    whom: operators(i),
                    what: What::Text(format!("{}: checkout OVERDUE (day {day}, maximum {max})", state.servers[i].name)),
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
            items.push(Item { section: Section::Unmet, whom: whom.into(), what: What::Text(what.to_string()), server });
        }
        let decide = |what: String, server: Option<usize>| Item {
            section: Section::Decisions,
            whom: "the change board".into(),
            what: What::Text(what),
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
        items.push(Item { section: Section::Decisions, whom, what: What::Text(what), server: None });
    }
    items
}

/// `items` in the board's order: by section, then whom, then server name; within those, the
/// order the rules gave (decisions as listed).
fn sorted(mut items: Vec<Item>, state: &State) -> Vec<Item> {
    let name = |i: &Item| i.server.map_or("", |s| state.servers[s].name.as_str());
    let order = |a: &Item, b: &Item| {
        a.whom.cmp(&b.whom).then_with(|| {
            if a.section == Section::Decisions { std::cmp::Ordering::Equal } else { name(a).cmp(name(b)) }
        })
    };
    if !items.is_sorted_by_key(|i| i.section) {
        items.sort_by_key(|i| i.section);
    }
    for part in items.chunk_by_mut(|a, b| a.section == b.section) {
        match part[0].section {
            // One item a server: no two are equal, so an unstable sort gives the same order
            // without a stable sort's buffer (2.6 MB at 100,000 servers).
            Section::Violations | Section::FailedOrOverdue => part.sort_unstable_by(order),
            Section::Unmet | Section::Decisions => part.sort_by(order),
        }
    }
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
        assert!(overdue.text(&state).starts_with("BOS-IMS01: checkout OVERDUE"), "{overdue:?}");
        assert!(
            items.iter().any(|i| i.section == Section::Unmet && i.whom == "Network services"),
            "the missing sign-off waits on its group: {items:#?}"
        );
        assert!(items.iter().any(|i| i.section == Section::Unmet && i.whom == "MSP operators"));
        let decisions: Vec<String> =
            items.iter().filter(|i| i.section == Section::Decisions).map(|i| i.text(&state).into_owned()).collect();
        assert!(decisions[0].starts_with("open phase 4 (Local high impact) by override, or wait"), "{decisions:?}");
        assert!(decisions.iter().any(|d| d.starts_with("extend the soak of phase 3")), "{decisions:?}");
    }

    #[test]
    fn a_generated_fleets_agenda_is_in_the_order_of_one_stable_sort_by_section_whom_and_name() {
        let now = crate::store::sample::anchor();
        let store = crate::synthetic::memory_store(3000, 30_000, now);
        let loaded = crate::live::load(&store.arc()).expect("load");
        let (data, state) = (&loaded.data, &loaded.state);
        let view = FleetView::build(data, state, Some(0), now);
        let items = agenda(data, state, &view);
        let count = |s: Section| items.iter().filter(|i| i.section == s).count();
        assert!(count(Section::Violations) > 100, "violations: {}", count(Section::Violations));
        assert!(count(Section::Unmet) > 10 && count(Section::Decisions) > 0, "{items:#?}");
        // The reference: the items in the order the rules give them (the violations in the
        // fleet's order, then the rollout's), one stable sort.
        let pushed: Vec<Item> = {
            let mut all: Vec<Item> = Vec::new();
            let shown: Vec<usize> =
                view.rows.iter().filter(|r| r.compliance == Compliance::Violation).map(|r| r.index).collect();
            for i in shown {
                all.push(
                    items
                        .iter()
                        .find(|x| x.section == Section::Violations && x.server == Some(i))
                        .expect("listed")
                        .clone(),
                );
            }
            all.extend(rollout_items(data, state, &view));
            all
        };
        let name = |i: &Item| i.server.map(|s| state.servers[s].name.to_string()).unwrap_or_default();
        let mut reference = pushed;
        reference.sort_by(|a, b| {
            a.section.cmp(&b.section).then_with(|| a.whom.cmp(&b.whom)).then_with(|| {
                if a.section == Section::Decisions { std::cmp::Ordering::Equal } else { name(a).cmp(&name(b)) }
            })
        });
        assert_eq!(items, reference);
        assert_eq!(items.capacity(), items.len(), "no spare room kept");
    }
}
