//! The weight format: a model's parameters as bytes, for files on a host and flash on a device,
//! optionally with the input transform the model was trained behind.
//!
//! A blob is a fixed-length header followed by the payload and, in version 2, the input-transform
//! section, all written with postcard into a caller's buffer; nothing is allocated.
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `TVAE` |
//! | 2 | format version, u16 little-endian: 3 = weights alone ([`FORMAT_VERSION`]), 2 = weights and input transform ([`FORMAT_VERSION_WITH_TRANSFORM`]), 4 = weights, an anomaly detector and optionally the input transform ([`FORMAT_VERSION_WITH_DETECTOR`]), 5, 6 and 7 = the same as 3, 2 and 4 for a convolutional model, with the geometry section after the payload ([`FORMAT_VERSION_CONV`], [`FORMAT_VERSION_CONV_WITH_TRANSFORM`], [`FORMAT_VERSION_CONV_WITH_DETECTOR`]), 1 = weights alone with a CRC of the payload only ([`FORMAT_VERSION_PAYLOAD_CRC`], read, no longer written) |
//! | 1 | model kind, [`ModelKind::code`]: 1 to 4 for the core's families, 128 to 255 for a user's ([`ModelKind::User`]) |
//! | 1 | layer count n ≤ `MAX_LAYERS` |
//! | 9 × `MAX_LAYERS` | layer table: inputs and outputs (u32 little-endian), activation code (u8); entries past n are zero |
//! | 4 | payload length in bytes, u32 little-endian |
//! | 4 | CRC-32 (ISO-HDLC, as zlib and PNG), u32 little-endian: of every byte of the blob except these four (header before them, payload, section); in version 1, of the payload alone |
//! | 4 × `SCALARS` | payload: every tensor in storage order ([`Parameters::tensor`]), each f32 as its 4 little-endian IEEE-754 bytes (postcard's f32) |
//! | | *versions 5, 6 and 7 only, the geometry section, [`GEOMETRY_SECTION_LEN`] = 208 bytes: each convolution's channels, sides, kernel, stride and padding, 13 bytes per table entry (fields in [`geometry`](self#the-geometry-section))* |
//! | | *version 2 (and 6) only, the input-transform section, 8 + 8·`INPUTS` bytes:* |
//! | 4 | features f = the model's `INPUTS`, u32 little-endian |
//! | 1 | clamp: 0 or 1 |
//! | 3 | reserved, zero |
//! | 4 × f | offset of each feature, f32 little-endian |
//! | 4 × f | scale of each feature, f32 little-endian |
//! | | *version 4 (and 7) only: the detector section, 20 bytes ([`DETECTOR_SECTION_LEN`]; its fields in [`detector`](self#the-detector-section)), then the input-transform section above if the detector section's transform byte is 1* |
//!
//! The section says how a raw sample becomes the model's input:
//! `x'ᵢ = (xᵢ − offsetᵢ) · scaleᵢ`, clamped to [0, 1] if the clamp byte is 1
//! ([`crate::input_transform::normalize`]). The version tells the layouts apart, so a reader
//! that does not know version 2 refuses a blob with a transform (as an unsupported version)
//! instead of running the model on inputs it was not trained on. Versions 1 and 3 have the
//! same layout; version 1, the first, checked only the payload, so a changed kind or layer
//! byte went unseen by [`inspect`]. It is still read, for blobs already in flash.
//!
//! ## The geometry section
//!
//! | bytes | field |
//! |---|---|
//! | 1 | operation: 0 dense (the entry all zero), 1 convolution, 2 transposed convolution |
//! | 2 × 4 | input channels, input height, input width, output channels, u16 little-endian |
//! | 1 × 4 | kernel side, stride, padding, output padding |
//!
//! A convolution's entry must make the sizes its table entry records (C·H·W inputs, F·HO·WO
//! outputs), and entries past the layer count are zero: otherwise [`Error::Malformed`]. A
//! dense model's blob has no geometry section and keeps versions 2 to 4, byte for byte as
//! before convolutions existed; a reader that does not know versions 5 to 7 refuses a
//! convolutional blob as an unsupported version.
//!
//! ## The detector section
//!
//! | bytes | field |
//! |---|---|
//! | 1 | score, [`ScoreKind::code`](crate::anomaly::ScoreKind::code): 1 `mse`, 2 `rel`, 3 `ce`, 4 `elbo`, 5 `iw` |
//! | 1 | rule, [`Calibration::code`](crate::anomaly::Calibration::code): 1 percentile, 2 mean + k·σ |
//! | 1 | input transform follows: 0 or 1 |
//! | 1 | reserved, zero |
//! | 4 | K, importance samples, u32 little-endian, ≥ 1 |
//! | 4 | the rule's parameter (p or k), f32 little-endian |
//! | 4 | normal scores the threshold was set from, u32 little-endian, ≥ 1 |
//! | 4 | threshold, f32 little-endian, finite: a score strictly above it is abnormal |
//!
//! A device reads it as a [`Detector`] ([`WeightsView::detector`]). A reader that does not
//! know version 4 refuses such a blob as an unsupported version rather than running without
//! the threshold it was exported with.
//!
//! ## Lengths
//!
//! Every field has a fixed width, so both lengths are constants of the model type:
//! [`blob_len`]`::<M>()` or [`WeightBlob::BLOB_LEN`] = [`HEADER_LEN`] + 4·`SCALARS` (+
//! [`GEOMETRY_SECTION_LEN`] for a convolutional model) without a
//! transform, [`blob_len_with_transform`]`::<M>()` or [`WeightBlob::BLOB_LEN_WITH_TRANSFORM`] =
//! that + 8 + 8·`INPUTS` with one, usable to size a `static` buffer or a flash region. The
//! payload starts at [`HEADER_LEN`] in every version; [`blob_len_with`] gives the length of
//! any combination of sections. The header is a multiple of 4, so [`view`] reads it in
//! place either way.
//!
//! [`load`] checks the bytes completely before writing anything, so a rejected blob leaves the
//! model as it was. Every header field must equal what the model type implies, the CRC covers
//! every other byte, every length must be exact and every float finite, so any single changed
//! byte and any truncation is an error, never a wrong model or a wrong transform, in [`load`],
//! [`view`] and [`inspect`] alike.

