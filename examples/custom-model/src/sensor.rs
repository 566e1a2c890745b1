//! A seeded stand-in for a sensor log: windows of a 3-axis accelerometer (in g) in three
//! activities — idle (gravity and noise), walking (a 2 Hz swing) and running (a 3.5 Hz swing,
//! larger) — one window a line, `x0,y0,z0,x1,…`, then the activity as a label.

use std::fmt::Write as _;
use std::path::Path;

/// Windows written.
const WINDOWS: usize = 1500;
/// Readings per second.
const RATE: f32 = 50.0;

/// The CSV for `width` floats per window (a multiple of 3), written if absent; its path.
pub fn ensure_csv(width: usize) -> Result<&'static str, String> {
    if width == 0 || !width.is_multiple_of(3) {
        return Err(format!(
            "WIDTH must be a positive multiple of 3 (x, y, z), not {width}"
        ));
    }
    let path: &'static str = Box::leak(format!("sensor-{width}.csv").into_boxed_str());
    if !Path::new(path).exists() {
        std::fs::write(path, csv(width)).map_err(|e| format!("cannot write {path}: {e}"))?;
        eprintln!("wrote {path}: {WINDOWS} windows of {width} values");
    }
    Ok(path)
}

/// The whole table, header first.
fn csv(width: usize) -> String {
    let mut text = String::new();
    for i in 0..width / 3 {
        let _ = write!(text, "x{i},y{i},z{i},");
    }
    text.push_str("activity\n");
    let mut state = 0x5EED_u64;
    for window in 0..WINDOWS {
        let activity = window % 3;
        let (hertz, amplitude) = [(0.0, 0.0), (2.0, 0.4), (3.5, 0.9)][activity];
        let phase = uniform(&mut state) * std::f32::consts::TAU;
        for i in 0..width / 3 {
            let t = i as f32 / RATE;
            let swing = amplitude * (std::f32::consts::TAU * hertz * t + phase).sin();
            let noise = |state: &mut u64| 0.05 * (uniform(state) - 0.5);
            let x = swing + noise(&mut state);
            let y = 0.5 * swing + noise(&mut state);
            let z = 1.0 + 0.3 * swing.abs() + noise(&mut state);
            let _ = write!(text, "{x:.4},{y:.4},{z:.4},");
        }
        let _ = writeln!(text, "{activity}");
    }
    text
}

/// A uniform draw in [0, 1) from a SplitMix64 step: the data needs only to be the same every
/// time, not to share the trainer's generator.
fn uniform(state: &mut u64) -> f32 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
}
