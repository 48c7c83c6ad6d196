"""KS301 false alarms on keras-cv 0.9.0 (Apache-2.0): TensorFlow code that touches
no traced tensor, so it runs on any Keras backend where TensorFlow is installed.
`tf.io.gfile.exists(weights)` in `__init__`
(`keras_cv/src/models/legacy/darknet.py:137`),
`tf.linspace(...)` turned into floats in `__init__` (`legacy/convnext.py:352`),
`tf.nest.flatten(input_shape)` in `build()` (`legacy/object_detection/faster_rcnn/
faster_rcnn.py:107`) and `with tf.device("cpu"):` around a call
(`models/feature_extractor/clip/clip_processor.py:114`). `tf.shape` in `call`
(`layers/vit_layers.py:116`) is still reported: under JAX's tracing it fails.
Shortened."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="fixtures")
class Backbone(keras.layers.Layer):
    def __init__(self, weights=None, drop_path_rate=0.1, depth=3, **kwargs):
        if weights and not tf.io.gfile.exists(weights):
            raise ValueError(f"no weights file at {weights}")
        super().__init__(**kwargs)
        self.drop_path_rate = drop_path_rate
        self.depth = depth
        self.rates = [float(x) for x in tf.linspace(0.0, drop_path_rate, depth)]

    def build(self, input_shape):
        if isinstance(input_shape, (dict, list, tuple)):
            input_shape = tf.nest.flatten(input_shape)[0]
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def __call__(self, *args, **kwargs):
        with tf.device("cpu"):
            return super().__call__(*args, **kwargs)

    def call(self, inputs):
        return inputs * self.scale

    def get_config(self):
        config = {"drop_path_rate": self.drop_path_rate, "depth": self.depth}
        return {**super().get_config(), **config}


@keras.saving.register_keras_serializable(package="fixtures")
class Patches(keras.layers.Layer):
    def call(self, patches):
        shape = tf.shape(patches)
        return keras.ops.reshape(patches, (shape[0], -1))
