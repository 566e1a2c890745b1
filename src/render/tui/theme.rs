//! Colours and glyphs: a 256-colour palette by default, no colour at all under `NO_COLOR`, and
//! plain ASCII (borders, bars, gauges, pixels) with `--ascii`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::{bar, border};
use ratatui::widgets::{Block, Borders};

use super::options::DashboardOptions;

/// What a piece of text is, which decides its style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Ordinary text.
    Text,
    /// Less important text: units, hints.
    Dim,
    /// Panel titles.
    Title,
    /// The title bar of the header.
    Bar,
    /// Keys in hints and help.
    Key,
    /// The progress gauge, filled part.
    Gauge,
    /// The progress gauge, unfilled part.
    GaugeRest,
    /// Training, going well.
    Good,
    /// Paused, warnings.
    Warn,
    /// Failures.
    Error,
    /// The total loss.
    Total,
    /// The reconstruction term.
    Reconstruction,
    /// The KL term.
    Kl,
    /// The training loss per epoch.
    Train,
    /// The test loss per epoch.
    Test,
    /// The selected tab.
    Selected,
}

/// Plain ASCII borders: `+`, `-`, `|`.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// Plain ASCII sparkline bars, from an eighth to full.
pub const ASCII_BARS: bar::Set<'static> = bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: "_",
    one_eighth: "_",
    empty: " ",
};

/// Characters from dark to bright, used for pixels without block glyphs or without colours.
pub const RAMP: &[u8] = b" .:-=+*#%@";

/// 256-colour indices of the ten digit classes (close to matplotlib's tab10).
pub const DIGIT_COLORS: [u8; 10] = [33, 208, 40, 196, 135, 130, 213, 250, 148, 44];

/// How to draw: colours on or off, Unicode or ASCII glyphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Plain ASCII glyphs only.
    pub ascii: bool,
    /// Colours allowed.
    pub color: bool,
}

impl Theme {
    /// The theme for these options.
    pub fn new(options: &DashboardOptions) -> Self {
        Self {
            ascii: options.ascii,
            color: options.color,
        }
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        if !self.color {
            return match role {
                Role::Title | Role::Key | Role::Error => bold,
                Role::Bar | Role::Selected => Style::new().add_modifier(Modifier::REVERSED),
                _ => Style::new(),
            };
        }
        let fg = |i: u8| Style::new().fg(Color::Indexed(i));
        match role {
            Role::Text => Style::new(),
            Role::Dim => fg(245),
            Role::Title => fg(75).add_modifier(Modifier::BOLD),
            Role::Bar => Style::new().fg(Color::Indexed(252)).bg(Color::Indexed(236)),
            Role::Key => fg(222).add_modifier(Modifier::BOLD),
            Role::Gauge => fg(39),
            Role::GaugeRest => fg(238),
            Role::Good => fg(78).add_modifier(Modifier::BOLD),
            Role::Warn => fg(214).add_modifier(Modifier::BOLD),
            Role::Error => fg(203).add_modifier(Modifier::BOLD),
            Role::Total => fg(114),
            Role::Reconstruction => fg(75),
            Role::Kl => fg(176),
            Role::Train => fg(214),
            Role::Test => fg(45),
            Role::Selected => Style::new()
                .fg(Color::Indexed(16))
                .bg(Color::Indexed(75))
                .add_modifier(Modifier::BOLD),
        }
    }

    /// A badge: dark text on the role's colour (reversed without colours).
    pub fn badge(&self, role: Role) -> Style {
        let bold = Modifier::BOLD;
        match self.style(role).fg {
            Some(color) if self.color => Style::new()
                .fg(Color::Indexed(16))
                .bg(color)
                .add_modifier(bold),
            _ => Style::new().add_modifier(Modifier::REVERSED | bold),
        }
    }

    /// The style of points of digit class `label`.
    pub fn digit(&self, label: u8) -> Style {
        if self.color {
            let index = DIGIT_COLORS[usize::from(label % 10)];
            Style::new().fg(Color::Indexed(index))
        } else {
            Style::new()
        }
    }

    /// Whether pixels are drawn as half blocks with grey colours (otherwise: [`RAMP`]).
    pub fn half_blocks(&self) -> bool {
        self.color && !self.ascii
    }

