"""The `kam` console command: Django's manage.py with KAM's own commands
(demo, serve, gen-data, bench, worker). Run `kam help` for the list."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `kam gen-data` -> management command gen_data
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured

    from kam.core.context import change_context

    try:
        with change_context(source="command"):
            execute_from_command_line(argv)
    except ImproperlyConfigured as exc:  # a bad setting: one line, not a traceback
        sys.stderr.write(f"kam: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
