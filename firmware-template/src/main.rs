//! A firmware that runs a tinyvae model: the weights exported by the host trainer embedded in
//! flash, checked once at start-up, then one inference on a fixed input.
//!
//! Make it yours: fill in `memory.x` with your part's flash and RAM, point `BLOB` at your own
//! export and `Model` at the type you trained, and read your sensor where `INPUT` is.
//!
//! ```sh
//! cargo build --release                         # in this directory: thumbv7em-none-eabihf
//! cargo run --release --features semihosting    # under QEMU (mps2-an386), printing the result
//! ```
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

// Linked for its single-core critical-section implementation, which hprintln takes.
#[cfg(feature = "semihosting")]
use cortex_m as _;
use cortex_m_rt::entry;
use tinyvae_core::presets::VaeDigits;
use tinyvae_core::{Error, Model, OneSample, include_weights, weights};

/// The model type the blob was trained as: the `vae-digits` preset, `MlpVae<64, 32, 2>`.
type Digits = VaeDigits;

/// The blob `tinyvae export` wrote, 4-byte aligned in flash; a file of another length than a
/// `Digits` blob does not compile. The path is relative to this file.
static BLOB: &[u8] = include_weights!(Digits, "../../data/device/vae-digits.tvw");

/// The fixed input: an 8×8 "1", pixels / 16, as the digits were scaled for training.
const INPUT: [f32; 64] = {
    let mut x = [0.0f32; 64];
    let mut row = 0;
    while row < 8 {
        x[row * 8 + 4] = 1.0;
        x[row * 8 + 3] = 0.5;
        row += 1;
    }
    x
};

/// 0 before the run, 1 after a successful inference, 2 if the blob was refused, 3 if the
/// inference failed: for a debugger (`print STATUS`) or a test harness reading RAM. `#[used]`
/// keeps it, and every store to it, in the image though the program never reads it.
#[used]
static STATUS: AtomicU32 = AtomicU32::new(0);
/// The bits of μ(x), then Σ(x̂ − x)², after a successful run.
#[used]
static RESULT: [AtomicU32; 3] = [AtomicU32::new(0), AtomicU32::new(0), AtomicU32::new(0)];

/// What one inference gives.
struct Output {
    mean: [f32; 2],
    squared_error: f32,
}

#[entry]
fn main() -> ! {
    // The workspace lives on the stack: INFERENCE_WORKSPACE floats, 392 bytes for vae-digits.
    let mut workspace = [0.0f32; Digits::INFERENCE_WORKSPACE];
    let status = match weights::view::<Digits>(BLOB) {
        Err(error) => {
            report_error(error);
            2
        }
        Ok(view) => match infer(view.model, &INPUT, &mut workspace) {
            Ok(output) => {
                RESULT[0].store(output.mean[0].to_bits(), Ordering::Relaxed);
                RESULT[1].store(output.mean[1].to_bits(), Ordering::Relaxed);
                RESULT[2].store(output.squared_error.to_bits(), Ordering::Relaxed);
                report(&output);
                1
            }
            Err(error) => {
                report_error(error);
                3
            }
        },
    };
    STATUS.store(status, Ordering::Relaxed);
    finish(status == 1)
}

/// μ(x) and x̂ = decode(μ), then Σ(x̂ − x)².
fn infer<const W: usize>(
    model: &Digits,
    x: &[f32; 64],
    workspace: &mut [f32; W],
) -> Result<Output, Error> {
    let mut mean = [0.0f32; 2];
    let mut reconstruction = [0.0f32; 64];
    model.encode_one(x, &mut mean, workspace)?;
    model.decode_one(&mean, &mut reconstruction, workspace)?;
    let mut squared_error = 0.0;
    for (r, x) in reconstruction.iter().zip(x) {
        squared_error += (r - x) * (r - x);
    }
    Ok(Output {
        mean,
        squared_error,
    })
}

#[cfg(feature = "semihosting")]
fn report(output: &Output) {
    cortex_m_semihosting::hprintln!(
        "mean={:?} squared_error={}",
        output.mean,
        output.squared_error
    );
}

#[cfg(feature = "semihosting")]
fn report_error(error: Error) {
    cortex_m_semihosting::hprintln!("error: {}", error);
}

#[cfg(feature = "semihosting")]
fn finish(success: bool) -> ! {
    use cortex_m_semihosting::debug;
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    halt()
}

#[cfg(not(feature = "semihosting"))]
fn report(_: &Output) {}

#[cfg(not(feature = "semihosting"))]
fn report_error(_: Error) {}

#[cfg(not(feature = "semihosting"))]
fn finish(_: bool) -> ! {
    halt()
}

/// Stops here; a real firmware would sleep until its next sample.
fn halt() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    halt()
}
