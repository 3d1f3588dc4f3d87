use super::*;
use crate::rules::fixture::{apply, sample};

#[test]
fn an_install_starts_the_soak_and_a_back_out_returns_the_level_before_it() {
    let (data, mut state) = sample();
    let i = state.server_index("BOS-PF02").expect("server");
    assert_eq!(state.servers[i].products.get("ex55"), Some(&3));
    let install = Event::Install { server: "BOS-PF02".into(), product: "ex55".into(), level: 4, verified: None };
    apply(&data, &mut state, "op", install);
    assert_eq!(state.servers[i].products.get("ex55"), Some(&4));
    let member = &state.progress[0].members[i];
    assert!(member.installed_at.is_some() && member.verified.is_none());
    assert_eq!(state.previous_level(i, "ex55"), Some(3));
    let back = Event::BackedOut { server: "BOS-PF02".into(), product: "ex55".into(), to_level: 3, reason: "r".into() };
    apply(&data, &mut state, "op", back);
    assert_eq!(state.servers[i].products.get("ex55"), Some(&3));
    let member = &state.progress[0].members[i];
    assert!(member.installed_at.is_none() && member.backed_out_at.is_some(), "the soak is over, the halt recorded");
}

#[test]
fn events_about_unknown_things_change_nothing_and_extensions_add_up() {
    let (data, mut state) = sample();
    let before = state.clone();
    apply(&data, &mut state, "op", Event::Backup { server: "NO-SUCH".into(), note: String::new() });
    assert!(state == before, "an event about an unknown server changes nothing");
    let elsewhere = Event::Excluded { rollout: "nt4-sp9".into(), server: "BOS-PF01".into(), reason: "r".into() };
    apply(&data, &mut state, "op", elsewhere);
    assert!(state.progress == before.progress, "an unknown rollout's exclusion excludes nobody");
    let i = state.server_index("BOS-PF01").expect("server");
    assert_eq!(state.history[i].len(), before.history[i].len() + 1, "it is still in the server's history");
    let extend = |days| Event::SoakExtended {
        rollout: "ex55-sp4".into(),
        phase: "Local low impact".into(),
        days,
        reason: "r".into(),
    };
    apply(&data, &mut state, "op", extend(2));
    apply(&data, &mut state, "op", extend(3));
    assert_eq!(state.progress[0].extra_days[2], 5);
}

#[test]
fn a_record_is_held_only_for_servers_the_journal_names_in_the_rollout() {
    let (data, mut state) = sample();
    let made = |state: &State| {
        let mut members = state.progress[0].members.clone();
        members.as_vec_mut().iter_mut().filter_map(Member::made).count()
    };
    let before = made(&state);
    let unnamed = (0..state.servers.len()).filter(|&i| state.progress[0].members[i] == Member::default()).count();
    assert_eq!(before + unnamed, state.servers.len(), "an empty record and none read alike");
    // A back-out of a server the rollout never installed reads its record and makes none.
    let back = Event::BackedOut { server: "BOS-PF02".into(), product: "ex55".into(), to_level: 2, reason: "r".into() };
    apply(&data, &mut state, "op", back);
    assert_eq!(made(&state), before, "reading a record makes none");
    state.compact();
    assert_eq!(made(&state), before, "compacting the checkouts makes none");
    let install = Event::Install { server: "BOS-PF02".into(), product: "ex55".into(), level: 4, verified: None };
    apply(&data, &mut state, "op", install);
    assert_eq!(made(&state), before + 1, "an install makes its server's record");
    // In the derived-state cache a record is the record itself: none reads back as none.
    let i = state.server_index("BOS-PF02").expect("server");
    let bytes = postcard::to_stdvec(&state.progress[0].members[i]).expect("encoded");
    assert_eq!(bytes, postcard::to_stdvec(&*state.progress[0].members[i]).expect("encoded"));
    let none = postcard::to_stdvec(&Member::default()).expect("encoded");
    let mut back: Member = postcard::from_bytes(&none).expect("decoded");
    assert!(back.made().is_none(), "an empty record read back is held as none");
    assert_eq!(MemberRecord::EMPTY, MemberRecord::default());
}

#[test]
fn what_is_held_per_checkout_and_per_member_stays_small() {
    // Held once a checkout and once a server a rollout: at 100,000 servers and 250,000
    // checkouts, each byte here is 0.25 MB and 0.1 MB of the dashboard's memory.
    assert_eq!(std::mem::size_of::<CheckoutRecord>(), 24);
    assert_eq!(std::mem::size_of::<Member>(), 8);
}
