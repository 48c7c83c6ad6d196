"""Keras 2 `keras.backend` functions that Keras 3 lacks, and what replaces each.

Keras 3's `keras.backend` keeps only configuration (`floatx`, `epsilon`,
`image_data_format`, `clear_session`, ...); the tensor functions moved to `keras.ops`
and `keras.random`, and sessions and placeholders are gone. A test holds this list
against the installed Keras: no name here is in `keras.backend`, and every
`keras.ops.NAME` replacement exists.

`tensorflow.keras.backend` is another matter: on TensorFlow 2.16 and later with
Keras 3 it is Keras 3's tf-compat surface (`keras._tf_keras.keras.backend`), which
keeps most of these functions; `TF_COMPAT_MISSING` are those it lacks too (a test
holds that against the installed Keras as well).
"""

_SAME_IN_OPS = """
abs all any arange argmax argmin batch_normalization binary_crossentropy cast
categorical_crossentropy clip concatenate cos cumprod cumsum dot elu equal exp
expand_dims eye greater greater_equal hard_sigmoid in_top_k less less_equal log
max maximum mean min minimum not_equal one_hot ones ones_like prod relu repeat
reshape round shape sigmoid sign sin softmax softplus softsign
sparse_categorical_crossentropy sqrt square squeeze stack std stop_gradient sum
switch tanh tile transpose var zeros zeros_like
""".split()

_OTHER = {
    "batch_dot": "`keras.ops.matmul` or `keras.ops.einsum`",
    "batch_flatten": "`keras.ops.reshape(x, (ops.shape(x)[0], -1))`",
    "batch_get_value": "`keras.ops.convert_to_numpy` on each variable",
    "batch_set_value": "`variable.assign(value)` for each variable",
    "bias_add": "`keras.ops.add`",
    "cast_to_floatx": "`keras.ops.cast(x, keras.config.floatx())`",
    "constant": "`keras.ops.convert_to_tensor`",
    "conv1d": "`keras.ops.conv`",
    "conv2d": "`keras.ops.conv`",
    "conv3d": "`keras.ops.conv`",
    "conv2d_transpose": "`keras.ops.conv_transpose`",
    "count_params": "`layer.count_params()`",
    "ctc_batch_cost": "`keras.ops.ctc_loss`",
    "ctc_decode": "`keras.ops.ctc_decode`",
    "depthwise_conv2d": "`keras.ops.depthwise_conv`",
    "dropout": "`keras.random.dropout`",
    "dtype": "`x.dtype` or `keras.ops.dtype`",
    "eval": "`keras.ops.convert_to_numpy`",
    "flatten": "`keras.ops.reshape(x, (-1,))`",
    "foldl": "`keras.ops.scan`",
    "foldr": "`keras.ops.scan(..., reverse=True)`",
    "function": "a plain call of the layer or model (there are no graphs to build)",
    "gather": "`keras.ops.take`",
    "get_session": "nothing: Keras 3 has no sessions",
    "get_value": "`keras.ops.convert_to_numpy(variable)`",
    "gradients": "a backend-neutral training step (`model.fit`, or `compute_loss`)",
    "in_test_phase": "the `training` argument of `call()`",
    "in_train_phase": "the `training` argument of `call()`",
    "int_shape": "`x.shape`",
    "is_sparse": "`keras.ops.is_tensor` and the layer's own `sparse` argument",
    "l2_normalize": "`keras.ops.normalize(x, order=2)`",
    "learning_phase": "the `training` argument of `call()`",
    "manual_variable_initialization": "nothing: variables are initialized on creation",
    "map_fn": "`keras.ops.map` or `keras.ops.vectorized_map`",
    "moving_average_update": "`variable.assign(...)`",
    "name_scope": "`keras.name_scope`",
    "ndim": "`keras.ops.ndim` or `len(x.shape)`",
    "normalize_batch_in_training": "`keras.ops.moments` and "
    "`keras.ops.batch_normalization`",
    "permute_dimensions": "`keras.ops.transpose`",
    "placeholder": "`keras.Input`",
    "pool2d": "`keras.ops.max_pool` or `keras.ops.average_pool`",
    "pool3d": "`keras.ops.max_pool` or `keras.ops.average_pool`",
    "pow": "`keras.ops.power`",
    "print_tensor": "`keras.ops.convert_to_numpy` outside compiled code",
    "random_binomial": "`keras.random.binomial`",
    "random_normal": "`keras.random.normal`",
    "random_normal_variable": "a weight with a `RandomNormal` initializer",
    "random_uniform": "`keras.random.uniform`",
    "random_uniform_variable": "a weight with a `RandomUniform` initializer",
    "repeat_elements": "`keras.ops.repeat`",
    "reset_uids": "`keras.backend.clear_session`",
    "resize_images": "`keras.ops.image.resize`",
    "reverse": "`keras.ops.flip`",
    "rnn": "`keras.layers.RNN` with a cell",
    "separable_conv2d": "`keras.ops.separable_conv`",
    "set_learning_phase": "the `training` argument of `call()`",
    "set_session": "nothing: Keras 3 has no sessions",
    "set_value": "`variable.assign(value)`",
    "spatial_2d_padding": "`keras.ops.pad`",
    "spatial_3d_padding": "`keras.ops.pad`",
    "temporal_padding": "`keras.ops.pad`",
    "to_dense": "`keras.ops.convert_to_tensor(x, sparse=False)`",
    "truncated_normal": "`keras.random.truncated_normal`",
    "update": "`variable.assign`",
    "update_add": "`variable.assign_add`",
    "update_sub": "`variable.assign_sub`",
    "variable": "`self.add_weight` in `build()` (or `keras.Variable`)",
}

#: Each removed `keras.backend` function and what a Keras 3 layer uses instead.
REMOVED_BACKEND_FUNCTIONS: dict[str, str] = {
    **{name: f"`keras.ops.{name}`" for name in _SAME_IN_OPS},
    **_OTHER,
}

#: The removed functions that `tensorflow.keras.backend` (Keras 3's tf-compat
#: surface, `keras._tf_keras.keras.backend`) lacks as well: sessions, learning
#: phases and placeholders.
TF_COMPAT_MISSING = frozenset(
    {
        "function", "get_session", "in_test_phase", "in_train_phase",
        "learning_phase", "manual_variable_initialization",
        "normalize_batch_in_training", "placeholder", "print_tensor",
        "random_binomial", "reset_uids", "set_learning_phase", "set_session",
    }
)  # fmt: skip
