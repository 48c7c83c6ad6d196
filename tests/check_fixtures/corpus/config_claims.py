"""KS107 and KS104 messages whose claim was wrong on keras-cv 0.9.0 (Apache-2.0).

- `Encoder`: the shape of `keras_cv/src/layers/hierarchical_transformer_encoder.py:76`
  (`HierarchicalTransformerEncoder`): its config writes `drop_prop`, which
  `**kwargs` hands to Keras's `Layer.__init__`, so loading fails on Keras's
  ValueError ("Unrecognized keyword arguments"), wrapped in a TypeError, not on a
  TypeError of `__init__`'s own (KS107 said so); and its config lacks `sr_ratio`,
  but the layer does not reload at all, so a loaded layer gets no default (KS104
  said it did).
- `ContrastiveTrainer` and `SimCLRTrainer`: the shape of
  `keras_cv/src/training/contrastive/contrastive_trainer.py:80` and
  `simclr_trainer.py:37`: `SimCLRTrainer` takes `**kwargs` and hands them to its
  parent's `__init__`, which has none (KS107 said `SimCLRTrainer` had none).
Shortened."""

import keras


@keras.saving.register_keras_serializable(package="fixtures")
class Encoder(keras.layers.Layer):
    def __init__(self, project_dim=4, sr_ratio=1, drop_prob=0.0, **kwargs):
        super().__init__(**kwargs)
        self.project_dim = project_dim
        self.sr_ratio = sr_ratio
        self.drop_prop = drop_prob

    def call(self, x):
        return x * self.sr_ratio

    def get_config(self):
        config = super().get_config()
        config.update({"project_dim": self.project_dim, "drop_prop": self.drop_prop})
        return config


@keras.saving.register_keras_serializable(package="fixtures")
class ContrastiveTrainer(keras.layers.Layer):
    def __init__(self, width=4, temperature=0.5):
        super().__init__()
        self.width = width
        self.temperature = temperature

    def call(self, x):
        return x / self.temperature


@keras.saving.register_keras_serializable(package="fixtures")
class SimCLRTrainer(ContrastiveTrainer):
    def __init__(self, projection_width=128, **kwargs):
        super().__init__(width=projection_width, **kwargs)


@keras.saving.register_keras_serializable(package="fixtures")
class NonLinearHead(keras.layers.Layer):
    """k3-node 1.0.0 (MIT), `k3_node/models/unimol.py:222`: `activation_fn` is a
    string by default, or a callable. With the string, Keras's automatic config
    saves it; given a callable, `model.save` raises NotImplementedError."""

    def __init__(self, out_dim=4, activation_fn="gelu", **kwargs):
        super().__init__(**kwargs)
        self.out_dim = out_dim
        self.act = keras.activations.get(activation_fn)

    def call(self, x):
        return self.act(x)


@keras.saving.register_keras_serializable(package="fixtures")
class SelfAttention(keras.Model):
    """keras-hub 0.32.0 (Apache-2.0), `keras_hub/src/models/flux/flux_layers.py:127`,
    shortened: a Model subclass without `get_config` whose `__init__` requires
    `dim`. Keras makes a Model's automatic config from `__init__`'s defaults
    alone, so there is none: `get_config` raises NotImplementedError (KS107 said
    `load_model` would raise TypeError)."""

    def __init__(self, dim, num_heads=8, use_bias=False):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = keras.layers.Dense(dim * 3, use_bias=use_bias)

    def call(self, x):
        return self.qkv(x)


@keras.saving.register_keras_serializable(package="fixtures")
class Defaulted(keras.Model):
    """The same with a default: the automatic config holds the default, not the
    value given."""

    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, x):
        return x * self.units
