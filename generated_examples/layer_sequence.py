import inspect
from collections.abc import Sequence
from typing import Any

import keras

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class LayerSequence(keras.layers.Layer):
    """Applies a list of sub-layers in order, each saved by its config.

    This layer calls each layer of `sublayers` on the output of the one
    before, as `keras.Sequential` does. A sub-layer is given as a layer, or as
    the config `keras.layers.serialize` writes, which is built with this
    layer's dtype policy (a layer keeps its own: pass it `dtype=`). Shapes,
    dtypes and masks come from the sub-layers.

    **Intent**: an architecture that is data, read from a configuration file or
    chosen by a search.

    **Architecture**:
    ```
    inputs (..., d_0)
      -> sublayers[0]             (..., d_1)
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
        ValueError: If an argument is not as `Args` describes it.
    """

    def __init__(
        self,
        sublayers: Sequence[keras.layers.Layer | dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sublayers = support.layer_list("sublayers", sublayers, self.dtype_policy)

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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        spec = keras.KerasTensor(input_shape, dtype=self.compute_dtype)
        return tuple(self.compute_output_spec(spec).shape)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
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
