//! Number formatting and small text helpers shared by the panels.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A loss or other value with about four significant digits: `1234`, `123.4`, `12.34`,
/// `1.234`, `0.1234`, `1.2e-5`.
pub fn sig(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".to_string()
        } else if v > 0.0 {
            "inf".to_string()
        } else {
            "-inf".to_string()
        };
    }
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if a >= 1e5 {
        format!("{v:.2e}")
    } else if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else if a >= 10.0 {
        format!("{v:.2}")
    } else if a >= 1.0 {
        format!("{v:.3}")
    } else if a >= 1e-3 {
        format!("{v:.4}")
    } else {
        format!("{v:.1e}")
    }
}

/// A rate with three significant digits and an SI suffix: `512`, `1.23k`, `99.8k`, `1.20M`.
pub fn si(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        return "?".to_string();
    }
    let (scaled, suffix) = if v >= 1e6 {
        (v / 1e6, "M")
    } else if v >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    if scaled >= 100.0 || suffix.is_empty() {
        format!("{scaled:.0}{suffix}")
    } else if scaled >= 10.0 {
        format!("{scaled:.1}{suffix}")
    } else {
        format!("{scaled:.2}{suffix}")
    }
}

/// Writes styled pieces on one row, clipped to `area`'s width; returns the column after them.
pub fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, spans: &[(&str, Style)]) -> u16 {
    if y < area.top() || y >= area.bottom() || x >= area.right() {
        return x;
    }
    let mut col = x;
    for (text, style) in spans {
        if col >= area.right() {
            break;
        }
        let (next, _) = buf.set_span(col, y, &Span::styled(*text, *style), area.right() - col);
        col = next;
    }
    col
}

/// Writes a line centred in `area` on row `y`.
pub fn centered(buf: &mut Buffer, area: Rect, y: u16, line: &Line<'_>) {
    if y < area.top() || y >= area.bottom() {
        return;
    }
    let width = u16::try_from(line.width())
        .unwrap_or(u16::MAX)
        .min(area.width);
    let x = area.x + (area.width - width) / 2;
    buf.set_line(x, y, line, width);
}

/// Writes a dim note centred in an area (for panels with nothing to show yet).
pub fn note(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    if area.is_empty() {
        return;
    }
    let y = area.y + area.height.saturating_sub(1) / 2;
    centered(buf, area, y, &Line::styled(text, style));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(sig(1234.4), "1234");
        assert_eq!(sig(123.44), "123.4");
        assert_eq!(sig(12.344), "12.34");
        assert_eq!(sig(1.2344), "1.234");
        assert_eq!(sig(0.12344), "0.1234");
        assert_eq!(sig(0.000012), "1.2e-5");
        assert_eq!(sig(0.0), "0");
        assert_eq!(sig(f64::NAN), "NaN");
        assert_eq!(si(512.3), "512");
        assert_eq!(si(1234.0), "1.23k");
        assert_eq!(si(99_812.0), "99.8k");
        assert_eq!(si(123_456.0), "123k");
        assert_eq!(si(1_200_000.0), "1.20M");
    }
}
