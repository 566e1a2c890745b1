//! Each board's RAM and flash budget: the `LENGTH`s of its memory layout, `memory/<board>.x`,
//! which the firmware links against (an image that does not fit fails to link) and build.rs
//! parses into this table.

use crate::board::{BOARDS, Board};

/// What a board's firmware may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// RAM, bytes: static RAM and the stack.
    pub ram: usize,
    /// Flash, bytes: code, constants (the weights among them) and the `.data` load image.
    pub flash: usize,
}

include!(concat!(env!("OUT_DIR"), "/budgets.rs"));

/// The budget of `board` (one of [`BOARDS`]; `None` for any other).
pub fn of(board: &Board) -> Option<Budget> {
    BOARDS
        .iter()
        .position(|b| b == board)
        .map(|index| BUDGETS[index])
}
