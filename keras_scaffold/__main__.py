"""Entry point for ``python -m keras_scaffold`` and the `keras-scaffold` command.

The command line is imported here, inside `main`, so that Ctrl-C while it is
still starting (importing click, black, Jinja: most of the first second) is the
same one line as Ctrl-C later, not a traceback.
"""

import sys


def main() -> None:
    try:
        from keras_scaffold.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("keras-scaffold: aborted\n")
        sys.exit(1)
    run()


if __name__ == "__main__":
    main()
