//! The run, the same on every board: validate the blobs, run every mode that fits, measure,
//! and print (`print.rs`).
//!
//! Output is one `key=value` per line (parsed by `tests/qemu.rs` and
//! `examples/memory-matrix.rs`); every figure is computed at run time from linker symbols,
//! the painted stack or the instruction counter. Keys of a mode are `<preset>.<mode>.<figure>`.

use core::panic::PanicInfo;

use firmware_sim::agreement::{Agreement, CLAIMED_MAX_ULPS};
use firmware_sim::blob::{AD_DIGITS, AE_DIGITS, BLOB_VARIANT, CONV_AE_DIGITS, FIRMWARE_VAE};
use firmware_sim::board::{FloatUnit, InstructionCounter};
use firmware_sim::data::{FIRST_TEST_ROW, NORMAL_DIGITS, TEST_DIGITS, TEST_LABELS};
#[cfg(firmware_blob_transform)]
use firmware_sim::micro::Micro;
#[cfg(firmware_blob_transform)]
use firmware_sim::report::NormalizedInferenceReport;
#[cfg(firmware_blob_transform)]
use firmware_sim::workload::VaeDigits;
use firmware_sim::{
    BOARD, DeviceError, FLASH_BUDGET, MEASUREMENT_BUILD, RAM_BUDGET, RAM_REGION, device, reference,
};
#[cfg(firmware_blob_transform)]
use tinyvae_core::weights::InputTransformView;
use tinyvae_core::weights::WeightsView;

use crate::calibration::Calibration;
use crate::mem::{self, StackTracker};
#[cfg(firmware_blob_transform)]
use crate::platform::Counter;
use crate::platform::{self, heprintln, hprintln};
#[cfg(firmware_blob_transform)]
use crate::print::print_per_call;
use crate::print::{AgreementText, Fixed2, print_ae_inference, print_bench, print_inference};
use crate::train::TrainMode;

/// Runs everything, reports, and exits QEMU with success or failure: what the platform's
/// entry point calls.
pub fn run_and_exit() -> ! {
    let success = match run() {
        Ok(()) => true,
        Err(e) => {
            heprintln!("error: {}", e);
            hprintln!("error={}", e);
            hprintln!("result=error");
            false
        }
    };
    platform::exit(success)
}

