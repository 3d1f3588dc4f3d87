//! The review meeting end to end: a scripted meeting recorded through the one write path, its
//! minutes compared to a snapshot and read by a CommonMark parser; the refusals; `--as-of`.

mod common;

use chrono::{DateTime, Utc};
use common::{NOW, Sample};
use sprout::live::{self, Recorded, WriteOptions};
use sprout::model::Attendee;
use sprout::rules::Intent;
use sprout::store::{FileStore, Operator, Presence, Store};

fn at(hm: &str) -> DateTime<Utc> {
    format!("2000-11-24T{hm}:00Z").parse().expect("time")
}

fn op(name: &str) -> Operator {
    Operator { name: name.into(), from: None }
}

/// A dashboard announcing itself, as the presence work does.
fn announce(store: &dyn Store, operator: &str, from: Option<&str>, when: DateTime<Utc>) {
    let presence = Presence {
        session: format!("room-{operator}"),
        operator: operator.into(),
        from: from.map(str::to_string),
        read_only: true,
        looking_at: "rollout".into(),
        at: when,
        look: Default::default(),
        presenting: false,
        following: None,
    };
    store.announce(&presence).expect("announce");
}

/// What `who` means, recorded through the write path at `when` (the test build stamps it so).
fn record(s: &Sample, who: &str, when: DateTime<Utc>, intent: Intent) -> Recorded {
    let make = move |data: &_, state: &_, _: &str| intent.event(data, state, None, when);
    live::record(&FileStore::open(s.path()), &op(who), when, WriteOptions::default(), make, |_| {})
        .unwrap_or_else(|e| panic!("{who} at {when}: {e}"))
}

/// Start, a join, a checkout, a sign-off, an override asked for and confirmed, a leave, the
/// end: what the driver's dashboard and the people in the room would record.
fn scripted_meeting(s: &Sample) {
    std::fs::write(s.file("team.ron"), "(approvers: [\"mtracy\", \"rlee\"])").expect("team.ron");
    let store = FileStore::open(s.path());
    announce(store.as_ref(), "jsmith", Some("ssh 10.1.2.3"), at("14:00"));
    announce(store.as_ref(), "mfinger", None, at("14:00"));
    let mut loaded = live::load(&store).expect("load");
    let (driver, opts) = (op("mtracy"), WriteOptions::default());
    live::meeting::start(&mut loaded, &driver, at("14:00"), opts, None, "Weekly *rollout* review".into(), |_| {})
        .expect("start");
    let kcho = Attendee { operator: "kcho".into(), from: Some("ssh 10.1.2.9".into()) };
    live::meeting::join(&mut loaded, &driver, at("14:05"), opts, kcho, |_| {}).expect("join");
    let note = "queues normal | <b>no</b> alerts_seen *today*".to_string();
    let pass = sprout::model::CheckoutResult::Pass;
    record(s, "mfinger", at("14:10"), Intent::Checkout { server: "BOS-IMS01".into(), phase: None, result: pass, note });
    let sign = Intent::SignOff { group: "Network services".into(), phase: None, note: "ticket 4411".into() };
    record(s, "mtracy", at("14:15"), sign);
    let ask = Intent::Advance { phase: None, override_reason: Some("change board approved".into()), approver: None };
    let asked = record(s, "jsmith", at("14:20"), ask);
    let confirmed = record(s, "rlee", at("14:25"), Intent::Confirm { request: Some(asked.entry.seq) });
    assert!(confirmed.effect.is_some_and(|e| e.contains("phase 4 (Local high impact) is open")));
    live::meeting::leave(&mut loaded, &driver, at("14:30"), opts, "jsmith", |_| {}).expect("leave");
    // At the end only mfinger's dashboard still beats (jsmith's went stale).
    announce(store.as_ref(), "mfinger", None, at("14:40"));
    live::meeting::end(&mut loaded, &driver, at("14:40"), opts, |_| {}).expect("end");
}

