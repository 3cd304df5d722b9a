"""Command line: `python main.py [SUBCOMMAND]`. Qt is imported only when the GUI starts."""
