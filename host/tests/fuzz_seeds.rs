//! The seed corpus of the fuzz targets, `fuzz/corpus/<target>/`: how it is made, and a check
//! that every loader still accepts every seed, so that a change of format cannot leave the
//! fuzzers starting from inputs that fail at the first check.
//!
//! The seeds are real inputs in the layouts the targets read (`fuzz/src/lib.rs`, compiled in
//! here so that both sides decode alike): weight blobs of the digits presets, checkpoints of
//! short runs on the shipped digits, IDX files cut from the shipped MNIST, lines of the shipped
//! digits CSV, small tables and `.npy` arrays. To write them again, after a change of format:
//!
//! ```text
//! cargo test -p tinyvae-host --test fuzz_seeds -- --ignored
//! ```
#![allow(clippy::unwrap_used)]

#[path = "../../fuzz/src/lib.rs"]
mod framing;

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use tinyvae_core::rng::seeded_rng;
use tinyvae_core::weights;
use tinyvae_core::{InputTransformRef, Model, ModelKind, Parameters};
use tinyvae_host::anomaly::{Calibration, DetectorRecord, ScoreKind, Threshold};
use tinyvae_host::checkpoint::{Checkpoint, VERSION, VERSION_WITHOUT_DETECTOR, checkpoint_bytes};
use tinyvae_host::data::{
    DIGITS_FIELDS, DataFormat, DataRecord, DataSpec, default_data_dir, read_digits, read_idx_pair,
    read_npy, read_table,
};
use tinyvae_host::presets::{AeDigits, ConvAeDigits, PresetId, VaeDigits};
use tinyvae_host::train::config::{OptimizerChoice, TrainConfig};
use tinyvae_host::train::model::TrainableModel;
use tinyvae_host::train::optimizer::OptimizerState;
use tinyvae_host::train::trainer::{Position, SavedRun, Trainer};

/// The fuzz targets, each with a folder of seeds.
const TARGETS: [&str; 6] = [
    "weights_blob",
    "checkpoint",
    "idx_pair",
    "digits_csv",
    "table",
    "npy",
];

/// The selector byte that opens a seed of `weights_blob` or `checkpoint`: the CRC repaired.
const REPAIR: u8 = 1;
/// The selector byte of a seed parsed as it is.
const AS_IS: u8 = 0;

/// `fuzz/corpus` of this repository.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

/// One seed: its target, its file name and its bytes.
struct Seed {
    target: &'static str,
    name: &'static str,
    bytes: Vec<u8>,
}

