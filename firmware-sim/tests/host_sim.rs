//! Host simulation: the device logic of `firmware_sim` (the real `vae-digits` and
//! `ae-digits` models) run on the host under the device's memory limits, as a fast stand-in
//! for the QEMU run.
//!
//! How the limits are enforced:
//! - **Stack / RAM:** the device logic runs on its own thread whose stack is exactly the RAM
//!   budget, `RAM_BUDGET` (the reference board's, parsed from `memory/mps2-an386.x` by
//!   build.rs, so the memory layout stays the single source of truth). Every buffer of a mode (weights copy, gradients, optimizer state,
//!   workspace) is a local of the mode, so it is on that stack. Overflowing it aborts the
//!   test binary ("thread 'device' has overflowed its stack"), which fails the run. x86-64
//!   frames differ from Thumb ones, so this is a coarse bound; the firmware measures the
//!   exact stack high-water mark.
//! - **Heap:** the device has none, so any allocation by device logic is a failure. A
//!   global allocator that simply refused every allocation would also break the test
//!   harness (which allocates) and abort without saying where. Instead, the global
//!   allocator below counts allocations made *on the device thread* (a thread-local flag is
//!   set around the device code) and passes everything through; each test asserts that
//!   the count is zero. `allocation_detector_works` checks that the detector does detect.
//!
//! The device functions compare their figures with the host's reference (build.rs runs the
//! same `workload` source) and fail on any difference, so these tests also check that the
//! host and the simulated device agree bit for bit.

// A test reports failure by panicking: `expect` is the point here.
#![allow(clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::thread;
use std::time::Instant;

use bytemuck::Zeroable;
use firmware_sim::blob::{
    AD_DIGITS, AE_DIGITS, Aligned, BLOB_VARIANT, CONV_AE_DIGITS, FIRMWARE_VAE, VAE_DIGITS,
    VAE_DIGITS_STANDARDIZED,
};
use firmware_sim::conv_workload::{CONV_INFERENCE_MACS, ConvFigures};
use firmware_sim::detection::{self, AdDigits, NORMAL_WINDOW};
use firmware_sim::reference;
use firmware_sim::workload::{AeDigits, EVALUATIONS, NormalizedFigures, VaeDigits};
use firmware_sim::{DeviceError, RAM_BUDGET, TickCounter, conv_modes, detect, device};
use tinyvae_core::weights::{self, HEADER_LEN, WeightBlob};
use tinyvae_core::{Error as CoreError, InputTransformRef};

thread_local! {
    /// Set while device logic runs on this thread.
    static ON_DEVICE: Cell<bool> = const { Cell::new(false) };
    /// Allocations made on this thread while `ON_DEVICE` was set.
    static DEVICE_ALLOCS: Cell<usize> = const { Cell::new(0) };
}

/// Passes every request to the system allocator, counting those made by device code.
struct CountingAlloc;

impl CountingAlloc {
    /// Records one allocation if the current thread is running device code.
    fn note() {
        // `try_with`: never panic inside the allocator, even during thread teardown.
        let on = ON_DEVICE.try_with(Cell::get).unwrap_or(false);
        if on {
            let _ = DEVICE_ALLOCS.try_with(|n| n.set(n.get() + 1));
        }
    }
}

// `GlobalAlloc` is an unsafe trait (the allocator must return valid memory); this one only
// forwards to `System` with the caller's own arguments, adding a thread-local counter.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::note();
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::note();
        // SAFETY: as above; `ptr` came from `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Runs `f` as the device would: on a thread with a `stack`-byte stack, counting its heap
/// allocations. Returns `f`'s result and the allocation count.
fn on_thread<R: Send + 'static>(
    stack: usize,
    f: impl FnOnce() -> R + Send + 'static,
) -> (R, usize) {
    let handle = thread::Builder::new()
        .name("device".into())
        .stack_size(stack)
        .spawn(move || {
            ON_DEVICE.with(|on| on.set(true));
            let result = f();
            ON_DEVICE.with(|on| on.set(false));
            (result, DEVICE_ALLOCS.with(Cell::get))
        })
        .expect("spawn device thread");
    handle.join().expect("device thread panicked")
}

