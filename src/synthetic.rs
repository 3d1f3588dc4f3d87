//! `sprout gen`: a deterministic synthetic fleet and journal of realistic shape, for scale tests.
//!
//! Built from the sample's catalog, roles and rollout: N servers spread over 20 sites (4 remote),
//! levels drawn from a seeded generator, and a journal of M events with the rollout mid-way
//! (lab and test phases done, the third phase soaking). Valid under `sprout check`.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};

use crate::model::{CheckoutResult, Event, Fleet, RolloutPlan, Server};
use crate::progress::{Progress, Stage};
use crate::store::{journal, parse, sample};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

/// The four files' texts for `servers` servers and `events` journal events, dated for `now`.
pub fn generate(servers: usize, events: usize, now: DateTime<Utc>) -> Result<Vec<(&'static str, String)>, String> {
    generate_with_progress(servers, events, now, &Progress::new())
}

/// `generate`, telling `progress` how many servers and events are made so far.
pub fn generate_with_progress(
    servers: usize,
    events: usize,
    now: DateTime<Utc>,
    progress: &Progress,
) -> Result<Vec<(&'static str, String)>, String> {
    let files = sample::files(now).map_err(|e| e.to_string())?;
    let text = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, t)| t.clone()).unwrap_or_default();
    let base_fleet: Fleet = parse::ron("fleet.ron", &text("fleet.ron"), 1).map_err(|e| e.to_string())?;
    let mut plan: RolloutPlan = parse::ron("rollout.ron", &text("rollout.ron"), 1).map_err(|e| e.to_string())?;
    let mut rng = Lcg(0x5350_524f_5554 ^ servers as u64);
    let roles = ["news", "ims", "public-folder", "mailbox", "mailbox", "mailbox", "msmail", "bridgehead"];
    let mut fleet = Fleet {
        roles: base_fleet.roles.clone(),
        sites: base_fleet.sites.clone(),
        servers: Vec::with_capacity(servers),
    };
    // Keep the sample's lab and test servers so the first two phases have members.
    fleet.servers.extend(
        base_fleet.servers.iter().filter(|s| s.name.starts_with("LAB-") || s.name.starts_with("TEST-")).cloned(),
    );
    let mut n = 0;
    progress.begin(Stage::MakingServers, servers as u64);
    while fleet.servers.len() < servers {
        progress.set(fleet.servers.len() as u64);
        let role = roles[rng.next(roles.len() as u64) as usize];
        let site = rng.next(20);
        let remote = site >= 16;
        let nt = [4, 5, 5, 6, 6, 6][rng.next(6) as usize];
        let ex = [1, 2, 3, 3, 3, 4][rng.next(6) as usize].min(if nt >= 5 { 4 } else { 3 });
        n += 1;
        fleet.servers.push(Server {
            name: format!("S{site:02}-{}{n:06}", role_code(role)).into(),
            role: role.into(),
            site: format!("S{site:02}").into(),
            remote,
            environment: crate::model::Environment::Production,
            products: [("nt4".to_string(), nt), ("ex55".to_string(), ex)].into(),
            hot_fixes: Vec::new(),
            users: if role == "mailbox" { 1000 } else { 0 },
            replaces: None,
        });
    }
    fleet.servers.truncate(servers.max(1));
    // Per-server ratings name sample servers that are not generated.
    if let Some(r) = plan.rollouts.first_mut() {
        r.server_risk.retain(|o| fleet.servers.iter().any(|s| s.name == o.server));
    }
    // Phase 5 names one remote IMS server explicitly, as the sample does.
    if let Some(remote_ims) = fleet.servers.iter().find(|s| s.remote && s.role == "ims").map(|s| s.name.clone())
        && let Some(p) = plan.rollouts.first_mut().and_then(|r| r.phases.get_mut(4))
    {
        p.members.servers = vec![remote_ims.to_string()];
    }
    let catalog: crate::model::Catalog =
        parse::ron("catalog.ron", &text("catalog.ron"), 1).map_err(|e| e.to_string())?;
    progress.begin(Stage::MakingEvents, events as u64);
    let journal = journal_text(&catalog, &fleet, &plan, events, now, &mut rng, progress)?;
    progress.begin(Stage::WritingFiles, 0);
    let fleet_text =
        ron::ser::to_string_pretty(&fleet, ron::ser::PrettyConfig::default()).map_err(|e| e.to_string())?;
    let plan_text = ron::ser::to_string_pretty(&plan, ron::ser::PrettyConfig::default()).map_err(|e| e.to_string())?;
    Ok(vec![
        ("catalog.ron", text("catalog.ron")),
        ("fleet.ron", fleet_text),
        ("rollout.ron", plan_text),
        ("journal.ron", journal),
    ])
}

