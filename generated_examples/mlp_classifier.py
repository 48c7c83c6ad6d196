from collections.abc import Callable
from typing import Any

import keras

import keras_scaffold_support as support


@keras.saving.register_keras_serializable(package="generated_examples")
class MlpClassifier(keras.Model):
    """A multi-layer perceptron classifier built as a `keras.Model` subclass.

    This model passes its inputs through one `Dense` layer per entry of
    `hidden_dims`, each followed by `Dropout`, then a `Dense` classifier and a
    softmax: each output row holds the probabilities of the `num_classes`
    classes. It compiles, fits, saves and reloads like any Keras model. Under
    a mixed precision policy the softmax still computes in float32, as the
    Keras mixed precision guide advises for a model's output.

    **Intent**: a multi-layer perceptron classifier of feature vectors.

    **Architecture**:
    ```
    inputs (batch_size, input_features)
      -> Dense(hidden_dims[0], activation) -> Dropout(dropout_rate)
      -> ...
      -> Dense(num_classes) -> softmax          in float32
    outputs (batch_size, num_classes)           each row sums to 1
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
        ValueError: If an argument is not as `Args` describes it.
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
        support.check_integer("num_classes", num_classes, low=1)
        hidden_dims = support.int_tuple(
            "hidden_dims", hidden_dims, "a non-empty tuple of positive integers", low=1
        )
        support.check_number("dropout_rate", dropout_rate, low=0, high=1)
        if num_classes < 2:
            raise ValueError(
                "`num_classes` must be at least 2: a softmax over one class is "
                f"always 1, and nothing trains. Received: num_classes={num_classes}"
            )
        if dropout_rate == 1:
            raise ValueError(
                "`dropout_rate` must be below 1: a rate of 1 drops every unit. "
                f"Received: dropout_rate={dropout_rate}"
            )
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.hidden_dims = hidden_dims
        self.dropout_rate = dropout_rate
        self.activation = keras.activations.get(activation)
        # Sub-layers, created here once with the model's dtype policy, each
        # named; `build()` builds them in call order.
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

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.num_classes,)

    def get_config(self) -> dict[str, Any]:
        base_config = super().get_config()
        base_config["dtype"] = support.dtype_policy_config(self)
        config = {
            "num_classes": self.num_classes,
            "hidden_dims": list(self.hidden_dims),
            "dropout_rate": self.dropout_rate,
            "activation": keras.activations.serialize(self.activation),
        }
        return {**base_config, **config}

    @staticmethod
    def get_layout_map(
        device_mesh: keras.distribution.DeviceMesh,
        model_parallel_dim_name: str = "model",
        data_parallel_dim_name: str = "batch",
        layout_map: keras.distribution.LayoutMap | None = None,
    ) -> keras.distribution.LayoutMap:
        """Adds the rules below, which shard this model's weights for
        `keras.distribution.ModelParallel`, to `layout_map` (`None`: a new one)."""
        model, data = model_parallel_dim_name, data_parallel_dim_name
        rules = {
            ".*/hidden_[0-9]*[02468]/kernel": (data, model),
            ".*/hidden_[0-9]*[13579]/kernel": (model, data),
            ".*/classifier/kernel": (model, None),
        }
        return support.add_layout_rules(device_mesh, layout_map, rules)
