//! Build script: the boards' memory layouts, the weight blob the firmware carries, the test
//! digits, and the host's reference figures for them.
//!
//! - Picks the board of the target (`src/board.rs`, included below) and copies its memory
//!   layout, `memory/<board>.x`, into `OUT_DIR/memory.x`, on the link search path, so the
//!   runtime's `link.x` finds it (the cortex-m-quickstart pattern); on a board's target only,
//!   passes `-Tlink.x` to the binaries (host builds and tests link normally). Writes every
//!   board's RAM and FLASH lengths into `budgets.rs`, so the layouts stay the single source of
//!   the budgets for the host simulation and the QEMU tests too, and exports the board
//!   (`TINYVAE_BOARD_INDEX`) and the RAM actually linked (`TINYVAE_RAM_REGION`).
//!   `TINYVAE_MEASUREMENT_BUILD=1` (set only for the memory matrix's measurement build) links
//!   `board::MEASUREMENT_RAM` bytes of RAM instead, so modes larger than the budget can run
//!   and be measured; the budget itself does not change. (`build/memory.rs`.)
//! - Writes `vae-digits-standardized.tvw`: the `vae-digits` weights with an input transform
//!   (a version-2 blob), the host's `--normalize standardize` fitted on the raw (0–16) pixels of
//!   the training digits and exported by the host's `weight_blob`.
//! - Writes `firmware-vae.tvw`, the `vae-digits` blob the firmware validates and runs:
//!   `data/device/vae-digits.tvw` itself, with `TINYVAE_BLOB=standardized` the blob above, or
//!   with `TINYVAE_BLOB=<variant>` one of the broken blobs of [`VARIANTS`] (each checked here to
//!   be rejected as intended).
//! - Writes `digits.rs`: the first [`TEST_DIGITS`] digits of the test split of
//!   `data/digits/digits.csv.gz`, read and split by the host's loader
//!   (`tinyvae_host::data::load_digits`), as raw 0–16 pixels.
//! - Writes into `digits.rs` also the normal digits of the detector's re-calibration, and into
//!   `reference.rs` the host's figures for the `ad-digits` detector (`build/detector.rs`) and
//!   for the `conv-ae-digits` convolutional autoencoder (`build/conv.rs`).
//! - Writes `reference.rs`: the figures the host computes for those digits and the fine-tuning
//!   runs, as f32 bit patterns, by running `src/workload.rs` (included below) on the host with
//!   the same blobs, inputs and seeds as the device; for the blob with a transform, the raw
//!   pixels go through the host's `InputTransform::apply` first.

use std::env;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use bytemuck::Zeroable;
use tinyvae_core::weights::{self, HEADER_LEN};
use tinyvae_host::data::{Dataset, InputTransform, Normalization, Split, load_digits};
use tinyvae_host::export::weight_blob;

#[allow(dead_code)]
#[path = "src/board.rs"]
mod board;
#[path = "build/conv.rs"]
mod conv;
#[allow(dead_code)]
#[path = "src/conv_workload.rs"]
mod conv_workload;
#[allow(dead_code)]
#[path = "src/detection.rs"]
mod detection;
#[path = "build/detector.rs"]
mod detector;
#[path = "build/memory.rs"]
mod memory;
#[allow(dead_code)]
#[path = "src/workload.rs"]
mod workload;

use workload::{
    AeDigits, FINETUNE_BATCH, NormalizedFigures, PIXELS, TEST_DIGITS, Trainable, Training,
    Trajectory, Update, VaeDigits, VaeFigures,
};

/// The valid blob with an input transform that `TINYVAE_BLOB` selects.
const STANDARDIZED: &str = "standardized";

/// The broken blobs `TINYVAE_BLOB` selects, with what `weights::view` must say about each.
const VARIANTS: &[(&str, &str)] = &[
    ("corrupt-byte", "one payload byte changed: CRC-32 mismatch"),
    ("truncated", "the last 64 bytes cut off: truncated"),
    (
        "wrong-model",
        "the ae-digits blob given as vae-digits: wrong model kind",
    ),
    (
        "nan-weight",
        "a weight set to NaN, CRC fixed up: non-finite weight",
    ),
];

type BoxError = Box<dyn Error>;

