"""`python -m multistack`: the same as the `multistack` command."""

import sys

from multistack.cli import main

sys.exit(main())
