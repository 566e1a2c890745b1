//! An RGB canvas with a plot area: lines, bars and frames in data coordinates, for the charts
//! of a detector (its ROC curve and its score histograms).

use super::Picture;

/// White, the background.
pub const WHITE: [u8; 3] = [255, 255, 255];
/// The frame and the axes.
pub const FRAME: [u8; 3] = [64, 64, 64];
/// Grid lines and the chance diagonal.
pub const GUIDE: [u8; 3] = [200, 200, 200];

/// A white RGB canvas whose plot area maps data coordinates `x` in `[x_min, x_max]` (left to
/// right) and `y` in `[y_min, y_max]` (bottom to top) to pixels inside a margin.
#[derive(Clone, Debug, PartialEq)]
pub struct Canvas {
    width: usize,
    height: usize,
    bytes: Vec<u8>,
    margin: usize,
    x_range: (f64, f64),
    y_range: (f64, f64),
}

impl Canvas {
    /// A white `width`×`height` canvas with `margin` pixels around the plot area and the given
    /// data ranges (an empty range is widened so the mapping stays finite).
    pub fn new(
        width: usize,
        height: usize,
        margin: usize,
        x_range: (f64, f64),
        y_range: (f64, f64),
    ) -> Self {
        let widen = |(low, high): (f64, f64)| {
            if high > low {
                (low, high)
            } else {
                (low, low + 1e-9_f64.max(low.abs() * 1e-6))
            }
        };
        Self {
            width,
            height,
            bytes: WHITE.repeat(width * height),
            margin: margin.min(width / 3).min(height / 3),
            x_range: widen(x_range),
            y_range: widen(y_range),
        }
    }

    /// The pixel column of data `x` (not clamped: it may lie outside the plot).
    pub fn column(&self, x: f64) -> isize {
        let (low, high) = self.x_range;
        let usable = self.width.saturating_sub(2 * self.margin + 1) as f64;
        (self.margin as f64 + (x - low) / (high - low) * usable).round() as isize
    }

    /// The pixel row of data `y` (not clamped), row 0 at the top.
    pub fn row(&self, y: f64) -> isize {
        let (low, high) = self.y_range;
        let usable = self.height.saturating_sub(2 * self.margin + 1) as f64;
        (self.margin as f64 + (high - y) / (high - low) * usable).round() as isize
    }

    /// The pixel of data point `(x, y)`.
    pub fn pixel_of(&self, x: f64, y: f64) -> (isize, isize) {
        (self.column(x), self.row(y))
    }

    /// The colour at pixel `(x, y)`, if it is on the canvas.
    #[cfg(test)]
    pub fn colour_at(&self, x: isize, y: isize) -> Option<[u8; 3]> {
        let at = self.index(x, y)?;
        Some([self.bytes[at], self.bytes[at + 1], self.bytes[at + 2]])
    }

    /// Paints pixel `(x, y)`; off the canvas, nothing happens.
    pub fn set(&mut self, x: isize, y: isize, colour: [u8; 3]) {
        if let Some(at) = self.index(x, y) {
            self.bytes[at..at + 3].copy_from_slice(&colour);
        }
    }

    /// Mixes `colour` half into pixel `(x, y)`, so overlapping bars show both.
    pub fn blend(&mut self, x: isize, y: isize, colour: [u8; 3]) {
        if let Some(at) = self.index(x, y) {
            for (byte, &c) in self.bytes[at..at + 3].iter_mut().zip(&colour) {
                *byte = ((u16::from(*byte) + u16::from(c)) / 2) as u8;
            }
        }
    }

