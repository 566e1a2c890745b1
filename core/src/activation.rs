//! Element-wise activations, as zero-sized types so a layer's activation is part of its type.
//!
//! Every derivative here can be written from the activation's *output* y = f(a), so a layer
//! keeps only its output for the backward pass and applies the activation in place.

use bytemuck::AnyBitPattern;

/// An element-wise non-linearity y = f(a).
pub trait Activation: Copy + Default + AnyBitPattern + core::fmt::Debug + 'static {
    /// Short lower-case name, as shown to users and written in weight headers.
    const NAME: &'static str;
    /// Code written in weight headers: 0 to 4 for the activations of this crate, which keeps
    /// every code below [`crate::FIRST_USER_CODE`] (128) for its own; an activation defined
    /// outside it takes a code from 128 to 255, which no activation of the core will ever
    /// have.
    const CODE: u8;

    /// y = f(a).
    fn apply(a: f32) -> f32;

    /// f′(a), written as a function of y = f(a).
    fn derivative_from_output(y: f32) -> f32;

    /// Applies f to every element in place.
    fn apply_in_place(values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = Self::apply(*v));
    }

    /// Turns ∂L/∂y into ∂L/∂a in place: g ← g ⊙ f′(a), with f′ taken from the outputs y.
    fn backward_in_place(outputs: &[f32], grad: &mut [f32]) {
        for (g, &y) in grad.iter_mut().zip(outputs) {
            *g *= Self::derivative_from_output(y);
        }
    }
}

/// f(a) = a.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct Identity;

/// f(a) = max(a, 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct Relu;

/// f(a) = a for a > 0, 0.01·a otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct LeakyRelu;

/// f(a) = σ(a) = 1 / (1 + e^(−a)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct Sigmoid;

/// f(a) = tanh(a).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, AnyBitPattern)]
pub struct Tanh;

/// Slope of [`LeakyRelu`] for negative inputs.
pub const LEAKY_RELU_SLOPE: f32 = 0.01;

impl Activation for Identity {
    const NAME: &'static str = "identity";
    const CODE: u8 = 0;
    fn apply(a: f32) -> f32 {
        a
    }
    fn derivative_from_output(_: f32) -> f32 {
        1.0
    }
    fn apply_in_place(_: &mut [f32]) {}
    fn backward_in_place(_: &[f32], _: &mut [f32]) {}
}

impl Activation for Relu {
    const NAME: &'static str = "relu";
    const CODE: u8 = 1;
    fn apply(a: f32) -> f32 {
        if a > 0.0 { a } else { 0.0 }
    }
    fn derivative_from_output(y: f32) -> f32 {
        if y > 0.0 { 1.0 } else { 0.0 }
    }
}

impl Activation for LeakyRelu {
    const NAME: &'static str = "leaky-relu";
    const CODE: u8 = 2;
    fn apply(a: f32) -> f32 {
        if a > 0.0 { a } else { LEAKY_RELU_SLOPE * a }
    }
    // The slope is positive, so the sign of y is the sign of a.
    fn derivative_from_output(y: f32) -> f32 {
        if y > 0.0 { 1.0 } else { LEAKY_RELU_SLOPE }
    }
}

impl Activation for Sigmoid {
    const NAME: &'static str = "sigmoid";
    const CODE: u8 = 3;
    fn apply(a: f32) -> f32 {
        sigmoid(a)
    }
    fn derivative_from_output(y: f32) -> f32 {
        y * (1.0 - y)
    }
}

impl Activation for Tanh {
    const NAME: &'static str = "tanh";
    const CODE: u8 = 4;
    fn apply(a: f32) -> f32 {
        libm::tanhf(a)
    }
    fn derivative_from_output(y: f32) -> f32 {
        1.0 - y * y
    }
}

/// σ(a) = 1 / (1 + e^(−a)), evaluated so that neither tail overflows.
pub fn sigmoid(a: f32) -> f32 {
    crate::math::sigmoid(a)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_support::assert_close;

    fn check_derivative<A: Activation>() {
        for &a in &[-3.0f32, -0.7, -0.1, 0.2, 0.9, 2.5] {
            let h = 1e-3;
            let numeric = (A::apply(a + h) - A::apply(a - h)) / (2.0 * h);
            let analytic = A::derivative_from_output(A::apply(a));
            assert_close!(analytic, numeric, 1e-3, "{} at {a}", A::NAME);
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        check_derivative::<Identity>();
        check_derivative::<Relu>();
        check_derivative::<LeakyRelu>();
        check_derivative::<Sigmoid>();
        check_derivative::<Tanh>();
    }

    #[test]
    fn golden_values() {
        assert_eq!(Relu::apply(-2.0), 0.0);
        assert_eq!(LeakyRelu::apply(-2.0), -0.02);
        assert_close!(Sigmoid::apply(0.0), 0.5, 1e-7);
        assert_close!(Sigmoid::apply(2.0), 0.880_797_1, 1e-6);
        assert_close!(Tanh::apply(0.5), 0.462_117_16, 1e-6);
    }

    #[test]
    fn sigmoid_tails_are_finite() {
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!(sigmoid(f32::MIN).is_finite());
    }
}
