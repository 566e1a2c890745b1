//! The help overlay (`?`): every key, over the current view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

use super::text::put;
use super::theme::{Role, Theme};

/// Keys and what they do, as listed by the overlay.
pub const KEYS: [(&str, &str); 12] = [
    ("space", "pause / resume training"),
    ("s", "save a checkpoint now"),
    ("e", "export the device weights now"),
    ("+ / -", "learning rate x2 / x0.5"),
    ("b / B", "beta x0.8 / x1.25 (VAE)"),
    ("n / p", "next / previous test digits"),
    ("r", "new samples from the prior (VAE)"),
    ("tab", "next view (shift-tab: previous)"),
    ("?", "this help"),
    ("Esc", "close the help"),
    ("q", "save a checkpoint, stop, quit"),
    ("Ctrl-C", "same as q"),
];

/// Draws the overlay centred in `area`.
pub fn render(theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = 46.min(area.width);
    let height = (KEYS.len() as u16 + 4).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(popup, buf);
    let block = theme.block(" keys · Esc closes ");
    let inner = block.inner(popup);
    block.render(popup, buf);
    for ((key, what), y) in KEYS.iter().zip(inner.top() + 1..inner.bottom()) {
        put(buf, inner, inner.x + 1, y, &[(key, theme.style(Role::Key))]);
        put(
            buf,
            inner,
            inner.x + 10,
            y,
            &[(what, theme.style(Role::Text))],
        );
    }
}
