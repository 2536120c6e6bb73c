import sys

from byod.cli import main

sys.exit(main())