/// [`on_thread`] with the device's RAM budget as the stack.
fn on_device<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> (R, usize) {
    on_thread(RAM_BUDGET, f)
}

/// Nanoseconds since creation: the host's stand-in for SysTick.
struct HostClock(Instant);

impl HostClock {
    fn new() -> Self {
        Self(Instant::now())
    }
}

impl TickCounter for HostClock {
    fn ticks(&mut self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

#[test]
fn vae_inference_agrees_with_the_host_bit_for_bit() {
    let (result, allocs) = on_device(|| {
        let model = device::view_vae(VAE_DIGITS)?.model;
        let report = device::vae_inference(model)?;
        let bench = device::vae_inference_bench(model, &mut HostClock::new())?;
        Ok::<_, DeviceError>((report, bench))
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let (report, bench) = result.expect("vae-digits inference");
    assert_eq!(report.digits, 16);
    assert_eq!(report.agreement.values, reference::VAE_INFERENCE.len());
    assert!(report.agreement.is_bitwise(), "{:?}", report.agreement);
    assert!((10.0..60.0).contains(&report.mean_negative_elbo));
    assert!(report.mean_squared_error > 0.0 && report.mean_squared_error < 64.0);
    assert_eq!(bench.macs, 64 * 32 + 2 * 32 * 2 + 2 * 32 + 32 * 64);
    assert!(bench.breakdown.is_some());
}

#[test]
fn a_blob_with_an_input_transform_normalizes_and_infers_as_the_host_bit_for_bit() {
    let (result, allocs) = on_device(|| {
        let shipped = device::view_vae(VAE_DIGITS)?;
        let blob = device::view_vae(VAE_DIGITS_STANDARDIZED)?;
        let transform = blob
            .transform
            .expect("the standardized blob has a transform");
        let report =
            device::vae_normalized_inference(blob.model, &transform, &mut HostClock::new())?;
        Ok::<_, DeviceError>((shipped.transform.is_none(), report))
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let (shipped_has_none, report) = result.expect("vae-digits normalized inference");
    assert!(shipped_has_none, "the shipped blob has no transform");
    // Every normalized input, μ, log σ², x̂ and Σ(x̂ − x')², bit for bit as the host's.
    assert_eq!(report.digits, 16);
    assert_eq!(report.agreement.values, 16 * NormalizedFigures::VALUES);
    assert_eq!(
        report.agreement.values,
        reference::VAE_STANDARDIZED_INFERENCE.len()
    );
    assert!(report.agreement.is_bitwise(), "{:?}", report.agreement);
    assert_eq!((report.features, report.clamp), (64, false));
    // Standardized inputs are not pixels / 16: some are negative, some above 1.
    let inputs = reference::VAE_STANDARDIZED_INFERENCE
        .chunks_exact(NormalizedFigures::VALUES)
        .flat_map(|digit| digit[..64].iter().map(|&b| f32::from_bits(b)));
    let (below, above) = inputs.fold((0, 0), |(b, a), x| {
        (b + usize::from(x < 0.0), a + usize::from(x > 1.0))
    });
    assert!(below > 0 && above > 0, "{below} below 0, {above} above 1");

    // The same weights as the shipped blob, 520 bytes of transform after them.
    assert_eq!(
        VAE_DIGITS_STANDARDIZED.len(),
        VaeDigits::BLOB_LEN_WITH_TRANSFORM
    );
    assert_eq!(VAE_DIGITS_STANDARDIZED.len() - VAE_DIGITS.len(), 8 + 8 * 64);
    assert_eq!(
        VAE_DIGITS_STANDARDIZED[HEADER_LEN..VAE_DIGITS.len()],
        VAE_DIGITS[HEADER_LEN..]
    );
}

#[test]
fn an_ae_blob_with_an_input_transform_is_refused() {
    let mut model = AeDigits::zeroed();
    weights::load(AE_DIGITS, &mut model).expect("ae-digits blob");
    let offset = [0.0f32; 64];
    let scale = [0.0625f32; 64];
    let transform = InputTransformRef::new(&offset, &scale, true).expect("transform");
    let mut blob = Box::new(Aligned([0u8; AeDigits::BLOB_LEN_WITH_TRANSFORM]));
    weights::save_with_transform(&model, Some(&transform), &mut blob.0).expect("save");
    let (error, allocs) = on_device(move || device::view_ae(&blob.0).map(|_| ()));
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let error = error.expect_err("a transform on ae-digits");
    assert_eq!(
        error,
        DeviceError::UnexpectedTransform {
            preset: "ae-digits"
        }
    );
    assert_eq!(
        error.to_string(),
        "ae-digits weight blob carries an input transform, which this firmware does not apply \
         to ae-digits"
    );
}

#[test]
fn vae_sgd_lowers_the_loss_within_budget() {
    let (result, allocs) = on_device(|| {
        let model = device::view_vae(VAE_DIGITS)?.model;
        device::vae_sgd(model, &mut HostClock::new())
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let report = result.expect("vae-digits sgd");
    let t = report.trajectory;
    assert!(t.evaluations[EVALUATIONS - 1] < t.evaluations[0], "{t:?}");
    // Same run as the host's: every loss and the final weights, bit for bit.
    assert!(report.agreement.is_bitwise(), "{:?}", report.agreement);
    assert_eq!(t.fingerprint, reference::VAE_SGD.fingerprint);
    assert_eq!(report.state_bytes, 0);
    assert_eq!(
        report.buffer_bytes,
        2 * size_of::<VaeDigits>() + 4 * (VaeDigits::WORKSPACE_FLOATS + 64) * report.batch
    );
    assert!(report.buffer_bytes < RAM_BUDGET);
}

#[test]
fn the_detector_decides_as_the_host_and_recalibrates_within_budget() {
    let (result, allocs) = on_device(|| {
        let (model, detector) = detect::view_ad(AD_DIGITS)?;
        let report = detect::ad_detect(model, &detector, &mut HostClock::new())?;
        let recalibration = detect::ad_recalibrate(model, &detector)?;
        Ok::<_, DeviceError>((detector, report, recalibration))
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let (detector, report, recalibration) = result.expect("ad-digits modes");
    assert!(report.agreement.is_bitwise(), "{:?}", report.agreement);
    // The host's decisions: its own scores (score_samples, at build time) against the
    // threshold the blob carries.
    let host: Vec<f32> = reference::AD_SCORES
        .iter()
        .map(|&b| f32::from_bits(b))
        .collect();
    assert_eq!(report.decisions, detection::decisions(&detector, &host));
    // The shipped detector tells every test digit apart.
    assert_eq!(report.decisions, report.abnormal_labels);
    assert!(recalibration.agreement.is_bitwise());
    assert_eq!(
        recalibration.detector.threshold.to_bits(),
        reference::AD_RECALIBRATED_THRESHOLD
    );
    assert_eq!(recalibration.detector.rule, detector.rule);
    assert_eq!(recalibration.detector.samples as usize, NORMAL_WINDOW);
    assert!(recalibration.buffer_bytes < RAM_BUDGET);
}

#[test]
fn a_detector_blob_without_its_section_is_refused() {
    // The same weights as a version-3 blob: a model, but no threshold to decide with.
    let (model, _) = detect::view_ad(AD_DIGITS).expect("shipped detector");
    let mut blob = Box::new(Aligned([0u8; <AdDigits as WeightBlob>::BLOB_LEN]));
    weights::save(model, &mut blob.0).expect("save");
    let (error, allocs) = on_device(move || detect::view_ad(&blob.0).map(|_| ()));
    assert_eq!(allocs, 0);
    assert_eq!(
        error,
        Err(DeviceError::NoDetector {
            preset: "ad-digits"
        })
    );
}

#[test]
fn ae_digits_modes_run_within_budget() {
    let (result, allocs) = on_device(|| {
        let model = device::view_ae(AE_DIGITS)?;
        let mut clock = HostClock::new();
        let inference = device::ae_inference(model)?;
        let bench = device::ae_inference_bench(model, &mut clock)?;
        let sgd = device::ae_sgd(model, &mut clock)?;
        let adam = device::ae_adam(model, &mut clock)?;
        Ok::<_, DeviceError>((inference, bench, sgd, adam))
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let (inference, bench, sgd, adam) = result.expect("ae-digits modes");
    assert!(inference.mean_squared_error > 0.0 && inference.mean_squared_error < 64.0);
    assert_eq!(bench.macs, 2 * 64 * 16);
    for (run, reference) in [(sgd, &reference::AE_SGD), (adam, &reference::AE_ADAM)] {
        assert!(run.agreement.is_bitwise(), "{:?}", run.agreement);
        assert_eq!(run.trajectory.fingerprint, reference.fingerprint);
    }
    assert!(adam.state_bytes > 0);
}

#[test]
fn conv_ae_digits_infers_within_budget_and_fine_tunes_bit_for_bit_as_the_host() {
    let (result, allocs) = on_device(|| {
        let model = conv_modes::view_conv(CONV_AE_DIGITS)?;
        let mut clock = HostClock::new();
        let inference = conv_modes::conv_inference(model)?;
        let bench = conv_modes::conv_inference_bench(model, &mut clock)?;
        Ok::<_, DeviceError>((inference, bench))
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let (inference, bench) = result.expect("conv-ae-digits inference");
    // The SGD run's buffers fit the budget on a device (the firmware measures 54 484 bytes of
    // stack on mps2-an386). Built with the rest of the workspace, the core has `std`, whose
    // convolutions keep room for lowering a batch in their workspace, and unoptimized x86-64
    // frames are larger: here it runs on twice the budget.
    let (result, allocs) = on_thread(2 * RAM_BUDGET, || {
        let model = conv_modes::view_conv(CONV_AE_DIGITS)?;
        conv_modes::conv_sgd(model, &mut HostClock::new())
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let sgd = result.expect("conv-ae-digits sgd");
    assert_eq!(inference.agreement.values, reference::CONV_INFERENCE.len());
    assert_eq!(inference.agreement.values, 16 * ConvFigures::VALUES);
    assert!(
        inference.agreement.is_bitwise(),
        "{:?}",
        inference.agreement
    );
    assert!((1.0..64.0).contains(&inference.mean_loss));
    assert_eq!(bench.inference.macs as usize, CONV_INFERENCE_MACS);
    let macs: Vec<u32> = bench.layers.iter().map(|l| l.macs).collect();
    assert_eq!(macs, [968, 3_200, 1_024, 1_024, 3_200, 968]);
    assert!(sgd.agreement.is_bitwise(), "{:?}", sgd.agreement);
    assert_eq!(sgd.trajectory.fingerprint, reference::CONV_SGD.fingerprint);
    let t = &sgd.trajectory;
    assert!(t.evaluations[t.evaluations.len() - 1] < t.evaluations[0]);
    assert!(sgd.buffer_bytes + 4096 < RAM_BUDGET);
}

#[test]
fn a_dense_blob_given_as_the_conv_model_is_refused() {
    // Both are autoencoders (model kind 1): the layer table tells them apart.
    let error = conv_modes::view_conv(AE_DIGITS).expect_err("an ae-digits blob");
    assert!(
        matches!(
            error,
            DeviceError::Blob {
                preset: "conv-ae-digits",
                error: CoreError::WrongDimensions
            }
        ),
        "{error:?}"
    );
}

#[test]
fn vae_adam_needs_more_than_the_budget_and_agrees_with_the_host_beyond_it() {
    // Its buffers alone exceed the budget: the firmware skips it (the memory matrix measures
    // it in a measurement build).
    const { assert!(device::buffers::VAE_ADAM > RAM_BUDGET) };
    // On a stack twice the budget it runs, and matches the host's run.
    let (result, allocs) = on_thread(2 * RAM_BUDGET, || {
        let model = device::view_vae(VAE_DIGITS)?.model;
        device::vae_adam(model, &mut HostClock::new())
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let report = result.expect("vae-digits adam");
    assert!(report.agreement.is_bitwise(), "{:?}", report.agreement);
    assert_eq!(
        report.trajectory.fingerprint,
        reference::VAE_ADAM.fingerprint
    );
}

/// CRC-32 (ISO-HDLC), to forge a blob whose CRC matches a NaN weight.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The shipped blob, 4-byte aligned, with one more byte of room.
fn vae_copy() -> Box<Aligned<[u8; 17_841]>> {
    let mut copy = Box::new(Aligned([0u8; 17_841]));
    copy.0[..VAE_DIGITS.len()].copy_from_slice(VAE_DIGITS);
    copy
}

#[test]
fn broken_blobs_are_typed_errors_without_allocating() {
    let len = VAE_DIGITS.len();
    let mut corrupt = vae_copy();
    corrupt.0[HEADER_LEN + (len - HEADER_LEN) / 2] ^= 0x01;
    let mut nan = vae_copy();
    let at = HEADER_LEN + 400;
    nan.0[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let crc = crc32(&nan.0[HEADER_LEN..len]);
    nan.0[HEADER_LEN - 4..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    // The same bytes one further: right content, payload not 4-byte aligned.
    let mut shifted = Box::new(Aligned([0u8; 17_841]));
    shifted.0[1..].copy_from_slice(VAE_DIGITS);

    let (errors, allocs) = on_device(move || {
        let error = |blob: &[u8]| match device::view_vae(blob) {
            Ok(_) => None,
            Err(DeviceError::Blob { error, .. }) => Some(error),
            Err(other) => panic!("not a blob error: {other}"),
        };
        [
            error(&corrupt.0[..len]),
            error(&VAE_DIGITS[..len - 64]),
            error(AE_DIGITS),
            error(&nan.0[..len]),
            error(&shifted.0[1..]),
            error(&[]),
        ]
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let [corrupt, truncated, wrong_model, nan, misaligned, empty] = errors;
    assert!(
        matches!(corrupt, Some(CoreError::ChecksumMismatch { .. })),
        "{corrupt:?}"
    );
    assert_eq!(truncated, Some(CoreError::Truncated));
    assert_eq!(
        wrong_model,
        Some(CoreError::WrongModel {
            expected: 4,
            found: 1
        })
    );
    assert_eq!(nan, Some(CoreError::NonFinite));
    assert_eq!(misaligned, Some(CoreError::Misaligned));
    assert_eq!(empty, Some(CoreError::Truncated));

    // The message the firmware prints.
    let message = device::view_vae(AE_DIGITS)
        .map(|_| ())
        .expect_err("ae blob as vae")
        .to_string();
    assert_eq!(
        message,
        "vae-digits weight blob rejected: weights are for model kind 1, but model kind 4 is being loaded"
    );
}

#[test]
fn the_firmware_carries_the_shipped_blob_unless_told_otherwise() {
    if BLOB_VARIANT == "vae-digits" {
        assert_eq!(FIRMWARE_VAE, VAE_DIGITS);
    } else if BLOB_VARIANT == "standardized" {
        assert_eq!(FIRMWARE_VAE, VAE_DIGITS_STANDARDIZED);
    } else {
        assert!(device::view_vae(FIRMWARE_VAE).is_err(), "{BLOB_VARIANT}");
    }
    assert_eq!(VAE_DIGITS.len(), 17_840);
    assert_eq!(AE_DIGITS.len(), 8_672);
}

#[test]
fn allocation_detector_works() {
    let (len, allocs) = on_device(|| vec![1u8; 16].len());
    assert_eq!(len, 16);
    assert!(allocs > 0, "a Vec on the device thread went unnoticed");
}
