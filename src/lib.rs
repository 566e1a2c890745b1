//! tinyvae: the command line and the two renderers (the terminal dashboard and the plain
//! headless output) over the host library, [`tinyvae_host`].
#![deny(missing_docs)]

pub mod cli;
pub mod commands;
pub mod format;
pub mod render;

pub use tinyvae_host as host;
