//! The input-transform section that ends a version-2 blob, and the view that reads it in place.
//!
//! | bytes | field |
//! |---|---|
//! | 4 | features n, u32 little-endian (the model's `INPUTS`) |
//! | 1 | clamp: 0 or 1 (postcard's bool) |
//! | 3 | reserved, zero |
//! | 4·n | offset of each feature, f32 little-endian |
//! | 4·n | scale of each feature, f32 little-endian |

use serde::ser::{Serialize, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize as DeriveSerialize};

use super::SCALAR_LEN;
use super::header::postcard_error;
use crate::Error;
use crate::input_transform::{InputTransformRef, normalize_sample};

/// Bytes of the section before its floats: features (4), clamp (1), reserved (3).
pub const TRANSFORM_PREFIX_LEN: usize = 4 + 1 + 3;

/// Bytes of the input-transform section for `features` features: 8 + 8·`features`.
pub const fn transform_section_len(features: usize) -> usize {
    TRANSFORM_PREFIX_LEN + 2 * SCALAR_LEN * features
}

/// The fixed-width start of the section.
#[derive(DeriveSerialize, Deserialize)]
struct Prefix {
    #[serde(with = "postcard::fixint::le")]
    features: u32,
    clamp: bool,
    reserved: [u8; 3],
}

/// The floats of the section: every offset, then every scale, as one postcard tuple (no length
/// prefix, 4 bytes each).
struct Floats<'a>(&'a InputTransformRef<'a>);

impl Serialize for Floats<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let transform = self.0;
        let mut tuple = serializer.serialize_tuple(2 * transform.features())?;
        for value in transform.offset().iter().chain(transform.scale()) {
            tuple.serialize_element(value)?;
        }
        tuple.end()
    }
}

/// Writes the section of `transform` to `out`, which must be exactly its length.
pub(super) fn encode(transform: &InputTransformRef<'_>, out: &mut [u8]) -> Result<(), Error> {
    let needed = transform_section_len(transform.features());
    let found = out.len();
    let too_small = || Error::BufferTooSmall { needed, found };
    if found != needed {
        return Err(too_small());
    }
    let features = u32::try_from(transform.features()).map_err(|_| Error::Malformed)?;
    let (prefix, floats) = out.split_at_mut(TRANSFORM_PREFIX_LEN);
    let header = Prefix {
        features,
        clamp: transform.clamp(),
        reserved: [0; 3],
    };
    postcard::to_slice(&header, prefix).map_err(|_| too_small())?;
    postcard::to_slice(&Floats(transform), floats).map_err(|_| too_small())?;
    Ok(())
}

/// The feature count a section states, read from its first 4 bytes ([`Error::Truncated`] if
/// there are fewer), and the section length it implies ([`Error::Malformed`] if that overflows).
pub(super) fn stated_len(section: &[u8]) -> Result<usize, Error> {
    let features = section.first_chunk::<4>().ok_or(Error::Truncated)?;
    let features = usize::try_from(u32::from_le_bytes(*features)).map_err(|_| Error::Malformed)?;
    features
        .checked_mul(2 * SCALAR_LEN)
        .and_then(|floats| floats.checked_add(TRANSFORM_PREFIX_LEN))
        .ok_or(Error::Malformed)
}

/// Reads a section of exactly [`stated_len`] bytes: a clamp byte other than 0 or 1 or a
/// non-zero reserved byte is [`Error::Malformed`], a NaN or infinite offset or scale
/// [`Error::NonFinite`].
pub(super) fn decode(section: &[u8]) -> Result<InputTransformView<'_>, Error> {
    let (prefix, floats) = postcard::take_from_bytes::<Prefix>(section).map_err(postcard_error)?;
    if prefix.reserved != [0; 3] {
        return Err(Error::Malformed);
    }
    let features = usize::try_from(prefix.features).map_err(|_| Error::Malformed)?;
    let bytes = SCALAR_LEN * features;
    if floats.len() != 2 * bytes {
        return Err(Error::Malformed);
    }
    let (offset, scale) = floats.split_at(bytes);
    let view = InputTransformView {
        offset,
        scale,
        clamp: prefix.clamp,
    };
    if !view.offsets().chain(view.scales()).all(f32::is_finite) {
        return Err(Error::NonFinite);
    }
    Ok(view)
}

/// The input transform of a blob, read in place from its bytes (in flash on a device): no copy,
/// and no alignment needed, each f32 being read with `f32::from_le_bytes`.
///
/// Only [`weights`](super) makes one, from a validated blob: every offset and scale is finite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputTransformView<'a> {
    /// 4 bytes per feature.
    offset: &'a [u8],
    /// 4 bytes per feature.
    scale: &'a [u8],
    clamp: bool,
}

impl<'a> InputTransformView<'a> {
    /// Features the transform is for: the model's `INPUTS`.
    pub fn features(&self) -> usize {
        self.offset.len() / SCALAR_LEN
    }

    /// Whether the result is clamped to [0, 1].
    pub fn clamp(&self) -> bool {
        self.clamp
    }

    /// The offset of each feature, in order.
    pub fn offsets(&self) -> impl ExactSizeIterator<Item = f32> + 'a {
        floats(self.offset)
    }

    /// The scale of each feature, in order.
    pub fn scales(&self) -> impl ExactSizeIterator<Item = f32> + 'a {
        floats(self.scale)
    }

    /// Normalizes one raw sample in place, `x'ᵢ = (xᵢ − offsetᵢ) · scaleᵢ` clamped to [0, 1] if
    /// [`Self::clamp`]: [`normalize`](crate::input_transform::normalize), the formula the host
    /// normalized the training data with, so the bits are the host's.
    ///
    /// Errors: [`Error::ShapeMismatch`] unless `sample` has [`Self::features`] values; the
    /// sample is then unchanged.
    pub fn apply(&self, sample: &mut [f32]) -> Result<(), Error> {
        normalize_sample(
            sample,
            self.features(),
            self.offsets().zip(self.scales()),
            self.clamp,
        )
    }
}

/// The little-endian f32s of `bytes`, 4 at a time.
fn floats(bytes: &[u8]) -> impl ExactSizeIterator<Item = f32> + '_ {
    let (chunks, _) = bytes.as_chunks::<SCALAR_LEN>();
    chunks.iter().map(|chunk| f32::from_le_bytes(*chunk))
}
