//! `key_bindings.ron`: the operator's own keys for any action, each list replacing that
//! action's default keys on every view (gitui's `key_bindings.ron`, by action name).

use std::collections::HashMap;

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

use crate::app::action::{Action, Binding};

/// The keys an operator chose, by action; an action not named keeps its default keys.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    chosen: HashMap<Action, Chosen>,
}

#[derive(Debug, Clone, Copy)]
struct Chosen {
    keys: &'static [(KeyCode, KeyModifiers)],
    shown: &'static str,
}

impl Keys {
    /// `binding` with the operator's keys for its action, if they chose any.
    pub fn apply(&self, binding: &Binding) -> Binding {
        match self.chosen.get(&binding.action) {
            Some(c) => Binding { keys: c.keys, shown: c.shown, ..*binding },
            None => *binding,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chosen.is_empty()
    }

    /// Parse the file's text: `{ "down": ["j", "down"], "checkout": ["C"] }`. An unknown
    /// action or key is an error located at its line and column in `file`.
    pub fn parse(text: &str, file: &str) -> Result<Keys, String> {
        let entries: Vec<(String, Vec<String>)> = super::ron_map(text, file)?;
        let mut chosen = HashMap::new();
        for (name, keys) in entries {
            let at = super::locate(text, &format!("\"{name}\""));
            let action = Action::ALL.iter().copied().find(|a| a.name() == name).ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                format!("{file}:{at}: unknown action \"{name}\"; the actions are: {}", names.join(", "))
            })?;
            if keys.is_empty() {
                return Err(format!("{file}:{at}: \"{name}\" has no keys; name at least one, or leave it out"));
            }
            let mut parsed = Vec::new();
            for k in &keys {
                let key = parse_key(k).map_err(|why| {
                    format!("{file}:{}: \"{name}\": {why}", super::locate_after(text, &format!("\"{name}\""), k))
                })?;
                parsed.push(key);
            }
            // Leaked once at start-up: bindings are `'static` like the defaults they replace.
            let shown: Vec<String> = keys.iter().map(|k| shown(k)).collect();
            let c = Chosen {
                keys: Box::leak(parsed.into_boxed_slice()),
                shown: Box::leak(shown.join("/").into_boxed_str()),
            };
            chosen.insert(action, c);
        }
        Ok(Keys { chosen })
    }

    /// The actions the operator chose keys for.
    pub fn names(&self) -> impl Iterator<Item = Action> + '_ {
        self.chosen.keys().copied()
    }
}

/// A key as written in the file: a character (`j`, `C`, `?`), a named key (`enter`, `esc`,
/// `tab`, `space`, `up`, `pgdn`, `home`, `f1`...), with `ctrl-`, `alt-` or `shift-` before it.
pub fn parse_key(text: &str) -> Result<(KeyCode, KeyModifiers), String> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = text;
    loop {
        let lower = rest.to_ascii_lowercase();
        let (m, len) = if lower.starts_with("ctrl-") {
            (KeyModifiers::CONTROL, 5)
        } else if lower.starts_with("alt-") {
            (KeyModifiers::ALT, 4)
        } else if lower.starts_with("shift-") {
            (KeyModifiers::SHIFT, 6)
        } else {
            break;
        };
        mods |= m;
        rest = &rest[len..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) => KeyCode::Char(c),
        _ => match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            f if f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ => {
                return Err(format!(
                    "'{text}' is not a key; write a character (j, C, ?), or enter, esc, tab, space, up, down, left, right, home, end, pgup, pgdn, backspace, delete, insert, f1-f12, with ctrl-, alt- or shift- before it"
                ));
            }
        },
    };
    // Shift is implied by the character itself; a shifted letter arrives either way.
    let mods = if matches!(code, KeyCode::Char(_)) { mods - KeyModifiers::SHIFT } else { mods };
    Ok((code, mods))
}

/// How a key shows in the footer and help: `C-n`, `↑`, `PgDn`, `j`.
fn shown(text: &str) -> String {
    parse_key(text).map_or_else(|_| text.to_string(), shown_key)
}

/// How a parsed key shows.
pub fn shown_key((code, mods): (KeyCode, KeyModifiers)) -> String {
    let mut out = String::new();
    if mods.contains(KeyModifiers::CONTROL) {
        out.push_str("C-");
    }
    if mods.contains(KeyModifiers::ALT) {
        out.push_str("M-");
    }
    out.push_str(&match code {
        KeyCode::Char(' ') => "space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::BackTab => "S-tab".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other}").to_lowercase(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_as_people_write_them() {
        assert_eq!(parse_key("j"), Ok((KeyCode::Char('j'), KeyModifiers::NONE)));
        assert_eq!(parse_key("C"), Ok((KeyCode::Char('C'), KeyModifiers::NONE)));
        assert_eq!(parse_key("ctrl-n"), Ok((KeyCode::Char('n'), KeyModifiers::CONTROL)));
        assert_eq!(parse_key("shift-tab"), Ok((KeyCode::BackTab, KeyModifiers::SHIFT)));
        assert_eq!(parse_key("PgDn"), Ok((KeyCode::PageDown, KeyModifiers::NONE)));
        assert_eq!(parse_key("f5"), Ok((KeyCode::F(5), KeyModifiers::NONE)));
        assert!(parse_key("ctrl-").is_err());
        assert!(parse_key("hyper-x").expect_err("no such key").contains("'hyper-x' is not a key"));
        assert_eq!(shown("ctrl-n"), "C-n");
        assert_eq!(shown("down"), "↓");
    }

    #[test]
    fn a_chosen_key_replaces_the_defaults_and_shows_in_help() {
        let keys = Keys::parse("{\"down\": [\"n\", \"ctrl-n\"]}", "key_bindings.ron").expect("parse");
        let down = crate::app::action::GLOBAL.iter().find(|b| b.action == Action::Down).expect("down");
        let mine = keys.apply(down);
        assert_eq!(mine.shown, "n/C-n");
        assert_eq!(mine.help, down.help, "the help text stays");
        let j = ratatui::crossterm::event::KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        let n = ratatui::crossterm::event::KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL);
        assert!(!mine.matches(j), "j no longer moves down");
        assert!(mine.matches(n));
    }

    #[test]
    fn a_mistake_is_located() {
        let text = "{\n    \"down\": [\"j\"],\n    \"donw\": [\"n\"],\n}";
        let err = Keys::parse(text, "key_bindings.ron").expect_err("unknown action");
        assert!(err.starts_with("key_bindings.ron:3:5: unknown action \"donw\""), "{err}");
        let err = Keys::parse("{\"down\": [\"j\", \"sideways\"]}", "k.ron").expect_err("bad key");
        assert!(err.starts_with("k.ron:1:16: \"down\": 'sideways' is not a key"), "{err}");
        let err = Keys::parse("{\"down\": [\"j\"], \"down\": [\"n\"]}", "k.ron").expect_err("twice");
        assert!(err.contains("\"down\" is named twice"), "{err}");
    }
}
