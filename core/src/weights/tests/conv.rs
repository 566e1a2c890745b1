//! Versions 5 to 7: convolutional models, whose geometry section follows the payload.

use super::*;
use crate::anomaly::{Calibration, ScoreKind};
use crate::conv::{Conv2d, ConvTranspose2d};

/// 1×4×4 → 2×2×2 → 1×4×4.
type ConvNet = Chain<Conv2d<1, 4, 4, 2, 3, 2, 1, Tanh>, ConvTranspose2d<2, 2, 2, 1, 3, 2, 1, 1>>;
type ConvModel = TestModel<ConvNet>;

/// Where the geometry section starts.
const GEOMETRY: usize = HEADER_LEN + 4 * ConvModel::SCALARS;

fn detector() -> Detector {
    Detector {
        score: ScoreKind::ReconstructionMse,
        importance_samples: 1,
        rule: Calibration::Percentile(99.0),
        threshold: 0.25,
        samples: 10,
    }
}

#[test]
fn a_convolutional_blob_records_its_geometry_and_round_trips() {
    let model = random::<ConvModel>(1);
    let blob = blob_of(&model);
    assert_eq!(
        blob.len(),
        HEADER_LEN + 4 * ConvModel::SCALARS + GEOMETRY_SECTION_LEN
    );
    assert_eq!(u16::from_le_bytes([blob[4], blob[5]]), FORMAT_VERSION_CONV);
    // The convolution's entry: operation 1, 1×4×4 in, 2 out, kernel 3, stride 2, padding 1.
    assert_eq!(
        blob[GEOMETRY..GEOMETRY + 13],
        [1, 1, 0, 4, 0, 4, 0, 2, 0, 3, 2, 1, 0]
    );
    // The transposed one: operation 2, 2×2×2 in, 1 out, output padding 1.
    assert_eq!(
        blob[GEOMETRY + 13..GEOMETRY + 26],
        [2, 2, 0, 2, 0, 2, 0, 1, 0, 3, 2, 1, 1]
    );
    assert!(
        blob[GEOMETRY + 26..GEOMETRY + GEOMETRY_SECTION_LEN]
            .iter()
            .all(|&b| b == 0)
    );
    let loaded = load_into_sentinel::<ConvModel>(&blob).unwrap();
    assert_eq!(bits(&loaded), bits(&model));
    let mut aligned = Aligned([0u8; ConvModel::BLOB_LEN]);
    aligned.0.copy_from_slice(&blob);
    assert_eq!(
        bits(view::<ConvModel>(&aligned.0).unwrap().model),
        bits(&model)
    );
    let info = inspect(&blob).unwrap();
    let mut architecture = Architecture::new();
    ConvNet::describe(&mut architecture).unwrap();
    assert_eq!(info.architecture, architecture);
    assert_eq!(info.version, FORMAT_VERSION_CONV);
}

#[test]
fn every_truncation_and_single_byte_change_is_rejected() {
    let blob = blob_of(&random::<ConvModel>(2));
    for length in 0..blob.len() {
        assert_eq!(
            load_into_sentinel::<ConvModel>(&blob[..length]),
            Err(Error::Truncated)
        );
        assert_eq!(inspect(&blob[..length]), Err(Error::Truncated));
    }
    let mut corrupted = blob.clone();
    for position in 0..blob.len() {
        for mask in [1u8, 0x10, 0x80, 0xff] {
            corrupted[position] = blob[position] ^ mask;
            assert!(
                load_into_sentinel::<ConvModel>(&corrupted).is_err(),
                "byte {position} ^ {mask:#04x}"
            );
            assert!(
                inspect(&corrupted).is_err(),
                "byte {position} ^ {mask:#04x}"
            );
        }
        corrupted[position] = blob[position];
    }
}

#[test]
fn a_geometry_that_does_not_make_the_layer_is_malformed() {
    let blob = blob_of(&random::<ConvModel>(3));
    // Stride 1 would make 4×4 outputs, not the table's 2×2; an unknown operation; a
    // convolution entry past the layer count; a dense entry with a size.
    for (offset, value) in [(10, 1u8), (0, 3), (26, 1), (26 + 3, 4)] {
        let mut edited = blob.clone();
        edited[GEOMETRY + offset] = value;
        fix_crc(&mut edited);
        assert_eq!(
            inspect(&edited),
            Err(Error::Malformed),
            "byte {offset} = {value}"
        );
        assert!(load_into_sentinel::<ConvModel>(&edited).is_err());
    }
}

