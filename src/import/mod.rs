//! Bringing a fleet in from an inventory export (CSV or TSV with a header row): columns are
//! mapped by their header names (or a mapping file), every bad cell is located as
//! `file:ROW:COLUMN`, and the result is today's fleet with the rows added or updated, with
//! the list of what changed. Pure: reading files and writing fleet.ron is the caller's.

use std::collections::{BTreeMap, HashMap};

use compact_str::CompactString;
use serde::Deserialize;

use crate::model::{Catalog, Environment, Fleet, Server};
use crate::progress::{Progress, Stage};

/// Other names for columns and values, for exports whose headers are not sprout's words:
/// `(columns: {"Hostname": "name", "Exch": "ex55"}, roles: {"Mail": "mailbox"},
/// environments: {"Prod": Production})`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Name,
    Role,
    Site,
    Environment,
    Remote,
    HotFixes,
    Users,
    Replaces,
    /// A column `sprout export` derives (behind, tier, soak...): read back, not imported.
    Derived,
    /// A product, by its id in catalog.ron.
    Product(String),
}

/// One bad cell (or row), located.
#[derive(Debug, Clone, PartialEq)]
pub struct BadCell {
    /// 1-based line of the file (the header is line 1).
    pub row: usize,
    /// 1-based column, 0 for the row as a whole.
    pub column: usize,
    pub message: String,
}

/// The fleet after the import, and what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub fleet: Fleet,
    /// One line per server added or changed: "added BOS-IMS03 (ims, BOS)", "BOS-IMS01: ex55 SP3 -> SP4".
    pub changes: Vec<String>,
    /// Names of the servers changed (not added), for the open-phase guard.
    pub changed: Vec<String>,
    pub added: usize,
    /// Rows left out with `--skip-bad`.
    pub bad: Vec<BadCell>,
}

fn field_of(header: &str, catalog: &Catalog, mapping: &Mapping) -> Option<Field> {
    let mapped = mapping.columns.iter().find(|(k, _)| k.trim().eq_ignore_ascii_case(header.trim()));
    let h = mapped.map_or(header.trim(), |(_, v)| v.as_str()).to_ascii_lowercase();
    Some(match h.as_str() {
        "name" | "server" | "hostname" | "host" => Field::Name,
        "role" => Field::Role,
        "site" | "location" => Field::Site,
        "environment" | "env" => Field::Environment,
        "remote" => Field::Remote,
        "hot fixes" | "hot_fixes" | "hotfixes" | "hot fix" => Field::HotFixes,
        "users" => Field::Users,
        "replaces" => Field::Replaces,
        "behind" | "compliance" | "hot fixes ready" | "hot fixes blocked" | "hot fixes in sp" | "tier" | "priority"
        | "phase" | "soak" | "last checkout" => Field::Derived,
        _ => {
            let p =
                catalog.products.iter().find(|p| p.id.eq_ignore_ascii_case(&h) || p.name.eq_ignore_ascii_case(&h))?;
            Field::Product(p.id.clone())
        }
    })
}

