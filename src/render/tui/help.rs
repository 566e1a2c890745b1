//! The help overlay (`?`): every line of the key table, [`BINDINGS`], over the current view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

use super::keys::BINDINGS;
use super::text::put;
use super::theme::{Role, Theme};

/// Columns between the keys and what they do.
const GAP: u16 = 2;

/// Draws the overlay centred in `area`: a line per binding, the keys in one column and what
/// they do in the next, as wide as the longest of each.
pub fn render(theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lines: Vec<(String, String)> = BINDINGS
        .iter()
        .map(|binding| (binding.keys_text(), binding.description_text()))
        .collect();
    let widest = |column: fn(&(String, String)) -> &String| {
        let width = lines.iter().map(|l| column(l).chars().count()).max();
        u16::try_from(width.unwrap_or(0)).unwrap_or(u16::MAX)
    };
    let keys_width = widest(|l| &l.0);
    let text_width = widest(|l| &l.1);
    // Borders, a space either side.
    let width = (keys_width + GAP + text_width + 4).min(area.width);
    let rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let height = rows.saturating_add(4).min(area.height);
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
    for ((keys, what), y) in lines.iter().zip(inner.top() + 1..inner.bottom()) {
        put(
            buf,
            inner,
            inner.x + 1,
            y,
            &[(keys, theme.style(Role::Key))],
        );
        put(
            buf,
            inner,
            inner.x + 1 + keys_width + GAP,
            y,
            &[(what, theme.style(Role::Text))],
        );
    }
}
