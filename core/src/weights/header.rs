//! The fixed-length header that opens every weight blob.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::network::{Architecture, LayerShape, MAX_LAYERS};

/// The four bytes every weight blob starts with.
pub const MAGIC: [u8; 4] = *b"TVAE";

/// The format version of a blob of weights alone: what [`save`](super::save) writes. Its CRC
/// covers the whole blob but itself, header included.
pub const FORMAT_VERSION: u16 = 3;

/// The first format version: weights alone, as version 3, but with a CRC of the payload only,
/// so a changed header byte could go unseen where the header is read without a model type
/// ([`inspect`](super::inspect)). Still read; no longer written.
pub const FORMAT_VERSION_PAYLOAD_CRC: u16 = 1;

/// The format version of a blob that also carries the model's input transform: what
/// [`save_with_transform`](super::save_with_transform) writes when given one.
pub const FORMAT_VERSION_WITH_TRANSFORM: u16 = 2;

/// The format version of a blob that also carries a calibrated anomaly detector, and after it,
/// if the detector section says so, the input transform: what
/// [`save_with_detector`](super::save_with_detector) writes when given a detector.
pub const FORMAT_VERSION_WITH_DETECTOR: u16 = 4;

/// The format version of a convolutional model's blob of weights alone: as
/// [`FORMAT_VERSION`], with the geometry section ([`GEOMETRY_SECTION_LEN`](super::GEOMETRY_SECTION_LEN)
/// bytes) after the payload.
pub const FORMAT_VERSION_CONV: u16 = 5;

/// [`FORMAT_VERSION_WITH_TRANSFORM`] for a convolutional model: the geometry section, then the
/// input-transform section.
pub const FORMAT_VERSION_CONV_WITH_TRANSFORM: u16 = 6;

/// [`FORMAT_VERSION_WITH_DETECTOR`] for a convolutional model: the geometry section, then the
/// detector section and, if it says so, the input-transform section.
pub const FORMAT_VERSION_CONV_WITH_DETECTOR: u16 = 7;

/// A dense layer's entry in the layer table: what a [`LayerShape`] without a convolution
/// records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct DenseEntry {
    #[serde(with = "postcard::fixint::le")]
    inputs: u32,
    #[serde(with = "postcard::fixint::le")]
    outputs: u32,
    activation: u8,
}

impl DenseEntry {
    fn from_shape(layer: &LayerShape) -> Self {
        Self {
            inputs: layer.inputs,
            outputs: layer.outputs,
            activation: layer.activation,
        }
    }

    fn shape(&self) -> LayerShape {
        LayerShape {
            inputs: self.inputs,
            outputs: self.outputs,
            activation: self.activation,
            conv: None,
        }
    }
}

/// Bytes of one encoded [`DenseEntry`]: two fixed-width u32 and a u8.
const LAYER_SHAPE_LEN: usize = 4 + 4 + 1;

/// Bytes of the header: magic (4), version (2), model kind (1), layer count (1), the layer
/// table (`MAX_LAYERS` × 9), payload length (4) and payload CRC-32 (4).
pub const HEADER_LEN: usize = 4 + 2 + 1 + 1 + MAX_LAYERS * LAYER_SHAPE_LEN + 4 + 4;

/// Where the CRC-32 sits: the last 4 bytes of the header.
pub(super) const CRC_OFFSET: usize = HEADER_LEN - 4;

/// The header as postcard encodes it: every field has a fixed width, so its length is
/// [`HEADER_LEN`] whatever the values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Header {
    /// [`MAGIC`].
    pub magic: [u8; 4],
    /// [`FORMAT_VERSION`], [`FORMAT_VERSION_WITH_TRANSFORM`], [`FORMAT_VERSION_WITH_DETECTOR`]
    /// or [`FORMAT_VERSION_PAYLOAD_CRC`].
    #[serde(with = "postcard::fixint::le")]
    pub version: u16,
    /// [`crate::ModelKind::code`] of the model saved.
    pub kind: u8,
    /// Layers used in `layers`; the entries after them are all zero.
    pub layer_count: u8,
    /// The model's architecture, padded with zeros to a constant length.
    pub layers: [DenseEntry; MAX_LAYERS],
    /// Bytes of payload after the header.
    #[serde(with = "postcard::fixint::le")]
    pub payload_len: u32,
    /// CRC-32 (ISO-HDLC, as zlib and PNG): of the payload in version 1, of every other byte
    /// of the blob in versions 2, 3 and 4.
    #[serde(with = "postcard::fixint::le")]
    pub crc: u32,
}

/// The leading fields of [`Header`], the same in every version: read first, so that a blob of
/// another version is reported as such even when its header has another length.
#[derive(Deserialize)]
struct Preamble {
    magic: [u8; 4],
    #[serde(with = "postcard::fixint::le")]
    version: u16,
}