use core::marker::PhantomData;

use serde::ser::{Serialize, SerializeTuple, Serializer};

use crate::anomaly::Detector;
use crate::input_transform::InputTransformRef;
use crate::network::Architecture;
use crate::{Error, Model, ModelKind, Parameters};

mod aligned;
mod detector;
mod geometry;
mod header;
mod transform;

pub use aligned::Aligned;

pub use detector::DETECTOR_SECTION_LEN;
pub use geometry::GEOMETRY_SECTION_LEN;
use header::{CRC_OFFSET, Header, postcard_error};
pub use header::{
    FORMAT_VERSION, FORMAT_VERSION_CONV, FORMAT_VERSION_CONV_WITH_DETECTOR,
    FORMAT_VERSION_CONV_WITH_TRANSFORM, FORMAT_VERSION_PAYLOAD_CRC, FORMAT_VERSION_WITH_DETECTOR,
    FORMAT_VERSION_WITH_TRANSFORM, HEADER_LEN, MAGIC,
};
pub use transform::{InputTransformView, TRANSFORM_PREFIX_LEN, transform_section_len};

/// Bytes of one encoded f32.
const SCALAR_LEN: usize = 4;

/// The CRC-32 of zlib, PNG and Ethernet.
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Exact bytes of the blob of a model of type `M` without an input transform:
/// [`HEADER_LEN`] + 4·`M::SCALARS`, and [`GEOMETRY_SECTION_LEN`] more for a convolutional model
/// ([`Model::CONVOLUTIONAL`]).
pub const fn blob_len<M: Model>() -> usize {
    let geometry = if M::CONVOLUTIONAL {
        GEOMETRY_SECTION_LEN
    } else {
        0
    };
    HEADER_LEN + SCALAR_LEN * M::SCALARS + geometry
}

