"""Reminders: the contacts of school heads and district departments (admin)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from registry import reminders
from registry.domain.reminder import RECIPIENT_ROLES
from web.api.base import Blueprint, registry, written
from web.auth import require_actor

blp = Blueprint("reminders", __name__, description="Who escalated reminders go to.")


class RecipientIn(Schema):
    """The e-mail of a school head (district and school) or a district department."""

    role = fields.String(required=True, metadata={"enum": list(RECIPIENT_ROLES)})
    district = fields.String(required=True, validate=validate.Length(max=200))
    school = fields.String(allow_none=True, validate=validate.Length(max=800))
    name = fields.String(required=True, validate=validate.Length(max=800))
    email = fields.String(required=True, validate=validate.Length(max=320))


class RecipientOut(Schema):
    """The contact as recorded."""

    role = fields.String()
    key = fields.String()
    name = fields.String()
    email = fields.String()


@blp.route("/reminders/recipients")
class Recipients(MethodView):
    """School heads' and district departments' contacts."""

    @blp.arguments(RecipientIn)
    @blp.write(201, RecipientOut, permission="manage_contacts")
    def post(self, body):
        """Record or change a contact (admin); a bad e-mail is 422."""
        actor = require_actor("manage_contacts")
        return written(
            reminders.set_recipient(
                registry(),
                actor,
                body["role"],
                body["district"],
                body.get("school"),
                body["name"],
                body["email"],
            )
        )
