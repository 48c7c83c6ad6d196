"""KS301 and KS101 on per-backend implementations, in the shape of keras-rs 0.4.0
(Apache-2.0), `keras_rs/src/layers/embedding/`: `distributed_embedding.py` picks,
at import, by `keras.backend.backend()`, a backend's own `DistributedEmbedding`
(`jax/distributed_embedding.py`, `tensorflow/distributed_embedding.py`) or the
portable base, and derives the public, registered class from it. A backend's file
runs only on that backend, so its use of that backend's library is deliberate
(KS301 stays quiet); and the backend classes are bases of the registered public
class, whose name registering them would take a second time (KS101 stays quiet).
Shortened."""
