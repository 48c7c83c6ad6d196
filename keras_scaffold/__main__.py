"""Entry point for ``python -m keras_scaffold``."""

from keras_scaffold.cli import main

if __name__ == "__main__":
    main()
