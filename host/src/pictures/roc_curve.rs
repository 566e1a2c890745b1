//! The picture of a ROC curve: false-positive rate across, true-positive rate up, the chance
//! diagonal dashed, grid lines at every quarter.

use super::canvas::{Canvas, GUIDE, Stroke};
use super::{DIGIT_COLOURS, Picture};
use crate::anomaly::Roc;

/// The colour of the curve.
pub const CURVE_COLOUR: [u8; 3] = DIGIT_COLOURS[0];

/// The curve as drawn, in data coordinates: `(false-positive rate, true-positive rate)` at each
/// corner of `roc`, from (0, 0) to (1, 1).
pub fn roc_polyline(roc: &Roc) -> Vec<(f64, f64)> {
    roc.points()
        .iter()
        .map(|p| (p.false_positive_rate, p.true_positive_rate))
        .collect()
}

/// A `size`×`size` RGB picture of `roc`'s curve over the unit square, with the chance diagonal.
pub fn roc_picture(roc: &Roc, size: usize) -> Picture {
    roc_canvas(roc, size).into_picture()
}

fn roc_canvas(roc: &Roc, size: usize) -> Canvas {
    let mut canvas = Canvas::new(size, size, margin(size), (0.0, 1.0), (0.0, 1.0));
    let solid = Stroke::default();
    for quarter in 1..4 {
        let at = f64::from(quarter) / 4.0;
        canvas.line((at, 0.0), (at, 1.0), GUIDE, solid);
        canvas.line((0.0, at), (1.0, at), GUIDE, solid);
    }
    canvas.line(
        (0.0, 0.0),
        (1.0, 1.0),
        GUIDE,
        Stroke {
            thickness: 1,
            dash: 4,
        },
    );
    canvas.frame();
    let thick = Stroke {
        thickness: (size / 200).max(2),
        dash: 0,
    };
    for pair in roc_polyline(roc).windows(2) {
        canvas.line(pair[0], pair[1], CURVE_COLOUR, thick);
    }
    canvas
}

/// The blank border of a chart `size` pixels wide.
fn margin(size: usize) -> usize {
    (size / 20).max(4)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::canvas::WHITE;
    use super::*;

    fn roc(scores: &[f32], anomalous: &[bool]) -> Roc {
        Roc::new(scores, anomalous).unwrap()
    }

    #[test]
    fn the_polyline_runs_from_the_origin_to_the_top_right() {
        let curve = roc_polyline(&roc(&[0.2, 0.9, 0.4, 0.7], &[false, true, true, false]));
        assert_eq!(curve.first(), Some(&(0.0, 0.0)));
        assert_eq!(curve.last(), Some(&(1.0, 1.0)));
        // Corners in order: neither rate ever goes down.
        assert!(
            curve
                .windows(2)
                .all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1)
        );
    }

    #[test]
    fn a_perfect_score_climbs_the_left_edge_and_the_diagonal_is_dashed_below_it() {
        let perfect = roc(&[0.0, 1.0, 2.0, 3.0], &[false, false, true, true]);
        let canvas = roc_canvas(&perfect, 200);
        let at = |x: f64, y: f64| {
            let (column, row) = canvas.pixel_of(x, y);
            canvas.colour_at(column, row).unwrap()
        };
        // The curve: (0, 0) → (0, 1) → (1, 1).
        assert_eq!(at(0.0, 0.0), CURVE_COLOUR);
        assert_eq!(at(0.0, 0.6), CURVE_COLOUR);
        assert_eq!(at(0.6, 1.0), CURVE_COLOUR);
        assert_eq!(at(1.0, 1.0), CURVE_COLOUR);
        // Below the curve: the diagonal, on or off its dashes, and white paper.
        let diagonal: Vec<_> = (10..90)
            .map(|i| at(i as f64 / 100.0, i as f64 / 100.0))
            .collect();
        assert!(diagonal.contains(&GUIDE) && diagonal.contains(&WHITE));
        assert_eq!(at(0.6, 0.1), WHITE);
    }

    #[test]
    fn the_picture_has_the_size_asked() {
        let picture = roc_picture(&roc(&[0.0, 1.0], &[false, true]), 64);
        assert_eq!(
            (picture.width, picture.height, picture.channels),
            (64, 64, 3)
        );
        assert_eq!(picture.bytes.len(), 64 * 64 * 3);
    }
}
