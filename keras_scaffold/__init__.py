"""keras-scaffold: Keras 3 custom layers and models, right by construction."""

__version__ = "0.1.0"

__all__ = ["__version__"]
