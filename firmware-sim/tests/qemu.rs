//! Boots the firmware on each board of `firmware_sim::board::BOARDS` under QEMU (mps2-an386's
//! Cortex-M4F, the micro:bit's Cortex-M0, RISC-V `virt`'s RV32IMAC) and checks what it prints.
//!
//! Builds `firmware` for the board's target with an inner cargo (see `support`), then runs it
//! with the runner command of that target in the workspace's `.cargo/config.toml` (the same one
//! `cargo run` uses) under a timeout. On every board:
//!
//! - the firmware as shipped: the blobs validated and used in place, inference and ELBO (and
//!   the convolutional autoencoder's codes, reconstructions and losses) agreeing bit for bit
//!   with the host, fine-tuning where the board's RAM allows it (bit for
//!   bit, the loss going down) and a skip with its reason where it does not, the RAM and
//!   instruction figures within the claims of the README;
//! - each broken blob (`TINYVAE_BLOB=corrupt-byte|truncated|wrong-model|nan-weight`): a
//!   clear error and a failing exit, never a fault or a panic;
//! - the measurement build of the memory matrix: every mode runs, Adam on `vae-digits`
//!   included, bit for bit as the host, and the modes measure the same as in the shipped build;
//!   and every board prints the same figures as every other.
//!
//! On mps2-an386 also the `vae-digits` weights with an input transform
//! (`TINYVAE_BLOB=standardized`): the raw digits normalized by the blob's transform and the
//! model's figures, bit for bit as the host's.
//!
//! Without a board's QEMU or Rust target, its tests print a notice and pass, unless `CI=true`,
//! where they fail.

// A test reports failure by panicking: `expect` is the point here.
#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::sync::OnceLock;

use firmware_sim::blob::{AD_DIGITS, CONV_AE_DIGITS};
use firmware_sim::board::{BOARDS, Board, MICROBIT, MPS2_AN386, RISCV_VIRT};
use firmware_sim::conv_workload::{CONV_INFERENCE_MACS, ConvFigures};
use firmware_sim::workload::{NormalizedFigures, VAE_INFERENCE_MACS, VaeDigits};
use firmware_sim::{budget, conv_modes, detect, reference};
use support::{Build, Run, matrix, num};
use tinyvae_core::anomaly::Detector;
use tinyvae_core::weights::WeightBlob;

/// The README's claim: `vae-digits` inference in under 8 KiB of RAM (the weights stay in
/// flash), on every board.
const INFERENCE_RAM_TARGET: usize = 8 * 1024;
/// The README's claim: `vae-digits` fine-tuning with SGD inside 64 KiB.
const SGD_RAM_TARGET: usize = 64 * 1024;

/// What a board's shipped firmware must show beyond what every board shows.
struct Expected {
    board: &'static Board,
    /// Instructions a tick of its counter stands for.
    insns_per_tick: f64,
    /// Bounds around the measured instructions per MAC of a `vae-digits` inference (README):
    /// a regression check.
    insns_per_mac: Range<f64>,
    /// The fine-tuning modes that fit its RAM; the firmware skips the others.
    trains: &'static [(&'static str, &'static str)],
}

/// All but Adam on `vae-digits` fits 64 KiB.
const FITS_64_KIB: &[(&str, &str)] = &[
    ("vae-digits", "sgd"),
    ("ae-digits", "sgd"),
    ("ae-digits", "adam"),
];

/// SysTick at 25 MHz under `-icount shift=0`: 40 instructions a tick. The inference at 3.83
/// instructions per MAC (at most 4, the README's target).
const ON_MPS2_AN386: Expected = Expected {
    board: &MPS2_AN386,
    insns_per_tick: 40.0,
    insns_per_mac: 3.0..4.0,
    trains: FITS_64_KIB,
};

/// SysTick at 16 MHz: 62.5 instructions a tick. Soft float: about 225 instructions per MAC.
/// No fine-tuning fits 16 KiB.
const ON_MICROBIT: Expected = Expected {
    board: &MICROBIT,
    insns_per_tick: 62.5,
    insns_per_mac: 150.0..300.0,
    trains: &[],
};

/// `minstret` counts instructions. Soft float: about 123 instructions per MAC.
const ON_RISCV_VIRT: Expected = Expected {
    board: &RISCV_VIRT,
    insns_per_tick: 1.0,
    insns_per_mac: 80.0..170.0,
    trains: FITS_64_KIB,
};

