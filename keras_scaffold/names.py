"""Names: checking class names, deriving module and package names from them."""

import keyword
import re
import unicodedata
from pathlib import Path

from keras_scaffold.errors import InvalidNameError, shown
from keras_scaffold.reserved import (
    AMBIGUOUS_NAMES,
    BUILTIN_NAMES,
    CHECKS_MODULE,
    SUPPORT_MODULE,
    shadowed_module,
)

# Public class names of `keras`, `keras.layers` and `keras.models` (Keras 3.15).
# Kept as data so that generating code never imports Keras; a project test checks
# it still covers the installed Keras.
KERAS_CLASS_NAMES = frozenset(
    {
        "Activation",
        "ActivityRegularization",
        "AdaptiveAveragePooling1D",
        "AdaptiveAveragePooling2D",
        "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D",
        "AdaptiveMaxPooling2D",
        "AdaptiveMaxPooling3D",
        "Add",
        "AdditiveAttention",
        "AlphaDropout",
        "Attention",
        "AugMix",
        "AutoContrast",
        "Average",
        "AveragePooling1D",
        "AveragePooling2D",
        "AveragePooling3D",
        "AvgPool1D",
        "AvgPool2D",
        "AvgPool3D",
        "BatchNormalization",
        "Bidirectional",
        "CategoryEncoding",
        "CenterCrop",
        "Concatenate",
        "ContrastLimitedAdaptiveHistogramEqualization",
        "Conv1D",
        "Conv1DTranspose",
        "Conv2D",
        "Conv2DTranspose",
        "Conv3D",
        "Conv3DTranspose",
        "ConvLSTM1D",
        "ConvLSTM2D",
        "ConvLSTM3D",
        "Convolution1D",
        "Convolution1DTranspose",
        "Convolution2D",
        "Convolution2DTranspose",
        "Convolution3D",
        "Convolution3DTranspose",
        "Cropping1D",
        "Cropping2D",
        "Cropping3D",
        "CutMix",
        "DTypePolicy",
        "Dense",
        "DepthwiseConv1D",
        "DepthwiseConv2D",
        "Discretization",
        "Dot",
        "Dropout",
        "ELU",
        "EinsumDense",
        "Embedding",
        "Equalization",
        "Flatten",
        "FlaxLayer",
        "FloatDTypePolicy",
        "Function",
        "GRU",
        "GRUCell",
        "GaussianDropout",
        "GaussianNoise",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "GlobalAvgPool1D",
        "GlobalAvgPool2D",
        "GlobalAvgPool3D",
        "GlobalMaxPool1D",
        "GlobalMaxPool2D",
        "GlobalMaxPool3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GroupNormalization",
        "GroupQueryAttention",
        "HashedCrossing",
        "Hashing",
        "Identity",
        "Initializer",
        "InputLayer",
        "InputSpec",
        "IntegerLookup",
        "JaxLayer",
        "KerasTensor",
        "LSTM",
        "LSTMCell",
        "Lambda",
        "Layer",
        "LayerNormalization",
        "LeakyReLU",
        "Loss",
        "Masking",
        "MaxNumBoundingBoxes",
        "MaxPool1D",
        "MaxPool2D",
        "MaxPool3D",
        "MaxPooling1D",
        "MaxPooling2D",
        "MaxPooling3D",
        "Maximum",
        "MelSpectrogram",
        "Metric",
        "Minimum",
        "MixUp",
        "Model",
        "MultiHeadAttention",
        "Multiply",
        "Normalization",
        "Operation",
        "Optimizer",
        "PReLU",
        "Permute",
        "Pipeline",
        "Quantizer",
        "RMSNormalization",
        "RNN",
        "RandAugment",
        "RandomBrightness",
        "RandomColorDegeneration",
        "RandomColorJitter",
        "RandomContrast",
        "RandomCrop",
        "RandomElasticTransform",
        "RandomErasing",
        "RandomFlip",
        "RandomGaussianBlur",
        "RandomGrayscale",
        "RandomHue",
        "RandomInvert",
        "RandomPerspective",
        "RandomPosterization",
        "RandomRotation",
        "RandomSaturation",
        "RandomSharpness",
        "RandomShear",
        "RandomTranslation",
        "RandomZoom",
        "ReLU",
        "Regularizer",
        "RematScope",
        "RepeatVector",
        "Rescaling",
        "Reshape",
        "Resizing",
        "ReversibleEmbedding",
        "STFTSpectrogram",
        "SeparableConv1D",
        "SeparableConv2D",
        "SeparableConvolution1D",
        "SeparableConvolution2D",
        "Sequential",
        "SimpleRNN",
        "SimpleRNNCell",
        "Softmax",
        "Solarization",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "SpectralNormalization",
        "StackedRNNCells",
        "StatelessScope",
        "StringLookup",
        "Subtract",
        "SymbolicScope",
        "TFSMLayer",
        "TextVectorization",
        "TimeDistributed",
        "TorchModuleWrapper",
        "UnitNormalization",
        "UpSampling1D",
        "UpSampling2D",
        "UpSampling3D",
        "Variable",
        "Wrapper",
        "ZeroPadding1D",
        "ZeroPadding2D",
        "ZeroPadding3D",
    }
)

