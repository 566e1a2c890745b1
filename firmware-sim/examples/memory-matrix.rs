//! The memory matrix: each microcontroller-size preset (`vae-digits`, `ae-digits`) in each
//! mode (inference, fine-tuning with SGD, with Adam) and the `ad-digits` detector (scoring;
//! fine-tuning and re-calibration), with the detector's instructions per scored sample, measured on every board
//! (`firmware_sim::board::BOARDS`), against RAM budgets of 16, 32, 64 and 128 KiB and against
//! each board's own RAM.
//!
//! ```sh
//! cargo run -p firmware-sim --example memory-matrix
//! ```
//!
//! Builds the firmware of each board as a *measurement build* (`TINYVAE_MEASUREMENT_BUILD=1`:
//! the same code, linked with 256 KiB of RAM instead of the board's budget, so that modes over
//! the budget, such as Adam on `vae-digits`, can run too; the micro:bit's nRF51 is given that
//! much by QEMU's `-global nrf51-soc.sram-size`), runs it under QEMU, and reads the static RAM
//! (`.data` + `.bss`, from the linker symbols) and each mode's stack high-water mark (painted
//! stack; every buffer of a mode is a local, so this is all the RAM it uses). A mode's RAM is
//! static + max(its stack, the stack outside the modes); it fits a budget if that is no
//! larger. Prints the firmware's output with `--verbose`.

// A command-line tool: failing loudly is the point.
#![allow(clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;

use firmware_sim::board::BOARDS;
use support::{BoardColumn, Build, matrix_markdown, num, runner, thousands};

fn main() -> ExitCode {
    let verbose = std::env::args().any(|a| a == "--verbose");
    let mut columns = Vec::new();
    let mut flash = Vec::new();
    let mut scoring = Vec::new();
    for board in &BOARDS {
        let runner = runner(board);
        if let Some(reason) = support::missing_prerequisite(board, &runner) {
            eprintln!(
                "memory-matrix: cannot run QEMU for {}: {reason}",
                board.name
            );
            return ExitCode::FAILURE;
        }
        let run = Build::measurement(board).run(&runner);
        if verbose {
            eprint!("{}{}", run.stdout, run.stderr);
        }
        let m = run.values();
        if run.code != Some(0) || m.get("result").map(String::as_str) != Some("ok") {
            eprint!("{}{}", run.stdout, run.stderr);
            eprintln!(
                "memory-matrix: the measurement firmware of {} failed",
                board.name
            );
            return ExitCode::FAILURE;
        }
        flash.push(num::<usize>(&m, "flash_bytes"));
        scoring.push(num::<f64>(&m, "ad-digits.detect.insns_per_sample"));
        columns.push(BoardColumn::new(board, &m));
    }
    println!(
        "Measured under QEMU, each board's firmware built by this command with \
         TINYVAE_MEASUREMENT_BUILD=1.\nRAM used = static + max(mode stack, stack outside the \
         modes); the 16 to 128 KiB columns judge the largest of the boards.\n"
    );
    for c in &columns {
        println!(
            "- {} ({}, {} KiB of RAM): static {} bytes, {} bytes of stack outside the modes",
            c.board.name,
            c.board.core,
            c.ram_budget / 1024,
            c.static_bytes,
            thousands(c.outside_bytes)
        );
    }
    println!();
    print!("{}", matrix_markdown(&columns));
    println!("\nFlash (the weights stay there), whole firmware:");
    for (c, bytes) in columns.iter().zip(flash) {
        println!("- {}: {} bytes", c.board.name, thousands(bytes));
    }
    println!("\nInstructions per scored sample (ad-digits: reconstruction, score, decision):");
    for (c, insns) in columns.iter().zip(scoring) {
        println!("- {}: {}", c.board.name, thousands(insns.round() as usize));
    }
    ExitCode::SUCCESS
}
