//! Latent interpolation: points evenly spaced on the segment between two codes.

/// Writes into `code` the point `step` of `steps` evenly spaced on the segment from `from` to
/// `to`: z = (1 − t)·from + t·to with t = step/(steps − 1) (t = 0 for a single step), so the
/// first point is `from` and the last `to`, exactly. The three slices have one length; extra
/// floats of the longer ones are left alone.
pub fn interpolation_point(from: &[f32], to: &[f32], step: usize, steps: usize, code: &mut [f32]) {
    let last = steps.saturating_sub(1).max(1) as f32;
    let t = step as f32 / last;
    for ((c, &a), &b) in code.iter_mut().zip(from).zip(to) {
        *c = (1.0 - t) * a + t * b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_are_exact_and_the_middle_is_the_mean() {
        let (from, to) = ([1.0f32, -2.0], [3.0f32, 0.5]);
        let mut code = [0.0; 2];
        interpolation_point(&from, &to, 0, 5, &mut code);
        assert_eq!(code, from);
        interpolation_point(&from, &to, 4, 5, &mut code);
        assert_eq!(code, to);
        interpolation_point(&from, &to, 2, 5, &mut code);
        assert_eq!(code, [2.0, -0.75]);
        interpolation_point(&from, &to, 0, 1, &mut code);
        assert_eq!(code, from);
    }
}