fn seed(target: &'static str, name: &'static str, bytes: Vec<u8>) -> Seed {
    Seed {
        target,
        name,
        bytes,
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `selector`, then `bytes`.
fn selected(selector: u8, bytes: &[u8]) -> Vec<u8> {
    [&[selector], bytes].concat()
}

/// Two files as `split_pair` reads them.
fn pair(first: &[u8], second: &[u8]) -> Vec<u8> {
    let len = u32::try_from(first.len()).unwrap();
    [&len.to_le_bytes()[..], first, second].concat()
}

/// The weight blob of `model`, with `transform` if given.
fn blob<M: Model>(model: &M, transform: Option<&InputTransformRef<'_>>) -> Vec<u8> {
    let mut buffer = vec![0u8; weights::blob_len_with_transform::<M>()];
    let written = weights::save_with_transform(model, transform, &mut buffer).unwrap();
    buffer.truncate(written);
    buffer
}

/// A model drawn from `seed`.
fn seeded<M: Model>(seed: u64) -> Box<M> {
    let mut model: Box<M> = bytemuck::zeroed_box();
    model.initialize(&mut seeded_rng(seed));
    model
}

fn weight_seeds() -> Vec<Seed> {
    let features = 64;
    let offset: Vec<f32> = (0..features).map(|i| i as f32 / 64.0).collect();
    let scale: Vec<f32> = (0..features).map(|i| 1.0 + (i % 7) as f32).collect();
    let clamped = InputTransformRef::new(&offset, &scale, true).unwrap();
    let unclamped = InputTransformRef::new(&offset, &scale, false).unwrap();
    let zeroed: Box<VaeDigits> = bytemuck::zeroed_box();
    let (vae, ae) = (seeded::<VaeDigits>(1), seeded::<AeDigits>(2));
    let conv = seeded::<ConvAeDigits>(3);
    let target = "weights_blob";
    vec![
        seed(
            target,
            "vae-digits-zeroed",
            selected(REPAIR, &blob(&*zeroed, None)),
        ),
        seed(
            target,
            "vae-digits-transform",
            selected(REPAIR, &blob(&*vae, Some(&clamped))),
        ),
        seed(target, "ae-digits", selected(REPAIR, &blob(&*ae, None))),
        seed(
            target,
            "ae-digits-as-is",
            selected(AS_IS, &blob(&*ae, None)),
        ),
        seed(
            target,
            "ae-digits-transform",
            selected(REPAIR, &blob(&*ae, Some(&unclamped))),
        ),
        seed(
            target,
            "conv-ae-digits",
            selected(REPAIR, &blob(&*conv, None)),
        ),
        seed(
            target,
            "ae-digits-version-1",
            selected(AS_IS, &as_version_1(blob(&*ae, None))),
        ),
    ]
}

/// `blob`, of weights alone, as format version 1 wrote it: the same bytes but the version,
/// and the CRC of the payload alone.
fn as_version_1(mut blob: Vec<u8>) -> Vec<u8> {
    blob[4..6].copy_from_slice(&weights::FORMAT_VERSION_PAYLOAD_CRC.to_le_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&blob[weights::HEADER_LEN..]);
    blob[weights::HEADER_LEN - 4..weights::HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    blob
}

/// The first `lines` lines of the shipped digits CSV, decompressed.
fn digits_lines(lines: usize) -> String {
    let path = default_data_dir().join("digits/digits.csv.gz");
    let mut text = String::new();
    MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .take(lines)
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A checkpoint of `M` under `preset` with `detector` after `steps` steps on the shipped digits.
fn checkpoint_of<M: TrainableModel>(
    preset: PresetId,
    config: TrainConfig,
    steps: usize,
    detector: &DetectorRecord,
) -> Vec<u8> {
    let shipped = default_data_dir().join("digits/digits.csv.gz");
    let loaded = DataSpec::with_format(shipped, DataFormat::Digits)
        .load()
        .unwrap();
    // Recorded under the path relative to the project, the same on every machine.
    let spec = DataSpec::with_format("data/digits/digits.csv.gz", DataFormat::Digits);
    let record = DataRecord::of(&spec, &loaded);
    let saved = SavedRun {
        model: seeded::<M>(config.seed),
        optimizer: OptimizerState::<M>::new(config.optimizer),
        rng: seeded_rng(config.seed),
        position: Position::default(),
        learning_rate: config.learning_rate,
        beta: config.beta,
        run_id: 0x5EED,
        history: Vec::new(),
    };
    let mut trainer = Trainer::resume(config, saved).unwrap();
    for _ in 0..steps {
        trainer.step(&loaded.split.train).unwrap();
    }
    checkpoint_bytes(&trainer, preset.preset().name, &record, detector).unwrap()
}

fn checkpoint_seeds() -> Vec<Seed> {
    let ae = TrainConfig {
        epochs: 2,
        batch_size: 16,
        ..PresetId::AeDigits.preset().config
    };
    let vae = TrainConfig {
        epochs: 3,
        batch_size: 8,
        optimizer: OptimizerChoice::Sgd { momentum: 0.5 },
        learning_rate: 0.01,
        kl_warmup_steps: 10,
        clip_norm: Some(5.0),
        ..PresetId::VaeDigits.preset().config
    };
    // A one-class detector of the digits 0 and 3, calibrated.
    let detector = DetectorRecord {
        normal_classes: Some(vec![0, 3]),
        threshold: Some(Threshold {
            score: ScoreKind::NegativeElbo,
            importance_samples: 4,
            rule: Calibration::Percentile(95.0),
            value: 41.5,
            samples: 300,
        }),
    };
    let none = DetectorRecord::default();
    let target = "checkpoint";
    let ae = |detector| checkpoint_of::<AeDigits>(PresetId::AeDigits, ae, 3, detector);
    let vae = checkpoint_of::<VaeDigits>(PresetId::VaeDigits, vae, 5, &detector);
    vec![
        seed(target, "ae-digits-adam", selected(REPAIR, &ae(&none))),
        seed(
            target,
            "ae-digits-version-3",
            selected(AS_IS, &as_version_3(ae(&none))),
        ),
        seed(target, "vae-digits-sgd-detector", selected(REPAIR, &vae)),
    ]
}

/// `bytes`, a checkpoint of the current version with an empty detector record, as version 3
/// wrote it: the same body without the record, and the CRC of that.
fn as_version_3(bytes: Vec<u8>) -> Vec<u8> {
    let record = postcard::to_stdvec(&DetectorRecord::default()).unwrap();
    let body = &bytes[..bytes.len() - 4];
    let mut old = body.strip_suffix(&record[..]).unwrap().to_vec();
    old[8..10].copy_from_slice(&VERSION_WITHOUT_DETECTOR.to_le_bytes());
    let crc = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(&old);
    old.extend(crc.to_le_bytes());
    old
}

/// The first `count` images or labels of a shipped MNIST file, as an IDX file of `count`.
fn mnist_head(file: &str, count: u32) -> Vec<u8> {
    let path = default_data_dir().join("mnist").join(file);
    let mut reader = MultiGzDecoder::new(std::fs::File::open(path).unwrap());
    let mut header = [0u8; 4];
    reader.read_exact(&mut header).unwrap();
    let dims = usize::from(header[3]);
    let mut sizes = vec![0u8; 4 * dims];
    reader.read_exact(&mut sizes).unwrap();
    sizes[..4].copy_from_slice(&count.to_be_bytes());
    let per_item: usize = sizes[4..]
        .chunks_exact(4)
        .map(|d| u32::from_be_bytes(d.try_into().unwrap()) as usize)
        .product();
    let mut values = vec![0u8; per_item * count as usize];
    reader.read_exact(&mut values).unwrap();
    [&header[..], &sizes, &values].concat()
}

/// An IDX file of `magic`, `dims` and `values`.
fn idx(magic: u32, dims: &[u32], values: &[u8]) -> Vec<u8> {
    let header: Vec<u8> = std::iter::once(magic)
        .chain(dims.iter().copied())
        .flat_map(u32::to_be_bytes)
        .collect();
    [&header[..], values].concat()
}

fn idx_seeds() -> Vec<Seed> {
    let images = |n| mnist_head("t10k-images-idx3-ubyte.gz", n);
    let labels = |n| mnist_head("t10k-labels-idx1-ubyte.gz", n);
    let small: Vec<u8> = (0..4 * 6).map(|i| (i * 11) as u8).collect();
    let target = "idx_pair";
    vec![
        seed(target, "mnist-3", pair(&images(3), &labels(3))),
        seed(
            target,
            "mnist-2-gzip",
            pair(&gzip(&images(2)), &gzip(&labels(2))),
        ),
        seed(
            target,
            "four-2x3",
            pair(
                &idx(0x803, &[4, 3, 2], &small),
                &idx(0x801, &[4], &[0, 9, 61, 3]),
            ),
        ),
    ]
}

fn digits_seeds() -> Vec<Seed> {
    let ten = digits_lines(10);
    let spaced = format!(
        "\n{}\r\n\n",
        digits_lines(5).replace(',', " , ").replace('\n', "\r\n")
    );
    let target = "digits_csv";
    vec![
        seed(target, "ten-lines", ten.clone().into_bytes()),
        seed(target, "ten-lines-gzip", gzip(ten.as_bytes())),
        seed(target, "five-lines-spaced", spaced.into_bytes()),
    ]
}

fn table_seeds() -> Vec<Seed> {
    let target = "table";
    let named = "a,b,label,c\n0.5,-1e-3,2,7\n1,2.25,7,-8\n\n3e2,4,0,0.125\n";
    let tabs = "1\t2\t3\n4.5\t5\t-6\n";
    let last = "x,y,class\n0,1,9\n1,0,255\n";
    let numbered = "1,2,3,4\n5,6,7,8\n";
    let plain = "0.1,0.2\n0.3,0.4\n0.5,0.6\n";
    // Layout bytes of `framing::table_layout`.
    let (name, tab, last_column) = (0b110, 0b1, 0b10);
    let third_column = (3 << 3) | 0b100;
    vec![
        seed(target, "named-label", selected(name, named.as_bytes())),
        seed(target, "tabs", selected(tab, tabs.as_bytes())),
        seed(target, "last-label", selected(last_column, last.as_bytes())),
        seed(
            target,
            "third-column",
            selected(third_column, numbered.as_bytes()),
        ),
        seed(target, "plain-gzip", selected(0, &gzip(plain.as_bytes()))),
    ]
}

/// A `.npy` file of format `major`.0 holding `descr`, `shape` and `data`, its header padded as
/// NumPy pads it.
fn npy(major: u8, descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
    let prefix = if major == 1 { 10 } else { 12 };
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
        if fortran { "True" } else { "False" }
    );
    while (prefix + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY".to_vec();
    bytes.extend([major, 0]);
    if major == 1 {
        bytes.extend(u16::try_from(header.len()).unwrap().to_le_bytes());
    } else {
        bytes.extend(u32::try_from(header.len()).unwrap().to_le_bytes());
    }
    bytes.extend(header.bytes());
    bytes.extend(data);
    bytes
}

fn npy_seeds() -> Vec<Seed> {
    let f4: Vec<u8> = (0..12)
        .flat_map(|i| (i as f32 * 0.5).to_le_bytes())
        .collect();
    let f8: Vec<u8> = [1.0f64, 4., 2., 5., 3., 6.]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let i8_labels: Vec<u8> = [3i64, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    let images: Vec<u8> = (0..12).map(|i| i * 20).collect();
    let target = "npy";
    vec![
        seed(
            target,
            "f4-vectors-u1-labels",
            pair(
                &npy(1, "<f4", false, "(3, 4)", &f4),
                &npy(1, "|u1", false, "(3,)", &[0, 7, 255]),
            ),
        ),
        seed(
            target,
            "u1-images",
            pair(&npy(1, "|u1", false, "(2, 2, 3)", &images), &[]),
        ),
        seed(
            target,
            "f8-fortran-i8-labels",
            pair(
                &npy(1, ">f8", true, "(2, 3)", &f8),
                &npy(1, "<i8", false, "(2,)", &i8_labels),
            ),
        ),
        seed(
            target,
            "v2-i2",
            pair(
                &npy(2, "<i2", false, "(1, 3)", &[1, 0, 0xff, 0xff, 0, 1]),
                &[],
            ),
        ),
    ]
}

/// Every seed, as the generator writes it.
fn seeds() -> Vec<Seed> {
    [
        weight_seeds(),
        checkpoint_seeds(),
        idx_seeds(),
        digits_seeds(),
        table_seeds(),
        npy_seeds(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What a seed of `weights_blob` is: format version, kind, scalars and whether it carries a
/// transform.
type BlobKind = (u16, ModelKind, usize, bool);

/// Reads a seed of `weights_blob` as the target does; the blob's kind if a digits preset loads
/// it.
fn accept_blob(input: &[u8]) -> Result<BlobKind, String> {
    let (&selector, blob) = input.split_first().ok_or("empty")?;
    let mut blob = blob.to_vec();
    if framing::repairs_crc(selector) {
        framing::repair_weights_crc(&mut blob);
    }
    let info = weights::inspect(&blob).map_err(|e| format!("inspect: {e:?}"))?;
    let convolutional = info.architecture.iter().any(|layer| layer.conv.is_some());
    let transform = match info.kind {
        ModelKind::Vae => weights::load(&blob, &mut *bytemuck::zeroed_box::<VaeDigits>()),
        _ if convolutional => weights::load(&blob, &mut *bytemuck::zeroed_box::<ConvAeDigits>()),
        _ => weights::load(&blob, &mut *bytemuck::zeroed_box::<AeDigits>()),
    }
    .map_err(|e| format!("load: {e:?}"))?;
    Ok((info.version, info.kind, info.scalars, transform.is_some()))
}

/// Reads a seed of `checkpoint` as the target does; its preset if it resumes as one.
fn accept_checkpoint(input: &[u8]) -> Result<String, String> {
    let (&selector, bytes) = input.split_first().ok_or("empty")?;
    let mut bytes = bytes.to_vec();
    if framing::repairs_crc(selector) {
        framing::repair_checkpoint_crc(&mut bytes);
    }
    let checkpoint = Checkpoint::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let preset = checkpoint.preset().to_string();
    let resumed = match preset.as_str() {
        "vae-digits" => checkpoint.into_trainer::<VaeDigits>(&preset).map(drop),
        "ae-digits" => checkpoint.into_trainer::<AeDigits>(&preset).map(drop),
        other => return Err(format!("a checkpoint of {other}, not a digits preset")),
    };
    resumed.map_err(|e| e.to_string())?;
    Ok(preset)
}

/// Reads a seed of `target` as the target does, and says why it is refused, if it is.
fn accept(target: &str, input: &[u8]) -> Result<(), String> {
    let error = |e: tinyvae_host::data::DataError| e.to_string();
    match target {
        "weights_blob" => accept_blob(input).map(drop),
        "checkpoint" => accept_checkpoint(input).map(drop),
        "idx_pair" => {
            let (images, labels) = framing::split_pair(input);
            let path = Path::new("seed");
            read_idx_pair(images, path, labels, path, "seed")
                .map(drop)
                .map_err(error)
        }
        "digits_csv" => read_digits(input, Path::new("seed"))
            .map(drop)
            .map_err(error),
        "table" => {
            let (&layout, text) = input.split_first().ok_or("empty")?;
            let layout = framing::table_layout(layout);
            let data = read_table(text, Path::new("seed"), &layout, "seed").map_err(error)?;
            if data.labels().is_some() != layout.labels.is_some() {
                return Err("labels without a label column, or none with one".into());
            }
            Ok(())
        }
        "npy" => {
            let (values, labels) = framing::split_pair(input);
            let labels = (!labels.is_empty()).then(|| (Cursor::new(labels), Path::new("y")));
            read_npy(Cursor::new(values), Path::new("x"), labels, "seed")
                .map(drop)
                .map_err(error)
        }
        other => Err(format!("no target {other}")),
    }
}

/// The committed seeds of `target`: file name and bytes, by name.
fn committed(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus().join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn committed_seeds_are_accepted_by_their_targets() {
    let mut total = 0;
    for target in TARGETS {
        let files = committed(target);
        assert!(files.len() >= 2, "{target}: {} seeds", files.len());
        for (name, bytes) in &files {
            total += bytes.len();
            if let Err(why) = accept(target, bytes) {
                panic!("fuzz/corpus/{target}/{name} is refused: {why}");
            }
        }
    }
    // Small enough to keep in the repository and to run over in CI.
    assert!(total < 300_000, "{total} bytes of seeds");
}

#[test]
fn committed_seeds_cover_the_presets_and_the_versions() {
    let blobs: BTreeSet<(u16, u8, usize, bool)> = committed("weights_blob")
        .iter()
        .map(|(_, bytes)| accept_blob(bytes).unwrap())
        .map(|(version, kind, scalars, transform)| (version, kind.code(), scalars, transform))
        .collect();
    for scalars in [VaeDigits::SCALARS, AeDigits::SCALARS] {
        for transform in [false, true] {
            assert!(
                blobs.iter().any(|b| (b.2, b.3) == (scalars, transform)),
                "no blob of {scalars} weights with transform {transform}: {blobs:?}"
            );
        }
    }
    let versions: BTreeSet<u16> = blobs.iter().map(|b| b.0).collect();
    let every_version = [
        weights::FORMAT_VERSION_PAYLOAD_CRC,
        weights::FORMAT_VERSION_WITH_TRANSFORM,
        weights::FORMAT_VERSION,
        weights::FORMAT_VERSION_CONV,
    ];
    assert_eq!(versions, BTreeSet::from(every_version));
    let checkpoints = committed("checkpoint");
    let presets: BTreeSet<String> = checkpoints
        .iter()
        .map(|(_, bytes)| accept_checkpoint(bytes).unwrap())
        .collect();
    assert_eq!(
        presets,
        BTreeSet::from(["ae-digits".to_string(), "vae-digits".to_string()])
    );
    // The version after the selector byte and the magic; a detector in one of them.
    let versions: BTreeSet<u16> = checkpoints
        .iter()
        .map(|(_, bytes)| u16::from_le_bytes([bytes[9], bytes[10]]))
        .collect();
    assert_eq!(
        versions,
        BTreeSet::from([VERSION_WITHOUT_DETECTOR, VERSION])
    );
    assert!(checkpoints.iter().any(|(_, bytes)| {
        let checkpoint = Checkpoint::from_bytes(&bytes[1..]).unwrap();
        checkpoint.detector().threshold.is_some()
    }));
}

#[test]
fn repairing_the_crc_of_an_intact_seed_changes_nothing() {
    // The targets' CRC rules are those the formats write, in every version.
    for (name, bytes) in committed("weights_blob") {
        let mut blob = bytes[1..].to_vec();
        framing::repair_weights_crc(&mut blob);
        assert_eq!(blob, bytes[1..], "weights_blob/{name}");
    }
    for (name, bytes) in committed("checkpoint") {
        let mut checkpoint = bytes[1..].to_vec();
        framing::repair_checkpoint_crc(&mut checkpoint);
        assert_eq!(checkpoint, bytes[1..], "checkpoint/{name}");
    }
}

#[test]
fn every_generated_seed_is_committed_and_accepted() {
    for seed in seeds() {
        accept(seed.target, &seed.bytes)
            .unwrap_or_else(|why| panic!("{}/{} is refused: {why}", seed.target, seed.name));
        let path = corpus().join(seed.target).join(seed.name);
        assert!(
            path.is_file(),
            "{} is not committed: write the seeds again (see the top of this file)",
            path.display()
        );
    }
    // A digits line is 65 fields, as the loader wants.
    assert_eq!(digits_lines(1).trim().split(',').count(), DIGITS_FIELDS);
}

#[test]
#[ignore = "writes fuzz/corpus: run it to write the seeds again after a change of format"]
fn write_seeds() {
    for target in TARGETS {
        let dir = corpus().join(target);
        if dir.is_dir() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
    }
    for seed in seeds() {
        std::fs::write(corpus().join(seed.target).join(seed.name), &seed.bytes).unwrap();
    }
}
