//! The weight format: a model's parameters as bytes, for files on a host and flash on a device.
//!
//! A blob is a fixed-length header followed by the payload, both written with postcard into a
//! caller's buffer; nothing is allocated.
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `TVAE` |
//! | 2 | format version, u16 little-endian (1) |
//! | 1 | model kind, `ModelKind as u8` |
//! | 1 | layer count n ≤ `MAX_LAYERS` |
//! | 9 × `MAX_LAYERS` | layer table: inputs and outputs (u32 little-endian), activation code (u8); entries past n are zero |
//! | 4 | payload length in bytes, u32 little-endian |
//! | 4 | CRC-32 (ISO-HDLC, as zlib and PNG) of the payload, u32 little-endian |
//! | 4 × `SCALARS` | every tensor in storage order ([`Parameters::tensor`]), each f32 as its 4 little-endian IEEE-754 bytes (postcard's f32) |
//!
//! Every field has a fixed width, so a model type's blob length is a constant of the type:
//! [`blob_len`]`::<M>()` or [`WeightBlob::BLOB_LEN`] = [`HEADER_LEN`] + 4·`SCALARS`, usable to
//! size a `static` buffer or a flash region.
//!
//! [`load`] checks the bytes completely before writing anything, so a rejected blob leaves the
//! model as it was. Every header field must equal what the model type implies, the CRC covers
//! the payload and the payload length must be exact, so any single changed byte and any
//! truncation is an error, never a wrong model.

use core::marker::PhantomData;

use serde::ser::{Serialize, SerializeTuple, Serializer};

use crate::network::Architecture;
use crate::{Error, Model, ModelKind, Parameters};

mod header;

pub use header::{FORMAT_VERSION, HEADER_LEN, MAGIC};
use header::{Header, postcard_error};

/// Bytes of one encoded f32.
const SCALAR_LEN: usize = 4;

/// The CRC-32 of zlib, PNG and Ethernet.
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Exact bytes of the blob of a model of type `M`: [`HEADER_LEN`] + 4·`M::SCALARS`.
pub const fn blob_len<M: Parameters>() -> usize {
    HEADER_LEN + SCALAR_LEN * M::SCALARS
}

/// The exact blob length as an associated constant of every model type.
pub trait WeightBlob {
    /// Bytes [`save`] writes and [`load`] expects for this type.
    const BLOB_LEN: usize;
}

impl<M: Model> WeightBlob for M {
    const BLOB_LEN: usize = blob_len::<M>();
}

/// What a blob's header says, as read by [`inspect`].
#[derive(Clone, Debug, PartialEq)]
pub struct WeightsInfo {
    /// The model family.
    pub kind: ModelKind,
    /// The dense layers in storage order.
    pub architecture: Architecture,
    /// Number of f32 weights in the payload.
    pub scalars: usize,
}

/// Writes `model`'s weights to the start of `buffer` and returns the number of bytes written,
/// always [`blob_len`]`::<M>()`.
///
/// Errors: [`Error::BufferTooSmall`] if `buffer` is shorter than the blob; [`Error::NonFinite`]
/// if a weight is NaN or infinite (such a blob could not be loaded back), in which case
/// nothing is written.
pub fn save<M: Model>(model: &M, buffer: &mut [u8]) -> Result<usize, Error> {
    let needed = blob_len::<M>();
    let found = buffer.len();
    let blob = buffer
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, found })?;
    if !model.is_finite() {
        return Err(Error::NonFinite);
    }
    let mut architecture = Architecture::new();
    M::describe(&mut architecture)?;

    let (header_bytes, payload) = blob.split_at_mut(HEADER_LEN);
    postcard::to_slice(&PayloadOf(model), payload)
        .map_err(|_| Error::BufferTooSmall { needed, found })?;
    let header = Header::new(
        M::KIND as u8,
        &architecture,
        PayloadLen::<M>::BYTES,
        CRC32.checksum(payload),
    )?;
    header.encode(header_bytes)?;
    Ok(needed)
}

/// Reads the weights of a blob written by [`save`] for the same model type into `model`.
///
/// `bytes` must be exactly one blob. Checks, in this order: magic ([`Error::BadMagic`]),
/// version ([`Error::UnsupportedVersion`]), header length ([`Error::Truncated`]), layer table
/// well-formed ([`Error::Malformed`]), model kind ([`Error::WrongModel`]), architecture
/// ([`Error::WrongDimensions`]), payload length field equal to 4·`SCALARS`
/// ([`Error::Malformed`]), payload present in full ([`Error::Truncated`]) and nothing after it
/// ([`Error::TrailingBytes`]), CRC-32 ([`Error::ChecksumMismatch`]) and every weight finite
/// ([`Error::NonFinite`]).
///
/// Guarantee: all of this is checked on the bytes before the first write to `model`, and the
/// writing pass decodes the bytes just validated, so on any error `model` is unchanged.
pub fn load<M: Model>(bytes: &[u8], model: &mut M) -> Result<(), Error> {
    let payload = validate::<M>(bytes)?;
    let mut rest = payload;
    for index in 0..M::TENSORS {
        for value in model.tensor_mut(index) {
            // Cannot fail: the payload holds exactly SCALARS validated f32s.
            let (decoded, tail) = postcard::take_from_bytes::<f32>(rest).map_err(postcard_error)?;
            *value = decoded;
            rest = tail;
        }
    }
    Ok(())
}

