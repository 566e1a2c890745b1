//! Version 2: blobs that carry an input transform.

use super::*;
use crate::input_transform::normalize;

/// Offsets and scales for `Small` (3 inputs), with values a lossy encoding would change.
const OFFSET: [f32; 3] = [-0.0, 2.5, f32::MIN_POSITIVE / 8.0];
const SCALE: [f32; 3] = [0.125, f32::MAX, -3.0];

fn small_transform(clamp: bool) -> InputTransformRef<'static> {
    InputTransformRef::new(&OFFSET, &SCALE, clamp).unwrap()
}

fn blob_with<M: Model>(model: &M, transform: &InputTransformRef<'_>) -> Vec<u8> {
    let mut buffer = vec![0; M::BLOB_LEN_WITH_TRANSFORM];
    assert_eq!(
        save_with_transform(model, Some(transform), &mut buffer).unwrap(),
        M::BLOB_LEN_WITH_TRANSFORM
    );
    buffer
}

fn floats_bits(values: impl Iterator<Item = f32>) -> Vec<u32> {
    values.map(f32::to_bits).collect()
}

#[test]
fn tiny_model_bytes_with_a_transform_are_pinned() {
    let mut model = Tiny::zeroed();
    model
        .net
        .weight
        .as_mut_slice()
        .copy_from_slice(&[0.5, -1.0]);
    model.net.bias[0] = 0.25;
    let transform = InputTransformRef::new(&[1.0, -2.0], &[0.5, 0.25], true).unwrap();
    let blob = blob_with(&model, &transform);

    let mut expected = Vec::new();
    expected.extend_from_slice(b"TVAE");
    expected.extend_from_slice(&[2, 0]); // version 2: with an input transform
    expected.push(1); // ModelKind::Autoencoder
    expected.push(1); // one layer
    expected.extend_from_slice(&[2, 0, 0, 0, 1, 0, 0, 0, 0]); // 2 → 1, Identity
    expected.extend_from_slice(&[0; 15 * 9]); // padding
    expected.extend_from_slice(&[12, 0, 0, 0]); // payload length
    // CRC-32 0xbd97e2ef of bytes 0..156 and 160..196 (zlib.crc32 of the two joined).
    expected.extend_from_slice(&[0xef, 0xe2, 0x97, 0xbd]);
    expected.extend_from_slice(&[0, 0, 0, 0x3f]); // 0.5
    expected.extend_from_slice(&[0, 0, 0x80, 0xbf]); // -1.0
    expected.extend_from_slice(&[0, 0, 0x80, 0x3e]); // 0.25
    expected.extend_from_slice(&[2, 0, 0, 0]); // two features
    expected.push(1); // clamped
    expected.extend_from_slice(&[0; 3]); // reserved
    expected.extend_from_slice(&[0, 0, 0x80, 0x3f]); // offset 1.0
    expected.extend_from_slice(&[0, 0, 0, 0xc0]); // offset -2.0
    expected.extend_from_slice(&[0, 0, 0, 0x3f]); // scale 0.5
    expected.extend_from_slice(&[0, 0, 0x80, 0x3e]); // scale 0.25
    assert_eq!(blob, expected);
    assert_eq!(blob.len(), blob_len_with_transform::<Tiny>());
    assert_eq!(Tiny::BLOB_LEN_WITH_TRANSFORM, 196);
    assert_eq!(transform_section_len(2), 24);
    assert_eq!(Tiny::BLOB_LEN_WITH_TRANSFORM - Tiny::BLOB_LEN, 24);

    // The weights are those of the blob without a transform.
    assert_eq!(
        blob[HEADER_LEN..Tiny::BLOB_LEN],
        blob_of(&model)[HEADER_LEN..]
    );
}

#[test]
fn round_trip_gives_back_the_transform_bitwise() {
    let model = random::<Small>(21);
    for clamp in [false, true] {
        let blob = blob_with(&model, &small_transform(clamp));
        assert_eq!(
            blob.len(),
            HEADER_LEN + 4 * Small::SCALARS + 8 + 8 * Small::INPUTS
        );
        let mut loaded = Small::zeroed();
        let transform = load(&blob, &mut loaded).unwrap().unwrap();
        assert_eq!(bits(&loaded), bits(&model));
        assert_eq!(transform.features(), 3);
        assert_eq!(transform.clamp(), clamp);
        assert_eq!(
            floats_bits(transform.offsets()),
            floats_bits(OFFSET.into_iter())
        );
        assert_eq!(
            floats_bits(transform.scales()),
            floats_bits(SCALE.into_iter())
        );
        let info = inspect(&blob).unwrap();
        assert_eq!(info.transform, Some(transform));
        assert_eq!(info.scalars, Small::SCALARS);
    }
    // Without a transform: version 3, and no transform back.
    let blob = blob_of(&model);
    let mut written = vec![0; Small::BLOB_LEN];
    assert_eq!(
        save_with_transform(&model, None, &mut written),
        Ok(blob.len())
    );
    assert_eq!(written, blob);
    assert_eq!(load(&blob, &mut Small::zeroed()), Ok(None));
    assert_eq!(inspect(&blob).unwrap().transform, None);
}

