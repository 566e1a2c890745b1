//! Colours and glyphs: a 256-colour palette, mapped to the nearest of the 16 basic colours on
//! terminals that have only those ([`nearest_basic`]), or no colour at all; and plain ASCII
//! (borders, bars, gauges, pixels) where Unicode glyphs do not show. What a terminal gets is
//! decided in [`super::options`].

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::{bar, border};
use ratatui::widgets::{Block, Borders};

use super::options::{Colors, DashboardOptions};

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

/// The ten digit classes in the 16 basic colours: the nearest ones kept apart (blue, yellow,
/// green, red, magenta, dark yellow, light magenta, grey, light green, cyan), since
/// [`nearest_basic`] alone would give classes 4 and 6, and 5 and 8, the same colour.
pub const DIGIT_COLORS_16: [u8; 10] = [12, 11, 2, 9, 5, 3, 13, 7, 10, 6];

/// xterm's default RGB values of the 16 basic colours, which [`nearest_basic`] measures with.
pub const BASIC_RGB: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// The RGB value of a 256-colour index: the 16 basic colours as xterm has them, the 6×6×6
/// cube (16–231) and the 24 greys (232–255).
pub fn palette_rgb(index: u8) -> (u8, u8, u8) {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    match index {
        0..=15 => BASIC_RGB[usize::from(index)],
        16..=231 => {
            let i = index - 16;
            (
                LEVELS[usize::from(i / 36)],
                LEVELS[usize::from(i / 6 % 6)],
                LEVELS[usize::from(i % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (index - 232);
            (v, v, v)
        }
    }
}

/// The basic colour (0–15) nearest to an RGB value, hue first: a colour of saturation under
/// 0.3 is a grey, the nearest of black, dark grey, grey and white by its mean level; any other
/// takes the nearest of the six hues (red, yellow, green, cyan, blue, magenta; a hue halfway
/// between two takes the next one round the wheel), bright when its strongest component is
/// full. Plain distance in RGB would turn pale colours grey and sea green cyan.
pub fn nearest_basic_rgb(r: u8, g: u8, b: u8) -> u8 {
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let chroma = max - min;
    if max == 0 || u32::from(chroma) * 10 < u32::from(max) * 3 {
        let mean = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
        return [0u8, 8, 7, 15]
            .into_iter()
            .min_by_key(|&c| mean.abs_diff(u32::from(BASIC_RGB[usize::from(c)].0)))
            .unwrap_or(0);
    }
    let (rf, gf, bf, c) = (f32::from(r), f32::from(g), f32::from(b), f32::from(chroma));
    let hue = if max == r {
        60.0 * ((gf - bf) / c)
    } else if max == g {
        60.0 * ((bf - rf) / c) + 120.0
    } else {
        60.0 * ((rf - gf) / c) + 240.0
    };
    let hue = hue.rem_euclid(360.0);
    // Red, yellow, green, cyan, blue, magenta.
    const HUES: [u8; 6] = [1, 3, 2, 6, 4, 5];
    let sextant = ((hue + 30.0) / 60.0).floor() as usize % 6;
    let bright = if max >= 0xf0 { 8 } else { 0 };
    HUES[sextant] + bright
}

/// The basic colour (0–15) nearest to a 256-colour index (itself below 16); see
/// [`nearest_basic_rgb`].
pub fn nearest_basic(index: u8) -> u8 {
    if index < 16 {
        return index;
    }
    let (r, g, b) = palette_rgb(index);
    nearest_basic_rgb(r, g, b)
}

/// A colour as a terminal with only the 16 basic colours shows it.
pub fn to_basic(color: Color) -> Color {
    match color {
        Color::Indexed(i) if i >= 16 => Color::Indexed(nearest_basic(i)),
        Color::Rgb(r, g, b) => Color::Indexed(nearest_basic_rgb(r, g, b)),
        other => other,
    }
}

/// How to draw: which colours, Unicode or ASCII glyphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Plain ASCII glyphs only.
    pub ascii: bool,
    /// The colours used.
    pub color: Colors,
}

impl Theme {
    /// The theme for these options.
    pub fn new(options: &DashboardOptions) -> Self {
        Self {
            ascii: options.ascii,
            color: options.color,
        }
    }

    /// Whether any colour is drawn.
    pub fn has_color(&self) -> bool {
        self.color != Colors::None
    }

    /// A colour of the 256-colour palette as this theme draws it: itself, the nearest basic
    /// colour, or the terminal's default.
    pub fn indexed(&self, index: u8) -> Color {
        match self.color {
            Colors::Indexed => Color::Indexed(index),
            Colors::Basic => Color::Indexed(nearest_basic(index)),
            Colors::None => Color::Reset,
        }
    }

    /// The colour of a pixel of grey level `v` in [0, 1], for half blocks: a grey of the
    /// 256-colour palette (see [`super::image::grey`]) or the nearest of black, dark grey,
    /// grey and white.
    pub fn grey(&self, v: f32) -> Color {
        match (self.color, super::image::grey(v)) {
            (Colors::Basic, grey) => to_basic(grey),
            (Colors::None, _) => Color::Reset,
            (Colors::Indexed, grey) => grey,
        }
    }

    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        if !self.has_color() {
            return match role {
                Role::Title | Role::Key | Role::Error => bold,
                Role::Bar | Role::Selected => Style::new().add_modifier(Modifier::REVERSED),
                _ => Style::new(),
            };
        }
        let fg = |i: u8| Style::new().fg(self.indexed(i));
        match role {
            Role::Text => Style::new(),
            Role::Dim => fg(245),
            Role::Title => fg(75).add_modifier(Modifier::BOLD),
            Role::Bar => Style::new().fg(self.indexed(252)).bg(self.indexed(236)),
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
                .fg(self.indexed(16))
                .bg(self.indexed(75))
                .add_modifier(Modifier::BOLD),
        }
    }

    /// A badge: dark text on the role's colour (reversed without colours).
    pub fn badge(&self, role: Role) -> Style {
        let bold = Modifier::BOLD;
        match self.style(role).fg {
            Some(color) if self.has_color() => Style::new()
                .fg(self.indexed(16))
                .bg(color)
                .add_modifier(bold),
            _ => Style::new().add_modifier(Modifier::REVERSED | bold),
        }
    }

    /// The style of points of digit class `label`.
    pub fn digit(&self, label: u8) -> Style {
        let class = usize::from(label % 10);
        match self.color {
            Colors::Indexed => Style::new().fg(Color::Indexed(DIGIT_COLORS[class])),
            Colors::Basic => Style::new().fg(Color::Indexed(DIGIT_COLORS_16[class])),
            Colors::None => Style::new(),
        }
    }

    /// Whether pixels are drawn as half blocks with grey colours (otherwise: [`RAMP`]).
    pub fn half_blocks(&self) -> bool {
        self.has_color() && !self.ascii
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

    /// Makes a rendered area obey the theme whatever the widgets did: no colours without
    /// colours, only the 16 basic ones with those, and only ASCII glyphs with ASCII (chart
    /// markers, legend borders and text coming from the trainer are translated).
    pub fn enforce(&self, area: Rect, buf: &mut Buffer) {
        if self.color == Colors::Indexed && !self.ascii {
            return;
        }
        let area = area.intersection(buf.area);
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                let Some(cell) = buf.cell_mut((x, y)) else {
                    continue;
                };
                match self.color {
                    Colors::None => {
                        cell.fg = Color::Reset;
                        cell.bg = Color::Reset;
                    }
                    Colors::Basic => {
                        cell.fg = to_basic(cell.fg);
                        cell.bg = to_basic(cell.bg);
                    }
                    Colors::Indexed => {}
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
            color: Colors::None,
        };
        for role in [Role::Total, Role::Bar, Role::Gauge, Role::Selected] {
            let style = theme.style(role);
            assert_eq!((style.fg, style.bg), (None, None), "{role:?}");
        }
        assert_eq!(theme.digit(3), Style::new());
    }

    #[test]
    fn the_palette_is_xterms() {
        assert_eq!(palette_rgb(16), (0, 0, 0));
        assert_eq!(palette_rgb(75), (0x5f, 0xaf, 0xff));
        assert_eq!(palette_rgb(214), (0xff, 0xaf, 0x00));
        assert_eq!(palette_rgb(231), (0xff, 0xff, 0xff));
        assert_eq!(palette_rgb(232), (8, 8, 8));
        assert_eq!(palette_rgb(255), (238, 238, 238));
        assert_eq!(palette_rgb(9), (0xff, 0, 0));
    }

    #[test]
    fn nearest_basic_colours_keep_the_hue() {
        // The basic colours are themselves; so are the pure cube colours.
        for i in 0..16 {
            assert_eq!(nearest_basic(i), i);
        }
        assert_eq!(nearest_basic(196), 9, "red");
        assert_eq!(nearest_basic(46), 10, "green");
        assert_eq!(nearest_basic(21), 12, "blue");
        assert_eq!(nearest_basic(226), 11, "yellow");
        assert_eq!(nearest_basic(51), 14, "cyan");
        assert_eq!(nearest_basic(201), 13, "magenta");
        assert_eq!(nearest_basic(124), 1, "dark red");
        // Greys: black, dark grey, grey, white.
        assert_eq!(nearest_basic(16), 0);
        assert_eq!(nearest_basic(236), 0);
        assert_eq!(nearest_basic(245), 8);
        assert_eq!(nearest_basic(252), 7);
        assert_eq!(nearest_basic(231), 15);
        // The theme's roles.
        let theme = Theme {
            ascii: false,
            color: Colors::Basic,
        };
        let fg = |role| theme.style(role).fg;
        let basic = |i| Some(Color::Indexed(i));
        assert_eq!(fg(Role::Title), basic(12), "light blue stays blue");
        assert_eq!(fg(Role::Good), basic(2), "sea green stays green");
        assert_eq!(fg(Role::Warn), basic(11), "orange is yellow");
        assert_eq!(fg(Role::Error), basic(9), "light red is red");
        assert_eq!(fg(Role::Key), basic(11), "pale yellow is yellow, not grey");
        assert_eq!(fg(Role::Kl), basic(5), "orchid is magenta");
        assert_eq!(fg(Role::Test), basic(14));
        assert_eq!(fg(Role::Dim), basic(8));
        assert_ne!(fg(Role::Train), fg(Role::Test));
        assert_eq!(nearest_basic_rgb(0x20, 0x20, 0x20), 0);
        assert_eq!(to_basic(Color::Rgb(250, 10, 10)), Color::Indexed(9));
        assert_eq!(to_basic(Color::Red), Color::Red);
        assert_eq!(to_basic(Color::Reset), Color::Reset);
    }

    #[test]
    fn sixteen_colour_digit_classes_are_distinct_basic_colours() {
        let mut seen = DIGIT_COLORS_16.to_vec();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 10);
        assert!(DIGIT_COLORS_16.iter().all(|&c| (1..16).contains(&c)));
    }

    #[test]
    fn sixteen_colour_greys_are_four_levels() {
        let theme = Theme {
            ascii: false,
            color: Colors::Basic,
        };
        let greys: Vec<Color> = [0.0, 0.1, 0.4, 0.7, 0.9, 1.0]
            .into_iter()
            .map(|v| theme.grey(v))
            .collect();
        let basic = Color::Indexed;
        assert_eq!(
            greys,
            vec![basic(0), basic(0), basic(8), basic(8), basic(7), basic(15)]
        );
    }
}
