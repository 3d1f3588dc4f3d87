use super::*;
use crate::rules::fixture::sample;

#[test]
fn the_sample_is_clean_and_each_broken_reference_is_named() {
    let (mut data, state) = sample();
    assert_eq!(check(&data, &state), Vec::new());
    let dup = data.plan.rollouts[0].clone();
    data.plan.rollouts.push(dup);
    data.fleet.servers[0].role = "printer".into();
    let state = State::new(&data);
    let problems: Vec<String> =
        check(&data, &state).into_iter().map(|p| format!("{}: {}", p.file, p.message)).collect();
    assert!(problems.contains(&"rollout.ron: duplicate rollout 'ex55-sp4'".to_string()), "{problems:?}");
    assert!(problems.contains(&"fleet.ron: server LAB-NEWS01 has unknown role 'printer'".to_string()), "{problems:?}");
}

#[test]
fn what_the_state_can_change_is_found_alike_without_the_parsed_fleet() {
    let (mut data, _) = sample();
    // A replacement that does not match the server it replaces, and a phase no server
    // falls in (priority 9 is never derived).
    let (old, product) = (data.fleet.servers[0].name.clone(), data.plan.rollouts[0].product.clone());
    let new = data.fleet.servers.iter().position(|s| !s.products.contains_key(&product)).expect("another product");
    data.fleet.servers[new].replaces = Some(old);
    data.plan.rollouts[0].phases[1].members.priority = Some(9);
    let state = State::new(&data);
    let all = check(&data, &state);
    let of_state = of_state(&data, &state);
    let messages: Vec<&str> = of_state.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].contains("does not match it"), "{messages:?}");
    assert!(messages[1].ends_with("matches no server"), "{messages:?}");
    assert!(of_state.iter().all(|p| all.contains(p)), "each is one check finds");
    // The files' own problems, found before any state: every other problem check finds.
    data.fleet.servers[1].role = "printer".into();
    let (state, files) = (State::new(&data), of_files(&data));
    let all = check(&data, &state);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].message.ends_with("unknown role 'printer'"), "{files:?}");
    assert_eq!(files.len() + of_state.len(), all.len(), "{all:?}");
    assert!(files.iter().chain(&of_state).all(|p| all.contains(p)));
    // As a state read from the derived-state cache holds it: no servers in the fleet.
    data.fleet.servers.clear();
    assert_eq!(super::of_state(&data, &state), of_state);
}
