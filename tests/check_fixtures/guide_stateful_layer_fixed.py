"""StatefulLayer, as guide-defects.md fixes it (with its core imports),
and saving its quantized sub-layers' policies (its `Dense` named, so the
policy found by path is its own) so a quantized model reloads."""

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
class StatefulLayer(keras.layers.Layer):
    """
    Memory-augmented layer with persistent internal state across forward passes.
    
    This layer maintains an internal memory state that gets updated with each forward
    pass, creating a form of neural memory that persists across batches. The state
    influences the current output and gets updated based on the current computation,
    enabling temporal dependencies and memory-based processing.
    
    **Intent**: Demonstrate stateful processing where the layer maintains information
    across different inputs, useful for online learning, adaptive processing, or 
    recurrent-like behavior without explicit sequence structure.
    
    **Architecture & State Flow**:
    ```
    Input(shape=[..., input_dim])
           ↓
    Dense Transform: h = Dense(inputs)  
           ↓
    Memory Integration: output = h + memory_state
           ↓
    State Update: memory_state ← mean(output, batch_axis)
           ↓  
    Output(shape=[..., units])
    
    Memory State: [units] (persistent across calls)
    ```
    
    **State Dynamics**:
    - **Initialization**: memory_state = zeros(units)
    - **Forward Pass**: output = dense(input) + memory_state
    - **State Update**: memory_state = mean(output) across batch dimension
    - **Reset**: memory_state can be manually reset to zeros
    
    Args:
        units: Integer, output dimension and memory state size. Must be positive.
        **kwargs: Additional arguments for Layer base class.
    
    Input shape:
        N-D tensor with shape: `(batch_size, ..., input_dim)`.
        
    Output shape:
        N-D tensor with shape: `(batch_size, ..., units)`.
    
    Attributes:
        dense: Dense layer for input transformation.
        memory_state: Persistent state vector, shape (units,).
    
    Methods:
        reset_states(): Manually reset memory state to zeros.
    
    Example:
        ```python
        # Create stateful layer
        layer = StatefulLayer(units=128)
        
        # Process multiple inputs (state accumulates)
        input1 = keras.random.normal((32, 64))
        output1 = layer(input1)  # State updated
        
        input2 = keras.random.normal((32, 64)) 
        output2 = layer(input2)  # Uses updated state from input1
        
        # Reset state manually
        layer.reset_states()
        output3 = layer(input1)  # Same as output1 (state reset)
        
        # Force state reset during forward pass
        output = layer(inputs, reset_state=True)
        ```
        
    Note:
        The state is not trainable (trainable=False) but affects training through
        the forward pass. State persists across batches during training, which
        may require careful handling for reproducibility.
    """
    
    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        
        if units <= 0:
            raise ValueError(f"units must be positive, got {units}")
        
        self.units = units
        self.stateful = True
        
        # Sub-layers
        self.dense = layers.Dense(units, dtype=self.dtype_policy, name="dense")
        
        # State created in build()
        self.memory_state = None

    def build(self, input_shape):
        # Create state variable
        self.memory_state = self.add_weight(
            name='memory_state',
            shape=(self.units,),
            initializer='zeros',
            trainable=False,  # State is not trainable
        )
        
        # Build sub-layers
        self.dense.build(input_shape)
        super().build(input_shape)

    def call(self, inputs, training=None, reset_state=False):
        if reset_state:
            self.memory_state.assign(ops.zeros_like(self.memory_state))
        
        x = self.dense(inputs, training=training)
        
        # Use memory state
        x = x + ops.cast(self.memory_state, x.dtype)
        
        # Update memory state: in training only, so inference is repeatable
        if training:
            new_state = ops.mean(ops.cast(x, self.memory_state.dtype), axis=0)
            self.memory_state.assign(new_state)
        
        return x

    def reset_states(self):
        """Reset memory state to zeros."""
        if self.memory_state is not None:
            self.memory_state.assign(ops.zeros_like(self.memory_state))

    def get_config(self):
        config = super().get_config()
        config["dtype"] = quantized_dtype_config(self)
        config.update({'units': self.units})
        return config
