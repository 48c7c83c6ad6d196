"""DocumentedLayer, as guide-defects.md fixes it (with its core imports)."""

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


@keras.saving.register_keras_serializable(package="guide")
class DocumentedLayer(keras.layers.Layer):
    """
    Feature scaling layer with learnable parameters and statistical normalization.
    
    This layer applies learnable feature scaling combined with standardization,
    demonstrating comprehensive documentation practices for custom Keras layers.
    It computes running statistics during training and applies both normalization
    and learnable scaling/shifting parameters.
    
    **Intent**: Provide a template for comprehensive layer documentation while
    implementing a practical feature scaling layer that combines normalization
    with learnable parameters for improved training dynamics.
    
    **Architecture**:
    ```
    Input(shape=[..., features])
           ↓
    Compute: μ = mean(x), σ² = var(x)  
           ↓
    Normalize: x_norm = (x - μ) / √(σ² + ε)
           ↓
    Scale & Shift: output = γ * x_norm + β
           ↓
    Output(shape=[..., features])
    ```
    
    **Mathematical Operations**:
    1. **Statistics**: μ = E[x], σ² = Var[x]
    2. **Normalization**: x̂ = (x - μ) / √(σ² + ε) 
    3. **Affine Transform**: y = γ ⊙ x̂ + β
    
    Where:
    - μ, σ² are computed per feature across batch dimension
    - γ (scale) and β (shift) are learnable parameters
    - ε is a small constant for numerical stability
    - ⊙ denotes element-wise multiplication
    
    Args:
        units: Integer, number of features to normalize. Must be positive.
            Should match the last dimension of input tensors.
        epsilon: Float, small constant added to variance for numerical stability.
            Prevents division by zero when variance is very small. Defaults to 1e-5.
        center: Boolean, if True, add learnable bias/shift parameter β.
            When False, no bias is applied after normalization. Defaults to True.
        scale: Boolean, if True, add learnable scale parameter γ. 
            When False, normalized features are not scaled. Defaults to True.
        beta_initializer: Initializer for bias parameter β (if center=True).
            Defaults to 'zeros'.
        gamma_initializer: Initializer for scale parameter γ (if scale=True).
            Defaults to 'ones'.
        **kwargs: Additional Layer base class arguments (name, trainable, etc.).
    
    Input shape:
        N-D tensor with shape: `(batch_size, ..., units)`.
        The last dimension must equal the `units` parameter.
        Most common: 2D with shape `(batch_size, units)`.
    
    Output shape:
        N-D tensor with same shape as input: `(batch_size, ..., units)`.
        Shape is preserved through the normalization process.
    
    Attributes:
        gamma: Scale parameter of shape (units,) if scale=True, else None.
        beta: Bias parameter of shape (units,) if center=True, else None.
    
    Example:
        ```python
        # Basic usage with learnable scale and bias
        layer = DocumentedLayer(units=64)
        inputs = keras.Input(shape=(784,))
        normalized = layer(inputs)
        
        # Only normalization, no learnable parameters
        layer = DocumentedLayer(units=128, center=False, scale=False)
        
        # Custom initialization for specific distributions
        layer = DocumentedLayer(
            units=256,
            gamma_initializer='he_normal',
            beta_initializer='normal'
        )
        
        # In a model with other layers
        inputs = keras.Input(shape=(784,))
        x = layers.Dense(256, activation='relu')(inputs)
        x = DocumentedLayer(units=256)(x)  # Normalize features
        outputs = layers.Dense(10, activation='softmax')(x)
        model = keras.Model(inputs, outputs)
        ```
    
    References:
        - Layer Normalization: https://arxiv.org/abs/1607.06450
        - Batch Normalization: https://arxiv.org/abs/1502.03167
    
    Raises:
        ValueError: If units is not positive.
        ValueError: If epsilon is not positive.
        
    Note:
        This layer computes statistics per batch during training. For inference
        or when using in evaluation mode, consider implementing moving averages
        similar to BatchNormalization for more stable behavior.
    """
    
    def __init__(
        self,
        units: int,
        epsilon: float = 1e-5,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Union[str, initializers.Initializer] = 'zeros',
        gamma_initializer: Union[str, initializers.Initializer] = 'ones',
        **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        
        # Validate inputs
        if units <= 0:
            raise ValueError(f"units must be positive, got {units}")
        if epsilon <= 0:
            raise ValueError(f"epsilon must be positive, got {epsilon}")
        
        # Store configuration
        self.units = units
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        
        # Weight attributes (created in build)
        self.gamma = None
        self.beta = None

    def build(self, input_shape: Tuple[Optional[int], ...]) -> None:
        """Create learnable parameters."""
        if input_shape[-1] != self.units:
            raise ValueError(
                f"Last dimension of input ({input_shape[-1]}) must match units ({self.units})"
            )
        
        if self.scale:
            self.gamma = self.add_weight(
                name='gamma',
                shape=(self.units,),
                initializer=self.gamma_initializer,
                trainable=True
            )
            
        if self.center:
            self.beta = self.add_weight(
                name='beta', 
                shape=(self.units,),
                initializer=self.beta_initializer,
                trainable=True
            )
            
        super().build(input_shape)

    def call(
        self, 
        inputs: keras.KerasTensor, 
        training: Optional[bool] = None
    ) -> keras.KerasTensor:
        """Apply feature normalization and scaling."""
        # Compute statistics along all axes except the last (feature) dimension
        reduction_axes = list(range(len(inputs.shape) - 1))
        
        mean = ops.mean(inputs, axis=reduction_axes, keepdims=True)
        variance = ops.var(inputs, axis=reduction_axes, keepdims=True)
        
        # Normalize
        normalized = (inputs - mean) / ops.sqrt(variance + self.epsilon)
        
        # Apply learnable parameters
        if self.scale:
            normalized = normalized * self.gamma
        if self.center:
            normalized = normalized + self.beta
            
        return normalized

    def compute_output_shape(self, input_shape: Tuple[Optional[int], ...]) -> Tuple[Optional[int], ...]:
        """Output shape is identical to input shape."""
        return input_shape

    def get_config(self) -> Dict[str, Any]:
        """Return configuration for serialization."""
        config = super().get_config()
        config.update({
            'units': self.units,
            'epsilon': self.epsilon,
            'center': self.center,
            'scale': self.scale,
            'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(self.gamma_initializer),
        })
        return config
