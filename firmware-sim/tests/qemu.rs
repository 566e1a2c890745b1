//! Boots the firmware on QEMU (mps2-an386, Cortex-M4F) and checks what it prints.
//!
//! Builds `firmware` for `thumbv7em-none-eabihf` with an inner cargo, then runs it with the
//! runner command from the workspace's `.cargo/config.toml` (the same one `cargo run`
//! uses) under a timeout. The inner cargo gets its own target dir (`<target>/qemu`): sharing
//! the outer one would deadlock on cargo's build-directory lock.
//!
//! Without `qemu-system-arm` or the Rust target, the test prints a notice and passes,
//! unless `CI=true`, where it fails.

// A test reports failure by panicking: `expect` is the point here.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use firmware_sim::{FLASH_BUDGET, RAM_BUDGET};

const TARGET: &str = "thumbv7em-none-eabihf";
/// Wall-clock limit for the QEMU run (the firmware itself takes well under a second).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The runner command for `TARGET`, read from `.cargo/config.toml`.
fn runner() -> Vec<String> {
    let path = workspace_root().join(".cargo/config.toml");
    let config = std::fs::read_to_string(&path).expect("read .cargo/config.toml");
    let header = format!("[target.{TARGET}]");
    let section = config
        .split_once(&header)
        .map(|(_, rest)| rest)
        .expect("no runner section for the thumb target");
    let line = section
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("runner"))
        .expect("no runner line");
    let value = line.split_once('=').expect("runner = \"...\"").1.trim();
    value
        .trim_matches('"')
        .split_whitespace()
        .map(String::from)
        .collect()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

fn target_installed() -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    Command::new(rustc)
        .args(["--print", "sysroot"])
        .current_dir(workspace_root())
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .is_some_and(|sysroot| {
            Path::new(sysroot.trim())
                .join("lib/rustlib")
                .join(TARGET)
                .is_dir()
        })
}

/// Why the test cannot run here, if it cannot.
fn missing_prerequisite(qemu: &str) -> Option<String> {
    if !on_path(qemu) {
        return Some(format!(
            "`{qemu}` is not on PATH (apt-get install qemu-system-arm)"
        ));
    }
    if !target_installed() {
        return Some(format!(
            "Rust target {TARGET} missing (rustup target add {TARGET})"
        ));
    }
    None
}

/// The inner cargo's target dir: `qemu/` next to this test's `debug/` directory.
fn inner_target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // <target>/debug/deps/qemu-<hash>
    exe.ancestors()
        .nth(3)
        .map_or_else(|| workspace_root().join("target"), Path::to_path_buf)
        .join("qemu")
}

fn build_firmware() -> PathBuf {
    let dir = inner_target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-p", "firmware-sim", "--bin", "firmware"])
        .args(["--features", "qemu", "--target", TARGET, "--release"])
        .env("CARGO_TARGET_DIR", &dir)
        .env_remove("CARGO_BUILD_TARGET")
        .current_dir(workspace_root())
        .status()
        .expect("run cargo build");
    assert!(status.success(), "cargo build of the firmware failed");
    dir.join(TARGET).join("release").join("firmware")
}

/// Runs the runner on `elf`; returns (exit success, stdout, stderr).
fn run_qemu(runner: &[String], elf: &Path) -> (bool, String, String) {
    let mut child = Command::new(&runner[0])
        .args(&runner[1..])
        .arg(elf)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for qemu") {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("qemu did not exit within {RUN_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(50));
    };
    let out = out.join().expect("stdout reader");
    let err = err.join().expect("stderr reader");
    (status.success(), out, err)
}

fn parse(output: &str) -> BTreeMap<&str, &str> {
    output
        .lines()
        .filter_map(|l| l.trim().split_once('='))
        .collect()
}

fn num<T: std::str::FromStr>(m: &BTreeMap<&str, &str>, key: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    m.get(key)
        .unwrap_or_else(|| panic!("firmware did not print {key}="))
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e:?}"))
}

#[test]
fn firmware_runs_on_qemu_within_budget() {
    let runner = runner();
    if let Some(reason) = missing_prerequisite(&runner[0]) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but cannot run the QEMU test: {reason}"
        );
        // Straight to stderr: the test harness would capture `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED firmware_runs_on_qemu_within_budget: {reason}"
        );
        return;
    }
    let elf = build_firmware();
    let (ok, out, err) = run_qemu(&runner, &elf);
    println!("--- firmware stdout ---\n{out}--- firmware stderr ---\n{err}");
    assert!(ok, "firmware exited with failure");

    let m = parse(&out);
    assert_eq!(m.get("result"), Some(&"ok"));

    let flash: usize = num(&m, "flash_bytes");
    assert_eq!(num::<usize>(&m, "flash_budget"), FLASH_BUDGET);
    assert!(
        flash > 8 * 1024,
        "flash {flash} cannot hold the 8 KiB of weights"
    );
    assert!(flash <= FLASH_BUDGET);

    let static_ram: usize = num(&m, "ram_static_bytes");
    let stack: usize = num(&m, "stack_high_water_bytes");
    let stack_device: usize = num(&m, "stack_device_bytes");
    let used: usize = num(&m, "ram_used_bytes");
    assert_eq!(num::<usize>(&m, "ram_budget"), RAM_BUDGET);
    assert!(stack_device > 0 && stack >= stack_device);
    assert_eq!(used, static_ram + stack);
    assert!(used <= RAM_BUDGET);

    // mps2-an386's SysTick runs at 25 MHz; with -icount shift=0 that is 40 insns a tick.
    let per_tick: f64 = num(&m, "systick_insns_per_tick");
    assert!((per_tick - 40.0).abs() < 0.5, "calibration: {per_tick}");
    assert_eq!(num::<u32>(&m, "kernel_macs_per_call"), 2048);
    let per_mac: f64 = num(&m, "insns_per_mac");
    assert!(
        (1.0..50.0).contains(&per_mac),
        "{per_mac} instructions per MAC is implausible"
    );
}
