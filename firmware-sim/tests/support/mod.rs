//! Host-side helpers shared by `tests/qemu.rs` and `examples/memory-matrix.rs`: build the
//! firmware for a board with an inner cargo, run it under QEMU with the workspace's runner for
//! the board's target, parse its `key=value` lines, and turn them into the memory matrix.
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

use firmware_sim::board::{Board, MEASUREMENT_FLASH, MEASUREMENT_RAM};
use firmware_sim::budget;

/// Wall-clock limit for one QEMU run (the slowest, the micro:bit's measurement build, takes
/// about 5 s).
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);
/// The RAM budgets of the memory matrix, besides each board's own.
pub const MATRIX_BUDGETS_KIB: [usize; 4] = [16, 32, 64, 128];

/// Serializes inner builds: they share one target dir and one output path.
static BUILD_LOCK: Mutex<()> = Mutex::new(());

pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The runner command for `board`'s target, read from `.cargo/config.toml`.
pub fn runner(board: &Board) -> Vec<String> {
    let path = workspace_root().join(".cargo/config.toml");
    let config = std::fs::read_to_string(&path).expect("read .cargo/config.toml");
    let header = format!("[target.{}]", board.target);
    let section = config
        .split_once(&header)
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no runner section {header} in .cargo/config.toml"));
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

fn target_installed(target: &str) -> bool {
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
                .join(target)
                .is_dir()
        })
}

