"""The plugin manager of one application: discovery, the enabled-state gate and hook calls.

Built-in behaviour is written as plugins too (``DEFAULT_PLUGINS``, always on). Installed plugins
come from the ``schoolalert.plugins`` entry-point group, which is how the bundled plugins in
``plugins/`` are found as well. All installed plugins are loaded at start-up; whether one takes
part is decided per request or job from the database (or from ``PLUGINS_ENABLED``).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from flask import g, has_app_context

from schoolalert import hookspecs
from schoolalert.events import Event
from schoolalert.extensions import db

logger = logging.getLogger(__name__)

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)

ENTRY_POINT_GROUP = "schoolalert.plugins"

# Core modules that implement hooks; always enabled, never listed as toggleable plugins.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "schoolalert.accounts.tasks",
    "schoolalert.alerts.tasks",
    "schoolalert.audit.tasks",
    "schoolalert.alerts.targeting",
    "schoolalert.notifications.tasks",
)

_ENABLED_CACHE = "_schoolalert_enabled_plugins"


class PluginError(RuntimeError):
    """A plugin cannot be loaded or used; stops start-up or the command that asked."""


@dataclass(frozen=True)
class InstalledPlugin:
    name: str
    module: ModuleType
    version: str | None
    summary: Any  # the module's SUMMARY (a lazy translated string) or its docstring's first line

    @property
    def path(self) -> Path:
        """The plugin's package folder (``migrations/``, ``translations/`` live here)."""
        return Path(self.module.__file__ or ".").resolve().parent


class PluginManager:
    """One per application (never process-global), so tests can build their own."""

    def __init__(
        self,
        *,
        forced_enabled: Iterable[str] | None = None,
        discovered: Iterable[EntryPoint] | None = None,
        builtins: Iterable[str] = DEFAULT_PLUGINS,
    ) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        for module_name in builtins:
            self._pm.register(importlib.import_module(module_name), name=module_name)
        self.installed: dict[str, InstalledPlugin] = {}
        for entry_point in discovered if discovered is not None else discover():
            self._install(entry_point)
        self._pm.check_pending()
        self.forced_enabled = frozenset(forced_enabled) if forced_enabled is not None else None
        unknown = (self.forced_enabled or frozenset()) - self.installed.keys()
        if unknown:
            names = ", ".join(sorted(unknown))
            raise PluginError(f"PLUGINS_ENABLED names plugins that are not installed: {names}")

    def _install(self, entry_point: EntryPoint) -> None:
        name = entry_point.name
        if name in self.installed or self._pm.has_plugin(name):
            raise PluginError(f"two plugins are installed under the name {name!r}")
        if not name.isidentifier() or name != name.lower():
            raise PluginError(f"plugin name {name!r} must be a lower-case identifier")
        try:
            module = entry_point.load()
        except Exception as error:
            raise PluginError(f"plugin {name!r} failed to load: {error}") from error
        self._pm.register(module, name=name)
        dist = entry_point.dist
        self.installed[name] = InstalledPlugin(
            name=name,
            module=module,
            version=dist.version if dist else None,
            summary=getattr(module, "SUMMARY", None)
            or ((module.__doc__ or "").strip().splitlines() or [""])[0],
        )

    # -- enabled state ---------------------------------------------------------------------

    def enabled_names(self) -> frozenset[str]:
        """Installed plugins that are switched on right now (cached per app context)."""
        if self.forced_enabled is not None:
            return self.forced_enabled
        if has_app_context() and hasattr(g, _ENABLED_CACHE):
            return getattr(g, _ENABLED_CACHE)
        from schoolalert.plugin_admin.models import PluginState

        rows = db.session.scalars(db.select(PluginState.name).where(PluginState.enabled))
        names = frozenset(rows) & self.installed.keys()
        if has_app_context():
            setattr(g, _ENABLED_CACHE, names)
        return names

    def forget_enabled_state(self) -> None:
        """Drop the cached state, after a change in this context."""
        if has_app_context() and hasattr(g, _ENABLED_CACHE):
            delattr(g, _ENABLED_CACHE)

    def is_enabled(self, name: str | None) -> bool:
        """Built-ins (and ``None``, meaning the core) are always enabled."""
        if name is None or name not in self.installed:
            return True
        return name in self.enabled_names()

    # -- calling hooks ---------------------------------------------------------------------

    def implementations(
        self, hook_name: str, *, only_enabled: bool = True
    ) -> Iterator[tuple[str, Callable[..., Any], list[str]]]:
        """``(plugin name, function, argument names)`` of each implementation, in call order."""
        caller = getattr(self._pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            if only_enabled and not self.is_enabled(impl.plugin_name):
                continue
            yield impl.plugin_name, impl.function, list(impl.argnames)

    def contributions(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Items returned by a ``schoolalert_register_*`` hook of every installed plugin.

        Each item comes with the name of the plugin that returned it (the module name for a
        built-in), so the consumer can gate it by the enabled state when it is used.
        """
        items: list[tuple[str, Any]] = []
        for plugin, function, argnames in self.implementations(hook_name, only_enabled=False):
            for item in function(**{name: kwargs[name] for name in argnames}) or ():
                items.append((plugin_owner(self, plugin), item))
        return items

    def call(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call the hook on every enabled plugin and return the non-None results."""
        results = []
        for _plugin, function, argnames in self.implementations(hook_name):
            result = function(**{name: kwargs[name] for name in argnames})
            if result is not None:
                results.append(result)
        return results

    def track_event(self, event: Event) -> None:
        """Deliver an event to every enabled plugin; one failing handler stops nothing else."""
        for plugin, function, _argnames in self.implementations("schoolalert_track_event"):
            try:
                with db.session.begin_nested():
                    function(event=event)
            except Exception:
                logger.exception("plugin %s failed on event %s", plugin, event.name)


def plugin_owner(manager: PluginManager, registered_name: str) -> str | None:
    """The installed plugin's name, or None when the implementation is a built-in."""
    return registered_name if registered_name in manager.installed else None


def discover() -> list[EntryPoint]:
    return list(entry_points(group=ENTRY_POINT_GROUP))
