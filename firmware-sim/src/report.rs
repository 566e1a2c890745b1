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
            } => write!(
                f,
                "output {index} is {}, reference {}",
                Micro(got),
                Micro(expected)
            ),
        }
    }
}

impl core::error::Error for DeviceError {}

/// Shows an `f32` with 6 decimals using integer arithmetic only: core's float formatting
/// costs about 20 KiB of flash, too much for an error message on the device.
struct Micro(f32);

impl fmt::Display for Micro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() || v.abs() >= 1e12 {
            // Out of fixed-point range: show the bit pattern.
            return write!(f, "f32({:#010x})", v.to_bits());
        }
        // f32 -> i64 is exact here; |v| < 1e12 so the product fits in i64.
        let micros = (f64::from(v) * 1e6) as i64;
        let sign = if micros < 0 { "-" } else { "" };
        let abs = micros.unsigned_abs();
        write!(f, "{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

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
