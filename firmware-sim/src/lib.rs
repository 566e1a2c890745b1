//! Device-side logic of tinyvae: what runs on the microcontroller, written once and run
//! both as Cortex-M4 firmware under QEMU (`src/bin/firmware`) and as a memory-limited host
//! simulation (`tests/host_sim.rs`).
//!
//! `#![no_std]`, heap-free and target-agnostic: nothing here knows about Cortex-M, timers or
//! printing. The workload itself ([`workload`]: inference, ELBO and fine-tuning of the
//! `vae-digits` and `ae-digits` presets of `tinyvae-core`) is one source file that build.rs
//! also runs on the host, to write the reference figures
//! ([`reference`](mod@reference)) the device must reproduce bit for bit ([`agreement`]).
//! Entry points ([`device`]) take the weights, viewed in place in flash ([`blob`]), and
//! return a typed report ([`report`]) or a [`DeviceError`]; the binaries measure and print.
#![no_std]

pub mod agreement;
pub mod bench;
pub mod blob;
pub mod data;
pub mod device;
pub mod error;
pub mod micro;
pub mod reference;
pub mod report;
pub mod workload;

pub use bench::TickCounter;
pub use error::DeviceError;
pub use report::{BenchReport, InferenceReport, TrainReport};

/// RAM budget in bytes, parsed from `memory.x` (`RAM` `LENGTH`) by build.rs.
pub const RAM_BUDGET: usize = parse_usize(env!("TINYVAE_RAM_BUDGET"));
/// Flash budget in bytes, parsed from `memory.x` (`FLASH` `LENGTH`) by build.rs.
pub const FLASH_BUDGET: usize = parse_usize(env!("TINYVAE_FLASH_BUDGET"));
/// RAM the firmware is linked with: [`RAM_BUDGET`], except in a measurement build
/// (`TINYVAE_MEASUREMENT_BUILD=1`, used by the memory matrix), which links more so that
/// modes over the budget can still run and be measured.
pub const RAM_REGION: usize = parse_usize(env!("TINYVAE_RAM_REGION"));
/// Whether this is a measurement build ([`RAM_REGION`] ≠ [`RAM_BUDGET`]).
pub const MEASUREMENT_BUILD: bool = RAM_REGION != RAM_BUDGET;

/// Parses a decimal number at compile time (build.rs writes plain decimal).
const fn parse_usize(s: &str) -> usize {
    let bytes = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii_digit(), "budget must be decimal");
        n = n * 10 + (bytes[i] - b'0') as usize;
        i += 1;
    }
    n
}
