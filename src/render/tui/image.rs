//! Grey-scale images in the terminal.
//!
//! With colours and Unicode, a cell shows two pixels stacked: `▀` with the foreground set to the
//! upper pixel and the background to the lower one, from a 26-step grey ramp of the 256-colour
//! palette (black, dark grey, grey and white with the 16 basic colours, see [`Theme::grey`]),
//! so a 28×28 digit takes 28×14 cells and an 8×8 digit 8×4. Otherwise (ASCII or no
//! colours) each cell shows the mean of its pixel pair as a character of [`RAMP`]
//! (` .:-=+*#%@`), which keeps the same geometry.
//!
//! Images can be shrunk by an integer `scale` (mean of `scale × scale` blocks) to fit; the
//! `fit_*` functions choose the scale for a panel. Nothing is allocated while drawing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;

use super::theme::{RAMP, Theme};
use tinyvae_host::train::events::Image;

/// The upper half block.
pub const UPPER_HALF: &str = "▀";

/// The 256-colour index of grey level `v` in [0, 1]: black (16), the 24 greys 232–255, white
/// (231).
pub fn grey(v: f32) -> Color {
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let level = (v * 25.0).round() as u8;
    Color::Indexed(match level {
        0 => 16,
        25 => 231,
        l => 231 + l,
    })
}

/// The [`RAMP`] character of grey level `v` in [0, 1].
pub fn ramp(v: f32) -> &'static str {
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let i = (v * (RAMP.len() - 1) as f32).round() as usize;
    let i = i.min(RAMP.len() - 1);
    // RAMP is ASCII, so every byte is a one-byte str.
    std::str::from_utf8(&RAMP[i..=i]).unwrap_or(" ")
}

/// Pixels of an image shrunk by an integer factor.
#[derive(Clone, Copy, Debug)]
pub struct Scaled<'a> {
    image: &'a Image,
    scale: usize,
}

impl<'a> Scaled<'a> {
    /// `image` shrunk by `scale` (at least 1).
    pub fn new(image: &'a Image, scale: usize) -> Self {
        Self {
            image,
            scale: scale.max(1),
        }
    }

    /// Pixels per row after scaling.
    pub fn width(&self) -> usize {
        self.image.width.div_ceil(self.scale)
    }

    /// Rows after scaling.
    pub fn height(&self) -> usize {
        self.image.height.div_ceil(self.scale)
    }

    /// Cells taken: one column per pixel, one row per two pixel rows.
    pub fn cells(&self) -> (u16, u16) {
        cells(self.image.width, self.image.height, self.scale)
    }

    /// The mean of the block of pixels behind scaled pixel `(x, y)`, 0 outside.
    pub fn pixel(&self, x: usize, y: usize) -> f32 {
        let s = self.scale;
        let (w, h) = (self.image.width, self.image.height);
        let (x0, y0) = (x * s, y * s);
        if x0 >= w || y0 >= h {
            return 0.0;
        }
        let (x1, y1) = ((x0 + s).min(w), (y0 + s).min(h));
        let mut sum = 0.0;
        for row in y0..y1 {
            for col in x0..x1 {
                let v = self.image.pixels.get(row * w + col).copied().unwrap_or(0.0);
                sum += if v.is_finite() {
                    v.clamp(0.0, 1.0)
                } else {
                    0.0
                };
            }
        }
        sum / ((x1 - x0) * (y1 - y0)) as f32
    }
}

/// Cells taken by a `width × height` image shrunk by `scale`.
pub fn cells(width: usize, height: usize, scale: usize) -> (u16, u16) {
    let scale = scale.max(1);
    let w = width.div_ceil(scale);
    let h = height.div_ceil(scale).div_ceil(2);
    (
        u16::try_from(w).unwrap_or(u16::MAX),
        u16::try_from(h).unwrap_or(u16::MAX),
    )
}