/// Exact bytes of the blob of a model of type `M` with an input transform:
/// [`blob_len`]`::<M>()` + [`transform_section_len`]`(M::INPUTS)` = [`HEADER_LEN`] +
/// 4·`M::SCALARS` + 8 + 8·`M::INPUTS`.
pub const fn blob_len_with_transform<M: Model>() -> usize {
    blob_len::<M>() + transform_section_len(M::INPUTS)
}

/// Exact bytes of the blob of a model of type `M` with the sections asked for: an input
/// transform ([`transform_section_len`]`(M::INPUTS)` bytes) and a detector
/// ([`DETECTOR_SECTION_LEN`] bytes, version 4).
pub const fn blob_len_with<M: Model>(transform: bool, detector: bool) -> usize {
    let mut len = blob_len::<M>();
    if transform {
        len += transform_section_len(M::INPUTS);
    }
    if detector {
        len += DETECTOR_SECTION_LEN;
    }
    len
}

/// The exact blob lengths as associated constants of every model type.
pub trait WeightBlob {
    /// Bytes [`save`] writes and [`load`] expects for this type, without a transform.
    const BLOB_LEN: usize;
    /// Bytes [`save_with_transform`] writes and [`load`] expects for this type with a
    /// transform.
    const BLOB_LEN_WITH_TRANSFORM: usize;
    /// Bytes [`save_with_detector`] writes for this type with a detector and no transform.
    const BLOB_LEN_WITH_DETECTOR: usize;
}

impl<M: Model> WeightBlob for M {
    const BLOB_LEN: usize = blob_len::<M>();
    const BLOB_LEN_WITH_TRANSFORM: usize = blob_len_with_transform::<M>();
    const BLOB_LEN_WITH_DETECTOR: usize = blob_len_with::<M>(false, true);
}

/// What a blob's header says, as read by [`inspect`].
#[derive(Clone, Debug, PartialEq)]
pub struct WeightsInfo<'a> {
    /// The format version: [`FORMAT_VERSION`], [`FORMAT_VERSION_WITH_TRANSFORM`] or
    /// [`FORMAT_VERSION_PAYLOAD_CRC`].
    pub version: u16,
    /// The model family.
    pub kind: ModelKind,
    /// The dense layers in storage order.
    pub architecture: Architecture,
    /// Number of f32 weights in the payload.
    pub scalars: usize,
    /// The input transform, if the blob carries one (version 2, or 4 with one).
    pub transform: Option<InputTransformView<'a>>,
    /// The calibrated anomaly detector, if the blob carries one (version 4).
    pub detector: Option<Detector>,
}

/// A blob used in place by [`view`]: the model, and the input transform its inputs must go
/// through first if the blob carries one.
#[derive(Debug)]
pub struct WeightsView<'a, M> {
    /// The model, its weights read in place from the blob.
    pub model: &'a M,
    /// The blob's input transform (version 2, or 4 with one), read in place; `None` for a
    /// blob without one, whose model takes its inputs as they are.
    pub transform: Option<InputTransformView<'a>>,
    /// The blob's anomaly detector (version 4): the score, the rule and the threshold.
    pub detector: Option<Detector>,
}

impl<M> Clone for WeightsView<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for WeightsView<'_, M> {}

/// Writes `model`'s weights to the start of `buffer` and returns the number of bytes written,
/// always [`blob_len`]`::<M>()`: a version-3 blob, without an input transform.
///
/// Errors as for [`save_with_transform`].
pub fn save<M: Model>(model: &M, buffer: &mut [u8]) -> Result<usize, Error> {
    save_with_transform(model, None, buffer)
}

