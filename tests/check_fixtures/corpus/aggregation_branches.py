"""KS205 false alarms on k3-node 1.0.0 (MIT), 66 of its 139: `MessagePassing`
(`k3_node/layers/conv/message_passing.py:62`) picks its `aggr_module` by the type
of `aggr`. Its default, `"add"`, gives a `SumAggregation`, which has no weights;
only a list of aggregations gives a `MultiAggregation`, which may have some. KS205
took the list branch for every subclass (and named `MultiAggregation`). The source
cannot tell which branch runs: KS205 stays quiet. Shortened; `get_config` added."""

import keras
from keras import layers, ops


class Aggregation(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.built = True

    def build(self, input_shape=None):
        self.built = True


@keras.saving.register_keras_serializable(package="fixtures")
class SumAggregation(Aggregation):
    def call(self, x):
        return ops.sum(x, axis=-2)


@keras.saving.register_keras_serializable(package="fixtures")
class MultiAggregation(Aggregation):
    def __init__(self, aggrs=("sum", "sum"), out_channels=4, **kwargs):
        super().__init__(**kwargs)
        self.aggrs = list(aggrs)
        self.out_channels = out_channels
        self.lin = layers.Dense(out_channels, dtype=self.dtype_policy)

    def build(self, input_shape=None):
        self.lin.build((None, len(self.aggrs) * input_shape[-1]))

    def call(self, x):
        return self.lin(ops.concatenate([ops.sum(x, axis=-2)] * len(self.aggrs), -1))

    def get_config(self):
        config = {"aggrs": self.aggrs, "out_channels": self.out_channels}
        return {**super().get_config(), **config}


def aggregation_resolver(name):
    return {"sum": SumAggregation}[name]()


class MessagePassing(layers.Layer):
    def __init__(self, aggr="add", **kwargs):
        super().__init__(**kwargs)
        self.aggr = aggr
        if aggr is None:
            self.aggr_module = None
        elif isinstance(aggr, Aggregation):
            self.aggr_module = aggr
        elif isinstance(aggr, str):
            self.aggr_module = aggregation_resolver("sum" if aggr == "add" else aggr)
        elif isinstance(aggr, (list, tuple)):
            self.aggr_module = MultiAggregation(aggr, dtype=self.dtype_policy)
        else:
            self.aggr_module = SumAggregation(dtype=self.dtype_policy)

    def build(self, input_shape=None):
        self.built = True

    def call(self, x):
        return self.aggr_module(x)

    def get_config(self):
        return {**super().get_config(), "aggr": self.aggr}


@keras.saving.register_keras_serializable(package="fixtures")
class AGNNConv(MessagePassing):
    def __init__(self, requires_grad=True, **kwargs):
        kwargs.setdefault("aggr", "add")
        super().__init__(**kwargs)
        self.requires_grad = requires_grad
        self.beta = self.add_weight(shape=(1,), initializer="ones", name="beta")

    def call(self, x):
        return super().call(x) * self.beta

    def get_config(self):
        return {**super().get_config(), "requires_grad": self.requires_grad}