    /// A straight line between two data points, drawn as `style` says.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), colour: [u8; 3], style: Stroke) {
        let (x0, y0) = self.pixel_of(from.0, from.1);
        let (x1, y1) = self.pixel_of(to.0, to.1);
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
        for step in 0..=steps {
            if style.dash > 0 && (step as usize / style.dash) % 2 == 1 {
                continue;
            }
            let t = step as f64 / steps as f64;
            let x = (x0 as f64 + t * (x1 - x0) as f64).round() as isize;
            let y = (y0 as f64 + t * (y1 - y0) as f64).round() as isize;
            for d in 0..style.thickness.max(1) as isize {
                // Thicken up and to the right, so a curve on the frame stays inside it.
                self.set(x + d, y, colour);
                self.set(x, y - d, colour);
            }
        }
    }

    /// A vertical bar from data `x_from` to `x_to` and from the bottom of the plot up to data
    /// `y`, mixed half into what is below.
    pub fn bar(&mut self, x_from: f64, x_to: f64, y: f64, colour: [u8; 3]) {
        let (left, right) = (self.column(x_from), self.column(x_to));
        let (top, bottom) = (self.row(y), self.row(self.y_range.0));
        for row in top..=bottom {
            for column in left..right.max(left + 1) {
                self.blend(column, row, colour);
            }
        }
    }

    /// The frame around the plot area.
    pub fn frame(&mut self) {
        let (x0, x1) = self.x_range;
        let (y0, y1) = self.y_range;
        let solid = Stroke::default();
        self.line((x0, y0), (x1, y0), FRAME, solid);
        self.line((x1, y0), (x1, y1), FRAME, solid);
        self.line((x1, y1), (x0, y1), FRAME, solid);
        self.line((x0, y1), (x0, y0), FRAME, solid);
    }

    /// The finished picture.
    pub fn into_picture(self) -> Picture {
        Picture {
            width: self.width,
            height: self.height,
            channels: 3,
            bytes: self.bytes,
        }
    }

    fn index(&self, x: isize, y: isize) -> Option<usize> {
        let (x, y) = (usize::try_from(x).ok()?, usize::try_from(y).ok()?);
        (x < self.width && y < self.height).then_some((y * self.width + x) * 3)
    }
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stroke {
    /// Pixels across (0 or 1: one pixel).
    pub thickness: usize,
    /// Pixels on, then as many off (0: solid).
    pub dash: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_corners_map_to_the_plot_corners() {
        // The margin of 5 is cut to a third of the height: 3 pixels, 14 columns and 4 rows
        // usable.
        let canvas = Canvas::new(21, 11, 5, (0.0, 1.0), (0.0, 1.0));
        assert_eq!(canvas.pixel_of(0.0, 0.0), (3, 7));
        assert_eq!(canvas.pixel_of(1.0, 1.0), (17, 3));
        assert_eq!(canvas.pixel_of(0.5, 0.5), (10, 5));
    }

    #[test]
    fn lines_bars_and_blending_paint_the_right_pixels() {
        let mut canvas = Canvas::new(12, 12, 1, (0.0, 10.0), (0.0, 10.0));
        canvas.line((0.0, 0.0), (10.0, 10.0), FRAME, Stroke::default());
        assert_eq!(canvas.colour_at(1, 10), Some(FRAME));
        assert_eq!(canvas.colour_at(6, 5), Some(FRAME));
        assert_eq!(canvas.colour_at(1, 1), Some(WHITE));
        canvas.bar(0.0, 2.0, 5.0, [0, 0, 255]);
        assert_eq!(canvas.colour_at(2, 8), Some([127, 127, 255]));
        assert_eq!(canvas.colour_at(4, 8), Some(WHITE));
        // Off the canvas: nothing, no panic.
        canvas.set(-1, 3, FRAME);
        canvas.set(3, 99, FRAME);
        assert_eq!(canvas.colour_at(-1, 3), None);
    }

    #[test]
    fn an_empty_range_is_widened() {
        let canvas = Canvas::new(10, 10, 1, (2.0, 2.0), (0.0, 1.0));
        assert_eq!(canvas.column(2.0), 1);
        assert!(canvas.column(3.0) > 1000);
    }
}
