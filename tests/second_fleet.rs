//! A second fleet, written from the field guide and DESIGN.md by someone who never ran sprout,
//! with its answers worked out by hand beside it (tests/fixtures/second-fleet/README.md shows the
//! arithmetic). Its events are recorded through sprout's own write path, each at its own time,
//! and every answer sprout gives must be the hand-worked one.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

#[derive(serde::Deserialize)]
struct Recorded {
    at: String,
    by: String,
    event: sprout::model::Event,
}

const NOW: &str = "2001-02-16T18:00:00Z";

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/second-fleet").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A data directory with the fixture's files and its events recorded one by one.
fn recorded(tmp: &Path) -> std::path::PathBuf {
    let data = tmp.join("data");
    std::fs::create_dir_all(&data).expect("dir");
    for f in ["catalog.ron", "fleet.ron", "rollout.ron"] {
        std::fs::write(data.join(f), fixture(&format!("data/{f}"))).expect("write");
    }
    std::fs::write(data.join("journal.ron"), "").expect("journal");
    let events: Vec<Recorded> = ron::from_str(&fixture("events.ron")).expect("events.ron");
    let store = sprout::store::FileStore::open(&data);
    for (n, r) in events.into_iter().enumerate() {
        let op = sprout::store::Operator { name: r.by.clone(), from: None };
        let at = r.at.parse().expect("time");
        let event = r.event;
        let result = sprout::live::record(&store, &op, at, Default::default(), move |_, _, _| Ok(event), |_| {});
        if let Err(e) = result {
            panic!("event {} ({} by {}) was refused: {e}", n + 1, r.at, r.by);
        }
    }
    data
}

#[test]
fn the_second_fleet_gets_its_hand_worked_answers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = recorded(tmp.path());
    let check = common::run_in(&data, NOW, &["check"]);
    assert!(check.ok, "the fixture is valid: {}", check.stderr);

    // Per server: the export's columns against answers.csv.
    let export = common::run_in(&data, NOW, &["export"]);
    assert!(export.ok, "{}", export.stderr);
    let mut got: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(export.stdout.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    for row in reader.records() {
        let row = row.expect("row");
        let fields: BTreeMap<String, String> =
            headers.iter().zip(row.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect();
        got.insert(fields["server"].clone(), fields);
    }
    let answers = fixture("answers.csv");
    let mut reader = csv::Reader::from_reader(answers.as_bytes());
    let headers = reader.headers().expect("headers").clone();
    let mut wrong = Vec::new();
    let mut compared = 0;
    for row in reader.records() {
        let row = row.expect("row");
        let server = &row[0];
        let Some(mine) = got.get(server) else {
            wrong.push(format!("{server}: not in the export"));
            continue;
        };
        for (h, want) in headers.iter().zip(row.iter()).skip(1) {
            // The export writes a priority override as "1 (override)".
            let have = mine.get(h).map(|v| v.trim_end_matches(" (override)").to_string()).unwrap_or_default();
            compared += 1;
            if have != want {
                wrong.push(format!("{server} {h}: sprout says '{have}', the hand-worked answer is '{want}'"));
            }
        }
    }
    println!("second fleet: {compared} per-server answers compared, {} differ", wrong.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // The current phase and what holds each of its gates.
    let status = common::run_in(&data, NOW, &["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("json");
    let mut expected: Vec<String> = Vec::new();
    let mut phase = None;
    for line in fixture("answers-gates.txt").lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (k, v) = line.split_once(": ").expect("key: value");
        match k {
            "current_phase" => phase = v.parse::<u64>().ok(),
            gate => expected.push(format!("{gate}: {v}")),
        }
    }
    assert_eq!(json["rollout"]["current"].as_u64(), phase, "the current phase");
    let mut have: Vec<String> = Vec::new();
    for g in json["rollout"]["gates"].as_array().expect("gates") {
        for item in g["unmet"].as_array().expect("unmet") {
            let who = match item["server"].as_str() {
                Some(s) => s.to_string(),
                // A sign-off line names its group.
                None => item["text"].as_str().unwrap_or("").trim_start_matches("sign-off missing from ").to_string(),
            };
            have.push(format!("{}: {who}", g["gate"].as_str().unwrap_or("")));
        }
    }
    have.sort();
    expected.sort();
    assert_eq!(have, expected, "what holds the gates of the current phase");
}
