"""CompositeLayer, as guide-defects.md fixes it (with its core imports),
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
class CompositeLayer(keras.layers.Layer):
    """
    Multi-stage neural network block demonstrating sub-layer composition patterns.
    
    This layer implements a standard neural network building block consisting of
    two linear transformations with dropout and optional normalization in between.
    It demonstrates the critical pattern for layers containing sub-layers, showing
    proper initialization, building, and serialization handling.
    
    **Intent**: Educational example showcasing composite layer patterns for building
    complex neural network blocks from simpler components, while handling Keras
    serialization requirements correctly.
    
    **Architecture**:
    ```
    Input(shape=[..., input_dim])
           ↓
    Dense₁(hidden_dim, activation='gelu')
           ↓
    Dropout(rate=dropout_rate) 
           ↓
    LayerNorm() ← (optional, if use_norm=True)
           ↓
    Dense₂(output_dim, activation=None)
           ↓
    Output(shape=[..., output_dim])
    ```
    
    **Data Flow**: 
    1. Linear transformation with GELU activation to expand/contract dimensionality
    2. Dropout for regularization during training
    3. Layer normalization for training stability (optional)
    4. Final linear transformation to target output dimension
    
    This pattern is commonly found in transformer feed-forward networks,
    MLP blocks, and general deep learning architectures.
    
    Args:
        hidden_dim: Integer, dimensionality of the intermediate hidden layer.
            Controls the expressiveness of the transformation. Should be positive.
        output_dim: Integer, dimensionality of the final output. Must be positive.
        dropout_rate: Float between 0 and 1, fraction of input units to randomly
            set to 0 during training. Applied between first dense and normalization.
            Defaults to 0.1.
        use_norm: Boolean, whether to apply layer normalization after dropout.
            Helps with training stability in deep networks. Defaults to True.
        **kwargs: Additional arguments for Layer base class.
    
    Input shape:
        N-D tensor with shape: `(batch_size, ..., input_dim)`.
        
    Output shape:
        N-D tensor with shape: `(batch_size, ..., output_dim)`.
        Same rank as input, but last dimension becomes output_dim.
    
    Attributes:
        dense1: First Dense layer for feature transformation.
        dropout: Dropout layer for regularization.
        norm: LayerNormalization layer (if use_norm=True), else None.
        dense2: Final Dense layer for output projection.
    
    Example:
        ```python
        # Standard MLP block
        layer = CompositeLayer(hidden_dim=128, output_dim=64)
        inputs = keras.Input(shape=(32,))
        outputs = layer(inputs)  # Shape: (batch, 64)
        
        # Without normalization, higher dropout
        layer = CompositeLayer(
            hidden_dim=256, 
            output_dim=128, 
            dropout_rate=0.3,
            use_norm=False
        )
        
        # Transformer-style FFN block
        layer = CompositeLayer(
            hidden_dim=2048,  # 4x expansion 
            output_dim=512,   # back to model dim
            dropout_rate=0.1,
            use_norm=True
        )
        ```
        
    Note:
        This pattern demonstrates CRITICAL sub-layer building in build() method.
        Without explicit sub-layer building, serialization will fail when loading
        the model due to missing weight variables.
    """
    
    def __init__(
        self,
        hidden_dim: int,
        output_dim: int,
        dropout_rate: float = 0.1,
        use_norm: bool = True,
        **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        
        # Validate inputs
        if hidden_dim <= 0:
            raise ValueError(f"hidden_dim must be positive, got {hidden_dim}")
        if output_dim <= 0:
            raise ValueError(f"output_dim must be positive, got {output_dim}")
        if not (0.0 <= dropout_rate <= 1.0):
            raise ValueError(f"dropout_rate must be between 0 and 1, got {dropout_rate}")
        
        # Store configuration
        self.hidden_dim = hidden_dim
        self.output_dim = output_dim
        self.dropout_rate = dropout_rate
        self.use_norm = use_norm
        
        # CREATE all sub-layers in __init__ (they are unbuilt)
        self.dense1 = layers.Dense(hidden_dim, activation="gelu", dtype=self.dtype_policy, name="dense1")
        self.dropout = layers.Dropout(dropout_rate, dtype=self.dtype_policy, name="dropout")
        
        if use_norm:
            self.norm = layers.LayerNormalization(dtype=self.dtype_policy, name="layer_norm")
        else:
            self.norm = None
            
        self.dense2 = layers.Dense(output_dim, dtype=self.dtype_policy, name="dense2")

    def build(self, input_shape: Tuple[Optional[int], ...]) -> None:
        """
        Build the layer and all its sub-layers.
        
        CRITICAL: Explicitly build each sub-layer for robust serialization.
        """
        # Build sub-layers in computational order
        self.dense1.build(input_shape)
        
        # Compute intermediate shapes
        dense1_output_shape = self.dense1.compute_output_shape(input_shape)
        
        self.dropout.build(dense1_output_shape)
        
        if self.norm is not None:
            # Dropout doesn't change shape
            self.norm.build(dense1_output_shape)
            
        self.dense2.build(dense1_output_shape)
        
        # Always call parent build at the end
        super().build(input_shape)

    def call(
        self, 
        inputs: keras.KerasTensor, 
        training: Optional[bool] = None
    ) -> keras.KerasTensor:
        """Forward pass through sub-layers."""
        x = self.dense1(inputs)
        x = self.dropout(x, training=training)
        
        if self.norm is not None:
            x = self.norm(x)
            
        x = self.dense2(x)
        return x

    def compute_output_shape(self, input_shape: Tuple[Optional[int], ...]) -> Tuple[Optional[int], ...]:
        """Compute output shape."""
        output_shape = list(input_shape)
        output_shape[-1] = self.output_dim
        return tuple(output_shape)

    def get_config(self) -> Dict[str, Any]:
        """Return configuration for serialization."""
        config = super().get_config()
        config["dtype"] = quantized_dtype_config(self)
        config.update({
            'hidden_dim': self.hidden_dim,
            'output_dim': self.output_dim,
            'dropout_rate': self.dropout_rate,
            'use_norm': self.use_norm,
        })
        return config
