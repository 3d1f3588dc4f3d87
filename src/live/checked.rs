//! The header's problem count without a second replay: `sprout check` replays the whole
//! journal (seconds of a core and 200 MB at 100,000 servers), so what it found in the
//! journal's events (`Judged`) is kept beside the derived-state cache, keyed by the baseline it
//! was judged over, the chain's sum at its last event and the program. A full load judges as it
//! replays; a load from the cache takes the judgement kept with it, every event applied after
//! is judged as it is applied (`live::catch_up`, the write path), and only the problems of the
//! files and of the state now are counted again, with no journal read.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Loaded;
use super::judged::{Judged, baseline_changed};
use crate::model::Data;
use crate::rules::State;
use crate::store::Store;

/// The name of the part beside the cache.
const PART: &str = "check";
const MAGIC: &[u8; 16] = b"sprout-check-v4\n";
/// The program that judged must be this one: the rules `check` asks may change.
const PROGRAM: &str = concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"));

/// What a judgement was judged over: the baseline files' identities, the content the state
/// was built from (the small files' hash and the fleet's digest), and the journal's events by
/// the chain's sum at the last one judged (each line's sum covers every line before it). An
/// edit that leaves a file's identity as it was (written through a shared mapping before the
/// system notes the time) still changes the content the next load parses: a judgement of the
/// old files is not taken for it; a journal only touched, or grown by appends, keeps its
/// judged lines' sum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Over {
    baseline: String,
    journal: String,
    small: String,
    fleet: Option<String>,
}

impl Over {
    pub fn of(loaded: &Loaded) -> Over {
        Over {
            baseline: loaded.stamp.baseline.clone(),
            journal: loaded.data.journal.sum.clone(),
            small: loaded.key_but_fleet.clone(),
            fleet: loaded.fleet_digest.clone(),
        }
    }
}

/// A judgement as kept: by which program, over what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    program: String,
    over: Over,
    judged: Judged,
}

/// Take the kept judgement of the journal `loaded` holds, when it was judged by this program
/// over the very same data (baseline, content, events and their number); else leave `loaded`'s
/// own as it is.
pub fn adopt(loaded: &mut Loaded) {
    let over = Over::of(loaded);
    if let Some(k) = kept(&loaded.store)
        .filter(|k| k.program == PROGRAM && k.over == over && k.judged.lines == loaded.data.journal.len())
    {
        loaded.judged = Some(k.judged);
    }
}

/// Keep `judged`, the judgement of the journal a state `over` holds, for the next load.
pub fn keep(store: &Arc<dyn Store>, over: &Over, judged: &Judged) {
    let kept = Kept { program: PROGRAM.to_string(), over: over.clone(), judged: judged.clone() };
    if let Ok(body) = postcard::to_stdvec(&kept) {
        store.save_cache_part(PART, &[MAGIC.as_slice(), &body].concat());
    }
}

/// `keep` for `loaded`'s own judgement, when it has one.
pub fn keep_loaded(loaded: &Loaded) {
    if let Some(judged) = &loaded.judged {
        keep(&loaded.store, &Over::of(loaded), judged);
    }
}

/// The number of problems `sprout check` finds in a state whose journal is judged
/// (`judged`, over `over`): the files' and the state's problems counted now, the events' as
/// judged. No journal is read.
pub fn count_judged(store: &Arc<dyn Store>, data: &Data, state: &State, judged: &Judged, over: &Over) -> usize {
    let hash = super::check::fleet_hash(store, over.fleet.as_deref());
    let files = judged.files
        + crate::rules::check::of_state(data, state).len()
        + usize::from(baseline_changed(&judged.baseline, &hash).is_some());
    judged.problems(files)
}

/// `count_judged` for `loaded`, when its journal is judged.
pub fn count_loaded(loaded: &Loaded) -> Option<usize> {
    let judged = loaded.judged.as_ref()?;
    Some(count_judged(&loaded.store, &loaded.data, &loaded.state, judged, &Over::of(loaded)))
}

/// The number of problems `sprout check` finds in the store at `now` by replaying the whole
/// journal, and its judgement of the events with what it was judged over, kept.
pub fn count_full(store: &Arc<dyn Store>, now: DateTime<Utc>) -> (usize, Option<(Over, Judged)>) {
    let mut judged = Judged::new(now);
    let (loaded, problems) = super::check::run(store, now, &mut judged);
    // A journal that does not load has no judgement to follow.
    let judged = loaded.map(|loaded| {
        let over = Over::of(&loaded);
        keep(store, &over, &judged);
        (over, judged)
    });
    (problems.len(), judged)
}

