#![allow(clippy::unwrap_used)]

use bytemuck::{AnyBitPattern, Zeroable};

use super::*;
use crate::activation::{Sigmoid, Tanh};
use crate::{Chain, Dense, LossParts, Network, SeededRng, composite_parameters, seeded_rng};

/// A model of kind `$kind` around one network, with trivial loss methods: enough for the
/// weight format, which only needs the parameters, the kind and the architecture.
macro_rules! test_model {
    ($name:ident, $kind:expr) => {
        #[derive(Clone, Copy, Debug, PartialEq, AnyBitPattern)]
        #[repr(C)]
        struct $name<N> {
            net: N,
        }

        composite_parameters!(impl[N: Network] for $name<N> { net: N });

        impl<N: Network> Model for $name<N> {
            type Config = ();
            const KIND: ModelKind = $kind;
            const INPUTS: usize = N::INPUTS;
            const LATENT: usize = N::OUTPUTS;
            const WORKSPACE: usize = 0;
            const CONVOLUTIONAL: bool = N::CONVOLUTIONAL;

            fn describe(architecture: &mut Architecture) -> Result<(), Error> {
                N::describe(architecture)
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
    };
}

test_model!(TestModel, ModelKind::Autoencoder);
test_model!(TestVae, ModelKind::Vae);

type Tiny = TestModel<Dense<2, 1>>;
type SmallNet = Chain<Dense<3, 2, Tanh>, Dense<2, 3, Sigmoid>>;
type Small = TestModel<SmallNet>;

fn random<M: Model>(seed: u64) -> M {
    let mut model = M::zeroed();
    model.initialize(&mut seeded_rng(seed));
    model
}

fn blob_of<M: Model>(model: &M) -> Vec<u8> {
    let mut buffer = vec![0; M::BLOB_LEN];
    assert_eq!(save(model, &mut buffer).unwrap(), M::BLOB_LEN);
    buffer
}

fn bits<M: Parameters>(model: &M) -> Vec<u32> {
    (0..M::TENSORS)
        .flat_map(|index| model.tensor(index).iter().map(|v| v.to_bits()))
        .collect()
}

/// Loads `bytes` into a model holding a sentinel and checks that a failure left it untouched.
fn load_into_sentinel<M: Model + Clone + PartialEq + core::fmt::Debug>(
    bytes: &[u8],
) -> Result<M, Error> {
    let mut model = M::zeroed();
    model.fill(-7.5);
    let result = load(bytes, &mut model);
    if result.is_err() {
        assert!(bits(&model).iter().all(|&b| b == (-7.5f32).to_bits()));
    }
    result.map(|_| model)
}

/// Rewrites the CRC of a blob (since version 2) so that it matches its (edited) bytes.
fn fix_crc(blob: &mut [u8]) {
    let crc = crc_of_blob(blob);
    blob[CRC_OFFSET..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
}

/// `blob` (version 3) as the first format wrote it: version 1, a CRC of the payload only.
fn as_version_1(blob: &[u8]) -> Vec<u8> {
    let mut v1 = blob.to_vec();
    v1[4..6].copy_from_slice(&FORMAT_VERSION_PAYLOAD_CRC.to_le_bytes());
    let crc = CRC32.checksum(&v1[HEADER_LEN..]);
    v1[CRC_OFFSET..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    v1
}

#[test]
fn header_length_is_constant() {
    assert_eq!(HEADER_LEN, 160);
    let mut full = Architecture::new();
    for _ in 0..crate::MAX_LAYERS {
        let layer = crate::LayerShape {
            inputs: u32::MAX,
            outputs: u32::MAX,
            activation: u8::MAX,
            conv: None,
        };
        full.push(layer).unwrap();
    }
    for (architecture, payload_len, crc) in
        [(Architecture::new(), 0, 0), (full, u32::MAX, u32::MAX)]
    {
        let header = Header::new(FORMAT_VERSION, u8::MAX, &architecture, payload_len, crc).unwrap();
        let encoded = postcard::to_allocvec(&header).unwrap();
        assert_eq!(encoded.len(), HEADER_LEN);
    }
}

#[test]
fn tiny_model_bytes_are_pinned() {
    let mut model = Tiny::zeroed();
    model
        .net
        .weight
        .as_mut_slice()
        .copy_from_slice(&[0.5, -1.0]);
    model.net.bias[0] = 0.25;
    let blob = blob_of(&model);

    let mut expected = Vec::new();
    expected.extend_from_slice(b"TVAE");
    expected.extend_from_slice(&[3, 0]); // version 3
    expected.push(1); // ModelKind::Autoencoder
    expected.push(1); // one layer
    expected.extend_from_slice(&[2, 0, 0, 0, 1, 0, 0, 0, 0]); // 2 → 1, Identity
    expected.extend_from_slice(&[0; 15 * 9]); // padding
    expected.extend_from_slice(&[12, 0, 0, 0]); // payload length
    // CRC-32 0x3d65654e of bytes 0..156 and 160..172 (zlib.crc32 of the two joined).
    expected.extend_from_slice(&[0x4e, 0x65, 0x65, 0x3d]);
    expected.extend_from_slice(&[0, 0, 0, 0x3f]); // 0.5
    expected.extend_from_slice(&[0, 0, 0x80, 0xbf]); // -1.0
    expected.extend_from_slice(&[0, 0, 0x80, 0x3e]); // 0.25
    assert_eq!(blob, expected);
    assert_eq!(blob.len(), blob_len::<Tiny>());
    assert_eq!(Tiny::BLOB_LEN, 172);
}

#[test]
fn round_trip_is_bitwise() {
    let mut model = random::<Small>(1);
    // Values a lossy encoding would change.
    model.net.first.weight[0] = -0.0;
    model.net.first.weight[1] = f32::MIN_POSITIVE / 8.0; // subnormal
    model.net.first.weight[2] = f32::MAX;
    model.net.second.bias[2] = f32::MIN;
    let blob = blob_of(&model);
    assert_eq!(blob.len(), blob_len::<Small>());
    assert_eq!(blob.len(), HEADER_LEN + 4 * (3 * 2 + 2 + 2 * 3 + 3));

    let loaded = load_into_sentinel::<Small>(&blob).unwrap();
    assert_eq!(bits(&loaded), bits(&model));

    // A larger buffer receives the same bytes, and only blob_len of them.
    let mut larger = vec![0xAA; Small::BLOB_LEN + 10];
    assert_eq!(save(&model, &mut larger).unwrap(), Small::BLOB_LEN);
    assert_eq!(larger[..Small::BLOB_LEN], blob[..]);
    assert!(larger[Small::BLOB_LEN..].iter().all(|&b| b == 0xAA));
}

#[test]
fn saving_needs_room_and_finite_weights() {
    let model = random::<Small>(2);
    for size in [0, HEADER_LEN, Small::BLOB_LEN - 1] {
        let mut buffer = vec![0; size];
        assert_eq!(
            save(&model, &mut buffer),
            Err(Error::BufferTooSmall {
                needed: Small::BLOB_LEN,
                found: size
            })
        );
    }
    let mut broken = model;
    broken.net.second.weight[3] = f32::NAN;
    let mut buffer = vec![0; Small::BLOB_LEN];
    assert_eq!(save(&broken, &mut buffer), Err(Error::NonFinite));
    assert!(buffer.iter().all(|&b| b == 0));
}

#[test]
fn every_truncation_is_rejected() {
    let blob = blob_of(&random::<Small>(3));
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
    let blob = blob_of(&random::<Small>(4));
    let mut corrupted = blob.clone();
    for position in 0..blob.len() {
        for mask in 1..=u8::MAX {
            corrupted[position] = blob[position] ^ mask;
            let error = load_into_sentinel::<Small>(&corrupted).unwrap_err();
            // Without a model type to compare against, the CRC still catches it.
            assert!(
                inspect(&corrupted).is_err(),
                "byte {position} ^ {mask:#04x}"
            );
            let expected = match position {
                0..4 => matches!(error, Error::BadMagic),
                // Another version; version 2, whose section is missing; version 1, whose CRC
                // is of the payload alone.
                4..6 => matches!(
                    error,
                    Error::UnsupportedVersion(_)
                        | Error::Truncated
                        | Error::ChecksumMismatch { .. }
                ),
                6 => matches!(error, Error::WrongModel { .. }),
                // Layer count and table: another architecture, or a corrupt table.
                7..152 => matches!(error, Error::WrongDimensions | Error::Malformed),
                152..156 => matches!(error, Error::Malformed),
                _ => matches!(error, Error::ChecksumMismatch { .. }),
            };
            assert!(expected, "byte {position} ^ {mask:#04x}: {error:?}");
        }
        corrupted[position] = blob[position];
    }
}

#[test]
fn another_architecture_is_wrong_dimensions() {
    let blob = blob_of(&random::<Small>(5));
    // Other sizes.
    type Wider = TestModel<Chain<Dense<3, 4, Tanh>, Dense<4, 3, Sigmoid>>>;
    assert_eq!(
        load_into_sentinel::<Wider>(&blob),
        Err(Error::WrongDimensions)
    );
    // Same sizes and so the same length, other activations.
    type Relabeled = TestModel<Chain<Dense<3, 2, Sigmoid>, Dense<2, 3, Tanh>>>;
    assert_eq!(Relabeled::BLOB_LEN, Small::BLOB_LEN);
    assert_eq!(
        load_into_sentinel::<Relabeled>(&blob),
        Err(Error::WrongDimensions)
    );
    // One layer of the same total size.
    type Flat = TestModel<Dense<16, 1>>;
    assert_eq!(Flat::SCALARS, Small::SCALARS);
    assert_eq!(
        load_into_sentinel::<Flat>(&blob),
        Err(Error::WrongDimensions)
    );
}

#[test]
fn another_kind_is_wrong_model() {
    let blob = blob_of(&random::<Small>(6));
    assert_eq!(
        load_into_sentinel::<TestVae<SmallNet>>(&blob),
        Err(Error::WrongModel {
            expected: ModelKind::Vae.code(),
            found: ModelKind::Autoencoder.code(),
        })
    );
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut blob = blob_of(&random::<Small>(7));
    for extra in [0u8, 0xFF, 0] {
        blob.push(extra);
        assert_eq!(
            load_into_sentinel::<Small>(&blob),
            Err(Error::TrailingBytes)
        );
        assert_eq!(inspect(&blob), Err(Error::TrailingBytes));
    }
}

#[test]
fn non_finite_weights_with_a_valid_crc_are_rejected() {
    let blob = blob_of(&random::<Small>(8));
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for scalar in [0, Small::SCALARS - 1] {
            let mut crafted = blob.clone();
            let at = HEADER_LEN + 4 * scalar;
            crafted[at..at + 4].copy_from_slice(&bad.to_le_bytes());
            fix_crc(&mut crafted);
            assert_eq!(load_into_sentinel::<Small>(&crafted), Err(Error::NonFinite));
            assert_eq!(inspect(&crafted), Err(Error::NonFinite));
        }
    }
}

#[test]
fn other_versions_and_magic_are_refused_first() {
    let blob = blob_of(&random::<Small>(9));
    // A later version is named even if the rest of its header is shorter or different.
    let mut later = blob.clone();
    later[4] = 8;
    assert_eq!(
        load_into_sentinel::<Small>(&later),
        Err(Error::UnsupportedVersion(8))
    );
    assert_eq!(
        load_into_sentinel::<Small>(&later[..6]),
        Err(Error::UnsupportedVersion(8))
    );
    // Version 2 without its section: cut short.
    let mut with_transform = blob.clone();
    with_transform[4] = 2;
    assert_eq!(
        load_into_sentinel::<Small>(&with_transform),
        Err(Error::Truncated)
    );
    // Not a weight file at all, however short; a prefix of the magic is only truncated.
    assert_eq!(load_into_sentinel::<Small>(b"TV"), Err(Error::Truncated));
    for bytes in [&b"PK\x03\x04"[..], b"X", b"TVAF", b"\x89PNG\r\n\x1a\n"] {
        assert_eq!(load_into_sentinel::<Small>(bytes), Err(Error::BadMagic));
    }
}

#[test]
fn version_1_blobs_are_still_read() {
    let model = random::<Small>(11);
    let v1 = as_version_1(&blob_of(&model));
    assert_eq!(
        bits(&load_into_sentinel::<Small>(&v1).unwrap()),
        bits(&model)
    );
    assert_eq!(inspect(&v1).unwrap().scalars, Small::SCALARS);
    // Its CRC is of the payload: a changed weight is seen, and every truncation.
    let mut changed = v1.clone();
    changed[HEADER_LEN] ^= 1;
    assert!(matches!(
        load_into_sentinel::<Small>(&changed),
        Err(Error::ChecksumMismatch { .. })
    ));
    for length in 0..v1.len() {
        assert_eq!(inspect(&v1[..length]), Err(Error::Truncated));
    }
}

#[test]
fn inspect_reads_kind_architecture_and_size() {
    let blob = blob_of(&random::<Small>(10));
    let info = inspect(&blob).unwrap();
    assert_eq!(info.kind, ModelKind::Autoencoder);
    assert_eq!(info.scalars, Small::SCALARS);
    let mut expected = Architecture::new();
    SmallNet::describe(&mut expected).unwrap();
    assert_eq!(info.architecture, expected);
    assert_eq!(info.architecture.len(), 2);

    assert_eq!(info.version, FORMAT_VERSION);

    // A kind code with its CRC made to match is read as that kind; an unknown one is refused.
    let mut vae_blob = blob.clone();
    vae_blob[6] = ModelKind::Vae.code();
    fix_crc(&mut vae_blob);
    assert_eq!(inspect(&vae_blob).unwrap().kind, ModelKind::Vae);
    vae_blob[6] = 99;
    fix_crc(&mut vae_blob);
    assert_eq!(inspect(&vae_blob), Err(Error::Malformed));
}

#[test]
fn saving_is_deterministic() {
    let model = random::<Small>(11);
    assert_eq!(blob_of(&model), blob_of(&model.clone()));
    assert_eq!(blob_of(&random::<Small>(11)), blob_of(&model));
}

#[test]
fn view_reads_the_weights_in_place() {
    use crate::vae::MlpVae;
    type Small = MlpVae<6, 5, 2>;
    let mut model = Small::zeroed();
    model.initialize(&mut seeded_rng(3));
    // A u32 buffer gives the 4-byte alignment a device gets from its linker.
    let mut words = vec![0u32; blob_len::<Small>().div_ceil(4) + 1];
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut words);
    let written = save(&model, bytes).unwrap();
    let viewed = view::<Small>(&bytes[..written]).unwrap();
    assert_eq!(viewed.model, &model);
    assert_eq!(viewed.transform, None);
    // One byte off the boundary: refused, not misread.
    bytes.copy_within(0..written, 1);
    assert_eq!(
        view::<Small>(&bytes[1..written + 1]).unwrap_err(),
        Error::Misaligned
    );
    // Everything load checks, view checks too.
    bytes.copy_within(1..written + 1, 0);
    bytes[written - 1] ^= 1;
    assert!(matches!(
        view::<Small>(&bytes[..written]),
        Err(Error::ChecksumMismatch { .. })
    ));
}

mod conv;
mod user_kind;
mod with_detector;
mod with_transform;
