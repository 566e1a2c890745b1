//! Gradient clipping by global norm.

use crate::{Error, Parameters};

/// Rescales `grads` so that their global Euclidean norm is at most `max_norm`, as proposed by
/// Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural networks":
///
/// ‖g‖ = √(Σ over all tensors of Σ gᵢ²);  if ‖g‖ > c then g ← (c / ‖g‖)·g.
///
/// The direction of the update is kept; only its length is bounded. Returns ‖g‖ before
/// clipping, the figure worth logging. The norm is computed as max|gᵢ|·√(Σ (gᵢ / max|gᵢ|)²), so
/// it neither overflows for huge gradients nor underflows for tiny ones (it is reported as
/// infinite only when it exceeds `f32::MAX`, and clipping is still exact then).
///
/// Errors: [`Error::InvalidConfig`] unless `max_norm` is finite and positive;
/// [`Error::NonFinite`] if a gradient is NaN or infinite, in which case `grads` is untouched.
pub fn clip_global_norm<M: Parameters>(grads: &mut M, max_norm: f32) -> Result<f32, Error> {
    if !(max_norm.is_finite() && max_norm > 0.0) {
        return Err(Error::InvalidConfig("max_norm must be finite and positive"));
    }
    // f32::max skips NaN, so a NaN shows up in the sum below instead; an infinity shows here.
    let largest = (0..M::TENSORS)
        .map(|index| {
            grads
                .tensor(index)
                .iter()
                .fold(0.0f32, |m, g| m.max(g.abs()))
        })
        .fold(0.0f32, f32::max);
    if !largest.is_finite() {
        return Err(Error::NonFinite);
    }
    if largest == 0.0 {
        return if grads.is_finite() {
            Ok(0.0)
        } else {
            Err(Error::NonFinite)
        };
    }
    // Σ (g/max)² ∈ [1, SCALARS], summed per tensor and then over tensors to limit rounding.
    // Multiplying by 1/max is cheaper than dividing, and exact enough, unless max is so small
    // (below 1/f32::MAX) that its reciprocal overflows.
    let reciprocal = 1.0 / largest;
    let scaled_sum: f32 = (0..M::TENSORS)
        .map(|index| {
            let tensor = grads.tensor(index);
            if reciprocal.is_finite() {
                tensor.iter().map(|&g| square(g * reciprocal)).sum::<f32>()
            } else {
                tensor.iter().map(|&g| square(g / largest)).sum::<f32>()
            }
        })
        .sum();
    if !scaled_sum.is_finite() {
        return Err(Error::NonFinite);
    }
    let root = libm::sqrtf(scaled_sum);
    let norm = largest * root;
    if norm > max_norm {
        // c/‖g‖ in the same overflow-free form.
        grads.scale(max_norm / largest / root);
    }
    Ok(norm)
}

