//! `weights::load`, `view` and `inspect` on random bytes and on damaged blobs.

use proptest::prelude::*;
use tinyvae_core::presets::{AeDigits, VaeDigits};
use tinyvae_core::weights::{self, HEADER_LEN, WeightBlob};
use tinyvae_core::{Model, seeded_rng};

const CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// The blob of a model of type `M` with parameters drawn from `seed`.
fn blob<M: Model>(seed: u64) -> Vec<u8> {
    let mut model: Box<M> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(seed));
    let mut bytes = vec![0; M::BLOB_LEN];
    weights::save(&*model, &mut bytes).unwrap();
    bytes
}

/// Rewrites the header's CRC-32 to match the payload, so that damage past it is what the
/// checks meet.
fn fix_checksum(bytes: &mut [u8]) {
    if bytes.len() >= HEADER_LEN {
        let crc = CRC32.checksum(&bytes[HEADER_LEN..]);
        bytes[HEADER_LEN - 4..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Damage to a blob: bytes overwritten, then a new length, then maybe a fixed CRC.
#[derive(Debug, Clone)]
struct Damage {
    writes: Vec<(usize, u8)>,
    length: Option<usize>,
    fix_checksum: bool,
}

fn damage() -> impl Strategy<Value = Damage> {
    (
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        proptest::option::of(0usize..20_000),
        any::<bool>(),
    )
        .prop_map(|(writes, length, fix_checksum)| Damage {
            writes,
            length,
            fix_checksum,
        })
}

fn damaged(mut bytes: Vec<u8>, damage: &Damage) -> Vec<u8> {
    let len = bytes.len();
    for &(at, value) in &damage.writes {
        bytes[at % len] = value;
    }
    if let Some(length) = damage.length {
        bytes.resize(length, 0);
    }
    if damage.fix_checksum {
        fix_checksum(&mut bytes);
    }
    bytes
}

/// `load`, `view` and `inspect` for model type `M` on `bytes` placed at `offset` bytes past
/// a 4-byte boundary: none panics, a refused `load` leaves the model as it was, and all three
/// agree on whether the bytes are a blob of `M`.
fn read_back<M: Model + PartialEq>(bytes: &[u8], offset: usize) -> Result<(), TestCaseError> {
    let mut words = vec![0u32; (bytes.len() + offset).div_ceil(4)];
    let placed = &mut bytemuck::cast_slice_mut::<u32, u8>(&mut words)[offset..][..bytes.len()];
    placed.copy_from_slice(bytes);
    let placed = &*placed;

    let mut model: Box<M> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(77));
    let before = model.clone();
    let loaded = weights::load(placed, &mut *model);
    if loaded.is_err() {
        prop_assert!(*model == *before, "a refused blob changed the model");
    }
    let viewed = weights::view::<M>(placed);
    let inspected = weights::inspect(placed);
    if offset == 0 {
        prop_assert_eq!(viewed.is_ok(), loaded.is_ok());
    }
    if loaded.is_ok() {
        prop_assert!(inspected.is_ok(), "{inspected:?}");
    }
    if let Ok(view) = viewed {
        prop_assert!(view.model == &*model);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_bytes_are_refused(
        bytes in proptest::collection::vec(any::<u8>(), 0..600),
        offset in 0usize..4,
    ) {
        read_back::<AeDigits>(&bytes, offset)?;
        read_back::<VaeDigits>(&bytes, offset)?;
    }

    #[test]
    fn random_bytes_after_a_valid_header(
        tail in proptest::collection::vec(any::<u8>(), 0..600),
        fix in any::<bool>(),
    ) {
        let mut bytes = blob::<AeDigits>(1)[..HEADER_LEN].to_vec();
        bytes.extend(tail);
        if fix {
            fix_checksum(&mut bytes);
        }
        read_back::<AeDigits>(&bytes, 0)?;
        read_back::<VaeDigits>(&bytes, 0)?;
    }

    #[test]
    fn damaged_blobs_never_panic(damage in damage(), offset in 0usize..4, vae: bool) {
        if vae {
            let bytes = damaged(blob::<VaeDigits>(2), &damage);
            read_back::<VaeDigits>(&bytes, offset)?;
            read_back::<AeDigits>(&bytes, offset)?;
        } else {
            let bytes = damaged(blob::<AeDigits>(3), &damage);
            read_back::<AeDigits>(&bytes, offset)?;
            read_back::<VaeDigits>(&bytes, offset)?;
        }
    }
}
