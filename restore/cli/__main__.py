"""``python -m restore.cli ...`` runs the ``restore`` command."""
import sys

from restore.cli.main import main

sys.exit(main())
