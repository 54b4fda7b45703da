"""``python -m lifecircle``: the command line (guarded, so worker processes can import it)."""

from lifecircle.cli.main import entry

if __name__ == "__main__":
    entry()
