//! PNG pictures of digits (grids of images, the latent scatter) and the charts of a detector
//! (its ROC curve, its score histograms).

use std::io;
use std::path::Path;

use crate::atomic_file::write_atomically;
use crate::train::events::{Image, LatentPoint};

mod canvas;
mod histogram;
mod roc_curve;

pub use crate::histogram::ScoreHistogram;
pub use histogram::{ANOMALOUS_COLOUR, NORMAL_COLOUR, THRESHOLD_COLOUR, histogram_picture};
pub use roc_curve::{CURVE_COLOUR, roc_picture, roc_polyline};

/// The colour of a point whose data has no labels.
pub const UNLABELLED_COLOUR: [u8; 3] = [120, 120, 120];

/// Ten colours that stay apart on white, one per digit (Tableau 10).
pub const DIGIT_COLOURS: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// A picture in memory, 8-bit grey or RGB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Bytes per pixel: 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Row-major bytes.
    pub bytes: Vec<u8>,
}

impl Picture {
    /// Encodes the picture as PNG.
    pub fn to_png(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            encoder.set_color(if self.channels == 3 {
                png::ColorType::Rgb
            } else {
                png::ColorType::Grayscale
            });
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().map_err(io::Error::other)?;
            writer
                .write_image_data(&self.bytes)
                .map_err(io::Error::other)?;
        }
        Ok(out)
    }

    /// Writes the picture as a PNG file, atomically.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        write_atomically(path, &self.to_png()?)
    }
}

/// Images side by side in rows of `columns`, each scaled up `scale` times, with a one-pixel
/// grey gutter. All images must share one size; an empty list gives an empty picture.
pub fn grid(images: &[Image], columns: usize, scale: usize) -> Picture {
    let (Some(first), true) = (images.first(), columns > 0 && scale > 0) else {
        return Picture {
            width: 0,
            height: 0,
            channels: 1,
            bytes: Vec::new(),
        };
    };
    let (cell_w, cell_h) = (first.width * scale + 1, first.height * scale + 1);
    let rows = images.len().div_ceil(columns);
    let (width, height) = (columns * cell_w + 1, rows * cell_h + 1);
    let mut bytes = vec![96u8; width * height];
    for (n, image) in images.iter().enumerate() {
        let (x0, y0) = ((n % columns) * cell_w + 1, (n / columns) * cell_h + 1);
        for y in 0..image.height.min(first.height) * scale {
            for x in 0..image.width.min(first.width) * scale {
                let value = image
                    .pixels
                    .get((y / scale) * image.width + x / scale)
                    .copied();
                bytes[(y0 + y) * width + x0 + x] = to_byte(value.unwrap_or(0.0));
            }
        }
    }
    Picture {
        width,
        height,
        channels: 1,
        bytes,
    }
}

/// A `size`×`size` RGB scatter of latent points coloured by digit, axes scaled to the data.
pub fn latent_scatter(points: &[LatentPoint], size: usize) -> Picture {
    let mut bytes = vec![255u8; size * size * 3];
    let finite = points.iter().filter(|p| p.x.is_finite() && p.y.is_finite());
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for p in finite.clone() {
        (min_x, max_x) = (min_x.min(p.x), max_x.max(p.x));
        (min_y, max_y) = (min_y.min(p.y), max_y.max(p.y));
    }
    let span_x = (max_x - min_x).max(1e-6);
    let span_y = (max_y - min_y).max(1e-6);
    let margin = 4.0;
    let usable = size as f32 - 2.0 * margin - 1.0;
    for p in finite {
        let cx = (margin + (p.x - min_x) / span_x * usable) as isize;
        let cy = (margin + (max_y - p.y) / span_y * usable) as isize;
        let colour = p.label.map_or(UNLABELLED_COLOUR, |label| {
            DIGIT_COLOURS[usize::from(label) % 10]
        });
        // A 3×3 dot.
        for dy in -1..=1 {
            for dx in -1..=1 {
                let (x, y) = (cx + dx, cy + dy);
                if (0..size as isize).contains(&x) && (0..size as isize).contains(&y) {
                    let at = (y as usize * size + x as usize) * 3;
                    bytes[at..at + 3].copy_from_slice(&colour);
                }
            }
        }
    }
    Picture {
        width: size,
        height: size,
        channels: 3,
        bytes,
    }
}

fn to_byte(value: f32) -> u8 {
    (value.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn grid_places_pixels_and_gutters() {
        let a = Image {
            width: 2,
            height: 1,
            pixels: vec![0.0, 1.0],
        };
        let picture = grid(&[a.clone(), a], 2, 1);
        assert_eq!((picture.width, picture.height), (7, 3));
        assert_eq!(&picture.bytes[7..14], &[96, 0, 255, 96, 0, 255, 96]);
    }

    #[test]
    fn png_round_trips_through_the_decoder() {
        let picture = grid(
            &[Image {
                width: 3,
                height: 2,
                pixels: vec![0.5; 6],
            }],
            1,
            2,
        );
        let png = picture.to_png().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        assert_eq!((info.width, info.height), (8, 6));
        assert_eq!(&buffer[..info.buffer_size()], &picture.bytes[..]);
    }

    #[test]
    fn scatter_colours_points_by_label() {
        let points = [
            LatentPoint {
                x: 0.0,
                y: 0.0,
                label: Some(1),
            },
            LatentPoint {
                x: 1.0,
                y: 1.0,
                label: Some(3),
            },
        ];
        let picture = latent_scatter(&points, 20);
        let pixel = |x: usize, y: usize| &picture.bytes[(y * 20 + x) * 3..(y * 20 + x) * 3 + 3];
        assert_eq!(pixel(4, 15), &DIGIT_COLOURS[1]);
        assert_eq!(pixel(15, 4), &DIGIT_COLOURS[3]);
    }
}
