"""CustomModel, as guide-defects.md fixes it (with its core imports),
and saving its quantized sub-layers' policies so a quantized model reloads."""

# The guide's code as it is: neither linted nor formatted.
# ruff: noqa
# fmt: off

# Core Keras imports - always use full paths
import re

import keras
from keras import ops, layers, initializers, regularizers, constraints, activations
from typing import Optional, Union, Tuple, List, Dict, Any, Callable, Literal
import numpy as np

# For testing (backend-specific)
import tensorflow as tf


def quantized_dtype_config(layer: keras.layers.Layer) -> Dict[str, Any]:
    """The layer's dtype policy as `get_config` saves it: after `model.quantize()`,
    a `DTypePolicyMap` with each quantized sub-layer's policy under its path, which
    the sub-layers loading re-creates read back (as keras-hub's `Backbone` does);
    without it they come back unquantized and their saved weights do not fit."""
    policy = layer.dtype_policy
    if isinstance(policy, keras.dtype_policies.DTypePolicyMap):
        return keras.dtype_policies.serialize(policy)
    quantized = keras.dtype_policies.DTypePolicyMap(default_policy=policy)
    # Keyed by the path below the layer, under any outer path: a model reloads
    # its layers under other paths than it saved them (in a `keras.Sequential`).
    prefix = f"{layer.path}/"
    for sublayer in layer._flatten_layers(include_self=False):
        if sublayer.quantization_mode is not None and sublayer.path.startswith(prefix):
            below = sublayer.path.removeprefix(prefix)
            quantized["(.*/)?" + re.escape(f"{layer.name}/{below}")] = sublayer.dtype_policy
    return keras.dtype_policies.serialize(quantized if len(quantized) else policy)


