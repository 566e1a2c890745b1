//! What a decoder's last layer means in the data space.
//!
//! Every decoder ends with an identity layer whose outputs ℓ are logits or values: the loss or
//! likelihood says which. Cross-entropy, the Bernoulli decoder and the squashed Gaussian read
//! x̂ = σ(ℓ) ∈ (0, 1), which can only fit data in [0, 1]; squared error on the linear output
//! and the unsquashed Gaussian read x̂ = ℓ itself, which fits real-valued data (standardized
//! features, sensor readings).

use crate::activation::sigmoid;

/// How a model maps its decoder's last layer ℓ to the reconstruction x̂ (or the mean of
/// p(x|z)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecoderOutput {
    /// x̂ = σ(ℓ) ∈ (0, 1), for data in [0, 1].
    #[default]
    Sigmoid,
    /// x̂ = ℓ, unbounded, for real-valued data.
    Linear,
}

impl DecoderOutput {
    /// Whether x̂ lies in (0, 1), so that the data must lie in [0, 1] to be fitted.
    pub fn is_unit_interval(self) -> bool {
        self == Self::Sigmoid
    }

    /// x̂ from ℓ, element by element, into `output` (as many floats as `logits` has; the
    /// caller checks the lengths).
    pub fn write(self, logits: &[f32], output: &mut [f32]) {
        match self {
            Self::Sigmoid => {
                for (out, &l) in output.iter_mut().zip(logits) {
                    *out = sigmoid(l);
                }
            }
            Self::Linear => {
                for (out, &l) in output.iter_mut().zip(logits) {
                    *out = l;
                }
            }
        }
    }

    /// x̂ from ℓ in place.
    pub fn apply_in_place(self, values: &mut [f32]) {
        if self == Self::Sigmoid {
            for v in values.iter_mut() {
                *v = sigmoid(*v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_squashes_and_linear_copies() {
        let logits = [0.0f32, 2.0, -3.5];
        let mut out = [0.0f32; 3];
        DecoderOutput::Sigmoid.write(&logits, &mut out);
        assert_eq!(out, [0.5, sigmoid(2.0), sigmoid(-3.5)]);
        let mut in_place = logits;
        DecoderOutput::Sigmoid.apply_in_place(&mut in_place);
        assert_eq!(in_place, out);
        DecoderOutput::Linear.write(&logits, &mut out);
        assert_eq!(out, logits);
        let mut in_place = logits;
        DecoderOutput::Linear.apply_in_place(&mut in_place);
        assert_eq!(in_place, logits);
        assert!(DecoderOutput::default().is_unit_interval());
        assert!(!DecoderOutput::Linear.is_unit_interval());
    }
}
