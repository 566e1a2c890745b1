//! Whole frames and panels rendered from a synthetic run, as insta text snapshots.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::dashboard::Dashboard;
use super::mode::Mode;
use super::options::{Capabilities, Colors, DashboardOptions, Overrides};
use super::replay::Screen;
use super::state::DashboardState;
use super::synthetic::{Kind, SyntheticRun};
use super::test_frames::{ASCII, COLOR, NO_COLOR, assert_ascii, drawn, frame, panel, text};
use super::theme::Theme;
use super::{digits, header, help, hyper, latent, log, loss, status, view};
use tinyvae_host::train::events::{Artifact, RunState, TrainingEvent};

/// The state after `steps` steps of a synthetic run at 1000 steps/s.
fn state_at(kind: Kind, steps: u64) -> DashboardState {
    let mut state = DashboardState::new();
    let t0 = Instant::now();
    let mut at = t0;
    for event in SyntheticRun::new(kind, 5) {
        if let TrainingEvent::Step(s) = &event {
            if s.step > steps {
                break;
            }
            at = t0 + Duration::from_millis(s.step);
        }
        state.apply_at(event, at);
    }
    state
}

fn vae() -> DashboardState {
    state_at(Kind::VaeMnist2d, 3000)
}

fn dae() -> DashboardState {
    state_at(Kind::DenoisingDigits, 700)
}

#[test]
fn overview_80x24() {
    insta::assert_snapshot!(frame(&vae(), &COLOR, 80, 24));
}