#[test]
fn the_minutes_of_a_scripted_meeting_match_their_snapshot_and_render_as_commonmark() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let s = Sample::new();
    scripted_meeting(&s);
    let minutes = s.run_at("2000-11-24T15:00:00Z", &["minutes"]);
    assert!(minutes.ok, "{}", minutes.stderr);
    let md = minutes.stdout;
    insta::assert_snapshot!("minutes", md);

    let (mut headings, mut tables, mut rows, mut cells_per_row) = (Vec::new(), 0, 0, Vec::new());
    let (mut in_heading, mut heading, mut cells) = (false, String::new(), 0);
    let mut text = String::new();
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Heading { .. }) => (in_heading, heading) = (true, String::new()),
            Event::End(TagEnd::Heading(_)) => {
                in_heading = false;
                headings.push(heading.clone());
            }
            Event::Text(t) => {
                if in_heading {
                    heading.push_str(&t);
                }
                text.push_str(&t);
            }
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::TableRow | Tag::TableHead) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                rows += 1;
                cells_per_row.push(cells);
            }
            Event::Html(h) | Event::InlineHtml(h) => panic!("raw HTML {h:?} in:\n{md}"),
            Event::Code(c) => panic!("inline code {c:?} in:\n{md}"),
            Event::Start(Tag::CodeBlock(_)) => panic!("a code block in:\n{md}"),
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Link { .. }) => panic!("markup from the data in:\n{md}"),
            _ => {}
        }
    }
    assert_eq!(
        headings,
        [
            "Minutes: Weekly *rollout* review",
            "Attendees",
            "State at the start (2000-11-24 14:00 UTC)",
            "Records made during the meeting",
            "State at the end (2000-11-24 14:40 UTC)",
            "Open items",
        ]
    );
    assert_eq!(tables, 2, "the records and the open items are tables:\n{md}");
    // Records: a header and four rows (checkout, sign-off, request, confirmation), six cells each.
    assert_eq!(&cells_per_row[..5], [6; 5], "a | in a note does not split its cell:\n{md}");
    assert!(rows > 5, "the open items have rows");
    assert!(cells_per_row[5..].iter().all(|&c| c == 2));
    assert!(text.contains("queues normal | <b>no</b> alerts_seen *today*"), "the note reads as typed");
    for who in ["mtracy, jsmith (from ssh 10.1.2.3), mfinger", "kcho (from ssh 10.1.2.9) joined", "jsmith left"] {
        assert!(text.contains(who), "{who}:\n{md}");
    }

    // The meeting is history like any other: the chain and the rules agree.
    assert!(s.run(&["verify"]).ok);
    let check = s.run_at("2000-11-24T15:00:00Z", &["check"]);
    assert!(check.ok, "{}", check.stderr);
    // Asking for it by number, or by its times, gives the same records.
    let by_number = s.run_at("2000-11-24T15:00:00Z", &["minutes", "--meeting", "40"]).stdout;
    assert_eq!(by_number, md);
    let by_time = s.run(&["minutes", "--since", "2000-11-24T14:00:00Z", "--until", "2000-11-24T14:41:00Z"]).stdout;
    assert!(by_time.contains("| 42 | 14:10 | mfinger | checkout |"), "{by_time}");
    assert!(by_time.contains("meeting #40 ended"), "{by_time}");
}

#[test]
fn an_open_meeting_has_minutes_so_far() {
    let s = Sample::new();
    let store = FileStore::open(s.path());
    let mut loaded = live::load(&store).expect("load");
    live::meeting::start(&mut loaded, &op("mtracy"), at("14:00"), WriteOptions::default(), None, String::new(), |_| {})
        .expect("start");
    let md = s.run_at("2000-11-24T14:30:00Z", &["minutes"]).stdout;
    assert!(md.starts_with("# Minutes: Review meeting\n"), "{md}");
    assert!(md.contains("(30 minutes), still open: these minutes are so far"), "{md}");
    assert!(md.contains("## State so far (2000-11-24 14:30 UTC)"), "{md}");
    assert!(md.contains("Nothing was recorded."), "{md}");
}

