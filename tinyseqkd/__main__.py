"""``python -m tinyseqkd ...`` runs the same command line as ``tinyseqkd ...``."""

from tinyseqkd.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
