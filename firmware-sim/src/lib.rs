//! Device-side logic of tinyvae: what runs on the microcontroller, written once and run
//! both as firmware on three boards under QEMU ([`board`]: Cortex-M4F, Cortex-M0, RV32IMAC;
//! `src/bin/firmware`) and as a memory-limited host simulation (`tests/host_sim.rs`).
//!
//! `#![no_std]`, heap-free and target-agnostic: nothing here knows about a core, timers or
//! printing. The workload itself ([`workload`]: inference, ELBO and fine-tuning of the
//! `vae-digits` and `ae-digits` presets of `tinyvae-core`; the detector's in [`detection`],
//! the convolutional autoencoder's in [`conv_workload`]) is one source file that build.rs
//! also runs on the host, to write the reference figures
//! ([`reference`](mod@reference)) the device must reproduce bit for bit ([`agreement`]).
//! Entry points ([`device`]) take the weights, viewed in place in flash ([`blob`]), and
//! return a typed report ([`report`]) or a [`DeviceError`]; the binaries measure and print.
#![no_std]

pub mod agreement;
pub mod bench;
pub mod blob;
pub mod board;
pub mod budget;
pub mod conv_modes;
pub mod conv_workload;
pub mod data;
pub mod detect;
pub mod detection;
pub mod device;
pub mod error;
pub mod micro;
pub mod reference;
pub mod report;
pub mod workload;

pub use bench::TickCounter;
pub use board::Board;
pub use error::DeviceError;
pub use report::{BenchReport, InferenceReport, TrainReport};

/// Index in [`board::BOARDS`] of the board this build is for (build.rs picks it by target; the
/// host takes the reference board, the first).
const BOARD_INDEX: usize = parse_usize(env!("TINYVAE_BOARD_INDEX"));
/// The board this build is for: the target's, or on the host the reference board
/// ([`board::MPS2_AN386`]), whose budget the host simulation keeps to.
pub const BOARD: Board = board::BOARDS[BOARD_INDEX];
/// RAM budget of [`BOARD`] in bytes (its memory layout's `RAM` `LENGTH`).
pub const RAM_BUDGET: usize = budget::BUDGETS[BOARD_INDEX].ram;
/// Flash budget of [`BOARD`] in bytes (its memory layout's `FLASH` `LENGTH`).
pub const FLASH_BUDGET: usize = budget::BUDGETS[BOARD_INDEX].flash;
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
