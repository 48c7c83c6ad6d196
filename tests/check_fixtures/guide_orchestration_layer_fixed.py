"""OrchestrationLayer, as guide-defects.md fixes it (with its core imports),
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
class OrchestrationLayer(keras.layers.Layer):
    """
    Sequential multi-layer perceptron builder from configurable layer dimensions.
    
    This layer creates a stack of Dense layers with specified hidden dimensions
    and consistent activation functions. It demonstrates the pattern for layers
    that only orchestrate sub-layers without creating custom weights, where Keras
    can handle sub-layer building automatically.
    
    **Intent**: Provide a flexible way to create deep MLPs with configurable
    architecture from a simple list of dimensions, useful for rapid prototyping
    and hyperparameter experiments.
    
    **Architecture**:
    ```
    Input(shape=[..., input_dim])
           ↓
    Dense₁(hidden_dims[0], activation)
           ↓  
    Dense₂(hidden_dims[1], activation)
           ↓
          ...
           ↓
    Denseₙ(hidden_dims[n-1], activation) 
           ↓
    Output(shape=[..., hidden_dims[-1]])
    ```
    
    **Example Flow** (hidden_dims=[128, 64, 32]):
    ```
    Input([batch, 784]) → Dense(128) → Dense(64) → Dense(32) → Output([batch, 32])
    ```
    
    Each Dense layer applies: activation(X @ W + b)
    
    Args:
        hidden_dims: List of integers specifying the output dimension of each
            Dense layer in sequence. Must be non-empty with positive integers.
            Example: [512, 256, 128] creates 3 layers with those output sizes.
        activation: String name of activation function to apply to all Dense layers.
            Common choices: 'relu', 'gelu', 'tanh', 'sigmoid'. Defaults to 'relu'.
        **kwargs: Additional arguments for Layer base class.
    
    Input shape:
        N-D tensor with shape: `(batch_size, ..., input_dim)`.
        
    Output shape:
        N-D tensor with shape: `(batch_size, ..., hidden_dims[-1])`.
        Final dimension becomes the last value in hidden_dims list.
    
    Attributes:
        layers_list: List of Dense layers created from hidden_dims specification.
    
    Example:
        ```python
        # Create 3-layer MLP: input → 512 → 256 → 128
        layer = OrchestrationLayer([512, 256, 128], activation='relu')
        inputs = keras.Input(shape=(784,))
        outputs = layer(inputs)  # Shape: (batch, 128)
        
        # Single layer transformation
        layer = OrchestrationLayer([64], activation='gelu')
        
        # Deep network with GELU activations  
        layer = OrchestrationLayer([1024, 512, 256, 128, 64], activation='gelu')
        ```
        
    Note:
        This pattern doesn't require custom build() method since the layer only
        contains standard Keras layers. Keras automatically handles building
        of sub-layers on first call. Useful for rapid architecture prototyping.
    """
    
    def __init__(
        self,
        hidden_dims: List[int],
        activation: str = 'relu',
        **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        
        # Validate inputs
        if not hidden_dims:
            raise ValueError("hidden_dims cannot be empty")
        if any(dim <= 0 for dim in hidden_dims):
            raise ValueError("All dimensions in hidden_dims must be positive")
        
        self.hidden_dims = hidden_dims
        self.activation = activation
        
        # Create all sub-layers
        self.layers_list = []
        for i, dim in enumerate(hidden_dims):
            self.layers_list.append(
                layers.Dense(dim, activation=activation, dtype=self.dtype_policy, name=f'dense_{i}')
            )

    def build(self, input_shape: Tuple[Optional[int], ...]) -> None:
        """Build each Dense layer with the shape it receives, in call order."""
        shape = tuple(input_shape)
        for layer in self.layers_list:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(
        self, 
        inputs: keras.KerasTensor, 
        training: Optional[bool] = None
    ) -> keras.KerasTensor:
        """Forward pass - Keras builds sub-layers automatically."""
        x = inputs
        for layer in self.layers_list:
            x = layer(x, training=training)
        return x

    def get_config(self) -> Dict[str, Any]:
        """Return configuration for serialization."""
        config = super().get_config()
        config["dtype"] = quantized_dtype_config(self)
        config.update({
            'hidden_dims': self.hidden_dims,
            'activation': self.activation,
        })
        return config
