//! The two renderers of a training run, siblings over the same
//! [`TrainingEvent`](tinyvae_host::train::events::TrainingEvent) stream: [`tui`], the terminal
//! dashboard, and [`plain`], the headless progress line and JSON-lines metrics.

pub mod plain;
pub mod tui;
