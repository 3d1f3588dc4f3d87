//! `theme.ron`: a base palette by name and any of its styles changed, field by field.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::ui::Theme;

/// One style as the file writes it: `(fg: "#0072b2", add_modifier: "BOLD")`; every field
/// optional, colours by name, `#rrggbb` or a 256-colour index, modifiers joined with `|`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleFile {
    fg: Option<Color>,
    bg: Option<Color>,
    add_modifier: Option<Modifier>,
    sub_modifier: Option<Modifier>,
}

impl StyleFile {
    fn over(&self, base: Style) -> Style {
        let mut style = base;
        style.fg = self.fg.or(base.fg);
        style.bg = self.bg.or(base.bg);
        if let Some(m) = self.add_modifier {
            style = style.add_modifier(m);
        }
        if let Some(m) = self.sub_modifier {
            style = style.remove_modifier(m);
        }
        style
    }
}

macro_rules! theme_file {
    ($($field:ident),+ $(,)?) => {
        /// The file: `palette` names the one to start from, each other field changes one style.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ThemeFile {
            pub palette: Option<String>,
            $($field: Option<StyleFile>,)+
        }

        impl ThemeFile {
            /// `theme` with the file's styles over it.
            pub fn over(&self, mut theme: Theme) -> Theme {
                $(if let Some(s) = &self.$field {
                    theme.$field = s.over(theme.$field);
                })+
                theme
            }
        }
    };
}

theme_file!(base, header, tab, tab_active, title, selected, dim, ok, warn, bad, key, group, border, new);

impl ThemeFile {
    pub fn parse(text: &str, file: &str) -> Result<ThemeFile, String> {
        let parsed: ThemeFile = super::ron_value(text, file)?;
        if let Some(name) = &parsed.palette
            && Theme::named(name).is_none()
        {
            let at = super::locate(text, &format!("\"{name}\""));
            return Err(format!(
                "{file}:{at}: unknown palette \"{name}\"; the palettes are: {}",
                Theme::NAMES.join(", ")
            ));
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_changes_only_the_styles_it_names() {
        let file = ThemeFile::parse("(palette: \"light\", ok: (fg: \"#0072b2\", add_modifier: \"BOLD\"))", "theme.ron")
            .expect("parse");
        let light = Theme::named("light").expect("light");
        let theme = file.over(light);
        assert_eq!(theme.ok.fg, Some(Color::Rgb(0, 0x72, 0xb2)));
        assert!(theme.ok.add_modifier.contains(Modifier::BOLD));
        assert_eq!(theme.bad, light.bad, "what the file does not name stays");
    }

    #[test]
    fn a_mistake_is_located() {
        let err = ThemeFile::parse("(\n  ok: (fg: \"blu\"),\n)", "theme.ron").expect_err("bad colour");
        assert!(err.starts_with("theme.ron:2:"), "{err}");
        let err = ThemeFile::parse("(\n  okk: (fg: \"blue\"),\n)", "theme.ron").expect_err("unknown field");
        assert!(err.starts_with("theme.ron:2:") && err.contains("okk"), "{err}");
        let err = ThemeFile::parse("(palette: \"neon\")", "theme.ron").expect_err("unknown palette");
        assert!(err.starts_with("theme.ron:1:11: unknown palette \"neon\""), "{err}");
    }
}
