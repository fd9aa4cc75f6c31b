"""``python -m emulator``: serve (see ``python -m emulator --help``)."""

from emulator.cli import main

if __name__ == "__main__":
    main()
