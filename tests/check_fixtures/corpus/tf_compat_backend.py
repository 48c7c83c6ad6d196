"""KS401 false alarms on keras-cv 0.9.0 (Apache-2.0), as it writes them:
`from tensorflow.keras import backend` then `backend.name_scope(...)`
(`keras_cv/src/utils/preprocessing.py:216`, `layers/preprocessing/random_zoom.py:240`)
and `keras.backend.binary_crossentropy(...)` through `from tensorflow import keras`
(`models/object_detection/yolox/binary_crossentropy.py:79`). On TensorFlow 2.16 or
later with Keras 3, `tensorflow.keras` is Keras 3's tf-compat surface, which keeps
both; `placeholder` it does not keep (KS401 still reports that)."""

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import backend


def rotation_matrix(angles, name=None):
    with backend.name_scope(name or "rotation_matrix"):
        return tf.stack([tf.cos(angles), -tf.sin(angles)], axis=-1)


def binary_crossentropy(y_true, y_pred):
    return keras.backend.binary_crossentropy(y_true, y_pred, from_logits=True)


def gone():
    return backend.placeholder(shape=(2,))
