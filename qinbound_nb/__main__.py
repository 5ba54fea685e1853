"""``python -m qinbound_nb`` runs the ``qinbound`` command line."""

from qinbound_nb.cli.main import main

raise SystemExit(main())
