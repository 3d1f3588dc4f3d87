//! `sprout import` of a 10,000-row inventory as a whole process (target: under a second), and
//! the same rows each with a bad cell (every error located). Prints the figures.

use std::process::Command;
use std::time::Instant;

fn sprout(data: &std::path::Path, args: &[&str]) -> (std::process::Output, f64) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_sprout"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env("XDG_CACHE_HOME", data.with_file_name("cache"))
        .env("XDG_STATE_HOME", data.with_file_name("state"))
        .output()
        .expect("run sprout");
    (out, started.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    let rows: usize = std::env::var("SPROUT_BENCH_IMPORT_ROWS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let data = dir.path().join("data");
    let (init, _) = sprout(&data, &["init", data.to_str().expect("utf8")]);
    assert!(init.status.success(), "{}", String::from_utf8_lossy(&init.stderr));
    let roles = ["news", "ims", "public-folder", "mailbox", "msmail", "bridgehead"];
    let mut good =
        String::from("name,role,site,environment,Exchange Server 5.5,Windows NT Server 4.0,hot fixes,users\n");
    let mut bad = good.clone();
    for n in 0..rows {
        let role = roles[n % roles.len()];
        let site = format!("S{:02}", n % 20);
        good.push_str(&format!("IMP-{n:06},{role},{site},Production,SP{},SP6a,,{}\n", 1 + n % 4, n % 3 * 500));
        bad.push_str(&format!("IMP-{n:06},{role},{site},Production,SP9,SP6a,,{}\n", n % 3 * 500));
    }
    let (good_csv, bad_csv) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    std::fs::write(&good_csv, good).expect("csv");
    std::fs::write(&bad_csv, bad).expect("csv");

    let (out, bad_ms) = sprout(&data, &["import", bad_csv.to_str().expect("utf8")]);
    let located = String::from_utf8_lossy(&out.stderr).matches("bad.csv:").count();
    assert!(!out.status.success() && located == rows, "every bad row located ({located})");
    let (out, good_ms) = sprout(&data, &["import", good_csv.to_str().expect("utf8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (check, check_ms) = sprout(&data, &["check"]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    println!(
        "Import of {rows} rows, whole process (ms), this machine ({} cores):\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| rows | import | every row bad, each located | check afterwards |");
    println!("|---|---|---|---|");
    println!("| {rows} | {good_ms:.0} | {bad_ms:.0} ({located} errors) | {check_ms:.0} |");
}
