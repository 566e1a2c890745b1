//! Puts memory.x where cortex-m-rt's link.x finds it, and links the binary with link.x.
//!
//! Done here rather than in `.cargo/config.toml`, which cargo reads only when it is run from
//! inside this directory: this works from anywhere, `--manifest-path` included.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("OUT_DIR is writable");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
