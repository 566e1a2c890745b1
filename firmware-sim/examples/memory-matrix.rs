//! The memory matrix: each microcontroller-size preset (`vae-digits`, `ae-digits`) in each
//! mode (inference, fine-tuning with SGD, with Adam) against RAM budgets of 16, 32, 64 and
//! 128 KiB, from measurements.
//!
//! ```sh
//! cargo run -p firmware-sim --example memory-matrix
//! ```
//!
//! Builds the firmware as a *measurement build* (`TINYVAE_MEASUREMENT_BUILD=1`: the same code,
//! linked with 256 KiB of the board's RAM instead of memory.x's budget, so that modes over
//! the budget, such as Adam on `vae-digits`, can run too), runs it under QEMU, and reads the
//! static RAM (`.data` + `.bss`, from the linker symbols) and each mode's stack high-water
//! mark (painted stack; every buffer of a mode is a local, so this is all the RAM it uses).
//! A mode's RAM is static + max(its stack, the stack outside the modes); it fits a budget if
//! that is no larger. Prints the firmware's output with `--verbose`.

// A command-line tool: failing loudly is the point.
#![allow(clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;

use support::{Build, matrix, matrix_markdown, num, run_qemu, runner};

fn main() -> ExitCode {
    let runner = runner();
    if let Some(reason) = support::missing_prerequisite(&runner[0]) {
        eprintln!("memory-matrix: cannot run QEMU: {reason}");
        return ExitCode::FAILURE;
    }
    let elf = Build::MEASUREMENT.build();
    let run = run_qemu(&runner, &elf);
    if std::env::args().any(|a| a == "--verbose") {
        eprint!("{}{}", run.stdout, run.stderr);
    }
    let m = run.values();
    if run.code != Some(0) || m.get("result").map(String::as_str) != Some("ok") {
        eprint!("{}{}", run.stdout, run.stderr);
        eprintln!("memory-matrix: the measurement firmware failed");
        return ExitCode::FAILURE;
    }
    let rows = matrix(&m);
    println!(
        "Measured under QEMU (mps2-an386, Cortex-M4F), firmware built by this command with \
         TINYVAE_MEASUREMENT_BUILD=1.\nRAM used = static ({} bytes) + max(mode stack, {} bytes \
         of stack outside the modes).\n",
        num::<usize>(&m, "ram_static_bytes"),
        num::<usize>(&m, "stack_outside_modes_bytes")
    );
    print!("{}", matrix_markdown(&rows));
    println!(
        "\nFlash (the weights stay there): vae-digits blob {} bytes, ae-digits blob {} bytes, \
         whole firmware {} bytes.",
        num::<usize>(&m, "vae-digits.blob_bytes"),
        num::<usize>(&m, "ae-digits.blob_bytes"),
        num::<usize>(&m, "flash_bytes")
    );
    ExitCode::SUCCESS
}