/// Read `text` (CSV, or TSV when `tabs`) against today's `fleet` and the catalog. With
/// `skip_bad`, bad rows are left out and listed; otherwise any bad cell fails the whole import.
/// `progress` counts the lines read.
pub fn import(
    text: &str,
    tabs: bool,
    catalog: &Catalog,
    fleet: &Fleet,
    mapping: &Mapping,
    skip_bad: bool,
    progress: &Progress,
) -> Result<Imported, Vec<BadCell>> {
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + usize::from(!text.ends_with('\n'));
    progress.begin(Stage::ReadingRows, lines as u64);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(if tabs { b'\t' } else { b',' })
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let bad = |row, column, message: String| BadCell { row, column, message };
    let headers = reader.headers().map_err(|e| vec![bad(1, 0, format!("cannot read the header row: {e}"))])?.clone();
    let fields: Vec<Option<Field>> = headers.iter().map(|h| field_of(h, catalog, mapping)).collect();
    let mut header_problems = Vec::new();
    for (k, h) in headers.iter().enumerate() {
        if fields[k].is_none() {
            header_problems.push(bad(
                1,
                k + 1,
                format!(
                    "column '{}' is not a field sprout knows (name, role, site, environment, remote, hot fixes, users, replaces, or a product of catalog.ron: {}); name it in a mapping file (--mapping FILE) or remove it",
                    crate::safe::visible(h),
                    catalog.products.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if fields[..k].contains(&fields[k]) && fields[k].is_some() && fields[k] != Some(Field::Derived) {
            header_problems.push(bad(
                1,
                k + 1,
                format!("column '{}' says the same as an earlier one", crate::safe::visible(h)),
            ));
        }
    }
    for (needed, word) in [(Field::Name, "name"), (Field::Role, "role"), (Field::Site, "site")] {
        if !fields.contains(&Some(needed)) {
            header_problems.push(bad(1, 0, format!("no '{word}' column: every row needs one")));
        }
    }
    if !header_problems.is_empty() {
        return Err(header_problems);
    }

    let by_name: HashMap<&str, usize> = fleet.servers.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let mut out = fleet.clone();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let (mut changes, mut changed, mut problems, mut skipped) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut added = 0;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line() as usize);
                problems.push(bad(row, 0, format!("cannot read the row: {e}")));
                continue;
            }
        };
        let row = record.position().map_or(0, |p| p.line() as usize);
        progress.set(row as u64);
        let mut row_problems = Vec::new();
        let cell = |k: usize| record.get(k).unwrap_or("");
        let column = |f: &Field| fields.iter().position(|x| x.as_ref() == Some(f));
        let name = column(&Field::Name).map(cell).unwrap_or_default().to_string();
        let base = by_name.get(name.as_str()).map(|&i| fleet.servers[i].clone());
        let mut server = base.clone().unwrap_or(Server {
            name: name.as_str().into(),
            role: Default::default(),
            site: Default::default(),
            remote: false,
            environment: Environment::Production,
            products: Default::default(),
            hot_fixes: Vec::new(),
            users: 0,
            replaces: None,
        });
        for (k, f) in fields.iter().enumerate() {
            let Some(f) = f else { continue };
            let value = cell(k);
            let shown = crate::safe::visible(value);
            let mut fail = |message: String| {
                row_problems.push(bad(row, k + 1, format!("{}: {message}", headers.get(k).unwrap_or(""))))
            };
            match f {
                Field::Name => {
                    if let Some(p) = crate::safe::name_problem(value) {
                        fail(format!("expected a server name, found \"{shown}\" ({p})"));
                    } else if let Some(first) = seen.insert(value.to_string(), row) {
                        fail(format!("server {shown} is on line {first} already"));
                    }
                }
                Field::Role => {
                    let mapped =
                        mapping.roles.iter().find(|(k, _)| k.eq_ignore_ascii_case(value)).map(|(_, v)| v.as_str());
                    let wanted = mapped.unwrap_or(value);
                    match fleet
                        .roles
                        .iter()
                        .find(|r| r.id.eq_ignore_ascii_case(wanted) || r.name.eq_ignore_ascii_case(wanted))
                    {
                        Some(r) => server.role = r.id.as_str().into(),
                        None => fail(format!(
                            "expected a role of fleet.ron ({}), found \"{shown}\"",
                            fleet.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
                        )),
                    }
                }
                Field::Site => match crate::safe::name_problem(value) {
                    Some(p) => fail(format!("expected a site name, found \"{shown}\" ({p})")),
                    None => server.site = value.into(),
                },
                Field::Environment => {
                    let mapped =
                        mapping.environments.iter().find(|(k, _)| k.eq_ignore_ascii_case(value)).map(|(_, v)| *v);
                    let parsed = mapped.or(match value.to_ascii_lowercase().replace(['-', '_'], " ").as_str() {
                        "" | "production" | "prod" => Some(Environment::Production),
                        "lab" => Some(Environment::Lab),
                        "testinproduction" | "test in production" | "test" => Some(Environment::TestInProduction),
                        _ => None,
                    });
                    match parsed {
                        Some(e) => server.environment = e,
                        None => fail(format!("expected Lab, TestInProduction or Production, found \"{shown}\"")),
                    }
                }
                Field::Remote => match value.to_ascii_lowercase().as_str() {
                    "" | "no" | "false" | "0" | "n" => server.remote = false,
                    "yes" | "true" | "1" | "y" => server.remote = true,
                    _ => fail(format!("expected yes or no, found \"{shown}\"")),
                },
                Field::Users => match value {
                    "" => server.users = 0,
                    v => match v.parse() {
                        Ok(n) => server.users = n,
                        Err(_) => fail(format!("expected a whole number of users, found \"{shown}\"")),
                    },
                },
                Field::Derived => {}
                Field::Replaces => match value {
                    "" => server.replaces = None,
                    v => match crate::safe::name_problem(v) {
                        Some(p) => {
                            fail(format!("expected the name of the server it replaces, found \"{shown}\" ({p})"))
                        }
                        None => server.replaces = Some(v.into()),
                    },
                },
                Field::HotFixes => {
                    let ids: Vec<&str> = value.split([';', ',', ' ']).filter(|s| !s.is_empty()).collect();
                    match ids.iter().find(|id| catalog.hot_fix(id).is_none()) {
                        Some(unknown) => fail(format!(
                            "expected hot fixes of catalog.ron separated by ';', found unknown \"{}\"",
                            crate::safe::visible(unknown)
                        )),
                        None => server.hot_fixes = ids.iter().map(|s| CompactString::from(*s)).collect(),
                    }
                }
                Field::Product(id) => {
                    let Some(p) = catalog.product(id) else { continue };
                    match level_of(p, value) {
                        Ok(Some(level)) => {
                            server.products.insert(id.clone(), level);
                        }
                        Ok(None) => {
                            server.products.remove(id);
                        }
                        Err(()) => fail(format!(
                            "expected a service pack of {} ({}, or 0 for none, or empty if not installed), found \"{shown}\"",
                            p.name,
                            p.service_packs.iter().map(|sp| sp.name.as_str()).collect::<Vec<_>>().join(", ")
                        )),
                    }
                }
            }
        }
        if !row_problems.is_empty() {
            if skip_bad {
                skipped.extend(row_problems);
            } else {
                problems.extend(row_problems);
            }
            continue;
        }
        match base {
            None => {
                // A product the catalog has but the file gave no level for: said, not guessed.
                let missing: Vec<&str> = catalog
                    .products
                    .iter()
                    .filter(|p| !server.products.contains_key(&p.id))
                    .map(|p| p.id.as_str())
                    .collect();
                let note = if missing.is_empty() {
                    String::new()
                } else {
                    format!("; no level given for {}", missing.join(", "))
                };
                changes.push(format!("added {} ({}, {}){note}", server.name, server.role, server.site));
                added += 1;
                out.servers.push(server);
            }
            Some(old) if old != server => {
                changes.push(format!("{}: {}", server.name, differences(&old, &server, catalog).join("; ")));
                changed.push(server.name.to_string());
                if let Some(&i) = by_name.get(name.as_str()) {
                    out.servers[i] = server;
                }
            }
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Imported { fleet: out, changes, changed, added, bad: skipped })
}

/// fleet.ron as sprout writes it: the roles, then one server a line, so a diff of two imports
/// reads server by server.
pub fn fleet_ron(fleet: &Fleet) -> Result<String, ron::Error> {
    let mut out =
        String::from("// Written by sprout import; edit with care: the journal replays over it.\n(\n    roles: [\n");
    for r in &fleet.roles {
        out.push_str(&format!("        {},\n", ron::to_string(r)?));
    }
    out.push_str("    ],\n    servers: [\n");
    for s in &fleet.servers {
        // `replaces` is written only when set (the cache writes every field; a person reads this).
        let line = ron::to_string(s)?;
        let line = if s.replaces.is_none() { line.replace(",replaces:None", "") } else { line };
        out.push_str(&format!("        {line},\n"));
    }
    out.push_str("    ],\n)\n");
    Ok(out)
}

/// "SP5", "5", "sp6a", "6a" as the catalog names its levels; "0" or "none" for none; empty for
/// not installed.
fn level_of(p: &crate::model::Product, value: &str) -> Result<Option<u8>, ()> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v == "0" || v.eq_ignore_ascii_case("none") || v.eq_ignore_ascii_case("no sp") {
        return Ok(Some(0));
    }
    let bare = |s: &str| s.trim_start_matches(['S', 's']).trim_start_matches(['P', 'p']).to_ascii_lowercase();
    p.service_packs
        .iter()
        .find(|sp| sp.name.eq_ignore_ascii_case(v) || bare(&sp.name) == bare(v) || sp.level.to_string() == v)
        .map(|sp| Some(sp.level))
        .ok_or(())
}

/// What changed on one server, in words.
fn differences(old: &Server, new: &Server, catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |what: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{what} {a} -> {b}"));
        }
    };
    field("role", old.role.to_string(), new.role.to_string());
    field("site", old.site.to_string(), new.site.to_string());
    field("environment", old.environment.label().into(), new.environment.label().into());
    field("remote", old.remote.to_string(), new.remote.to_string());
    field("users", old.users.to_string(), new.users.to_string());
    let ids: std::collections::BTreeSet<&str> = old.products.keys().chain(new.products.keys()).collect();
    for id in ids {
        let name = |l: Option<&u8>| match (l, catalog.product(id)) {
            (None, _) => "not installed".to_string(),
            (Some(&l), Some(p)) => p.level_name(l),
            (Some(l), None) => format!("level {l}"),
        };
        field(id, name(old.products.get(id)), name(new.products.get(id)));
    }
    let fixes = |s: &Server| if s.hot_fixes.is_empty() { "none".to_string() } else { s.hot_fixes.join(";") };
    field("hot fixes", fixes(old), fixes(new));
    out
}

#[cfg(test)]
mod tests;
