"""``python -m simgen.export``: see :func:`simgen.export.cli.main`."""
from simgen.export.cli import main

main()
