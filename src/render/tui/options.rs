//! How the dashboard draws: ASCII or Unicode glyphs, how many colours, and the frame interval;
//! decided from what the terminal can show ([`Capabilities`]) and what the command line asks
//! ([`Overrides`]).
//!
//! Precedence, for glyphs and colours separately: a flag (`--ascii` or `--unicode`;
//! `--color never|16|256`) wins over everything, `NO_COLOR` included; without one, the
//! environment decides as [`Capabilities::detect`] says (`--color auto` is the same as no
//! flag).

use std::time::Duration;

pub use super::capabilities::{Capabilities, Colors};

/// Default time between frames while data changes (keys and resizes redraw at once).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// How the dashboard draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardOptions {
    /// Plain ASCII everywhere: borders `+-|`, bars and pixels from ` .:-=+*#%@`.
    pub ascii: bool,
    /// The colours used: none (pixels as characters), the 16 basic colours (the theme's
    /// palette mapped to the nearest of them) or the 256-colour palette.
    pub color: Colors,
    /// Shortest time between two frames drawn for new data.
    pub frame_interval: Duration,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            ascii: false,
            color: Colors::Indexed,
            frame_interval: FRAME_INTERVAL,
        }
    }
}

/// What the command line asks of the drawing; `None` leaves it to the environment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `Some(true)` for `--ascii`, `Some(false)` for `--unicode`.
    pub ascii: Option<bool>,
    /// `--color never|16|256`.
    pub color: Option<Colors>,
}

impl From<bool> for Overrides {
    /// `--ascii` alone: `true` forces ASCII, `false` leaves everything to the environment.
    fn from(ascii: bool) -> Self {
        Self {
            ascii: ascii.then_some(true),
            color: None,
        }
    }
}

impl DashboardOptions {
    /// The options for a terminal of these capabilities with these overrides (see the
    /// [module documentation](self) for the precedence).
    pub fn resolve(capabilities: &Capabilities, overrides: Overrides) -> Self {
        Self {
            ascii: overrides.ascii.unwrap_or(!capabilities.unicode),
            color: overrides.color.unwrap_or(capabilities.colors),
            ..Self::default()
        }
    }

    /// The options for this process's terminal ([`Capabilities::from_process_environment`]:
    /// the locale, `TERM`, `COLORTERM`, `NO_COLOR`) with the command line's overrides: a bare
    /// `bool` is `--ascii`, [`Overrides`] carries all the flags.
    pub fn from_environment(overrides: impl Into<Overrides>) -> Self {
        Self::resolve(&Capabilities::from_process_environment(), overrides.into())
    }
}

/// Whether this process's terminal can hold the dashboard at all: not on `TERM=dumb`, which
/// cannot move its cursor (there the run belongs headless, as when standard output is not a
/// terminal).
pub fn dashboard_supported() -> bool {
    Capabilities::from_process_environment().dashboard
}

#[cfg(test)]
mod tests {
    use super::*;

    const XTERM_256: Capabilities = Capabilities {
        unicode: true,
        colors: Colors::Indexed,
        dashboard: true,
    };
    const LINUX: Capabilities = Capabilities {
        unicode: false,
        colors: Colors::Basic,
        dashboard: true,
    };

    fn resolve(c: &Capabilities, o: Overrides) -> (bool, Colors) {
        let options = DashboardOptions::resolve(c, o);
        (options.ascii, options.color)
    }

    #[test]
    fn the_environment_decides_without_flags() {
        assert_eq!(
            resolve(&XTERM_256, Overrides::default()),
            (false, Colors::Indexed)
        );
        assert_eq!(resolve(&LINUX, Overrides::default()), (true, Colors::Basic));
        assert_eq!(resolve(&LINUX, false.into()), (true, Colors::Basic));
        assert_eq!(
            DashboardOptions::resolve(&XTERM_256, Overrides::default()),
            DashboardOptions::default()
        );
    }

    #[test]
    fn flags_win() {
        assert_eq!(resolve(&XTERM_256, true.into()), (true, Colors::Indexed));
        let unicode_256 = Overrides {
            ascii: Some(false),
            color: Some(Colors::Indexed),
        };
        assert_eq!(resolve(&LINUX, unicode_256), (false, Colors::Indexed));
        let never = Overrides {
            ascii: None,
            color: Some(Colors::None),
        };
        assert_eq!(resolve(&XTERM_256, never), (false, Colors::None));
        // `--color 16` over NO_COLOR (whose capabilities say no colours).
        let no_color = Capabilities {
            colors: Colors::None,
            ..XTERM_256
        };
        let sixteen = Overrides {
            ascii: None,
            color: Some(Colors::Basic),
        };
        assert_eq!(resolve(&no_color, sixteen), (false, Colors::Basic));
    }
}
