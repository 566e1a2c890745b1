//! Device-side logic of tinyvae: what runs on the microcontroller, written once and run
//! both as Cortex-M4 firmware under QEMU (`src/bin/firmware`) and as a memory-limited host
//! simulation (`tests/host_sim.rs`).
//!
//! `#![no_std]`, heap-free and target-agnostic: nothing here knows about Cortex-M, timers or
//! printing. Entry points live in [`device`]; each takes the weight blob as bytes (as it
//! sits in flash) and returns a typed report ([`report`]) or a [`DeviceError`]. The
//! binaries measure and print.
//!
//! In this phase the workload is a dense-layer dot-product kernel ([`kernel`]); the model
//! from `tinyvae-core` will land as further `device::...` functions of the same shape.
#![no_std]

pub mod bench;
pub mod blob;
pub mod device;
pub mod kernel;
pub mod report;

pub use bench::TickCounter;
pub use report::{BenchReport, DenseReport, DeviceError};

/// RAM budget in bytes, parsed from `memory.x` (`RAM` `LENGTH`) by build.rs.
pub const RAM_BUDGET: usize = parse_usize(env!("TINYVAE_RAM_BUDGET"));
/// Flash budget in bytes, parsed from `memory.x` (`FLASH` `LENGTH`) by build.rs.
pub const FLASH_BUDGET: usize = parse_usize(env!("TINYVAE_FLASH_BUDGET"));

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
