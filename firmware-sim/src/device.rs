//! Device entry points: take the weight blob bytes, return a typed report.
//!
//! The model from `tinyvae-core` will land here as more functions of this shape
//! (`fn(blob: &[u8], ...) -> Result<Report, DeviceError>`): heap-free, no printing.

use core::hint::black_box;

use nalgebra::SVector;

use crate::bench::TickCounter;
use crate::blob::as_f32s;
use crate::kernel::{self, IN, MACS, OUT};
use crate::report::{BenchReport, DenseReport, DeviceError};

/// Absolute tolerance of the reference check (outputs are O(1); only the summation order
/// differs).
const TOLERANCE: f32 = 1e-4;

/// Views the blob as the 64×32 weight array.
fn weight_array(blob: &[u8]) -> Result<&[f32; MACS], DeviceError> {
    let floats = as_f32s(blob, MACS)?;
    floats.try_into().map_err(|_| DeviceError::BlobLength {
        expected: MACS * size_of::<f32>(),
        actual: blob.len(),
    })
}

/// Builds the report for outputs `y`, rejecting non-finite values.
fn report(y: &SVector<f32, OUT>) -> Result<DenseReport, DeviceError> {
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(DeviceError::NonFinite { index });
    }
    Ok(DenseReport {
        outputs: y.data.0[0],
        checksum: y.sum(),
        macs: MACS as u32,
    })
}

/// Evaluates the dense layer `y = Wᵀx` for the weights in `blob`.
pub fn dense(blob: &[u8], input: &SVector<f32, IN>) -> Result<DenseReport, DeviceError> {
    let w = kernel::weights(weight_array(blob)?);
    let mut y = SVector::zeros();
    kernel::dense_tr(&w, input, &mut y);
    report(&y)
}

/// Checks `report` against the plain-loop reference for the same blob and input.
pub fn verify(
    blob: &[u8],
    input: &SVector<f32, IN>,
    report: &DenseReport,
) -> Result<(), DeviceError> {
    let expected = kernel::dense_reference(weight_array(blob)?, &input.data.0[0]);
    for (index, (&got, &want)) in report.outputs.iter().zip(&expected).enumerate() {
        if (got - want).abs() > TOLERANCE {
            return Err(DeviceError::Mismatch {
                index,
                got,
                expected: want,
            });
        }
    }
    Ok(())
}

/// Times `calls` evaluations of the dense layer.
///
/// Runs the same loop twice: once without the kernel (loop + timer overhead), once with
/// it; [`BenchReport::net_ticks`] is the difference. `black_box` keeps the compiler from
/// hoisting or dropping calls.
pub fn bench_dense(
    blob: &[u8],
    input: &SVector<f32, IN>,
    calls: u32,
    counter: &mut impl TickCounter,
) -> Result<BenchReport, DeviceError> {
    let w = kernel::weights(weight_array(blob)?);
    let mut y = SVector::zeros();

    let start = counter.ticks();
    for _ in 0..calls {
        black_box((&w, input));
        black_box(&mut y);
    }
    let mid = counter.ticks();
    for _ in 0..calls {
        let (w, x) = black_box((&w, input));
        kernel::dense_tr(w, x, &mut y);
        black_box(&mut y);
    }
    let end = counter.ticks();

    Ok(BenchReport {
        dense: report(&y)?,
        calls,
        kernel_ticks: end.saturating_sub(mid),
        overhead_ticks: mid.saturating_sub(start),
    })
}
