//! Version 4: blobs that carry a calibrated anomaly detector, with or without a transform.

use super::*;
use crate::anomaly::{Calibration, ScoreKind};

const OFFSET: [f32; 3] = [0.5, -1.0, 2.0];
const SCALE: [f32; 3] = [0.25, 4.0, -0.5];

fn detector() -> Detector {
    Detector {
        score: ScoreKind::ReconstructionRelative,
        importance_samples: 16,
        rule: Calibration::Percentile(99.5),
        // A value a lossy encoding would change.
        threshold: f32::from_bits(0x3e99_999b),
        samples: 1437,
    }
}

fn blob_with<M: Model>(
    model: &M,
    transform: Option<&InputTransformRef<'_>>,
    detector: &Detector,
) -> Vec<u8> {
    let len = blob_len_with::<M>(transform.is_some(), true);
    let mut buffer = vec![0; len];
    assert_eq!(
        save_with_detector(model, transform, Some(detector), &mut buffer).unwrap(),
        len
    );
    buffer
}

#[test]
fn tiny_model_bytes_with_a_detector_are_pinned() {
    let mut model = Tiny::zeroed();
    model
        .net
        .weight
        .as_mut_slice()
        .copy_from_slice(&[0.5, -1.0]);
    model.net.bias[0] = 0.25;
    let detector = Detector {
        score: ScoreKind::ReconstructionMse,
        importance_samples: 1,
        rule: Calibration::MeanPlusStd(3.0),
        threshold: 0.5,
        samples: 10,
    };
    let blob = blob_with(&model, None, &detector);
    let mut expected = Vec::new();
    expected.extend_from_slice(b"TVAE");
    expected.extend_from_slice(&[4, 0]); // version 4: with a detector
    expected.push(1); // ModelKind::Autoencoder
    expected.push(1); // one layer
    expected.extend_from_slice(&[2, 0, 0, 0, 1, 0, 0, 0, 0]); // 2 → 1, Identity
    expected.extend_from_slice(&[0; 15 * 9]); // padding
    expected.extend_from_slice(&[12, 0, 0, 0]); // payload length
    expected.extend_from_slice(&blob[156..160]); // CRC, checked below
    expected.extend_from_slice(&[0, 0, 0, 0x3f]); // 0.5
    expected.extend_from_slice(&[0, 0, 0x80, 0xbf]); // -1.0
    expected.extend_from_slice(&[0, 0, 0x80, 0x3e]); // 0.25
    expected.extend_from_slice(&[1, 2, 0, 0]); // mse, mean + k·σ, no transform, reserved
    expected.extend_from_slice(&[1, 0, 0, 0]); // K = 1
    expected.extend_from_slice(&[0, 0, 0x40, 0x40]); // k = 3.0
    expected.extend_from_slice(&[10, 0, 0, 0]); // ten normal scores
    expected.extend_from_slice(&[0, 0, 0, 0x3f]); // threshold 0.5
    assert_eq!(blob, expected);
    assert_eq!(
        u32::from_le_bytes(blob[156..160].try_into().unwrap()),
        crc_of_blob(&blob)
    );
    assert_eq!(blob.len(), Tiny::BLOB_LEN_WITH_DETECTOR);
    assert_eq!(blob.len(), Tiny::BLOB_LEN + DETECTOR_SECTION_LEN);
}

#[test]
fn the_detector_round_trips_through_view_and_inspect() {
    let model = random::<Small>(31);
    let transform = InputTransformRef::new(&OFFSET, &SCALE, false).unwrap();
    for with_transform in [false, true] {
        let transform = with_transform.then_some(&transform);
        let blob = blob_with(&model, transform, &detector());
        let mut words = Aligned([0u8; 512]);
        words.0[..blob.len()].copy_from_slice(&blob);
        let view = view::<Small>(&words.0[..blob.len()]).unwrap();
        assert_eq!(view.detector, Some(detector()));
        assert_eq!(view.detector.unwrap().threshold.to_bits(), 0x3e99_999b);
        assert_eq!(view.transform.is_some(), with_transform);
        if let Some(found) = view.transform {
            assert!(found.offsets().eq(OFFSET));
            assert!(found.scales().eq(SCALE));
        }
        assert_eq!(bits(view.model), bits(&model));
        let info = inspect(&blob).unwrap();
        assert_eq!(info.version, FORMAT_VERSION_WITH_DETECTOR);
        assert_eq!(info.detector, Some(detector()));
        assert_eq!(info.transform.is_some(), with_transform);
        let loaded = load_into_sentinel::<Small>(&blob).unwrap();
        assert_eq!(bits(&loaded), bits(&model));
    }
    // Without a detector nothing changes: versions 3 and 2, as before.
    let mut buffer = vec![0; Small::BLOB_LEN];
    save_with_detector(&model, None, None, &mut buffer).unwrap();
    assert_eq!(buffer, blob_of(&model));
}

