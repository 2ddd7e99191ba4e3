import sys

from .sim import main

sys.exit(main())
