//! Why a [`device`](crate::device) function failed: [`DeviceError`].

use core::fmt;

use tinyvae_core::Error as CoreError;

use crate::micro::Micro;

/// Why a device function could not run or produced a wrong answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DeviceError {
    /// `weights::view` rejected a weight blob (header, length, CRC, dimensions, finiteness,
    /// alignment, input-transform section).
    Blob {
        /// The preset the blob was loaded as.
        preset: &'static str,
        /// What the core found wrong.
        error: CoreError,
    },
    /// A blob carries an input transform, which this firmware applies to `vae-digits` only.
    UnexpectedTransform {
        /// The preset the blob was loaded as.
        preset: &'static str,
    },
    /// A detector's blob carries no detector section (a version-4 blob has one: calibrate the
    /// checkpoint, then export it).
    NoDetector {
        /// The preset the blob was loaded as.
        preset: &'static str,
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
            Self::UnexpectedTransform { preset } => write!(
                f,
                "{preset} weight blob carries an input transform, which this firmware does not \
                 apply to {preset}"
            ),
            Self::NoDetector { preset } => write!(
                f,
                "{preset} weight blob carries no detector: calibrate the checkpoint, then export it"
            ),
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