#[test]
fn a_detector_a_blob_cannot_hold_is_refused_and_nothing_written() {
    let model = random::<Small>(32);
    let mut buffer = vec![0; Small::BLOB_LEN_WITH_DETECTOR];
    for bad in [
        Detector {
            threshold: f32::INFINITY,
            ..detector()
        },
        Detector {
            samples: 0,
            ..detector()
        },
        Detector {
            rule: Calibration::Percentile(-1.0),
            ..detector()
        },
    ] {
        assert!(save_with_detector(&model, None, Some(&bad), &mut buffer).is_err());
        assert!(buffer.iter().all(|&b| b == 0));
    }
    let mut short = vec![0; Small::BLOB_LEN_WITH_DETECTOR - 1];
    assert!(matches!(
        save_with_detector(&model, None, Some(&detector()), &mut short),
        Err(Error::BufferTooSmall { .. })
    ));
}

#[test]
fn every_truncation_and_single_byte_change_is_rejected() {
    let model = random::<Small>(33);
    let transform = InputTransformRef::new(&OFFSET, &SCALE, true).unwrap();
    for transform in [None, Some(&transform)] {
        let blob = blob_with(&model, transform, &detector());
        for length in 0..blob.len() {
            assert!(load_into_sentinel::<Small>(&blob[..length]).is_err());
            assert!(inspect(&blob[..length]).is_err(), "prefix of {length}");
        }
        let mut corrupted = blob.clone();
        for position in 0..blob.len() {
            for mask in 1..=u8::MAX {
                corrupted[position] = blob[position] ^ mask;
                assert!(
                    load_into_sentinel::<Small>(&corrupted).is_err(),
                    "byte {position} ^ {mask:#04x}"
                );
                assert!(
                    inspect(&corrupted).is_err(),
                    "byte {position} ^ {mask:#04x}"
                );
                assert!(view::<Small>(&corrupted).is_err());
            }
            corrupted[position] = blob[position];
        }
    }
}

#[test]
fn bad_section_fields_with_a_valid_crc_are_named() {
    let model = random::<Small>(34);
    let blob = blob_with(&model, None, &detector());
    let section = Small::BLOB_LEN;
    let edit = |at: usize, bytes: &[u8]| {
        let mut edited = blob.clone();
        edited[at..at + bytes.len()].copy_from_slice(bytes);
        fix_crc(&mut edited);
        inspect(&edited).map(|info| info.detector)
    };
    assert_eq!(edit(section, &[0]), Err(Error::Malformed)); // no score 0
    assert_eq!(edit(section, &[6]), Err(Error::Malformed));
    assert_eq!(edit(section + 1, &[3]), Err(Error::Malformed)); // no rule 3
    assert_eq!(edit(section + 3, &[1]), Err(Error::Malformed)); // reserved
    assert_eq!(
        edit(section + 16, &f32::NAN.to_le_bytes()),
        Err(Error::NonFinite)
    );
    assert_eq!(
        edit(section + 8, &101.0f32.to_le_bytes()),
        Err(Error::InvalidConfig("a percentile must be in [0, 100]"))
    );
    // A transform announced but absent is cut short.
    assert_eq!(edit(section + 2, &[1]), Err(Error::Truncated));
    // Each known code reads back as its kind.
    for kind in ScoreKind::ALL {
        let read = edit(section, &[kind.code()]).unwrap().unwrap();
        assert_eq!(read.score, kind);
    }
}
