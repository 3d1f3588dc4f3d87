//! The PostgreSQL store against a throwaway cluster of its own: what the database enforces,
//! who is recorded, moving a rollout in and out, a lost connection, live notification.

mod common;

use std::time::{Duration, Instant};

use common::pg::{Cluster, OWNER};
use common::{NOW, Sample};

fn text(out: &std::process::Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn message(e: &postgres::Error) -> String {
    e.as_db_error().map(|d| d.message().to_string()).unwrap_or_else(|| e.to_string())
}

/// A cluster holding the sample rollout, or `None` (skipped, outside CI) without PostgreSQL.
fn sample_cluster() -> Option<(Cluster, Sample)> {
    let cluster = Cluster::start()?;
    let sample = Sample::new();
    cluster.import(&sample.path());
    Some((cluster, sample))
}

#[test]
fn the_cli_records_as_the_database_role_not_the_os_account() {
    let Some((c, s)) = sample_cluster() else { return };
    let out = c.sprout(&["--data", &c.url("bob"), "--now", NOW, "record", "backup", "BOS-PF01", "--note", "tape 9"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("recorded #40"), "{stdout}");
    let os = sprout::store::Operator::current().name;
    let rows = c.client("alice").query("SELECT operator, line FROM journal WHERE seq = 40", &[]).expect("query");
    let (by, line): (String, String) = (rows[0].get(0), rows[0].get(1));
    assert_eq!(by, "bob", "the role, not the OS account {os}");
    assert!(line.contains("by:\"bob\""), "{line}");
    // Root run through sudo names the sudo user as the operator of a data directory; a database
    // still records the role it authenticated.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sprout"))
        .args(["--data", &c.url("bob"), "--now", NOW, "record", "backup", "BOS-PF02"])
        .env_remove("SPROUT_DATA")
        .env("SUDO_UID", "1")
        .env("XDG_CACHE_HOME", s.dir.path().join("cache"))
        .output()
        .expect("run sprout");
    assert!(out.status.success(), "{}", text(&out).1);
    let by: String =
        c.client("alice").query_one("SELECT operator FROM journal WHERE seq = 41", &[]).expect("row").get(0);
    assert_eq!(by, "bob");
    let journal = c.sprout(&["--data", &c.url("alice"), "--now", NOW, "journal", "BOS-PF01"]);
    assert!(text(&journal).0.contains("bob"), "{}", text(&journal).0);
}

#[test]
fn an_operator_cannot_write_around_the_write_path() {
    let Some((c, _s)) = sample_cluster() else { return };
    let mut alice = c.client("alice");
    let head = alice.query_one("SELECT seq, sum FROM journal ORDER BY seq DESC LIMIT 1", &[]).expect("head");
    let (seq, sum): (i64, String) = (head.get(0), head.get(1));
    let line = format!(
        "(seq:{},at:\"2000-11-24T12:00:00Z\",by:\"mtracy\",event:Backup(server:\"BOS-PF01\",note:\"x\"),prev:\"{sum}\",sum:\"00000000000000000000000000000000\")",
        seq + 1
    );
    let insert = "INSERT INTO journal (seq, at, operator, prev, sum, line) VALUES ($1, $2, $3, $4, $5, $6)";
    let then: chrono::DateTime<chrono::Utc> = NOW.parse().expect("time");
    // Someone else's name, a time of the client's choosing: refused.
    let zero = "00000000000000000000000000000000";
    let next = seq + 1;
    let params: [&(dyn postgres::types::ToSql + Sync); 6] = [&next, &then, &"mtracy", &sum, &zero, &line];
    let e = alice.execute(insert, &params);
    let e = e.expect_err("a plain INSERT naming another operator");
    assert!(message(&e).contains("must be the database role alice, not mtracy"), "{e}");
    // Skipping a sequence: refused even with the right name and time.
    let mut tx = alice.transaction().expect("tx");
    let now: chrono::DateTime<chrono::Utc> = tx.query_one("SELECT now()", &[]).expect("now").get(0);
    let skipped = seq + 2;
    let params: [&(dyn postgres::types::ToSql + Sync); 6] = [&skipped, &now, &"alice", &sum, &zero, &line];
    let skip = tx.execute(insert, &params);
    let e = skip.expect_err("a skipped sequence");
    assert!(message(&e).contains(&format!("event #{} does not follow the journal's last, #{seq}", seq + 2)), "{e}");
    drop(tx);
    for sql in [
        "UPDATE journal SET operator = 'alice' WHERE seq = 1",
        "DELETE FROM journal WHERE seq = 39",
        "TRUNCATE journal",
    ] {
        let e = alice.batch_execute(sql).expect_err(sql);
        assert!(e.as_db_error().is_some_and(|d| d.code().code() == "42501"), "{sql}: {e}");
    }
    // The catalog, the plans and the team are the owner's; an operator changes only the fleet.
    let e = alice.batch_execute("UPDATE baseline SET body = body WHERE name = 'rollout.ron'").expect_err("rollout.ron");
    assert!(message(&e).contains("rollout.ron is changed by the tables' owner"), "{e}");
    // Even the owner cannot rewrite history.
    let e = c.client(OWNER).batch_execute("DELETE FROM journal WHERE seq = 39").expect_err("owner delete");
    assert!(message(&e).contains("append-only: DELETE refused"), "{e}");
    let verify = c.sprout(&["--data", &c.url("alice"), "--now", NOW, "verify"]);
    assert!(verify.status.success() && text(&verify).0.contains("39 events"), "{:?}", text(&verify));
}

#[test]
fn a_rollout_goes_into_the_database_and_back_out_byte_for_byte() {
    let Some((c, s)) = sample_cluster() else { return };
    for (who, server) in [("alice", "BOS-PF01"), ("bob", "BOS-PF02")] {
        let out = c.sprout(&["--data", &c.url(who), "--now", NOW, "record", "backup", server]);
        assert!(out.status.success(), "{}", text(&out).1);
    }
    let out_dir = s.dir.path().join("exported");
    let out = c.sprout(&["db", "export", &c.url(OWNER), &out_dir.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(text(&out).0.contains("41 event(s)"), "{}", text(&out).0);
    let original = std::fs::read_to_string(s.file("journal.ron")).expect("journal");
    let exported = std::fs::read_to_string(out_dir.join("journal.ron")).expect("exported journal");
    assert!(exported.starts_with(&original), "the imported lines come back byte for byte");
    assert_eq!(exported.lines().count(), 41);
    for name in ["catalog.ron", "fleet.ron", "rollout.ron"] {
        assert_eq!(std::fs::read(s.file(name)).expect(name), std::fs::read(out_dir.join(name)).expect(name), "{name}");
    }
    let verify = common::run_in(&out_dir, NOW, &["verify"]);
    assert!(verify.ok && verify.stdout.contains("41 events"), "{}{}", verify.stdout, verify.stderr);
    // And back in: a second database holds the same journal.
    c.sql("postgres", "postgres", &format!("CREATE DATABASE again OWNER {OWNER}"));
    let again = c.url(OWNER).replace("/sprout?", "/again?");
    let first = c.sprout(&["db", "migrate", &again]);
    assert!(first.status.success() && text(&first).0.contains("applied migration(s) 1"), "{:?}", text(&first));
    let second = c.sprout(&["db", "migrate", &again]);
    assert!(second.status.success() && text(&second).0.contains("schema already at version 1"), "{:?}", text(&second));
    // An operator's role cannot import: the journal's history would need the owner's rights.
    c.sql("postgres", "again", "CREATE ROLE carol LOGIN IN ROLE sprout_operator");
    let carol = c.url("carol").replace("/sprout?", "/again?");
    let refused = c.sprout(&["db", "import", &out_dir.display().to_string(), &carol]);
    assert!(!refused.status.success() && text(&refused).1.contains("nothing was imported"), "{:?}", text(&refused));
    let out = c.sprout(&["db", "import", &out_dir.display().to_string(), &again]);
    assert!(out.status.success(), "{}", text(&out).1);
    // Into a database that holds a rollout already: refused, nothing changed.
    let twice = c.sprout(&["db", "import", &out_dir.display().to_string(), &again]);
    assert!(!twice.status.success() && text(&twice).1.contains("already holds a rollout"), "{:?}", text(&twice));
}

#[test]
fn a_lost_connection_refuses_writes_then_reconnects_by_itself() {
    let Some((mut c, _s)) = sample_cluster() else { return };
    let store = sprout::store::pg::PgStore::open(&c.url("alice"));
    let mut loaded = sprout::live::load(&store).expect("load");
    let op = sprout::store::Operator { name: "alice".into(), from: None };
    let now = NOW.parse().expect("time");
    let event = |note: &str| sprout::model::Event::Backup { server: "BOS-PF01".into(), note: note.into() };
    let record = |loaded: &mut sprout::live::Loaded, note: &str| {
        let e = event(note);
        sprout::live::record_in(loaded, &op, now, Default::default(), move |_, _, _| Ok(e), |_| {})
    };
    record(&mut loaded, "before").expect("recorded while up");
    c.kill();
    let e = record(&mut loaded, "while down").expect_err("refused while the server is down").to_string();
    assert!(e.contains("nothing was recorded") && e.contains("postgresql://"), "{e}");
    c.restart();
    let r = record(&mut loaded, "after").expect("the same store reconnects by itself");
    assert_eq!(r.entry.seq, 41, "nothing was queued while it was down");
    let all = sprout::live::load(&store).expect("load");
    assert_eq!(all.data.journal.len(), 41);
}

#[test]
fn a_write_notifies_a_listening_dashboard_with_its_sequence() {
    let Some((c, _s)) = sample_cluster() else { return };
    let store = sprout::store::pg::PgStore::open(&c.url("bob"));
    let op = store.operator(&sprout::store::Operator::current());
    let mut app =
        sprout::app::App::load(store.clone(), op, true, NOW.parse().expect("time"), true, Some(0)).expect("load");
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _watching = store
        .watch(Box::new(move |changed| {
            let _ = tx.lock().expect("sender").send(changed);
        }))
        .expect("the database store watches");
    std::thread::sleep(Duration::from_millis(500));
    let url = c.url("alice");
    let started = Instant::now();
    // Another dashboard's write, on its own thread, as on another host.
    let writer = std::thread::spawn(move || {
        let writer = sprout::store::pg::PgStore::open(&url);
        let op = sprout::store::Operator { name: "alice".into(), from: None };
        let e = sprout::model::Event::Backup { server: "BOS-PF01".into(), note: "live".into() };
        sprout::live::record(
            &writer,
            &op,
            NOW.parse().expect("time"),
            Default::default(),
            move |_, _, _| Ok(e),
            |_| {},
        )
        .expect("record");
        started.elapsed()
    });
    let changed = rx.recv_timeout(Duration::from_secs(5)).expect("a notification");
    assert_eq!(changed, sprout::store::Changed::Data);
    // What the dashboard's loop does on a notification.
    assert!(app.watch(), "the notification brought a change");
    let shown = started.elapsed();
    let written = writer.join().expect("writer");
    assert_eq!(app.live.data.journal.len(), 40);
    let notice = app.notice.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    assert!(notice.contains("1 new event from alice"), "{notice}");
    println!(
        "the listening dashboard held event #40 {:.1} ms after the write began (the write took {:.1} ms)",
        shown.as_secs_f64() * 1000.0,
        written.as_secs_f64() * 1000.0
    );
}

fn presence(session: &str, operator: &str) -> sprout::store::Presence {
    sprout::store::Presence {
        session: session.into(),
        operator: operator.into(),
        from: None,
        read_only: false,
        looking_at: "rollout".into(),
        at: chrono::Utc::now(),
        look: Default::default(),
        presenting: false,
        following: None,
    }
}

#[test]
fn presence_is_shared_across_roles_and_each_keeps_its_own() {
    let Some((c, _s)) = sample_cluster() else { return };
    let (alice, bob) =
        (sprout::store::pg::PgStore::open(&c.url("alice")), sprout::store::pg::PgStore::open(&c.url("bob")));
    // Whatever name the announcement claims, the database records the role.
    alice.announce(&presence("host1-1", "mtracy")).expect("announce");
    bob.announce(&presence("host2-7", "bob")).expect("announce");
    let seen = bob.present(chrono::Utc::now());
    let mut who: Vec<(String, String)> = seen.iter().map(|p| (p.session.clone(), p.operator.clone())).collect();
    who.sort();
    assert_eq!(who, [("host1-1".to_string(), "alice".to_string()), ("host2-7".to_string(), "bob".to_string())]);
    // Bob can neither take over nor withdraw alice's session.
    assert!(bob.announce(&presence("host1-1", "bob")).is_err(), "bob overwrote alice's presence");
    bob.withdraw("host1-1");
    assert_eq!(alice.present(chrono::Utc::now()).len(), 2, "bob withdrew alice's presence");
    alice.withdraw("host1-1");
    assert_eq!(alice.present(chrono::Utc::now()).len(), 1);
}

#[test]
fn a_listener_catches_up_after_the_server_comes_back() {
    let Some((mut c, _s)) = sample_cluster() else { return };
    let store = sprout::store::pg::PgStore::open(&c.url("bob"));
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let _watching = store
        .watch(Box::new(move |changed| {
            let _ = tx.lock().expect("sender").send(changed);
        }))
        .expect("the database store watches");
    std::thread::sleep(Duration::from_millis(300));
    c.kill();
    // The listener notices the drop (a heartbeat at the latest) and says the data may have changed.
    assert_eq!(rx.recv_timeout(Duration::from_secs(15)).expect("told of the drop"), sprout::store::Changed::Data);
    c.restart();
    // A write made while nobody listens yet: the reconnect itself says "catch up".
    let out = c.sprout(&["--data", &c.url("alice"), "--now", NOW, "record", "backup", "BOS-PF01"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut told = false;
    while Instant::now() < deadline && !told {
        told = rx.recv_timeout(Duration::from_millis(200)).is_ok();
    }
    assert!(told, "no word after the reconnect");
    assert_eq!(sprout::live::load(&store).expect("load").data.journal.len(), 40);
}

#[test]
fn a_generated_rollout_with_nanosecond_times_goes_in_and_loads_the_same() {
    let Some(c) = Cluster::start() else { return };
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path().join("gen");
    let out = c.sprout(&["gen", "--servers", "50", "--events", "300", &dir.display().to_string()]);
    assert!(out.status.success(), "{}", text(&out).1);
    let journal = std::fs::read_to_string(dir.join("journal.ron")).expect("journal");
    assert!(journal.lines().next().is_some_and(|l| l.contains(".") && l.contains("Z\",by:")), "nanosecond times");
    c.import(&dir);
    let file = sprout::live::load(&sprout::store::FileStore::open(&dir)).expect("the directory loads");
    let db = sprout::live::load(&sprout::store::pg::PgStore::open(&c.url("alice"))).expect("the database loads");
    assert_eq!(file.data.journal.len(), db.data.journal.len());
    assert_eq!(file.data.journal.sum, db.data.journal.sum, "the same chain");
    assert_eq!(file.state.servers.len(), db.state.servers.len());
}

#[test]
/// The first load keeps the derived state (39 events); the next reads only the 2 since.
fn a_second_load_reads_only_the_events_since_the_cache() {
    let Some((c, _s)) = sample_cluster() else { return };
    let store = sprout::store::pg::PgStore::open(&c.url("alice"));
    let mut loaded = sprout::live::load(&store).expect("load");
    assert!(matches!(loaded.source, sprout::live::Source::Full), "{:?}", loaded.source);
    let op = sprout::store::Operator { name: "alice".into(), from: None };
    let e = sprout::model::Event::Backup { server: "BOS-PF01".into(), note: "cached".into() };
    sprout::live::record_in(
        &mut loaded,
        &op,
        NOW.parse().expect("time"),
        Default::default(),
        move |_, _, _| Ok(e),
        |_| {},
    )
    .expect("record");
    let out = c.sprout(&["--data", &c.url("bob"), "--now", NOW, "record", "backup", "BOS-PF02"]);
    assert!(out.status.success(), "{}", text(&out).1);
    let again = sprout::live::load(&store).expect("load");
    assert!(matches!(again.source, sprout::live::Source::Cache { tail: 2 }), "{:?}", again.source);
    assert_eq!(again.data.journal.len(), 41);
    let fresh = sprout::live::load(&sprout::store::pg::PgStore::open(&c.url("bob"))).expect("load");
    assert_eq!(fresh.data.journal.sum, again.data.journal.sum);
}

#[test]
fn a_dashboard_says_when_the_database_is_gone_and_recovers_when_it_is_back() {
    let Some((mut c, _s)) = sample_cluster() else { return };
    let store = sprout::store::pg::PgStore::open(&c.url("bob"));
    let op = store.operator(&sprout::store::Operator::current());
    assert_eq!(op.name, "bob", "the dashboard shows the role as its operator");
    let mut app = sprout::app::App::load(store, op, false, NOW.parse().expect("time"), true, Some(0)).expect("load");
    c.kill();
    assert!(app.watch(), "a lost database is a change to look at");
    let notice = app.notice.as_ref().expect("a notice").text.clone();
    assert!(notice.contains("reload failed") && notice.contains("postgresql://"), "{notice}");
    assert_eq!(app.live.data.journal.len(), 39, "the last good state stays on screen");
    c.restart();
    let out = c.sprout(&["--data", &c.url("alice"), "--now", NOW, "record", "backup", "BOS-PF01"]);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(app.watch(), "the new event is seen once the database is back");
    assert_eq!(app.live.data.journal.len(), 40);
}

#[test]
fn an_inventory_import_replaces_the_fleet_and_records_it_in_one_transaction() {
    let Some((c, s)) = sample_cluster() else { return };
    let file = s.dir.path().join("cmdb.csv");
    std::fs::write(
        &file,
        "Server,Role,Site,Environment,Exchange Server 5.5,Windows NT Server 4.0,Users\n\
         NEW-MBX01,Mailbox server,NEW,Production,SP3,SP6a,1200\n",
    )
    .expect("csv");
    let data = c.url("alice");
    let r = c.sprout(&["--data", &data, "--now", NOW, "import", &file.display().to_string(), "--note", "CMDB"]);
    assert!(r.status.success(), "{}", text(&r).1);
    assert!(text(&r).0.contains("recorded #40 by alice"), "{}", text(&r).0);
    let row = c.client("bob").query_one("SELECT version, changed_by FROM baseline WHERE name = 'fleet.ron'", &[]);
    let row = row.expect("fleet row");
    assert_eq!((row.get::<_, i64>(0), row.get::<_, String>(1)), (2, "alice".to_string()));
    let server = c.sprout(&["--data", &c.url("bob"), "--now", NOW, "server", "NEW-MBX01"]);
    assert!(server.status.success() && text(&server).0.contains("1200 users"), "{:?}", text(&server));
    // Checked at the real time: the database stamped the import with its own clock.
    let check = c.sprout(&["--data", &data, "check"]);
    assert!(check.status.success(), "{:?}", text(&check));
}

#[test]
fn members_of_the_approvers_role_confirm_overrides() {
    let Some((c, _s)) = sample_cluster() else { return };
    c.sql("postgres", common::pg::DB, "CREATE ROLE carol LOGIN IN ROLE sprout_operator, sprout_approver");
    // At the real time: the database checks a request against the gates at its own clock.
    let run = |who: &str, args: &[&str]| {
        let url = c.url(who);
        let mut all = vec!["--data", url.as_str()];
        all.extend_from_slice(args);
        c.sprout(&all)
    };
    let asked = run("alice", &["advance", "--phase", "4", "--override", "change board"]);
    let (said, err) = text(&asked);
    assert!(asked.status.success(), "{said}{err}");
    let request = said
        .split_whitespace()
        .find_map(|w| w.trim_start_matches('#').trim_end_matches([':', ',', ')']).parse::<u64>().ok())
        .expect("the request's number");
    let bob = run("bob", &["approve", "--request", &request.to_string()]);
    assert!(!bob.status.success() && text(&bob).1.contains("bob is not among the approvers"), "{:?}", text(&bob));
    let carol = run("carol", &["approve", "--request", &request.to_string()]);
    assert!(carol.status.success(), "{:?}", text(&carol));
    assert!(text(&carol).0.contains("phase 4 (Local high impact) is open"), "{}", text(&carol).0);
}

#[test]
fn a_database_named_in_require_signatures_refuses_an_unsigned_write_whoever_connects() {
    let Some((c, _s)) = sample_cluster() else { return };
    let record = |role: &str, note: &str| {
        c.sprout(&["--data", &c.url(role), "--now", NOW, "record", "backup", "BOS-PF01", "--note", note])
    };
    // Another database on the same server is named: this one is not required to be signed.
    let other = c.url("alice").replace("postgresql:///sprout?", "postgresql:///elsewhere?");
    std::fs::write(c.config_dir().join("require_signatures"), format!("{other}\n")).expect("require");
    let first = record("bob", "tape 1");
    assert!(first.status.success(), "{}", text(&first).1);
    // Named by alice's URL, it binds bob too (the same database and host, whatever the role).
    std::fs::write(c.config_dir().join("require_signatures"), format!("{}\n", c.url("alice"))).expect("require");
    let out = record("bob", "tape 2");
    assert!(!out.status.success(), "an unsigned write was accepted: {}", text(&out).0);
    assert!(text(&out).1.contains("requires every event signed"), "{}", text(&out).1);
    let n: i64 = c.client("alice").query_one("SELECT count(*) FROM journal", &[]).expect("count").get(0);
    assert_eq!(n, 40, "the sample's 39 and tape 1: the refused write left nothing");
}
