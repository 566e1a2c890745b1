//! The fine-tuning modes' part of the run: whether a mode's buffers fit (and, where they
//! never can, leaving its code out of the image), running it, printing it.

use firmware_sim::workload::{AeDigits, VaeDigits};
use firmware_sim::{DeviceError, RAM_REGION, TrainReport};

use crate::calibration::Calibration;
use crate::mem::{self, StackTracker};
use crate::platform::{Counter, hprintln};
use crate::print::{AgreementText, List, print_per_call};
use firmware_sim::agreement::Agreement;
use firmware_sim::micro::Micro;

/// Stack a training mode may need besides its buffers (call frames of the core), for the
/// check that decides whether to run it. The mode's real need is measured.
pub const FRAME_MARGIN: usize = 4 * 1024;

/// The entry point of a training mode.
type TrainFn<M> = fn(&M, &mut Counter) -> Result<TrainReport, DeviceError>;

/// A fine-tuning mode of one of the presets: name, buffer bytes, entry point (`None` where
/// the buffers cannot fit the RAM linked: see [`linked`]).
pub enum TrainMode {
    Vae(&'static str, usize, Option<TrainFn<VaeDigits>>),
    Ae(&'static str, usize, Option<TrainFn<AeDigits>>),
}

/// `f`, if buffers of `bytes` can fit the RAM linked ([`fits_linked_ram`]). Both are constants
/// where it is called, so where they cannot, `f` is referenced nowhere and the mode's code is
/// left out of the image: a board that can never train a model does not carry its training
/// code in flash.
#[inline(always)]
fn linked<F>(bytes: usize, f: F) -> Option<F> {
    fits_linked_ram(bytes).then_some(f)
}

impl TrainMode {
    /// A mode of `vae-digits` ([`TrainMode::Vae`]), its entry point [`linked`].
    #[inline(always)]
    pub fn vae(name: &'static str, bytes: usize, f: TrainFn<VaeDigits>) -> Self {
        Self::Vae(name, bytes, linked(bytes, f))
    }

    /// A mode of `ae-digits` ([`TrainMode::Ae`]), its entry point [`linked`].
    #[inline(always)]
    pub fn ae(name: &'static str, bytes: usize, f: TrainFn<AeDigits>) -> Self {
        Self::Ae(name, bytes, linked(bytes, f))
    }

    /// Runs the mode if its buffers fit the stack left, prints its figures; returns its
    /// agreement with the host.
    pub fn run(
        self,
        vae: &VaeDigits,
        ae: &AeDigits,
        stack: &mut StackTracker,
        counter: &mut Counter,
        cal: &Calibration,
    ) -> Result<Option<Agreement>, DeviceError> {
        let (preset, name, bytes) = match self {
            Self::Vae(name, bytes, _) => ("vae-digits", name, bytes),
            Self::Ae(name, bytes, _) => ("ae-digits", name, bytes),
        };
        if !fits_or_skip(preset, name, bytes) {
            return Ok(None);
        }
        let (report, depth) = match self {
            Self::Vae(_, _, Some(f)) => stack.measure(|| f(vae, counter)),
            Self::Ae(_, _, Some(f)) => stack.measure(|| f(ae, counter)),
            // fits_or_skip said no where the mode is not linked.
            Self::Vae(_, _, None) | Self::Ae(_, _, None) => return Ok(None),
        };
        let r = report?;
        print_train(preset, name, &r, depth, cal);
        Ok(Some(r.agreement))
    }
}

/// Whether a training mode's buffers (`bytes`) fit the stack left; if not, prints that the
/// mode is skipped and why. Inlined, so that where `bytes` cannot fit even the RAM linked
/// ([`fits_linked_ram`], known as the firmware compiles) a mode called under it is left out
/// of the image.
#[inline(always)]
pub fn fits_or_skip(preset: &str, name: &str, bytes: usize) -> bool {
    let available = mem::stack_available();
    if fits_linked_ram(bytes) && bytes + FRAME_MARGIN <= available {
        return true;
    }
    hprintln!("{}.{}=skipped", preset, name);
    hprintln!(
        "{}.{}.skip_reason=needs {} bytes of buffers (+{} for frames), {} bytes of stack left of {} RAM",
        preset,
        name,
        bytes,
        FRAME_MARGIN,
        available,
        RAM_REGION
    );
    hprintln!("{}.{}.buffer_bytes={}", preset, name, bytes);
    false
}

/// Whether buffers of `bytes` (and [`FRAME_MARGIN`]) fit in the RAM the firmware is linked
/// with at all.
pub const fn fits_linked_ram(bytes: usize) -> bool {
    bytes + FRAME_MARGIN <= RAM_REGION
}

/// Prints a training mode that ran: its RAM, its losses, its agreement with the host and its
/// time per step. Inlined into its callers, as the printing of every mode is.
#[inline(always)]
pub fn print_train(preset: &str, name: &str, r: &TrainReport, depth: usize, cal: &Calibration) {
    let t = &r.trajectory;
    hprintln!("{}.{}=ran", preset, name);
    hprintln!("{}.{}.stack_bytes={}", preset, name, depth);
    hprintln!("{}.{}.buffer_bytes={}", preset, name, r.buffer_bytes);
    hprintln!("{}.{}.state_bytes={}", preset, name, r.state_bytes);
    hprintln!("{}.{}.batch={}", preset, name, r.batch);
    hprintln!("{}.{}.steps={}", preset, name, t.step_losses.len());
    hprintln!("{}.{}.loss={}", preset, name, List(&t.evaluations));
    hprintln!("{}.{}.loss_first={}", preset, name, Micro(t.evaluations[0]));
    hprintln!(
        "{}.{}.loss_last={}",
        preset,
        name,
        Micro(t.evaluations[t.evaluations.len() - 1])
    );
    hprintln!("{}.{}.step_losses={}", preset, name, List(&t.step_losses));
    hprintln!(
        "{}.{}.weights_fingerprint={:#010x}",
        preset,
        name,
        t.fingerprint
    );
    hprintln!(
        "{}.{}.host_agreement={}",
        preset,
        name,
        AgreementText(&r.agreement)
    );
    print_per_call(preset, name, "insns_per_step", &r.bench, cal);
}
