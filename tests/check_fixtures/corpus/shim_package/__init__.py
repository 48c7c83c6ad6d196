"""A KS401 false alarm on keras-cv 0.9.0 (Apache-2.0,
`keras_cv/src/backend/__init__.py:35`):
the assignment that installs a shim for Keras 2 code, `keras.backend.name_scope =
keras.name_scope`, uses nothing that is missing: it puts it there."""

import keras

keras.backend.name_scope = keras.name_scope