/// Writes `model`'s weights, and `transform` if given, to the start of `buffer` and returns the
/// number of bytes written: [`blob_len`]`::<M>()` (version 3) without a transform,
/// [`blob_len_with_transform`]`::<M>()` (version 2) with one.
///
/// Errors: [`Error::BufferTooSmall`] if `buffer` is shorter than the blob;
/// [`Error::NonFinite`] if a weight, an offset or a scale is NaN or infinite (such a blob could
/// not be loaded back); [`Error::ShapeMismatch`] if the transform is not for `M::INPUTS`
/// features. In each of these cases nothing is written.
pub fn save_with_transform<M: Model>(
    model: &M,
    transform: Option<&InputTransformRef<'_>>,
    buffer: &mut [u8],
) -> Result<usize, Error> {
    save_with_detector(model, transform, None, buffer)
}

/// Writes `model`'s weights, `detector` and `transform` if given, to the start of `buffer` and
/// returns the number of bytes written, [`blob_len_with`]`::<M>(transform, detector)`: with a
/// detector a version-4 blob (the detector section, then the transform section if any), without
/// one as [`save_with_transform`].
///
/// Errors as for [`save_with_transform`], and as [`Detector::validate`] for a detector that a
/// blob cannot hold (a NaN threshold, no samples). Nothing is written on an error.
pub fn save_with_detector<M: Model>(
    model: &M,
    transform: Option<&InputTransformRef<'_>>,
    detector: Option<&Detector>,
    buffer: &mut [u8],
) -> Result<usize, Error> {
    let needed = blob_len_with::<M>(transform.is_some(), detector.is_some());
    let found = buffer.len();
    let too_small = || Error::BufferTooSmall { needed, found };
    let blob = buffer.get_mut(..needed).ok_or_else(too_small)?;
    if !model.is_finite() {
        return Err(Error::NonFinite);
    }
    if let Some(transform) = transform {
        if transform.features() != M::INPUTS {
            return Err(Error::ShapeMismatch {
                expected: M::INPUTS,
                found: transform.features(),
            });
        }
        if !transform.is_finite() {
            return Err(Error::NonFinite);
        }
    }
    if let Some(detector) = detector {
        detector.validate()?;
    }
    let mut architecture = Architecture::new();
    M::describe(&mut architecture)?;
    if architecture.iter().any(|layer| layer.conv.is_some()) != M::CONVOLUTIONAL {
        // A blob without its geometry could not be read back into the model.
        return Err(Error::InvalidConfig(
            "Model::CONVOLUTIONAL must say whether the model describes a convolution",
        ));
    }

    let (header_bytes, rest) = blob.split_at_mut(HEADER_LEN);
    let (payload, section) = rest
        .split_at_mut_checked(SCALAR_LEN * M::SCALARS)
        .ok_or_else(too_small)?;
    postcard::to_slice(&PayloadOf(model), payload).map_err(|_| too_small())?;
    let section = if M::CONVOLUTIONAL {
        let (fields, rest) = section
            .split_at_mut_checked(GEOMETRY_SECTION_LEN)
            .ok_or_else(too_small)?;
        geometry::encode(&architecture, fields)?;
        rest
    } else {
        section
    };
    let version = match (M::CONVOLUTIONAL, detector, transform) {
        (false, Some(_), _) => FORMAT_VERSION_WITH_DETECTOR,
        (false, None, Some(_)) => FORMAT_VERSION_WITH_TRANSFORM,
        (false, None, None) => FORMAT_VERSION,
        (true, Some(_), _) => FORMAT_VERSION_CONV_WITH_DETECTOR,
        (true, None, Some(_)) => FORMAT_VERSION_CONV_WITH_TRANSFORM,
        (true, None, None) => FORMAT_VERSION_CONV,
    };
    let section = match detector {
        None => section,
        Some(detector) => {
            let (fields, rest) = section
                .split_at_mut_checked(DETECTOR_SECTION_LEN)
                .ok_or_else(too_small)?;
            detector::encode(detector, transform.is_some(), fields)?;
            rest
        }
    };
    if let Some(transform) = transform {
        transform::encode(transform, section)?;
    }
    // The CRC covers the header too: written once without it, summed, then written again.
    let mut header = Header::new(
        version,
        kind_code::<M>(),
        &architecture,
        PayloadLen::<M>::BYTES,
        0,
    )?;
    header.encode(header_bytes)?;
    header.crc = crc_of_blob(blob);
    header.encode(blob)?;
    Ok(needed)
}

