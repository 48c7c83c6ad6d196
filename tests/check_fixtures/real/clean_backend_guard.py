"""A false alarm `check` gave (issue 23): backend-specific code under a backend
check, as keras-hub writes it (`if keras.config.backend() == ...`, an early
return, `tf and isinstance(x, tf.Tensor)`, keras-hub's `in_tf_function()`). It
runs on every backend; KS301 stays quiet."""

import keras
from keras import ops

try:
    import tensorflow as tf
except ImportError:
    tf = None


def in_tf_function():
    return tf is not None and not tf.executing_eagerly()


@keras.saving.register_keras_serializable(package="fixtures")
class BandPart(keras.layers.Layer):
    """Keeps the main diagonal band of square matrices."""

    def call(self, inputs):
        if keras.config.backend() == "tensorflow":
            import tensorflow as tf

            return tf.linalg.band_part(inputs, 1, 1)
        size = ops.shape(inputs)[-1]
        rows = ops.expand_dims(ops.arange(size), -1)
        band = ops.abs(rows - ops.arange(size)) <= 1
        return ops.where(band, inputs, ops.zeros_like(inputs))


@keras.saving.register_keras_serializable(package="fixtures")
class Cast(keras.layers.Layer):
    """Casts to float32, with TensorFlow's cast inside tf.data."""

    def call(self, inputs):
        if in_tf_function():
            return tf.cast(inputs, "float32")
        if keras.config.backend() != "tensorflow":
            return ops.cast(inputs, "float32")
        return tf.cast(inputs, "float32")


@keras.saving.register_keras_serializable(package="fixtures")
class Squeeze(keras.layers.Layer):
    """Drops a leading axis of one, whatever the tensor's type."""

    def call(self, inputs):
        if tf and isinstance(inputs, tf.RaggedTensor):
            return inputs.to_tensor()
        return inputs + 0.0
