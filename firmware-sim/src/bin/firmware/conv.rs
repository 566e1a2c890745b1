//! The convolutional autoencoder's part of the run: validate the `conv-ae-digits` blob,
//! reconstruct the test digits and compare every value with the host's, time the inference
//! and each of its layers, fine-tune with SGD where the RAM allows, print. Keys are
//! `conv-ae-digits.<mode>.<figure>`, as every mode's.
//!
//! Each part is a function of its own, never inlined, so that the reports of one are not in
//! the frame under the others' modes.

use firmware_sim::DeviceError;
use firmware_sim::agreement::Agreement;
use firmware_sim::blob::CONV_AE_DIGITS;
use firmware_sim::conv_modes;
use firmware_sim::conv_workload::ConvAeDigits;
use firmware_sim::micro::Micro;

use crate::app::{agreement_add, print_blob};
use crate::calibration::Calibration;
use crate::mem::StackTracker;
use crate::platform::{Counter, hprintln};
use crate::print::{AgreementText, print_bench, print_per_call, print_per_mac};
use crate::train::{fits_or_skip, print_train};

const PRESET: &str = "conv-ae-digits";
const INFERENCE: &str = "conv-ae-digits.inference";

/// Runs the convolutional autoencoder's modes and prints them; adds their agreement with the
/// host to `agreement`.
#[inline(never)]
pub fn run(
    stack: &mut StackTracker,
    counter: &mut Counter,
    cal: &Calibration,
    agreement: &mut Agreement,
) -> Result<(), DeviceError> {
    // Validating a blob with convolutions decodes its wide layer table and its geometry
    // section: measured like a mode.
    let (view, depth) = stack.measure(|| conv_modes::view_conv(CONV_AE_DIGITS));
    let model = view?;
    print_blob(PRESET, CONV_AE_DIGITS, model);
    hprintln!("{}.validate.stack_bytes={}", PRESET, depth);
    inference(model, stack, agreement)?;
    bench(model, stack, counter, cal)?;
    sgd(model, stack, counter, cal, agreement)
}

/// Mode `conv-ae-digits.inference`, compared with the host's figures, and printed.
#[inline(never)]
fn inference(
    model: &ConvAeDigits,
    stack: &mut StackTracker,
    agreement: &mut Agreement,
) -> Result<(), DeviceError> {
    let (report, depth) = stack.measure(|| conv_modes::conv_inference(model));
    let r = report?;
    hprintln!("{}.stack_bytes={}", INFERENCE, depth);
    hprintln!("{}.digits={}", INFERENCE, r.digits);
    hprintln!("{}.host_values={}", INFERENCE, r.agreement.values);
    hprintln!(
        "{}.host_agreement={}",
        INFERENCE,
        AgreementText(&r.agreement)
    );
    hprintln!(
        "{}.mean_squared_error={}",
        INFERENCE,
        Micro(r.mean_squared_error)
    );
    hprintln!("{}.mean_loss={}", INFERENCE, Micro(r.mean_loss));
    agreement_add(agreement, &r.agreement);
    Ok(())
}

/// The inference timed whole and layer by layer, printed.
#[inline(never)]
fn bench(
    model: &ConvAeDigits,
    stack: &mut StackTracker,
    counter: &mut Counter,
    cal: &Calibration,
) -> Result<(), DeviceError> {
    let (bench, depth) = stack.measure(|| conv_modes::conv_inference_bench(model, counter));
    let b = bench?;
    print_bench(PRESET, &b.inference, depth, cal);
    for layer in &b.layers {
        hprintln!("{}.{}.macs={}", INFERENCE, layer.name, layer.macs);
        print_per_call(INFERENCE, layer.name, "insns", &layer.bench, cal);
        print_per_mac(INFERENCE, layer.name, &layer.bench, layer.macs, cal);
    }
    print_per_call(INFERENCE, "sigmoids", "insns", &b.sigmoids, cal);
    Ok(())
}

/// Mode `conv-ae-digits.sgd` where its buffers fit, printed; a skip with its reason where
/// they do not.
#[inline(never)]
fn sgd(
    model: &ConvAeDigits,
    stack: &mut StackTracker,
    counter: &mut Counter,
    cal: &Calibration,
    agreement: &mut Agreement,
) -> Result<(), DeviceError> {
    let (name, bytes) = ("sgd", conv_modes::SGD_BUFFER_BYTES);
    if fits_or_skip(PRESET, name, bytes) {
        let (report, depth) = stack.measure(|| conv_modes::conv_sgd(model, counter));
        let r = report?;
        print_train(PRESET, name, &r, depth, cal);
        agreement_add(agreement, &r.agreement);
    }
    Ok(())
}
