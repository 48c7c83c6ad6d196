"""A KS205 false alarm on keras-cv 0.9.0 (Apache-2.0,
`keras_cv/src/models/feature_extractor/clip/clip_processor.py:75`): `build()`
creates keras-nlp's `StartEndPacker` and does not build it, but the packer has no
weights (none of keras-hub's preprocessing layers has), so nothing is lost.
Shortened."""

import keras
from keras_nlp.layers import StartEndPacker


@keras.saving.register_keras_serializable(package="fixtures")
class CLIPProcessor(keras.layers.Layer):
    def __init__(self, context_length=77, **kwargs):
        super().__init__(**kwargs)
        self.context_length = context_length

    def build(self, input_shape):
        # Defer packer creation to `build()`, as keras-cv does.
        self.packer = StartEndPacker(
            start_value=49406,
            end_value=49407,
            pad_value=49407,
            sequence_length=self.context_length,
            return_padding_mask=True,
        )

    def call(self, token_ids):
        return self.packer(token_ids)

    def get_config(self):
        return {**super().get_config(), "context_length": self.context_length}
