//! Host-side helpers shared by `tests/qemu.rs` and `examples/memory-matrix.rs`: build the
//! firmware with an inner cargo, run it under QEMU with the workspace's runner, parse its
//! `key=value` lines, and turn them into the memory matrix.
//!
//! The inner cargo gets its own target dir (`<target>/qemu`): sharing the outer one would
//! deadlock on cargo's build-directory lock.

// Used from a test and from an example, each using part of it.
#![allow(dead_code)]
// Failing here is failing the test or the command: `expect` is the point.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// The firmware's target.
pub const TARGET: &str = "thumbv7em-none-eabihf";
/// Wall-clock limit for one QEMU run (the firmware itself takes about a second).
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// The RAM budgets of the memory matrix.
pub const MATRIX_BUDGETS_KIB: [usize; 4] = [16, 32, 64, 128];

/// Serializes inner builds: they share one target dir and one output path.
static BUILD_LOCK: Mutex<()> = Mutex::new(());

pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The runner command for `TARGET`, read from `.cargo/config.toml`.
pub fn runner() -> Vec<String> {
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

/// Why QEMU runs are impossible here, if they are.
pub fn missing_prerequisite(qemu: &str) -> Option<String> {
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

/// The inner cargo's target dir: `qemu/` in the outer target dir (found from this
/// executable: `<target>/debug/deps/qemu-<hash>` or `<target>/debug/examples/<name>`).
fn inner_target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.ancestors()
        .nth(3)
        .map_or_else(|| workspace_root().join("target"), Path::to_path_buf)
        .join("qemu")
}

/// A firmware build: which blob, and whether it links the measurement RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Build {
    /// `TINYVAE_BLOB`: `vae-digits`, `standardized` (with an input transform) or a broken
    /// variant.
    pub blob: &'static str,
    /// `TINYVAE_MEASUREMENT_BUILD=1`.
    pub measurement: bool,
}

impl Build {
    /// The firmware as shipped.
    pub const DEFAULT: Self = Self {
        blob: "vae-digits",
        measurement: false,
    };
    /// The memory matrix's measurement build.
    pub const MEASUREMENT: Self = Self {
        blob: "vae-digits",
        measurement: true,
    };

    /// Builds the firmware (release) and returns a copy of the ELF named after the build.
    pub fn build(self) -> PathBuf {
        let dir = inner_target_dir();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let _guard = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut command = Command::new(cargo);
        command
            .args(["build", "-p", "firmware-sim", "--bin", "firmware"])
            .args(["--features", "qemu", "--target", TARGET, "--release"])
            .env("CARGO_TARGET_DIR", &dir)
            .env("TINYVAE_BLOB", self.blob)
            .env_remove("CARGO_BUILD_TARGET")
            .env_remove("TINYVAE_MEASUREMENT_BUILD")
            .current_dir(workspace_root());
        if self.measurement {
            command.env("TINYVAE_MEASUREMENT_BUILD", "1");
        }
        let status = command.status().expect("run cargo build");
        assert!(
            status.success(),
            "cargo build of the firmware ({self:?}) failed"
        );
        let elf = dir.join(TARGET).join("release").join("firmware");
        let suffix = if self.measurement { "-measurement" } else { "" };
        let copy = dir.join(format!("firmware-{}{suffix}.elf", self.blob));
        std::fs::copy(&elf, &copy).expect("copy the firmware ELF");
        copy
    }
}

/// What a QEMU run produced.
#[derive(Clone, Debug)]
pub struct Run {
    /// QEMU's exit code (the firmware's semihosting exit status).
    pub code: Option<i32>,
    /// The firmware's stdout.
    pub stdout: String,
    /// The firmware's stderr.
    pub stderr: String,
}

impl Run {
    /// The `key=value` lines of stdout (the first `=` splits).
    pub fn values(&self) -> BTreeMap<String, String> {
        parse(&self.stdout)
    }
}

/// Runs the runner on `elf` under [`RUN_TIMEOUT`].
pub fn run_qemu(runner: &[String], elf: &Path) -> Run {
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
        thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// `key=value` lines into a map.
pub fn parse(output: &str) -> BTreeMap<String, String> {
    output
        .lines()
        .filter_map(|l| l.trim().split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// `m[key]` parsed, or a panic naming the key.
pub fn num<T: std::str::FromStr>(m: &BTreeMap<String, String>, key: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    m.get(key)
        .unwrap_or_else(|| panic!("firmware did not print {key}="))
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e:?}"))
}

/// The presets and modes of the matrix, as the firmware names them.
pub const MATRIX_ROWS: [(&str, &str, &str); 6] = [
    ("vae-digits", "inference", "inference"),
    ("vae-digits", "sgd", "training, SGD"),
    ("vae-digits", "adam", "training, Adam"),
    ("ae-digits", "inference", "inference"),
    ("ae-digits", "sgd", "training, SGD"),
    ("ae-digits", "adam", "training, Adam"),
];

/// One row of the memory matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixRow {
    pub preset: &'static str,
    pub mode: &'static str,
    pub label: &'static str,
    /// `.data` + `.bss`: the firmware's static RAM.
    pub static_bytes: usize,
    /// Stack high-water mark of the mode (buffers included), measured.
    pub stack_bytes: usize,
    /// Of the stack, the mode's buffers (type sizes).
    pub buffer_bytes: Option<usize>,
    /// static + max(mode stack, stack outside the modes).
    pub ram_bytes: usize,
}

impl MatrixRow {
    /// Whether the mode fits a RAM of `budget` bytes.
    pub fn fits(&self, budget: usize) -> bool {
        self.ram_bytes <= budget
    }
}

/// The matrix from a firmware run in which every mode ran (a measurement build).
pub fn matrix(m: &BTreeMap<String, String>) -> Vec<MatrixRow> {
    let static_bytes: usize = num(m, "ram_static_bytes");
    let outside: usize = num(m, "stack_outside_modes_bytes");
    MATRIX_ROWS
        .iter()
        .map(|&(preset, mode, label)| {
            let stack_bytes: usize = num(m, &format!("{preset}.{mode}.stack_bytes"));
            MatrixRow {
                preset,
                mode,
                label,
                static_bytes,
                stack_bytes,
                buffer_bytes: m
                    .get(&format!("{preset}.{mode}.buffer_bytes"))
                    .and_then(|v| v.parse().ok()),
                ram_bytes: static_bytes + stack_bytes.max(outside),
            }
        })
        .collect()
}

/// The matrix as a Markdown table.
pub fn matrix_markdown(rows: &[MatrixRow]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "| preset | mode | RAM used (bytes) | static | stack (measured) | of which buffers |"
    );
    for kib in MATRIX_BUDGETS_KIB {
        let _ = write!(s, " {kib} KiB |");
    }
    let _ = write!(s, "\n|---|---|--:|--:|--:|--:|");
    for _ in MATRIX_BUDGETS_KIB {
        let _ = write!(s, ":-:|");
    }
    s.push('\n');
    for r in rows {
        let buffers = r.buffer_bytes.map_or_else(|| "–".to_owned(), thousands);
        let _ = write!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.preset,
            r.label,
            thousands(r.ram_bytes),
            thousands(r.static_bytes),
            thousands(r.stack_bytes),
            buffers
        );
        for kib in MATRIX_BUDGETS_KIB {
            let _ = write!(s, " {} |", if r.fits(kib * 1024) { "yes" } else { "no" });
        }
        s.push('\n');
    }
    s
}

/// `12345` → `12,345`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
