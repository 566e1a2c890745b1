//! The geometry section of a convolutional model's blob (versions 5, 6 and 7): what the layer
//! table's dense entries cannot say about a convolution, one entry of 13 bytes per table
//! entry, right after the payload.
//!
//! | bytes | field |
//! |---|---|
//! | 1 | operation: 0 dense (every other byte zero), 1 convolution, 2 transposed convolution |
//! | 2 | input channels, u16 little-endian |
//! | 2 | input height, u16 little-endian |
//! | 2 | input width, u16 little-endian |
//! | 2 | output channels, u16 little-endian |
//! | 1 | kernel side |
//! | 1 | stride |
//! | 1 | padding |
//! | 1 | output padding (0 for a convolution) |
//!
//! Entries past the layer count are zero. A convolution entry must agree with its layer's
//! table entry: inputs C·H·W and outputs F·HO·WO, with HO = ⌊(H + 2P − K)/S⌋ + 1 for a
//! convolution and (H − 1)·S − 2P + K + OP for a transposed one; anything else is
//! [`Error::Malformed`].

use crate::network::{Architecture, ConvShape, LayerShape, MAX_LAYERS};
use crate::{Error, conv};

/// Bytes of one entry.
const ENTRY_LEN: usize = 13;

/// Bytes of the geometry section: [`MAX_LAYERS`] entries of 13 bytes, a multiple of 4, so the
/// sections after it stay aligned for use in place.
pub const GEOMETRY_SECTION_LEN: usize = MAX_LAYERS * ENTRY_LEN;

const _: () = assert!(GEOMETRY_SECTION_LEN.is_multiple_of(4));

/// Writes the geometry of `architecture`'s layers to `out`, exactly [`GEOMETRY_SECTION_LEN`]
/// bytes.
pub(super) fn encode(architecture: &Architecture, out: &mut [u8]) -> Result<(), Error> {
    let found = out.len();
    if found != GEOMETRY_SECTION_LEN {
        return Err(Error::BufferTooSmall {
            needed: GEOMETRY_SECTION_LEN,
            found,
        });
    }
    out.fill(0);
    for (layer, entry) in architecture.iter().zip(out.chunks_exact_mut(ENTRY_LEN)) {
        let Some(shape) = layer.conv else { continue };
        entry[0] = if shape.transposed { 2 } else { 1 };
        let sides = [
            shape.in_channels,
            shape.in_height,
            shape.in_width,
            shape.out_channels,
        ];
        for (bytes, side) in entry[1..9].chunks_exact_mut(2).zip(sides) {
            bytes.copy_from_slice(&side.to_le_bytes());
        }
        entry[9..13].copy_from_slice(&[
            shape.kernel,
            shape.stride,
            shape.padding,
            shape.output_padding,
        ]);
    }
    Ok(())
}

/// Adds the geometry in `section` to the dense entries of `architecture` (read from the
/// header), checking every entry as the module documents.
pub(super) fn decode(section: &[u8], architecture: &mut Architecture) -> Result<(), Error> {
    if section.len() != GEOMETRY_SECTION_LEN {
        return Err(Error::Truncated);
    }
    for (index, entry) in section.chunks_exact(ENTRY_LEN).enumerate() {
        let u16_at = |i: usize| u16::from_le_bytes([entry[i], entry[i + 1]]);
        let shape = match entry[0] {
            0 if entry.iter().all(|&byte| byte == 0) => continue,
            1 | 2 => ConvShape {
                transposed: entry[0] == 2,
                in_channels: u16_at(1),
                in_height: u16_at(3),
                in_width: u16_at(5),
                out_channels: u16_at(7),
                kernel: entry[9],
                stride: entry[10],
                padding: entry[11],
                output_padding: entry[12],
            },
            _ => return Err(Error::Malformed),
        };
        let layer = architecture.get_mut(index).ok_or(Error::Malformed)?;
        if !agrees(layer, &shape) {
            return Err(Error::Malformed);
        }
        layer.conv = Some(shape);
    }
    Ok(())
}

/// Whether `shape` makes a convolution whose input and output sizes are `layer`'s.
fn agrees(layer: &LayerShape, shape: &ConvShape) -> bool {
    let Some((inputs, outputs)) = conv::sizes(shape) else {
        return false;
    };
    u64::from(layer.inputs) == inputs && u64::from(layer.outputs) == outputs
}