#[test]
fn overview_80x24_ascii() {
    let s = frame(&vae(), &ASCII, 80, 24);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn overview_160x48() {
    insta::assert_snapshot!(frame(&vae(), &COLOR, 160, 48));
}

#[test]
fn overview_160x48_ascii() {
    let s = frame(&vae(), &ASCII, 160, 48);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn overview_120x40_no_color() {
    insta::assert_snapshot!(frame(&vae(), &NO_COLOR, 120, 40));
}

#[test]
fn overview_200x60() {
    insta::assert_snapshot!(frame(&vae(), &COLOR, 200, 60));
}

#[test]
fn latent_80x24() {
    let mut state = vae();
    state.set_mode(Mode::Latent);
    insta::assert_snapshot!(frame(&state, &COLOR, 80, 24));
}

#[test]
fn latent_160x48_ascii() {
    let mut state = vae();
    state.set_mode(Mode::Latent);
    let s = frame(&state, &ASCII, 160, 48);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn run_view_80x24() {
    let mut state = vae();
    state.set_mode(Mode::Run);
    insta::assert_snapshot!(frame(&state, &COLOR, 80, 24));
}

#[test]
fn help_overlay_80x24() {
    let mut state = vae();
    state.handle_key(crossterm::event::KeyEvent::from(
        crossterm::event::KeyCode::Char('?'),
    ));
    insta::assert_snapshot!(frame(&state, &COLOR, 80, 24));
}

#[test]
fn denoising_80x24_ascii() {
    let s = frame(&dae(), &ASCII, 80, 24);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn denoising_latent_view_80x24() {
    let mut state = dae();
    state.set_mode(Mode::Latent);
    insta::assert_snapshot!(frame(&state, &COLOR, 80, 24));
}

#[test]
fn waiting_80x24() {
    insta::assert_snapshot!(frame(&DashboardState::new(), &COLOR, 80, 24));
}

#[test]
fn done_80x24() {
    let mut state = DashboardState::new();
    let t0 = Instant::now();
    for event in SyntheticRun::new(Kind::DenoisingDigits, 5) {
        let at = match &event {
            TrainingEvent::Step(s) => t0 + Duration::from_millis(s.step),
            _ => t0 + Duration::from_secs(10),
        };
        state.apply_at(event, at);
    }
    assert_eq!(state.run_state(), Some(RunState::Done));
    insta::assert_snapshot!(frame(&state, &COLOR, 80, 24));
}

#[test]
fn too_small() {
    let s = frame(&vae(), &COLOR, view::MIN_WIDTH - 1, view::MIN_HEIGHT);
    assert!(
        s.contains("terminal too small: need 60×20, have 59×20"),
        "{s}"
    );
    insta::assert_snapshot!("too_small_59x20", s);
    let s = frame(&vae(), &ASCII, 24, 6);
    assert_ascii(&s);
    insta::assert_snapshot!("too_small_24x6_ascii", s);
}

#[test]
fn smallest_size_60x20() {
    insta::assert_snapshot!(frame(&vae(), &COLOR, view::MIN_WIDTH, view::MIN_HEIGHT));
}

#[test]
fn panel_header() {
    let state = vae();
    insta::assert_snapshot!(panel(110, 2, |a, b| header::render(&state, &COLOR, a, b)));
}

#[test]
fn panel_loss() {
    let state = vae();
    insta::assert_snapshot!(panel(60, 22, |a, b| loss::render(&state, &COLOR, a, b)));
}

#[test]
fn panel_loss_ascii() {
    let state = vae();
    let s = panel(60, 22, |a, b| {
        loss::render(&state, &ASCII, a, b);
        ASCII.enforce(a, b);
    });
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn panel_digits_ascii() {
    let state = vae();
    let mut shown = 0;
    let s = panel(64, 34, |a, b| {
        shown = digits::render(&state, &ASCII, a, b);
    });
    assert_eq!(shown, 4);
    insta::assert_snapshot!(s);
}

#[test]
fn panel_digits_denoising_ascii() {
    let state = dae();
    let s = panel(60, 20, |a, b| {
        digits::render(&state, &ASCII, a, b);
    });
    insta::assert_snapshot!(s);
}

#[test]
fn panel_samples_ascii() {
    let state = vae();
    insta::assert_snapshot!(panel(100, 16, |a, b| latent::render_samples(
        &state, &ASCII, a, b
    )));
}

#[test]
fn panel_scatter_ascii() {
    let state = vae();
    insta::assert_snapshot!(panel(60, 24, |a, b| latent::render_scatter(
        &state, &ASCII, a, b
    )));
}

#[test]
fn panel_manifold_ascii() {
    let state = vae();
    insta::assert_snapshot!(panel(72, 38, |a, b| latent::render_manifold(
        &state, &ASCII, a, b
    )));
}

#[test]
fn panel_hyperparameters() {
    let state = vae();
    insta::assert_snapshot!(panel(34, 10, |a, b| hyper::render(&state, &COLOR, a, b)));
}

#[test]
fn panel_log_and_status() {
    let mut state = vae();
    state.apply(TrainingEvent::Saved {
        artifact: Artifact::Checkpoint,
        path: "checkpoints/vae-mnist-2d.ckpt".into(),
    });
    state.apply(TrainingEvent::SaveFailed {
        artifact: Artifact::DeviceWeights,
        path: "checkpoints/vae-mnist-2d.tvw".into(),
        error: "No space left on device (os error 28)".into(),
    });
    let s = panel(80, 8, |a, b| {
        log::render(&state, &COLOR, Rect { height: 7, ..a }, b);
        status::render(
            &state,
            &COLOR,
            Rect {
                y: 7,
                height: 1,
                ..a
            },
            b,
        );
    });
    insta::assert_snapshot!(s);
}

#[test]
fn panel_help() {
    insta::assert_snapshot!(panel(50, 18, |a, b| help::render(&COLOR, a, b)));
}

#[test]
fn no_color_frames_have_no_colors() {
    let state = vae();
    let mut terminal = match Terminal::new(TestBackend::new(120, 40)) {
        Ok(t) => t,
        Err(e) => panic!("{e}"),
    };
    let completed = terminal.draw(|f| {
        view::render(&state, &NO_COLOR, f.area(), f.buffer_mut());
    });
    let buffer = match completed {
        Ok(c) => c.buffer.clone(),
        Err(e) => panic!("{e}"),
    };
    for cell in &buffer.content {
        assert_eq!(cell.fg, ratatui::style::Color::Reset);
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
    }
}

#[test]
fn colour_frames_use_the_256_palette_for_pixels() {
    let state = vae();
    let mut buf = Buffer::empty(Rect::new(0, 0, 64, 34));
    digits::render(&state, &COLOR, buf.area, &mut buf);
    let blocks: Vec<_> = buf.content.iter().filter(|c| c.symbol() == "▀").collect();
    assert!(blocks.len() > 100);
    assert!(blocks.iter().all(|c| matches!(
        (c.fg, c.bg),
        (
            ratatui::style::Color::Indexed(_),
            ratatui::style::Color::Indexed(_)
        )
    )));
    assert!(
        blocks
            .iter()
            .any(|c| c.fg == ratatui::style::Color::Indexed(231))
    );
}

const SIXTEEN: Theme = Theme {
    ascii: false,
    color: Colors::Basic,
};

/// A colour as one character: the basic colour's hex digit, `.` for the default, `?` else.
fn color_char(color: ratatui::style::Color) -> char {
    use ratatui::style::Color;
    match color {
        Color::Reset => '.',
        Color::Indexed(i) if i < 16 => char::from_digit(u32::from(i), 16).unwrap_or('?'),
        _ => '?',
    }
}

/// The frame's text, then its foreground and background colours cell by cell.
fn frame_with_colors(state: &DashboardState, theme: &Theme, width: u16, height: u16) -> String {
    let buf = drawn(state, theme, width, height);
    let grid = |pick: fn(&ratatui::buffer::Cell) -> ratatui::style::Color| {
        let mut out = String::new();
        for y in 0..height {
            out.extend((0..width).map(|x| color_char(pick(&buf[(x, y)]))));
            out.push('\n');
        }
        out
    };
    format!(
        "{}\nforeground:\n{}\nbackground:\n{}",
        text(&buf),
        grid(|c| c.fg),
        grid(|c| c.bg)
    )
}

/// The colour grids of [`frame_with_colors`] hold only basic colours.
fn assert_basic_colors(s: &str) {
    let grids = s.split("\nforeground:").nth(1).unwrap_or_default();
    assert!(!grids.contains('?'), "only basic colours:\n{s}");
}

#[test]
fn overview_80x24_16_colors() {
    let s = frame_with_colors(&vae(), &SIXTEEN, 80, 24);
    assert_basic_colors(&s);
    // The same drawing as with 256 colours.
    assert_eq!(
        s.split("\nforeground:").next(),
        Some(frame(&vae(), &COLOR, 80, 24).as_str())
    );
    insta::assert_snapshot!(s);
}

#[test]
fn latent_80x24_16_colors() {
    let mut state = vae();
    state.set_mode(Mode::Latent);
    let s = frame_with_colors(&state, &SIXTEEN, 80, 24);
    assert_basic_colors(&s);
    insta::assert_snapshot!(s);
}

/// The theme a terminal gets from these variables, with no flags.
fn detected(vars: &[(&str, &str)]) -> Theme {
    let capabilities = Capabilities::detect(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_string())
    });
    Theme::new(&DashboardOptions::resolve(
        &capabilities,
        Overrides::default(),
    ))
}

#[test]
fn ascii_by_locale_80x24() {
    // A 256-colour terminal in the POSIX locale.
    let theme = detected(&[("TERM", "xterm-256color"), ("LANG", "C")]);
    assert_eq!(theme, ASCII);
    let s = frame(&vae(), &theme, 80, 24);
    assert_ascii(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn linux_console_80x24() {
    // The Linux console in a UTF-8 locale: ASCII and the basic colours.
    let theme = detected(&[("TERM", "linux"), ("LANG", "en_US.UTF-8")]);
    assert_eq!(
        theme,
        Theme {
            ascii: true,
            color: Colors::Basic
        }
    );
    let s = frame_with_colors(&vae(), &theme, 80, 24);
    assert_ascii(&s);
    assert_basic_colors(&s);
    insta::assert_snapshot!(s);
}

#[test]
fn sixteen_colour_frames_never_write_the_palette() {
    use ratatui::Viewport;

    let options = DashboardOptions {
        color: Colors::Basic,
        ..DashboardOptions::default()
    };
    let area = Rect::new(0, 0, 120, 40);
    let mut dashboard = match Dashboard::new(Vec::new(), &options, Viewport::Fixed(area)) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    };
    let t0 = Instant::now();
    let mut frames = 0;
    for event in SyntheticRun::new(Kind::VaeMnist2d, 5).take(5000) {
        let at = match &event {
            TrainingEvent::Step(s) => t0 + Duration::from_millis(s.step),
            _ => t0,
        };
        dashboard.apply(event, at);
        match dashboard.draw_if_due(at) {
            Ok(drew) => frames += usize::from(drew),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(frames > 10, "{frames}");
    // A last frame of the last state.
    dashboard.redraw_now();
    if let Err(e) = dashboard.draw_if_due(t0 + Duration::from_secs(60)) {
        panic!("{e}");
    }
    let bytes = String::from_utf8_lossy(dashboard.writer_mut()).into_owned();
    assert!(!bytes.contains("38;5;") && !bytes.contains("48;5;"));
    assert!(bytes.contains("\x1b[0;"), "basic SGR sequences");
    // Replayed, the output is the last frame.
    let mut screen = Screen::new(area.width, area.height);
    screen.feed(bytes.as_bytes());
    let last = frame(dashboard.state(), &SIXTEEN, area.width, area.height);
    let replayed: Vec<String> = screen
        .lines()
        .iter()
        .map(|l| l.trim_end().to_string())
        .collect();
    assert_eq!(replayed, last.lines().collect::<Vec<_>>());
}