/// Why QEMU runs of `board` with `runner` are impossible here, if they are.
pub fn missing_prerequisite(board: &Board, runner: &[String]) -> Option<String> {
    let qemu = &runner[0];
    if !on_path(qemu) {
        // Debian's packages: qemu-system-arm has the Arm emulator, qemu-system-misc RISC-V's.
        let package = if qemu.ends_with("-arm") {
            "qemu-system-arm"
        } else {
            "qemu-system-misc"
        };
        return Some(format!(
            "`{qemu}` is not on PATH (apt-get install {package})"
        ));
    }
    let target = board.target;
    if !target_installed(target) {
        return Some(format!(
            "Rust target {target} missing (rustup target add {target})"
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

/// A firmware build: for which board, which blob, and whether it links the measurement RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Build {
    /// The board (and so the target).
    pub board: &'static Board,
    /// `TINYVAE_BLOB`: `vae-digits`, `standardized` (with an input transform) or a broken
    /// variant.
    pub blob: &'static str,
    /// `TINYVAE_MEASUREMENT_BUILD=1`.
    pub measurement: bool,
}

impl Build {
    /// The firmware as shipped, for `board`.
    pub const fn shipped(board: &'static Board) -> Self {
        Self {
            board,
            blob: "vae-digits",
            measurement: false,
        }
    }

    /// The memory matrix's measurement build, for `board`.
    pub const fn measurement(board: &'static Board) -> Self {
        Self {
            board,
            blob: "vae-digits",
            measurement: true,
        }
    }

    /// The firmware for `board` with the blob variant `blob`.
    pub const fn with_blob(board: &'static Board, blob: &'static str) -> Self {
        Self {
            board,
            blob,
            measurement: false,
        }
    }

    /// QEMU arguments this build needs besides the runner's: a measurement build links
    /// [`MEASUREMENT_RAM`] and at least [`MEASUREMENT_FLASH`], which a board with less is
    /// given through its RAM and flash properties.
    pub fn qemu_args(self) -> Vec<String> {
        if !self.measurement {
            return Vec::new();
        }
        let sizes = [
            (self.board.measurement_ram_property, MEASUREMENT_RAM),
            (self.board.measurement_flash_property, MEASUREMENT_FLASH),
        ];
        sizes
            .into_iter()
            .filter_map(|(property, bytes)| Some((property?, bytes)))
            .flat_map(|(property, bytes)| ["-global".into(), format!("{property}={bytes}")])
            .collect()
    }

    /// Builds the firmware (release) and returns a copy of the ELF named after the build.
    pub fn build(self) -> PathBuf {
        let dir = inner_target_dir();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let _guard = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut command = Command::new(cargo);
        command
            .args(["build", "-p", "firmware-sim", "--bin", "firmware"])
            .args([
                "--features",
                "qemu",
                "--target",
                self.board.target,
                "--release",
            ])
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
        let elf = dir.join(self.board.target).join("release").join("firmware");
        let suffix = if self.measurement { "-measurement" } else { "" };
        let copy = dir.join(format!(
            "firmware-{}-{}{suffix}.elf",
            self.board.name, self.blob
        ));
        std::fs::copy(&elf, &copy).expect("copy the firmware ELF");
        copy
    }
}

impl Build {
    /// Builds the firmware and runs it under `runner` (see [`run_qemu`]).
    pub fn run(self, runner: &[String]) -> Run {
        let elf = self.build();
        run_qemu(runner, &self.qemu_args(), &elf)
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

/// Runs the runner on `elf` under [`RUN_TIMEOUT`], with `extra` arguments before the runner's
/// (which end in `-kernel`).
pub fn run_qemu(runner: &[String], extra: &[String], elf: &Path) -> Run {
    let mut child = Command::new(&runner[0])
        .args(extra)
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
pub const MATRIX_ROWS: [(&str, &str, &str); 10] = [
    ("vae-digits", "inference", "inference"),
    ("vae-digits", "sgd", "training, SGD"),
    ("vae-digits", "adam", "training, Adam"),
    ("ae-digits", "inference", "inference"),
    ("ae-digits", "sgd", "training, SGD"),
    ("ae-digits", "adam", "training, Adam"),
    ("ad-digits", "detect", "anomaly scoring"),
    (
        "ad-digits",
        "recalibrate",
        "fine-tuning, SGD, and re-calibration",
    ),
    ("conv-ae-digits", "inference", "inference"),
    ("conv-ae-digits", "sgd", "training, SGD"),
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

/// One board's part of the memory matrix: the rows of its measurement build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardColumn {
    pub board: &'static Board,
    /// Its RAM budget (its memory layout's).
    pub ram_budget: usize,
    /// `.data` + `.bss`.
    pub static_bytes: usize,
    /// Deepest stack outside the modes.
    pub outside_bytes: usize,
    /// The rows of [`MATRIX_ROWS`], in order.
    pub rows: Vec<MatrixRow>,
}

impl BoardColumn {
    /// The column of `board` from its measurement build's output.
    pub fn new(board: &'static Board, m: &BTreeMap<String, String>) -> Self {
        let ram_budget = budget::of(board).expect("a board of BOARDS").ram;
        Self {
            board,
            ram_budget,
            static_bytes: num(m, "ram_static_bytes"),
            outside_bytes: num(m, "stack_outside_modes_bytes"),
            rows: matrix(m),
        }
    }
}

/// The matrix as a Markdown table: per preset and mode, the buffers, the RAM each board's
/// build uses, whether the largest of them fits each of [`MATRIX_BUDGETS_KIB`], and whether
/// each board's fits that board's own RAM.
pub fn matrix_markdown(columns: &[BoardColumn]) -> String {
    let mut s = String::from("| preset | mode | of which buffers |");
    for c in columns {
        let _ = write!(s, " RAM used, {} |", c.board.name);
    }
    for kib in MATRIX_BUDGETS_KIB {
        let _ = write!(s, " {kib} KiB |");
    }
    for c in columns {
        let _ = write!(s, " {}, {} KiB |", c.board.name, c.ram_budget / 1024);
    }
    s.push_str("\n|---|---|--:|");
    s.push_str(&"--:|".repeat(columns.len()));
    s.push_str(&":-:|".repeat(MATRIX_BUDGETS_KIB.len() + columns.len()));
    s.push('\n');
    let yes_no = |fits: bool| if fits { "yes" } else { "no" };
    for (index, &(preset, _, label)) in MATRIX_ROWS.iter().enumerate() {
        let rows: Vec<&MatrixRow> = columns.iter().map(|c| &c.rows[index]).collect();
        let buffers = rows
            .first()
            .and_then(|r| r.buffer_bytes)
            .map_or_else(|| "–".to_owned(), thousands);
        let _ = write!(s, "| {preset} | {label} | {buffers} |");
        for r in &rows {
            let _ = write!(s, " {} |", thousands(r.ram_bytes));
        }
        let largest = rows.iter().map(|r| r.ram_bytes).max().unwrap_or(0);
        for kib in MATRIX_BUDGETS_KIB {
            let _ = write!(s, " {} |", yes_no(largest <= kib * 1024));
        }
        for (c, r) in columns.iter().zip(&rows) {
            let _ = write!(s, " {} |", yes_no(r.fits(c.ram_budget)));
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
