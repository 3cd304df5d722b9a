"""pi0 Studio. `python main.py` opens the app on the simulated ALOHA; `--help` lists subcommands."""

import sys

from app.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
