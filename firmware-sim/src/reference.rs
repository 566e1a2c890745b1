//! The host's figures for the device workload, written by build.rs: it runs
//! [`crate::workload`] (the same source file) on the host, with the same weight blobs, test
//! digits and seeds, and stores every result as its f32 bit pattern. The device recomputes
//! them and compares ([`crate::agreement`]).

use crate::workload::{EVALUATIONS, FINETUNE_STEPS};

/// A fine-tuning run ([`crate::workload::Trajectory`]) as f32 bit patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrajectoryBits {
    /// The evaluated losses.
    pub evaluations: [u32; EVALUATIONS],
    /// The losses of the steps.
    pub step_losses: [u32; FINETUNE_STEPS],
    /// Fingerprint of the final weights.
    pub fingerprint: u32,
}

include!(concat!(env!("OUT_DIR"), "/reference.rs"));
