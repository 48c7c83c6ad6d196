"""SimpleCustomLayer, copied verbatim from keras3-custom-layers-guide.md (with its core imports)."""

# The guide's code as it is: neither linted nor formatted.
# ruff: noqa
# fmt: off

# Core Keras imports - always use full paths
import keras
from keras import ops, layers, initializers, regularizers, constraints, activations
from typing import Optional, Union, Tuple, List, Dict, Any, Callable, Literal
import numpy as np

# For testing (backend-specific)
import tensorflow as tf


@keras.saving.register_keras_serializable()
class SimpleCustomLayer(keras.layers.Layer):
    """
    Custom linear transformation layer with optional bias and activation.
    
    This layer performs a learnable linear transformation similar to Dense layer,
    demonstrating the fundamental pattern for layers that create their own weights
    but contain no sub-layers. It showcases proper weight initialization, forward
    pass computation, and serialization handling.
    
    **Intent**: Educational example showing basic custom layer patterns with
    weight management, while being functionally equivalent to keras.layers.Dense.
    
    **Architecture**:
    ```
    Input(shape=[..., input_dim])
           ↓
    Linear Transform: X @ W  
           ↓
    Add Bias: + b (if use_bias=True)
           ↓  
    Activation: f(·) (if activation provided)
           ↓
    Output(shape=[..., units])
    ```
    
    **Mathematical Operation**:
        output = activation(inputs @ kernel + bias)
    
    Where:
    - @ denotes matrix multiplication
    - kernel has shape (input_dim, units) 
    - bias has shape (units,) if use_bias=True
    - activation is applied element-wise
    
    Args:
        units: Integer, dimensionality of the output space. Must be positive.
            This determines the number of neurons/outputs in the layer.
        activation: Optional activation function. Can be string name ('relu', 'gelu')
            or callable. None means linear activation (no transformation). 
            Defaults to None.
        use_bias: Boolean, whether to add a learnable bias vector to outputs.
            When True, adds bias term after linear transformation. Defaults to True.
        kernel_initializer: Initializer for the weight matrix. Accepts string names
            ('glorot_uniform', 'he_normal') or Initializer instances.
            Defaults to 'glorot_uniform'.
        bias_initializer: Initializer for the bias vector. Only used when use_bias=True.
            Defaults to 'zeros'.
        **kwargs: Additional arguments for Layer base class (name, trainable, etc.).
    
    Input shape:
        N-D tensor with shape: `(batch_size, ..., input_dim)`.
        Most common: 2D tensor with shape `(batch_size, input_dim)`.
    
    Output shape:
        N-D tensor with shape: `(batch_size, ..., units)`.
        Same rank as input, but last dimension changed to `units`.
    
    Attributes:
        kernel: Weight matrix of shape (input_dim, units). Created in build().
        bias: Bias vector of shape (units,) if use_bias=True. Created in build().
    
    Example:
        ```python
        # Basic linear layer (no activation)
        layer = SimpleCustomLayer(64)
        inputs = keras.Input(shape=(784,))
        outputs = layer(inputs)  # Shape: (batch, 64)
        
        # With activation function
        layer = SimpleCustomLayer(128, activation='relu')
        
        # Without bias (linear transformation only)
        layer = SimpleCustomLayer(64, use_bias=False)
        ```
    
    Note:
        This implementation demonstrates proper weight creation in build() method,
        which is essential for Keras serialization. For production code, prefer
        using keras.layers.Dense which is optimized and battle-tested.
    """
    
    def __init__(
        self,
        units: int,
        activation: Optional[Union[str, Callable]] = None,
        use_bias: bool = True,
        kernel_initializer: Union[str, initializers.Initializer] = 'glorot_uniform',
        bias_initializer: Union[str, initializers.Initializer] = 'zeros',
        **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        
        # Validate inputs
        if units <= 0:
            raise ValueError(f"units must be positive, got {units}")
        
        # Store ALL configuration
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        
        # Initialize weight attributes - created in build()
        self.kernel = None
        self.bias = None

    def build(self, input_shape: Tuple[Optional[int], ...]) -> None:
        """
        Create the layer's own weights.
        
        This is called automatically when the layer first processes input.
        """
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError("Last dimension of input must be defined")
        
        # Create layer's own weights
        self.kernel = self.add_weight(
            name='kernel',
            shape=(input_dim, self.units),
            initializer=self.kernel_initializer,
            trainable=True,
        )
        
        if self.use_bias:
            self.bias = self.add_weight(
                name='bias',
                shape=(self.units,),
                initializer=self.bias_initializer,
                trainable=True,
            )
        
        super().build(input_shape)

    def call(
        self, 
        inputs: keras.KerasTensor, 
        training: Optional[bool] = None
    ) -> keras.KerasTensor:
        """Forward pass computation."""
        outputs = ops.matmul(inputs, self.kernel)
        
        if self.use_bias:
            outputs = ops.add(outputs, self.bias)
        
        if self.activation is not None:
            outputs = self.activation(outputs)
        
        return outputs

    def compute_output_shape(self, input_shape: Tuple[Optional[int], ...]) -> Tuple[Optional[int], ...]:
        """Compute output shape."""
        output_shape = list(input_shape)
        output_shape[-1] = self.units
        return tuple(output_shape)

    def get_config(self) -> Dict[str, Any]:
        """Return configuration for serialization."""
        config = super().get_config()
        config.update({
            'units': self.units,
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
            'kernel_initializer': initializers.serialize(self.kernel_initializer),
            'bias_initializer': initializers.serialize(self.bias_initializer),
        })
        return config
