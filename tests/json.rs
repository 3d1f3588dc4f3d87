//! Every command's `--format json` output validates against its schema in docs/json.md.

mod common;

use common::Sample;

/// The schema under each `## \`sprout ...\`` heading of docs/json.md, by heading.
fn schemas() -> Vec<(String, serde_json::Value)> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md")).expect("docs/json.md");
    doc.split("\n## `")
        .skip(1)
        .map(|section| {
            let heading = section.split('`').next().expect("heading").to_string();
            let block = section.split("```json\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a json block");
            let schema = serde_json::from_str(block).unwrap_or_else(|e| panic!("{heading}: {e}"));
            (heading, schema)
        })
        .collect()
}

#[test]
fn every_command_s_json_matches_its_documented_schema() {
    let s = Sample::new();
    // No list left empty: a pending override request and an unmatched replacement.
    let me = sprout::store::Operator::current().name;
    std::fs::write(s.file("team.ron"), format!("(approvers: [\"{me}\", \"mtracy\"])")).expect("team");
    assert!(s.run(&["advance", "--override", "change board"]).ok);
    // A meeting's events among the journal's, with an attendee from presence.
    let presence = sprout::store::Presence {
        session: "room".into(),
        operator: "jsmith".into(),
        from: Some("ssh 10.1.2.3".into()),
        read_only: true,
        looking_at: "rollout".into(),
        at: common::NOW.parse().expect("now"),
        look: Default::default(),
        presenting: false,
        following: None,
    };
    sprout::store::FileStore::open(s.path()).announce(&presence).expect("announce");
    assert!(s.run(&["meeting", "start", "--title", "Weekly review"]).ok);
    assert!(s.run(&["meeting", "join", "--operator", "kcho"]).ok);
    let fleet = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet");
    let extra = "        (name: \"BOS-MBX09\", role: \"mailbox\", site: \"BOS\", environment: Production, products: {\"nt4\": 6, \"ex55\": 2}, replaces: \"BOS-MBX01\"),\n    ],\n)";
    let at = fleet.rfind("    ],").expect("end of servers");
    std::fs::write(s.file("fleet.ron"), format!("{}{extra}\n", &fleet[..at])).expect("fleet");

    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("sprout status --format json", vec!["status", "--format", "json"]),
        ("sprout server NAME --format json", vec!["server", "BOS-IMS01", "--format", "json"]),
        ("sprout manifest NAME --format json", vec!["manifest", "BOS-IMS01", "--format", "json"]),
        (
            "sprout manifest NEW --against OLD --format json",
            vec!["manifest", "BOS-MBX09", "--against", "BOS-MBX01", "--format", "json"],
        ),
        ("sprout check --format json", vec!["check", "--format", "json"]),
        ("sprout verify --format json", vec!["verify", "--format", "json"]),
        ("sprout journal [WORDS] [--since T] [--until T] --format json", vec!["journal", "--format", "json"]),
    ];
    let schemas = schemas();
    assert_eq!(
        schemas.iter().map(|(h, _)| h.as_str()).collect::<Vec<_>>(),
        commands.iter().map(|(h, _)| *h).collect::<Vec<_>>(),
        "every documented command is tested, and every tested one documented"
    );
    for ((heading, schema), (_, args)) in schemas.iter().zip(&commands) {
        let run = s.run(args);
        let value: serde_json::Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{heading}: not JSON ({e}): {}", run.stdout));
        let validator = jsonschema::validator_for(schema).unwrap_or_else(|e| panic!("{heading}: bad schema: {e}"));
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{heading}:\n{}", errors.join("\n"));
        println!("{heading}: valid ({} bytes)", run.stdout.len());
    }
    // The lists the schemas describe are not empty here: the test covers their items.
    let status: serde_json::Value = serde_json::from_str(&s.run(&["status", "--format", "json"]).stdout).expect("json");
    for list in ["/at_limit", "/replacements", "/rollout/pending_overrides", "/rollout/waiting_on", "/rollout/delays"] {
        assert!(status.pointer(list).and_then(|v| v.as_array()).is_some_and(|a| !a.is_empty()), "{list}");
    }
    assert_eq!(status.pointer("/rollout/gates/0/unmet/0/server").and_then(|v| v.as_str()), Some("MSP-BH01"));
    // The forecast's dates are typed: the end and phase 4's projected opening (the override
    // above opened phase 4 with its gates unmet, so phase 5 is the first projected one).
    assert!(status.pointer("/rollout/projected_end").and_then(|v| v.as_str()).is_some(), "{status}");
    // Who is here: the presence announced above (a root-owned file keeps its claim).
    assert_eq!(status.pointer("/present/0/operator").and_then(|v| v.as_str()), Some("jsmith"), "{status}");
    assert!(status.pointer("/rollout/phases/4/opened").is_some_and(|v| v.is_null()));
    assert!(status.pointer("/rollout/phases/4/projected_open").and_then(|v| v.as_str()).is_some());
    let journal: serde_json::Value =
        serde_json::from_str(&s.run(&["journal", "meeting", "--format", "json"]).stdout).expect("json");
    let attendees = journal.pointer("/events/0/event/MeetingStarted/attendees/1").expect("attendees");
    assert_eq!(attendees, &serde_json::json!({"operator": "jsmith", "from": "ssh 10.1.2.3"}));
    // The check can fail: a phase numbered from 0, or a field the schema does not name, is refused.
    let validator = jsonschema::validator_for(&schemas[0].1).expect("schema");
    let mut wrong = status.clone();
    wrong["rollout"]["phases"][0]["number"] = serde_json::json!(0);
    assert!(!validator.is_valid(&wrong));
    let mut extra = status;
    extra["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&extra));
}
