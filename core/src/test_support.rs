//! Helpers shared by the core's tests.

/// Asserts that two floats agree within a relative tolerance (absolute near zero):
/// |a − b| ≤ tol · max(1, |a|, |b|).
macro_rules! assert_close {
    ($a:expr, $b:expr, $tol:expr $(,)?) => {
        $crate::test_support::assert_close!($a, $b, $tol, "")
    };
    ($a:expr, $b:expr, $tol:expr, $($msg:tt)+) => {{
        let (a, b, tol): (f64, f64, f64) = ($a as f64, $b as f64, $tol as f64);
        let scale = 1f64.max(a.abs()).max(b.abs());
        assert!(
            (a - b).abs() <= tol * scale,
            "{} vs {} (tolerance {}): {}",
            a,
            b,
            tol,
            format!($($msg)+)
        );
    }};
}
pub(crate) use assert_close;

use crate::Parameters;

/// Compares `analytic` gradients with central finite differences of `loss` around `model`,
/// tensor by tensor: ‖g − ĝ‖ / max(‖g‖, ‖ĝ‖, 1e-6) ≤ `tolerance`.
///
/// The loss is evaluated in f32 by the model, so the step is a compromise between truncation
/// error (O(h²)) and rounding error (O(ε·L/h)); 1e-2 is right for the small models tested here.
pub(crate) fn check_gradients<M: Parameters>(
    model: &mut M,
    analytic: &M,
    mut loss: impl FnMut(&M) -> f64,
    tolerance: f64,
) {
    const STEP: f32 = 1e-2;
    for tensor in 0..M::TENSORS {
        let (mut difference, mut norm_analytic, mut norm_numeric) = (0.0f64, 0.0f64, 0.0f64);
        for i in 0..model.tensor(tensor).len() {
            let original = model.tensor(tensor)[i];
            model.tensor_mut(tensor)[i] = original + STEP;
            let up = loss(model);
            model.tensor_mut(tensor)[i] = original - STEP;
            let down = loss(model);
            model.tensor_mut(tensor)[i] = original;
            let numeric = (up - down) / (2.0 * STEP as f64);
            let exact = analytic.tensor(tensor)[i] as f64;
            difference += (exact - numeric).powi(2);
            norm_analytic += exact * exact;
            norm_numeric += numeric * numeric;
        }
        let relative = difference.sqrt() / norm_analytic.sqrt().max(norm_numeric.sqrt()).max(1e-6);
        assert!(
            relative <= tolerance,
            "tensor {tensor}: relative gradient error {relative:.2e} > {tolerance:.0e}"
        );
    }
}
