//! tinyvae-host: the host side of tinyvae as a library. Datasets, the trainer and its typed
//! events, checkpoints, export to the device format, evaluation and pictures, all standing on
//! `tinyvae-core`. It has no terminal dependencies: the `tinyvae` binary's dashboard and plain
//! renderer consume its events.
#![deny(missing_docs)]

pub mod anomaly;
pub mod architecture;
pub mod atomic_file;
pub mod catalog;
pub mod checkpoint;
pub mod data;
pub mod eval;
pub mod export;
pub mod files;
pub mod histogram;
pub mod lock;
pub mod pictures;
pub mod presets;
pub mod shuffle;
pub mod train;