fn main() -> Result<(), BoxError> {
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let data = manifest.join("../data");
    for path in [
        "build.rs",
        "build/memory.rs",
        "src/board.rs",
        "src/workload.rs",
        "src/detection.rs",
        "build/detector.rs",
        "src/conv_workload.rs",
        "build/conv.rs",
        "../data/device/conv-ae-digits.tvw",
        "../data/device/vae-digits.tvw",
        "../data/device/ad-digits.tvw",
        "../data/device/ae-digits.tvw",
        "../data/digits/digits.csv.gz",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-env-changed=TINYVAE_BLOB");
    println!("cargo:rerun-if-env-changed=TINYVAE_MEASUREMENT_BUILD");

    memory::link(&out)?;

    let vae_blob = fs::read(data.join("device/vae-digits.tvw"))?;
    let ae_blob = fs::read(data.join("device/ae-digits.tvw"))?;
    let ad_blob = fs::read(data.join("device/ad-digits.tvw"))?;
    let conv_blob = fs::read(data.join("device/conv-ae-digits.tvw"))?;
    let csv = data.join("digits/digits.csv.gz");
    let split = load_digits(&csv)?;
    let transform = standardization(&split.train)?;
    let standardized_blob = weight_blob(&load_vae(&vae_blob)?, Some(&transform), None)?;
    fs::write(out.join("vae-digits-standardized.tvw"), &standardized_blob)?;

    let variant = env::var("TINYVAE_BLOB").unwrap_or_else(|_| "vae-digits".into());
    fs::write(
        out.join("firmware-vae.tvw"),
        firmware_blob(&variant, &vae_blob, &ae_blob, &standardized_blob)?,
    )?;
    println!("cargo:rustc-env=TINYVAE_BLOB_VARIANT={variant}");
    // The firmware compares a blob with a transform against the host's figures for it only in
    // a build for such a blob, so that the shipped build links neither that mode nor its table.
    println!("cargo::rustc-check-cfg=cfg(firmware_blob_transform)");
    if variant == STANDARDIZED {
        println!("cargo:rustc-cfg=firmware_blob_transform");
    }

    let digits = test_digits(&csv, &split)?;
    let normal = detector::normal_digits(&csv, &split)?;
    fs::write(
        out.join("digits.rs"),
        digits_source(&digits) + &detector::normal_digits_source(&normal),
    )?;
    let reference = reference_source(&vae_blob, &ae_blob, &digits.images, &transform)?
        + &detector::reference_source(&ad_blob, &digits.images, &digits.labels, &normal)?
        + &conv::reference_source(&conv_blob, &digits.images)?;
    fs::write(out.join("reference.rs"), reference)?;
    Ok(())
}

/// `--normalize standardize` fitted by the host on the raw pixels (0 to 16) of the training
/// digits: per pixel, x' = (x − mean) · 1/σ.
fn standardization(train: &Dataset) -> Result<InputTransform, BoxError> {
    // The loader gives v / 16, exact in f32: times 16 is the raw value back.
    let raw: Vec<f32> = train
        .images()
        .iter()
        .map(|v| v * workload::MAX_PIXEL)
        .collect();
    let raw = Dataset::from_parts("raw digits", train.shape(), raw, train.len(), None)?;
    InputTransform::fit(Normalization::Standardize, &raw)
        .ok_or_else(|| "standardization fitted no transform".into())
}

/// The blob the firmware validates for `variant`; broken variants are checked to fail.
fn firmware_blob(
    variant: &str,
    vae: &[u8],
    ae: &[u8],
    standardized: &[u8],
) -> Result<Vec<u8>, BoxError> {
    let mut blob = vae.to_vec();
    let payload = HEADER_LEN..blob.len();
    let expected = match variant {
        "vae-digits" => {
            load_vae(&blob)?;
            return Ok(blob);
        }
        STANDARDIZED => {
            let mut model = VaeDigits::zeroed();
            if weights::load(standardized, &mut model)?.is_none() {
                return Err("the standardized blob has no input transform".into());
            }
            return Ok(standardized.to_vec());
        }
        "corrupt-byte" => {
            // A low mantissa bit of a weight in the middle: a plausible value, wrong CRC.
            blob[payload.start + payload.len() / 2] ^= 0x01;
            "ChecksumMismatch"
        }
        "truncated" => {
            blob.truncate(blob.len() - 64);
            "Truncated"
        }
        "wrong-model" => {
            blob = ae.to_vec();
            "WrongModel"
        }
        "nan-weight" => {
            // The same weights as the host exports them today (format version 3), whose CRC is
            // `crc_of_blob`'s: the shipped blob is version 1, whose CRC covers the payload only.
            blob = weight_blob(&load_vae(vae)?, None, None)?;
            let at = payload.start + 4 * 100;
            blob[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
            let crc = weights::crc_of_blob(&blob);
            blob[HEADER_LEN - 4..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
            "NonFinite"
        }
        other => {
            let names: Vec<_> = VARIANTS.iter().map(|(n, d)| format!("{n} ({d})")).collect();
            return Err(format!(
                "TINYVAE_BLOB={other}: unknown; use vae-digits (the default), {STANDARDIZED} \
                 (with an input transform) or one of: {}",
                names.join(", ")
            )
            .into());
        }
    };
    match load_vae(&blob) {
        Err(e) if format!("{e:?}").starts_with(expected) => Ok(blob),
        other => Err(format!("TINYVAE_BLOB={variant}: expected {expected}, got {other:?}").into()),
    }
}

/// The model in `blob`, loaded on the host.
fn load_vae(blob: &[u8]) -> Result<VaeDigits, tinyvae_core::Error> {
    let mut model = VaeDigits::zeroed();
    weights::load(blob, &mut model)?;
    Ok(model)
}

/// The first test digits and where they come from.
struct TestDigits {
    images: Vec<[u8; PIXELS]>,
    labels: Vec<u8>,
    first_row: usize,
    rows: usize,
}

/// Keeps the first [`TEST_DIGITS`] of the test split the host's loader made of `path`, as the
/// raw 0–16 pixels the firmware carries.
fn test_digits(path: &Path, split: &Split) -> Result<TestDigits, BoxError> {
    let Split { train, test } = split;
    test.ensure_pixels_per_image(PIXELS)?;
    if test.len() < TEST_DIGITS {
        return Err(format!(
            "{}: test split of {} digits, shorter than TEST_DIGITS",
            path.display(),
            test.len()
        )
        .into());
    }
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for (index, (image, label)) in test.iter().take(TEST_DIGITS).enumerate() {
        // The loader gives v / 16 for a raw v in 0..=16, exact in f32: v is the product back.
        let raw: [u8; PIXELS] = std::array::from_fn(|i| (image[i] * workload::MAX_PIXEL) as u8);
        // The firmware turns the bytes into inputs with `workload::pixels`: they must be the
        // loader's values, bit for bit.
        let inputs = workload::pixels(&raw);
        if inputs
            .iter()
            .map(|v| v.to_bits())
            .ne(image.iter().map(|v| v.to_bits()))
        {
            return Err(format!(
                "{}: test digit {index}: pixels are not raw values / 16",
                path.display()
            )
            .into());
        }
        images.push(raw);
        labels.push(label.ok_or_else(|| format!("{}: the digits have no labels", path.display()))?);
    }
    Ok(TestDigits {
        images,
        labels,
        first_row: train.len(),
        rows: train.len() + test.len(),
    })
}

/// `digits.rs`: the digit table as Rust statics.
fn digits_source(digits: &TestDigits) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "/// Rows {}..{} (0-based) of data/digits/digits.csv.gz ({} rows): the first {} digits of \
         the test split, pixels 0 to 16, row-major.",
        digits.first_row,
        digits.first_row + TEST_DIGITS,
        digits.rows,
        TEST_DIGITS
    );
    let _ = writeln!(
        s,
        "pub static TEST_DIGITS: [[u8; {PIXELS}]; {TEST_DIGITS}] = ["
    );
    for image in &digits.images {
        let _ = writeln!(s, "    {image:?},");
    }
    let _ = writeln!(s, "];");
    let _ = writeln!(s, "/// The labels of [`TEST_DIGITS`].");
    let _ = writeln!(
        s,
        "pub static TEST_LABELS: [u8; {TEST_DIGITS}] = {:?};",
        digits.labels
    );
    let _ = writeln!(
        s,
        "/// Index of the first test row in the CSV (the host's train/test split)."
    );
    let _ = writeln!(s, "pub const FIRST_TEST_ROW: usize = {};", digits.first_row);
    s
}

/// `reference.rs`: the host's figures, as f32 bit patterns.
fn reference_source(
    vae_blob: &[u8],
    ae_blob: &[u8],
    digits: &[[u8; PIXELS]],
    transform: &InputTransform,
) -> Result<String, BoxError> {
    let vae = load_vae(vae_blob)?;
    let mut ae = AeDigits::zeroed();
    weights::load(ae_blob, &mut ae)?;

    let mut s = String::new();
    let mut workspace = vec![0.0f32; VaeDigits::WORKSPACE_FLOATS];
    let mut rng = tinyvae_core::seeded_rng(workload::ELBO_SEED);
    let mut bits = Vec::new();
    for raw in digits {
        let figures =
            workload::vae_figures(&vae, &workload::pixels(raw), &mut rng, &mut workspace)?;
        bits.extend(figures.values().map(f32::to_bits));
    }
    assert_eq!(bits.len(), TEST_DIGITS * VaeFigures::VALUES);
    s += &bits_source(
        "VAE_INFERENCE",
        "`workload::VaeFigures::values` of each test digit in turn, computed on the host.",
        &bits,
    );

    let mut bits = Vec::new();
    for raw in digits {
        let mut input = workload::raw_pixels(raw);
        transform.apply(&mut input)?;
        let figures = workload::vae_normalized_figures(&vae, &input, &mut workspace)?;
        bits.extend(figures.values().map(f32::to_bits));
    }
    assert_eq!(bits.len(), TEST_DIGITS * NormalizedFigures::VALUES);
    s += &bits_source(
        "VAE_STANDARDIZED_INFERENCE",
        "`workload::NormalizedFigures::values` of each raw test digit in turn through the \
         host's standardization (`vae-digits-standardized.tvw`), computed on the host.",
        &bits,
    );

    let data = workload::finetune_batch(digits);
    let runs = [
        ("VAE_SGD", trajectory(&vae, workload::SGD, &data)?),
        ("VAE_ADAM", trajectory(&vae, workload::ADAM, &data)?),
        ("AE_SGD", trajectory(&ae, workload::SGD, &data)?),
        ("AE_ADAM", trajectory(&ae, workload::ADAM, &data)?),
    ];
    for (name, t) in runs {
        s += &trajectory_source(name, &format!("The host's fine-tuning run `{name}`."), &t);
    }
    Ok(s)
}

/// The f32 bit patterns `bits` as the static `name` of `reference.rs`, documented `doc`.
fn bits_source(name: &str, doc: &str, bits: &[u32]) -> String {
    format!(
        "/// {doc}\npub static {name}: [u32; {}] = {};\n",
        bits.len(),
        hex(bits)
    )
}

/// The host's fine-tuning run `t` as the static `name` of `reference.rs`, documented `doc`.
fn trajectory_source(name: &str, doc: &str, t: &Trajectory) -> String {
    let evaluations: Vec<u32> = t.evaluations.iter().map(|v| v.to_bits()).collect();
    let steps: Vec<u32> = t.step_losses.iter().map(|v| v.to_bits()).collect();
    format!(
        "/// {doc}\npub static {name}: TrajectoryBits = TrajectoryBits {{ evaluations: {}, \
         step_losses: {}, fingerprint: {:#010x} }};\n",
        hex(&evaluations),
        hex(&steps),
        t.fingerprint
    )
}

/// A fine-tuning run of `model` on the host, in the same buffers the device uses.
fn trajectory<M: Trainable, U: Update<M>>(
    model: &M,
    update: U,
    data: &[f32],
) -> Result<Trajectory, BoxError> {
    let mut params = *model;
    let mut grads = M::zeroed();
    let mut state = U::State::zeroed();
    let mut workspace = vec![0.0f32; M::WORKSPACE * FINETUNE_BATCH];
    let mut training = Training {
        params: &mut params,
        grads: &mut grads,
        state: &mut state,
        workspace: &mut workspace,
        update,
    };
    let t = training.run(data, FINETUNE_BATCH)?;
    // The device asserts this too: fine-tuning must lower the loss.
    if t.evaluations[workload::EVALUATIONS - 1] >= t.evaluations[0] {
        return Err(format!(
            "{} {}: fine-tuning does not lower the loss on the host: {:?}",
            M::PRESET,
            U::NAME,
            t.evaluations
        )
        .into());
    }
    Ok(t)
}

/// `[0x...., ...]`.
fn hex(values: &[u32]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:#010x}")).collect();
    format!("[{}]", items.join(", "))
}
