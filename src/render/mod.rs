//! The two renderers of a training run, siblings over the same
//! [`TrainingEvent`](tinyvae_host::train::events::TrainingEvent) stream: [`tui`], the terminal
//! dashboard, and [`plain`], the headless progress line and JSON-lines metrics.
//!
//! What both show is computed once: the time left by [`eta::Eta`], durations written by
//! [`crate::format::duration`].

pub mod eta;
pub mod plain;
pub mod signals;
pub mod tui;
