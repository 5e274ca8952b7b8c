import sys

from wrike_mcp.cli import main

sys.exit(main())