_PASCAL_CASE = re.compile(r"[A-Z][A-Za-z0-9]*")
# Also written in templates/copier.yml (the `module_name` default): keep the two equal.
_WORD_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])")


def snake_case(class_name: str) -> str:
    """`MyBlock` -> `my_block`; `HTTPEncoder` -> `http_encoder`."""
    return _WORD_BOUNDARY.sub("_", class_name).lower()


def pascal_case(name: str) -> str:
    """`my_block` or `my-block` -> `MyBlock`; what a lowercase name should have been."""
    words = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(word[:1].upper() + word[1:] for word in words if word)


# Longer names would not fit the generated lines in 88 columns (ruff's E501).
MAX_CLASS_NAME_LENGTH = 45
MAX_PACKAGE_LENGTH = 60


def check_class_name(class_name: str) -> str:
    """Return `class_name` if it can name a generated Keras class, else raise."""
    if len(class_name) > MAX_CLASS_NAME_LENGTH:
        raise InvalidNameError(
            f"{class_name[:20]!r}... is {len(class_name)} characters long; class "
            f"names have at most {MAX_CLASS_NAME_LENGTH}."
        )
    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        suggestion = pascal_case(class_name)
        hint = (
            f" Try `{suggestion}`."
            if suggestion.isidentifier() and not keyword.iskeyword(suggestion)
            else " Use a PascalCase Python identifier, such as `MyBlock`."
        )
        raise InvalidNameError(
            f"`{class_name}` is not a valid Python class name.{hint}"
        )
    if not _PASCAL_CASE.fullmatch(class_name):
        raise InvalidNameError(
            f"Class names are PascalCase: got `{class_name}`, "
            f"try `{pascal_case(class_name)}`."
        )
    if class_name in KERAS_CLASS_NAMES:
        raise InvalidNameError(
            f"`{class_name}` shadows the Keras built-in `keras.layers.{class_name}` "
            f"or `keras.{class_name}`; choose another name, such as "
            f"`Custom{class_name}`."
        )
    if class_name in AMBIGUOUS_NAMES:
        raise InvalidNameError(
            f"`{class_name}` reads like a digit (ruff's E742); choose a longer name."
        )
    if class_name in BUILTIN_NAMES:
        raise InvalidNameError(
            f"`{class_name}` shadows Python's built-in `{class_name}`, which the "
            f"generated code uses; choose another name, such as `Custom{class_name}`."
        )
    return class_name


