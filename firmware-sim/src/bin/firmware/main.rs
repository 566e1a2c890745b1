//! tinyvae firmware for QEMU's `mps2-an386` board (Cortex-M4F): runs the
//! [`firmware_sim::device`] workload, prints its results and the measured memory and
//! instruction figures over semihosting, and exits QEMU with success or failure.
//!
//! Build and run (the runner in `.cargo/config.toml` starts QEMU):
//! `cargo run -p firmware-sim --bin firmware --features qemu --target thumbv7em-none-eabihf --release`
//!
//! `TINYVAE_BLOB=corrupt-byte|truncated|wrong-model|nan-weight` at build time carries a broken
//! `vae-digits` blob instead, which the firmware must reject (see the README).
//!
//! On any other target this binary is a stub, so `--all-features` host builds still work.
#![cfg_attr(all(target_arch = "arm", target_os = "none"), no_std, no_main)]

#[cfg(all(target_arch = "arm", target_os = "none"))]
mod app;
#[cfg(all(target_arch = "arm", target_os = "none"))]
mod mem;
#[cfg(all(target_arch = "arm", target_os = "none"))]
mod ticks;

/// Host stub: the firmware only makes sense on bare-metal Arm.
#[cfg(not(all(target_arch = "arm", target_os = "none")))]
fn main() {
    eprintln!("firmware: build with --target thumbv7em-none-eabihf --features qemu");
    std::process::exit(2);
}
