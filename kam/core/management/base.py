"""The base of KAM's management commands."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.functional import Promise


class KamCommand(BaseCommand):
    """A BaseCommand whose help texts may be lazy translations: argparse formats plain strings
    only (``kam <command> --help`` raised ``TypeError … '__proxy__'``), so the command's help and
    every argument's help are rendered in the active language when the parser is built."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        if isinstance(self.help, Promise):
            self.help = str(self.help)
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        if isinstance(parser.description, Promise):
            parser.description = str(parser.description)
        for action in parser._actions:
            if isinstance(action.help, Promise):
                action.help = str(action.help)
        return parser
