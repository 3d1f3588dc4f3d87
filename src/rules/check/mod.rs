//! Cross-reference checks over a loaded data directory: every problem, not just the first.

use std::collections::HashSet;

use crate::model::{Data, Selector};

use super::replay::State;

mod journal;
pub use journal::{event, history};

/// One problem. `near` is text to locate in `file` (the store turns it into line:col).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: &'static str,
    /// Locate the last occurrence of `near` (a duplicate), not the first.
    pub last: bool,
    pub near: Option<String>,
    /// Texts found in order before `near` is looked for after them (a `requires` inside one
    /// service pack of one product, not the product it names).
    pub after: Vec<String>,
    /// For the journal, the 1-based line of the event.
    pub line: Option<usize>,
    pub message: String,
}

fn at(file: &'static str, near: &str, message: String) -> Problem {
    Problem { file, last: false, near: Some(format!("\"{near}\"")), after: Vec::new(), line: None, message }
}

fn duplicates<'a, S: AsRef<str> + ?Sized + 'a>(names: impl Iterator<Item = &'a S>) -> Vec<&'a S> {
    let mut seen = HashSet::new();
    names.filter(|&n| !seen.insert(n.as_ref())).collect()
}

/// The problems of `check` that the state the journal replays to can change (the rest are
/// the files' own, fixed while they are): a replacement server that no longer matches the one
/// it replaces, a phase that matches no server. In the order `check` finds them.
pub fn of_state(data: &Data, state: &State) -> Vec<Problem> {
    let mut out = Vec::new();
    for s in &state.servers {
        out.extend(replaced(&data.catalog, state, s));
    }
    // The servers as the state holds them: a state from the derived-state cache keeps no
    // second copy in the fleet. Names are asked of the state's own index, not gathered into
    // a set (5 MB at 100,000 servers, each time the header's count is made).
    let roles: HashSet<&str> = data.fleet.roles.iter().map(|r| r.id.as_str()).collect();
    let server = |name: &str| state.server_index(name).is_some();
    let sites: HashSet<&str> = state.servers.iter().map(|s| s.site.as_str()).collect();
    for (r, ro) in data.plan.rollouts.iter().enumerate() {
        let (known_product, matched) = (data.catalog.product(&ro.product).is_some(), matched(state, r, ro));
        for (p, phase) in ro.phases.iter().enumerate() {
            let unknown = unknown_in_selector(&phase.members, &roles, &sites, &server);
            if known_product && unknown.is_empty() && !matched[p] {
                out.push(at("rollout.ron", &phase.name, unmatched(ro, phase)));
            }
        }
    }
    out
}

/// A replacement server against the one it replaces, as the state has them now (installs
/// recorded since the baseline count).
fn replaced(cat: &crate::model::Catalog, state: &State, s: &crate::model::Server) -> Option<Problem> {
    let old = s.replaces.as_ref()?;
    match (state.server(&s.name), state.server(old)) {
        (_, None) => Some(at("fleet.ron", &s.name, format!("server {} replaces unknown server '{old}'", s.name))),
        (Some(new), Some(was)) => {
            let d = super::manifest::differences(cat, new, was);
            (!d.is_empty()).then(|| {
                at(
                    "fleet.ron",
                    &s.name,
                    format!("server {} replaces {old} but does not match it: {}", s.name, d.join("; ")),
                )
            })
        }
        (None, _) => None,
    }
}

/// Which phases of rollout `r` have members: each server placed as the rollout view places it,
/// without building the view (100,000 rows, for one flag a phase).
fn matched(state: &State, r: usize, ro: &crate::model::Rollout) -> Vec<bool> {
    let mut matched = vec![false; ro.phases.len()];
    for (i, server) in state.servers.iter().enumerate().filter(|(_, s)| s.products.contains_key(&ro.product)) {
        if let Some(p) = crate::rules::view::placement(ro, &state.progress[r].members[i], server).2 {
            matched[p] = true;
        }
    }
    matched
}

fn unmatched(ro: &crate::model::Rollout, phase: &crate::model::Phase) -> String {
    format!("phase '{}' of rollout {} matches no server", phase.name, ro.id)
}

/// Every cross-reference problem of the files (journal events are checked by `event`).
pub fn check(data: &Data, state: &State) -> Vec<Problem> {
    check_with(data, Some(state))
}

/// The problems of `check` that no state can change: the files' own (`check` less
/// `of_state`), found in the baseline alone, before any event is replayed onto it.
pub fn of_files(data: &Data) -> Vec<Problem> {
    check_with(data, None)
}

/// `check`, or without a state `of_files`.
fn check_with(data: &Data, state: Option<&State>) -> Vec<Problem> {
    let mut out = Vec::new();
    let cat = &data.catalog;
    let fleet = &data.fleet;
    let roles: HashSet<&str> = fleet.roles.iter().map(|r| r.id.as_str()).collect();
    let servers: HashSet<&str> = fleet.servers.iter().map(|s| s.name.as_str()).collect();
    let sites: HashSet<&str> = fleet.servers.iter().map(|s| s.site.as_str()).collect();

    names(data, &mut out);
    for d in duplicates(cat.products.iter().map(|p| &p.id)) {
        out.push(Problem { last: true, ..at("catalog.ron", d, format!("duplicate product '{d}'")) });
    }
    for p in &cat.products {
        for (n, sp) in p.service_packs.iter().enumerate() {
            if usize::from(sp.level) != n + 1 {
                out.push(at(
                    "catalog.ron",
                    &sp.name,
                    format!(
                        "{} {}: levels must run 1, 2, 3... in order; found level {} at position {}",
                        p.id,
                        sp.name,
                        sp.level,
                        n + 1
                    ),
                ));
            }
            for req in &sp.requires {
                let message = match cat.product(&req.product) {
                    None => format!("{} {} requires unknown product '{}'", p.id, sp.name, req.product),
                    Some(rp) if rp.service_pack(req.level).is_none() => format!(
                        "{} {} requires {} level {}, which the catalog does not list",
                        p.id, sp.name, req.product, req.level
                    ),
                    _ => continue,
                };
                // Located at this service pack's `requires`, not where the product it names is.
                let after = vec![format!("\"{}\"", p.id), format!("\"{}\"", sp.name), "requires".into()];
                out.push(Problem { after, ..at("catalog.ron", &req.product, message) });
            }
        }
        for f in &p.hot_fixes {
            if p.service_pack(f.built_for).is_none() {
                out.push(at(
                    "catalog.ron",
                    &f.id,
                    format!(
                        "hot fix {} is built for {} level {}, which the catalog does not list",
                        f.id, p.id, f.built_for
                    ),
                ));
            }
            for r in f.roles.iter().filter(|r| !roles.contains(r.as_str())) {
                out.push(at("catalog.ron", &f.id, format!("hot fix {} names unknown role '{r}'", f.id)));
            }
        }
    }
    for d in duplicates(cat.products.iter().flat_map(|p| p.hot_fixes.iter().map(|f| &f.id))) {
        out.push(Problem { last: true, ..at("catalog.ron", d, format!("duplicate hot fix '{d}'")) });
    }

    for site in &fleet.sites {
        if let Some(tz) = &site.time_zone
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            out.push(at(
                "fleet.ron",
                tz,
                format!("site {} has unknown time zone '{tz}' (an IANA name, e.g. America/New_York)", site.name),
            ));
        }
        if let Some(h) = site.after_hours.filter(|h| h.start > 23 || h.end > 23) {
            out.push(at(
                "fleet.ron",
                &site.name,
                format!("site {}: after hours {}..{} must be hours 0 to 23", site.name, h.start, h.end),
            ));
        }
        for f in site.freezes.iter().filter(|f| f.from > f.to) {
            out.push(at(
                "fleet.ron",
                &site.name,
                format!("site {}: freeze '{}' ends ({}) before it starts ({})", site.name, f.reason, f.to, f.from),
            ));
        }
    }
    for d in duplicates(fleet.sites.iter().map(|s| &s.name)) {
        out.push(Problem { last: true, ..at("fleet.ron", d, format!("duplicate site '{d}'")) });
    }
    for d in duplicates(fleet.roles.iter().map(|r| &r.id)) {
        out.push(Problem { last: true, ..at("fleet.ron", d, format!("duplicate role '{d}'")) });
    }
    for d in duplicates(fleet.servers.iter().map(|s| &s.name)) {
        out.push(Problem { last: true, ..at("fleet.ron", d, format!("duplicate server name '{d}'")) });
    }
    for s in &fleet.servers {
        if !roles.contains(s.role.as_str()) {
            out.push(at("fleet.ron", &s.name, format!("server {} has unknown role '{}'", s.name, s.role)));
        }
        for (pid, &level) in &s.products {
            match cat.product(pid) {
                None => out.push(at("fleet.ron", &s.name, format!("server {} runs unknown product '{pid}'", s.name))),
                Some(p) if level > 0 && p.service_pack(level).is_none() => out.push(at(
                    "fleet.ron",
                    &s.name,
                    format!("server {} has {pid} level {level}, which the catalog does not list", s.name),
                )),
                _ => {}
            }
        }
        for h in s.hot_fixes.iter().filter(|h| cat.hot_fix(h).is_none()) {
            out.push(at("fleet.ron", &s.name, format!("server {} has unknown hot fix '{h}'", s.name)));
        }
        out.extend(state.and_then(|state| replaced(cat, state, s)));
    }

    if let Some(team) = &data.team {
        for d in duplicates(team.approvers.iter()) {
            out.push(Problem { last: true, ..at("team.ron", d, format!("approver '{d}' is named twice")) });
        }
        for a in &team.approvers {
            if a.is_empty() || a.trim() != a || a.chars().any(char::is_whitespace) {
                let shown = crate::safe::visible(a);
                out.push(at("team.ron", a, format!("approver '{shown}' is not an account name (no spaces)")));
            }
        }
        let approvers = team.approvers.iter().collect::<HashSet<_>>().len();
        for ro in &data.plan.rollouts {
            for p in ro.phases.iter().filter(|p| usize::from(p.approvers) > approvers) {
                out.push(at(
                    "rollout.ron",
                    &p.name,
                    format!(
                        "phase '{}' of rollout {} needs {} approvers to confirm an override, and team.ron names {approvers}",
                        p.name, ro.id, p.approvers
                    ),
                ));
            }
        }
    }
    for ro in &data.plan.rollouts {
        for d in duplicates(ro.phases.iter().map(|p| &p.name)) {
            out.push(Problem {
                last: true,
                ..at("rollout.ron", d, format!("rollout {} has two phases named '{d}'", ro.id))
            });
        }
    }
    for d in duplicates(data.plan.rollouts.iter().map(|r| &r.id)) {
        out.push(Problem { last: true, ..at("rollout.ron", d, format!("duplicate rollout '{d}'")) });
    }
    for (r, ro) in data.plan.rollouts.iter().enumerate() {
        let mut near = |what: &str, msg: String| out.push(at("rollout.ron", what, msg));
        let known_product = cat.product(&ro.product).is_some();
        match cat.product(&ro.product) {
            None => near(&ro.product, format!("rollout {} targets unknown product '{}'", ro.id, ro.product)),
            Some(p) if p.service_pack(ro.target).is_none() => near(
                &ro.id,
                format!(
                    "rollout {} targets {} level {}, which the catalog does not list",
                    ro.id, ro.product, ro.target
                ),
            ),
            _ => {}
        }
        for b in ro.bundle.iter().filter(|b| cat.hot_fix(b).is_none()) {
            near(b, format!("rollout {} bundles unknown hot fix '{b}'", ro.id));
        }
        for rr in ro.risk.iter().filter(|rr| !roles.contains(rr.role.as_str())) {
            near(&rr.role, format!("rollout {} rates unknown role '{}'", ro.id, rr.role));
        }
        for sr in ro.server_risk.iter().filter(|sr| !servers.contains(sr.server.as_str())) {
            near(&sr.server, format!("rollout {} rates unknown server '{}'", ro.id, sr.server));
        }
        if ro.phases.is_empty() {
            near(&ro.id, format!("rollout {} has no phases", ro.id));
        }
        let matched = state.map(|state| matched(state, r, ro));
        for (p, phase) in ro.phases.iter().enumerate() {
            let unknown = unknown_in_selector(&phase.members, &roles, &sites, &|n| servers.contains(n));
            for u in &unknown {
                near(&phase.name, format!("phase '{}' of rollout {} selects unknown {u}", phase.name, ro.id));
            }
            if known_product && unknown.is_empty() && matched.as_ref().is_some_and(|m| !m[p]) {
                near(&phase.name, unmatched(ro, phase));
            }
            if phase.soak.min_days > phase.soak.max_days {
                near(
                    &phase.name,
                    format!(
                        "phase '{}': soak min_days {} is above max_days {}",
                        phase.name, phase.soak.min_days, phase.soak.max_days
                    ),
                );
            }
        }
    }

    out
}

