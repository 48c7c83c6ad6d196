"""`keras-scaffold check`: audit Keras layers and models against the rules the
generated ones keep, by reading their source (static: nothing is imported)."""

from keras_scaffold.check.checker import Report, check_paths, check_source
from keras_scaffold.check.findings import Finding

__all__ = ["Finding", "Report", "check_paths", "check_source"]
