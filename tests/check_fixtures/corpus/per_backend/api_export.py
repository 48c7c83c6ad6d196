import keras


class keras_rs_export:
    """keras-rs's decorator: registers the class under package `keras_rs`."""

    def __init__(self, path):
        self.path = path

    def __call__(self, symbol):
        return keras.saving.register_keras_serializable(package="keras_rs")(symbol)
