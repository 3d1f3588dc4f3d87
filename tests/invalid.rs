//! Every file in tests/fixtures/invalid breaks the sample in one way; `sprout check`
//! must name the file, line and column and say what is wrong, and exit 1.

mod common;

use common::Sample;

/// (fixture, the first line `sprout check` must print)
const EXPECTED: &[(&str, &str)] = &[
    ("catalog-bad-date", "catalog.ron:9:52: expected a date as YYYY-MM-DD (e.g. \"2000-10-10\"), found \"1996-13-40\""),
    (
        "catalog-hotfix-unknown-level",
        "catalog.ron:42:22: hot fix Q282523 is built for ex55 level 7, which the catalog does not list",
    ),
    (
        "catalog-requirement-unknown-level",
        "catalog.ron:30:86: ex55 SP4 requires nt4 level 9, which the catalog does not list",
    ),
    ("catalog-syntax", "catalog.ron:11:40: Expected comma"),
    ("catalog-unknown-requirement", "catalog.ron:31:86: ex55 SP4 requires unknown product 'nt5'"),
    ("fleet-duplicate-product", "fleet.ron:18:113: duplicate key \"nt4\": each product is listed once"),
    ("fleet-duplicate-server", "fleet.ron:27:16: duplicate server name 'BOS-NEWS01'"),
    (
        "fleet-unknown-environment",
        "fleet.ron:25:71: Unexpected variant named `Staging` in enum `Environment`, expected one of `Lab`, `TestInProduction`, or `Production` instead",
    ),
    ("fleet-unknown-hotfix", "fleet.ron:28:16: server BOS-IMS01 has unknown hot fix 'Q999999'"),
    ("fleet-unknown-level", "fleet.ron:42:16: server BOS-MBX02 has ex55 level 9, which the catalog does not list"),
    ("fleet-unknown-product", "fleet.ron:41:16: server BOS-MBX01 runs unknown product 'ex2000'"),
    ("fleet-unknown-role", "fleet.ron:26:16: server BOS-NEWS01 has unknown role 'newz'"),
    ("fleet-wrong-type", "fleet.ron:24:130: Expected integer"),
    ("rollout-bundle-unknown-hotfix", "rollout.ron:12:22: rollout ex55-sp4 bundles unknown hot fix 'Q275435'"),
    ("rollout-deep-nesting", "rollout.ron:2:13: Expected opening `(` for struct `Rollout`"),
    ("rollout-duplicate-phase", "rollout.ron:49:27: rollout ex55-sp4 has two phases named 'Local high impact'"),
    (
        "rollout-phase-matches-nothing",
        "rollout.ron:50:27: phase 'One remote low impact' of rollout ex55-sp4 matches no server",
    ),
    (
        "rollout-selector-unknown-server",
        "rollout.ron:50:27: phase 'One remote low impact' of rollout ex55-sp4 selects unknown server 'DEN-IMS09'",
    ),
    ("rollout-unknown-product", "rollout.ron:9:22: rollout ex55-sp4 targets unknown product 'ex56'"),
    ("team-duplicate-approver", "team.ron:1:35: approver 'mtracy' is named twice"),
];

#[test]
fn every_invalid_fixture_gives_its_own_located_message() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let mut fixtures: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_string))
        .collect();
    fixtures.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|(f, _)| *f).collect();
    assert_eq!(fixtures, listed, "every fixture needs an expected message, and every expectation a fixture");
    for (fixture, expected) in EXPECTED {
        let s = Sample::new();
        let target = fixture.split('-').next().expect("target file");
        std::fs::copy(dir.join(format!("{fixture}.ron")), s.file(&format!("{target}.ron"))).expect("copy");
        let r = s.run(&["check"]);
        assert!(!r.ok, "{fixture}: check must exit 1");
        let first = r.stderr.lines().next().unwrap_or_default();
        let want = format!("sprout: {}", s.path().join(expected).display());
        assert_eq!(first, want, "{fixture}");
        // Every other command refuses the same broken directory rather than showing half a state,
        // except cross-reference problems, which only `check` looks for.
        let status = s.run(&["status"]);
        assert!(!status.stderr.contains("panicked"), "{fixture}: {}", status.stderr);
    }
}

#[test]
fn check_lists_every_problem_not_just_the_first() {
    let s = Sample::new();
    let fleet = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet");
    let broken = fleet.replace("role: \"news\"", "role: \"newz\"").replace("\"Q248838\"", "\"Q0\"");
    std::fs::write(s.file("fleet.ron"), broken).expect("write");
    let r = s.run(&["check"]);
    assert!(!r.ok);
    assert!(r.stderr.contains("4 problems found"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("unknown role 'newz'").count(), 3, "{}", r.stderr);
    assert!(r.stderr.contains("unknown hot fix 'Q0'"), "{}", r.stderr);
}

#[test]
fn the_sample_checks_clean() {
    let s = Sample::new();
    let r = s.run(&["check"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("ok: 2 products, 38 servers, 1 rollouts, 39 journal events"), "{}", r.stdout);
}
