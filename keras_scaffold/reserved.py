"""Reserved names: what a parameter or a generated module may not be called.

Kept as data, so that generating never imports Keras; project tests check the
data against the installed Keras (tests/test_keras_facts.py) and against the
code the templates generate (tests/test_safety.py).
"""

import builtins
import sys

# Public attributes and methods of `keras.layers.Layer` and `keras.Model`, and
# those their `__init__` sets (Keras 3.15): a parameter stored as `self.NAME`
# would replace them.
KERAS_BASE_ATTRIBUTES = frozenset("""
    activity_regularizer add_loss add_metric add_variable add_weight autocast
    build build_from_config built call call_signature_parameters compile
    compile_from_config compiled compiled_loss compiled_metrics compute_dtype
    compute_loss compute_mask compute_metrics compute_output_shape
    compute_output_spec count_params distribute_reduction_method
    distribute_strategy dtype dtype_policy evaluate export fit from_config
    get_build_config get_compile_config get_config get_layer get_metrics_result
    get_quantization_layer_structure get_state_tree get_weights input
    input_dtype input_spec jit_compile layers load_own_variables load_weights
    loss losses make_predict_function make_test_function make_train_function
    metrics metrics_names metrics_variables name non_trainable_variables
    non_trainable_weights output path predict predict_function
    predict_on_batch predict_step quantization_config quantization_mode
    quantize quantized_build quantized_call rematerialized_call reset_metrics
    run_eagerly save save_own_variables save_weights set_state_tree
    set_weights stateless_call stateless_compute_loss steps_per_execution
    summary supports_jit supports_masking symbolic_call test_function
    test_on_batch test_step to_json train_function train_on_batch train_step
    trainable trainable_variables trainable_weights
    unrolled_steps_per_execution variable_dtype variables weights
    """.split())

# Names the generated modules use where a parameter lives (`__init__`,
# `get_config`, `from_config`), their imports, and the attributes they set.
GENERATED_NAMES = frozenset("""
    numbers
    Any Callable Sequence base_config beta bias classifier cls config dense
    dense_layers dropout dropout_layers error gamma hidden_dense hidden_layers
    index item keras kernel kernel_scale kwargs layer_norm memory np ops output_dense
    pytest reset_state resolved self value
    channel_axis conv inspect norm output_size position_embedding projection
    recurrent_kernel score_dense seed_generator softmax state_size token_embedding
    support
    """.split())

# Modules a generated module may not be named after: it would shadow them for
# the generated tests, which run next to it. The standard library, and the
# top-level modules of Keras, its backends, pytest and what they depend on.
DEPENDENCY_MODULES = frozenset("""
    absl astunparse certifi charset_normalizer clang colorama conftest filelock
    flatbuffers fsspec functorch gast google grpc h5py idna iniconfig isympy jax
    jaxlib jinja2 keras markdown_it markupsafe mdurl ml_dtypes mpmath namex networkx
    numpy opt_einsum optree packaging pasta pkg_resources pluggy py pygments pytest
    requests rich scipy setuptools six sympy tensorboard tensorflow termcolor torch
    torchgen typing_extensions urllib3 wheel wrapt
    """.split())

BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))

# ruff's E741: names that read as digits.
AMBIGUOUS_NAMES = frozenset({"l", "O", "I"})


# The module every component's tests share (`keras_scaffold_checks.py`, written
# beside them): a component's own module of that name would replace it.
CHECKS_MODULE = "keras_scaffold_checks"
# The module the layers of a folder share (`keras_scaffold_support.py`).
SUPPORT_MODULE = "keras_scaffold_support"


def shadowed_module(module_name: str) -> bool:
    """Whether a generated `module_name.py` would shadow an importable module."""
    return (
        module_name in DEPENDENCY_MODULES
        or module_name in sys.stdlib_module_names
        or module_name in (CHECKS_MODULE, SUPPORT_MODULE)
    )
