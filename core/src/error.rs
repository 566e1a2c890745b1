//! The one error type of the core.

use core::fmt;

/// Everything that can go wrong in the core. No data, however bad, makes the core panic:
/// it comes back as one of these. With the `defmt` feature it is `defmt::Format`, for
/// firmware that logs with defmt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// A buffer is shorter than what it must hold.
    BufferTooSmall {
        /// Floats or bytes needed.
        needed: usize,
        /// Floats or bytes given.
        found: usize,
    },
    /// An input does not have the length the model's shape asks for.
    ShapeMismatch {
        /// Length the shape asks for.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A batch of zero samples.
    EmptyBatch,
    /// A NaN or an infinity where a finite number is required.
    NonFinite,
    /// A hyperparameter outside its valid range; the text names it.
    InvalidConfig(&'static str),
    /// The bytes do not start with the weight-file magic.
    BadMagic,
    /// The weight file has a format version this build cannot read.
    UnsupportedVersion(u16),
    /// The weight file holds another kind of model.
    WrongModel {
        /// Kind code of the model being loaded.
        expected: u8,
        /// Kind code found in the file.
        found: u8,
    },
    /// The weight file holds the same kind of model with other layer sizes.
    WrongDimensions,
    /// The bytes end before the weight file does.
    Truncated,
    /// Bytes remain after the end of the weight file.
    TrailingBytes,
    /// The payload's CRC-32 does not match the header's.
    ChecksumMismatch {
        /// CRC-32 stated by the header.
        expected: u32,
        /// CRC-32 of the payload as read.
        found: u32,
    },
    /// The bytes are not a valid encoding of what was expected.
    Malformed,
    /// Weights to be used in place do not start at a 4-byte boundary.
    Misaligned,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed, found } => {
                write!(f, "buffer too small: {needed} needed, {found} given")
            }
            Self::ShapeMismatch { expected, found } => {
                write!(
                    f,
                    "shape mismatch: length {expected} expected, {found} given"
                )
            }
            Self::EmptyBatch => f.write_str("empty batch"),
            Self::NonFinite => f.write_str("a value is NaN or infinite"),
            Self::InvalidConfig(what) => write!(f, "invalid hyperparameter: {what}"),
            Self::BadMagic => f.write_str("not a tinyvae weight file (bad magic)"),
            Self::UnsupportedVersion(v) => write!(f, "unsupported weight format version {v}"),
            Self::WrongModel { expected, found } => write!(
                f,
                "weights are for model kind {found}, but model kind {expected} is being loaded"
            ),
            Self::WrongDimensions => {
                f.write_str("weights have layer sizes other than the model being loaded")
            }
            Self::Truncated => f.write_str("weight data is truncated"),
            Self::TrailingBytes => f.write_str("unexpected bytes after the weight data"),
            Self::ChecksumMismatch { expected, found } => write!(
                f,
                "weight checksum mismatch: header says {expected:#010x}, blob has {found:#010x}"
            ),
            Self::Malformed => f.write_str("weight data is malformed"),
            Self::Misaligned => f.write_str("weight data is not 4-byte aligned for use in place"),
        }
    }
}

impl core::error::Error for Error {}
