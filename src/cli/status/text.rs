//! `sprout status` as text and as Markdown: one layout, Markdown adding headings and table rules.

use super::Report;
use crate::live::rests::worst;

/// Text and markdown share one layout; markdown adds headings and table rules.
pub(super) fn text(r: &Report, md: bool) -> String {
    let mut o = String::new();
    let h = |o: &mut String, t: &str| o.push_str(&if md { format!("\n## {t}\n\n") } else { format!("\n{t}\n") });
    let bullet = if md { "- " } else { "  " };
    o.push_str(&if md {
        format!("# sprout status\n\n{} servers in `{}`, {}\n", r.servers, r.data, r.now.format("%Y-%m-%d %H:%M UTC"))
    } else {
        format!("sprout status: {} servers in {} ({})\n", r.servers, r.data, r.now.format("%Y-%m-%d %H:%M UTC"))
    });
    if let Some(t) = r.as_of {
        // History says so where it is read, not only on stderr.
        let t = t.format("%Y-%m-%d %H:%M UTC");
        o.push_str(&if md {
            format!(
                "\n**As of {t}: history.** The journal is replayed up to that time only; later events are left out.\n"
            )
        } else {
            format!("AS OF {t}: history; the journal replayed up to that time only, later events left out\n")
        });
    }
    if !r.violations.is_empty() {
        h(
            &mut o,
            &format!(
                "✗ VIOLATIONS: {} product(s) on servers three or more service packs behind (policy: never more than two)",
                r.violations.len()
            ),
        );
        for v in &r.violations {
            o.push_str(&format!("{bullet}{}\n", v.text));
        }
    }
    if !r.at_limit.is_empty() {
        h(&mut o, &format!("! At the limit: {} product(s) on servers two service packs behind", r.at_limit.len()));
        for v in &r.at_limit {
            o.push_str(&format!("{bullet}{}\n", v.text));
        }
    }
    if !r.replacements.is_empty() {
        h(&mut o, &format!("! Replacements that do not match yet: {}", r.replacements.len()));
        for v in &r.replacements {
            o.push_str(&format!("{bullet}{} replaces {}: {}\n", v.server, v.replaces, v.differences.join("; ")));
        }
    }
    h(&mut o, "Servers by role (worst product behind) and pending hot fixes");
    let cols =
        ["role", "servers", "current", "1 behind", "2 behind", "3+ behind", "hf ready", "hf blocked", "hf in SP"];
    let rows: Vec<Vec<String>> = r
        .roles
        .iter()
        .map(|l| {
            let mut v = vec![l.role.clone(), l.servers.to_string()];
            v.extend(l.behind.iter().map(usize::to_string));
            v.extend([l.ready, l.blocked, l.superseded].iter().map(usize::to_string));
            v
        })
        .collect();
    o.push_str(&table(&cols, &rows, md));
    h(&mut o, "Pending hot fixes");
    let rows: Vec<Vec<String>> = r
        .hot_fixes
        .iter()
        .map(|f| vec![f.id.clone(), f.servers.to_string(), f.reason.clone(), f.title.clone()])
        .collect();
    o.push_str(&table(&["hot fix", "servers", "status", "title"], &rows, md));
    if let Some(ro) = &r.rollout {
        h(&mut o, &format!("Rollout {}: {}", ro.id, ro.title));
        if !ro.bundle.is_empty() {
            o.push_str(&format!("{bullet}bundle: {}\n", ro.bundle.join(", ")));
        }
        let rows: Vec<Vec<String>> = ro
            .phases
            .iter()
            .map(|p| {
                let mark = match p.state {
                    "done" => "✓",
                    "current" => "▶",
                    _ => "·",
                };
                vec![
                    format!("{mark} {}", p.number),
                    p.name.clone(),
                    p.state.to_string(),
                    p.members.to_string(),
                    p.window.to_string(),
                    p.soak.clone(),
                ]
            })
            .collect();
        o.push_str(&table(&["phase", "name", "state", "servers", "window", "soak"], &rows, md));
        if !ro.pending_overrides.is_empty() {
            h(&mut o, "! Override requests waiting for approvers (sprout approve --request N)");
            for q in &ro.pending_overrides {
                o.push_str(&format!("{bullet}{}\n", q.text));
            }
        }
        match ro.current {
            None => o.push_str(&format!("{bullet}no phase open yet: `sprout advance` opens phase 1\n")),
            Some(c) => {
                h(&mut o, &format!("Gates of phase {c} ({})", ro.phases[c - 1].name));
                // Markdown nests a list by indenting it under its item.
                let nested = if md { "  - " } else { "      - " };
                for g in &ro.gates {
                    let state = if g.met { "✓ met  " } else { "✗ UNMET" };
                    let rests = match worst(&g.rests_on) {
                        Some(mark) if g.met => {
                            format!("  {mark} met, but rests on unproven events")
                        }
                        Some(mark) => format!("  {mark} rests on unproven events"),
                        None => String::new(),
                    };
                    o.push_str(&format!("{bullet}{state} {}{rests}\n", g.label));
                    for u in &g.unmet {
                        o.push_str(&format!("{nested}{}\n", u.text));
                    }
                    rests_lines(&g.rests_on, &mut o, nested);
                }
                for (i, p) in ro.phases.iter().enumerate().filter(|(_, p)| !p.rests_on.is_empty()) {
                    let mark = worst(&p.rests_on).unwrap_or_default();
                    o.push_str(&format!(
                        "{bullet}{mark} phase {} was opened by an event not proven by its operator's key\n",
                        i + 1
                    ));
                    rests_lines(&p.rests_on, &mut o, nested);
                }
                if let Some(halt) = &ro.halted {
                    o.push_str(&format!("{bullet}! {halt}\n"));
                }
                if !ro.waiting_on.is_empty() {
                    h(&mut o, "Waiting on");
                    for w in &ro.waiting_on {
                        o.push_str(&format!("{bullet}{}\n", w.text));
                    }
                }
                let unmet = ro.gates.iter().filter(|g| !g.met).count();
                o.push('\n');
                o.push_str(&if ro.can_advance {
                    format!("All gates met: `sprout advance` opens phase {}.\n", c + 1)
                } else if c == ro.phases.len() {
                    "This is the last phase.\n".to_string()
                } else {
                    format!("Cannot advance to phase {}: {unmet} of {} gates unmet.\n", c + 1, ro.gates.len())
                });
            }
        }
    }
    if let Some(ro) = &r.rollout {
        forecast(&mut o, ro, md);
    }
    if !r.advice.is_empty() {
        h(&mut o, "Advice (not enforced)");
        for a in &r.advice {
            o.push_str(&format!("{bullet}{a}\n"));
        }
    }
    if let Some(s) = &r.signatures {
        h(&mut o, "Signatures");
        super::signed::text(s, &mut o, bullet);
    }
    if !r.present.is_empty() {
        h(&mut o, &format!("Here now: {} dashboard(s) open", r.present.len()));
        for p in &r.present {
            let marks = &p.marks;
            // Presence is anyone's file: in Markdown nothing in it becomes markup.
            let say = |t: &str| if md { crate::cli::markdown::inline(t) } else { t.to_string() };
            let from = p.from.as_deref().map(|f| format!(" ({})", say(f))).unwrap_or_default();
            let marks = if marks.is_empty() { String::new() } else { format!(" · {}", say(&marks.join(" · "))) };
            o.push_str(&format!("{bullet}{}{from}: {}{marks}\n", say(&p.operator), say(&p.looking_at)));
        }
    }
    o
}