impl Header {
    /// The header of a blob of format `version`.
    pub fn new(
        version: u16,
        kind: u8,
        architecture: &Architecture,
        payload_len: u32,
        crc: u32,
    ) -> Result<Self, Error> {
        let mut layers = [DenseEntry::default(); MAX_LAYERS];
        let table = layers
            .get_mut(..architecture.len())
            .ok_or(Error::BufferTooSmall {
                needed: architecture.len(),
                found: MAX_LAYERS,
            })?;
        for (entry, layer) in table.iter_mut().zip(architecture) {
            *entry = DenseEntry::from_shape(layer);
        }
        Ok(Self {
            magic: MAGIC,
            version,
            kind,
            // MAX_LAYERS ≤ 255 (checked below), so the count fits.
            layer_count: architecture.len() as u8,
            layers,
            payload_len,
            crc,
        })
    }

    /// Writes the header to the first [`HEADER_LEN`] bytes of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), Error> {
        let found = out.len();
        let out = out.get_mut(..HEADER_LEN).ok_or(Error::BufferTooSmall {
            needed: HEADER_LEN,
            found,
        })?;
        // Fixed-width fields: the encoding is exactly HEADER_LEN bytes and fits.
        postcard::to_slice(self, out).map_err(|_| Error::BufferTooSmall {
            needed: HEADER_LEN,
            found,
        })?;
        Ok(())
    }

    /// Reads a header from the start of `bytes` and returns it with the bytes after it.
    ///
    /// Checks, in this order: the magic over however many bytes there are ([`Error::BadMagic`]),
    /// the length of the version field and then of the whole header ([`Error::Truncated`]),
    /// the version, [`FORMAT_VERSION`], [`FORMAT_VERSION_WITH_TRANSFORM`],
    /// [`FORMAT_VERSION_WITH_DETECTOR`] or [`FORMAT_VERSION_PAYLOAD_CRC`]
    /// ([`Error::UnsupportedVersion`]), and the layer table: a count above
    /// `MAX_LAYERS` or a non-zero entry after the counted ones is [`Error::Malformed`].
    pub fn decode(bytes: &[u8]) -> Result<(Self, &[u8]), Error> {
        if bytes
            .iter()
            .zip(MAGIC)
            .any(|(&byte, expected)| byte != expected)
        {
            return Err(Error::BadMagic);
        }
        let (preamble, _) = postcard::take_from_bytes::<Preamble>(bytes).map_err(postcard_error)?;
        if preamble.magic != MAGIC {
            return Err(Error::BadMagic);
        }
        if !matches!(
            preamble.version,
            FORMAT_VERSION
                | FORMAT_VERSION_WITH_TRANSFORM
                | FORMAT_VERSION_WITH_DETECTOR
                | FORMAT_VERSION_PAYLOAD_CRC
                | FORMAT_VERSION_CONV
                | FORMAT_VERSION_CONV_WITH_TRANSFORM
                | FORMAT_VERSION_CONV_WITH_DETECTOR
        ) {
            return Err(Error::UnsupportedVersion(preamble.version));
        }
        let (header, rest) = postcard::take_from_bytes::<Self>(bytes).map_err(postcard_error)?;
        let count = usize::from(header.layer_count);
        let padding = header.layers.get(count..).ok_or(Error::Malformed)?;
        if padding.iter().any(|layer| *layer != DenseEntry::default()) {
            return Err(Error::Malformed);
        }
        Ok((header, rest))
    }

    /// Whether the input-transform section follows the payload (and the geometry section)
    /// unconditionally (versions 2 and 6).
    pub fn has_transform(&self) -> bool {
        matches!(
            self.version,
            FORMAT_VERSION_WITH_TRANSFORM | FORMAT_VERSION_CONV_WITH_TRANSFORM
        )
    }

    /// Whether the detector section follows the payload (and the geometry section) (versions
    /// 4 and 7).
    pub fn has_detector(&self) -> bool {
        matches!(
            self.version,
            FORMAT_VERSION_WITH_DETECTOR | FORMAT_VERSION_CONV_WITH_DETECTOR
        )
    }

    /// Whether the geometry section follows the payload (versions 5, 6 and 7).
    pub fn has_geometry(&self) -> bool {
        matches!(
            self.version,
            FORMAT_VERSION_CONV
                | FORMAT_VERSION_CONV_WITH_TRANSFORM
                | FORMAT_VERSION_CONV_WITH_DETECTOR
        )
    }

    /// Whether the CRC covers the whole blob but itself (every version since the first).
    pub fn crc_covers_blob(&self) -> bool {
        self.version != FORMAT_VERSION_PAYLOAD_CRC
    }

    /// The layers recorded in the table, without the padding and without the geometry of
    /// convolutions, which the geometry section holds.
    pub fn architecture(&self) -> Architecture {
        // At most MAX_LAYERS items, so collecting cannot overflow the Vec.
        let count = usize::from(self.layer_count).min(MAX_LAYERS);
        self.layers
            .iter()
            .take(count)
            .map(DenseEntry::shape)
            .collect()
    }
}

/// Every layer count must fit the header's u8.
const _: () = assert!(MAX_LAYERS <= u8::MAX as usize);

/// The core's error for a postcard decoding error: running out of input is truncation,
/// anything else a malformed encoding.
pub(super) fn postcard_error(error: postcard::Error) -> Error {
    match error {
        postcard::Error::DeserializeUnexpectedEnd => Error::Truncated,
        _ => Error::Malformed,
    }
}
