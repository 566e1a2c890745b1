#![allow(clippy::unwrap_used)]

use bytemuck::Zeroable;

use super::*;
use crate::rng::uniform_symmetric;
use crate::{Chain, Dense, Relu, SeededRng, seeded_rng};

type Net = Chain<Dense<3, 2, Relu>, Dense<2, 2>>;

fn random_net(rng: &mut SeededRng, bound: f32) -> Net {
    let mut net = Net::zeroed();
    for index in 0..Net::TENSORS {
        for value in net.tensor_mut(index) {
            *value = uniform_symmetric(rng, bound);
        }
    }
    net
}

/// A badly conditioned quadratic f(θ) = ½ Σ aᵢ(θᵢ − cᵢ)² with curvatures aᵢ ∈ [0.5, 2] and
/// minimum c, over every scalar of a [`Net`].
struct Quadratic {
    curvature: Net,
    minimum: Net,
}

impl Quadratic {
    fn new(seed: u64) -> Self {
        let mut rng = seeded_rng(seed);
        let mut curvature = random_net(&mut rng, 0.75);
        for index in 0..Net::TENSORS {
            curvature
                .tensor_mut(index)
                .iter_mut()
                .for_each(|a| *a += 1.25);
        }
        let minimum = random_net(&mut rng, 3.0);
        Self { curvature, minimum }
    }

    /// f(θ), and ∇f = a ⊙ (θ − c) written to `grads`.
    fn value_and_gradient(&self, theta: &Net, grads: &mut Net) -> f32 {
        let mut value = 0.0;
        for index in 0..Net::TENSORS {
            let a = self.curvature.tensor(index);
            let c = self.minimum.tensor(index);
            let t = theta.tensor(index);
            for (((g, &a), &c), &t) in grads.tensor_mut(index).iter_mut().zip(a).zip(c).zip(t) {
                *g = a * (t - c);
                value += 0.5 * a * (t - c) * (t - c);
            }
        }
        value
    }

    /// Runs `steps` steps of `optimizer` from a fixed start; returns θ and f(θ) at the end.
    fn minimize<O: Optimizer<Net>>(&self, optimizer: &O, steps: usize) -> (Net, f32) {
        let mut theta = Net::zeroed();
        let mut grads = Net::zeroed();
        let mut state = O::State::zeroed();
        for _ in 0..steps {
            self.value_and_gradient(&theta, &mut grads);
            optimizer.step(&mut theta, &grads, &mut state).unwrap();
        }
        let value = self.value_and_gradient(&theta, &mut grads);
        (theta, value)
    }

    fn largest_error(&self, theta: &Net) -> f32 {
        (0..Net::TENSORS)
            .flat_map(|index| theta.tensor(index).iter().zip(self.minimum.tensor(index)))
            .map(|(t, c)| (t - c).abs())
            .fold(0.0, f32::max)
    }
}

#[test]
fn every_optimizer_minimizes_a_quadratic() {
    let quadratic = Quadratic::new(11);
    let start = quadratic.value_and_gradient(&Net::zeroed(), &mut Net::zeroed());
    assert!(start > 10.0, "f(0) = {start}");

    let plain = Sgd { learning_rate: 0.5 };
    let momentum = SgdMomentum {
        learning_rate: 0.1,
        momentum: 0.8,
    };
    let adam = Adam::with_learning_rate(0.05);
    let runs: [(&str, (Net, f32)); 3] = [
        ("sgd", quadratic.minimize(&plain, 200)),
        ("momentum", quadratic.minimize(&momentum, 200)),
        ("adam", quadratic.minimize(&adam, 1000)),
    ];
    for (name, (theta, value)) in runs {
        let error = quadratic.largest_error(&theta);
        assert!(value < 1e-6 * start, "{name}: f = {value} from {start}");
        assert!(error < 1e-3, "{name}: max |θ − c| = {error}");
    }
}

#[test]
fn non_finite_gradients_leave_parameters_and_state_unchanged() {
    let mut rng = seeded_rng(12);
    let params = random_net(&mut rng, 1.0);
    let good = random_net(&mut rng, 1.0);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut grads = good;
        // The last scalar, so a loop that updated as it checked would already have written.
        grads.second.bias[1] = bad;

        let sgd = SgdMomentum {
            learning_rate: 0.1,
            momentum: 0.9,
        };
        let (mut theta, mut state) = (params, SgdMomentumState::<Net>::zeroed());
        sgd.step(&mut theta, &good, &mut state).unwrap();
        let (theta_before, state_before) = (theta, state.clone());
        assert_eq!(
            sgd.step(&mut theta, &grads, &mut state),
            Err(Error::NonFinite)
        );
        assert_eq!((&theta, &state), (&theta_before, &state_before));

        let adam = Adam::default();
        let (mut theta, mut state) = (params, AdamState::<Net>::zeroed());
        adam.step(&mut theta, &good, &mut state).unwrap();
        let (theta_before, state_before) = (theta, state.clone());
        assert_eq!(
            adam.step(&mut theta, &grads, &mut state),
            Err(Error::NonFinite)
        );
        assert_eq!((&theta, &state), (&theta_before, &state_before));
        assert_eq!(state.step, 1);
    }
}

#[test]
fn same_inputs_give_the_same_bits() {
    let quadratic = Quadratic::new(13);
    let momentum = SgdMomentum {
        learning_rate: 0.1,
        momentum: 0.9,
    };
    let adam = Adam::with_learning_rate(0.01);
    let bits = |net: &Net| -> Vec<u32> {
        (0..Net::TENSORS)
            .flat_map(|index| net.tensor(index).iter().map(|v| v.to_bits()))
            .collect()
    };
    let (a, _) = quadratic.minimize(&momentum, 25);
    let (b, _) = quadratic.minimize(&momentum, 25);
    assert_eq!(bits(&a), bits(&b));
    let (a, _) = quadratic.minimize(&adam, 25);
    let (b, _) = quadratic.minimize(&adam, 25);
    assert_eq!(bits(&a), bits(&b));
}
