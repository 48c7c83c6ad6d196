"""LayerSequence: a list of sub-layers, given as layers or configs, applied in order."""

import inspect
from collections.abc import Sequence
from typing import Any

import keras

from keras_scaffold_support import dtype_policy_config, layer_list


@keras.saving.register_keras_serializable(package="generated_examples")
class LayerSequence(keras.layers.Layer):
    """Applies a list of sub-layers in order, each saved by its config.

    This layer calls each layer of `sublayers` on the output of the one
    before. The sub-layers are given as layer objects, or as the configs that
    `keras.layers.serialize` writes, which are turned into layers in
    `__init__`. `get_config()` saves every sub-layer with
    `keras.layers.serialize` and `from_config()` rebuilds it with
    `keras.layers.deserialize`, so a saved model reloads with its weights.

    **Intent**: an architecture that is data, read from a configuration file or
    chosen by a search: any sequence of layers that each take one tensor.

    **Shapes, dtypes and masks** come from the sub-layers, as in
    `keras.Sequential`: the symbolic output is each sub-layer's
    `compute_output_spec` in turn (so its shape and dtype are what an eager call
    gives, for any sub-layer, one that defines only `call()` included), and the
    mask of the inputs goes through every sub-layer's `compute_mask`, reaching
    those whose `call()` takes a `mask`.

    **Dtype policy**: a sub-layer given as a config is built with this layer's
    dtype policy (the config's own `dtype` is replaced), so `dtype=` on this
    layer, such as `"mixed_float16"`, reaches it. A sub-layer given as a layer
    object keeps the policy it was created with: pass it `dtype=` yourself.
    Reloading keeps the policy each sub-layer was saved with.

    **Building**: `build()` builds each sub-layer that is not built yet, with
    the shape it receives. A config saved from a built layer arrives built
    (`keras.layers.deserialize` builds it), and building it again would fail.

    **Architecture**:
    ```
    inputs (..., d_0)
      -> sublayers[0]             (..., d_1)
      -> sublayers[1]             (..., d_2)
      -> ...
      -> sublayers[n - 1]
    outputs (..., d_n)
    ```

    Args:
        sublayers: List of Keras layers or their configs. The layers to apply, in
            order; each a layer or its config from `keras.layers.serialize`. A config is
            built with this layer's dtype policy; a layer keeps its own. Required.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.
        training: Python boolean, whether the call is in training mode or in
            inference mode.

    Input shape:
        What the first sub-layer takes, such as `(batch_size, ..., input_dim)`.

    Output shape:
        What the last sub-layer returns, as `compute_output_shape()` gives it.

    Attributes:
        sublayers: The sub-layers, as layer objects, in call order.

    Example:

    ```python
    layer = LayerSequence(
        sublayers=[
            keras.layers.Dense(8, activation="relu"),
            keras.layers.serialize(keras.layers.Dense(4)),
        ],
    )
    outputs = layer(keras.random.normal((4, 6)))
    ```

    Raises:
        ValueError: If `sublayers` is not a non-empty list of Keras layers or layer
            configs.
    """

    def __init__(
        self,
        sublayers: Sequence[keras.layers.Layer | dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sublayers = layer_list("sublayers", sublayers, self.dtype_policy)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        spec = keras.KerasTensor(input_shape, dtype=self.compute_dtype)
        for layer in self.sublayers:
            if not layer.built:
                layer.build(spec.shape)
            spec = layer.compute_output_spec(spec)

    def call(
        self, inputs: Any, training: bool | None = None, mask: Any | None = None
    ) -> Any:
        outputs = inputs
        for layer in self.sublayers:
            # As keras.Sequential does: a sub-layer whose `call()` takes a mask
            # gets it, and each passes on the mask its `compute_mask()` gives.
            takes_mask = "mask" in inspect.signature(layer.call).parameters
            extra = {"mask": mask} if mask is not None and takes_mask else {}
            next_outputs = layer(outputs, training=training, **extra)
            mask = layer.compute_mask(outputs, mask)
            outputs = next_outputs
        return outputs

    def compute_mask(self, inputs: Any, mask: Any | None = None) -> Any | None:
        # Each sub-layer sees this layer's inputs: built-in layers other than
        # `Embedding` and `Masking` read only the mask.
        for layer in self.sublayers:
            mask = layer.compute_mask(inputs, mask)
        return mask

    def compute_output_spec(self, inputs: Any, **kwargs: Any) -> Any:
        outputs = inputs
        for layer in self.sublayers:
            outputs = layer.compute_output_spec(outputs)
        return outputs

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        spec = keras.KerasTensor(input_shape, dtype=self.compute_dtype)
        return tuple(self.compute_output_spec(spec).shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = dtype_policy_config(self)
        config = {
            "sublayers": [keras.layers.serialize(item) for item in self.sublayers],
        }
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LayerSequence":
        config = dict(config)
        config["sublayers"] = [
            keras.layers.deserialize(item) if isinstance(item, dict) else item
            for item in config["sublayers"]
        ]
        return cls(**config)
