//! What the terminal can show, told by the environment: Unicode glyphs or only ASCII, how many
//! colours, and whether it can hold a dashboard at all.
//!
//! [`Capabilities::detect`] is a pure function of the variables, so every rule is unit-tested:
//!
//! - **Glyphs.** The character set is the locale's: the first of `LC_ALL`, `LC_CTYPE` and
//!   `LANG` that is set and not empty, in that order (POSIX). A codeset of UTF-8 (`C.UTF-8`,
//!   `en_US.utf8`, or `UTF-8` alone as macOS sets `LC_CTYPE`) means Unicode; `C`, `POSIX`, no
//!   codeset (`en_US` is ISO-8859-1), any other codeset, or no locale variable at all (the
//!   POSIX locale) means ASCII. So do terminals whose fonts lack the glyphs whatever the
//!   locale: the Linux console (`linux*`), DEC terminals (`vt52`, `vt100`, `vt220`, … any
//!   `vt` and a digit), `ansi`, `cons25` and `dumb`.
//! - **Colours.** None under `NO_COLOR` (set and not empty, <https://no-color.org>) or on
//!   `dumb`; the 16 basic colours on the Linux console and the DEC-class terminals above, and
//!   wherever neither `TERM` nor `COLORTERM` claims more; the 256-colour palette when `TERM`
//!   claims it (`*-256color`, `*-direct`, `*truecolor`, `*24bit`) or `COLORTERM` is
//!   `truecolor` or `24bit`.
//! - **The dashboard.** Not on `dumb`: such a terminal cannot move its cursor, so a full-screen
//!   view would scroll by as garbage.
//!
//! Variables set to the empty string count as unset, as POSIX has it for the locale.

use std::ffi::OsString;

/// How many colours to draw with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colors {
    /// No colours at all: the terminal's own foreground and background.
    None,
    /// The 16 basic colours, written as SGR 30–37, 90–97, 40–47 and 100–107, which terminals
    /// without a 256-colour palette understand.
    Basic,
    /// The 256-colour palette (SGR `38;5;N` and `48;5;N`).
    #[default]
    Indexed,
}

/// What the terminal can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Whether Unicode glyphs (box drawing, blocks, braille) show: the locale's character set
    /// is UTF-8 and the terminal's font has them.
    pub unicode: bool,
    /// The colours it shows.
    pub colors: Colors,
    /// Whether it can hold a full-screen dashboard (it moves its cursor).
    pub dashboard: bool,
}

/// What kind of terminal `TERM` names, as far as drawing goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `dumb`: no cursor movement, no colours, no glyphs.
    Dumb,
    /// The Linux console and DEC-class terminals: ASCII glyphs, the 16 basic colours.
    Limited,
    /// Anything else (an emulator of xterm's kind), or `TERM` unset.
    Emulator,
}

fn kind(term: Option<&str>) -> Kind {
    let Some(term) = term else {
        return Kind::Emulator;
    };
    let term = term.to_ascii_lowercase();
    let is_vt = term
        .strip_prefix("vt")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    let limited = term == "linux"
        || term.starts_with("linux-")
        || is_vt
        || term == "ansi"
        || term.starts_with("cons25");
    if term == "dumb" {
        Kind::Dumb
    } else if limited {
        Kind::Limited
    } else {
        Kind::Emulator
    }
}

/// Whether `TERM` claims the 256-colour palette or more.
fn term_claims_256(term: &str) -> bool {
    let term = term.to_ascii_lowercase();
    term.contains("256color")
        || term.ends_with("-direct")
        || term.contains("truecolor")
        || term.contains("24bit")
}

/// Whether a locale name (`language[_territory][.codeset][@modifier]`) has UTF-8 as its
/// codeset. A name without a `.` is read as a codeset alone (`UTF-8`, as macOS sets
/// `LC_CTYPE`), which `C`, `POSIX` and `en_US` are not.
pub fn locale_is_utf8(locale: &str) -> bool {
    let name = locale.split('@').next().unwrap_or("");
    let codeset = name.rsplit_once('.').map_or(name, |(_, codeset)| codeset);
    let normalized: String = codeset
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    normalized == "utf8"
}