@keras.saving.register_keras_serializable(package="guide")
class CustomModel(keras.Model):
    """
    Multi-layer perceptron classifier with configurable architecture and dropout.
    
    This model implements a standard deep neural network for classification tasks,
    consisting of multiple hidden layers with dropout regularization and a final
    softmax classification layer. It demonstrates proper model-level patterns for
    organizing layers and configuration management.
    
    **Intent**: Provide a flexible, configurable MLP classifier that can be easily
    adapted for different classification tasks by adjusting layer dimensions,
    dropout rates, and activation functions.
    
    **Architecture**:
    ```
    Input(shape=[..., input_features])
           ↓
    Hidden₁(hidden_dims[0], activation) → Dropout(dropout_rate)
           ↓
    Hidden₂(hidden_dims[1], activation) → Dropout(dropout_rate) 
           ↓
          ...
           ↓
    Hiddenₙ(hidden_dims[n-1], activation) → Dropout(dropout_rate)
           ↓
    Classifier(num_classes, activation='softmax')
           ↓
    Output(shape=[..., num_classes]) # Probability distribution
    ```
    
    **Example Architecture** (hidden_dims=[512, 256], num_classes=10):
    ```
    Input([batch, 784])
         ↓
    Dense(512, 'relu') → Dropout(0.1)
         ↓  
    Dense(256, 'relu') → Dropout(0.1)
         ↓
    Dense(10, 'softmax')
         ↓
    Output([batch, 10])  # Probabilities for 10 classes
    ```
    
    Each hidden layer performs: dropout(activation(X @ W + b), training)
    Final layer performs: softmax(X @ W + b) for probability distribution
    
    Args:
        num_classes: Integer, number of output classes for classification.
            Must be positive. This determines the final layer size and should
            match the number of target classes in your dataset.
        hidden_dims: List of integers specifying hidden layer dimensions.
            Each integer creates a Dense layer with that many units.
            Defaults to [512, 256].
        dropout_rate: Float between 0 and 1, fraction of hidden layer outputs
            randomly set to 0 during training. Applied after each hidden layer
            but not after the final classifier. Defaults to 0.1.
        activation: String name of activation function for hidden layers.
            The final layer always uses softmax. Defaults to 'relu'.
        **kwargs: Additional arguments for Model base class.
    
    Input shape:
        2D tensor with shape: `(batch_size, input_features)`.
        
    Output shape:
        2D tensor with shape: `(batch_size, num_classes)`.
        Values represent class probabilities (sum to 1 due to softmax).
    
    Attributes:
        hidden_layers: List of Dense layers for feature learning.
        dropout_layers: List of Dropout layers for regularization.
        classifier: Final Dense layer with softmax for classification.
    
    Example:
        ```python
        # MNIST classifier (10 classes, 784 input features)
        model = CustomModel(num_classes=10, hidden_dims=[512, 256])
        model.compile(optimizer='adam', 
                     loss='sparse_categorical_crossentropy',
                     metrics=['accuracy'])
        
        # Binary classifier with deeper network
        model = CustomModel(
            num_classes=2,
            hidden_dims=[1024, 512, 256, 128],
            dropout_rate=0.2,
            activation='gelu'
        )
        
        # Simple single hidden layer
        model = CustomModel(num_classes=3, hidden_dims=[128])
        ```
        
    Note:
        For models, Keras automatically handles sub-layer building, so no custom
        build() method is needed. The model can be compiled and trained directly
        after instantiation.
    """
    
    def __init__(
        self,
        num_classes: int,
        hidden_dims: Tuple[int, ...] = (512, 256),
        dropout_rate: float = 0.1,
        activation: str = 'relu',
        **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        
        # Validate inputs
        if num_classes <= 0:
            raise ValueError(f"num_classes must be positive, got {num_classes}")
        if not hidden_dims:
            raise ValueError("hidden_dims cannot be empty")
        if any(dim <= 0 for dim in hidden_dims):
            raise ValueError("All dimensions in hidden_dims must be positive")
        if not (0.0 <= dropout_rate <= 1.0):
            raise ValueError(f"dropout_rate must be between 0 and 1, got {dropout_rate}")
        
        # Store configuration
        self.num_classes = num_classes
        self.hidden_dims = list(hidden_dims)  # JSON keeps a list as a list
        self.dropout_rate = dropout_rate
        self.activation = activation
        
        # CREATE all sub-layers in __init__
        self.hidden_layers = []
        self.dropout_layers = []
        
        for i, dim in enumerate(hidden_dims):
            self.hidden_layers.append(
                layers.Dense(dim, activation=activation, dtype=self.dtype_policy, name=f'hidden_{i}')
            )
            self.dropout_layers.append(
                layers.Dropout(dropout_rate, dtype=self.dtype_policy, name=f'dropout_{i}')
            )
        
        self.classifier = layers.Dense(num_classes, activation='softmax', dtype=self.dtype_policy, name='classifier')

    def build(self, input_shape) -> None:
        # BUILD every sub-layer with the shape it receives
        shape = tuple(input_shape)
        for hidden_layer, dropout_layer in zip(self.hidden_layers, self.dropout_layers):
            hidden_layer.build(shape)
            shape = hidden_layer.compute_output_shape(shape)
            dropout_layer.build(shape)
        self.classifier.build(shape)

    def call(
        self, 
        inputs: keras.KerasTensor, 
        training: Optional[bool] = None
    ) -> keras.KerasTensor:
        """Forward pass through the model."""
        x = inputs
        
        for hidden_layer, dropout_layer in zip(self.hidden_layers, self.dropout_layers):
            x = hidden_layer(x, training=training)
            x = dropout_layer(x, training=training)
        
        return self.classifier(x, training=training)

    def get_config(self) -> Dict[str, Any]:
        """Get model configuration for serialization."""
        config = super().get_config()
        config["dtype"] = quantized_dtype_config(self)
        config.update({
            'num_classes': self.num_classes,
            'hidden_dims': self.hidden_dims,
            'dropout_rate': self.dropout_rate,
            'activation': self.activation,
        })
        return config
