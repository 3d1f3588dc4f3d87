//! The operator's own settings, kept outside the data directory (they are nobody else's):
//! `config.ron` (mouse, ASCII), `key_bindings.ron` and `theme.ron` in `$SPROUT_CONFIG`, else
//! the per-user configuration directory (`~/.config/sprout`). A file that is there but wrong
//! is refused with where and what, never half-read.

pub mod keys;
pub mod theme;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::app::Tab;
use crate::ui::Theme;

pub use keys::Keys;

pub const CONFIG: &str = "config.ron";
pub const KEY_BINDINGS: &str = "key_bindings.ron";
pub const THEME: &str = "theme.ron";

/// `config.ron`: `(mouse: true, ascii: false)`, every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    mouse: bool,
    #[serde(default)]
    ascii: bool,
}

/// What the command line asks for; each overrides the files.
#[derive(Debug, Default, Clone)]
pub struct Asked {
    pub mouse: bool,
    pub ascii: bool,
    pub theme: Option<String>,
    /// `NO_COLOR` is set: colours go, bold and reverse stay.
    pub no_color: bool,
    /// `TERM`: the Linux console has neither the symbols nor 256 colours.
    pub term: Option<String>,
}

/// The dashboard's settings, files and command line together.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mouse: bool,
    pub theme: Theme,
    pub keys: Keys,
}

/// Where the operator's files are: `$SPROUT_CONFIG`, else `~/.config/sprout`.
pub fn dir() -> Option<PathBuf> {
    match std::env::var_os("SPROUT_CONFIG") {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => dirs::config_dir().map(|d| d.join("sprout")),
    }
}

/// Read the files in `dir` (missing ones are defaults) and settle what `asked` overrides.
pub fn load(dir: Option<&Path>, asked: &Asked) -> Result<Settings, String> {
    let read = |name: &str| -> Result<Option<(String, String)>, String> {
        let Some(dir) = dir else { return Ok(None) };
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some((text, path.display().to_string()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    };
    let config = match read(CONFIG)? {
        Some((text, file)) => ron_value::<ConfigFile>(&text, &file)?,
        None => ConfigFile::default(),
    };
    let keys = match read(KEY_BINDINGS)? {
        Some((text, file)) => {
            let keys = Keys::parse(&text, &file)?;
            clashes(&keys, &text, &file)?;
            keys
        }
        None => Keys::default(),
    };
    let file = match read(THEME)? {
        Some((text, file)) => theme::ThemeFile::parse(&text, &file)?,
        None => theme::ThemeFile::default(),
    };
    let console = asked.term.as_deref() == Some("linux");
    let palette = match asked.theme.as_deref().or(file.palette.as_deref()) {
        Some(name) => name.to_string(),
        // The Linux console and terminals without 256 colours get the 16-colour palette.
        None if console || !asked.term.as_deref().is_some_and(|t| t.contains("256") || t.contains("direct")) => {
            "basic".to_string()
        }
        None => "dark".to_string(),
    };
    let base = Theme::named(&palette)
        .ok_or_else(|| format!("--theme {palette}: no such palette; the palettes are: {}", Theme::NAMES.join(", ")))?;
    let mut theme = file.over(base);
    if asked.no_color {
        theme = theme.monochrome();
    }
    theme.ascii = asked.ascii || config.ascii || console;
    Ok(Settings { mouse: asked.mouse || config.mouse, theme, keys })
}

/// A key the operator bound to one action that another action on the same view also has.
fn clashes(keys: &Keys, text: &str, file: &str) -> Result<(), String> {
    let panes = crate::views::Panes::default();
    for &tab in Tab::ALL {
        let map = crate::views::keymap(&panes, keys, tab, false);
        for (i, a) in map.iter().enumerate() {
            for b in &map[i + 1..] {
                let same = a.keys.iter().find(|ka| b.keys.iter().any(|kb| same_key(**ka, *kb)));
                if let Some(key) = same {
                    let mine = if keys.names().any(|n| n == a.action) { a } else { b };
                    let at = locate(text, &format!("\"{}\"", mine.action.name()));
                    return Err(format!(
                        "{file}:{at}: {} is bound to both \"{}\" and \"{}\" on the {} view; give one of them another key",
                        keys::shown_key(*key),
                        a.action.name(),
                        b.action.name(),
                        tab.title()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Two keys are one if only Shift tells them apart (terminals differ in sending it).
fn same_key(
    a: (ratatui::crossterm::event::KeyCode, ratatui::crossterm::event::KeyModifiers),
    b: (ratatui::crossterm::event::KeyCode, ratatui::crossterm::event::KeyModifiers),
) -> bool {
    let shift = ratatui::crossterm::event::KeyModifiers::SHIFT;
    a.0 == b.0 && (a.1 - shift) == (b.1 - shift)
}

/// A RON value of `text`, an error located as `file:line:col`.
fn ron_value<T: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<T, String> {
    ron::Options::default()
        .with_default_extension(
            ron::extensions::Extensions::IMPLICIT_SOME | ron::extensions::Extensions::UNWRAP_NEWTYPES,
        )
        .from_str(text)
        .map_err(|e: ron::error::SpannedError| {
            let mut what = e.code.to_string();
            // serde names the Rust type a field belongs to; the operator wrote a file.
            if let Some(at) = what.find(" in `")
                && let Some(end) = what[at + 5..].find('`')
            {
                what.replace_range(at..at + 5 + end + 1, "");
            }
            if what.contains("Failed to parse Colors") {
                what = "not a colour: write a name (red, light-blue, dark-gray, reset), #rrggbb, or 0-255 for the 256-colour set".into();
            }
            format!("{file}:{}:{}: {what}", e.span.start.line, e.span.start.col)
        })
}

/// A RON map of `text` as its entries in order, each key once.
fn ron_map<V: serde::de::DeserializeOwned>(text: &str, file: &str) -> Result<Vec<(String, V)>, String> {
    let entries: Unique<V> = ron_value(text, file)?;
    Ok(entries.0)
}

/// A map read in order, refusing a key named twice (serde would keep the last silently).
struct Unique<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Unique<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = Unique<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map of action names to lists of keys")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format!("\"{key}\" is named twice: name it once")));
                    }
                    out.push((key, value));
                }
                Ok(Unique(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// `line:col` of the first `needle` in `text` (1-based), or `1:1`.
fn locate(text: &str, needle: &str) -> String {
    text.find(needle).map_or("1:1".to_string(), |at| line_col(text, at))
}

/// `line:col` of the quoted `value` after the first `anchor` in `text`.
fn locate_after(text: &str, anchor: &str, value: &str) -> String {
    let start = text.find(anchor).unwrap_or(0);
    let quoted = format!("\"{value}\"");
    text[start..].find(&quoted).map_or_else(|| locate(text, anchor), |at| line_col(text, start + at))
}

fn line_col(text: &str, at: usize) -> String {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("{line}:{col}")
}