impl Capabilities {
    /// The capabilities the environment describes; `var` returns a variable's value (`None`
    /// when unset). See the [module documentation](self) for the rules.
    pub fn detect(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].into_iter().find_map(set);
        let utf8 = locale.as_deref().is_some_and(locale_is_utf8);
        let term = set("TERM");
        let kind = kind(term.as_deref());
        let no_color = set("NO_COLOR").is_some();
        let claims_256 = term.as_deref().is_some_and(term_claims_256)
            || set("COLORTERM")
                .is_some_and(|c| matches!(c.to_ascii_lowercase().as_str(), "truecolor" | "24bit"));
        let colors = match kind {
            _ if no_color => Colors::None,
            Kind::Dumb => Colors::None,
            Kind::Limited => Colors::Basic,
            Kind::Emulator if claims_256 => Colors::Indexed,
            Kind::Emulator => Colors::Basic,
        };
        Self {
            unicode: utf8 && kind == Kind::Emulator,
            colors,
            dashboard: kind != Kind::Dumb,
        }
    }

    /// The capabilities this process's environment describes.
    pub fn from_process_environment() -> Self {
        Self::detect(|name| {
            std::env::var_os(name).map(|v: OsString| v.to_string_lossy().into_owned())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(vars: &[(&str, &str)]) -> Capabilities {
        Capabilities::detect(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_string())
        })
    }

    const UTF8: (&str, &str) = ("LANG", "en_US.UTF-8");

    #[test]
    fn locales() {
        for utf8 in [
            "C.UTF-8",
            "en_US.UTF-8",
            "en_US.utf8",
            "de_DE.UTF8@euro",
            "UTF-8",
            "sr_RS.utf-8@latin",
        ] {
            assert!(locale_is_utf8(utf8), "{utf8}");
        }
        for other in [
            "C",
            "POSIX",
            "en_US",
            "en_US.ISO-8859-1",
            "ja_JP.eucJP",
            "ru_RU.KOI8-R",
            "",
            "utf8x",
        ] {
            assert!(!locale_is_utf8(other), "{other}");
        }
    }

    #[test]
    fn the_locale_is_lc_all_then_lc_ctype_then_lang() {
        let term = ("TERM", "xterm-256color");
        assert!(detect(&[term, UTF8]).unicode);
        assert!(!detect(&[term]).unicode, "no locale: the POSIX locale");
        assert!(!detect(&[term, ("LANG", "C")]).unicode);
        assert!(!detect(&[term, ("LC_ALL", "C"), UTF8]).unicode);
        assert!(detect(&[term, ("LC_ALL", "C.UTF-8"), ("LANG", "C")]).unicode);
        assert!(!detect(&[term, ("LC_CTYPE", "POSIX"), UTF8]).unicode);
        assert!(detect(&[term, ("LC_CTYPE", "UTF-8"), ("LANG", "C")]).unicode);
        assert!(
            detect(&[term, ("LC_ALL", ""), ("LC_CTYPE", ""), UTF8]).unicode,
            "empty means unset"
        );
        assert!(!detect(&[term, ("LANG", "en_GB.ISO-8859-15")]).unicode);
    }

    #[test]
    fn terminals_without_unicode_glyphs_get_ascii_and_basic_colours() {
        for term in [
            "linux",
            "linux-16color",
            "vt100",
            "vt102",
            "vt220",
            "vt52",
            "VT320",
            "ansi",
            "cons25",
        ] {
            let c = detect(&[("TERM", term), UTF8, ("COLORTERM", "truecolor")]);
            assert_eq!(
                c,
                Capabilities {
                    unicode: false,
                    colors: Colors::Basic,
                    dashboard: true
                },
                "{term}"
            );
        }
        // Names that merely start like them are emulators.
        assert!(detect(&[("TERM", "vte-256color"), UTF8]).unicode);
        assert!(detect(&[("TERM", "ansiterm"), UTF8]).unicode);
    }

    #[test]
    fn dumb_has_nothing_and_no_dashboard() {
        for term in ["dumb", "DUMB"] {
            let c = detect(&[("TERM", term), UTF8, ("COLORTERM", "truecolor")]);
            assert_eq!(
                c,
                Capabilities {
                    unicode: false,
                    colors: Colors::None,
                    dashboard: false
                },
                "{term:?}"
            );
        }
    }

    #[test]
    fn colours_are_256_only_when_claimed() {
        let colors = |vars: &[(&str, &str)]| detect(vars).colors;
        assert_eq!(colors(&[("TERM", "xterm-256color")]), Colors::Indexed);
        assert_eq!(colors(&[("TERM", "tmux-256color")]), Colors::Indexed);
        assert_eq!(colors(&[("TERM", "xterm-direct")]), Colors::Indexed);
        assert_eq!(
            colors(&[("TERM", "xterm"), ("COLORTERM", "truecolor")]),
            Colors::Indexed
        );
        assert_eq!(
            colors(&[("TERM", "xterm"), ("COLORTERM", "24bit")]),
            Colors::Indexed
        );
        assert_eq!(colors(&[("TERM", "xterm")]), Colors::Basic);
        assert_eq!(colors(&[("TERM", "screen")]), Colors::Basic);
        assert_eq!(colors(&[("TERM", "rxvt-88color")]), Colors::Basic);
        assert_eq!(
            colors(&[("TERM", "xterm"), ("COLORTERM", "yes")]),
            Colors::Basic
        );
        assert_eq!(colors(&[]), Colors::Basic, "TERM unset claims nothing");
        assert_eq!(
            colors(&[("TERM", "")]),
            Colors::Basic,
            "nor does an empty one"
        );
        assert!(detect(&[("TERM", ""), UTF8]).dashboard);
    }

    #[test]
    fn no_color_turns_colours_off_when_not_empty() {
        let term = ("TERM", "xterm-256color");
        assert_eq!(detect(&[term, ("NO_COLOR", "1")]).colors, Colors::None);
        assert_eq!(detect(&[term, ("NO_COLOR", "")]).colors, Colors::Indexed);
        assert_eq!(
            detect(&[("TERM", "linux"), ("NO_COLOR", "yes")]).colors,
            Colors::None
        );
    }
}
