"""The bundle's entry point: ``station-client`` as the wheel's console script runs it (station_client.cli:main)."""

import sys

from station_client.cli import main

if __name__ == "__main__":
    sys.exit(main())