fn role_code(role: &str) -> &'static str {
    match role {
        "news" => "NEWS",
        "ims" => "IMS",
        "public-folder" => "PF",
        "mailbox" => "MBX",
        "msmail" => "MSM",
        _ => "BH",
    }
}

/// Appends chained lines.
struct Chain<'a> {
    seq: u64,
    prev: String,
    out: String,
    progress: &'a Progress,
}

impl Chain<'_> {
    fn emit(&mut self, event: Event, at: DateTime<Utc>) -> Result<(), String> {
        self.emit_as("gen", event, at)
    }

    fn emit_as(&mut self, by: &str, event: Event, at: DateTime<Utc>) -> Result<(), String> {
        self.seq += 1;
        self.progress.set(self.seq);
        let (entry, line) = journal::encode(self.seq, at, by, None, event, &self.prev).map_err(|e| e.to_string())?;
        self.prev = entry.sum;
        let _ = writeln!(self.out, "{line}");
        Ok(())
    }
}

fn journal_text(
    catalog: &crate::model::Catalog,
    fleet: &Fleet,
    plan: &RolloutPlan,
    events: usize,
    now: DateTime<Utc>,
    rng: &mut Lcg,
    progress: &Progress,
) -> Result<String, String> {
    let Some(ro) = plan.rollouts.first() else { return Ok(String::new()) };
    let rollout = ro.id.clone();
    // Only what the write path would accept: servers below the target that have its prerequisites.
    let requires = catalog.product(&ro.product).and_then(|p| p.service_pack(ro.target)).map(|sp| sp.requires.clone());
    let installable = |s: &Server| {
        s.products.get(&ro.product).is_some_and(|&l| l < ro.target)
            && requires.iter().flatten().all(|r| s.products.get(&r.product).is_some_and(|&l| l >= r.level))
    };
    let phases: Vec<String> = ro.phases.iter().map(|p| p.name.clone()).collect();
    let opened = |name: &str| Event::PhaseOpened {
        rollout: rollout.clone(),
        phase: name.into(),
        override_reason: None,
        approver: None,
        overridden: vec![],
    };
    let verified = Some("Exchange 5.5 build 2650.24 (SP4)".to_string());
    let mut chain = Chain { seq: 0, prev: String::new(), out: String::with_capacity(events * 200), progress };
    let start = now - Duration::days(40);
    let mut left = events;
    let mut installed: Vec<(String, String)> = Vec::new();
    // Lab and test: opened, backed up, installed, verified, checked out.
    let lab: Vec<&Server> = fleet.servers.iter().filter(|s| s.name.starts_with("LAB-")).collect();
    let test: Vec<&Server> = fleet.servers.iter().filter(|s| s.name.starts_with("TEST-MBX")).collect();
    for (k, members) in [lab, test].into_iter().enumerate() {
        let Some(name) = phases.get(k) else { break };
        let at = start + Duration::days(10 * k as i64);
        if left == 0 {
            break;
        }
        left -= 1;
        chain.emit(opened(name), at)?;
        // In time order: the backups, then the installs an hour later, then the checkouts.
        let chosen: Vec<&Server> = members.into_iter().filter(|s| installable(s)).take(left / 3).collect();
        left -= 3 * chosen.len();
        for s in &chosen {
            chain.emit(Event::Backup { server: s.name.to_string(), note: "full backup".into() }, at)?;
        }
        for s in &chosen {
            let install = Event::Install {
                server: s.name.to_string(),
                product: "ex55".into(),
                level: 4,
                verified: verified.clone(),
            };
            chain.emit(install, at + Duration::hours(1))?;
        }
        for s in &chosen {
            let checkout = Event::Checkout {
                rollout: rollout.clone(),
                server: s.name.to_string(),
                phase: name.clone(),
                result: CheckoutResult::Pass,
                note: "generated".into(),
            };
            chain.emit(checkout, at + Duration::days(8))?;
            installed.push((s.name.to_string(), name.clone()));
        }
    }
    // The third phase opens and soaks: some of its members installed. Its gates want the second
    // phase's sign-offs, from someone who did not check that phase out.
    let owed = ro.phases.get(1).map_or(&[][..], |p| p.signoffs.as_slice());
    if let Some(third) = phases.get(2).filter(|_| left > owed.len()) {
        for group in owed {
            left -= 1;
            let sign = Event::SignOff {
                rollout: rollout.clone(),
                phase: phases[1].clone(),
                group: group.clone(),
                note: String::new(),
            };
            chain.emit_as("gen-lead", sign, start + Duration::days(24))?;
        }
        left -= 1;
        chain.emit(opened(third), start + Duration::days(25))?;
        let members = fleet.servers.iter().filter(|s| {
            !s.remote
                && s.environment == crate::model::Environment::Production
                && matches!(s.role.as_str(), "ims" | "bridgehead")
                && installable(s)
        });
        let chosen: Vec<&Server> = members.take(50).take(left / 2).collect();
        left -= 2 * chosen.len();
        // Day by day, in time order: that day's backups, then its installs an hour later.
        for day in 0..10 {
            let at = start + Duration::days(26 + day as i64);
            let today: Vec<&&Server> =
                chosen.iter().enumerate().filter(|(k, _)| k % 10 == day).map(|(_, s)| s).collect();
            for s in &today {
                chain.emit(Event::Backup { server: s.name.to_string(), note: "full backup".into() }, at)?;
            }
            for s in &today {
                let install = Event::Install {
                    server: s.name.to_string(),
                    product: "ex55".into(),
                    level: 4,
                    verified: verified.clone(),
                };
                chain.emit(install, at + Duration::hours(1))?;
            }
        }
    }
    // The rest of the history: nightly backups across the fleet and repeat checkouts, after
    // everything above.
    let mut t = start + Duration::days(36);
    for _ in 0..left {
        t = (t + Duration::seconds(1)).min(now);
        let event = match installed.get(rng.next(installed.len().max(1) as u64 * 4) as usize) {
            Some((server, phase)) => Event::Checkout {
                rollout: rollout.clone(),
                server: server.clone(),
                phase: phase.clone(),
                result: CheckoutResult::Pass,
                note: "weekly check".into(),
            },
            None => {
                let s = &fleet.servers[rng.next(fleet.servers.len() as u64) as usize];
                Event::Backup { server: s.name.to_string(), note: "nightly full backup".into() }
            }
        };
        chain.emit(event, t)?;
    }
    Ok(chain.out)
}

/// Under test: a generated fleet of `servers` and `events` in the in-memory store.
#[cfg(test)]
pub(crate) fn memory_store(servers: usize, events: usize, now: DateTime<Utc>) -> crate::store::MemoryStore {
    use crate::store;
    let files = generate(servers, events, now).expect("generate");
    let text = |name: &str| files.iter().find(|f| f.0 == name).map(|f| f.1.clone()).expect("file");
    let memory = store::MemoryStore::new(
        parse::ron(store::CATALOG, &text(store::CATALOG), 1).expect("catalog"),
        parse::ron(store::FLEET, &text(store::FLEET), 1).expect("fleet"),
        parse::ron(store::ROLLOUT, &text(store::ROLLOUT), 1).expect("rollout"),
        None,
    );
    memory.rewrite_journal(text(store::JOURNAL).lines().map(str::to_string).collect());
    memory
}
