//! tinyvae: the command line and the two renderers (the terminal dashboard and the plain
//! headless output) over the host library, [`tinyvae_host`].
//!
//! [`run`] is the whole tool for a catalog of models; [`run_model`] is the whole tool for one
//! model of your own sizes, in a crate of your own (see `examples/custom-model/`).
#![deny(missing_docs)]

/// `eprintln!` that never panics: when standard error went away (`2>&1 | head`, a closed
/// terminal) the line is lost, not the run's exit code.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod cli;
pub mod commands;
pub mod format;
pub mod render;
mod run;

pub use run::{run, run_model};
pub use tinyvae_host as host;
