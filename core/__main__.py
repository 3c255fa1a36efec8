"""`python -m core …` entry point."""
from .cli import main

raise SystemExit(main())
