"""Run a tppgame scenario from the command line: python run.py [SCENARIO] [--seed N] [--out DIR]."""

from tppgame.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
