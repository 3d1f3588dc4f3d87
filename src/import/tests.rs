use super::*;
use crate::rules::fixture::sample;

const CSV: &str = "name,role,site,environment,Exchange Server 5.5,nt4,hot fixes,users\n\
    BOS-IMS01,ims,BOS,production,SP4,6a,,0\n\
    NEW-MBX01,Mailbox server,NEW,prod,sp3,SP6a,Q230411,900\n";

#[test]
fn rows_are_added_or_update_the_fields_they_name() {
    let (data, _) = sample();
    let progress = Progress::new();
    let got = import(CSV, false, &data.catalog, &data.fleet, &Mapping::default(), false, &progress).expect("good");
    assert_eq!(got.added, 1);
    let read = progress.read();
    assert_eq!((read.stage, read.done, read.total), (Stage::ReadingRows, 3, 3), "every line counted");
    let new = got.fleet.servers.iter().find(|s| s.name == "NEW-MBX01").expect("added");
    assert_eq!((new.role.as_str(), new.products.get("ex55"), new.users), ("mailbox", Some(&3), 900));
    assert_eq!(
        got.changes,
        ["BOS-IMS01: ex55 SP3 -> SP4; hot fixes Q248838 -> none", "added NEW-MBX01 (mailbox, NEW)"]
    );
    assert_eq!(got.changed, ["BOS-IMS01"], "the baseline had SP3: its install is in the journal");
}

#[test]
fn every_bad_cell_is_located_with_what_was_expected() {
    let (data, _) = sample();
    let text = "name,role,site,ex55,remote\nBOS-IMS01,printer,BOS,SP9,maybe\nBAD NAME\u{1b},ims,BOS,4,no\n";
    let bad =
        import(text, false, &data.catalog, &data.fleet, &Mapping::default(), false, &Progress::new()).expect_err("bad");
    let at: Vec<(usize, usize)> = bad.iter().map(|b| (b.row, b.column)).collect();
    assert_eq!(at, [(2, 2), (2, 4), (2, 5), (3, 1)]);
    assert!(bad[0].message.starts_with("role: expected a role of fleet.ron (news, ims"), "{}", bad[0].message);
    assert!(
        bad[1].message.contains("expected a service pack of Exchange Server 5.5 (SP1, SP2, SP3, SP4"),
        "{}",
        bad[1].message
    );
    assert_eq!(bad[2].message, "remote: expected yes or no, found \"maybe\"");
    assert!(bad[3].message.contains("\\e"), "shown visibly: {}", bad[3].message);
    let skipped =
        import(text, false, &data.catalog, &data.fleet, &Mapping::default(), true, &Progress::new()).expect("skip");
    assert_eq!((skipped.changes.len(), skipped.bad.len()), (0, 4));
}

#[test]
fn a_mapping_file_names_other_headers_and_values() {
    let (data, _) = sample();
    let mapping: Mapping =
        ron::from_str("(columns: {\"Hostname\": \"name\", \"Exch\": \"ex55\", \"Loc\": \"site\", \"Kind\": \"role\"}, roles: {\"Mail\": \"mailbox\"})")
            .expect("mapping");
    let text = "Hostname,Kind,Loc,Exch\nZZ-MBX01,Mail,ZZ,SP2\n";
    let got = import(text, false, &data.catalog, &data.fleet, &mapping, false, &Progress::new()).expect("mapped");
    let s = got.fleet.servers.iter().find(|s| s.name == "ZZ-MBX01").expect("added");
    assert_eq!((s.role.as_str(), s.site.as_str(), s.products.get("ex55")), ("mailbox", "ZZ", Some(&2)));
    let unknown =
        import("Hostname,Color\nX,red\n", false, &data.catalog, &data.fleet, &mapping, false, &Progress::new())
            .expect_err("header");
    assert!(
        unknown.iter().any(|b| b.row == 1 && b.column == 2 && b.message.starts_with("column 'Color' is not a field"))
    );
}
