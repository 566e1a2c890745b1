//! The data of a command: the preset's default or the command line's, loaded and checked
//! against the model (its width, the [0, 1] range its loss may need), and for a command on a
//! checkpoint, the checkpoint's own data or other data checked against it.

use std::path::PathBuf;

use tinyvae_core::autoencoder::ReconstructionLoss;
use tinyvae_core::vae::Likelihood;
use tinyvae_host::catalog::Catalog;
use tinyvae_host::checkpoint::Checkpoint;
use tinyvae_host::data::{
    DEFAULT_TEST_FRACTION, DataFormat, DataRecord, DataSpec, LabelColumn, LoadedData,
    Normalization, Split, TestSet, default_data_dir,
};
use tinyvae_host::presets::{DefaultData, Preset, PresetVisitor};
use tinyvae_host::train::config::TrainConfig;
use tinyvae_host::train::model::TrainableModel;

use crate::cli::DataArgs;

use super::Failure;

/// Values per sample of each model of a catalog, by name: what a shape mismatch lists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModelSizes(Vec<(&'static str, usize)>);

impl ModelSizes {
    /// The sizes of every model of `catalog`.
    pub fn of<C: Catalog>(catalog: &C) -> Self {
        struct Inputs;
        impl PresetVisitor for Inputs {
            type Output = usize;
            fn visit<M: TrainableModel>(self, _: &'static Preset) -> usize {
                M::INPUTS
            }
        }
        Self(
            catalog
                .presets()
                .iter()
                .filter_map(|p| Some((p.name, catalog.visit(p, &p.config, Inputs)?)))
                .collect(),
        )
    }

    /// The models that take `features` values per sample.
    fn taking(&self, features: usize) -> Vec<&'static str> {
        self.0
            .iter()
            .filter(|(_, inputs)| *inputs == features)
            .map(|(name, _)| *name)
            .collect()
    }
}

/// The data a preset trains on when no `--data` is given.
pub fn default_spec(preset: &Preset) -> Result<DataSpec, Failure> {
    Ok(match preset.data {
        DefaultData::Mnist => {
            DataSpec::with_format(default_data_dir().join("mnist"), DataFormat::Idx)
        }
        DefaultData::Digits => DataSpec::with_format(
            default_data_dir().join("digits").join("digits.csv.gz"),
            DataFormat::Digits,
        ),
        DefaultData::File {
            path,
            label_column,
            normalization,
        } => DataSpec {
            normalization,
            label_column: label_column.map(|name| LabelColumn::Name(name.to_string())),
            ..DataSpec::new(path)
        },
        DefaultData::Required => {
            return Err(Failure::input(format!(
                "{} has no default data: give --data",
                preset.name
            )));
        }
    })
}

/// The data `args` name, or `None` when they name none; `--normalize` is left to the caller.
pub fn spec_from_args(args: &DataArgs) -> Result<Option<DataSpec>, Failure> {
    let Some(path) = &args.data else {
        return Ok(None);
    };
    let mut spec = match args.format {
        Some(format) => DataSpec::with_format(path, format),
        None => DataSpec::new(path),
    };
    spec.label_column.clone_from(&args.label_column);
    spec.labels.clone_from(&args.labels);
    if let Some(test) = &args.test_data {
        spec.test = TestSet::File {
            path: test.clone(),
            labels: args.test_labels.clone(),
        };
    } else if !spec.format.has_test_set() {
        spec.test = TestSet::HeldOut {
            fraction: args.test_fraction.unwrap_or(DEFAULT_TEST_FRACTION),
            seed: args.split_seed,
        };
    } else if args.test_fraction.is_some() {
        return Err(Failure::input(format!(
            "--test-fraction does not apply to {}: {:?} data holds its own test set",
            path.display(),
            spec.format
        )));
    }
    Ok(Some(spec))
}

/// Loads `spec` and checks that its samples have the `inputs` values a model takes; a
/// mismatch names the models of `sizes` that would take the data.
pub fn load_data(
    spec: &DataSpec,
    inputs: usize,
    sizes: &ModelSizes,
) -> Result<LoadedData, Failure> {
    let loaded = spec.load().map_err(Failure::input)?;
    check_inputs(spec, &loaded, inputs, sizes)?;
    Ok(loaded)
}

