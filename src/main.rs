//! tinyvae: a terminal trainer for autoencoders and variational autoencoders.

use std::process::ExitCode;

fn main() -> ExitCode {
    tinyvae::run(&tinyvae::host::catalog::Shipped)
}