/// The weights of a blob used in place, without a copy: on a device the blob stays in flash
/// and the model runs from there, so its weights cost no RAM.
///
/// Checks everything [`load`] checks, then that the payload is 4-byte aligned
/// ([`Error::Misaligned`]: place the blob at a 4-byte boundary; the header is
/// [`HEADER_LEN`] bytes, a multiple of 4). The payload is the model's own memory layout:
/// every model is `#[repr(C)]` of f32 matrices in tensor order, which the size check below
/// proves has no padding, and the bytes are little-endian like every supported target.
#[cfg(target_endian = "little")]
pub fn view<M: Model>(bytes: &[u8]) -> Result<&M, Error> {
    const {
        assert!(
            core::mem::size_of::<M>() == SCALAR_LEN * M::SCALARS,
            "the model's memory is not exactly its scalars"
        );
        assert!(HEADER_LEN.is_multiple_of(core::mem::align_of::<f32>()));
    }
    let payload = validate::<M>(bytes)?;
    bytemuck::try_from_bytes(payload).map_err(|_| Error::Misaligned)
}

/// Checks a blob for model type `M` (everything listed at [`load`]) and returns its payload.
fn validate<M: Model>(bytes: &[u8]) -> Result<&[u8], Error> {
    let (header, payload) = Header::decode(bytes)?;
    let expected_kind = M::KIND as u8;
    if header.kind != expected_kind {
        return Err(Error::WrongModel {
            expected: expected_kind,
            found: header.kind,
        });
    }
    let mut architecture = Architecture::new();
    M::describe(&mut architecture)?;
    if header.architecture() != architecture {
        return Err(Error::WrongDimensions);
    }
    if header.payload_len != PayloadLen::<M>::BYTES {
        // Same kind and layers imply the same length: the field itself is corrupt.
        return Err(Error::Malformed);
    }
    check_payload(&header, payload)?;
    Ok(payload)
}

/// Reads and fully checks a blob without knowing its model type: everything [`load`] checks
/// except that the kind, the architecture and the length match a given type. A host uses it
/// to pick the model type to load a blob into.
///
/// Errors as for [`load`]; a kind code this build does not know is [`Error::Malformed`].
pub fn inspect(bytes: &[u8]) -> Result<WeightsInfo, Error> {
    let (header, payload) = Header::decode(bytes)?;
    let kind = model_kind(header.kind).ok_or(Error::Malformed)?;
    let payload_len = usize::try_from(header.payload_len).map_err(|_| Error::Truncated)?;
    if payload_len % SCALAR_LEN != 0 {
        return Err(Error::Malformed);
    }
    check_payload(&header, payload)?;
    Ok(WeightsInfo {
        kind,
        architecture: header.architecture(),
        scalars: payload_len / SCALAR_LEN,
    })
}

/// Checks the payload against the header: its length ([`Error::Truncated`],
/// [`Error::TrailingBytes`]), its CRC-32 and that every f32 in it is finite.
fn check_payload(header: &Header, payload: &[u8]) -> Result<(), Error> {
    let expected = usize::try_from(header.payload_len).map_err(|_| Error::Truncated)?;
    if payload.len() < expected {
        return Err(Error::Truncated);
    }
    if payload.len() > expected {
        return Err(Error::TrailingBytes);
    }
    let found = CRC32.checksum(payload);
    if found != header.crc {
        return Err(Error::ChecksumMismatch {
            expected: header.crc,
            found,
        });
    }
    let mut rest = payload;
    while !rest.is_empty() {
        let (value, tail) = postcard::take_from_bytes::<f32>(rest).map_err(postcard_error)?;
        if !value.is_finite() {
            return Err(Error::NonFinite);
        }
        rest = tail;
    }
    Ok(())
}

/// The kind whose code is `code`.
fn model_kind(code: u8) -> Option<ModelKind> {
    [
        ModelKind::Autoencoder,
        ModelKind::TiedAutoencoder,
        ModelKind::StackedAutoencoder,
        ModelKind::Vae,
    ]
    .into_iter()
    .find(|kind| *kind as u8 == code)
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
