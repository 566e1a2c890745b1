//! What the fuzz targets share: how one fuzz input becomes the bytes a loader reads, and the
//! checksum repairs that let mutated weight blobs and checkpoints reach the checks behind their
//! CRCs.
//!
//! The seeds under `fuzz/corpus/` are written in these layouts by `host/tests/fuzz_seeds.rs`,
//! which also checks that every loader still accepts them.
//!
//! | target | input |
//! |---|---|
//! | `weights_blob`, `checkpoint` | a selector byte ([`repairs_crc`]), then the blob or checkpoint |
//! | `idx_pair`, `npy` | two files as [`split_pair`] reads them (the `.npy` labels may be empty: none) |
//! | `digits_csv` | the CSV, raw or gzip |
//! | `table` | a layout byte ([`table_layout`]), then the table, raw or gzip |

use tinyvae_core::weights::{FORMAT_VERSION_PAYLOAD_CRC, HEADER_LEN};
use tinyvae_host::data::{LabelColumn, TableLayout};

/// The CRC-32 of weight blobs and checkpoints (ISO-HDLC, as zlib).
const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// Where a weight blob's CRC-32 sits: the last 4 bytes of its header.
const WEIGHTS_CRC_AT: usize = HEADER_LEN - 4;

/// Whether the selector byte that opens a `weights_blob` or `checkpoint` input asks for the
/// CRC to be repaired (its lowest bit set), so that a mutation reaches the checks after the
/// checksum; otherwise the bytes are parsed as they are and the checksum check itself is
/// fuzzed.
pub fn repairs_crc(selector: u8) -> bool {
    selector & 1 == 1
}

/// Rewrites the CRC-32 of a weight blob to match its bytes: for format version 1 (u16
/// little-endian at bytes 4..6, [`FORMAT_VERSION_PAYLOAD_CRC`]) the CRC of the payload,
/// `blob[HEADER_LEN..]`; for every other version the CRC of every byte but the CRC's own four.
/// A blob shorter than the header is left as it is.
pub fn repair_weights_crc(blob: &mut [u8]) {
    if blob.len() < HEADER_LEN {
        return;
    }
    let version = u16::from_le_bytes([blob[4], blob[5]]);
    let crc = if version == FORMAT_VERSION_PAYLOAD_CRC {
        CRC32.checksum(&blob[HEADER_LEN..])
    } else {
        let mut digest = CRC32.digest();
        digest.update(&blob[..WEIGHTS_CRC_AT]);
        digest.update(&blob[HEADER_LEN..]);
        digest.finalize()
    };
    blob[WEIGHTS_CRC_AT..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
}

/// Rewrites the trailing CRC-32 of a checkpoint, the last 4 bytes, little-endian, to that of
/// every byte before them (magic and version included). Fewer than 4 bytes are left as they
/// are.
pub fn repair_checkpoint_crc(bytes: &mut [u8]) {
    let Some(at) = bytes.len().checked_sub(4) else {
        return;
    };
    let crc = CRC32.checksum(&bytes[..at]);
    bytes[at..].copy_from_slice(&crc.to_le_bytes());
}

/// Splits an input into two files: the first four bytes are the first file's length, u32
/// little-endian (cut to the bytes there are), the first file follows and the second is the
/// rest. An input shorter than four bytes is two empty files.
pub fn split_pair(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((len, rest)) = data.split_first_chunk::<4>() else {
        return (&[], &[]);
    };
    let len = usize::try_from(u32::from_le_bytes(*len)).unwrap_or(usize::MAX);
    rest.split_at(len.min(rest.len()))
}

/// The header name [`table_layout`] gives a named label column.
pub const LABEL_NAME: &str = "label";

/// The table layout a `table` input's first byte stands for: bit 0 set, tab-separated, else
/// comma-separated; bits 1–2 the label column: 0 none, 1 the last, 2 the column numbered by
/// bits 3–7 (0 to 31: 0 is no column), 3 the column named [`LABEL_NAME`].
pub fn table_layout(byte: u8) -> TableLayout {
    let labels = match (byte >> 1) & 0b11 {
        0 => None,
        1 => Some(LabelColumn::Last),
        2 => Some(LabelColumn::Number(usize::from(byte >> 3))),
        _ => Some(LabelColumn::Name(LABEL_NAME.to_string())),
    };
    TableLayout {
        delimiter: if byte & 1 == 1 { b'\t' } else { b',' },
        labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_split_at_their_stated_length() {
        assert_eq!(split_pair(b"\x02\0\0\0abcd"), (&b"ab"[..], &b"cd"[..]));
        assert_eq!(split_pair(b"\xff\0\0\0abcd"), (&b"abcd"[..], &b""[..]));
        assert_eq!(split_pair(b"\x02\0"), (&b""[..], &b""[..]));
    }

    #[test]
    fn layouts_cover_every_label_choice() {
        assert_eq!(
            table_layout(0),
            TableLayout {
                delimiter: b',',
                labels: None
            }
        );
        assert_eq!(table_layout(0b11).labels, Some(LabelColumn::Last));
        assert_eq!(table_layout(0b1_0101).labels, Some(LabelColumn::Number(2)));
        assert_eq!(table_layout(0b111).delimiter, b'\t');
        assert_eq!(
            table_layout(0b110).labels,
            Some(LabelColumn::Name(LABEL_NAME.into()))
        );
    }
}
