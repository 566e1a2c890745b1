//! tinyvae firmware for the boards of [`firmware_sim::board`] under QEMU: runs the
//! [`firmware_sim::device`] workload, prints its results and the measured memory and
//! instruction figures over semihosting, and exits QEMU with success or failure.
//!
//! Build and run (the runner of each target in `.cargo/config.toml` starts QEMU):
//! `cargo run -p firmware-sim --bin firmware --features qemu --release --target <target>` with
//! `thumbv7em-none-eabihf` (mps2-an386), `thumbv6m-none-eabi` (microbit) or
//! `riscv32imac-unknown-none-elf` (riscv-virt).
//!
//! `TINYVAE_BLOB=corrupt-byte|truncated|wrong-model|nan-weight` at build time carries a broken
//! `vae-digits` blob instead, which the firmware must reject (see the README).
//!
//! Everything but the platform is shared: the run (`app.rs`) and its printed report
//! (`print.rs`), the memory figures (`mem.rs`), the counter's calibration (`calibration.rs`). A platform module
//! (`cortex_m.rs` for both Arm boards, `riscv.rs`) is the boundary and provides:
//! the entry point, which calls [`app::run_and_exit`]; the fault handler; `hprintln!` /
//! `heprintln!` to the host's stdout / stderr; [`platform::exit`]; the instruction counter
//! [`platform::Counter`]; [`platform::spin`], a loop of exactly 2 instructions per iteration;
//! [`platform::stack_pointer`]; [`platform::STACK_PAINT_VALUE`], what the free stack is painted
//! with.
//!
//! On any other target this binary is a stub, so `--all-features` host builds still work.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
mod app;
#[cfg(target_os = "none")]
mod calibration;
#[cfg(target_os = "none")]
mod conv;
#[cfg(target_os = "none")]
mod detect;
#[cfg(target_os = "none")]
mod mem;
#[cfg(all(target_arch = "arm", target_os = "none"))]
#[path = "cortex_m.rs"]
mod platform;
#[cfg(all(target_arch = "riscv32", target_os = "none"))]
#[path = "riscv.rs"]
mod platform;
#[cfg(target_os = "none")]
mod print;
#[cfg(all(target_arch = "arm", target_os = "none"))]
mod systick;
#[cfg(target_os = "none")]
mod train;

/// Host stub: the firmware only makes sense on a board.
#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!(
        "firmware: build with --features qemu --target thumbv7em-none-eabihf, \
         thumbv6m-none-eabi or riscv32imac-unknown-none-elf"
    );
    std::process::exit(2);
}
