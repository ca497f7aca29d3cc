"""TEMPORARY (stub until the consent branch lands)."""


def grant(app, school):
    pass


def withdraw(app, school):
    pass


def accept_statement(app, user):
    pass
