//! Batches as nalgebra views over caller-owned slices.
//!
//! A batch of `B` samples of `N` features is an N×B column-major matrix: each sample is one
//! contiguous column. The feature count is in the type (`Const<N>`), the batch size is not, so
//! on hosts built with the `std` feature nalgebra hands batch products to `matrixmultiply`,
//! while a single sample (B = 1) runs as contiguous dot products on every target.

use nalgebra::{Const, Dyn, MatrixView, MatrixViewMut};

use crate::Error;

/// A read-only batch: N features × `batch` samples.
pub type Batch<'a, const N: usize> = MatrixView<'a, f32, Const<N>, Dyn>;

/// A writable batch: N features × `batch` samples.
pub type BatchMut<'a, const N: usize> = MatrixViewMut<'a, f32, Const<N>, Dyn>;

/// Floats in `batch` samples of `per_sample` floats: `per_sample`·`batch`, or, when that
/// overflows `usize`, [`Error::BufferTooSmall`] against the `found` floats given (no buffer
/// holds that many).
pub fn batch_len(per_sample: usize, batch: usize, found: usize) -> Result<usize, Error> {
    per_sample.checked_mul(batch).ok_or(Error::BufferTooSmall {
        needed: usize::MAX,
        found,
    })
}

/// Views the first N·`batch` floats of `data` as a batch.
pub fn batch_view<const N: usize>(data: &[f32], batch: usize) -> Result<Batch<'_, N>, Error> {
    let needed = batch_len(N, batch, data.len())?;
    let data = data.get(..needed).ok_or(Error::BufferTooSmall {
        needed,
        found: data.len(),
    })?;
    Ok(Batch::from_slice_generic(data, Const::<N>, Dyn(batch)))
}

/// Views the first N·`batch` floats of `data` as a writable batch.
pub fn batch_view_mut<const N: usize>(
    data: &mut [f32],
    batch: usize,
) -> Result<BatchMut<'_, N>, Error> {
    let found = data.len();
    let needed = batch_len(N, batch, found)?;
    let data = data
        .get_mut(..needed)
        .ok_or(Error::BufferTooSmall { needed, found })?;
    Ok(BatchMut::from_slice_generic(data, Const::<N>, Dyn(batch)))
}

/// Splits `buffer` into a head of `len` floats and the rest, or says it is too small.
pub fn split_buffer(buffer: &mut [f32], len: usize) -> Result<(&mut [f32], &mut [f32]), Error> {
    if buffer.len() < len {
        return Err(Error::BufferTooSmall {
            needed: len,
            found: buffer.len(),
        });
    }
    Ok(buffer.split_at_mut(len))
}

/// Checks that `data` holds exactly `features`·`batch` floats and that the batch is not empty.
pub fn check_input(data: &[f32], features: usize, batch: usize) -> Result<(), Error> {
    if batch == 0 {
        return Err(Error::EmptyBatch);
    }
    match features.checked_mul(batch) {
        Some(expected) if expected == data.len() => Ok(()),
        expected => Err(Error::ShapeMismatch {
            expected: expected.unwrap_or(usize::MAX),
            found: data.len(),
        }),
    }
}

/// Checks that `workspace` holds `per_sample`·`batch` floats and that the batch is not empty.
pub fn check_workspace(workspace: &[f32], per_sample: usize, batch: usize) -> Result<(), Error> {
    if batch == 0 {
        return Err(Error::EmptyBatch);
    }
    let found = workspace.len();
    let needed = per_sample.saturating_mul(batch);
    if needed > found {
        return Err(Error::BufferTooSmall { needed, found });
    }
    Ok(())
}

/// The checks every model method starts with: the workspace is large enough, the input holds
/// `features`·`batch` floats, and every one of them is finite.
pub fn check_batch(
    workspace: &[f32],
    per_sample: usize,
    input: &[f32],
    features: usize,
    batch: usize,
) -> Result<(), Error> {
    check_workspace(workspace, per_sample, batch)?;
    check_input(input, features, batch)?;
    check_finite(input)
}

/// [`Error::NonFinite`] if any value is NaN or infinite.
pub fn check_finite(values: &[f32]) -> Result<(), Error> {
    if crate::math::all_finite(values) {
        Ok(())
    } else {
        Err(Error::NonFinite)
    }
}
