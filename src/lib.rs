//! tinyvae: the host side of the project. Datasets, the trainer, evaluation, checkpoints and
//! the terminal dashboard, all standing on `tinyvae-core`.
#![deny(missing_docs)]

pub mod atomic_file;
pub mod checkpoint;
pub mod cli;
pub mod commands;
pub mod data;
pub mod eval;
pub mod export;
pub mod headless;
pub mod pictures;
pub mod presets;
pub mod train;
pub mod ui;