/// Each phase's dates, actual or projected (`~`), the projected end and what delays it.
fn forecast(o: &mut String, ro: &super::RolloutReport, md: bool) {
    let date = |t: Option<chrono::DateTime<chrono::Utc>>, actual: bool| {
        t.map_or("no date".to_string(), |t| format!("{}{}", if actual { "" } else { "~" }, t.format("%Y-%m-%d")))
    };
    let end = ro.projected_end.map_or("no date (an install window is frozen out)".to_string(), |e| {
        format!("~{}", e.format("%Y-%m-%d %H:%M UTC"))
    });
    o.push_str(&if md {
        format!("\n## Forecast: projected end {end}\n\n")
    } else {
        format!("\nForecast: projected end {end}\n")
    });
    let rows: Vec<Vec<String>> = ro
        .phases
        .iter()
        .map(|p| {
            let done = p.state == "done";
            vec![
                p.number.to_string(),
                p.name.clone(),
                p.opened.map_or("-".to_string(), |_| date(p.opened, true)),
                date(p.projected_open, p.opened.is_some()),
                date(p.projected_finish, done),
            ]
        })
        .collect();
    o.push_str(&table(&["phase", "name", "opened", "opens", "gates met"], &rows, md));
    let bullet = if md { "- " } else { "  " };
    if !ro.delays.is_empty() {
        o.push_str(&format!("\n{bullet}open items of the current phase and the days each holds the end back:\n"));
        for d in &ro.delays {
            let days = d.days.map_or("no date".to_string(), |n| format!("+{n} day{}", if n == 1 { "" } else { "s" }));
            let nested = if md { "  - " } else { "      - " };
            o.push_str(&format!("{nested}{}: {days}\n", d.text));
        }
    }
    o.push_str(&format!("{bullet}~ marks a projected date; the assumptions are in README.md (The forecast)\n"));
}

/// A plain aligned table, or a markdown one.
pub fn table(cols: &[&str], rows: &[Vec<String>], md: bool) -> String {
    // In Markdown a `|` inside a cell would split it: escaped. A blank line first, so the table
    // never continues a list item.
    let escaped: Vec<Vec<String>>;
    let rows = if md {
        escaped = rows.iter().map(|r| r.iter().map(|c| c.replace('|', "\\|")).collect()).collect();
        &escaped[..]
    } else {
        rows
    };
    let mut widths: Vec<usize> = cols.iter().map(|c| c.chars().count()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        if md { format!("| {} |\n", padded.join(" | ")) } else { format!("  {}\n", padded.join("  ").trim_end()) }
    };
    let mut o = if md { "\n".to_string() } else { String::new() };
    o.push_str(&line(cols.to_vec()));
    if md {
        o.push_str(&format!("|{}|\n", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|")));
    }
    for r in rows {
        o.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    o
}

/// The events a fact rests on that are not proven, the first few.
fn rests_lines(rests: &[crate::live::rests::Rest], o: &mut String, nested: &str) {
    for r in rests.iter().take(5) {
        o.push_str(&format!("{nested}{} {}\n", r.mark, r.words()));
    }
    if rests.len() > 5 {
        o.push_str(&format!("{nested}... and {} more: sprout verify lists them at their lines\n", rests.len() - 5));
    }
}
