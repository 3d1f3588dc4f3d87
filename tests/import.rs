//! `sprout import` and `sprout export`: the inventory a team already has comes in through the
//! write path, every bad cell located, no gate passed silently; the fleet goes out for a
//! spreadsheet with no formula planted.

mod common;

use common::Sample;

fn csv(s: &Sample, name: &str, text: &str) -> String {
    let path = s.path().parent().expect("parent").join(name);
    std::fs::write(&path, text).expect("csv");
    path.display().to_string()
}

#[test]
fn an_import_adds_and_updates_servers_and_is_recorded() {
    let s = Sample::new();
    let file = csv(
        &s,
        "cmdb.csv",
        "Server,Role,Site,Environment,Exchange Server 5.5,Windows NT Server 4.0,Users\n\
         NEW-MBX01,Mailbox server,NEW,Production,SP3,SP6a,1200\n\
         DEN-IMS01,ims,DEN,production,SP4,SP5,0\n",
    );
    let dry = s.run(&["import", &file, "--dry-run"]);
    assert!(dry.ok, "{}", dry.stderr);
    assert_eq!(
        dry.stdout,
        "  added NEW-MBX01 (mailbox, NEW)\n  DEN-IMS01: ex55 SP3 -> SP4\n1 server(s) added, 1 changed\ndry run: nothing written\n"
    );
    let fleet_before = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet");
    let r = s.run(&["import", &file, "--note", "CMDB export"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains("recorded #40 by")
            && r.stdout.contains("fleet.ron replaced: 1 server(s) added, 1 changed: CMDB export")
    );
    assert_ne!(std::fs::read_to_string(s.file("fleet.ron")).expect("fleet"), fleet_before);
    let server = s.run(&["server", "NEW-MBX01"]);
    assert!(server.ok && server.stdout.contains("1200 users"), "{}", server.stdout);
    assert!(s.run(&["check"]).ok, "{}", s.run(&["check"]).stderr);
    let again = s.run(&["import", &file]);
    assert!(again.ok && again.stdout.contains("nothing to change"), "{}", again.stdout);
    // A change by hand afterwards is named by check.
    let edited = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet").replace("1200", "1300");
    std::fs::write(s.file("fleet.ron"), edited).expect("edit");
    let check = s.run(&["check"]);
    assert!(check.stderr.contains("fleet.ron:1:1: changed since journal.ron line 40 recorded it"), "{}", check.stderr);
}

#[test]
fn every_bad_cell_is_located_and_nothing_is_written() {
    let s = Sample::new();
    let file = csv(
        &s,
        "bad.csv",
        "name,role,site,ex55,remote\nGOOD-IMS01,ims,BOS,SP3,no\nBOS-X1,printer,BOS,SP3,no\nBOS-X2,ims,BOS,SP9,perhaps\n",
    );
    let read = |name: &str| std::fs::read(s.file(name)).expect("read");
    let (fleet, journal) = (read("fleet.ron"), read("journal.ron"));
    let r = s.run(&["import", &file]);
    assert!(!r.ok);
    for at in [
        "bad.csv:3:2: role: expected a role of fleet.ron",
        "bad.csv:4:4: ex55: expected a service pack",
        "bad.csv:4:5: remote: expected yes or no, found \"perhaps\"",
    ] {
        assert!(r.stderr.contains(at), "{at}\n{}", r.stderr);
    }
    assert!(read("fleet.ron") == fleet && read("journal.ron") == journal, "nothing written");
    let skipped = s.run(&["import", &file, "--skip-bad"]);
    assert!(skipped.ok, "{}", skipped.stderr);
    assert!(
        skipped.stdout.contains("added GOOD-IMS01") && skipped.stdout.contains("left out (3 bad cell(s)"),
        "{}",
        skipped.stdout
    );
}

#[test]
fn an_import_that_changes_a_member_of_an_open_phase_is_refused_unless_forced() {
    let s = Sample::new();
    // BOS-IMS01 is in phase 3, the open one: raising its baseline level would pass its gate.
    let file = csv(&s, "raise.csv", "name,role,site,ex55\nBOS-IMS01,ims,BOS,SP4\n");
    let r = s.run(&["import", &file]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("changes 1 server(s) in an open phase")
            && r.stderr.contains("BOS-IMS01 (open phase 3 of ex55-sp4)"),
        "{}",
        r.stderr
    );
    let forced = s.run(&["import", &file, "--force"]);
    assert!(forced.ok, "{}", forced.stderr);
}

#[test]
fn a_tsv_and_a_mapping_file_bring_other_shapes_in() {
    let s = Sample::new();
    let mapping = csv(
        &s,
        "map.ron",
        "(columns: {\"Hostname\": \"name\", \"Kind\": \"role\", \"Loc\": \"site\", \"Exch\": \"ex55\"}, roles: {\"Mail\": \"mailbox\"})",
    );
    let file = csv(&s, "cmdb.tsv", "Hostname\tKind\tLoc\tExch\nZZ-MBX01\tMail\tZZ\t2\n");
    let r = s.run(&["import", &file, "--mapping", &mapping]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("added ZZ-MBX01 (mailbox, ZZ)"), "{}", r.stdout);
}

#[test]
fn export_writes_the_derived_state_with_no_formula_planted() {
    let s = Sample::new();
    let fleet = std::fs::read_to_string(s.file("fleet.ron")).expect("fleet").replace("\"BOS-NEWS01\"", "\"-2+3\"");
    std::fs::write(s.file("fleet.ron"), fleet).expect("fleet");
    let r = s.run(&["export"]);
    assert!(r.ok, "{}", r.stderr);
    let mut lines = r.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            "server,role,site,environment,remote,Windows NT Server 4.0,Exchange Server 5.5,behind,compliance,hot fixes ready,hot fixes blocked,hot fixes in SP,tier,priority,phase,soak,last checkout"
        )
    );
    assert!(r.stdout.lines().any(|l| l.starts_with("'-2+3,News server,BOS")), "a leading - is guarded:\n{}", r.stdout);
    assert!(
        r.stdout.contains(
            "BOS-IMS01,Internet Mail Server,BOS,production,no,SP6a,SP4,0,current,0,0,0,Low,1,3,overdue 15/14,"
        )
    );
}

/// What export writes, import reads back (its derived columns are skipped): the servers whose
/// installs are in the journal differ from the baseline, and those in the open phase are guarded.
#[test]
fn an_export_reads_back_as_an_import() {
    let s = Sample::new();
    let export = s.run(&["export"]);
    let file = csv(&s, "export.csv", &export.stdout);
    let dry = s.run(&["import", &file, "--dry-run"]);
    assert!(!dry.ok, "BOS-IMS01 is in the open phase: {}", dry.stdout);
    assert!(dry.stderr.contains("in an open phase") && !dry.stderr.contains("not a field"), "{}", dry.stderr);
    let forced = s.run(&["import", &file, "--dry-run", "--force"]);
    assert!(forced.ok, "{}", forced.stderr);
    assert!(
        forced.stdout.contains("LAB-NEWS01: ex55 SP3 -> SP4"),
        "installs recorded since the baseline: {}",
        forced.stdout
    );
    assert!(forced.stdout.contains("0 server(s) added"), "{}", forced.stdout);
}
