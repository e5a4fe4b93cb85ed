#!/usr/bin/env python
"""Django's manage.py; `kam` (installed by pyproject) is the same command."""

from kam.__main__ import main

if __name__ == "__main__":
    main()
