//! Weight blobs: `inspect`, and `load` and `view` for the dense and convolutional digits presets, on any bytes, with
//! the CRC repaired or not (the selector byte). Whatever the bytes, each returns a result, and
//! the three agree: a blob `load` takes is one `view` takes too, `inspect` describes it as the
//! type that took it, and the model it gives runs, and writes a blob that loads back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinyvae_core::presets::{AeDigits, ConvAeDigits, VaeDigits};
use tinyvae_core::weights::{self, InputTransformView};
use tinyvae_core::{InputTransformRef, Model};
use tinyvae_fuzz::{repair_weights_crc, repairs_crc};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, blob)) = data.split_first() else {
        return;
    };
    // A copy on u32s: 4-byte aligned, so that `view` is refused only for what the bytes say.
    let mut words = vec![0u32; blob.len().div_ceil(4)];
    let aligned = &mut bytemuck::cast_slice_mut::<u32, u8>(&mut words)[..blob.len()];
    aligned.copy_from_slice(blob);
    if repairs_crc(selector) {
        repair_weights_crc(aligned);
    }
    let _ = weights::inspect(aligned);
    check::<VaeDigits>(aligned);
    check::<AeDigits>(aligned);
    check::<ConvAeDigits>(aligned);
});

/// Loads and views `blob` as an `M` and checks that the answers agree.
fn check<M: Model>(blob: &[u8]) {
    let mut model: Box<M> = bytemuck::zeroed_box();
    let loaded = weights::load(blob, &mut *model);
    let viewed = weights::view::<M>(blob);
    let (transform, view) = match (loaded, viewed) {
        (Ok(transform), Ok(view)) => (transform, view),
        (Err(load), Err(view)) => {
            assert_eq!(load, view, "load and view refuse the same blob differently");
            return;
        }
        (loaded, viewed) => panic!(
            "load gave {:?} but view {:?}",
            loaded.map(|_| ()),
            viewed.map(|_| ())
        ),
    };
    assert_eq!(transform, view.transform);
    assert!(same_weights(&*model, view.model), "view differs from load");
    let info = weights::inspect(blob).unwrap_or_else(|e| panic!("load took it, inspect: {e:?}"));
    assert_eq!((info.kind, info.scalars), (M::KIND, M::SCALARS));
    assert_eq!(info.transform, transform);

    // What a device does with it: transform a sample and reconstruct it.
    let mut sample = vec![0.5f32; M::INPUTS];
    if let Some(transform) = &transform {
        transform
            .apply(&mut sample)
            .unwrap_or_else(|e| panic!("a transform of the model's inputs: {e:?}"));
    }
    let mut output = vec![0.0f32; M::INPUTS];
    let mut workspace = vec![0.0f32; M::WORKSPACE];
    let _ = view
        .model
        .reconstruct(&sample, &mut output, 1, &mut workspace);

    // Written again, the model loads back bit for bit, with its transform.
    let (offset, scale): (Vec<f32>, Vec<f32>) = transform
        .as_ref()
        .map(|t| (t.offsets().collect(), t.scales().collect()))
        .unwrap_or_default();
    let again = transform
        .as_ref()
        .map(|t| InputTransformRef::new(&offset, &scale, t.clamp()))
        .transpose()
        .unwrap_or_else(|e| panic!("a loaded transform is not a transform: {e:?}"));
    let mut buffer = vec![0u8; weights::blob_len_with_transform::<M>()];
    let written = weights::save_with_transform(&*model, again.as_ref(), &mut buffer)
        .unwrap_or_else(|e| panic!("a loaded model does not save: {e:?}"));
    let mut reloaded: Box<M> = bytemuck::zeroed_box();
    let transform_again = weights::load(&buffer[..written], &mut *reloaded)
        .unwrap_or_else(|e| panic!("a saved model does not load: {e:?}"));
    assert!(
        same_weights(&*model, &*reloaded),
        "the saved blob loads other weights"
    );
    assert_eq!(
        transform.map(view_values),
        transform_again.map(view_values),
        "the saved blob loads another transform"
    );
}

/// Whether `a` and `b` hold the same bits in every tensor.
fn same_weights<M: Model>(a: &M, b: &M) -> bool {
    (0..M::TENSORS).all(|index| {
        let (x, y) = (a.tensor(index), b.tensor(index));
        x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits())
    })
}

/// A transform's values, bit for bit.
fn view_values(view: InputTransformView<'_>) -> (Vec<u32>, Vec<u32>, bool) {
    (
        view.offsets().map(f32::to_bits).collect(),
        view.scales().map(f32::to_bits).collect(),
        view.clamp(),
    )
}
