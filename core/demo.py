"""The demo loader's kit. ``manage.py load_demo`` runs the ``load(options, out)`` of every installed
app's ``demo`` module, in INSTALLED_APPS order (org's divisions and logins before the ledger's items,
the register before the policies matched over it), with one set of options. Core imports no app: the
modules are found by name, as Django's autodiscover_modules finds ``admin`` modules. A new app adds
its demo by writing ``demo.py`` beside its code; each step is idempotent (a second run adds nothing).
"""

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Protocol

from django.apps import apps
from django.utils.module_loading import module_has_submodule


@dataclass(frozen=True)
class DemoOptions:
    items: int = 400  # ledger items
    seed: int = 1  # of every random choice and fictional name
    enterprises: int = 2000  # the register's size
    base_url: str = "http://127.0.0.1:8000"  # where the site is served, for the printed logins


class Output(Protocol):
    def write(self, text: str) -> None: ...

    def success(self, text: str) -> None: ...


class CommandOutput:
    """The Output of a management command: its stdout, successes in its success style."""

    def __init__(self, command):
        self.command = command

    def write(self, text: str) -> None:
        self.command.stdout.write(text)

    def success(self, text: str) -> None:
        self.command.stdout.write(self.command.style.SUCCESS(text))


def demo_steps(only: list[str] | None = None) -> list[tuple[str, ModuleType]]:
    """(app label, demo module) of every installed app that has a ``demo`` module with a ``load``,
    in INSTALLED_APPS order; only the labels in ``only`` when given."""
    steps = []
    for config in apps.get_app_configs():
        if only is not None and config.label not in only:
            continue
        if module_has_submodule(config.module, "demo"):
            module = import_module(f"{config.name}.demo")
            if callable(getattr(module, "load", None)):
                steps.append((config.label, module))
    return steps


def demo_load(options: DemoOptions, out: Output, only: list[str] | None = None) -> list[str]:
    """Run every step; returns the labels of the apps whose demo ran."""
    steps = demo_steps(only)
    for _label, module in steps:
        module.load(options, out)
    return [label for label, _module in steps]
