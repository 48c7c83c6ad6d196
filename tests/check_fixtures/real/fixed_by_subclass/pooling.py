"""Subclasses of `base.BasePooling`, each fixing `rank`."""

import keras
from base import BasePooling


@keras.saving.register_keras_serializable(package="fixtures")
class GlobalPooling1D(BasePooling):
    def __init__(self, mode="max", **kwargs):
        super().__init__(rank=1, mode=mode, **kwargs)


@keras.saving.register_keras_serializable(package="fixtures")
class GlobalPooling2D(BasePooling):
    def __init__(self, mode="max", **kwargs):
        super().__init__(rank=2, mode=mode, **kwargs)