/// The runner of `board`, or `None` (after a notice) when its QEMU or target is missing
/// outside CI.
fn qemu_runner(board: &Board, test: &str) -> Option<Vec<String>> {
    let runner = support::runner(board);
    let Some(reason) = support::missing_prerequisite(board, &runner) else {
        return Some(runner);
    };
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but cannot run the QEMU test {test}: {reason}"
    );
    // Straight to stderr: the test harness would capture `eprintln!`.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
    None
}

/// Builds and runs `build`, printing the firmware's output (shown with `--nocapture` or on
/// failure).
fn build_and_run(runner: &[String], build: Build) -> Run {
    let run = build.run(runner);
    println!(
        "--- {build:?}: exit {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        run.code, run.stdout, run.stderr
    );
    run
}

/// Index of `board` in [`BOARDS`].
fn index(board: &Board) -> usize {
    BOARDS
        .iter()
        .position(|b| b == board)
        .expect("a board of BOARDS")
}

/// The shipped firmware's run on `board`, shared by the tests that need it.
fn shipped_run(runner: &[String], board: &'static Board) -> &'static Run {
    static RUNS: [OnceLock<Run>; BOARDS.len()] = [const { OnceLock::new() }; BOARDS.len()];
    RUNS[index(board)].get_or_init(|| build_and_run(runner, Build::shipped(board)))
}

/// The measurement build's run on `board`, shared by the tests that need it.
fn measurement_run(runner: &[String], board: &'static Board) -> &'static Run {
    static RUNS: [OnceLock<Run>; BOARDS.len()] = [const { OnceLock::new() }; BOARDS.len()];
    RUNS[index(board)].get_or_init(|| build_and_run(runner, Build::measurement(board)))
}

/// Asserts the figures every successful run must show for a training mode that ran.
fn assert_trained(m: &BTreeMap<String, String>, preset: &str, mode: &str) {
    let key = |k: &str| format!("{preset}.{mode}.{k}");
    assert_eq!(
        m.get(&format!("{preset}.{mode}")).map(String::as_str),
        Some("ran"),
        "{preset} {mode}"
    );
    assert_eq!(m[&key("host_agreement")], "bitwise", "{preset} {mode}");
    let first: f64 = num(m, &key("loss_first"));
    let last: f64 = num(m, &key("loss_last"));
    assert!(last < first, "{preset} {mode}: loss {first} -> {last}");
    let steps: f64 = num(m, &key("insns_per_step"));
    assert!(
        steps > 10_000.0,
        "{preset} {mode}: {steps} instructions per step"
    );
}

/// Asserts that a training mode was skipped, saying why.
fn assert_skipped(m: &BTreeMap<String, String>, preset: &str, mode: &str, ram: usize) {
    let key = format!("{preset}.{mode}");
    assert_eq!(m[&key], "skipped", "{key}");
    let buffers: usize = num(m, &format!("{key}.buffer_bytes"));
    assert!(buffers > ram / 2, "{key}: {buffers} bytes of buffers");
    assert!(
        m[&format!("{key}.skip_reason")].contains("bytes of stack left"),
        "{key}"
    );
}

/// The decisions the host makes on the test digits: its scores (`score_samples`, run by
/// build.rs) against `detector`'s threshold, as the firmware prints them.
fn host_decisions(detector: &Detector) -> String {
    reference::AD_SCORES
        .iter()
        .map(|&bits| {
            if detector.flags(f32::from_bits(bits)) {
                '1'
            } else {
                '0'
            }
        })
        .collect()
}

/// The shipped firmware on `expected.board`: everything within its budget, bit for bit.
fn shipped_firmware(expected: &Expected, test: &str) {
    let board = expected.board;
    let Some(runner) = qemu_runner(board, test) else {
        return;
    };
    let budget = budget::of(board).expect("a board of BOARDS");
    let run = shipped_run(&runner, board);
    assert_eq!(run.code, Some(0), "firmware exited with failure");
    let m = run.values();
    assert_eq!(m["result"], "ok");
    assert_eq!(m["board"], board.name);
    assert_eq!(m["target"], board.target);
    assert_eq!(m["blob_variant"], "vae-digits");
    assert_eq!(m["measurement_build"], "0");

    // The blobs are validated and used in place from flash; the shipped one has no transform.
    assert_eq!(m["vae-digits.input_transform"], "none");
    assert!(!m.contains_key("vae-digits.normalized_inference.host_agreement"));
    for preset in ["vae-digits", "ae-digits", "conv-ae-digits"] {
        assert_eq!(m[&format!("{preset}.blob")], "valid");
        assert_eq!(m[&format!("{preset}.weights_in_flash")], "1");
    }
    let flash: usize = num(&m, "flash_bytes");
    let weights: usize = num(&m, "flash_weights_bytes");
    assert_eq!(weights, 17_840 + 8_672 + 19_156 + CONV_AE_DIGITS.len());
    assert!(flash > weights && flash <= budget.flash);
    assert_eq!(num::<usize>(&m, "flash_budget"), budget.flash);

    // Inference, reconstruction error and ELBO of every test digit, bit for bit as the host.
    assert_eq!(num::<usize>(&m, "vae-digits.inference.digits"), 16);
    assert_eq!(
        num::<usize>(&m, "vae-digits.inference.host_values"),
        16 * 72
    );
    assert_eq!(m["vae-digits.inference.host_agreement"], "bitwise");
    assert_eq!(m["host_agreement"], "bitwise");
    assert_eq!(num::<u32>(&m, "host_agreement_claimed_max_ulps"), 0);
    let elbo: f64 = num(&m, "vae-digits.inference.mean_negative_elbo");
    assert!((10.0..60.0).contains(&elbo), "−ELBO {elbo}");

    // Fine-tuning where it fits the board's RAM, a skip with its reason where it does not.
    for preset in ["vae-digits", "ae-digits"] {
        for mode in ["sgd", "adam"] {
            if expected.trains.contains(&(preset, mode)) {
                assert_trained(&m, preset, mode);
            } else {
                assert_skipped(&m, preset, mode, budget.ram);
            }
        }
    }
    let vae_adam: usize = num(&m, "vae-digits.adam.buffer_bytes");
    assert!(vae_adam > budget.ram, "vae-digits Adam buffers: {vae_adam}");

    // The detector: the threshold the blob carries, every score bit for bit with the host's
    // (score_samples), and so the host's decisions; re-calibration where the RAM allows.
    assert_eq!(m["ad-digits.blob"], "valid");
    assert_eq!(m["ad-digits.weights_in_flash"], "1");
    let (_, detector) = detect::view_ad(AD_DIGITS).expect("the shipped detector");
    assert_eq!(
        m["ad-digits.detector.threshold_bits"],
        format!("{:#010x}", detector.threshold.to_bits())
    );
    assert_eq!(m["ad-digits.detect.host_agreement"], "bitwise");
    assert_eq!(m["ad-digits.detect.decisions"], host_decisions(&detector));
    assert_eq!(
        m["ad-digits.detect.decisions"],
        m["ad-digits.detect.abnormal_labels"]
    );
    let per_sample: f64 = num(&m, "ad-digits.detect.insns_per_sample");
    assert!(
        per_sample > 4_608.0,
        "{per_sample} instructions per scored sample"
    );
    if budget.ram >= 64 * 1024 {
        assert_eq!(m["ad-digits.recalibrate"], "ran");
        assert_eq!(m["ad-digits.recalibrate.host_agreement"], "bitwise");
        assert_eq!(
            m["ad-digits.recalibrate.threshold_bits"],
            format!("{:#010x}", reference::AD_RECALIBRATED_THRESHOLD)
        );
        let first: f64 = num(&m, "ad-digits.recalibrate.loss_first");
        let last: f64 = num(&m, "ad-digits.recalibrate.loss_last");
        assert!(last < first, "ad-digits fine-tuning: {first} -> {last}");
    } else {
        assert_skipped(&m, "ad-digits", "recalibrate", budget.ram);
    }

    // The convolutional autoencoder: every code, reconstruction, error and loss bit for bit
    // as the host's direct loops; SGD through the convolutions' backward passes where it fits.
    let mode = "conv-ae-digits.inference";
    assert_eq!(
        num::<usize>(&m, &format!("{mode}.host_values")),
        16 * ConvFigures::VALUES
    );
    assert_eq!(m[&format!("{mode}.host_agreement")], "bitwise");
    assert_eq!(
        num::<usize>(&m, &format!("{mode}.macs")),
        CONV_INFERENCE_MACS
    );
    let stage_macs: usize = conv_modes::LAYERS
        .iter()
        .map(|stage| num::<usize>(&m, &format!("{mode}.{stage}.macs")))
        .sum();
    assert_eq!(stage_macs, CONV_INFERENCE_MACS);
    let per_mac: f64 = num(&m, &format!("{mode}.insns_per_mac"));
    let per_inference: f64 = num(&m, &format!("{mode}.insns"));
    assert!(
        (per_inference / CONV_INFERENCE_MACS as f64 - per_mac).abs() < 0.01,
        "{per_inference} instructions, {per_mac} per MAC"
    );
    let conv_inference =
        num::<usize>(&m, "ram_static_bytes") + num::<usize>(&m, &format!("{mode}.stack_bytes"));
    assert!(
        conv_inference < INFERENCE_RAM_TARGET,
        "conv-ae-digits inference needs {conv_inference} bytes of RAM"
    );
    if budget.ram >= 64 * 1024 {
        assert_trained(&m, "conv-ae-digits", "sgd");
    } else {
        assert_skipped(&m, "conv-ae-digits", "sgd", budget.ram);
    }

    // RAM: the targets of the README, and the whole run within the board's memory layout.
    let static_ram: usize = num(&m, "ram_static_bytes");
    let inference = static_ram + num::<usize>(&m, "vae-digits.inference.stack_bytes");
    assert!(
        inference < INFERENCE_RAM_TARGET,
        "vae-digits inference needs {inference} bytes of RAM"
    );
    if expected.trains.contains(&("vae-digits", "sgd")) {
        let sgd = static_ram + num::<usize>(&m, "vae-digits.sgd.stack_bytes");
        assert!(
            sgd <= SGD_RAM_TARGET,
            "vae-digits SGD needs {sgd} bytes of RAM"
        );
    }
    let peak: usize = num(&m, "stack_high_water_bytes");
    let used: usize = num(&m, "ram_used_bytes");
    assert_eq!(num::<usize>(&m, "ram_budget"), budget.ram);
    assert_eq!(num::<usize>(&m, "ram_region_bytes"), budget.ram);
    assert_eq!(used, static_ram + peak);
    assert!(used <= budget.ram);

    // Instructions: the counter's calibration, then the inference's instructions per MAC.
    let per_tick: f64 = num(&m, "counter_insns_per_tick");
    assert!(
        (per_tick - expected.insns_per_tick).abs() < 0.01 * expected.insns_per_tick,
        "calibration: {per_tick}"
    );
    assert_eq!(
        num::<usize>(&m, "vae-digits.inference.macs"),
        VAE_INFERENCE_MACS
    );
    let per_mac: f64 = num(&m, "vae-digits.inference.insns_per_mac");
    let per_inference: f64 = num(&m, "vae-digits.inference.insns");
    assert!(
        (per_inference / VAE_INFERENCE_MACS as f64 - per_mac).abs() < 0.01,
        "{per_inference} instructions, {per_mac} per MAC"
    );
    assert!(
        expected.insns_per_mac.contains(&per_mac),
        "{per_mac} instructions per MAC"
    );
}

#[test]
fn mps2_an386_runs_the_workload_within_budget() {
    shipped_firmware(&ON_MPS2_AN386, "mps2_an386_runs_the_workload_within_budget");
}

#[test]
fn microbit_runs_the_workload_within_budget() {
    shipped_firmware(&ON_MICROBIT, "microbit_runs_the_workload_within_budget");
}

#[test]
fn riscv_virt_runs_the_workload_within_budget() {
    shipped_firmware(&ON_RISCV_VIRT, "riscv_virt_runs_the_workload_within_budget");
}

#[test]
fn the_blobs_input_transform_is_applied_bit_for_bit_as_the_host() {
    let test = "the_blobs_input_transform_is_applied_bit_for_bit_as_the_host";
    let Some(runner) = qemu_runner(&MPS2_AN386, test) else {
        return;
    };
    let run = build_and_run(&runner, Build::with_blob(&MPS2_AN386, "standardized"));
    assert_eq!(run.code, Some(0), "firmware exited with failure");
    let m = run.values();
    assert_eq!(m["result"], "ok");
    assert_eq!(m["blob_variant"], "standardized");
    assert_eq!(m["vae-digits.blob"], "valid");
    assert_eq!(m["vae-digits.weights_in_flash"], "1");
    assert_eq!(
        num::<usize>(&m, "vae-digits.blob_bytes"),
        VaeDigits::BLOB_LEN_WITH_TRANSFORM
    );
    assert_eq!(m["vae-digits.input_transform"], "present");
    assert_eq!(num::<usize>(&m, "vae-digits.input_transform.features"), 64);
    assert_eq!(m["vae-digits.input_transform.clamp"], "0");

    // The raw digits through the blob's transform, then the model: every normalized input and
    // every figure of every digit, bit for bit as the host's.
    let key = |k: &str| format!("vae-digits.normalized_inference.{k}");
    assert_eq!(num::<usize>(&m, &key("digits")), 16);
    assert_eq!(
        num::<usize>(&m, &key("host_values")),
        16 * NormalizedFigures::VALUES
    );
    assert_eq!(m[&key("host_agreement")], "bitwise");
    assert_eq!(m["host_agreement"], "bitwise");
    // The plain inference mode gives way to it; the rest of the run is the shipped one.
    assert!(!m.contains_key("vae-digits.inference.host_agreement"));
    assert_trained(&m, "vae-digits", "sgd");
    assert_trained(&m, "ae-digits", "adam");

    // Its RAM: no more than the plain inference's; the transform stays in flash.
    let static_ram: usize = num(&m, "ram_static_bytes");
    let stack: usize = num(&m, &key("stack_bytes"));
    assert!(
        static_ram + stack < INFERENCE_RAM_TARGET,
        "normalized inference needs {stack} bytes of stack"
    );
    let per_feature: f64 = num(&m, &key("transform.insns_per_feature"));
    assert!(
        (1.0..40.0).contains(&per_feature),
        "{per_feature} instructions per feature"
    );
    let ram = budget::of(&MPS2_AN386).expect("a board").ram;
    assert!(num::<usize>(&m, "ram_used_bytes") <= ram);
}

/// Each broken blob on `board`: the core's error, exit 1, no fault, no panic.
fn broken_blobs_are_rejected(board: &'static Board, test: &str) {
    let Some(runner) = qemu_runner(board, test) else {
        return;
    };
    let variants = [
        ("corrupt-byte", "weight checksum mismatch: header says 0x"),
        ("truncated", "weight data is truncated"),
        (
            "wrong-model",
            "weights are for model kind 1, but model kind 4 is being loaded",
        ),
        ("nan-weight", "a value is NaN or infinite"),
    ];
    for (blob, message) in variants {
        let run = build_and_run(&runner, Build::with_blob(board, blob));
        let expected = format!("error: vae-digits weight blob rejected: {message}");
        assert_eq!(run.code, Some(1), "{blob}: exit code");
        assert!(
            run.stderr.contains(&expected),
            "{blob}: stderr lacks {expected:?}"
        );
        let m = run.values();
        assert_eq!(m["blob_variant"], blob);
        assert_eq!(m["board"], board.name);
        assert_eq!(m["result"], "error", "{blob}");
        // `fault` also catches the Arm boards' `hardfault`.
        for fault in ["fault", "panic"] {
            assert!(!run.stderr.contains(fault), "{blob}: {fault}");
        }
        assert!(
            !m.contains_key("vae-digits.blob"),
            "{blob}: the broken blob was accepted"
        );
    }
}

#[test]
fn broken_blobs_are_rejected_on_mps2_an386() {
    broken_blobs_are_rejected(&MPS2_AN386, "broken_blobs_are_rejected_on_mps2_an386");
}

#[test]
fn broken_blobs_are_rejected_on_microbit() {
    broken_blobs_are_rejected(&MICROBIT, "broken_blobs_are_rejected_on_microbit");
}

#[test]
fn broken_blobs_are_rejected_on_riscv_virt() {
    broken_blobs_are_rejected(&RISCV_VIRT, "broken_blobs_are_rejected_on_riscv_virt");
}

/// The measurement build on `board`: every mode runs, bit for bit as the host, measuring what
/// the shipped build measures; the matrix's claims.
fn measurement_build_runs_every_mode(board: &'static Board, test: &str) {
    let Some(runner) = qemu_runner(board, test) else {
        return;
    };
    let ram = budget::of(board).expect("a board of BOARDS").ram;
    let run = measurement_run(&runner, board);
    assert_eq!(
        run.code,
        Some(0),
        "measurement firmware exited with failure"
    );
    let m = run.values();
    assert_eq!(m["result"], "ok");
    assert_eq!(m["board"], board.name);
    assert_eq!(m["measurement_build"], "1");
    assert_eq!(num::<usize>(&m, "ram_budget"), ram);
    assert!(num::<usize>(&m, "ram_region_bytes") > ram);
    for preset in ["vae-digits", "ae-digits"] {
        for mode in ["sgd", "adam"] {
            assert_trained(&m, preset, mode);
        }
    }
    assert_eq!(m["ad-digits.recalibrate"], "ran");
    assert_trained(&m, "conv-ae-digits", "sgd");
    assert_eq!(m["host_agreement"], "bitwise");

    // More RAM, and the modes a board's RAM can never hold, which its shipped build leaves
    // out: every mode both builds run measures the same stack, up to the frame of the caller
    // (`run`), which the two builds compile slightly differently. Where the shipped build
    // leaves out all the training code (the micro:bit's), LLVM inlines the inference's
    // callees differently too, and the shipped build measures up to a few hundred bytes less.
    let shipped = shipped_run(&runner, board).values();
    let trains = shipped.values().any(|v| v == "ran");
    for (preset, mode, _) in support::MATRIX_ROWS {
        let key = format!("{preset}.{mode}.stack_bytes");
        if shipped.contains_key(&key) {
            let (a, b): (usize, usize) = (num(&m, &key), num(&shipped, &key));
            if trains {
                assert!(a.abs_diff(b) <= 64, "{key}: {a} vs {b}");
            } else {
                assert!(b <= a && a - b <= 512, "{key}: {a} vs {b}");
            }
        }
    }

    // The matrix: the README's targets.
    let rows = matrix(&m);
    let row = |preset, mode| {
        rows.iter()
            .find(|r| r.preset == preset && r.mode == mode)
            .expect("matrix row")
    };
    assert!(row("vae-digits", "inference").fits(INFERENCE_RAM_TARGET));
    assert!(row("vae-digits", "sgd").fits(SGD_RAM_TARGET));
    assert!(!row("vae-digits", "adam").fits(ram));
    assert!(row("vae-digits", "adam").fits(128 * 1024));
    for r in &rows {
        assert!(r.stack_bytes >= r.buffer_bytes.unwrap_or(0), "{r:?}");
    }
}

#[test]
fn measurement_build_runs_every_mode_on_mps2_an386() {
    measurement_build_runs_every_mode(
        &MPS2_AN386,
        "measurement_build_runs_every_mode_on_mps2_an386",
    );
}

#[test]
fn measurement_build_runs_every_mode_on_microbit() {
    measurement_build_runs_every_mode(&MICROBIT, "measurement_build_runs_every_mode_on_microbit");
}

#[test]
fn measurement_build_runs_every_mode_on_riscv_virt() {
    measurement_build_runs_every_mode(
        &RISCV_VIRT,
        "measurement_build_runs_every_mode_on_riscv_virt",
    );
}

/// The figures of a run that must not depend on the board: every loss, reconstruction error,
/// latent mean and final-weights fingerprint.
fn board_independent(m: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    const FIGURES: [&str; 7] = [
        ".loss",
        ".step_losses",
        ".weights_fingerprint",
        ".mean_squared_error",
        ".mean_negative_elbo",
        ".first_mean",
        "host_values_compared",
    ];
    m.iter()
        .filter(|(k, _)| FIGURES.iter().any(|f| k.ends_with(f)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn every_board_prints_the_same_figures() {
    let test = "every_board_prints_the_same_figures";
    let mut runs = Vec::new();
    for board in &BOARDS {
        let Some(runner) = qemu_runner(board, test) else {
            return;
        };
        runs.push((
            board.name,
            board_independent(&measurement_run(&runner, board).values()),
        ));
    }
    let (reference_board, reference) = &runs[0];
    // Every mode of both presets ran: 2 × (loss, step losses, fingerprint) × 2 optimizers,
    // the inferences' figures and the count of values compared with the host.
    assert!(reference.len() >= 17, "{reference:?}");
    for (board, figures) in &runs[1..] {
        assert_eq!(
            figures, reference,
            "{board} and {reference_board} print different figures"
        );
    }
}
