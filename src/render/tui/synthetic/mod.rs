//! A synthetic but realistic event stream, for tests, snapshots and measuring the bytes the
//! dashboard writes: a seeded run with decaying losses, procedurally drawn digits (a ring for
//! 0, a bar for 1, strokes for the others), reconstructions that sharpen as training goes on,
//! samples, a latent scatter whose clusters tighten, and a manifold grid. The run's facts are
//! the real ones (`RunInfo::new` on a trainer for a preset); only the numbers that follow
//! are made up.
//!
//! Test-only: compiled for the crate's own tests and for the `synthetic` feature, which the
//! package's dev-dependency on itself turns on for its integration tests.

mod drawing;
mod info;
mod run;

pub use drawing::{Rng, blur, digit};
pub use info::{digits_dae_info, mnist_vae_info};
pub use run::{Kind, SyntheticRun};