fn square(x: f32) -> f32 {
    x * x
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use bytemuck::Zeroable;

    use super::*;
    use crate::test_support::assert_close;
    use crate::{Chain, Dense};

    type Net = Chain<Dense<2, 1>, Dense<1, 1>>;

    /// Gradients (w₀, w₁, b₀ | w, b) of a Chain<Dense<2, 1>, Dense<1, 1>>.
    fn grads(values: [f32; 5]) -> Net {
        let mut net = Net::zeroed();
        net.first.weight[0] = values[0];
        net.first.weight[1] = values[1];
        net.first.bias[0] = values[2];
        net.second.weight[0] = values[3];
        net.second.bias[0] = values[4];
        net
    }

    fn flat(net: &Net) -> [f32; 5] {
        [
            net.first.weight[0],
            net.first.weight[1],
            net.first.bias[0],
            net.second.weight[0],
            net.second.bias[0],
        ]
    }

    #[test]
    fn clips_to_max_norm_across_tensors() {
        // ‖(3, 0, 0 | 4, 0)‖ = 5, spread over two layers.
        let mut g = grads([3.0, 0.0, 0.0, 4.0, 0.0]);
        let norm = clip_global_norm(&mut g, 1.0).unwrap();
        assert_eq!(norm, 5.0);
        let clipped = flat(&g);
        for (value, expected) in clipped.into_iter().zip([0.6, 0.0, 0.0, 0.8, 0.0]) {
            assert_close!(value, expected, 1e-6);
        }
        assert_close!(libm::sqrtf(g.squared_norm()), 1.0, 1e-6);
    }

    #[test]
    fn golden_norm_and_factor() {
        // ‖(1, −2, 2, 4, −2)‖ = √29 = 5.385165; clipped to 2: factor 2/√29 = 0.37139068.
        let mut g = grads([1.0, -2.0, 2.0, 4.0, -2.0]);
        let norm = clip_global_norm(&mut g, 2.0).unwrap();
        assert_close!(norm, 5.385_164_8, 1e-6);
        let factor = 0.371_390_68;
        for (value, original) in flat(&g).into_iter().zip([1.0, -2.0, 2.0, 4.0, -2.0]) {
            assert_close!(value, original * factor, 1e-6);
        }
    }

    #[test]
    fn leaves_small_gradients_alone() {
        let mut g = grads([0.3, -0.4, 0.0, 0.0, 0.0]);
        let norm = clip_global_norm(&mut g, 1.0).unwrap();
        assert_close!(norm, 0.5, 1e-7);
        assert_eq!(flat(&g), [0.3, -0.4, 0.0, 0.0, 0.0]);

        let mut zero = Net::zeroed();
        assert_eq!(clip_global_norm(&mut zero, 1.0).unwrap(), 0.0);
        assert_eq!(zero, Net::zeroed());
    }

    #[test]
    fn huge_and_tiny_gradients_keep_their_norm() {
        // Σ g² overflows f32 here, and underflows to 0 below; the scaled form does neither.
        let mut huge = grads([3e30, 0.0, 0.0, -4e30, 0.0]);
        assert_close!(clip_global_norm(&mut huge, 1.0).unwrap(), 5e30, 1e-6);
        assert_close!(huge.first.weight[0], 0.6, 1e-6);
        assert_close!(huge.second.weight[0], -0.8, 1e-6);

        let mut tiny = grads([3e-30, 0.0, 0.0, 4e-30, 0.0]);
        assert_close!(clip_global_norm(&mut tiny, 1.0).unwrap() / 1e-30, 5.0, 1e-6);
        assert_eq!(tiny.first.weight[0], 3e-30);

        // Subnormal: 1/max overflows, so the scaled squares are computed by division.
        let mut subnormal = grads([3e-40, 0.0, 0.0, 4e-40, 0.0]);
        let norm = clip_global_norm(&mut subnormal, 1.0).unwrap();
        assert_close!(norm / 1e-40, 5.0, 1e-4);
    }

    #[test]
    fn non_finite_gradients_are_refused_untouched() {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut g = grads([100.0, 0.0, 0.0, bad, 50.0]);
            assert_eq!(clip_global_norm(&mut g, 1.0), Err(Error::NonFinite));
            let after = flat(&g);
            assert_eq!(after[..3], [100.0, 0.0, 0.0]);
            assert_eq!(after[4], 50.0);

            // Alone among zeros, where the largest magnitude is 0.
            let mut g = grads([0.0, 0.0, bad, 0.0, 0.0]);
            assert_eq!(clip_global_norm(&mut g, 1.0), Err(Error::NonFinite));
        }
    }

    #[test]
    fn invalid_max_norm_is_refused() {
        for max_norm in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            let mut g = grads([1.0; 5]);
            assert!(matches!(
                clip_global_norm(&mut g, max_norm),
                Err(Error::InvalidConfig(_))
            ));
            assert_eq!(flat(&g), [1.0; 5]);
        }
    }
}
