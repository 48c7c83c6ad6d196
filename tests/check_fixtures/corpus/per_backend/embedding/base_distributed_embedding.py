import keras


class DistributedEmbedding(keras.layers.Layer):
    def __init__(self, vocabulary_size=8, embedding_dim=4, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.embedding_dim = embedding_dim

    def build(self, input_shape):
        self.table = self.add_weight(
            shape=(self.vocabulary_size, self.embedding_dim), name="table"
        )

    def call(self, inputs):
        return keras.ops.take(self.table, inputs, axis=0)

    def get_config(self):
        config = {
            "vocabulary_size": self.vocabulary_size,
            "embedding_dim": self.embedding_dim,
        }
        return {**super().get_config(), **config}