/// Reads the weights of a blob written by [`save`] or [`save_with_transform`] for the same
/// model type into `model`, and returns the blob's input transform, if it has one, read in
/// place from `bytes`.
///
/// `bytes` must be exactly one blob. Checks, in this order: magic ([`Error::BadMagic`]),
/// version ([`Error::UnsupportedVersion`]), header length ([`Error::Truncated`]), layer table
/// well-formed ([`Error::Malformed`]), model kind ([`Error::WrongModel`]), architecture
/// ([`Error::WrongDimensions`]), payload length field equal to 4·`SCALARS`
/// ([`Error::Malformed`]), payload (and section) present in full ([`Error::Truncated`]) and
/// nothing after them ([`Error::TrailingBytes`]), CRC-32 ([`Error::ChecksumMismatch`]), every
/// weight finite ([`Error::NonFinite`]); for version 2, also the section's clamp and reserved
/// bytes ([`Error::Malformed`]), every offset and scale finite ([`Error::NonFinite`]) and its
/// feature count equal to `M::INPUTS` ([`Error::ShapeMismatch`]); for version 4, the detector
/// section's codes, transform and reserved bytes ([`Error::Malformed`]), its threshold finite
/// ([`Error::NonFinite`]) and its counts non-zero. [`load`] returns the transform only: use
/// [`view`] or [`inspect`] for the detector.
///
/// Guarantee: all of this is checked on the bytes before the first write to `model`, and the
/// writing pass decodes the bytes just validated, so on any error `model` is unchanged.
pub fn load<'a, M: Model>(
    bytes: &'a [u8],
    model: &mut M,
) -> Result<Option<InputTransformView<'a>>, Error> {
    let Body {
        payload, transform, ..
    } = validate::<M>(bytes)?;
    let mut rest = payload;
    for index in 0..M::TENSORS {
        for value in model.tensor_mut(index) {
            // Cannot fail: the payload holds exactly SCALARS validated f32s.
            let (decoded, tail) = postcard::take_from_bytes::<f32>(rest).map_err(postcard_error)?;
            *value = decoded;
            rest = tail;
        }
    }
    Ok(transform)
}

/// The weights of a blob used in place, without a copy: on a device the blob stays in flash
/// and the model runs from there, so its weights cost no RAM. So does the input transform, if
/// the blob has one ([`WeightsView::transform`]): apply it to every raw sample before the model
/// sees it.
///
/// Checks everything [`load`] checks, then that the payload is 4-byte aligned
/// ([`Error::Misaligned`]: place the blob at a 4-byte boundary, in an [`Aligned`] or with
/// [`include_weights!`](crate::include_weights); the header is [`HEADER_LEN`] bytes, a
/// multiple of 4). The payload is the model's own memory layout:
/// every model is `#[repr(C)]` of f32 matrices in tensor order, which the size check below
/// proves has no padding, and the bytes are little-endian like every supported target.
#[cfg(target_endian = "little")]
pub fn view<M: Model>(bytes: &[u8]) -> Result<WeightsView<'_, M>, Error> {
    const {
        assert!(
            core::mem::size_of::<M>() == SCALAR_LEN * M::SCALARS,
            "the model's memory is not exactly its scalars"
        );
        assert!(HEADER_LEN.is_multiple_of(core::mem::align_of::<f32>()));
    }
    let Body {
        payload,
        transform,
        detector,
        ..
    } = validate::<M>(bytes)?;
    let model = bytemuck::try_from_bytes(payload).map_err(|_| Error::Misaligned)?;
    Ok(WeightsView {
        model,
        transform,
        detector,
    })
}

