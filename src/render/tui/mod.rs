//! The terminal dashboard: a ratatui view of a training run that consumes the trainer's
//! [`TrainingEvent`](tinyvae_host::train::events::TrainingEvent)s and sends
//! [`Command`](tinyvae_host::train::events::Command)s back.
//!
//! - [`run`] owns the terminal and the loop (see its documentation for timing and signals);
//! - [`DashboardState`] is everything shown, as pure data ([`DashboardState::apply`],
//!   [`DashboardState::handle_key`]);
//! - [`view::render`] draws a whole frame from a state; each panel has its module
//!   ([`header`], [`loss`], [`digits`], [`latent`], [`hyper`], [`log`], [`status`], [`help`]),
//!   pixels are drawn by [`image`];
//! - [`CountingWriter`], [`bench`](mod@bench) and [`synthetic`] measure what is written to the
//!   terminal.

pub mod bench;
mod counting;
pub mod digits;
mod eta;
pub mod header;
pub mod help;
mod history;
pub mod hyper;
pub mod image;
pub mod latent;
pub mod log;
pub mod loss;
pub mod state;
pub mod status;
pub mod synthetic;
mod terminal;
pub mod text;
pub mod theme;
pub mod view;

use std::time::Duration;

pub use counting::{ByteCounter, CountingWriter};
pub use state::{DashboardState, Mode};
pub use terminal::{Dashboard, DashboardExit, Drained, ExitReason, POLL, STOP_WAIT, run};
pub use theme::Theme;

/// Default time between frames while data changes (keys and resizes redraw at once).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(100);

/// How the dashboard draws.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardOptions {
    /// Plain ASCII everywhere: borders `+-|`, bars and pixels from ` .:-=+*#%@`.
    pub ascii: bool,
    /// Colours (a 256-colour palette). Off: no colours at all, pixels as characters.
    pub color: bool,
    /// Shortest time between two frames drawn for new data.
    pub frame_interval: Duration,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            ascii: false,
            color: true,
            frame_interval: FRAME_INTERVAL,
        }
    }
}

impl DashboardOptions {
    /// Options for `--ascii` (or not), with colours unless the `NO_COLOR` environment variable
    /// is set and not empty (<https://no-color.org>).
    pub fn from_environment(ascii: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            ascii,
            color: !no_color,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod snapshot_tests;
