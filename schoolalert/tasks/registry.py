"""The registered tasks of an application, by name, each with the plugin that contributed it."""

from __future__ import annotations

from dataclasses import dataclass

from schoolalert.plugin_types import Task


class UnknownTask(LookupError):
    pass


@dataclass(frozen=True)
class RegisteredTask:
    task: Task
    plugin: str | None  # None for the core


class TaskRegistry:
    """Tasks by name, each with the plugin that contributed it."""

    def __init__(self, contributions: list[tuple[str | None, Task]]) -> None:
        self._tasks: dict[str, RegisteredTask] = {}
        for plugin, task in contributions:
            if task.name in self._tasks:
                raise ValueError(f"two tasks are registered under the name {task.name!r}")
            self._tasks[task.name] = RegisteredTask(task, plugin)

    def get(self, name: str) -> RegisteredTask:
        try:
            return self._tasks[name]
        except KeyError:
            raise UnknownTask(name) from None

    def periodic(self) -> list[RegisteredTask]:
        return [entry for entry in self._tasks.values() if entry.task.every is not None]