    /// Border glyphs.
    pub fn border_set(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::ROUNDED
        }
    }

    /// Sparkline glyphs.
    pub fn bar_set(&self) -> bar::Set<'static> {
        if self.ascii {
            ASCII_BARS
        } else {
            bar::NINE_LEVELS
        }
    }

    /// A bordered panel with a title.
    pub fn block<'a>(&self, title: impl Into<ratatui::text::Line<'a>>) -> Block<'a> {
        Block::new()
            .borders(Borders::ALL)
            .border_set(self.border_set())
            .border_style(self.style(Role::Dim))
            .title(title.into().style(self.style(Role::Title)))
    }

    /// `×` or `x`.
    pub fn times(&self) -> &'static str {
        if self.ascii { "x" } else { "×" }
    }

    /// `β` or `beta`.
    pub fn beta(&self) -> &'static str {
        if self.ascii { "beta" } else { "β" }
    }

    /// A separator between header items.
    pub fn separator(&self) -> &'static str {
        if self.ascii { " | " } else { " │ " }
    }

    /// Makes a rendered area obey the theme whatever the widgets did: no colours under
    /// `NO_COLOR`, and only ASCII glyphs with `--ascii` (chart markers, legend borders and text
    /// coming from the trainer are translated).
    pub fn enforce(&self, area: Rect, buf: &mut Buffer) {
        if self.color && !self.ascii {
            return;
        }
        let area = area.intersection(buf.area);
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                let Some(cell) = buf.cell_mut((x, y)) else {
                    continue;
                };
                if !self.color {
                    cell.fg = Color::Reset;
                    cell.bg = Color::Reset;
                }
                if self.ascii && !cell.symbol().is_ascii() {
                    let plain = ascii_fallback(cell.symbol());
                    cell.set_symbol(plain);
                }
            }
        }
    }
}

/// An ASCII stand-in for a glyph.
pub fn ascii_fallback(symbol: &str) -> &'static str {
    let Some(c) = symbol.chars().next() else {
        return " ";
    };
    match c {
        '─' | '━' | '═' | '╌' | '╍' | '┄' | '┅' | '┈' | '┉' => "-",
        '│' | '┃' | '║' | '╎' | '╏' | '┆' | '┇' | '┊' | '┋' => "|",
        '┌'..='╋' | '╒'..='╬' | '╭'..='╰' => "+",
        '\u{2800}' => " ",
        '\u{2801}'..='\u{28FF}' => ".",
        '•' | '●' | '∙' => "*",
        '·' => ".",
        '…' => ".",
        '×' => "x",
        '▶' | '►' => ">",
        '‖' | '⏸' => "=",
        '█' | '▉' | '▊' | '▇' | '▆' => "#",
        '▅' | '▄' | '▃' => "=",
        '▂' | '▁' => "_",
        '▀' | '▔' => "\"",
        '▌' | '▐' | '▋' | '▍' | '▎' | '▏' => "|",
        '░' => ".",
        '▒' => ":",
        '▓' => "#",
        '\u{2596}'..='\u{259F}' => "#",
        '\u{1FB00}'..='\u{1FB3B}' => "#",
        'β' => "b",
        'μ' => "u",
        'σ' => "s",
        'λ' => "l",
        'η' => "n",
        'α' => "a",
        'ε' => "e",
        '–' | '—' | '−' => "-",
        '→' => ">",
        '←' => "<",
        '≤' => "<",
        '≥' => ">",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks_are_ascii() {
        for s in ["─", "│", "┌", "╭", "⠿", "•", "█", "▀", "β", "漢"] {
            assert!(ascii_fallback(s).is_ascii(), "{s}");
        }
        assert_eq!(ascii_fallback("╭"), "+");
        assert_eq!(ascii_fallback("│"), "|");
    }

    #[test]
    fn no_color_means_no_color() {
        let theme = Theme {
            ascii: false,
            color: false,
        };
        for role in [Role::Total, Role::Bar, Role::Gauge, Role::Selected] {
            let style = theme.style(role);
            assert_eq!((style.fg, style.bg), (None, None), "{role:?}");
        }
        assert_eq!(theme.digit(3), Style::new());
    }
}
