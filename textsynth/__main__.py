"""`python -m textsynth ...` is the same as the `textsynth` command."""

import sys

from textsynth.cli import main

sys.exit(main())
