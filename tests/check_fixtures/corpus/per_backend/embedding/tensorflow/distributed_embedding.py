import tensorflow as tf

from per_backend.embedding import base_distributed_embedding


class DistributedEmbedding(base_distributed_embedding.DistributedEmbedding):
    """TensorFlow implementation (on TPU embedding, in keras-rs)."""

    def call(self, inputs):
        return tf.gather(self.table, inputs, axis=0)
