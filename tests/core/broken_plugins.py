"""Plugins that must not load: used by test_plugins.py."""

from schoolalert import hookimpl


class TypoPlugin:
    @hookimpl
    def schoolalert_trak_event(self, event):  # misspelt hook name
        pass


class FailingHandler:
    @hookimpl
    def schoolalert_track_event(self, event):
        raise RuntimeError("this handler always fails")


typo = TypoPlugin()
failing = FailingHandler()
