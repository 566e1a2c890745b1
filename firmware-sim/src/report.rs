//! Typed results of the [`device`](crate::device) functions. Reports carry numbers, not
//! text: formatting them is the binary's job.

use core::fmt;

use tinyvae_core::Error as CoreError;

use crate::agreement::Agreement;
use crate::workload::Trajectory;

/// Why a device function could not run or produced a wrong answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeviceError {
    /// `weights::view` rejected a weight blob (header, length, CRC, dimensions, finiteness,
    /// alignment).
    Blob {
        /// The preset the blob was loaded as.
        preset: &'static str,
        /// What the core found wrong.
        error: CoreError,
    },
    /// The model returned an error while running.
    Model {
        /// What was running.
        what: &'static str,
        /// The core's error.
        error: CoreError,
    },
    /// A figure differs from the host's by more than the agreement claimed.
    HostDisagreement {
        /// Which figures.
        what: &'static str,
        /// Index of the worst value among them.
        index: usize,
        /// The device's value.
        got: f32,
        /// The host's value.
        expected: f32,
        /// Their distance in units in the last place.
        ulps: u32,
    },
    /// Fine-tuning did not lower the loss.
    NotLearning {
        /// Which run.
        what: &'static str,
        /// Loss before the first step.
        first: f32,
        /// Loss after the last step.
        last: f32,
    },
}

impl DeviceError {
    /// Wraps a core error raised while running `what`.
    pub fn model(what: &'static str) -> impl FnOnce(CoreError) -> Self {
        move |error| Self::Model { what, error }
    }
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Blob { preset, error } => {
                write!(f, "{preset} weight blob rejected: {error}")
            }
            Self::Model { what, error } => write!(f, "{what} failed: {error}"),
            Self::HostDisagreement {
                what,
                index,
                got,
                expected,
                ulps,
            } => write!(
                f,
                "{what}: value {index} is {} (bits {:#010x}) on the device but {} (bits {:#010x}) \
                 on the host, {ulps} ulp apart",
                Micro(got),
                got.to_bits(),
                Micro(expected),
                expected.to_bits()
            ),
            Self::NotLearning { what, first, last } => write!(
                f,
                "{what}: the loss did not go down ({} before, {} after)",
                Micro(first),
                Micro(last)
            ),
        }
    }
}

impl core::error::Error for DeviceError {}

/// Shows an `f32` with 6 decimals using integer arithmetic only: core's float formatting
/// costs about 20 KiB of flash, too much for a report on the device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Micro(pub f32);

impl fmt::Display for Micro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if !v.is_finite() || v.abs() >= 1e12 {
            // Out of fixed-point range: show the bit pattern.
            return write!(f, "f32({:#010x})", v.to_bits());
        }
        // |v| < 1e12, so v·1e6 fits in i64; rounded to the nearest micro-unit.
        let micros = round_half_away(f64::from(v) * 1e6) as i64;
        let sign = if micros < 0 { "-" } else { "" };
        let abs = micros.unsigned_abs();
        write!(f, "{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

/// Rounds half away from zero (core has no `f64::round` without std).
fn round_half_away(x: f64) -> f64 {
    let t = x as i64 as f64;
    if x - t >= 0.5 {
        t + 1.0
    } else if t - x >= 0.5 {
        t - 1.0
    } else {
        t
    }
}

/// Timing of a loop of calls, in ticks of a [`TickCounter`](crate::TickCounter).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchReport {
    /// Calls in the timed loop.
    pub calls: u32,
    /// Ticks for the loop of `calls` calls (including loop and timer overhead).
    pub kernel_ticks: u64,
    /// Ticks for the same loop with the call left out: the fixed overhead of the loop, of
    /// preparing its input and of reading the timer, subtracted by
    /// [`BenchReport::net_ticks`].
    pub overhead_ticks: u64,
}

impl BenchReport {
    /// Ticks spent in the calls alone: `kernel_ticks - overhead_ticks`.
    pub fn net_ticks(&self) -> u64 {
        self.kernel_ticks.saturating_sub(self.overhead_ticks)
    }
}

/// The VAE run on the test digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceReport {
    /// Digits run.
    pub digits: usize,
    /// Every figure of every digit against the host's.
    pub agreement: Agreement,
    /// Mean over the digits of Σ(x̂ − x)².
    pub mean_squared_error: f32,
    /// Mean over the digits of −ELBO (one ε each).
    pub mean_negative_elbo: f32,
    /// μ of the first digit.
    pub first_mean: [f32; 2],
}

/// The autoencoder run on the test digits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AeInferenceReport {
    /// Digits run.
    pub digits: usize,
    /// Mean over the digits of Σ(x̂ − x)².
    pub mean_squared_error: f32,
}

/// Timing of an inference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceBench {
    /// Timing of whole inferences.
    pub bench: BenchReport,
    /// Multiply-accumulates per inference.
    pub macs: u32,
    /// Timing of its stages one by one (the VAE's).
    pub breakdown: Option<InferenceBreakdown>,
}

/// The stages of a VAE inference timed separately (same number of calls as the whole).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceBreakdown {
    /// Encoder body, 64 → 32 with ReLU (2 048 MACs).
    pub encoder_body: BenchReport,
    /// Mean and log-variance heads, 32 → 2 each (128 MACs).
    pub heads: BenchReport,
    /// Decoder layers, 2 → 32 (ReLU) → 64 logits (2 112 MACs).
    pub decoder: BenchReport,
    /// The 64 output sigmoids.
    pub sigmoids: BenchReport,
}

/// A fine-tuning run on the device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainReport {
    /// The evaluated losses, step losses and final weights' fingerprint.
    pub trajectory: Trajectory,
    /// The run against the host's.
    pub agreement: Agreement,
    /// Bytes of RAM buffers: weights copy, gradients, optimizer state, workspace, batch.
    pub buffer_bytes: usize,
    /// Of which the optimizer's state.
    pub state_bytes: usize,
    /// Timing of further steps.
    pub bench: BenchReport,
    /// Samples per step.
    pub batch: usize,
}
