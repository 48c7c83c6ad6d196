import jax
import jax.numpy as jnp

from per_backend.embedding import base_distributed_embedding


class DistributedEmbedding(base_distributed_embedding.DistributedEmbedding):
    """JAX implementation (on SparseCore, in keras-rs)."""

    def call(self, inputs):
        return jnp.take(self.table.value, jax.numpy.asarray(inputs), axis=0)