/// Checks that the samples of `loaded` have the `inputs` values a model takes; a mismatch
/// names the presets that would take the data.
fn check_inputs(
    spec: &DataSpec,
    loaded: &LoadedData,
    inputs: usize,
    sizes: &ModelSizes,
) -> Result<(), Failure> {
    let shape = loaded.split.train.shape();
    if shape.features() != inputs {
        let fitting = sizes.taking(shape.features());
        let hint = if fitting.is_empty() {
            format!(
                "no preset takes {} values; a model of your own sizes takes a few lines (see \
                 examples/custom-model)",
                shape.features()
            )
        } else {
            format!("presets that take it: {}", fitting.join(", "))
        };
        return Err(Failure::input(format!(
            "the model takes {inputs} values per sample but {} has {shape} ({} values); {hint}",
            spec.path.display(),
            shape.features()
        )));
    }
    Ok(())
}

/// Refuses data outside [0, 1] when `config`'s loss or likelihood needs it (cross-entropy,
/// the Bernoulli decoder, an output squashed by σ), pointing to the normalizations that map
/// the data into [0, 1] and to the choices that fit real values.
pub fn check_unit_interval<M: TrainableModel>(
    config: &TrainConfig,
    data: &Split,
) -> Result<(), Failure> {
    if !M::needs_unit_interval(config) {
        return Ok(());
    }
    let (needs, real_valued) = if M::IS_VARIATIONAL {
        let needs = match config.likelihood {
            Likelihood::Bernoulli => "the Bernoulli decoder",
            _ => "a Gaussian decoder on σ(ℓ)",
        };
        (needs, "--likelihood gaussian (with --output linear)")
    } else {
        let needs = match config.loss {
            ReconstructionLoss::CrossEntropy => "cross-entropy",
            _ => "squared error on σ(ℓ)",
        };
        (needs, "--loss mse (with --output linear)")
    };
    for side in [&data.train, &data.test] {
        if let Some((index, value)) = side
            .images()
            .iter()
            .enumerate()
            .find(|(_, v)| !(0.0..=1.0).contains(*v))
        {
            let features = side.pixels_per_image().max(1);
            return Err(Failure::input(format!(
                "{}: value {value} (sample {}, feature {}) is outside [0, 1], which {needs} \
                 needs; scale the data with --normalize minmax or --normalize range:MIN:MAX, \
                 or fit real values with {real_valued}",
                side.name(),
                index / features,
                index % features
            )));
        }
    }
    Ok(())
}

/// Which data a command on a checkpoint uses.
#[derive(Clone, Debug, PartialEq)]
pub enum DataUse {
    /// The data the checkpoint was trained on.
    TrainedOn,
    /// Other data of the same shape, normalized as the training data was; `same_test_set`
    /// when its test set is the training run's after all.
    Other {
        /// Where it comes from.
        path: PathBuf,
        /// Whether its test set has the fingerprint of the training run's.
        same_test_set: bool,
    },
}

/// The data a command on a checkpoint uses, and how it relates to the training data.
pub struct CheckpointData {
    /// The samples, normalized as the training data was.
    pub loaded: LoadedData,
    /// Their record (the checkpoint's own, or that of the other data).
    pub record: DataRecord,
    /// Whether they are the training data.
    pub used: DataUse,
}

/// The data for a command on `checkpoint`: its own, or the data `args` name, checked against
/// it (another shape is an error) and normalized with the checkpoint's transform.
pub fn checkpoint_data(
    checkpoint: &Checkpoint,
    args: &DataArgs,
    inputs: usize,
    sizes: &ModelSizes,
) -> Result<CheckpointData, Failure> {
    let trained_on = checkpoint.data();
    let Some(mut spec) = spec_from_args(args)? else {
        let loaded = trained_on.load().map_err(Failure::input)?;
        check_inputs(&trained_on.spec, &loaded, inputs, sizes)?;
        return Ok(CheckpointData {
            loaded,
            record: trained_on.clone(),
            used: DataUse::TrainedOn,
        });
    };
    if args.normalize.is_some() {
        return Err(Failure::input(
            "--normalize applies when training; other data is normalized as the checkpoint's was",
        ));
    }
    spec.normalization = Normalization::None;
    let mut split = spec.load_raw().map_err(Failure::input)?;
    let shape = split.train.shape();
    if shape != trained_on.shape {
        return Err(Failure::input(format!(
            "{} has {shape} but the checkpoint was trained on {}",
            spec.path.display(),
            trained_on.shape
        )));
    }
    trained_on.normalize(&mut split).map_err(Failure::input)?;
    let loaded = LoadedData {
        split,
        transform: trained_on.transform.clone(),
    };
    let same_test_set = trained_on.same_test_set(&loaded.split.test);
    let record = DataRecord::of(&spec, &loaded);
    Ok(CheckpointData {
        loaded,
        record,
        used: DataUse::Other {
            path: spec.path,
            same_test_set,
        },
    })
}