/// Validates the blobs, runs every mode that fits, measures, prints.
fn run() -> Result<(), DeviceError> {
    let mut counter = platform::start_counter();
    let cal = Calibration::measure(&mut counter);
    let mut stack = StackTracker::default();

    hprintln!("tinyvae firmware: {} {}", BOARD.name, BOARD.core);
    hprintln!("board={}", BOARD.name);
    hprintln!("target={}", BOARD.target);
    hprintln!("core={}", BOARD.core);
    hprintln!(
        "float={}",
        match BOARD.float {
            FloatUnit::Hardware => "hardware",
            FloatUnit::Software => "software",
        }
    );
    hprintln!("blob_variant={}", BLOB_VARIANT);
    hprintln!("measurement_build={}", u8::from(MEASUREMENT_BUILD));
    hprintln!(
        "counter={}",
        match BOARD.counter {
            InstructionCounter::SysTick => "systick",
            InstructionCounter::Minstret => "minstret",
        }
    );
    hprintln!(
        "counter_insns_per_tick={}",
        Fixed2::ratio(cal.insns, cal.ticks)
    );

    // Validation: header, lengths, CRC-32, dimensions, finite weights (and input transform);
    // then used in place.
    let WeightsView {
        model: vae,
        transform,
        ..
    } = device::view_vae(FIRMWARE_VAE)?;
    print_blob("vae-digits", FIRMWARE_VAE, vae);
    hprintln!(
        "vae-digits.input_transform={}",
        if transform.is_some() {
            "present"
        } else {
            "none"
        }
    );
    let ae = device::view_ae(AE_DIGITS)?;
    print_blob("ae-digits", AE_DIGITS, ae);
    hprintln!("test_digits={}", TEST_DIGITS.len());
    hprintln!(
        "test_digits_csv_rows={}..{}",
        FIRST_TEST_ROW,
        FIRST_TEST_ROW + TEST_DIGITS.len()
    );
    hprintln!("test_labels={:?}", TEST_LABELS);

    let mut agreement = Agreement::default();

    match transform {
        None => {
            let (report, depth) = stack.measure(|| device::vae_inference(vae));
            let report = report?;
            print_inference(&report, depth);
            agreement_add(&mut agreement, &report.agreement);
        }
        // A blob with an input transform: the raw digits go through it first. Only a build
        // for such a blob (TINYVAE_BLOB=standardized) carries the host's figures to compare.
        #[cfg(firmware_blob_transform)]
        Some(transform) => {
            let part = normalized_inference(vae, &transform, &mut stack, &mut counter, &cal)?;
            agreement_add(&mut agreement, &part);
        }
        #[cfg(not(firmware_blob_transform))]
        Some(_) => {
            return Err(DeviceError::UnexpectedTransform {
                preset: "vae-digits",
            });
        }
    }
    let (bench, depth) = stack.measure(|| device::vae_inference_bench(vae, &mut counter));
    print_bench("vae-digits", &bench?, depth, &cal);

    let modes: [TrainMode; 2] = [
        TrainMode::vae("sgd", device::buffers::VAE_SGD, device::vae_sgd),
        TrainMode::vae("adam", device::buffers::VAE_ADAM, device::vae_adam),
    ];
    for mode in modes {
        if let Some(r) = mode.run(vae, ae, &mut stack, &mut counter, &cal)? {
            agreement_add(&mut agreement, &r);
        }
    }

    let (report, depth) = stack.measure(|| device::ae_inference(ae));
    print_ae_inference(&report?, depth);
    let (bench, depth) = stack.measure(|| device::ae_inference_bench(ae, &mut counter));
    print_bench("ae-digits", &bench?, depth, &cal);
    let modes: [TrainMode; 2] = [
        TrainMode::ae("sgd", device::buffers::AE_SGD, device::ae_sgd),
        TrainMode::ae("adam", device::buffers::AE_ADAM, device::ae_adam),
    ];
    for mode in modes {
        if let Some(r) = mode.run(vae, ae, &mut stack, &mut counter, &cal)? {
            agreement_add(&mut agreement, &r);
        }
    }

    crate::detect::run(&mut stack, &mut counter, &cal, &mut agreement)?;
    crate::conv::run(&mut stack, &mut counter, &cal, &mut agreement)?;

    hprintln!("host_values_compared={}", agreement.values);
    hprintln!("host_agreement={}", AgreementText(&agreement));
    hprintln!("host_agreement_claimed_max_ulps={}", CLAIMED_MAX_ULPS);

    let layout = mem::Layout::read();
    let weights = FIRMWARE_VAE.len() + AE_DIGITS.len() + AD_DIGITS.len() + CONV_AE_DIGITS.len();
    let tables = size_of_val(&TEST_DIGITS)
        + size_of_val(&TEST_LABELS)
        + size_of_val(&reference::VAE_INFERENCE)
        + if cfg!(firmware_blob_transform) {
            size_of_val(&reference::VAE_STANDARDIZED_INFERENCE)
        } else {
            0
        }
        + 4 * size_of_val(&reference::VAE_SGD)
        + size_of_val(&NORMAL_DIGITS)
        + size_of_val(&reference::AD_SCORES)
        + size_of_val(&reference::AD_SGD)
        + size_of_val(&reference::AD_NORMAL_SCORES)
        + size_of_val(&reference::AD_RECALIBRATED_THRESHOLD)
        + size_of_val(&reference::CONV_INFERENCE)
        + size_of_val(&reference::CONV_SGD);
    hprintln!("flash_bytes={}", layout.flash_bytes());
    hprintln!("flash_budget={}", FLASH_BUDGET);
    hprintln!("flash_text_bytes={}", layout.text_bytes());
    hprintln!("flash_rodata_bytes={}", layout.rodata_bytes());
    hprintln!("flash_weights_bytes={}", weights);
    hprintln!("flash_tables_bytes={}", tables);
    hprintln!("ram_data_bytes={}", layout.data_bytes());
    hprintln!("ram_bss_bytes={}", layout.bss_bytes());
    hprintln!("ram_static_bytes={}", layout.static_ram_bytes());
    hprintln!("ram_region_bytes={}", layout.ram_bytes());
    hprintln!("stack_region_bytes={}", layout.stack_region_bytes());

    // Peak stack including all the printing above; the budget check covers everything.
    stack.note_outside();
    let ram_used = layout.static_ram_bytes() + stack.peak;
    hprintln!("stack_outside_modes_bytes={}", stack.outside);
    hprintln!("stack_high_water_bytes={}", stack.peak);
    hprintln!("ram_used_bytes={}", ram_used);
    hprintln!("ram_budget={}", RAM_BUDGET);
    if layout.ram_bytes() != RAM_REGION || (!MEASUREMENT_BUILD && ram_used > RAM_BUDGET) {
        heprintln!("RAM over budget or memory layout/linker mismatch");
        hprintln!("result=over_budget");
        platform::exit(false);
    }
    hprintln!("result=ok");
    Ok(())
}