fn kept(store: &Arc<dyn Store>) -> Option<Kept> {
    let bytes = store.cache_part(PART)?;
    postcard::from_bytes(bytes.strip_prefix(MAGIC)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::fixture::{now, sample};
    use crate::live::{catch_up, load, record_in};
    use crate::model::Event;
    use crate::store::Operator;

    /// What `sprout check` says, replaying everything.
    fn full(store: &Arc<dyn Store>) -> usize {
        super::super::check(store, now()).err().map_or(0, |p| p.len())
    }

    /// What the header says of `loaded`, from its judgement.
    fn counted(loaded: &Loaded) -> usize {
        count_loaded(loaded).expect("judged")
    }

    fn backup(loaded: &mut Loaded) {
        let op = Operator { name: "writer".into(), from: None };
        let event = Event::Backup { server: "BOS-PF01".into(), note: "tape 7".into() };
        record_in(loaded, &op, now(), Default::default(), move |_, _, _| Ok(event), |_| {}).expect("record");
    }

    /// A phase opened with its gates unmet, appended around the write path: a refusal `check`
    /// counts.
    fn open_unmet(memory: &crate::store::MemoryStore, loaded: &Loaded) {
        let index = &loaded.data.journal;
        let open = Event::PhaseOpened {
            rollout: "ex55-sp4".into(),
            phase: "Local high impact".into(),
            override_reason: None,
            approver: None,
            overridden: Vec::new(),
        };
        let (_, line) =
            crate::store::journal::encode(index.seq + 1, now(), "mallory", None, open, &index.sum).expect("encode");
        memory.append_by_hand(line);
    }

    /// A judgement's findings, whatever clock judged them.
    fn found(judged: &Judged) -> Judged {
        Judged { judged_at: now(), ..judged.clone() }
    }

    #[test]
    fn a_full_loads_judgement_is_checks_and_is_taken_by_the_next_load_and_followed_by_its_writes() {
        let (memory, store) = sample();
        open_unmet(&memory, &load(&store).expect("load"));
        store.drop_cache();
        let first = load(&store).expect("a full load");
        assert_eq!(first.source, crate::live::Source::Full);
        let judged = first.judged.clone().expect("the full load judged the journal it replayed");
        let (problems, replayed) = count_full(&store, now());
        assert!(problems > 0, "the refusal is a problem");
        assert_eq!(problems, full(&store));
        let (over, replayed) = replayed.expect("the journal loaded");
        assert_eq!((&over, found(&replayed)), (&Over::of(&first), found(&judged)), "as check's replay judges it");
        assert_eq!(counted(&first), problems);
        // `count_full` kept its own; the full load's is the same but for the clock.
        keep(&store, &over, &judged);
        let mut loaded = load(&store).expect("load");
        assert!(matches!(loaded.source, crate::live::Source::Cache { .. }));
        assert_eq!((Over::of(&loaded), loaded.judged.as_ref()), (over, Some(&judged)), "the next load takes it");
        assert_eq!(counted(&loaded), problems);

        backup(&mut loaded);
        let followed = loaded.judged.clone().expect("followed by the write");
        assert_eq!(followed.lines, judged.lines + 1);
        let again = load(&store).expect("load");
        assert_eq!(again.judged, Some(followed), "the write path kept it for the next load");
        assert_eq!(counted(&again), full(&store));
    }

    #[test]
    fn a_kept_judgement_is_what_the_count_says_unless_another_program_or_journal_made_it() {
        let (_, store) = sample();
        let problems = counted(&load(&store).expect("a full load, which keeps its judgement"));
        assert_eq!(problems, full(&store));
        let mut k = kept(&store).expect("kept");
        k.judged.journal += 7;
        keep(&store, &k.over, &k.judged);
        // Taken as kept, with no replay: what it says is what the header says.
        assert_eq!(counted(&load(&store).expect("load")), problems + 7);

        let changes: [fn(&mut Kept); 4] = [
            |k| k.program = "sprout 0.0.0".into(),
            |k| k.judged.lines -= 1,
            // Files whose identity is as it was, but whose content the load found changed.
            |k| k.over.small = "another rollout.ron".into(),
            |k| k.over.fleet = Some("another fleet.ron".into()),
        ];
        for change in changes {
            let mut other = k.clone();
            change(&mut other);
            let body = postcard::to_stdvec(&other).expect("encode");
            store.save_cache_part(PART, &[MAGIC.as_slice(), &body].concat());
            assert!(load(&store).expect("load").judged.is_none(), "not taken: {other:?}");
        }
    }

    #[test]
    fn an_event_another_writer_appended_is_judged_as_it_is_read_refused_or_not() {
        let (memory, store) = sample();
        let mut shown = load(&store).expect("load");
        let before = counted(&shown);
        // Another writer through the write path: judged the same by both.
        let mut other = load(&store).expect("load");
        backup(&mut other);
        assert!(matches!(catch_up(&mut shown), Ok(crate::live::CatchUp::Appended(_))));
        assert_eq!(shown.judged.as_ref().map(found), other.judged.as_ref().map(found));
        assert_eq!(counted(&shown), before);

        // Appended around the write path.
        open_unmet(&memory, &shown);
        assert!(matches!(catch_up(&mut shown), Ok(crate::live::CatchUp::Appended(_))));
        assert_eq!(counted(&shown), before + 1, "the refusal is counted with no replay");
        assert_eq!(counted(&shown), full(&store), "as check counts it");
    }

    #[test]
    fn an_event_judged_while_in_the_future_no_longer_holds() {
        let (_, store) = sample();
        let (_, judged) = count_full(&store, now());
        let (_, mut judged) = judged.expect("judged");
        assert!(judged.holds(now()));
        judged.latest = Some(now() + chrono::Duration::minutes(crate::rules::time::CLOCK_TOLERANCE_MINUTES + 1));
        assert!(!judged.holds(now() + chrono::Duration::hours(1)), "judged while in the future: judged again");
        judged.latest = Some(now());
        assert!(!judged.holds(now() - chrono::Duration::hours(1)), "a clock set back: judged again");
    }
}
