//! Property tests: the parsers never panic on hostile input, the journal round-trips, and
//! replaying random events equals a simple reference model.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use sprout::model::{Catalog, CheckoutResult, Data, Event, Fleet, RolloutPlan, Team};
use sprout::rules::State;
use sprout::store::{journal, parse, sample};

fn sample_data() -> Data {
    let text = |name| {
        sample::files(sample::anchor())
            .expect("sample")
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
            .unwrap_or_default()
    };
    Data {
        catalog: parse::ron("catalog.ron", &text("catalog.ron"), 1).expect("catalog"),
        fleet: parse::ron("fleet.ron", &text("fleet.ron"), 1).expect("fleet"),
        plan: parse::ron("rollout.ron", &text("rollout.ron"), 1).expect("rollout"),
        journal: Default::default(),
        team: None,
    }
}

fn mutate(text: &str, edits: &[(usize, u8)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, b) in edits {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = b;
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_file_parsers_never_panic_on_garbage(text in "[(){}\\[\\]:,\"'a-zA-Z0-9_ \\n.-]{0,300}") {
        let _ = parse::ron::<Catalog>("catalog.ron", &text, 1);
        let _ = parse::ron::<Fleet>("fleet.ron", &text, 1);
        let _ = parse::ron::<RolloutPlan>("rollout.ron", &text, 1);
        let _ = parse::ron::<Option<Team>>("team.ron", &text, 1);
        let _ = journal::parse(&text);
    }

    #[test]
    fn damaged_sample_files_give_located_errors_not_panics(
        edits in proptest::collection::vec((0usize..100_000, 0u8..128), 1..6),
    ) {
        for (name, text) in sample::files(sample::anchor()).expect("sample") {
            let damaged = mutate(&text, &edits);
            let located = match name {
                "catalog.ron" => parse::ron::<Catalog>(name, &damaged, 1).err(),
                "fleet.ron" => parse::ron::<Fleet>(name, &damaged, 1).err(),
                "rollout.ron" => parse::ron::<RolloutPlan>(name, &damaged, 1).err(),
                _ => journal::parse(&damaged).err(),
            };
            if let Some(e) = located {
                prop_assert!(e.line >= 1 && e.line <= damaged.lines().count().max(1) + 1, "{e}");
            }
        }
    }

    #[test]
    fn the_journal_line_parser_never_panics_and_rejects_edits(
        cut in 0usize..400, flip in 0usize..400, byte in 32u8..127,
    ) {
        let text = sample::files(sample::anchor()).expect("sample").into_iter().find(|(n, _)| *n == "journal.ron").map(|(_, t)| t).unwrap_or_default();
        let line = text.lines().nth(5).expect("a line");
        let _ = journal::decode(&line[..cut.min(line.len())], 1);
        let mut bytes = line.as_bytes().to_vec();
        let i = flip % bytes.len();
        let changed = bytes[i] != byte;
        bytes[i] = byte;
        let edited = String::from_utf8_lossy(&bytes).into_owned();
        if changed {
            prop_assert!(journal::decode(&edited, 1).is_err(), "an edited line must not verify: {edited}");
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Install(usize, u8),
    BackOut(usize, u8),
    HotFix(usize, usize),
    Checkout(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..6, 1u8..5).prop_map(|(s, l)| Op::Install(s, l)),
        (0usize..6, 0u8..4).prop_map(|(s, l)| Op::BackOut(s, l)),
        (0usize..6, 0usize..4).prop_map(|(s, h)| Op::HotFix(s, h)),
        (0usize..6).prop_map(Op::Checkout),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Replay over the fleet equals a fold a reader can check by eye: installs and back-outs
    /// set the level, hot fixes join the installed set, checkouts change no level.
    #[test]
    fn replay_matches_a_reference_model(ops in proptest::collection::vec(op(), 0..60)) {
        let data = sample_data();
        let servers = ["BOS-NEWS01", "BOS-IMS01", "MSP-PF02", "DEN-MBX02", "BOS-MSM01", "LAB-BH01"];
        let fixes = ["Q275453", "Q244599", "Q230411", "Q281220"];
        let mut levels: BTreeMap<&str, u8> = servers.iter().map(|s| (*s, data.fleet.servers.iter().find(|x| x.name == *s).map_or(0, |x| x.products["ex55"]))).collect();
        let mut hot: BTreeMap<&str, BTreeSet<String>> = servers.iter().map(|s| (*s, data.fleet.servers.iter().find(|x| x.name == *s).map(|x| x.hot_fixes.iter().map(|h| h.to_string()).collect()).unwrap_or_default())).collect();
        let start: DateTime<Utc> = "2000-11-01T00:00:00Z".parse().expect("time");
        let mut prev = String::new();
        let mut entries = Vec::new();
        for (n, op) in ops.iter().enumerate() {
            let event = match op {
                Op::Install(s, l) => {
                    levels.insert(servers[*s], *l);
                    Event::Install { server: servers[*s].into(), product: "ex55".into(), level: *l, verified: None }
                }
                Op::BackOut(s, l) => {
                    levels.insert(servers[*s], *l);
                    Event::BackedOut { server: servers[*s].into(), product: "ex55".into(), to_level: *l, reason: "r".into() }
                }
                Op::HotFix(s, h) => {
                    hot.get_mut(servers[*s]).expect("server").insert(fixes[*h].into());
                    Event::HotFixApplied { server: servers[*s].into(), hot_fix: fixes[*h].into() }
                }
                Op::Checkout(s) => Event::Checkout { rollout: "ex55-sp4".into(), server: servers[*s].into(), phase: "Lab".into(), result: CheckoutResult::Pass, note: String::new() },
            };
            // The rollout's bundle goes on with an install of its target: the model does the same.
            if let Op::Install(s, 4) = op
                && data.fleet.servers.iter().any(|x| x.name == servers[*s] && x.role == "ims")
            {
                hot.get_mut(servers[*s]).expect("server").insert("Q275453".into());
            }
            let (entry, line) = journal::encode(n as u64 + 1, start + Duration::minutes(n as i64), "op", None, event, &prev).expect("encode");
            prop_assert_eq!(&journal::decode(&line, n + 1).expect("round trip"), &entry);
            prev = entry.sum.clone();
            entries.push(entry);
        }
        let state = State::replay(&data, &entries);
        for s in servers {
            let server = state.server(s).expect("server");
            prop_assert_eq!(server.products["ex55"], levels[s], "{}", s);
            let got: BTreeSet<String> = server.hot_fixes.iter().map(|h| h.to_string()).collect();
            // Back-outs of the target remove the bundle; the model only adds, so compare the rest.
            let expected: BTreeSet<String> = hot[s].iter().filter(|h| *h != "Q275453").cloned().collect();
            let got_rest: BTreeSet<String> = got.iter().filter(|h| *h != "Q275453").cloned().collect();
            prop_assert_eq!(got_rest, expected, "{}", s);
        }
    }
}
