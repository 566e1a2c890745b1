//! The detector section of a version-4 blob: the anomaly score, the calibration rule and the
//! threshold, 20 bytes right after the payload.
//!
//! | bytes | field |
//! |---|---|
//! | 1 | score, [`ScoreKind::code`]: 1 `mse`, 2 `rel`, 3 `ce`, 4 `elbo`, 5 `iw` |
//! | 1 | rule, [`Calibration::code`]: 1 percentile, 2 mean + k·σ |
//! | 1 | input transform: 1 if the input-transform section follows this one, else 0 |
//! | 1 | reserved, zero |
//! | 4 | K, importance samples, u32 little-endian (≥ 1) |
//! | 4 | the rule's parameter p or k, f32 little-endian |
//! | 4 | normal scores the threshold was set from, u32 little-endian (≥ 1) |
//! | 4 | threshold, f32 little-endian (finite) |

use serde::{Deserialize, Serialize};

use super::header::postcard_error;
use crate::Error;
use crate::anomaly::{Calibration, Detector, ScoreKind};

/// Bytes of the detector section.
pub const DETECTOR_SECTION_LEN: usize = 20;

/// The section as postcard encodes it: every field has a fixed width.
#[derive(Serialize, Deserialize)]
struct Section {
    score: u8,
    rule: u8,
    transform_follows: bool,
    reserved: u8,
    #[serde(with = "postcard::fixint::le")]
    importance_samples: u32,
    parameter: f32,
    #[serde(with = "postcard::fixint::le")]
    samples: u32,
    threshold: f32,
}

/// Writes the section of `detector` to `out`, exactly [`DETECTOR_SECTION_LEN`] bytes.
///
/// Errors: as [`Detector::validate`]; [`Error::BufferTooSmall`] for another length.
pub(super) fn encode(
    detector: &Detector,
    transform_follows: bool,
    out: &mut [u8],
) -> Result<(), Error> {
    let detector = detector.validate()?;
    let found = out.len();
    let wrong_length = || Error::BufferTooSmall {
        needed: DETECTOR_SECTION_LEN,
        found,
    };
    if found != DETECTOR_SECTION_LEN {
        return Err(wrong_length());
    }
    let section = Section {
        score: detector.score.code(),
        rule: detector.rule.code(),
        transform_follows,
        reserved: 0,
        importance_samples: detector.importance_samples,
        parameter: detector.rule.parameter(),
        samples: detector.samples,
        threshold: detector.threshold,
    };
    postcard::to_slice(&section, out).map_err(|_| wrong_length())?;
    Ok(())
}

/// Reads the section at the start of `bytes`: the detector, whether an input-transform
/// section follows, and the bytes after the section.
///
/// Errors: [`Error::Truncated`] for fewer than [`DETECTOR_SECTION_LEN`] bytes;
/// [`Error::Malformed`] for an unknown score or rule code, a transform byte other than 0 or 1 or
/// a non-zero reserved byte; otherwise as [`Detector::validate`] (a NaN threshold is
/// [`Error::NonFinite`]).
pub(super) fn decode(bytes: &[u8]) -> Result<(Detector, bool, &[u8]), Error> {
    let section = bytes.get(..DETECTOR_SECTION_LEN).ok_or(Error::Truncated)?;
    let (fields, _) = postcard::take_from_bytes::<Section>(section).map_err(postcard_error)?;
    if fields.reserved != 0 {
        return Err(Error::Malformed);
    }
    let score = ScoreKind::from_code(fields.score).ok_or(Error::Malformed)?;
    let rule = Calibration::from_code(fields.rule, fields.parameter).ok_or(Error::Malformed)?;
    let detector = Detector {
        score,
        importance_samples: fields.importance_samples,
        rule,
        threshold: fields.threshold,
        samples: fields.samples,
    }
    .validate()?;
    Ok((
        detector,
        fields.transform_follows,
        &bytes[DETECTOR_SECTION_LEN..],
    ))
}
