"""The guide's test suite sample, verbatim (with its core imports): test code, not layer code."""

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


import pytest
import tempfile
import os
from typing import Any, Dict

class TestCustomLayer:
    """Comprehensive test suite for custom layers."""
    
    @pytest.fixture
    def layer_config(self) -> Dict[str, Any]:
        """Standard configuration for testing."""
        return {
            'units': 64,
            'activation': 'relu',
            'use_bias': True
        }
    
    @pytest.fixture
    def sample_input(self) -> keras.KerasTensor:
        """Sample input for testing."""
        return ops.random.normal(shape=(4, 32))
    
    def test_initialization(self, layer_config):
        """Test layer initialization."""
        layer = CompositeLayer(**layer_config)
        
        assert hasattr(layer, 'hidden_dim')
        assert not layer.built
        assert layer.dense1 is not None  # Sub-layers created
    
    def test_forward_pass(self, layer_config, sample_input):
        """Test forward pass and building."""
        layer = CompositeLayer(**layer_config)
        
        output = layer(sample_input)
        
        assert layer.built
        assert output.shape[0] == sample_input.shape[0]  # Batch size preserved
    
    def test_serialization_cycle(self, layer_config, sample_input):
        """CRITICAL TEST: Full serialization cycle."""
        # Create model with custom layer
        inputs = keras.Input(shape=sample_input.shape[1:])
        outputs = CompositeLayer(**layer_config)(inputs)
        model = keras.Model(inputs, outputs)
        
        # Get original prediction
        original_pred = model(sample_input)
        
        # Save and load
        with tempfile.TemporaryDirectory() as tmpdir:
            filepath = os.path.join(tmpdir, 'test_model.keras')
            model.save(filepath)
            
            loaded_model = keras.models.load_model(filepath)
            loaded_pred = loaded_model(sample_input)
            
            # Verify identical predictions
            np.testing.assert_allclose(
                ops.convert_to_numpy(original_pred),
                ops.convert_to_numpy(loaded_pred),
                rtol=1e-6, atol=1e-6,
                err_msg="Predictions differ after serialization"
            )
    
    def test_config_completeness(self, layer_config):
        """Test that get_config contains all __init__ parameters."""
        layer = CompositeLayer(**layer_config)
        config = layer.get_config()
        
        # Check all config parameters are present
        for key in layer_config:
            assert key in config, f"Missing {key} in get_config()"
    
    def test_gradients_flow(self, layer_config, sample_input):
        """Test gradient computation."""
        layer = CompositeLayer(**layer_config)
        
        with tf.GradientTape() as tape:
            tape.watch(sample_input)
            output = layer(sample_input)
            loss = ops.mean(ops.square(output))
        
        gradients = tape.gradient(loss, layer.trainable_variables)
        
        assert all(g is not None for g in gradients)
        assert len(gradients) > 0
    
    @pytest.mark.parametrize("training", [True, False, None])
    def test_training_modes(self, layer_config, sample_input, training):
        """Test behavior in different training modes."""
        layer = CompositeLayer(**layer_config)
        
        output = layer(sample_input, training=training)
        assert output.shape[0] == sample_input.shape[0]
    
    def test_edge_cases(self):
        """Test error conditions."""
        with pytest.raises(ValueError):
            CompositeLayer(hidden_dim=0, output_dim=32)  # Invalid hidden_dim
        
        with pytest.raises(ValueError):
            CompositeLayer(hidden_dim=32, output_dim=-5)  # Invalid output_dim

# Run tests with: pytest test_custom_layer.py -v
