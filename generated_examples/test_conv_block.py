"""Tests for `ConvBlock`: the shared checks of keras_scaffold_checks.py on its
configurations, and its own tests."""

import keras
import numpy as np
import pytest

from conv_block import ConvBlock
from keras_scaffold_checks import LayerChecks, infer, infer_each, to_numpy


class TestConvBlock(LayerChecks):
    layer_class = ConvBlock

    @property
    def input_shape(self):
        """Images as large as the kernel, in the layout the checks run."""
        return in_format((2, HEIGHT, WIDTH, CHANNELS), DATA_FORMAT)

    expected_trainable_weights = 5
    expected_non_trainable_weights = 2
    stochastic = True
    keeps_mask = False
    invalid_arguments = (
        ("filters", 0, ValueError, "a positive integer"),
        (
            "kernel_size",
            (0,),
            ValueError,
            "a positive integer or a tuple of 2 positive integers",
        ),
        (
            "strides",
            (0,),
            ValueError,
            "a positive integer or a tuple of 2 positive integers",
        ),
        ("padding", "not_a_choice", ValueError, "one of same, valid"),
        (
            "data_format",
            "not_a_choice",
            ValueError,
            "one of channels_last, channels_first",
        ),
        ("activation", "not_a_activation", ValueError, None),
        ("use_norm", "yes", ValueError, "a boolean"),
        ("use_residual", "yes", ValueError, "a boolean"),
    )
    invalid_combinations = (
        ({"kernel_size": (3, 3, 3)}, ValueError, "or a tuple of 2"),
        ({"strides": (1,)}, ValueError, "or a tuple of 2"),
        ({"kernel_size": "3"}, ValueError, "or a tuple of 2"),
        ({"strides": (1, 1.5)}, ValueError, "or a tuple of 2"),
        (
            {
                "padding": "valid",
                "use_residual": True,
                "kernel_size": 3,
            },
            ValueError,
            "residual",
        ),
    )
    object_arguments = (("activation", "activation"),)

    def make_config(self):
        """Arguments for the layer under test (fresh objects on every call)."""
        return {
            "filters": 8,
        }

    def make_other_config(self):
        """A valid value other than the default for every argument."""
        return {
            "filters": 9,
            "kernel_size": (4, 4),
            "strides": (2, 2),
            "padding": "valid",
            "data_format": "channels_last",
            "activation": "tanh",
            "use_norm": False,
            "use_residual": False,
        }

    def sublayers(self, layer):
        return [layer.conv, layer.norm, layer.projection]

    def check_construction(self, layer):
        assert layer.conv.name == "conv" and not layer.conv.built
        assert layer.conv.data_format == layer.data_format
        assert (layer.norm is not None) == layer.use_norm
        assert layer.projection is None  # made in build(), where it is needed

    def check_built(self, layer):
        assert layer.conv.built
        assert layer.norm is None or layer.norm.built
        assert layer.projection is None or layer.projection.built
        kernel_shape = tuple(layer.kernel_size) + (CHANNELS, layer.filters)
        assert tuple(layer.conv.kernel.shape) == kernel_shape

    def flexible_shape(self):
        """Images of any height and width."""
        return in_format((None, None, None, CHANNELS), DATA_FORMAT)

    @pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
    @pytest.mark.parametrize("padding", ["same", "valid"])
    @pytest.mark.parametrize("strides", [(1, 1), (2, 2)])
    def test_output_shapes_are_conv2ds(self, data_format, padding, strides):
        layer = self.make_layer(
            data_format=data_format,
            padding=padding,
            strides=strides,
            use_residual=padding == "same",
        )
        reference = keras.layers.Conv2D(
            layer.filters,
            layer.kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
        )
        for spatial in ((HEIGHT + 1, WIDTH + 3), (None, None), (None, WIDTH + 2)):
            shape = in_format((2, *spatial, CHANNELS), data_format)
            expected = tuple(reference.compute_output_shape(shape))
            assert tuple(layer.compute_output_shape(shape)) == expected
        # Symbolic inputs with unknown batch, height and width.
        shape = in_format((None, None, None, CHANNELS), data_format)
        symbolic = layer(keras.Input(batch_shape=shape))
        assert tuple(symbolic.shape) == tuple(reference.compute_output_shape(shape))

    def test_channels_first_computes_what_channels_last_does(self):
        last = self.make_layer(data_format="channels_last")
        first = self.make_layer(data_format="channels_first")
        inputs = self.make_inputs((2, HEIGHT, WIDTH, CHANNELS))
        expected = to_numpy(last(inputs, training=False))
        first.build(in_format(inputs.shape, "channels_first"))
        assert first.channel_axis == 1
        first.set_weights(last.get_weights())
        if not channels_first_runs():
            pytest.skip("TensorFlow runs channels_first convolutions on a GPU only")
        channels_first = in_format(inputs, "channels_first")
        source = keras.Input(shape=channels_first.shape[1:])
        outputs = infer(keras.Model(source, first(source)), channels_first)
        np.testing.assert_allclose(
            in_format(outputs, "channels_last", source="channels_first"),
            expected,
            rtol=1e-5,
            atol=1e-5,
        )

    def test_inputs_of_any_height_and_width(self):
        model = self.make_model(self.make_layer())
        batches = [
            self.make_inputs(in_format((2, height, width, CHANNELS), DATA_FORMAT))
            for height, width in ((HEIGHT, WIDTH), (HEIGHT + 3, WIDTH + 1))
        ]
        for inputs, outputs in zip(batches, infer_each(model, batches), strict=True):
            expected = model.compute_output_shape(inputs.shape)
            assert tuple(outputs.shape) == tuple(expected)

    def test_kernel_size_and_strides_take_one_integer_and_numpy_integers(self):
        # As `keras.layers.Conv2D`: one integer stands for both dimensions.
        layer = self.make_layer(kernel_size=3, strides=np.int64(2))
        assert layer.kernel_size == (3, 3)
        assert layer.strides == (2, 2)
        pair = (np.int32(3), np.int64(3))
        config = self.make_layer(kernel_size=pair).get_config()
        # Plain ints, which JSON takes.
        assert config["kernel_size"] == [3, 3]
        assert all(type(size) is int for size in config["kernel_size"])

    def test_a_projection_only_where_the_shapes_differ(self):
        # A residual around a convolution that keeps the shape: `same` padding.
        block = {"padding": "same", "use_residual": True}
        same = self.make_layer(
            filters=CHANNELS, strides=(1, 1), activation=None, **block
        )
        same.build(self.input_shape)
        assert same.projection is None
        # Without a projection, the residual is the inputs themselves.
        plain = self.make_layer(
            filters=CHANNELS,
            strides=(1, 1),
            activation=None,
            padding="same",
            use_residual=False,
        )
        plain.build(self.input_shape)
        plain.set_weights(same.get_weights())
        with_residual, without_residual = self.infer_side_by_side([same, plain])
        np.testing.assert_allclose(
            with_residual - without_residual, self.make_inputs(), rtol=1e-5, atol=1e-5
        )
        strided = self.make_layer(filters=CHANNELS, strides=(2, 2), **block)
        strided.build(self.input_shape)
        assert strided.projection is not None
        without = self.make_layer(use_residual=False)
        without.build(self.input_shape)
        assert without.projection is None

    @pytest.mark.parametrize("policy", ["mixed_float16", "bfloat16"])
    def test_the_projection_follows_the_dtype_policy(self, policy):
        layer = self.make_layer(
            strides=(2, 2),
            padding="same",
            use_residual=True,
            dtype=policy,
        )
        layer.build(self.input_shape)  # the strides make a projection
        assert layer.projection.compute_dtype == layer.compute_dtype
        assert layer.projection.variable_dtype == layer.variable_dtype


# Images as the checks take them: as large as the kernel (so that `valid`
# padding leaves pixels), with channels a valid `filters` (a residual block that
# keeps the shape needs as many filters as input channels).
HEIGHT, WIDTH, CHANNELS = 6, 6, 3


def in_format(value, data_format, source="channels_last"):
    """A shape tuple or an array moved from `source` to `data_format`."""
    if data_format == source:
        return value
    order = (0, 3, 1, 2) if data_format == "channels_first" else (0, 2, 3, 1)
    if isinstance(value, tuple):
        return tuple(value[axis] for axis in order)
    return np.transpose(value, order)


def channels_first_runs():
    """Whether this backend runs channels_first convolutions here: TensorFlow
    runs them on a GPU only."""
    if keras.backend.backend() != "tensorflow":
        return True
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


DATA_FORMAT = "channels_last"
