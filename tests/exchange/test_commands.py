"""The operator's commands: the identity once, partners pinned with a real certificate."""

from __future__ import annotations

from plugins.exchange import keys
from plugins.exchange.models import Identity
from schoolalert.extensions import db
from tests.exchange.conftest import enable


def test_identity_is_created_once_and_signs_as_the_base_url_host(app, runner):
    enable(app)
    first = runner.invoke(args=["exchange", "identity"])
    assert first.exit_code == 0, first.output
    assert "created identity" in first.output
    assert "sender: schoolalert.test" in first.output  # BASE_URL https://schoolalert.test
    again = runner.invoke(args=["exchange", "identity"])
    assert "existing identity" in again.output
    pem = first.output[first.output.index("-----BEGIN CERTIFICATE-----") :]
    assert pem in again.output
    with app.app_context():
        (identity,) = db.session.scalars(db.select(Identity)).all()
        assert b"PRIVATE KEY" not in identity.key_sealed  # sealed, never the PEM


def test_partners_add_pins_a_certificate_and_refuses_bad_input(app, runner, tmp_path):
    enable(app)
    _key, certificate = keys.new_identity("sa.bk.example")
    path = tmp_path / "bk.pem"
    path.write_bytes(certificate)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")

    def add(*extra, name="bk", sender="sa.bk.example", cert=path):
        return runner.invoke(
            args=[
                "exchange", "partners", "add", "--name", name, "--sender", sender,
                "--inbox", "https://sa.bk.example/api/v1/exchange/inbox",
                "--certificate", str(cert), *extra,
            ]
        )  # fmt: skip

    added = add()
    assert added.exit_code == 0, added.output
    assert keys.fingerprint(certificate.decode()) in added.output
    assert add().exit_code != 0  # the same name and sender again
    assert add(name="bk2", cert=garbage).exit_code != 0
    assert add(name="bk3", sender="with space").exit_code != 0
    listed = runner.invoke(args=["exchange", "partners", "list"])
    assert "bk\tsa.bk.example" in listed.output


def test_the_commands_refuse_while_the_plugin_is_off(app, runner):
    result = runner.invoke(args=["exchange", "identity"])
    assert result.exit_code != 0
    assert "disabled" in result.output
