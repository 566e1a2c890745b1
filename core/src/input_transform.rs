//! Input normalization: the per-feature affine map a model was trained behind, applied the same
//! way wherever the model runs.
//!
//! `x'ᵢ = (xᵢ − offsetᵢ) · scaleᵢ` in f32, then clamped to [0, 1] if `clamp`: one subtraction
//! and one multiplication, each rounded once by IEEE 754, and a comparison, so every target
//! computes the same bits. [`normalize`] is that formula, written once: the host's fitted
//! transform (`tinyvae_host::data::InputTransform`, through [`InputTransformRef`]) and a weight
//! blob's transform on a device ([`InputTransformView`](crate::weights::InputTransformView))
//! both apply it, feature by feature, in order.

use crate::Error;

/// One normalized feature: `y = (x − offset) · scale`, then `y.clamp(0, 1)` if `clamp`.
///
/// A NaN input stays NaN (clamping does not hide it).
#[inline]
pub fn normalize(x: f32, offset: f32, scale: f32, clamp: bool) -> f32 {
    let y = (x - offset) * scale;
    if clamp { y.clamp(0.0, 1.0) } else { y }
}

/// Normalizes `sample` in place with one `(offset, scale)` pair per feature, in order.
///
/// Errors: [`Error::ShapeMismatch`] unless `sample` has exactly `features` values, in which case
/// `sample` is unchanged.
pub(crate) fn normalize_sample(
    sample: &mut [f32],
    features: usize,
    pairs: impl Iterator<Item = (f32, f32)>,
    clamp: bool,
) -> Result<(), Error> {
    if sample.len() != features {
        return Err(Error::ShapeMismatch {
            expected: features,
            found: sample.len(),
        });
    }
    for (x, (offset, scale)) in sample.iter_mut().zip(pairs) {
        *x = normalize(*x, offset, scale, clamp);
    }
    Ok(())
}

/// An input transform borrowed from two slices of equal length: what
/// [`weights::save_with_transform`](crate::weights::save_with_transform) writes into a blob, and
/// how a host applies the transform it fitted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InputTransformRef<'a> {
    offset: &'a [f32],
    scale: &'a [f32],
    clamp: bool,
}

impl<'a> InputTransformRef<'a> {
    /// `x'ᵢ = (xᵢ − offset[i]) · scale[i]`, clamped to [0, 1] if `clamp`.
    ///
    /// Errors: [`Error::ShapeMismatch`] (expected `offset.len()`, found `scale.len()`) if the
    /// slices differ in length.
    pub fn new(offset: &'a [f32], scale: &'a [f32], clamp: bool) -> Result<Self, Error> {
        if offset.len() != scale.len() {
            return Err(Error::ShapeMismatch {
                expected: offset.len(),
                found: scale.len(),
            });
        }
        Ok(Self {
            offset,
            scale,
            clamp,
        })
    }

    /// Features the transform is for.
    pub fn features(&self) -> usize {
        self.offset.len()
    }

    /// Subtracted from each feature.
    pub fn offset(&self) -> &'a [f32] {
        self.offset
    }

    /// Then multiplied with it.
    pub fn scale(&self) -> &'a [f32] {
        self.scale
    }

    /// Whether the result is clamped to [0, 1].
    pub fn clamp(&self) -> bool {
        self.clamp
    }

    /// Whether every offset and scale is finite (a blob only holds finite ones).
    pub fn is_finite(&self) -> bool {
        crate::math::all_finite(self.offset) && crate::math::all_finite(self.scale)
    }

    /// Normalizes one sample in place with [`normalize`].
    ///
    /// Errors: [`Error::ShapeMismatch`] unless `sample` has [`Self::features`] values; the
    /// sample is then unchanged.
    pub fn apply(&self, sample: &mut [f32]) -> Result<(), Error> {
        let pairs = self.offset.iter().copied().zip(self.scale.iter().copied());
        normalize_sample(sample, self.features(), pairs, self.clamp)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_formula_subtracts_then_multiplies_then_clamps() {
        // Each operation rounds: the order is part of the result. (0.7 − 0.2)·3 is 1.5, while
        // 0.7·3 − 0.2·3 is the float below it.
        let x = 0.7f32;
        let expected = (x - 0.2f32) * 3.0f32;
        assert_eq!(normalize(x, 0.2, 3.0, false).to_bits(), expected.to_bits());
        assert_eq!(expected, 1.5);
        assert_ne!(expected.to_bits(), (x * 3.0 - 0.2f32 * 3.0).to_bits());
        assert_eq!(normalize(x, 0.2, 3.0, true), 1.0);
        assert_eq!(normalize(0.1, 0.3, 3.0, true), 0.0);
        assert_eq!(normalize(2.0, 0.0, 1.0, true), 1.0);
        assert_eq!(normalize(0.25, 0.0, 1.0, true), 0.25);
        assert!(normalize(f32::NAN, 0.0, 1.0, true).is_nan());
    }

    #[test]
    fn a_sample_of_another_length_is_refused_untouched() {
        let t = InputTransformRef::new(&[1.0, -2.0], &[0.5, 0.25], false).unwrap();
        let mut sample = [3.0, 2.0];
        t.apply(&mut sample).unwrap();
        assert_eq!(sample, [1.0, 1.0]);
        let mut short = [3.0];
        assert_eq!(
            t.apply(&mut short),
            Err(Error::ShapeMismatch {
                expected: 2,
                found: 1
            })
        );
        assert_eq!(short, [3.0]);
        assert_eq!(
            InputTransformRef::new(&[1.0], &[], true),
            Err(Error::ShapeMismatch {
                expected: 1,
                found: 0
            })
        );
        assert!(t.is_finite());
        assert!(
            !InputTransformRef::new(&[f32::INFINITY], &[1.0], true)
                .unwrap()
                .is_finite()
        );
    }
}
