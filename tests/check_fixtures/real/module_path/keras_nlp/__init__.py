"""A package named like one of those Keras's loader imports classes of by module
path (keras, keras_hub, keras_cv, keras_nlp)."""
