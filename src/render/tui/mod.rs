//! The terminal dashboard: a ratatui view of a training run that consumes the trainer's
//! [`TrainingEvent`](tinyvae_host::train::events::TrainingEvent)s and sends
//! [`Command`](tinyvae_host::train::events::Command)s back.
//!
//! - [`TerminalDashboard`] is the [`Renderer`](crate::render::Renderer) on the process's
//!   terminal (raw mode, the input thread, restoring the terminal); [`run`] drives it;
//!   [`output`] writes its frames on a thread of their own, holding at most two, so that a
//!   terminal that stops reading never blocks the training nor grows memory;
//! - [`Dashboard`] holds the terminal, the state and the redraw policy; [`backend`] writes
//!   frames as the terminal understands them (the 16 basic colours as plain SGR);
//! - [`capabilities`] tells from the environment what the terminal can show (Unicode or
//!   ASCII, how many colours), and [`options`] turns that and the command line's flags into
//!   [`DashboardOptions`];
//! - [`DashboardState`] is everything shown, as pure data ([`DashboardState::apply`],
//!   [`DashboardState::handle_key`]); [`keys::BINDINGS`] is the one table of keys, read by
//!   the key handler and by the help overlay;
//! - [`view::render`] draws a whole frame from a state; each panel has its module
//!   ([`header`], [`loss`], [`digits`], [`latent`], [`hyper`], [`log`], [`status`], [`help`]),
//!   pixels are drawn by [`image`];
//! - for tests only (the `synthetic` feature): `synthetic`, a made-up but realistic event
//!   stream, and `bench` with `CountingWriter`, which measure what the dashboard writes to the
//!   terminal.

pub mod backend;
#[cfg(any(test, feature = "synthetic"))]
pub mod bench;
pub mod capabilities;
#[cfg(any(test, feature = "synthetic"))]
mod counting;
pub mod dashboard;
mod detection_history;
pub mod detector;
pub mod digits;
pub mod header;
pub mod help;
mod history;
pub mod hyper;
pub mod image;
mod input;
pub mod interpolation;
pub mod keys;
pub mod latent;
pub mod log;
pub mod loss;
pub mod messages;
pub mod mode;
pub mod options;
pub mod output;
pub mod score_histogram;
pub mod session;
pub mod state;
pub mod status;
#[cfg(any(test, feature = "synthetic"))]
pub mod synthetic;
pub mod text;
pub mod theme;
pub mod view;

#[cfg(any(test, feature = "synthetic"))]
pub use counting::{ByteCounter, CountingWriter};
pub use dashboard::Dashboard;
pub use mode::Mode;
pub use options::{
    Capabilities, Colors, DashboardOptions, FRAME_INTERVAL, Overrides, dashboard_supported,
};
pub use session::{STOP_WAIT, TerminalDashboard, run};
pub use state::DashboardState;
pub use theme::Theme;

#[cfg(test)]
mod detector_tests;
#[cfg(test)]
mod replay;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod test_frames;
