import keras

from per_backend.api_export import keras_rs_export

if keras.backend.backend() == "jax":
    from per_backend.embedding.jax.distributed_embedding import (
        DistributedEmbedding as BackendDistributedEmbedding,
    )
elif keras.backend.backend() == "tensorflow":
    from per_backend.embedding.tensorflow.distributed_embedding import (
        DistributedEmbedding as BackendDistributedEmbedding,
    )
else:
    from per_backend.embedding.base_distributed_embedding import (
        DistributedEmbedding as BackendDistributedEmbedding,
    )


@keras_rs_export("keras_rs.layers.DistributedEmbedding")
class DistributedEmbedding(BackendDistributedEmbedding):
    pass
