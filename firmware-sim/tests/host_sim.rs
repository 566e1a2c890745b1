//! Host simulation: the device logic of `firmware_sim` run on the host under the device's
//! memory limits, as a fast stand-in for the QEMU run.
//!
//! How the limits are enforced:
//! - **Stack / RAM:** the device logic runs on its own thread whose stack is exactly the RAM
//!   budget, `RAM_BUDGET` (parsed from `memory.x` by build.rs, so memory.x stays the single
//!   source of truth). Overflowing it aborts the test binary ("thread 'device' has
//!   overflowed its stack"), which fails the run. x86-64 frames differ from Thumb ones, so
//!   this is a coarse bound; the firmware measures the exact stack high-water mark.
//! - **Heap:** the device has none, so any allocation by device logic is a failure. A
//!   global allocator that simply refused every allocation would also break the test
//!   harness (which allocates) and abort without saying where. Instead, the global
//!   allocator below counts allocations made *on the device thread* (a thread-local flag is
//!   set around the device code) and passes everything through; each test asserts that
//!   the count is zero. `allocation_detector_works` checks that the detector does detect.

// A test reports failure by panicking: `expect` is the point here.
#![allow(clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::thread;
use std::time::Instant;

use firmware_sim::blob::{Aligned, BENCH_WEIGHTS};
use firmware_sim::kernel::{self, IN, MACS, OUT};
use firmware_sim::{DeviceError, RAM_BUDGET, TickCounter, device};

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

/// Runs `f` as the device would: on a thread with a `RAM_BUDGET`-byte stack, counting its
/// heap allocations. Returns `f`'s result and the allocation count.
fn on_device<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> (R, usize) {
    let handle = thread::Builder::new()
        .name("device".into())
        .stack_size(RAM_BUDGET)
        .spawn(move || {
            ON_DEVICE.with(|on| on.set(true));
            let result = f();
            ON_DEVICE.with(|on| on.set(false));
            (result, DEVICE_ALLOCS.with(Cell::get))
        })
        .expect("spawn device thread");
    handle.join().expect("device thread panicked")
}

/// Nanoseconds since creation: the host's stand-in for SysTick.
struct HostClock(Instant);

impl TickCounter for HostClock {
    fn ticks(&mut self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// The benchmark weights as `f32` (host side, for references).
fn weights_f32() -> Vec<f32> {
    BENCH_WEIGHTS
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

#[test]
fn dense_matches_f64_reference_without_allocating() {
    let (result, allocs) = on_device(|| {
        let input = kernel::bench_input();
        let report = device::dense(BENCH_WEIGHTS, &input)?;
        device::verify(BENCH_WEIGHTS, &input, &report)?;
        Ok::<_, DeviceError>(report)
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let report = result.expect("device::dense");

    let w = weights_f32();
    let x = kernel::bench_input();
    for j in 0..OUT {
        let want: f64 = (0..IN)
            .map(|i| f64::from(w[j * IN + i]) * f64::from(x[i]))
            .sum();
        let got = f64::from(report.outputs[j]);
        assert!((got - want).abs() < 1e-5, "output {j}: {got} vs {want}");
    }
    assert_eq!(report.macs as usize, MACS);
}

#[test]
fn bench_runs_within_budget_without_allocating() {
    let calls = 200;
    let (result, allocs) = on_device(move || {
        let mut clock = HostClock(Instant::now());
        device::bench_dense(BENCH_WEIGHTS, &kernel::bench_input(), calls, &mut clock)
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    let bench = result.expect("bench_dense");
    assert_eq!(bench.calls, calls);
    let once = device::dense(BENCH_WEIGHTS, &kernel::bench_input()).expect("dense");
    assert_eq!(
        bench.dense, once,
        "benchmark result differs from a single call"
    );
    println!(
        "host: {} ns per call, {:.3} ns per MAC (stack limit {RAM_BUDGET} bytes)",
        bench.net_ticks() / u64::from(calls),
        bench.net_ticks() as f64 / bench.total_macs() as f64
    );
}

#[test]
fn bad_blobs_are_typed_errors_without_allocating() {
    let ((short, misaligned, nan), allocs) = on_device(|| {
        let input = kernel::bench_input();
        let short = device::dense(&BENCH_WEIGHTS[4..], &input);

        // Same bytes shifted by one: right length, wrong alignment.
        let mut buf = Aligned([0u8; MACS * 4 + 1]);
        buf.0[1..].copy_from_slice(BENCH_WEIGHTS);
        let misaligned = device::dense(&buf.0[1..], &input);

        // A NaN weight in output 5's column.
        let mut nan_blob = Aligned([0u8; MACS * 4]);
        nan_blob.0.copy_from_slice(BENCH_WEIGHTS);
        nan_blob.0[5 * IN * 4..5 * IN * 4 + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        let nan = device::dense(&nan_blob.0, &input);
        (short, misaligned, nan)
    });
    assert_eq!(allocs, 0, "device code allocated {allocs} times");
    assert_eq!(
        short,
        Err(DeviceError::BlobLength {
            expected: MACS * 4,
            actual: MACS * 4 - 4
        })
    );
    assert_eq!(misaligned, Err(DeviceError::BlobAlignment));
    assert_eq!(nan, Err(DeviceError::NonFinite { index: 5 }));
}

#[test]
fn allocation_detector_works() {
    let (len, allocs) = on_device(|| vec![1u8; 16].len());
    assert_eq!(len, 16);
    assert!(allocs > 0, "a Vec on the device thread went unnoticed");
}
