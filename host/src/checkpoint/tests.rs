//! The checkpoint format as a contract: the pinned bytes of a tiny checkpoint, and every
//! damaged, truncated or other-version file refused with its own error, never a panic.
//!
//! When a field is added to the file on purpose, `tiny_checkpoint_bytes_are_pinned` fails and
//! is updated with it (that is its point), `VERSION` goes up, and the fuzz seeds are rewritten
//! (see `host/tests/fuzz_seeds.rs`).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use tinyvae_core::Parameters;
use tinyvae_core::presets::AeDigits;
use tinyvae_core::rng::seeded_rng;

use super::*;
use crate::data::{DataFormat, DataSpec, Dataset, LoadedData, Split};
use crate::train::trainer::{Position, TrainError};

/// Three 8×8 images: two to train on, one to test.
fn tiny_split() -> Split {
    let image =
        |shift: usize| -> Vec<f32> { (0..64).map(|i| ((i + shift) % 17) as f32 / 16.0).collect() };
    let train = Dataset::new(
        "tiny train",
        8,
        8,
        [image(0), image(1)].concat(),
        vec![3, 7],
    );
    let test = Dataset::new("tiny test", 8, 8, image(2), vec![5]);
    Split {
        train: train.unwrap(),
        test: test.unwrap(),
    }
}

/// The record of [`tiny_split`], as if loaded from `tiny.csv`.
fn tiny_record() -> DataRecord {
    let loaded = LoadedData {
        split: tiny_split(),
        transform: None,
    };
    DataRecord::of(
        &DataSpec::with_format("tiny.csv", DataFormat::Digits),
        &loaded,
    )
}

/// A small config whose every field differs from the default.
fn tiny_config() -> TrainConfig {
    TrainConfig {
        epochs: 2,
        batch_size: 2,
        optimizer: OptimizerChoice::Adam,
        learning_rate: 0.01,
        beta: 0.5,
        kl_warmup_steps: 4,
        noise: Noise::Masking {
            keep_probability: 0.75,
        },
        seed: 11,
        dynamic_binarization: true,
        clip_norm: Some(2.0),
        train_limit: Some(2),
        pretrain_epochs: 3,
        // The reconstruction loss and likelihood stay the defaults an autoencoder takes.
        ..TrainConfig::default()
    }
}

/// An `ae-digits` trainer in the middle of a run, built without training so that its bytes
/// depend on the format alone: weights drawn from seed 11, Adam moments of constant values,
/// step 3 of epoch 1.
fn tiny_trainer() -> Trainer<AeDigits> {
    tiny_trainer_with(tiny_config())
}

/// [`tiny_trainer`] with another config.
fn tiny_trainer_with(config: TrainConfig) -> Trainer<AeDigits> {
    let position = Position {
        step: 3,
        epoch: 1,
        batch: 1,
    };
    tiny_trainer_at(config, position)
}

/// [`tiny_trainer`] with another config, or why it cannot resume.
fn tiny_trainer_result(config: TrainConfig) -> Result<Trainer<AeDigits>, TrainError> {
    let mut model: Box<AeDigits> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(11));
    let optimizer = OptimizerState::<AeDigits>::new(config.optimizer);
    let saved = SavedRun {
        model,
        optimizer,
        rng: seeded_rng(0x5EED),
        position: Position::default(),
        learning_rate: 0.005,
        beta: 0.25,
        run_id: 1,
        history: Vec::new(),
    };
    Trainer::resume(config, saved)
}

/// [`tiny_trainer`] with another config and position.
fn tiny_trainer_at(config: TrainConfig, position: Position) -> Trainer<AeDigits> {
    let mut model: Box<AeDigits> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(11));
    let mut optimizer = OptimizerState::<AeDigits>::new(config.optimizer);
    for (value, moment) in optimizer.values_mut().into_iter().zip([0.25, 0.0625]) {
        value.fill(moment);
    }
    optimizer.set_counter(3);
    let saved = SavedRun {
        model,
        optimizer,
        rng: seeded_rng(0x5EED),
        position,
        learning_rate: 0.005,
        beta: 0.25,
        run_id: 0x0123_4567_89AB_CDEF,
        history: Vec::new(),
    };
    Trainer::resume(config, saved).unwrap()
}

/// The bytes of [`tiny_trainer`]'s checkpoint.
fn tiny_checkpoint() -> Vec<u8> {
    checkpoint_bytes(
        &tiny_trainer(),
        "ae-digits",
        &tiny_record(),
        &DetectorRecord::default(),
    )
    .unwrap()
}