#[test]
fn a_second_start_and_an_end_of_nothing_are_refused_and_record_nothing() {
    let s = Sample::new();
    let me = Operator::current().name;
    let lines = || std::fs::read_to_string(s.file("journal.ron")).expect("journal").lines().count();
    let before = lines();
    for args in [&["meeting", "end"][..], &["meeting", "join", "--operator", "kcho"], &["meeting", "leave"]] {
        let r = s.run(args);
        assert!(!r.ok, "{args:?}");
        assert!(r.stderr.contains("refused: no meeting is open to"), "{}", r.stderr);
    }
    let none = s.run(&["minutes"]);
    assert!(!none.ok && none.stderr.contains("no meeting in the journal yet"), "{}", none.stderr);
    // Two dashboards present: they attend, with the one who starts it.
    let store = FileStore::open(s.path());
    announce(store.as_ref(), "jsmith", Some("ssh 10.1.2.3"), NOW.parse().expect("now"));
    announce(store.as_ref(), "mfinger", None, NOW.parse().expect("now"));
    let started = s.run(&["meeting", "start", "--title", "Weekly review"]);
    assert!(started.ok, "{}", started.stderr);
    let expected = format!("meeting \"Weekly review\" started; attending: {me}, jsmith (from ssh 10.1.2.3), mfinger");
    assert!(started.stdout.contains(&expected), "{}", started.stdout);
    let again = s.run(&["meeting", "start"]);
    assert!(!again.ok);
    let seq = before + 1;
    assert!(
        again.stderr.contains(&format!(
            "refused: a meeting is already open: #{seq} \"Weekly review\", started by {me} 2000-11-24 12:00 UTC; end it first (sprout meeting end)"
        )),
        "{}",
        again.stderr
    );
    let twice = s.run(&["meeting", "join", "--operator", "jsmith"]);
    assert!(twice.stderr.contains(&format!("jsmith is already attending the meeting #{seq}")), "{}", twice.stderr);
    assert!(s.run(&["--read-only", "meeting", "end"]).stderr.contains("read-only"));
    assert_eq!(lines(), before + 1, "only the start was recorded");
    assert!(s.run(&["meeting", "end"]).ok);
    assert!(s.run(&["journal", "adjourn"]).stdout.contains(&format!("meeting #{seq} ended")));
}

#[test]
fn status_as_of_a_time_before_an_event_differs_from_now_in_exactly_that_event() {
    let s = Sample::new();
    let pass = sprout::model::CheckoutResult::Pass;
    let checkout = Intent::Checkout { server: "BOS-IMS01".into(), phase: None, result: pass, note: "ok".into() };
    record(&s, "mfinger", at("14:10"), checkout);
    let clock = "2000-11-24T15:00:00Z";
    let now = s.run_at(clock, &["status"]);
    let then = s.run_at(clock, &["status", "--as-of", "2000-11-24T14:09:59Z"]);
    assert!(then.ok, "{}", then.stderr);
    assert!(then.stderr.contains("as of 2000-11-24T14:09:59Z: the journal through #39; 1 later event(s) left out"));
    assert!(then.stdout.lines().nth(1).is_some_and(|l| l.starts_with("AS OF 2000-11-24 14:09 UTC: history")));
    // Beside the line that says it is history, the two differ in exactly the checkout.
    let then = common::Run {
        stdout: then.stdout.lines().filter(|l| !l.starts_with("AS OF ")).map(|l| format!("{l}\n")).collect(),
        ..then
    };
    let only = |a: &str, b: &str| -> Vec<String> {
        a.lines().filter(|l| !b.lines().any(|m| m == *l)).map(str::to_string).collect()
    };
    let gone = only(&then.stdout, &now.stdout);
    assert!(!gone.is_empty() && gone.iter().all(|l| l.contains("BOS-IMS01")), "{gone:#?}");
    assert_eq!(only(&now.stdout, &then.stdout), Vec::<String>::new(), "nothing new but the checkout's effect");
    // At the event's own time it is in; the journal and the server read the same history.
    let at_it = s.run_at(clock, &["--as-of", "2000-11-24T14:10:00Z", "status"]);
    let history: String = at_it.stdout.lines().filter(|l| !l.starts_with("AS OF ")).map(|l| format!("{l}\n")).collect();
    assert_eq!(history, now.stdout);
    let journal = s.run(&["journal", "--as-of", "2000-11-24T14:00:00Z"]).stdout;
    assert!(journal.lines().last().is_some_and(|l| l.starts_with("#39 ")), "{journal}");
    assert!(!s.run(&["server", "BOS-IMS01", "--as-of", "2000-11-24T14:00:00Z"]).stdout.contains("checkout Pass: ok"));
    // Without --now, --as-of is the rules' clock too.
    let parent = s.dir.path();
    let mut bare = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"));
    bare.arg("--data").arg(s.path()).args(["status", "--as-of", "2000-11-24T14:00:00Z"]);
    bare.env_remove("SPROUT_DATA")
        .env("XDG_CACHE_HOME", parent.join("cache"))
        .env("XDG_STATE_HOME", parent.join("state"));
    bare.env("SPROUT_CONFIG", parent.join("config"));
    let header = common::Run::from(bare.output().expect("run")).stdout;
    assert!(
        header.starts_with("sprout status: 38 servers in ") && header.contains("(2000-11-24 14:00 UTC)"),
        "{header}"
    );
    let write = s.run(&["--as-of", "2000-11-24T14:00:00Z", "record", "backup", "BOS-PF01"]);
    assert!(!write.ok && write.stderr.contains("--as-of reads history"), "{}", write.stderr);
}
