"""MlpClassifier: a keras.Model subclass classifier that fits, saves and reloads."""

import numbers
import re
from collections.abc import Callable
from typing import Any

import keras


@keras.saving.register_keras_serializable(package="generated_examples")
class MlpClassifier(keras.Model):
    """A multi-layer perceptron classifier built as a `keras.Model` subclass.

    This model passes its inputs through one `Dense` layer per entry of
    `hidden_dims`, each followed by `Dropout`, then through a `Dense` classifier
    and a softmax, so that each output row holds the probabilities of the
    `num_classes` classes. It compiles, fits and predicts like any Keras model,
    and `model.save()` / `keras.models.load_model()` restore it, weights and
    optimizer state included.

    Under a mixed precision policy the layers compute in float16 or bfloat16,
    but the softmax computes in float32, as the Keras mixed precision guide
    advises for a model's output: probabilities are float32 and each row sums to
    1 within float32 rounding.

    **Intent**: a multi-layer perceptron classifier of feature vectors, to
    compile, fit, save and reload like any Keras model.

    **Architecture**:
    ```
    inputs (batch_size, input_features)
      -> Dense(hidden_dims[0], activation) -> Dropout(dropout_rate)
      -> ...
      -> Dense(hidden_dims[-1], activation) -> Dropout(dropout_rate)
      -> Dense(num_classes)                   the logits
      -> softmax                              in float32
    outputs (batch_size, num_classes)       each row sums to 1
    ```

    Args:
        num_classes: Positive integer. Number of classes, the size of the softmax
            output. Required.
        hidden_dims: Tuple of positive integers. Units of each hidden `Dense` layer,
            in call order. Defaults to `(16, 8)`.
        dropout_rate: Float between 0 and 1. Fraction of each hidden layer's outputs
            dropped during training. Defaults to `0.1`.
        activation: Activation function, or its name. Activation of the hidden
            layers; the classifier always uses softmax. Defaults to `"relu"`.
        **kwargs: Base model keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: The input tensor.
        training: Python boolean, whether the call is in training mode or in
            inference mode.

    Input shape:
        2D tensor with shape `(batch_size, input_features)`.

    Output shape:
        2D float32 tensor with shape `(batch_size, num_classes)`: class
        probabilities, each row summing to 1.

    Attributes:
        hidden_layers: The hidden `Dense` layers, one per entry of `hidden_dims`.
        dropout_layers: The `Dropout` layers, one after each hidden layer.
        classifier: The output `Dense` layer, with `num_classes` units: the
            logits.
        softmax: The `Activation` layer turning logits into probabilities, in
            float32 whatever the dtype policy.

    Example:

    ```python
    model = MlpClassifier(num_classes=3)
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    features = keras.random.normal((4, 6))
    labels = keras.random.randint((4,), 0, model.num_classes)
    model.fit(features, labels, epochs=1)
    probabilities = model.predict(features)  # shape (4, num_classes)
    ```

    Raises:
        TypeError: If `num_classes` is not an integer.
        ValueError: If `num_classes` is not a positive integer.
        TypeError: If `hidden_dims` is not a tuple of integers.
        ValueError: If `hidden_dims` is not a non-empty tuple of positive integers.
        TypeError: If `dropout_rate` is not a number.
        ValueError: If `dropout_rate` is not a float between 0 and 1.
        ValueError: If `activation` is not a Keras activation or its name.
        ValueError: If `num_classes` is below 2.
        ValueError: If `dropout_rate` is 1.
    """

    def __init__(
        self,
        num_classes: int,
        hidden_dims: tuple[int, ...] = (16, 8),
        dropout_rate: float = 0.1,
        activation: str | Callable[..., Any] | None = "relu",
        **kwargs: Any,
    ) -> None:
        if not isinstance(num_classes, int) or isinstance(num_classes, bool):
            raise TypeError(
                "Received an invalid value for `num_classes`, "
                "expected a positive integer. "
                f"Received: num_classes={num_classes!r}"
            )
        if num_classes < 1:
            raise ValueError(
                "Received an invalid value for `num_classes`, "
                "expected a positive integer. "
                f"Received: num_classes={num_classes!r}"
            )
        if not isinstance(hidden_dims, (tuple, list)) or not all(
            isinstance(value, numbers.Integral) and not isinstance(value, bool)
            for value in hidden_dims
        ):
            raise TypeError(
                "Received an invalid value for `hidden_dims`, "
                "expected a non-empty tuple of positive integers. "
                f"Received: hidden_dims={hidden_dims!r}"
            )
        if not hidden_dims or any(value < 1 for value in hidden_dims):
            raise ValueError(
                "Received an invalid value for `hidden_dims`, "
                "expected a non-empty tuple of positive integers. "
                f"Received: hidden_dims={hidden_dims!r}"
            )

        # Plain ints (NumPy's too), so that the config is JSON.
        hidden_dims = tuple(int(value) for value in hidden_dims)
        if not isinstance(dropout_rate, (int, float)) or isinstance(dropout_rate, bool):
            raise TypeError(
                "Received an invalid value for `dropout_rate`, "
                "expected a float between 0 and 1. "
                f"Received: dropout_rate={dropout_rate!r}"
            )
        if dropout_rate < 0 or dropout_rate > 1:
            raise ValueError(
                "Received an invalid value for `dropout_rate`, "
                "expected a float between 0 and 1. "
                f"Received: dropout_rate={dropout_rate!r}"
            )
        if num_classes < 2:
            raise ValueError(
                "`num_classes` must be at least 2: a softmax over one "
                "class is always 1, and nothing trains. Received: "
                f"num_classes={num_classes}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every "
                "unit, and no gradient reaches the layers before the "
                f"dropout. Received: dropout_rate={dropout_rate}"
            )
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.hidden_dims = tuple(hidden_dims)
        self.dropout_rate = dropout_rate
        try:
            self.activation = keras.activations.get(activation)
        except ValueError as error:
            raise ValueError(
                "Received an invalid value for `activation`, "
                "expected a Keras activation or its name. "
                f"Received: activation={activation!r}"
            ) from error
        # Sub-layers are created here, never in `build()` or `call()`, with
        # explicit names and the model's dtype policy; `build()` builds them, so
        # the model has every weight before `load_model` restores them. Change
        # the layers and `call()`; keep that structure.
        self.hidden_layers = [
            keras.layers.Dense(
                units,
                activation=self.activation,
                dtype=self.dtype_policy,
                name=f"hidden_{index}",
            )
            for index, units in enumerate(self.hidden_dims)
        ]
        self.dropout_layers = [
            keras.layers.Dropout(
                self.dropout_rate, dtype=self.dtype_policy, name=f"dropout_{index}"
            )
            for index in range(len(self.hidden_dims))
        ]
        self.classifier = keras.layers.Dense(
            self.num_classes, dtype=self.dtype_policy, name="classifier"
        )
        # The output in float32 under any policy: a half-precision softmax
        # rounds the probabilities.
        self.softmax = keras.layers.Activation(
            "softmax", dtype="float32", name="softmax"
        )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        shape = tuple(input_shape)
        for dense, dropout in zip(self.hidden_layers, self.dropout_layers, strict=True):
            dense.build(shape)
            shape = dense.compute_output_shape(shape)
            dropout.build(shape)
        self.classifier.build(shape)
        self.softmax.build(self.classifier.compute_output_shape(shape))

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        x = inputs
        for dense, dropout in zip(self.hidden_layers, self.dropout_layers, strict=True):
            x = dense(x)
            x = dropout(x, training=training)
        return self.softmax(self.classifier(x))

    def compute_output_shape(
        self, input_shape: tuple[int | None, ...]
    ) -> tuple[int | None, ...]:
        return tuple(input_shape[:-1]) + (self.num_classes,)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = self._dtype_policy_config()
        config = {
            "num_classes": self.num_classes,
            "hidden_dims": list(self.hidden_dims),
            "dropout_rate": self.dropout_rate,
            "activation": keras.activations.serialize(self.activation),
        }
        return {**base_config, **config}

    def _dtype_policy_config(self) -> dict[str, Any]:
        """This model's dtype policy as `get_config` saves it, with the
        policy of each quantized sub-layer.

        A model reloading this model re-creates its sub-layers from its
        policy alone, so after `model.quantize()` a quantized sub-layer would
        come back unquantized, and its saved weights would not fit it. As
        keras-hub's `Backbone.get_config` does, the policy saved is then a
        `keras.dtype_policies.DTypePolicyMap`: this model's policy, and the
        policy of each quantized sub-layer, which the sub-layer reads back when
        it is built. Each is keyed by its path below this model, under any
        outer path: a model reloads its layers under other paths than it saved
        them (`sequential/my_block/dense` saved, `my_block/dense` reloaded).
        """
        policy = self.dtype_policy
        if not isinstance(policy, keras.dtype_policies.DTypePolicyMap):
            quantized = keras.dtype_policies.DTypePolicyMap(default_policy=policy)
            prefix = f"{self.path}/"
            # Keras has no public walk of a layer's sub-layers; `Model.quantize`
            # and keras-hub's `Backbone` use this one.
            for layer in self._flatten_layers(include_self=False):
                # A sub-layer built outside this model (one given already
                # built) saves its own policy in its own config.
                if layer.quantization_mode is not None and (
                    layer.path.startswith(prefix)
                ):
                    below = layer.path.removeprefix(prefix)
                    key = "(.*/)?" + re.escape(f"{self.name}/{below}")
                    quantized[key] = layer.dtype_policy
            if len(quantized):
                policy = quantized
        return keras.dtype_policies.serialize(policy)

    @staticmethod
    def get_layout_map(
        device_mesh: keras.distribution.DeviceMesh,
        model_parallel_dim_name: str = "model",
        data_parallel_dim_name: str = "batch",
        layout_map: keras.distribution.LayoutMap | None = None,
    ) -> keras.distribution.LayoutMap:
        """Adds the rules that shard this model's weights to a `LayoutMap`.

        The rules split the weight matrices over the mesh axis
        `model_parallel_dim_name` as Megatron-LM's tensor parallelism does (a
        first projection column-wise, the next row-wise, attention by heads,
        embeddings by rows) and, where the axes below say `batch`, another axis
        over `data_parallel_dim_name`, as keras-hub's backbones do; XLA inserts
        the collectives. Every axis split must divide by the size of its mesh
        axis. Other weights (biases, normalization) are replicated. With the
        default axis names:

        - `.*/hidden_[0-9]*[02468]/kernel`: the kernels of `hidden_0`, `hidden_2`,
          ..., column-wise:
          `("batch", "model")`.
        - `.*/hidden_[0-9]*[13579]/kernel`: the kernels of `hidden_1`, `hidden_3`,
          ..., row-wise:
          `("model", "batch")`.
        - `.*/classifier/kernel`: the classifier's kernel, row-wise:
          `("model", None)`.

        The rules match the sub-layers' names under any outer layer, so one map
        serves every instance in a model; rules of other classes chain into the
        same map through `layout_map`.

        Args:
            device_mesh: The `keras.distribution.DeviceMesh` to shard over; used
                when `layout_map` is `None`.
            model_parallel_dim_name: The mesh axis the weight matrices are
                split over. Defaults to `"model"`.
            data_parallel_dim_name: The mesh axis the batch is split over,
                which the rules marked `"batch"` split weights over too.
                Defaults to `"batch"`.
            layout_map: The `keras.distribution.LayoutMap` to add the rules to,
                such as another class's `get_layout_map()`. Defaults to `None`:
                a new `keras.distribution.LayoutMap(device_mesh)`.

        Returns:
            `layout_map`, holding these rules.

        Raises:
            ValueError: If `layout_map` holds one of these keys with another
                layout.

        Example:

        ```python
        mesh = keras.distribution.DeviceMesh(
            shape=(2, 4),
            axis_names=("batch", "model"),
            devices=keras.distribution.list_devices(),
        )
        layout_map = MlpClassifier.get_layout_map(mesh)
        keras.distribution.set_distribution(
            keras.distribution.ModelParallel(
                layout_map=layout_map, batch_dim_name="batch"
            )
        )
        ```
        """
        model_dim = model_parallel_dim_name
        data_dim = data_parallel_dim_name
        if layout_map is None:
            layout_map = keras.distribution.LayoutMap(device_mesh)
        rules = {
            ".*/hidden_[0-9]*[02468]/kernel": (
                data_dim,
                model_dim,
            ),
            ".*/hidden_[0-9]*[13579]/kernel": (
                model_dim,
                data_dim,
            ),
            ".*/classifier/kernel": (
                model_dim,
                None,
            ),
        }
        # `key in layout_map` matches `key` as a path against every rule; the
        # keys themselves are what a second class's identical rule must find.
        keys = list(layout_map)
        for key, axes in rules.items():
            if key not in keys:
                layout_map[key] = axes
            elif tuple(layout_map[key].axes) != axes:
                raise ValueError(
                    f"The layout map already holds '{key}' as "
                    f"{tuple(layout_map[key].axes)}, not {axes}. Received: "
                    f"model_parallel_dim_name={model_parallel_dim_name}, "
                    f"data_parallel_dim_name={data_parallel_dim_name}"
                )
        return layout_map