/// Recomputes the trailing CRC-32 so that damage before it reaches the parser.
fn fix_crc(bytes: &mut [u8]) {
    if let Some(body) = bytes.len().checked_sub(4) {
        let crc = CRC.checksum(&bytes[..body]);
        bytes[body..].copy_from_slice(&crc.to_le_bytes());
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything of the tiny checkpoint before the model's blob, as hex: magic, version, preset,
/// data record, stored config, position, learning rate, β and the generator's state.
/// Integers are postcard varints, floats 4 little-endian bytes, enums a varint index.
const PINNED_HEAD: &str = concat!(
    "54564145434b5054",     // magic TVAECKPT
    "0400",                 // version 4
    "05302e312e30",         // tinyvae version "0.1.0"
    "ef9bafcdf8acd19101",   // run id 0x0123_4567_89ab_cdef
    "0961652d646967697473", // preset "ae-digits"
    // data record: spec (path "tiny.csv", format Digits, no label column, no labels file,
    // test set included, no normalization)
    "0874696e792e637376",
    "0100000000",
    "000808",               // shape: 8×8 images
    "0201",                 // 2 training samples, 1 test sample
    "c1d192bff485e9e7f101", // training fingerprint
    "e0cc8d94869d81ec0d",   // test fingerprint
    "00",                   // no transform
    // stored config: epochs 2, batch 2, Adam, learning rate 0.01, β 0.5, warm-up 4,
    // masking 0.75, seed 11, dynamic binarization, clip norm 2.0, train limit 2, pretrain 3,
    // cross-entropy, Bernoulli
    "0202",
    "01",
    "0ad7233c",
    "0000003f",
    "04",
    "020000403f",
    "0b",
    "01",
    "0100000040",
    "0102",
    "03",
    "0000",
    // position: step 3, epoch 1, batch 1; learning rate 0.005 and β 0.25 in force
    "030101",
    "0ad7a33b",
    "0000803e",
    // the generator's four 32-bit words
    "b4d3c21f9dfbc74ff588fedd0196e8c9a905",
    "e043", // the model blob's length, 8672
);

/// Bytes of the tiny checkpoint.
const PINNED_LEN: usize = 26_163;
/// Its trailing CRC-32, which covers every byte before it.
const PINNED_CRC: u32 = 0x2ecc_fe30;

#[test]
fn tiny_checkpoint_bytes_are_pinned() {
    let bytes = tiny_checkpoint();
    let blob_len = weights::blob_len::<AeDigits>();
    // The model's blob is preceded by its postcard length (a varint) and is the first `TVAE`
    // after the checkpoint's own magic `TVAECKPT`.
    let model_start = MAGIC.len()
        + bytes[MAGIC.len()..]
            .windows(4)
            .position(|w| w == weights::MAGIC)
            .unwrap();
    assert_eq!(hex(&bytes[..model_start]), PINNED_HEAD);
    let trainer = tiny_trainer();
    let blob = |m: &AeDigits| {
        let mut buffer = vec![0; blob_len];
        weights::save(m, &mut buffer).unwrap();
        buffer
    };
    // Model, then the optimizer's count, the number of moments, and each moment's blob.
    let mut expected_rest = blob(trainer.model());
    expected_rest.push(3);
    expected_rest.push(2);
    for moment in trainer.optimizer().values() {
        expected_rest.extend(postcard::to_stdvec(&(blob_len as u64)).unwrap());
        expected_rest.extend(blob(moment));
    }
    // The epochs' losses: none yet. Then the detector record: no normal classes, no threshold.
    expected_rest.push(0);
    expected_rest.extend([0, 0]);
    let rest = &bytes[model_start..bytes.len() - 4];
    assert!(rest == expected_rest, "the bytes after the head changed");
    assert_eq!(bytes.len(), PINNED_LEN);
    assert_eq!(
        u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap()),
        PINNED_CRC
    );
}

#[test]
fn the_tiny_checkpoint_reads_back_as_it_was_written() {
    let bytes = tiny_checkpoint();
    let checkpoint = Checkpoint::from_bytes(&bytes).unwrap();
    assert_eq!(checkpoint.preset(), "ae-digits");
    assert_eq!(checkpoint.config(), tiny_config());
    assert_eq!(checkpoint.data(), &tiny_record());
    assert_eq!(checkpoint.step(), 3);
    let resumed = checkpoint.into_trainer::<AeDigits>("ae-digits").unwrap();
    assert_eq!(resumed.position().epoch, 1);
    assert_eq!(resumed.optimizer().counter(), 3);
    let again = checkpoint_bytes(
        &resumed,
        "ae-digits",
        &tiny_record(),
        &DetectorRecord::default(),
    )
    .unwrap();
    assert!(again == bytes, "a resumed trainer writes other bytes");
}

#[test]
fn other_versions_are_named_before_the_checksum_is_read() {
    let bytes = tiny_checkpoint();
    for version in [0u16, 1, VERSION + 1, u16::MAX] {
        let mut other = bytes.clone();
        other[MAGIC.len()..MAGIC.len() + 2].copy_from_slice(&version.to_le_bytes());
        let error = Checkpoint::from_bytes(&other).err().unwrap();
        assert!(
            matches!(error, CheckpointError::UnsupportedVersion { found } if found == version),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("unsupported checkpoint version {version} (this build reads versions 3 and 4)")
        );
        // Even with nothing after the version.
        let error = Checkpoint::from_bytes(&other[..MAGIC.len() + 2])
            .err()
            .unwrap();
        assert!(matches!(error, CheckpointError::UnsupportedVersion { .. }));
    }
}

#[test]
fn version_3_reads_without_a_detector_and_a_detector_round_trips() {
    let bytes = tiny_checkpoint();
    // Version 3 is version 4 without the detector record (two empty options) before the CRC.
    let mut v3 = bytes[..bytes.len() - 6].to_vec();
    v3[MAGIC.len()..MAGIC.len() + 2].copy_from_slice(&VERSION_WITHOUT_DETECTOR.to_le_bytes());
    v3.extend([0; 4]);
    fix_crc(&mut v3);
    let mut checkpoint = Checkpoint::from_bytes(&v3).unwrap();
    assert_eq!(checkpoint.detector(), &DetectorRecord::default());
    assert_eq!(checkpoint.config(), tiny_config());

    let detector = DetectorRecord {
        normal_classes: Some(vec![3, 8]),
        threshold: Some(crate::anomaly::Threshold {
            score: crate::anomaly::ScoreKind::ReconstructionMse,
            importance_samples: 1,
            rule: crate::anomaly::Calibration::Percentile(99.5),
            value: 0.0625,
            samples: 1200,
        }),
    };
    checkpoint.set_detector(detector.clone());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.ckpt");
    checkpoint.write(&path).unwrap();
    let read = Checkpoint::read(&path).unwrap();
    assert_eq!(read.detector(), &detector);
    assert_eq!(read.data(), &tiny_record());
    // Written back in this build's version, the rest of the file as it was.
    let written = std::fs::read(&path).unwrap();
    assert_eq!(written[..bytes.len() - 6], bytes[..bytes.len() - 6]);
}

#[test]
fn another_magic_is_not_a_checkpoint() {
    let mut bytes = tiny_checkpoint();
    bytes[3] ^= 0x20;
    let error = Checkpoint::from_bytes(&bytes).err().unwrap();
    assert_eq!(
        error.to_string(),
        "not a valid tinyvae checkpoint: bad magic"
    );
}

#[test]
fn every_truncation_is_refused() {
    let bytes = tiny_checkpoint();
    for len in 0..bytes.len() {
        let result = Checkpoint::from_bytes(&bytes[..len]);
        assert!(
            matches!(result, Err(CheckpointError::Corrupt(_))),
            "{len} bytes accepted or misnamed"
        );
    }
}

#[test]
fn truncations_with_a_recomputed_checksum_are_refused_by_the_parser() {
    let bytes = tiny_checkpoint();
    // Every cut in the first and last 400 bytes, every 61st elsewhere.
    let ends = |len: usize| len < 400 || len + 400 > bytes.len();
    for len in (MAGIC.len() + 6..bytes.len()).filter(|&len| ends(len) || len % 61 == 0) {
        let mut cut = bytes[..len].to_vec();
        fix_crc(&mut cut);
        assert!(
            Checkpoint::from_bytes(&cut).is_err(),
            "{len} bytes with a valid CRC accepted"
        );
    }
}

#[test]
fn every_single_byte_change_in_the_head_is_refused() {
    let bytes = tiny_checkpoint();
    for at in 0..PINNED_HEAD.len() / 2 {
        let mut changed = bytes.clone();
        changed[at] ^= 0x01;
        assert!(Checkpoint::from_bytes(&changed).is_err(), "byte {at}");
    }
}

#[test]
fn a_checkpoint_of_one_preset_does_not_resume_as_another() {
    let checkpoint = Checkpoint::from_bytes(&tiny_checkpoint()).unwrap();
    let error = checkpoint.model::<AeDigits>("vae-digits").err().unwrap();
    assert_eq!(
        error.to_string(),
        "the checkpoint is of preset ae-digits, not vae-digits"
    );
}

#[test]
fn a_huge_stored_batch_size_is_refused_on_resume_not_reserved() {
    // Once an abort: resuming reserved batch size × workspace floats before any step, and a
    // checkpoint (found by fuzzing) asked for 1.7·10¹⁸ bytes. Now its batch is refused: it
    // would need more than MAX_BATCH_BYTES.
    let trainer = tiny_trainer();
    let bytes = checkpoint_bytes(
        &trainer,
        "ae-digits",
        &tiny_record(),
        &DetectorRecord::default(),
    )
    .unwrap();
    assert!(Checkpoint::from_bytes(&bytes).is_ok());
    let config = TrainConfig {
        batch_size: 1 << 60,
        ..tiny_config()
    };
    let error = tiny_trainer_result(config).err().unwrap();
    assert!(error.to_string().contains("the most is 8 GiB"), "{error}");
}

#[test]
fn a_position_past_the_epoch_is_an_error_not_a_panic() {
    // Once an integer underflow in the step (found by fuzzing the checkpoint parser): the
    // tiny trainer stands at batch 1 of 2 samples, so with 2-sample batches its next batch
    // starts past the epoch (a huge batch size is refused before, on resume).
    let train = tiny_split().train;
    let config = TrainConfig {
        batch_size: 2,
        ..tiny_config()
    };
    let mut trainer = tiny_trainer_with(config);
    let error = trainer.step(&train).err().unwrap();
    assert!(
        matches!(
            error,
            TrainError::PastEpoch {
                batch: 1,
                samples: 2
            }
        ),
        "{error}"
    );
    // One batch of both samples is where batch 1 would start with a batch size of 1.
    let mut trainer = tiny_trainer_with(TrainConfig {
        batch_size: 1,
        ..tiny_config()
    });
    assert!(trainer.step(&train).unwrap().finished_epoch);
}

#[test]
fn the_step_count_saturates() {
    // Once an overflow panic when a (damaged) checkpoint stood at step u64::MAX.
    let position = Position {
        step: u64::MAX,
        epoch: 0,
        batch: 0,
    };
    let mut trainer = tiny_trainer_at(tiny_config(), position);
    trainer.step(&tiny_split().train).unwrap();
    assert_eq!(trainer.position().step, u64::MAX);
}

/// Damage to a checkpoint: bytes overwritten, a new length, and maybe a recomputed CRC.
fn damaged(
    mut bytes: Vec<u8>,
    writes: &[(usize, u8)],
    length: Option<usize>,
    fix: bool,
) -> Vec<u8> {
    for &(at, value) in writes {
        let len = bytes.len();
        bytes[at % len] = value;
    }
    if let Some(length) = length {
        bytes.truncate(length);
    }
    if fix {
        fix_crc(&mut bytes);
    }
    bytes
}

/// Parses `bytes` and, if that succeeds, loads the model and resumes a trainer from them:
/// any outcome but a panic will do.
fn parse_and_resume(bytes: &[u8]) {
    if let Ok(checkpoint) = Checkpoint::from_bytes(bytes) {
        let _ = checkpoint.config();
        let _ = checkpoint.model::<AeDigits>(checkpoint.preset().to_string().as_str());
        let preset = checkpoint.preset().to_string();
        let _ = checkpoint.into_trainer::<AeDigits>(&preset);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_are_refused(
        mut bytes in proptest::collection::vec(any::<u8>(), 0..400),
        header: bool,
        fix: bool,
    ) {
        if header {
            bytes.splice(0..0, MAGIC.iter().copied().chain(VERSION.to_le_bytes()));
        }
        if fix {
            fix_crc(&mut bytes);
        }
        prop_assert!(Checkpoint::from_bytes(&bytes).is_err());
    }

    #[test]
    fn damaged_checkpoints_never_panic(
        writes in proptest::collection::vec((0usize..400, any::<u8>()), 1..4),
        far in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..2),
        length in proptest::option::of(0usize..27_000),
        fix: bool,
    ) {
        let writes: Vec<_> = writes.into_iter().chain(far).collect();
        parse_and_resume(&damaged(tiny_checkpoint(), &writes, length, fix));
    }
}