/// Names that keep to the safe set, and free text with no control or direction character:
/// what reaches another operator's terminal cannot disguise one thing as another.
fn names(data: &Data, out: &mut Vec<Problem>) {
    let rule = "names keep to letters, digits, space and . _ - / ( ) &";
    for r in &data.fleet.roles {
        if let Some(problem) = crate::safe::title_problem(&r.name) {
            let shown = crate::safe::visible(&r.name);
            let message = format!("role name '{shown}' has {problem}; role names may also hold : and '");
            out.push(at("fleet.ron", &r.name, format!("{message} besides what {rule}")));
        }
    }
    let mut name = |file: &'static str, what: &str, value: &str| {
        if let Some(problem) = crate::safe::name_problem(value) {
            let shown = crate::safe::visible(value);
            out.push(at(file, value, format!("{what} '{shown}' has {problem}; {rule}")));
        }
    };
    for r in &data.fleet.roles {
        name("fleet.ron", "role", &r.id);
    }
    for s in &data.fleet.servers {
        name("fleet.ron", "server", &s.name);
        name("fleet.ron", "site", &s.site);
    }
    for g in data.plan.rollouts.iter().flat_map(|ro| ro.phases.iter().flat_map(|p| &p.signoffs)) {
        name("rollout.ron", "sign-off group", g);
    }
    for p in &data.catalog.products {
        name("catalog.ron", "product", &p.id);
        for sp in &p.service_packs {
            name("catalog.ron", "service pack", &sp.name);
        }
        for f in &p.hot_fixes {
            name("catalog.ron", "hot fix", &f.id);
        }
    }
    let mut text = |file: &'static str, what: &str, value: &str| {
        if let Some(bad) = crate::safe::find_unsafe(value) {
            let shown = crate::safe::visible(value);
            out.push(at(file, value, format!("{what} '{shown}' holds control or direction characters ({bad})")));
        }
    };
    for p in &data.catalog.products {
        text("catalog.ron", "product name", &p.name);
        for f in &p.hot_fixes {
            text("catalog.ron", "hot fix title", &f.title);
        }
    }
    for ro in &data.plan.rollouts {
        text("rollout.ron", "rollout", &ro.id);
        text("rollout.ron", "rollout title", &ro.title);
        for p in &ro.phases {
            text("rollout.ron", "phase", &p.name);
        }
        for r in &ro.server_risk {
            text("rollout.ron", "risk note", &r.note);
        }
    }
}

fn unknown_in_selector(
    sel: &Selector,
    roles: &HashSet<&str>,
    sites: &HashSet<&str>,
    server: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let roles = sel.roles.iter().filter(|r| !roles.contains(r.as_str())).map(|r| format!("role '{r}'"));
    let sites = sel.sites.iter().filter(|s| !sites.contains(s.as_str())).map(|s| format!("site '{s}'"));
    let names = sel.servers.iter().filter(|s| !server(s.as_str())).map(|s| format!("server '{s}'"));
    roles.chain(sites).chain(names).collect()
}

#[cfg(test)]
mod tests;
