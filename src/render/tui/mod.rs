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
pub mod header;
pub mod help;
mod history;
pub mod hyper;
pub mod image;
pub mod latent;
pub mod log;
pub mod loss;
mod options;
pub mod state;
pub mod status;
pub mod synthetic;
mod terminal;
pub mod text;
pub mod theme;
pub mod view;

pub use counting::{ByteCounter, CountingWriter};
pub use options::{DashboardOptions, FRAME_INTERVAL};
pub use state::{DashboardState, Mode};
pub use terminal::{Dashboard, DashboardExit, Drained, ExitReason, POLL, STOP_WAIT, run};
pub use theme::Theme;

#[cfg(test)]
mod snapshot_tests;