def check_package_name(package: str) -> str:
    """Return `package` if it can name a Keras registration package, else raise."""
    if not _is_dotted_name(package):
        raise InvalidNameError(
            f"`{package}` is not a valid package name; use a dotted Python name "
            "such as `my_layers`."
        )
    normal = unicodedata.normalize("NFKC", package)
    if normal != package:
        raise InvalidNameError(
            f"Python reads the package name `{package}` as `{normal}`; write "
            f"`{normal}` if that is what you mean."
        )
    if len(package) > MAX_PACKAGE_LENGTH:
        raise InvalidNameError(
            f"the package name {package[:20]!r}... is longer than "
            f"{MAX_PACKAGE_LENGTH} characters; pass a shorter one with --package."
        )
    return package


def _is_dotted_name(text: str) -> bool:
    """Whether `text` is identifiers joined by dots, none of them a keyword."""
    return all(
        part.isidentifier() and not keyword.iskeyword(part) for part in text.split(".")
    )


# `from MODULE import (`, as black splits a long import, fits in 88 columns.
MAX_MODULE_IMPORT_LENGTH = 74


def check_module_import(module_import: str) -> str:
    """Return `module_import` if a generated test can import from it (`from
    MODULE import Class`), else raise. It is derived from folder names or read
    from an answers file, and written into code: it must be a dotted name."""
    if not _is_dotted_name(module_import):
        raise InvalidNameError(
            f"the module would be imported as `{shown(module_import, 80)}`, which "
            "is not a dotted Python name; name each folder and file it comes from "
            "as a Python identifier (such as my_layers/layers/my_block.py)."
        )
    normal = unicodedata.normalize("NFKC", module_import)
    if normal != module_import:
        raise InvalidNameError(
            f"Python reads the module `{module_import}` as `{normal}`; rename the "
            "folders or file it comes from."
        )
    if len(module_import) > MAX_MODULE_IMPORT_LENGTH:
        raise InvalidNameError(
            f"the module would be imported as `{shown(module_import, 80)}`, longer "
            f"than {MAX_MODULE_IMPORT_LENGTH} characters: its import would not fit "
            "in 88 columns; use shorter folder names."
        )
    top = module_import.partition(".")[0]
    if shadowed_module(top):
        raise InvalidNameError(
            f"the module would be imported as `{module_import}`, but `{top}` is also "
            "a module of the standard library, Keras, its backends or pytest, which "
            "the test would import instead; rename the folder or file."
        )
    return module_import


def package_from_location(directory: Path) -> str:
    """A registration package named after where the files go.

    Inside a Python package (folders with `__init__.py`) this is the dotted
    package path; elsewhere it is the folder's own name made into an identifier.
    """
    directory = directory.resolve()
    parts = []
    current = directory
    while (current / "__init__.py").is_file():
        parts.insert(0, current.name)
        current = current.parent
    if parts:
        return ".".join(parts)
    folder = unicodedata.normalize("NFKC", directory.name)
    name = re.sub(r"\W", "_", folder).strip("_") or "custom_layers"
    if name[0].isdigit():
        name = f"layers_{name}"
    if keyword.iskeyword(name):
        name = f"{name}_layers"
    return name


def check_module_name(module_name: str) -> str:
    """`module_name`, unless a generated `module_name.py` would shadow an import."""
    if module_name == CHECKS_MODULE:
        raise InvalidNameError(
            f"A module named `{module_name}.py` would replace the checks every "
            "component's tests share, written beside them under that name; "
            "choose another class name."
        )
    if module_name == SUPPORT_MODULE:
        raise InvalidNameError(
            f"A module named `{module_name}.py` would replace the support every "
            "component's layer shares, written beside it under that name; "
            "choose another class name."
        )
    if shadowed_module(module_name):
        raise InvalidNameError(
            f"A module named `{module_name}.py` would shadow Python's or a "
            f"dependency's `{module_name}`; choose another class name."
        )
    return module_name
