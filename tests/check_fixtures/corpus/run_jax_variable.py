"""`check --run` on k3-node 1.0.0 (MIT, `k3_node/applications/materials/core.py:24`),
`SoftExponential`, shortened. On JAX 0.10 with Keras 3.15.1, `ops.where(..., alpha)`
with the Keras variable `alpha` fails inside JAX ("Triggering __jax_array__()
during abstractification is no longer supported"), which KS900 reported as only
"Exception encountered when calling SoftExponential.call()." with an `--init`
hint. On TensorFlow it runs, and at its default `alpha=0.0` the `where` picks a
constant: `alpha` gets no gradient (KS906, true)."""

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="fixtures")
class SoftExponential(layers.Layer):
    def __init__(self, alpha=0.0, **kwargs):
        super().__init__(**kwargs)
        self.init_alpha = float(alpha)

    def build(self, input_shape=None):
        self.alpha = self.add_weight(
            name="alpha",
            shape=(),
            initializer=keras.initializers.Constant(self.init_alpha),
        )

    def call(self, x):
        alpha = self.alpha
        near_zero = ops.abs(alpha) < 1e-6
        safe_alpha = ops.where(near_zero, 1.0, alpha)
        out = ops.expm1(safe_alpha * x) / safe_alpha + safe_alpha
        return ops.where(near_zero, x, out)

    def get_config(self):
        return {**super().get_config(), "alpha": self.init_alpha}
