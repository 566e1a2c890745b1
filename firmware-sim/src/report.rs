//! Typed results of the [`device`](crate::device) functions. Reports carry numbers, not
//! text: formatting them is the binary's job.

use core::fmt;

use crate::kernel::OUT;

/// Why a device function could not run or produced a wrong answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeviceError {
    /// The weight blob has the wrong length for the model.
    BlobLength {
        /// Bytes the model needs.
        expected: usize,
        /// Bytes the blob has.
        actual: usize,
    },
    /// The weight blob is not 4-byte aligned, so it cannot be read as `f32` in place.
    BlobAlignment,
    /// An output is NaN or infinite.
    NonFinite {
        /// Index of the first bad output.
        index: usize,
    },
    /// An output disagrees with the plain-loop reference beyond tolerance.
    Mismatch {
        /// Index of the first disagreeing output.
        index: usize,
        /// Kernel value.
        got: f32,
        /// Reference value.
        expected: f32,
    },
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BlobLength { expected, actual } => {
                write!(f, "weight blob is {actual} bytes, expected {expected}")
            }
            Self::BlobAlignment => f.write_str("weight blob is not 4-byte aligned"),
            Self::NonFinite { index } => write!(f, "output {index} is not finite"),
            Self::Mismatch {
                index,
                got,
                expected,
            } => write!(f, "output {index} is {got}, reference {expected}"),
        }
    }
}

impl core::error::Error for DeviceError {}

/// Result of one dense-layer evaluation `y = Wᵀx`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DenseReport {
    /// The outputs `y`.
    pub outputs: [f32; OUT],
    /// Sum of the outputs (a cheap fingerprint to compare runs).
    pub checksum: f32,
    /// Multiply-accumulates one evaluation performs.
    pub macs: u32,
}

/// Timing of a loop of kernel calls, in ticks of a [`TickCounter`](crate::TickCounter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchReport {
    /// The result of the last call.
    pub dense: DenseReport,
    /// Kernel calls in the timed loop.
    pub calls: u32,
    /// Ticks for the loop of `calls` kernel calls (including loop and timer overhead).
    pub kernel_ticks: u64,
    /// Ticks for the same loop with the kernel call left out: the fixed overhead of the
    /// loop and of reading the timer, subtracted by [`BenchReport::net_ticks`].
    pub overhead_ticks: u64,
}

impl BenchReport {
    /// Ticks spent in the kernel calls alone: `kernel_ticks - overhead_ticks`.
    pub fn net_ticks(&self) -> u64 {
        self.kernel_ticks.saturating_sub(self.overhead_ticks)
    }

    /// Total multiply-accumulates in the timed loop.
    pub fn total_macs(&self) -> u64 {
        u64::from(self.calls) * u64::from(self.dense.macs)
    }
}
