"""The administrators' outbox page: counts by state, the stuck letters with their last
error (never an address), 'try again' and 'set aside' (POSTs with their CSRF token); a
stuck letter makes the server unready (/readyz 503, saying why) until it is dealt with."""

from __future__ import annotations

from registry.reminders import mail
from registry.storage.schema import OUTBOX_TABLE, ensure_outbox_table

ROW = "0f7c5a8e-3c1b-5d2e-9a4f-000000000001"


def _stuck_letter(site) -> None:
    db = site[0].extensions["registry"].registry.db
    ensure_outbox_table(db)
    with db.transaction() as cur:
        cur.execute(f"DELETE FROM {OUTBOX_TABLE} WHERE id = ?", (ROW,))
        cur.execute(
            f"INSERT INTO {OUTBOX_TABLE} (id, teacher_id, kind, due_date, recipient, subject, "
            "body_text, body_html, state, attempts, next_attempt_at, last_error, created_at) "
            "VALUES (?, ?, 'due_in_60_days', '2027-06-01', 'aigul@mektep.kg', 'S', 'T', 'H', "
            "'failed', ?, '2026-11-30T10:00:00+00:00', '554 relay refused', "
            "'2026-11-29T10:00:00+00:00')",
            (ROW, "teacher-1", mail.MAX_ATTEMPTS),
        )


def _state(site) -> tuple:
    db = site[0].extensions["registry"].registry.db
    return db.query_one(f"SELECT state, attempts FROM {OUTBOX_TABLE} WHERE id = ?", (ROW,))


def test_an_admin_sees_a_stuck_letter_and_tries_it_again(site, as_role):
    _stuck_letter(site)
    admin = as_role("admin")
    page = admin.text("/admin/outbox?lang=en")
    assert "554 relay refused" in page and "60 days before the due date (teacher)" in page
    assert "aigul@mektep.kg" not in page  # the address is not shown
    assert 'href="/admin/outbox"' in admin.text("/admin/views?lang=en")
    # Without its token, nothing changes.
    forged = admin.client.post(f"/admin/outbox/{ROW}/retry")
    assert forged.status_code == 400 and _state(site) == ("failed", mail.MAX_ATTEMPTS)
    token = admin.csrf("/admin/outbox")
    done = admin.client.post(f"/admin/outbox/{ROW}/retry", data={"csrf_token": token})
    assert done.status_code == 303 and _state(site) == ("pending", 0)
    after = admin.text("/admin/outbox?lang=en")
    assert "The letter will be tried again at the next delivery." in after
    assert "No letter is stuck." in after
    again = admin.client.post(f"/admin/outbox/{ROW}/retry", data={"csrf_token": token})
    assert again.status_code == 303
    assert "no longer stuck" in admin.text("/admin/outbox?lang=en")
    ru = admin.text("/admin/outbox?lang=ru")
    assert "Застрявшие письма" in ru


def test_only_admins_reach_the_outbox(site, as_role):
    _stuck_letter(site)
    for role in ("auditor", "registrar", "statistician", "commission"):
        browser = as_role(role)
        assert browser.get("/admin/outbox").status_code == 403, role
        for action in ("retry", "set-aside"):
            assert browser.client.post(f"/admin/outbox/{ROW}/{action}").status_code == 403
    assert _state(site) == ("failed", mail.MAX_ATTEMPTS)


def test_a_stuck_letter_makes_the_server_unready_until_it_is_set_aside(site, as_role):
    _stuck_letter(site)
    admin = as_role("admin")
    unready = admin.client.get("/readyz")
    assert unready.status_code == 503 and unready.headers["Retry-After"]
    body = unready.get_json()
    assert body["checks"]["reminders"]["ok"] is False
    assert body["checks"]["reminders"]["failed"] == 1
    assert any("1 reminder(s) stuck in the outbox" in why for why in body["reasons"])
    assert "aigul@mektep.kg" not in unready.get_data(as_text=True)
    # Without its token, nothing changes.
    forged = admin.client.post(f"/admin/outbox/{ROW}/set-aside")
    assert forged.status_code == 400 and _state(site) == ("failed", mail.MAX_ATTEMPTS)
    token = admin.csrf("/admin/outbox?lang=en")  # the flash is in the chosen language
    done = admin.client.post(f"/admin/outbox/{ROW}/set-aside", data={"csrf_token": token})
    assert done.status_code == 303 and _state(site) == ("set_aside", mail.MAX_ATTEMPTS)
    after = admin.text("/admin/outbox?lang=en")
    assert "The letter is set aside: it will not be sent." in after
    assert "No letter is stuck." in after
    ready = admin.client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()["reasons"]
    assert ready.get_json()["checks"]["reminders"] == {
        "ok": True,
        "pending": 0,
        "sending": 0,
        "unknown": 0,
        "failed": 0,
        "oldest_pending": None,
    }
    # Set aside is final: neither button finds it stuck again.
    for action in ("retry", "set-aside"):
        again = admin.client.post(f"/admin/outbox/{ROW}/{action}", data={"csrf_token": token})
        assert again.status_code == 303
    assert "no longer stuck" in admin.text("/admin/outbox?lang=en")
    assert _state(site) == ("set_aside", mail.MAX_ATTEMPTS)
    assert "Застрявших писем нет." in admin.text("/admin/outbox?lang=ru")