/// Draws `image` shrunk by `scale` with its top-left cell at `(x, y)`, clipped to `clip`.
pub fn draw(
    image: &Image,
    scale: usize,
    x: u16,
    y: u16,
    clip: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    let scaled = Scaled::new(image, scale);
    let (w, h) = scaled.cells();
    let clip = clip.intersection(buf.area);
    let rows = scaled.height();
    for cy in 0..h {
        for cx in 0..w {
            let (bx, by) = (x.saturating_add(cx), y.saturating_add(cy));
            if bx < clip.left() || bx >= clip.right() || by < clip.top() || by >= clip.bottom() {
                continue;
            }
            let (px, py) = (usize::from(cx), 2 * usize::from(cy));
            let upper = scaled.pixel(px, py);
            let lower = (py + 1 < rows).then(|| scaled.pixel(px, py + 1));
            let Some(cell) = buf.cell_mut((bx, by)) else {
                continue;
            };
            if theme.half_blocks() {
                cell.set_symbol(UPPER_HALF)
                    .set_fg(theme.grey(upper))
                    .set_bg(theme.grey(lower.unwrap_or(0.0)));
            } else {
                let v = lower.map_or(upper, |lower| (upper + lower) / 2.0);
                cell.set_symbol(ramp(v));
            }
        }
    }
}

/// Draws images left to right from `(area.x, area.y)` with `gap` columns between them, as many
/// as fit; returns how many were drawn.
pub fn draw_row(
    images: &[Image],
    scale: usize,
    gap: u16,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) -> usize {
    let mut x = area.x;
    let mut drawn = 0;
    for image in images {
        let (w, _) = cells(image.width, image.height, scale);
        if x.saturating_add(w) > area.right() {
            break;
        }
        draw(image, scale, x, area.y, area, buf, theme);
        drawn += 1;
        x = x.saturating_add(w).saturating_add(gap);
    }
    drawn
}

/// The smallest scale at which an image stays recognisable: about a quarter of its size, but
/// never under 6 pixels (or its own size).
pub fn max_scale(width: usize) -> usize {
    let min_pixels = width.div_ceil(4).max(6).min(width.max(1));
    (1..=width.max(1))
        .rev()
        .find(|&s| width.div_ceil(s) >= min_pixels)
        .unwrap_or(1)
}

/// The layout of a square `size × size` grid of images (the latent manifold) in `area`,
/// without gaps: the scale fitting the most images (ties: the larger images), and how many
/// columns and rows of the grid are shown (evenly picked when not all fit).
pub fn fit_grid(image_width: usize, image_height: usize, size: usize, area: Rect) -> GridFit {
    let mut best = GridFit::default();
    for scale in 1..=max_scale(image_width) {
        let (w, h) = cells(image_width, image_height, scale);
        let columns = usize::from(area.width / w.max(1)).min(size);
        let rows = usize::from(area.height / h.max(1)).min(size);
        if columns * rows > best.columns * best.rows {
            best = GridFit {
                scale,
                columns,
                rows,
            };
        }
    }
    best
}

/// How a grid of images fits in an area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GridFit {
    /// Shrink factor.
    pub scale: usize,
    /// Grid columns shown.
    pub columns: usize,
    /// Grid rows shown.
    pub rows: usize,
}

/// The `i`-th of `shown` indices spread evenly over `0..size` (first and last included).
pub fn spread(i: usize, shown: usize, size: usize) -> usize {
    if shown <= 1 || size <= 1 {
        return 0;
    }
    (i * (size - 1) + (shown - 1) / 2) / (shown - 1)
}

#[cfg(test)]
mod tests {
    use super::super::options::Colors;
    use super::*;

    fn image_4x4() -> Image {
        Image {
            width: 4,
            height: 4,
            pixels: vec![
                0.0, 1.0, 0.0, 1.0, //
                0.0, 0.0, 1.0, 1.0, //
                0.5, 0.5, 0.5, 0.5, //
                1.0, 0.0, 0.2, 0.0, //
            ],
        }
    }

