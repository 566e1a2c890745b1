//! The models a tool offers: the shipped presets ([`Shipped`]), or a model of one's own sizes
//! ([`OneModel`]). Every command is generic over a [`Catalog`], so a crate that defines
//! `type SensorVae = MlpVae<96, 48, 4>;` gets the whole tool — training in the dashboard or
//! headless, eval, export, pictures, bench — for it.

use std::marker::PhantomData;

use crate::presets::{
    DefaultData, PRESETS, Preset, PresetId, PresetVisitor, find_in, with_preset_config,
};
use crate::train::config::TrainConfig;
use crate::train::model::TrainableModel;

/// A set of named models and the way to run model-generic code for each.
pub trait Catalog: Sync {
    /// Every model, the default first.
    fn presets(&self) -> &'static [Preset];

    /// Runs `visitor` with the model type a run of `preset` under `config` trains (the
    /// settings can pick it: a learned decoder variance is a weight of its own), or `None` if
    /// `preset` is not one of [`Catalog::presets`].
    fn visit<V: PresetVisitor>(
        &self,
        preset: &'static Preset,
        config: &TrainConfig,
        visitor: V,
    ) -> Option<V::Output>;

    /// The model trained when none is named.
    fn default_preset(&self) -> &'static Preset {
        &self.presets()[0]
    }

    /// The model called `name`, or an error listing the names.
    fn find(&self, name: &str) -> Result<&'static Preset, String> {
        find_in(self.presets(), name)
    }
}

/// The presets shipped with the tool; `vae-mnist-2d` is the default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shipped;

impl Catalog for Shipped {
    fn presets(&self) -> &'static [Preset] {
        &PRESETS
    }

    fn visit<V: PresetVisitor>(
        &self,
        preset: &'static Preset,
        config: &TrainConfig,
        visitor: V,
    ) -> Option<V::Output> {
        PresetId::of(preset).map(|id| with_preset_config(id, config, visitor))
    }

    fn default_preset(&self) -> &'static Preset {
        &PRESETS[PresetId::VaeMnist2d as usize]
    }
}

/// One model of the user's own type `M`, under a name.
pub struct OneModel<M> {
    presets: &'static [Preset],
    model: PhantomData<fn() -> M>,
}

impl<M: TrainableModel> OneModel<M> {
    /// The model `M` as the preset `name`, with `description`, trained by default on `data`
    /// with `config`. The preset lives as long as the program.
    pub fn new(
        name: &'static str,
        description: &'static str,
        data: DefaultData,
        config: TrainConfig,
    ) -> Self {
        let preset = Preset {
            name,
            description,
            data,
            config,
            initialization: crate::train::config::Initialization::PyTorch,
        };
        Self {
            presets: Box::leak(Box::new([preset])),
            model: PhantomData,
        }
    }
}

impl<M: TrainableModel> Catalog for OneModel<M> {
    fn presets(&self) -> &'static [Preset] {
        self.presets
    }

    /// `M` whatever the settings: a run asking of `M` what it cannot do is refused when its
    /// trainer is made ([`TrainableModel::validate_config`]).
    fn visit<V: PresetVisitor>(
        &self,
        preset: &'static Preset,
        _config: &TrainConfig,
        visitor: V,
    ) -> Option<V::Output> {
        (preset.name == self.presets[0].name).then(|| visitor.visit::<M>(preset))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use tinyvae_core::vae::MlpVae;

    use super::*;

    struct Inputs;
    impl PresetVisitor for Inputs {
        type Output = usize;
        fn visit<M: TrainableModel>(self, _: &'static Preset) -> usize {
            M::INPUTS
        }
    }

    #[test]
    fn each_catalog_visits_its_own_models() {
        let shipped = Shipped;
        assert_eq!(shipped.default_preset().name, "vae-mnist-2d");
        let digits = shipped.find("vae-digits").unwrap();
        assert_eq!(shipped.visit(digits, &digits.config, Inputs), Some(64));

        let own = OneModel::<MlpVae<96, 48, 4>>::new(
            "vae-sensor",
            "a sensor VAE",
            DefaultData::Required,
            TrainConfig::default(),
        );
        let sensor = own.find("vae-sensor").unwrap();
        assert_eq!(own.default_preset(), sensor);
        assert_eq!(own.visit(sensor, &sensor.config, Inputs), Some(96));
        assert_eq!(own.visit(digits, &digits.config, Inputs), None);
        assert_eq!(shipped.visit(sensor, &sensor.config, Inputs), None);
        assert!(own.find("vae-digits").unwrap_err().contains("vae-sensor"));
    }
}
