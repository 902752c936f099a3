"""Run a tppgame scenario from the command line: python run.py [SCENARIO] [--seed N] [--out DIR]."""

import sys

if __name__ == "__main__":
    try:        # a Ctrl-C while the game's libraries load (a second or so) stops as one during a command does
        from tppgame.cli import main
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(main())
