//! The boards' memory layouts, `memory/<board>.x`: the layout of the board being built goes
//! into `OUT_DIR/memory.x`, where the runtime's `link.x` INCLUDEs it (the cortex-m-quickstart
//! pattern), and every board's budget into `OUT_DIR/budgets.rs` for the library.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::BoxError;
use crate::board::{self, BOARDS, Board, MEASUREMENT_FLASH, MEASUREMENT_RAM};

/// The memory layout of `board`, relative to the package.
pub fn layout_path(board: &Board) -> String {
    format!("memory/{}.x", board.name)
}

/// Writes the budgets of every board, links the layout of the target's board (or, in a
/// measurement build, the same with [`MEASUREMENT_RAM`] bytes of RAM) and tells the library
/// which board it is built for. A target that is no board's (the host: tests, the host
/// simulation) takes the budget of the reference board, `BOARDS[0]`, and links normally.
pub fn link(out: &Path) -> Result<(), BoxError> {
    let target = env::var("TARGET")?;
    let firmware = board::for_target(&target);
    let current = firmware.unwrap_or(&BOARDS[0]);

    let mut budgets = String::from(
        "/// Each board's budget, in the order of `board::BOARDS`, from `memory/<board>.x`.\n\
         pub const BUDGETS: [Budget; crate::board::BOARDS.len()] = [\n",
    );
    let mut current_layout = None;
    for (index, board) in BOARDS.iter().enumerate() {
        let path = layout_path(board);
        println!("cargo:rerun-if-changed={path}");
        let script = fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let ram = region_length(&script, "RAM").map_err(|e| format!("{path}: {e}"))?;
        let flash = region_length(&script, "FLASH").map_err(|e| format!("{path}: {e}"))?;
        let _ = writeln!(
            budgets,
            "    Budget {{ ram: {ram}, flash: {flash} }}, // {}",
            board.name
        );
        if board == current {
            println!("cargo:rustc-env=TINYVAE_BOARD_INDEX={index}");
            current_layout = Some((script, ram, flash));
        }
    }
    budgets.push_str("];\n");
    fs::write(out.join("budgets.rs"), budgets)?;

    let (script, ram, flash) = current_layout.ok_or("the current board is not in BOARDS")?;
    let measurement = env::var("TINYVAE_MEASUREMENT_BUILD").is_ok_and(|v| v == "1");
    let (linked, region) = if measurement {
        let in_layout = |e| format!("{}: {e}", layout_path(current));
        let mut linked = with_length(&script, "RAM", MEASUREMENT_RAM).map_err(in_layout)?;
        if flash < MEASUREMENT_FLASH {
            linked = with_length(&linked, "FLASH", MEASUREMENT_FLASH).map_err(in_layout)?;
        }
        (linked, MEASUREMENT_RAM)
    } else {
        (script, ram)
    };
    fs::write(out.join("memory.x"), linked)?;
    println!("cargo:rustc-env=TINYVAE_RAM_REGION={region}");
    println!("cargo:rustc-link-search={}", out.display());
    if firmware.is_some() {
        // --nmagic: no page alignment of sections (flash starts at 0; avoids padding).
        println!("cargo:rustc-link-arg-bins=--nmagic");
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
    }
    Ok(())
}

/// Returns the `LENGTH` of memory region `name` in bytes (accepts `K`/`M` suffixes,
/// decimal or `0x` hex).
fn region_length(script: &str, name: &str) -> Result<usize, String> {
    let script = strip_comments(script);
    let line = region_line(&script, name)?;
    let value = line
        .split("LENGTH")
        .nth(1)
        .and_then(|rest| rest.split('=').nth(1))
        .map(|v| v.trim().trim_end_matches([',', ';']).trim())
        .ok_or_else(|| format!("cannot read LENGTH of {name}"))?;
    let (digits, mult) = match value.as_bytes().last() {
        Some(b'K' | b'k') => (&value[..value.len() - 1], 1024),
        Some(b'M' | b'm') => (&value[..value.len() - 1], 1024 * 1024),
        _ => (value, 1),
    };
    let n = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => usize::from_str_radix(hex, 16),
        None => digits.parse(),
    }
    .map_err(|e| format!("LENGTH of {name} `{value}`: {e}"))?;
    Ok(n * mult)
}

/// The `name : ORIGIN = ..., LENGTH = ...` line of a memory region.
fn region_line<'s>(script: &'s str, name: &str) -> Result<&'s str, String> {
    script
        .lines()
        .map(str::trim)
        .find(|l| l.split(':').next().map(str::trim) == Some(name) && l.contains("LENGTH"))
        .ok_or_else(|| format!("no `{name} : ... LENGTH = ...` line"))
}

/// A memory layout with region `name`'s LENGTH replaced by `bytes` (everything else unchanged).
fn with_length(script: &str, name: &str, bytes: usize) -> Result<String, String> {
    let stripped = strip_comments(script);
    let line = region_line(&stripped, name)?;
    let (head, _) = line
        .split_once("LENGTH")
        .ok_or_else(|| format!("{name} line without LENGTH"))?;
    let replaced = format!("{head}LENGTH = {}K", bytes / 1024);
    let mut out = String::new();
    let mut found = false;
    for l in script.lines() {
        if l.trim() == line {
            out.push_str(&replaced);
            found = true;
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    if found {
        Ok(out)
    } else {
        Err(format!(
            "keep the {name} line free of comments (build.rs rewrites it)"
        ))
    }
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