/// `<preset>.blob=valid`, its length and whether `model`, viewed in `blob`, is used in place
/// from flash.
#[inline(always)]
pub fn print_blob<T>(preset: &str, blob: &[u8], model: &T) {
    hprintln!("{}.blob=valid", preset);
    hprintln!("{}.blob_bytes={}", preset, blob.len());
    hprintln!("{}.weights_in_flash={}", preset, in_flash(model));
}

/// Whether `value` lies in the flash image, i.e. is used in place from the blob: 1 or 0.
pub fn in_flash<T>(value: &T) -> u8 {
    u8::from(mem::Layout::read().in_flash((value as *const T).addr()))
}

/// Adds a mode's value counts and worst difference to the total.
pub fn agreement_add(total: &mut Agreement, part: &Agreement) {
    total.values += part.values;
    total.differing += part.differing;
    if let Some(w) = part.worst
        && total.worst.is_none_or(|t| w.ulps > t.ulps)
    {
        total.worst = Some(w);
    }
}

/// Runs and prints the VAE inference mode through the blob's input transform; returns its
/// agreement with the host.
#[cfg(firmware_blob_transform)]
#[inline(never)]
fn normalized_inference(
    vae: &VaeDigits,
    transform: &InputTransformView<'_>,
    stack: &mut StackTracker,
    counter: &mut Counter,
    cal: &Calibration,
) -> Result<Agreement, DeviceError> {
    const MODE: &str = "vae-digits.normalized_inference";
    hprintln!(
        "vae-digits.input_transform.features={}",
        transform.features()
    );
    hprintln!(
        "vae-digits.input_transform.clamp={}",
        u8::from(transform.clamp())
    );
    let (report, depth) =
        stack.measure(|| device::vae_normalized_inference(vae, transform, counter));
    let r: NormalizedInferenceReport = report?;
    hprintln!("{}.stack_bytes={}", MODE, depth);
    hprintln!("{}.digits={}", MODE, r.digits);
    hprintln!("{}.host_values={}", MODE, r.agreement.values);
    hprintln!("{}.host_agreement={}", MODE, AgreementText(&r.agreement));
    hprintln!(
        "{}.mean_squared_error={}",
        MODE,
        Micro(r.mean_squared_error)
    );
    hprintln!(
        "{}.first_inputs={},{}",
        MODE,
        Micro(r.first_inputs[0]),
        Micro(r.first_inputs[1])
    );
    hprintln!(
        "{}.first_mean={},{}",
        MODE,
        Micro(r.first_mean[0]),
        Micro(r.first_mean[1])
    );
    print_per_call(MODE, "transform", "insns", &r.transform_bench, cal);
    let features = u64::from(r.transform_bench.calls) * r.features as u64;
    hprintln!(
        "{}.transform.insns_per_feature={}",
        MODE,
        Fixed2::ratio(cal.insns(r.transform_bench.net_ticks()), features)
    );
    Ok(r.agreement)
}

/// Any panic: report it and make QEMU exit with failure.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    heprintln!("panic: {}", info);
    hprintln!("result=panic");
    platform::exit(false)
}
