use super::fixture::{now, sample};
use super::*;
use crate::model::Event;
use crate::progress::Stage;
use crate::store::Operator;

fn backup(loaded: &mut Loaded, who: &str, note: &str) -> Result<Recorded, WriteError> {
    let op = Operator { name: who.into(), from: None };
    let event = Event::Backup { server: "BOS-PF01".into(), note: note.into() };
    record_in(loaded, &op, now(), WriteOptions::default(), move |_, _, _| Ok(event), |_| {})
}

#[test]
fn the_memory_store_loads_the_sample_and_caches_it() {
    let (_, store) = sample();
    let first = load(&store).expect("load");
    assert_eq!(first.source, Source::Full);
    assert_eq!(first.data.journal.len(), 39);
    let second = load(&store).expect("load");
    assert_eq!(second.source, Source::Cache { tail: 0 }, "the cache is above the store, so it serves this one too");
    assert_eq!(second.state.servers, first.state.servers);
}

#[test]
fn a_load_says_what_it_is_doing() {
    let (_, store) = sample();
    let progress = Progress::new();
    load_with_progress(&store, &progress).expect("load");
    let read = progress.read();
    assert_eq!((read.stage, read.total), (Stage::WritingCache, 0), "a full load ends writing the cache");
    load_with_progress(&store, &progress).expect("load");
    assert_eq!(progress.read().stage, Stage::ReadingCache, "then the cache serves it");
    assert_eq!(store.journal_extent(), 39, "the memory store's positions are its lines");
}

#[test]
fn another_writer_is_caught_up_by_the_tail_alone() {
    let (_, store) = sample();
    let mut a = load(&store).expect("load");
    let mut b = load(&store).expect("load");
    let recorded = backup(&mut a, "writer", "tape 7").expect("record");
    assert_eq!(recorded.entry.seq, 40);
    assert_eq!(refresh(&mut b).expect("refresh"), Some(CatchUp::Appended(39)));
    assert_eq!(b.data.journal.len(), 40);
    assert_eq!(refresh(&mut b).expect("refresh"), None, "nothing changed since");
    // The second writer appends after the first, chained to it.
    let second = backup(&mut b, "other", "tape 8").expect("record");
    assert_eq!((second.entry.seq, second.entry.prev.as_str()), (41, recorded.entry.sum.as_str()));
    let read = b.entries(&[39, 40]).expect("read back");
    assert_eq!(read[0].by, "writer");
    assert_eq!(read[1].by, "other");
}

#[test]
fn a_rewritten_journal_is_read_again_in_full_and_damage_is_refused() {
    let (memory, store) = sample();
    let mut a = load(&store).expect("load");
    let mut lines = memory.lines();
    lines.truncate(30);
    memory.rewrite_journal(lines.clone());
    assert_eq!(refresh(&mut a).expect("refresh"), Some(CatchUp::Reloaded));
    assert_eq!(a.data.journal.len(), 30);
    lines[10] = lines[10].replacen("mtracy", "mallory", 1);
    memory.rewrite_journal(lines);
    let err = refresh(&mut a).expect_err("an edited line is refused").to_string();
    assert!(err.contains("journal.ron:11:") && err.contains("checksum mismatch"), "{err}");
    assert_eq!(a.data.journal.len(), 30, "the last good state is kept");
}

#[test]
fn the_write_path_chains_to_the_journal_not_to_what_a_cache_claims() {
    let (memory, store) = sample();
    let mut a = load(&store).expect("load");
    // A state that claims more than the journal holds, as a lying cache would.
    Arc::make_mut(&mut a.data).journal.seq = 90;
    Arc::make_mut(&mut a.data).journal.sum = "0".repeat(32);
    let recorded = backup(&mut a, "writer", "tape 9").expect("record");
    assert_eq!(recorded.entry.seq, 40, "the sequence follows the journal's last line");
    assert_eq!(recorded.first_new, None, "the state was read again from the store");
    let fresh = load(&store).expect("the chain is whole");
    assert_eq!(fresh.data.journal.len(), 40);
    assert_eq!(memory.lines().len(), 40);
}

#[test]
fn a_history_read_stops_at_its_time_writes_no_cache_and_is_never_written_through() {
    let (memory, store) = sample();
    let full = load_full(
        &store,
        store.stamp(),
        plans(&store).expect("plans"),
        &Progress::new(),
        None,
        super::full::Servers::Kept,
        |_, _, _, _| {},
    )
    .expect("full");
    let entries = full.entries(&(0..39).collect::<Vec<_>>()).expect("entries");
    let at = entries[29].at;
    let then = load_until(&store, Until::Time(at)).expect("as of");
    let through = entries.iter().filter(|e| e.at <= at).count();
    assert_eq!(then.data.journal.len(), through);
    assert_eq!(then.source, Source::Until { left: 39 - through });
    let replayed = State::replay(&then.data, &entries[..through]);
    assert!(then.state.progress == replayed.progress && then.state.servers == replayed.servers);
    assert_eq!(load_until(&store, Until::Seq(12)).expect("seq").data.journal.seq, 12);
    assert!(memory.cache().is_none(), "a history read writes no cache");
    // Recording through it reads the present first: nothing is chained to the past.
    let mut then = then;
    let recorded = backup(&mut then, "writer", "tape 10").expect("record");
    assert_eq!((recorded.entry.seq, recorded.first_new), (40, None));
}

#[test]
fn a_refusal_records_nothing() {
    let (memory, store) = sample();
    let mut a = load(&store).expect("load");
    let op = Operator { name: "op".into(), from: None };
    let event = Event::Backup { server: "NO-SUCH".into(), note: String::new() };
    let err = record_in(&mut a, &op, now(), WriteOptions::default(), move |_, _, _| Ok(event), |_| {})
        .expect_err("unknown server");
    assert!(err.to_string().contains("unknown server 'NO-SUCH'"), "{err}");
    assert_eq!(memory.lines().len(), 39);
    let read_only = WriteOptions { read_only: true, ..Default::default() };
    let event = Event::Backup { server: "BOS-PF01".into(), note: String::new() };
    assert!(matches!(
        record_in(&mut a, &op, now(), read_only, move |_, _, _| Ok(event), |_| {}),
        Err(WriteError::ReadOnly)
    ));
    assert_eq!(memory.lines().len(), 39);
}

/// A full load notes every server's history from the journal index at its end: the same
/// positions, in the same order, as applying the events one by one notes.
#[test]
fn a_full_loads_histories_are_those_of_a_replay_event_by_event() {
    let (_, store) = sample();
    let loaded = load(&store).expect("load");
    assert_eq!(loaded.source, Source::Full);
    let plans = store.plans().expect("plans");
    let (fleet, _) = store.fleet_and_digest().expect("fleet");
    let data = crate::model::Data {
        catalog: plans.catalog,
        fleet,
        plan: plans.plan,
        journal: Default::default(),
        team: plans.team,
    };
    let mut entries = Vec::new();
    store.read(None, &mut |e, _, _, _| entries.push(e)).expect("read");
    let replayed = crate::rules::State::replay(&data, &entries);
    let noted =
        |state: &crate::rules::State| (0..state.servers.len()).map(|i| state.history[i].clone()).collect::<Vec<_>>();
    let (full, one_by_one) = (noted(&loaded.state), noted(&replayed));
    assert!(one_by_one.iter().filter(|h| h.len() > 1).count() > 3, "the sample names several servers more than once");
    assert_eq!(full, one_by_one);
    assert!(full.iter().all(|h| h.capacity() == h.len()), "each history is held at its length");
}