    #[test]
    fn half_blocks_of_a_known_image_are_exact() {
        let theme = Theme {
            ascii: false,
            color: Colors::Indexed,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 3));
        draw(&image_4x4(), 1, 1, 0, buf.area, &mut buf, &theme);
        let black = Color::Indexed(16);
        let white = Color::Indexed(231);
        // 0.5 → level 12.5 → 13 → 244; 0.2 → level 5 → 236.
        let mid = Color::Indexed(244);
        let dark = Color::Indexed(236);
        let expected = [
            [
                (black, black),
                (white, black),
                (black, white),
                (white, white),
            ],
            [(mid, white), (mid, black), (mid, dark), (mid, black)],
        ];
        for (row, cells) in expected.iter().enumerate() {
            for (col, &(fg, bg)) in cells.iter().enumerate() {
                let cell = &buf[(col as u16 + 1, row as u16)];
                assert_eq!(cell.symbol(), "▀", "({col}, {row})");
                assert_eq!((cell.fg, cell.bg), (fg, bg), "({col}, {row})");
            }
        }
        // Nothing drawn outside the image.
        assert_eq!(buf[(0, 0)].symbol(), " ");
        assert_eq!(buf[(5, 0)].symbol(), " ");
        assert_eq!(buf[(1, 2)].symbol(), " ");
    }

    #[test]
    fn ramp_of_a_known_image_averages_pixel_pairs() {
        let theme = Theme {
            ascii: true,
            color: Colors::Indexed,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 2));
        draw(&image_4x4(), 1, 0, 0, buf.area, &mut buf, &theme);
        let text: Vec<String> = (0..2)
            .map(|y| (0..4).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect();
        // Means [0, .5, .5, 1] and [.75, .25, .35, .25] on the 10-step ramp " .:-=+*#%@".
        assert_eq!(text, vec![" ++@", "#:-:"]);
    }

    #[test]
    fn scaling_takes_block_means() {
        let image = image_4x4();
        let scaled = Scaled::new(&image, 2);
        assert_eq!((scaled.width(), scaled.height()), (2, 2));
        assert_eq!(scaled.cells(), (2, 1));
        assert_eq!(scaled.pixel(0, 0), 0.25);
        assert_eq!(scaled.pixel(1, 0), 0.75);
        assert_eq!(scaled.pixel(0, 1), 0.5);
        let odd = Scaled::new(&image, 3);
        assert_eq!(odd.cells(), (2, 1));
        assert_eq!(odd.pixel(1, 1), 0.0);
    }

    #[test]
    fn odd_heights_leave_the_lower_half_black() {
        let theme = Theme {
            ascii: false,
            color: Colors::Indexed,
        };
        let image = Image {
            width: 1,
            height: 1,
            pixels: vec![1.0],
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 1, 1));
        draw(&image, 1, 0, 0, buf.area, &mut buf, &theme);
        assert_eq!(
            (buf[(0, 0)].fg, buf[(0, 0)].bg),
            (Color::Indexed(231), Color::Indexed(16))
        );
    }

    #[test]
    fn malformed_images_do_not_panic() {
        let theme = Theme {
            ascii: false,
            color: Colors::Indexed,
        };
        let image = Image {
            width: 5,
            height: 5,
            pixels: vec![f32::NAN, 2.0],
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 3));
        draw(&image, 1, 0, 0, buf.area, &mut buf, &theme);
        draw(&image, 1, 2, 2, buf.area, &mut buf, &theme);
        assert_eq!(buf[(0, 0)].fg, Color::Indexed(16));
        assert_eq!(buf[(1, 0)].fg, Color::Indexed(231));
    }

    #[test]
    fn fitting() {
        assert_eq!(max_scale(28), 4);
        assert_eq!(max_scale(8), 1);
        let fit = fit_grid(28, 28, 10, Rect::new(0, 0, 76, 35));
        assert_eq!(
            fit,
            GridFit {
                scale: 4,
                columns: 10,
                rows: 8
            }
        );
        assert_eq!(fit_grid(28, 28, 10, Rect::new(0, 0, 280, 140)).scale, 1);
        assert_eq!(
            (0..4).map(|i| spread(i, 4, 10)).collect::<Vec<_>>(),
            vec![0, 3, 6, 9]
        );
        assert_eq!(spread(0, 1, 10), 0);
    }
}
