//! tinyvae: the host side of the project. Datasets, the trainer, evaluation, checkpoints and
//! the terminal dashboard, all standing on `tinyvae-core`.
#![deny(missing_docs)]

pub mod data;
pub mod train;
pub mod ui;
