"""Commands on the signing keys: the first one (at `registry init`) and rotations.

The private key is written to its file (the instance's `signing_key`, or the setting's
file) and only the public key is recorded. A rotation stages the new key beside the
old file, records it, then puts it in place: if the record fails the old key stays;
if the rename fails the log names a key the file does not hold, which signing reports
(`signing_key_mismatch`) instead of signing with the wrong key.
"""

from __future__ import annotations

from typing import Any

from registry.commands.base import Actor, CommandBase, CommandResult, Session
from registry.credentials import keyfile
from registry.credentials.multikey import multibase_public
from registry.domain.errors import ForbiddenError
from registry.domain.signing_key import SigningKeyring
from registry.settings import Settings


class SigningKeyCommands(CommandBase):
    """Registry mixin: the credentials' signing keys."""

    settings: Settings

    def ensure_signing_key(self) -> CommandResult | None:
        """At `registry init`: make the key pair and record its public key, once.

        A key file already there (an installation re-initialised, a restored backup)
        is recorded if the log has no key yet; a log that has keys is left as it is.
        """
        path = self.settings.signing_key_path
        if path.exists():
            public_key = multibase_public(keyfile.load(path))
        else:
            if Session(self).find(SigningKeyring.id_for()) is not None:
                return None  # the key file is missing: signing says so; rotate-key mends
            public_key = multibase_public(keyfile.create(path))

        def body(session: Session) -> dict[str, Any]:
            if session.find(SigningKeyring.id_for()) is None:
                session.add(SigningKeyring.start(public_key))
            return {"public_key": public_key}

        return self.commands.run(Actor.system(), "ensure_signing_key", {}, body)

    def rotate_signing_key(self, actor: Actor) -> CommandResult:
        """Sign with a new key pair from now on (the operator's command line only)."""
        if actor.via != "cli" or actor.role != "admin":
            raise ForbiddenError(
                "Signing keys are rotated on the server's command line.", code="forbidden_role"
            )
        path = self.settings.signing_key_path
        key = keyfile.generate()
        public_key = multibase_public(key)
        staged = keyfile.stage(path, key)

        def body(session: Session) -> dict[str, Any]:
            keyring = session.find(SigningKeyring.id_for())
            if keyring is None:
                session.add(SigningKeyring.start(public_key))
            else:
                keyring.rotate(public_key)
            return {"public_key": public_key}

        try:
            result = self.commands.run(actor, "rotate_signing_key", {}, body)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        keyfile.replace(staged, path)
        return result
