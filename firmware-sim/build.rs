//! Build script: makes `memory.x` (the device memory budget) visible to the linker and to
//! the code, and generates the benchmark's weight blob.
//!
//! - Copies `memory.x` into `OUT_DIR` and adds that to the link search path, so
//!   cortex-m-rt's `link.x` finds it (the cortex-m-quickstart pattern).
//! - On thumb targets only, passes `-Tlink.x` to the binaries (host builds and tests
//!   link normally).
//! - Exports the RAM and FLASH lengths as `TINYVAE_RAM_BUDGET` / `TINYVAE_FLASH_BUDGET`
//!   (bytes), so memory.x stays the single source of truth for the host simulation too.
//! - Writes `bench_weights.bin`: 64x32 little-endian f32 weights from a fixed-seed PRNG,
//!   laid out column-major (each output's 64 weights contiguous).

use std::env;
use std::fs;
use std::path::PathBuf;

/// Rows (inputs) of the benchmark weight matrix; keep in sync with `src/kernel.rs`.
const IN: usize = 64;
/// Columns (outputs) of the benchmark weight matrix; keep in sync with `src/kernel.rs`.
const OUT: usize = 32;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let memory_x = fs::read_to_string("memory.x")?;
    fs::write(out.join("memory.x"), &memory_x)?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");

    let ram = region_length(&memory_x, "RAM")?;
    let flash = region_length(&memory_x, "FLASH")?;
    println!("cargo:rustc-env=TINYVAE_RAM_BUDGET={ram}");
    println!("cargo:rustc-env=TINYVAE_FLASH_BUDGET={flash}");

    if env::var("TARGET")?.starts_with("thumb") {
        // --nmagic: no page alignment of sections (flash starts at 0; avoids padding).
        println!("cargo:rustc-link-arg-bins=--nmagic");
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
    }

    fs::write(out.join("bench_weights.bin"), bench_weights())?;
    Ok(())
}

/// Returns the `LENGTH` of memory region `name` in bytes (accepts `K`/`M` suffixes,
/// decimal or `0x` hex).
fn region_length(script: &str, name: &str) -> Result<u64, String> {
    let script = strip_comments(script);
    let line = script
        .lines()
        .map(str::trim)
        .find(|l| l.split(':').next().map(str::trim) == Some(name) && l.contains("LENGTH"))
        .ok_or_else(|| format!("memory.x: no `{name} : ... LENGTH = ...` line"))?;
    let value = line
        .split("LENGTH")
        .nth(1)
        .and_then(|rest| rest.split('=').nth(1))
        .map(|v| v.trim().trim_end_matches([',', ';']).trim())
        .ok_or_else(|| format!("memory.x: cannot read LENGTH of {name}"))?;
    let (digits, mult) = match value.as_bytes().last() {
        Some(b'K' | b'k') => (&value[..value.len() - 1], 1024),
        Some(b'M' | b'm') => (&value[..value.len() - 1], 1024 * 1024),
        _ => (value, 1),
    };
    let n = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse(),
    }
    .map_err(|e| format!("memory.x: LENGTH of {name} `{value}`: {e}"))?;
    Ok(n * mult)
}

/// Removes `/* ... */` comments.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// Deterministic weights in [-0.5, 0.5), scaled by 1/sqrt(IN), as little-endian bytes.
fn bench_weights() -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    let scale = 1.0 / (IN as f32).sqrt();
    (0..IN * OUT)
        .flat_map(|_| {
            // xorshift32
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let unit = (state >> 8) as f32 / (1u32 << 24) as f32;
            ((unit - 0.5) * scale).to_le_bytes()
        })
        .collect()
}
