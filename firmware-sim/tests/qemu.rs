//! Boots the firmware on QEMU (mps2-an386, Cortex-M4F) and checks what it prints.
//!
//! Builds `firmware` for `thumbv7em-none-eabihf` with an inner cargo (see `support`), then
//! runs it with the runner command from the workspace's `.cargo/config.toml` (the same one
//! `cargo run` uses) under a timeout:
//!
//! - the firmware as shipped: the `vae-digits` blob validated and used in place, inference,
//!   ELBO and fine-tuning agreeing bit for bit with the host, the loss going down, the RAM
//!   and instruction figures within the claims of the README;
//! - the `vae-digits` weights with an input transform (`TINYVAE_BLOB=standardized`): the raw
//!   digits normalized by the blob's transform and the model's figures, bit for bit as the
//!   host's;
//! - each broken blob (`TINYVAE_BLOB=corrupt-byte|truncated|wrong-model|nan-weight`): a
//!   clear error and a failing exit, never a fault or a panic;
//! - the measurement build of the memory matrix: every mode runs, Adam on `vae-digits`
//!   included, and the modes measure the same as in the shipped build.
//!
//! Without `qemu-system-arm` or the Rust target, the tests print a notice and pass, unless
//! `CI=true`, where they fail.

// A test reports failure by panicking: `expect` is the point here.
#![allow(clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::OnceLock;

use firmware_sim::workload::{NormalizedFigures, VAE_INFERENCE_MACS, VaeDigits};
use firmware_sim::{FLASH_BUDGET, RAM_BUDGET};
use support::{Build, Run, matrix, num, run_qemu, runner};
use tinyvae_core::weights::WeightBlob;

/// The README's claim: `vae-digits` inference in under 8 KiB of RAM (the weights stay in
/// flash).
const INFERENCE_RAM_TARGET: usize = 8 * 1024;
/// The README's claim: `vae-digits` fine-tuning with SGD inside 64 KiB.
const SGD_RAM_TARGET: usize = 64 * 1024;

/// The runner, or `None` (after a notice) when QEMU or the target is missing outside CI.
fn qemu_runner(test: &str) -> Option<Vec<String>> {
    let runner = runner();
    let Some(reason) = support::missing_prerequisite(&runner[0]) else {
        return Some(runner);
    };
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but cannot run the QEMU test: {reason}"
    );
    // Straight to stderr: the test harness would capture `eprintln!`.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
    None
}

/// Builds and runs `build`, printing the firmware's output (shown with `--nocapture` or on
/// failure).
fn build_and_run(runner: &[String], build: Build) -> Run {
    let elf = build.build();
    let run = run_qemu(runner, &elf);
    println!(
        "--- {build:?}: exit {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        run.code, run.stdout, run.stderr
    );
    run
}

/// The shipped firmware's run, shared by the tests that need it.
fn default_run(runner: &[String]) -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| build_and_run(runner, Build::DEFAULT))
}