#[test]
fn view_reads_the_transform_in_place() {
    let model = random::<Small>(22);
    let blob = blob_with(&model, &small_transform(true));
    let mut words = vec![0u32; blob.len().div_ceil(4) + 1];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    bytes[..blob.len()].copy_from_slice(&blob);
    let viewed = view::<Small>(&bytes[..blob.len()]).unwrap();
    assert_eq!(viewed.model, &model);
    let transform = viewed.transform.unwrap();
    assert_eq!(
        floats_bits(transform.scales()),
        floats_bits(SCALE.into_iter())
    );
    // The offsets and scales are read from the blob's own bytes.
    let section = &bytes[Small::BLOB_LEN..blob.len()];
    assert_eq!(
        transform.offsets().next().map(f32::to_bits),
        Some(u32::from_le_bytes(section[8..12].try_into().unwrap()))
    );
    bytes.copy_within(0..blob.len(), 1);
    assert_eq!(
        view::<Small>(&bytes[1..blob.len() + 1]).unwrap_err(),
        Error::Misaligned
    );
}

#[test]
fn apply_is_the_formula_feature_by_feature() {
    let offset = [0.3, -1.5, 7.0];
    let scale = [3.0, 0.1, 1.0 / 3.0];
    let model = random::<Small>(23);
    for clamp in [false, true] {
        let borrowed = InputTransformRef::new(&offset, &scale, clamp).unwrap();
        let blob = blob_with(&model, &borrowed);
        let transform = inspect(&blob).unwrap().transform.unwrap();
        for raw in [[0.1, 2.0, 6.0], [-4.0, 0.0, 9.5], [0.3, -1.5, 7.0]] {
            let expected: Vec<u32> = (0..3)
                .map(|i| normalize(raw[i], offset[i], scale[i], clamp).to_bits())
                .collect();
            let by_hand: Vec<u32> = (0..3)
                .map(|i| {
                    let y = (raw[i] - offset[i]) * scale[i];
                    (if clamp { y.clamp(0.0, 1.0) } else { y }).to_bits()
                })
                .collect();
            assert_eq!(expected, by_hand);
            let mut from_blob = raw;
            transform.apply(&mut from_blob).unwrap();
            assert_eq!(floats_bits(from_blob.into_iter()), expected);
            let mut from_slices = raw;
            borrowed.apply(&mut from_slices).unwrap();
            assert_eq!(floats_bits(from_slices.into_iter()), expected);
        }
        let mut short = [1.0, 2.0];
        assert_eq!(
            transform.apply(&mut short),
            Err(Error::ShapeMismatch {
                expected: 3,
                found: 2
            })
        );
        assert_eq!(short, [1.0, 2.0]);
    }
}

#[test]
fn every_truncation_is_rejected() {
    let blob = blob_with(&random::<Small>(24), &small_transform(false));
    for length in 0..blob.len() {
        assert_eq!(
            load_into_sentinel::<Small>(&blob[..length]),
            Err(Error::Truncated),
            "prefix of {length} bytes"
        );
        assert_eq!(inspect(&blob[..length]), Err(Error::Truncated));
    }
}

#[test]
fn every_single_byte_change_is_rejected() {
    let blob = blob_with(&random::<Small>(25), &small_transform(true));
    let section = Small::BLOB_LEN;
    let mut corrupted = blob.clone();
    for position in 0..blob.len() {
        for mask in 1..=u8::MAX {
            corrupted[position] = blob[position] ^ mask;
            let error = load_into_sentinel::<Small>(&corrupted).unwrap_err();
            let untyped = inspect(&corrupted).unwrap_err();
            let expected = match position {
                0..4 => matches!(error, Error::BadMagic),
                // Another version, or version 1 or 3, which have nothing after the payload, or
                // a convolutional one, whose geometry section is missing or wrong.
                4..6 => matches!(
                    error,
                    Error::UnsupportedVersion(_)
                        | Error::TrailingBytes
                        | Error::Truncated
                        | Error::Malformed
                        | Error::ChecksumMismatch { .. }
                ),
                6 => matches!(error, Error::WrongModel { .. }),
                7..152 => matches!(error, Error::WrongDimensions | Error::Malformed),
                152..156 => matches!(error, Error::Malformed),
                // The feature count: a section of another length.
                p if (section..section + 4).contains(&p) => {
                    matches!(error, Error::Truncated | Error::TrailingBytes)
                }
                _ => matches!(error, Error::ChecksumMismatch { .. }),
            };
            assert!(expected, "byte {position} ^ {mask:#04x}: {error:?}");
            // Without the type, the CRC alone catches what the type's checks did.
            let expected_untyped = match position {
                0..4 => matches!(untyped, Error::BadMagic),
                4..6 => matches!(
                    untyped,
                    Error::UnsupportedVersion(_)
                        | Error::TrailingBytes
                        | Error::Truncated
                        | Error::Malformed
                        | Error::ChecksumMismatch { .. }
                ),
                p if (section..section + 4).contains(&p) => {
                    matches!(untyped, Error::Truncated | Error::TrailingBytes)
                }
                _ => matches!(
                    untyped,
                    Error::ChecksumMismatch { .. }
                        | Error::Malformed
                        | Error::Truncated
                        | Error::TrailingBytes
                ),
            };
            assert!(
                expected_untyped,
                "inspect, byte {position} ^ {mask:#04x}: {untyped:?}"
            );
        }
        corrupted[position] = blob[position];
    }
}

