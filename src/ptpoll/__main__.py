"""``python -m ptpoll``: the same as the ``ptpoll`` command."""

import sys

from ptpoll.tools.cli import main

sys.exit(main())
