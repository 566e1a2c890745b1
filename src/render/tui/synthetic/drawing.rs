//! Digits drawn procedurally (a ring for 0, a bar for 1, strokes for the others), blurred as
//! an untrained decoder would, from a small seeded generator.

use tinyvae_host::train::events::Image;

/// A small deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Roughly normal with mean 0 and deviation 1 (sum of uniforms).
    pub fn normal(&mut self) -> f32 {
        (0..4)
            .map(|_| self.uniform())
            .sum::<f32>()
            .mul_add(3f32.sqrt(), -2.0 * 3f32.sqrt())
    }
}

type Stroke = &'static [(f32, f32)];

/// Polylines of each digit in a unit box (x right, y down).
fn strokes(digit: u8) -> &'static [Stroke] {
    const ZERO: [(f32, f32); 13] = [
        (0.50, 0.12),
        (0.68, 0.18),
        (0.77, 0.35),
        (0.78, 0.50),
        (0.76, 0.66),
        (0.67, 0.82),
        (0.50, 0.88),
        (0.33, 0.82),
        (0.24, 0.66),
        (0.22, 0.50),
        (0.23, 0.35),
        (0.32, 0.18),
        (0.50, 0.12),
    ];
    const UPPER_LOOP: [(f32, f32); 9] = [
        (0.50, 0.14),
        (0.66, 0.20),
        (0.68, 0.33),
        (0.62, 0.45),
        (0.50, 0.49),
        (0.38, 0.45),
        (0.32, 0.33),
        (0.34, 0.20),
        (0.50, 0.14),
    ];
    const LOWER_LOOP: [(f32, f32); 9] = [
        (0.50, 0.49),
        (0.68, 0.56),
        (0.73, 0.70),
        (0.66, 0.83),
        (0.50, 0.87),
        (0.34, 0.83),
        (0.27, 0.70),
        (0.32, 0.56),
        (0.50, 0.49),
    ];
    match digit % 10 {
        0 => &[&ZERO],
        1 => &[&[(0.40, 0.24), (0.54, 0.12), (0.54, 0.88)]],
        2 => &[&[
            (0.26, 0.28),
            (0.36, 0.16),
            (0.54, 0.12),
            (0.70, 0.22),
            (0.70, 0.40),
            (0.26, 0.86),
            (0.76, 0.86),
        ]],
        3 => &[&[
            (0.28, 0.18),
            (0.50, 0.12),
            (0.70, 0.22),
            (0.66, 0.40),
            (0.46, 0.49),
            (0.68, 0.58),
            (0.72, 0.74),
            (0.54, 0.87),
            (0.28, 0.82),
        ]],
        4 => &[&[(0.64, 0.88), (0.64, 0.12), (0.24, 0.62), (0.80, 0.62)]],
        5 => &[&[
            (0.72, 0.14),
            (0.34, 0.14),
            (0.30, 0.46),
            (0.54, 0.42),
            (0.72, 0.56),
            (0.70, 0.78),
            (0.50, 0.88),
            (0.28, 0.80),
        ]],
        6 => &[&[
            (0.66, 0.14),
            (0.42, 0.32),
            (0.30, 0.58),
            (0.34, 0.80),
            (0.50, 0.88),
            (0.68, 0.78),
            (0.68, 0.60),
            (0.52, 0.50),
            (0.32, 0.60),
        ]],
        7 => &[
            &[(0.24, 0.14), (0.76, 0.14), (0.44, 0.88)],
            &[(0.40, 0.50), (0.66, 0.50)],
        ],
        8 => &[&UPPER_LOOP, &LOWER_LOOP],
        _ => &[&UPPER_LOOP, &[(0.68, 0.33), (0.64, 0.60), (0.56, 0.88)]],
    }
}

fn segment_distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}

/// A digit drawn procedurally at `width × height`, slanted by `slant` and shifted by
/// `(dx, dy)` (unit coordinates), with anti-aliased strokes.
pub fn digit(label: u8, width: usize, height: usize, slant: f32, dx: f32, dy: f32) -> Image {
    let half_width = (0.075f32).max(0.55 / width as f32);
    let soft = 1.2 / width as f32;
    let mut pixels = Vec::with_capacity(width * height);
    for row in 0..height {
        for col in 0..width {
            let y = (row as f32 + 0.5) / height as f32 - dy;
            let x = (col as f32 + 0.5) / width as f32 - dx + slant * (y - 0.5);
            let d = strokes(label)
                .iter()
                .flat_map(|s| s.windows(2))
                .map(|w| segment_distance((x, y), w[0], w[1]))
                .fold(f32::INFINITY, f32::min);
            pixels.push((1.0 - (d - half_width) / soft).clamp(0.0, 1.0));
        }
    }
    Image {
        width,
        height,
        pixels,
    }
}

/// A 3×3 box blur mixed with the image: `amount` 0 keeps it, 1 blurs fully.
pub fn blur(image: &Image, amount: f32) -> Image {
    let (w, h) = (image.width, image.height);
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            let mut n = 0.0;
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    sum += image.pixels[yy * w + xx];
                    n += 1.0;
                }
            }
            let v = image.pixels[y * w + x];
            pixels.push(v + (sum / n - v) * amount);
        }
    }
    Image {
        width: w,
        height: h,
        pixels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_look_like_digits() {
        let zero = digit(0, 8, 8, 0.0, 0.0, 0.0);
        // A ring: dark centre, bright edge.
        assert!(zero.pixels[3 * 8 + 3] < 0.2);
        assert!(zero.pixels[8 + 3] > 0.5 || zero.pixels[3] > 0.5);
        let one = digit(1, 28, 28, 0.0, 0.0, 0.0);
        assert!(one.pixels[14 * 28 + 15] > 0.9);
        assert!(one.pixels[14 * 28 + 5] < 0.01);
    }
}