/// What follows a validated header: the payload and the sections, and the architecture the
/// table and the geometry section record together.
struct Body<'a> {
    architecture: Architecture,
    payload: &'a [u8],
    transform: Option<InputTransformView<'a>>,
    detector: Option<Detector>,
}

/// Checks a blob for model type `M` (everything listed at [`load`]) and returns its body.
fn validate<M: Model>(bytes: &[u8]) -> Result<Body<'_>, Error> {
    let (header, rest) = Header::decode(bytes)?;
    let expected_kind = kind_code::<M>();
    if header.kind != expected_kind {
        return Err(Error::WrongModel {
            expected: expected_kind,
            found: header.kind,
        });
    }
    let mut architecture = Architecture::new();
    M::describe(&mut architecture)?;
    let dense_parts = |table: &Architecture| {
        table
            .iter()
            .map(|layer| (layer.inputs, layer.outputs, layer.activation))
            .eq(architecture
                .iter()
                .map(|layer| (layer.inputs, layer.outputs, layer.activation)))
    };
    if !dense_parts(&header.architecture()) {
        return Err(Error::WrongDimensions);
    }
    if header.payload_len != PayloadLen::<M>::BYTES {
        // Same kind and layers imply the same length: the field itself is corrupt.
        return Err(Error::Malformed);
    }
    let body = check_body(bytes, &header, rest)?;
    // The geometry is read with the body: a dense model's blob has none, a convolutional
    // one's must say the convolutions the type has.
    if body.architecture != architecture {
        return Err(Error::WrongDimensions);
    }
    if let Some(transform) = &body.transform
        && transform.features() != M::INPUTS
    {
        return Err(Error::ShapeMismatch {
            expected: M::INPUTS,
            found: transform.features(),
        });
    }
    Ok(body)
}

/// Reads and fully checks a blob without knowing its model type: everything [`load`] checks
/// except that the kind, the architecture and the lengths match a given type. A host uses it
/// to pick the model type to load a blob into.
///
/// Errors as for [`load`]; a code in the user range `FIRST_USER_CODE..=255` is read as
/// [`ModelKind::User`], and a reserved code this build does not know is [`Error::Malformed`].
pub fn inspect(bytes: &[u8]) -> Result<WeightsInfo<'_>, Error> {
    let (header, rest) = Header::decode(bytes)?;
    let payload_len = usize::try_from(header.payload_len).map_err(|_| Error::Truncated)?;
    if payload_len % SCALAR_LEN != 0 {
        return Err(Error::Malformed);
    }
    // The CRC first, so that a changed kind byte is reported as the corruption it is.
    let body = check_body(bytes, &header, rest)?;
    let kind = ModelKind::from_code(header.kind).ok_or(Error::Malformed)?;
    Ok(WeightsInfo {
        version: header.version,
        kind,
        architecture: body.architecture,
        scalars: payload_len / SCALAR_LEN,
        transform: body.transform,
        detector: body.detector,
    })
}

