"""DynamicLayer, copied verbatim from keras3-custom-layers-guide.md (with its core imports)."""

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
class DynamicLayer(keras.layers.Layer):
    """
    Configurable layer builder supporting multiple layer types from specification.
    
    This layer creates a heterogeneous sequence of different layer types (Dense, Conv2D, etc.)
    based on a configuration list, demonstrating dynamic architecture construction while
    maintaining proper serialization. Each layer's configuration is preserved and can be
    reconstructed during model loading.
    
    **Intent**: Enable flexible model architectures defined by configuration files or
    hyperparameter search, allowing rapid experimentation with different layer combinations
    without hard-coding specific architectures.
    
    **Architecture** (example configuration):
    ```
    config = [
        {'type': 'dense', 'units': 128, 'activation': 'relu'},
        {'type': 'dense', 'units': 64, 'activation': 'gelu'},
        {'type': 'conv2d', 'filters': 32, 'kernel_size': 3}
    ]
    
    Input → Dense(128, 'relu') → Dense(64, 'gelu') → Conv2D(32, 3) → Output
    ```
    
    **Configuration Format**:
    Each dict in layer_configs must contain:
    - 'type': Layer type ('dense', 'conv2d', etc.)  
    - Additional keys: Parameters for that layer type
    
    Args:
        layer_configs: List of dictionaries specifying layer configurations.
            Each dict must contain 'type' key and appropriate parameters for that layer.
            Example: [{'type': 'dense', 'units': 64, 'activation': 'relu'}]
        **kwargs: Additional arguments for Layer base class.
    
    Input shape:
        Variable, depends on the first layer in the configuration.
        
    Output shape:
        Variable, depends on the final layer in the configuration.
    
    Attributes:
        dynamic_layers: List of created layers based on configuration.
    
    Example:
        ```python
        # Mixed architecture
        config = [
            {'type': 'dense', 'units': 256, 'activation': 'gelu'},
            {'type': 'dense', 'units': 128, 'activation': 'relu'},
            {'type': 'dense', 'units': 64}
        ]
        layer = DynamicLayer(config)
        
        # For image processing (if input is 4D)
        config = [
            {'type': 'conv2d', 'filters': 32, 'kernel_size': 3},
            {'type': 'conv2d', 'filters': 64, 'kernel_size': 3}
        ]
        layer = DynamicLayer(config)
        ```
        
    Note:
        Configuration reconstruction during serialization requires careful handling
        of layer types. This pattern is powerful for hyperparameter optimization
        and architecture search applications.
    """
    
    def __init__(
        self,
        layer_configs: List[Dict[str, Any]],
        **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        
        if not layer_configs:
            raise ValueError("layer_configs cannot be empty")
        
        self.layer_configs = layer_configs
        
        # Create layers from configs
        self.dynamic_layers = []
        for i, config in enumerate(layer_configs):
            # Make a copy to avoid modifying original
            config_copy = config.copy()
            layer_type = config_copy.pop('type')
            
            if layer_type == 'dense':
                layer = layers.Dense(**config_copy, name=f'dynamic_dense_{i}')
            elif layer_type == 'conv2d':
                layer = layers.Conv2D(**config_copy, name=f'dynamic_conv2d_{i}')
            else:
                raise ValueError(f"Unknown layer type: {layer_type}")
            
            self.dynamic_layers.append(layer)

    def call(self, inputs, training=None):
        x = inputs
        for layer in self.dynamic_layers:
            x = layer(x, training=training)
        return x

    def get_config(self):
        config = super().get_config()
        
        # Reconstruct configs with type information
        configs_with_types = []
        for layer, original_config in zip(self.dynamic_layers, self.layer_configs):
            layer_config = layer.get_config()
            
            if isinstance(layer, layers.Dense):
                layer_config['type'] = 'dense'
            elif isinstance(layer, layers.Conv2D):
                layer_config['type'] = 'conv2d'
            
            configs_with_types.append(layer_config)
        
        config.update({'layer_configs': configs_with_types})
        return config