#[test]
fn dense_and_convolutional_blobs_are_not_read_as_each_other() {
    // The same layer sizes without the convolutions: a dense model of 16 → 8 → 16.
    type Dense16 = TestModel<Chain<Dense<16, 8, Tanh>, Dense<8, 16>>>;
    let conv = blob_of(&random::<ConvModel>(4));
    assert!(matches!(
        load_into_sentinel::<Dense16>(&conv),
        Err(Error::WrongDimensions | Error::Malformed)
    ));
    let dense = blob_of(&random::<Dense16>(4));
    assert!(load_into_sentinel::<ConvModel>(&dense).is_err());
    // A dense blob relabelled as a convolutional version lacks the geometry section.
    let mut relabelled = dense.clone();
    relabelled[4..6].copy_from_slice(&FORMAT_VERSION_CONV.to_le_bytes());
    fix_crc(&mut relabelled);
    assert_eq!(inspect(&relabelled), Err(Error::Truncated));
}

#[test]
fn transform_and_detector_sections_follow_the_geometry() {
    let model = random::<ConvModel>(5);
    let offset = [0.5f32; 16];
    let scale = [2.0f32; 16];
    let transform = InputTransformRef::new(&offset, &scale, true).unwrap();
    for (with_transform, with_detector, version) in [
        (true, false, FORMAT_VERSION_CONV_WITH_TRANSFORM),
        (false, true, FORMAT_VERSION_CONV_WITH_DETECTOR),
        (true, true, FORMAT_VERSION_CONV_WITH_DETECTOR),
    ] {
        let len = blob_len_with::<ConvModel>(with_transform, with_detector);
        let mut blob = vec![0u8; len];
        let detector = detector();
        let written = save_with_detector(
            &model,
            with_transform.then_some(&transform),
            with_detector.then_some(&detector),
            &mut blob,
        )
        .unwrap();
        assert_eq!(written, len);
        let info = inspect(&blob).unwrap();
        assert_eq!(info.version, version);
        assert_eq!(info.transform.is_some(), with_transform);
        assert_eq!(info.detector, with_detector.then_some(detector));
        assert!(info.architecture.iter().all(|layer| layer.conv.is_some()));
        let mut loaded = ConvModel::zeroed();
        assert_eq!(load(&blob, &mut loaded).unwrap().is_some(), with_transform);
        assert_eq!(bits(&loaded), bits(&model));
        for length in [len - 1, GEOMETRY + 5] {
            assert_eq!(inspect(&blob[..length]), Err(Error::Truncated));
        }
    }
}

/// A model of one's own that describes a convolution but does not say so would write a blob
/// it could not read back: refused before anything is written.
#[test]
fn a_model_that_hides_its_convolutions_cannot_be_saved() {
    #[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
    #[repr(C)]
    struct Hiding {
        net: ConvNet,
    }
    composite_parameters!(impl[] for Hiding { net: ConvNet });
    impl Model for Hiding {
        type Config = ();
        const KIND: ModelKind = ModelKind::Autoencoder;
        const INPUTS: usize = 16;
        const LATENT: usize = 8;
        const WORKSPACE: usize = 0;
        fn describe(architecture: &mut Architecture) -> Result<(), Error> {
            ConvNet::describe(architecture)
        }
        fn compute_loss(
            &self,
            _: &(),
            _: &[f32],
            _: usize,
            _: &mut SeededRng,
            _: &mut [f32],
            _: Option<&mut Self>,
        ) -> Result<LossParts, Error> {
            Ok(LossParts::default())
        }
        fn encode(&self, _: &[f32], _: &mut [f32], _: usize, _: &mut [f32]) -> Result<(), Error> {
            Ok(())
        }
        fn decode(&self, _: &[f32], _: &mut [f32], _: usize, _: &mut [f32]) -> Result<(), Error> {
            Ok(())
        }
        fn reconstruct(
            &self,
            _: &[f32],
            _: &mut [f32],
            _: usize,
            _: &mut [f32],
        ) -> Result<(), Error> {
            Ok(())
        }
    }
    let model = random::<Hiding>(6);
    let mut buffer = vec![0x5a; Hiding::BLOB_LEN];
    assert!(matches!(
        save(&model, &mut buffer),
        Err(Error::InvalidConfig(_))
    ));
    assert!(buffer.iter().all(|&b| b == 0x5a));
}