/// Asserts the figures every successful run must show for a training mode that ran.
fn assert_trained(m: &BTreeMap<String, String>, preset: &str, mode: &str) {
    let key = |k: &str| format!("{preset}.{mode}.{k}");
    assert_eq!(
        m.get(&format!("{preset}.{mode}")).map(String::as_str),
        Some("ran")
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

#[test]
fn firmware_runs_the_vae_within_budget() {
    let Some(runner) = qemu_runner("firmware_runs_the_vae_within_budget") else {
        return;
    };
    let run = default_run(&runner);
    assert_eq!(run.code, Some(0), "firmware exited with failure");
    let m = run.values();
    assert_eq!(m["result"], "ok");
    assert_eq!(m["blob_variant"], "vae-digits");
    assert_eq!(m["measurement_build"], "0");

    // The blobs are validated and used in place from flash; the shipped one has no transform.
    assert_eq!(m["vae-digits.input_transform"], "none");
    assert!(!m.contains_key("vae-digits.normalized_inference.host_agreement"));
    for preset in ["vae-digits", "ae-digits"] {
        assert_eq!(m[&format!("{preset}.blob")], "valid");
        assert_eq!(m[&format!("{preset}.weights_in_flash")], "1");
    }
    let flash: usize = num(&m, "flash_bytes");
    let weights: usize = num(&m, "flash_weights_bytes");
    assert_eq!(weights, 17_840 + 8_672);
    assert!(flash > weights && flash <= FLASH_BUDGET);
    assert_eq!(num::<usize>(&m, "flash_budget"), FLASH_BUDGET);

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

    // Fine-tuning: SGD on both presets, Adam where it fits 64 KiB (ae-digits only).
    assert_trained(&m, "vae-digits", "sgd");
    assert_trained(&m, "ae-digits", "sgd");
    assert_trained(&m, "ae-digits", "adam");
    let vae_adam: usize = num(&m, "vae-digits.adam.buffer_bytes");
    assert!(vae_adam > RAM_BUDGET, "vae-digits Adam buffers: {vae_adam}");
    assert_eq!(m["vae-digits.adam"], "skipped");

    // RAM: the targets of the README, and the whole run within memory.x.
    let static_ram: usize = num(&m, "ram_static_bytes");
    let inference = static_ram + num::<usize>(&m, "vae-digits.inference.stack_bytes");
    assert!(
        inference < INFERENCE_RAM_TARGET,
        "vae-digits inference needs {inference} bytes of RAM"
    );
    let sgd = static_ram + num::<usize>(&m, "vae-digits.sgd.stack_bytes");
    assert!(
        sgd <= SGD_RAM_TARGET,
        "vae-digits SGD needs {sgd} bytes of RAM"
    );
    let peak: usize = num(&m, "stack_high_water_bytes");
    let used: usize = num(&m, "ram_used_bytes");
    assert_eq!(num::<usize>(&m, "ram_budget"), RAM_BUDGET);
    assert_eq!(used, static_ram + peak);
    assert!(used <= RAM_BUDGET);

    // Instructions: SysTick at 25 MHz under -icount shift=0 counts 40 instructions a tick.
    let per_tick: f64 = num(&m, "counter_insns_per_tick");
    assert!((per_tick - 40.0).abs() < 0.5, "calibration: {per_tick}");
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
    // A regression bound around the measured 4.72 (README), not the ≤ 4 target, which the
    // core's code does not reach on this core.
    assert!(
        (3.0..5.5).contains(&per_mac),
        "{per_mac} instructions per MAC"
    );
}

#[test]
fn the_blobs_input_transform_is_applied_bit_for_bit_as_the_host() {
    let Some(runner) = qemu_runner("the_blobs_input_transform_is_applied_bit_for_bit_as_the_host")
    else {
        return;
    };
    let run = build_and_run(
        &runner,
        Build {
            blob: "standardized",
            measurement: false,
        },
    );
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
    assert!(num::<usize>(&m, "ram_used_bytes") <= RAM_BUDGET);
}

#[test]
fn broken_blobs_are_rejected_with_a_clear_error() {
    let Some(runner) = qemu_runner("broken_blobs_are_rejected_with_a_clear_error") else {
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
        let run = build_and_run(
            &runner,
            Build {
                blob,
                measurement: false,
            },
        );
        let expected = format!("error: vae-digits weight blob rejected: {message}");
        assert_eq!(run.code, Some(1), "{blob}: exit code");
        assert!(
            run.stderr.contains(&expected),
            "{blob}: stderr lacks {expected:?}"
        );
        let m = run.values();
        assert_eq!(m["blob_variant"], blob);
        assert_eq!(m["result"], "error", "{blob}");
        for fault in ["hardfault", "panic"] {
            assert!(!run.stderr.contains(fault), "{blob}: {fault}");
        }
        assert!(
            !m.contains_key("vae-digits.blob"),
            "{blob}: the broken blob was accepted"
        );
    }
}

#[test]
fn measurement_build_runs_every_mode_like_the_shipped_build() {
    let Some(runner) = qemu_runner("measurement_build_runs_every_mode_like_the_shipped_build")
    else {
        return;
    };
    let run = build_and_run(&runner, Build::MEASUREMENT);
    assert_eq!(
        run.code,
        Some(0),
        "measurement firmware exited with failure"
    );
    let m = run.values();
    assert_eq!(m["result"], "ok");
    assert_eq!(m["measurement_build"], "1");
    assert_eq!(num::<usize>(&m, "ram_budget"), RAM_BUDGET);
    assert!(num::<usize>(&m, "ram_region_bytes") > RAM_BUDGET);
    assert_trained(&m, "vae-digits", "adam");
    assert_eq!(m["host_agreement"], "bitwise");

    // Same code, more RAM: every mode both builds run measures the same stack, up to the
    // frame of the caller (`run`), which the two builds compile slightly differently.
    let shipped = default_run(&runner).values();
    for (preset, mode, _) in support::MATRIX_ROWS {
        let key = format!("{preset}.{mode}.stack_bytes");
        if shipped.contains_key(&key) {
            let (a, b): (usize, usize) = (num(&m, &key), num(&shipped, &key));
            assert!(a.abs_diff(b) <= 64, "{key}: {a} vs {b}");
        }
    }

    // The matrix: the README's targets.
    let rows = matrix(&m);
    println!("{}", support::matrix_markdown(&rows));
    let row = |preset, mode| {
        rows.iter()
            .find(|r| r.preset == preset && r.mode == mode)
            .expect("matrix row")
    };
    assert!(row("vae-digits", "inference").fits(INFERENCE_RAM_TARGET));
    assert!(row("vae-digits", "sgd").fits(SGD_RAM_TARGET));
    assert!(!row("vae-digits", "adam").fits(RAM_BUDGET));
    assert!(row("vae-digits", "adam").fits(128 * 1024));
    for r in &rows {
        assert!(r.stack_bytes >= r.buffer_bytes.unwrap_or(0), "{r:?}");
    }
}