#[test]
fn the_crc_covers_the_header_fields() {
    // Version 1 covered the payload only: inspect reads another kind code as that kind.
    let model = random::<Small>(26);
    let mut v1 = as_version_1(&blob_of(&model));
    v1[6] = ModelKind::Vae.code();
    assert_eq!(inspect(&v1).unwrap().kind, ModelKind::Vae);
    // Versions 2 and 3 cover every byte but the CRC's own.
    for mut blob in [blob_of(&model), blob_with(&model, &small_transform(false))] {
        blob[6] = ModelKind::Vae.code();
        assert!(matches!(
            inspect(&blob),
            Err(Error::ChecksumMismatch { .. })
        ));
        fix_crc(&mut blob);
        assert_eq!(inspect(&blob).unwrap().kind, ModelKind::Vae);
    }
}

#[test]
fn crafted_sections_with_a_valid_crc_are_typed_errors() {
    let blob = blob_with(&random::<Small>(27), &small_transform(true));
    let section = Small::BLOB_LEN;
    let crafted = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = blob.clone();
        edit(&mut bytes);
        fix_crc(&mut bytes);
        bytes
    };
    // NaN or infinite offsets and scales.
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for at in [section + 8, section + 8 + 4 * 5] {
            let bytes = crafted(&|b| b[at..at + 4].copy_from_slice(&bad.to_le_bytes()));
            assert_eq!(load_into_sentinel::<Small>(&bytes), Err(Error::NonFinite));
            assert_eq!(inspect(&bytes), Err(Error::NonFinite));
        }
    }
    // A clamp byte other than 0 or 1, a reserved byte other than 0.
    for at in [section + 4, section + 5, section + 7] {
        let bytes = crafted(&|b| b[at] = 2);
        assert_eq!(load_into_sentinel::<Small>(&bytes), Err(Error::Malformed));
        assert_eq!(inspect(&bytes), Err(Error::Malformed));
    }
    // A transform for 4 features, the section grown to match: readable, but not for `Small`.
    let bytes = crafted(&|b| {
        b[section] = 4;
        let offsets_end = section + 8 + 4 * 3;
        let scales = b.split_off(offsets_end);
        b.extend_from_slice(&0.0f32.to_le_bytes());
        b.extend_from_slice(&scales);
        b.extend_from_slice(&1.0f32.to_le_bytes());
    });
    assert_eq!(bytes.len(), Small::BLOB_LEN_WITH_TRANSFORM + 8);
    assert_eq!(
        load_into_sentinel::<Small>(&bytes),
        Err(Error::ShapeMismatch {
            expected: 3,
            found: 4
        })
    );
    assert_eq!(inspect(&bytes).unwrap().transform.unwrap().features(), 4);
    // A byte after the section.
    let bytes = crafted(&|b| b.push(0));
    assert_eq!(
        load_into_sentinel::<Small>(&bytes),
        Err(Error::TrailingBytes)
    );
    assert_eq!(inspect(&bytes), Err(Error::TrailingBytes));
}

#[test]
fn saving_needs_room_a_fitting_transform_and_finite_values() {
    let model = random::<Small>(28);
    let transform = small_transform(false);
    for size in [0, Small::BLOB_LEN, Small::BLOB_LEN_WITH_TRANSFORM - 1] {
        let mut buffer = vec![0; size];
        assert_eq!(
            save_with_transform(&model, Some(&transform), &mut buffer),
            Err(Error::BufferTooSmall {
                needed: Small::BLOB_LEN_WITH_TRANSFORM,
                found: size
            })
        );
    }
    let mut buffer = vec![0; Small::BLOB_LEN_WITH_TRANSFORM];
    let two = InputTransformRef::new(&[0.0; 2], &[1.0; 2], false).unwrap();
    assert_eq!(
        save_with_transform(&model, Some(&two), &mut buffer),
        Err(Error::ShapeMismatch {
            expected: 3,
            found: 2
        })
    );
    for (offset, scale) in [
        ([0.0, f32::NAN, 0.0], [1.0; 3]),
        ([0.0; 3], [1.0, 1.0, f32::INFINITY]),
    ] {
        let bad = InputTransformRef::new(&offset, &scale, true).unwrap();
        assert_eq!(
            save_with_transform(&model, Some(&bad), &mut buffer),
            Err(Error::NonFinite)
        );
    }
    assert!(buffer.iter().all(|&b| b == 0));
}