/// Checks what follows the header (`rest`, the end of `bytes`) against it: the lengths of the
/// payload and of the sections ([`Error::Truncated`], [`Error::TrailingBytes`]), the CRC-32,
/// that every f32 is finite and that the sections are well-formed. Returns the payload and the
/// sections.
fn check_body<'a>(bytes: &'a [u8], header: &Header, rest: &'a [u8]) -> Result<Body<'a>, Error> {
    let payload_len = usize::try_from(header.payload_len).map_err(|_| Error::Truncated)?;
    let (payload, section) = rest.split_at_checked(payload_len).ok_or(Error::Truncated)?;
    let (geometry_bytes, section) = if header.has_geometry() {
        section
            .split_at_checked(GEOMETRY_SECTION_LEN)
            .ok_or(Error::Truncated)?
    } else {
        (&[][..], section)
    };
    // The detector section has a fixed length, so its bytes are known before the CRC is; its
    // fields are read after the CRC, so a changed byte there is reported as corruption.
    let (detector_bytes, section) = if header.has_detector() {
        section
            .split_at_checked(DETECTOR_SECTION_LEN)
            .ok_or(Error::Truncated)?
    } else {
        (&[][..], section)
    };
    // Its transform byte is checked against the CRC below like every other.
    let with_transform = header.has_transform()
        || (header.has_detector() && detector_bytes.get(2).is_some_and(|&byte| byte != 0));
    if with_transform {
        let expected = transform::stated_len(section)?;
        if section.len() < expected {
            return Err(Error::Truncated);
        }
        if section.len() > expected {
            return Err(Error::TrailingBytes);
        }
    } else if !section.is_empty() {
        return Err(Error::TrailingBytes);
    }
    let found = if header.crc_covers_blob() {
        crc_of_blob(bytes)
    } else {
        CRC32.checksum(payload)
    };
    if found != header.crc {
        return Err(Error::ChecksumMismatch {
            expected: header.crc,
            found,
        });
    }
    let mut floats = payload;
    while !floats.is_empty() {
        let (value, tail) = postcard::take_from_bytes::<f32>(floats).map_err(postcard_error)?;
        if !value.is_finite() {
            return Err(Error::NonFinite);
        }
        floats = tail;
    }
    let mut architecture = header.architecture();
    if header.has_geometry() {
        geometry::decode(geometry_bytes, &mut architecture)?;
        if architecture.iter().all(|layer| layer.conv.is_none()) {
            // A convolutional version for a model without a convolution.
            return Err(Error::Malformed);
        }
    }
    let detector = if header.has_detector() {
        let (detector, transform_follows, _) = detector::decode(detector_bytes)?;
        if transform_follows != with_transform {
            return Err(Error::Malformed);
        }
        Some(detector)
    } else {
        None
    };
    let transform = if with_transform {
        Some(transform::decode(section)?)
    } else {
        None
    };
    Ok(Body {
        architecture,
        payload,
        transform,
        detector,
    })
}

/// The CRC-32 that the header of a version-2, 3 or 4 blob must hold: of every byte but
/// the CRC field's own four (the last four of the header). A version-1 blob holds the CRC of
/// its payload alone, `blob[HEADER_LEN..]`, instead. A tool that edits a blob on purpose, a
/// test or a fuzzer, writes it back to bytes `HEADER_LEN - 4..HEADER_LEN`.
pub fn crc_of_blob(blob: &[u8]) -> u32 {
    let mut digest = CRC32.digest();
    digest.update(blob.get(..CRC_OFFSET).unwrap_or(blob));
    digest.update(blob.get(HEADER_LEN..).unwrap_or_default());
    digest.finalize()
}

/// The header code of `M`'s kind; a [`ModelKind::User`] code outside the user range fails to
/// compile.
const fn kind_code<M: Model>() -> u8 {
    const {
        assert!(
            M::KIND.is_valid(),
            "a ModelKind::User code must be in FIRST_USER_CODE..=255"
        );
    }
    M::KIND.code()
}

/// Serializes every tensor of a model in storage order as one postcard tuple of f32s: no
/// length prefix, 4 bytes per scalar.
struct PayloadOf<'a, M>(&'a M);

impl<M: Parameters> Serialize for PayloadOf<'_, M> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(M::SCALARS)?;
        for index in 0..M::TENSORS {
            for value in self.0.tensor(index) {
                tuple.serialize_element(value)?;
            }
        }
        tuple.end()
    }
}

/// The payload length of `M` as the header's u32.
struct PayloadLen<M>(PhantomData<M>);

impl<M: Parameters> PayloadLen<M> {
    /// 4·`M::SCALARS`; a model too large for the format fails to compile.
    const BYTES: u32 = {
        assert!(
            SCALAR_LEN * M::SCALARS <= u32::MAX as usize,
            "model too large for the weight format"
        );
        (SCALAR_LEN * M::SCALARS) as u32
    };
}

#[cfg(test)]
mod tests;
