"""``python -m workers.cli``: the ``permis`` command, as the supervisor starts its workers."""

import sys

from workers.cli import main

if __name__ == "__main__":
    sys.exit(main())
