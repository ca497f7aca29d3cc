"""The template slots of the alert pages: ``alert_review`` (police) and ``staff_alert_actions``."""

from __future__ import annotations

from markupsafe import Markup, escape

from schoolalert import hookimpl


class SlotPlugin:
    """A built-in-like plugin that marks every slot it is asked for, with its context."""

    @hookimpl
    def schoolalert_template_slot(self, slot, context):
        if slot in {"alert_review", "staff_alert_actions"}:
            return Markup('<p class="slot-{}">{} {}</p>').format(
                slot, context["user"].id, context["alert_id"]
            )
        return None


def test_hook_template_slot_adds_to_the_police_and_the_staff_alert_pages(app, world, web):
    app.extensions["schoolalert.plugins"]._pm.register(SlotPlugin(), name="slots")
    alert_id = world.published()
    police = web.get(world.prosecutor, f"/alerts/{alert_id}").text
    assert f'<p class="slot-alert_review">{world.prosecutor.id} {alert_id}</p>' in police
    staff = web.get(world.staff[0], f"/portal/alerts/{alert_id}").text
    assert f'<p class="slot-staff_alert_actions">{world.staff[0].id} {alert_id}</p>' in staff
    assert str(escape("<p")) not in police + staff
