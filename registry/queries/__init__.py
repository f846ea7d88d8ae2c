"""The read side's facade: plain-typed answers from the views, for the web layer and CLI.

INTERFACE CONTRACT (the web layer codes against these names and shapes; the
projections work fills them in). Dates are `datetime.date`, times tz-aware UTC
`datetime`, ids `str`. Every method raises `NotFoundError` for an unknown key.

Reads that need a permission take the reader as `actor=` (the web passes it on every
read): the read then refuses an actor without the permission (`registry.access`) and
keeps to their scope: a bound commission member's region for teachers, due lists and
certificates (outside it a teacher is unknown), a registrar's provider for workload
and enrolments. Without an actor a read answers as the registry itself (CLI, replay).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from registry import access, ledger
from registry.access import Actor
from registry.domain import clock
from registry.domain.account import Account
from registry.domain.errors import InvalidInputError, NotFoundError, RuleViolationError
from registry.projections.catalogue import view_names
from registry.queries import forecast, listing, needs
from registry.queries.audit import AuditQueries
from registry.queries.cache import note_standing, require_position, standing_wanted
from registry.queries.certificates import CertificateQueries, certificate_rows
from registry.queries.common import parse_known_at, require_date, require_moment, require_page
from registry.queries.credentials import CredentialQueries
from registry.queries.eventlog import EventLogQueries
from registry.queries.explain import ExplainQueries
from registry.queries.known import (
    TeacherSlice,
    earliest_record,
    teacher_of_certificate,
    teacher_of_pin,
)
from registry.queries.providers import ProviderQueries
from registry.queries.records import RecordQueries
from registry.queries.reference import ReferenceQueries
from registry.queries.statistics import (
    DUE_SORTS,
    OPEN_DATA_GROUPS,
    PSEUDONYM_SORTS,
    StatisticsQueries,
)
from registry.queries.teachers import Along, TeacherQueries, check_pin_text
from registry.storage.waiting import wait_for_position

if TYPE_CHECKING:
    from registry.application import Registry

T = TypeVar("T")


class TooManyWaitsError(TimeoutError):
    """Refused at once: as many reads as allowed already wait for the views (a kind of
    TimeoutError, so a caller that tolerates slow views tolerates this too)."""


class Queries:
    """Answers read requests from the views (and, for history, from the event log)."""

    def __init__(self, app: Registry, *, max_waits: int | None = None):
        self.app = app
        self._teachers = TeacherQueries.of(app)
        # The views are read where `read_db` says (a hot standby, if the settings name
        # one); records and the event log from the primary (`records`, `EventLog`).
        self._certificates = CertificateQueries(app.read_db)
        self._providers = ProviderQueries(app.read_db)
        self._statistics = StatisticsQueries(
            app.read_db, answer_stale_s=app.settings.answer_stale_s
        )
        # Public documents and verification: status lists, keys, checking a credential.
        self.credentials = CredentialQueries(app)
        self._audit = AuditQueries(app)
        self._log = EventLogQueries(app)
        self._explain = ExplainQueries(app)
        self._records = RecordQueries(app)
        self.reference = ReferenceQueries(app.read_db)
        self._views = view_names()
        self.max_waits = max(1, max_waits or app.settings.max_waiting_reads)
        self._waits = threading.BoundedSemaphore(self.max_waits)
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self._first_record: datetime | None = None

    # -- read-your-writes --------------------------------------------------------------
    def wait_for(self, position: int | None, timeout: float | None = None) -> None:
        """Block until every view has applied `position`; TimeoutError after `timeout`.

        Bounded three ways, so no client can hold the server's threads: a position
        further beyond the log's head than `position_margin` is refused at once
        (`RuleViolationError`, position_beyond_head); at most `max_waits` waits run at
        once (setting `max_waiting_reads`; a web process has one `Queries`), one more is
        refused at once (`TooManyWaitsError`); and each wait ends after `timeout`
        (TimeoutError).
        """
        if position is None:
            return
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise InvalidInputError(
                "min_position must be a position, 0 or more.",
                field="min_position",
                code="invalid_position",
            )
        require_position(position)  # cached answers from lower positions won't do
        if self._lowest_position() >= position:
            return
        head = self.app.max_position() or 0
        margin = self.app.settings.position_margin
        if position > head + margin:
            raise RuleViolationError(
                f"min_position {position} is beyond the log's last event ({head}) by more "
                f"than {margin}: no write has been given that position.",
                field="min_position",
                code="position_beyond_head",
            )
        # A position a little beyond the head is waited for: another client's write may
        # be about to land there (and the wait is bounded either way).
        if timeout is None:
            timeout = self.app.settings.read_wait_timeout_s
        if not self._waits.acquire(blocking=False):
            raise TooManyWaitsError(f"{self.max_waits} reads are already waiting for the views")
        try:
            self._count_waiting(1)
            self._wait(position, timeout)
        finally:
            self._count_waiting(-1)
            self._waits.release()

    @property
    def waiting(self) -> int:
        """How many reads wait for the views in this process now."""
        return self._waiting

    def _count_waiting(self, change: int) -> None:
        with self._waiting_lock:
            self._waiting += change

    def _wait(self, position: int, timeout: float) -> None:
        # One query per look at every view (registry.storage.waiting), where they are
        # read: a standby's tracking rows arrive with its view rows, in commit order.
        wait_for_position(self.app.read_db, position, self._lowest_position, timeout)

    def standing(self) -> tuple[int, int]:
        """(position, head): the position every view has reached where the views are
        read, and the primary's last event, to say how far behind an answer may be (on
        a standby, its replay lag included)."""
        db, views_db = self.app.db, self.app.read_db
        if views_db is db:
            # One statement (itself one snapshot): every read pays for this, and a read
            # without a snapshot is one round trip on PostgreSQL (no BEGIN, no ping).
            # A read may carry the same columns in its own statement (`_standing_along`).
            columns, params = self._standing_columns()
            return self._standing_of(db.query_one(f"SELECT {columns}", params))
        tracking = (
            "SELECT projection, notification_id FROM projection_tracking WHERE application_name = ?"
        )
        rows = views_db.query(tracking, (self.app.name,))  # the standby first: the
        found = dict(rows)  # primary is never behind what it has shown
        last = db.query_one(f"SELECT MAX({db.position_column}) FROM {db.events_table}")
        position = min(found.get(name, 0) for name in self._views)
        return position, max((last[0] if last else None) or 0, position)

    def _standing_columns(self) -> tuple[str, list[Any]]:
        """`standing` as two columns any statement on the primary can carry: the lowest
        position of every view (0 while one has none) and the log's last position."""
        db, names = self.app.db, sorted(self._views)
        marks = ", ".join("?" for _ in names)
        return (
            "(SELECT CASE WHEN COUNT(*) = ? THEN MIN(notification_id) ELSE 0 END "
            "FROM projection_tracking WHERE application_name = ? AND projection IN "
            f"({marks})) AS views_position, "
            f"(SELECT MAX({db.position_column}) FROM {db.events_table}) AS head",
            [len(names), self.app.name, *names],
        )

    @staticmethod
    def _standing_of(row: tuple | None) -> tuple[int, int]:
        position = int((row[0] if row else None) or 0)
        return position, max(int((row[1] if row else None) or 0), position)

    def _standing_along(self, folds: bool) -> Along | None:
        """For a read asked to note where the views stand (`cache.want_standing`): the
        columns its own statement carries (`folds`: it can, on the primary's views), or
        else the standing noted now, before it reads."""
        if not standing_wanted():
            return None
        if folds and self.app.read_db is self.app.db:
            columns, params = self._standing_columns()
            return Along(columns, params, lambda row: note_standing(self._standing_of(row)))
        note_standing(self.standing())
        return None

    def _lowest_position(self) -> int:
        found = dict(
            self.app.read_db.query(
                "SELECT projection, notification_id FROM projection_tracking "
                "WHERE application_name = ?",
                (self.app.name,),
            )
        )
        return min(found.get(name, 0) for name in self._views)

    # -- who reads --------------------------------------------------------------------
    @staticmethod
    def _check(actor: Actor | None, permission: str, provider: str | None = None) -> None:
        """Refuse an actor without the permission (no actor: the registry itself)."""
        if actor is not None:
            access.require(actor, permission, provider=provider)

    def _check_visible(self, pin: str, actor: Actor | None) -> None:
        """A dossier reader, who may see this teacher (a bound commission: its region's)."""
        self._check(actor, "read_dossier")
        if access.bound_region(actor) is not None:
            access.check_teacher_visible(actor, self._teachers.region_of(pin))

    def account(self, account_id: str) -> Account | None:
        """The account with this id, as its events stand (a session's), or None."""
        return self._records.account(account_id)

    # -- as known at a moment ---------------------------------------------------------
    def known_moment(self, value: Any, *, local_zone: tzinfo | None = None) -> datetime:
        """`known_at` checked as every read takes it (`common.parse_known_at`), and within
        the registry's life: not before its first record (nothing was known then), not in
        the future (what will be known is not). Refusals are 422s naming known_at."""
        moment = parse_known_at(value, local_zone=local_zone)
        now = clock.now()
        if moment > now:
            raise RuleViolationError(
                f"known_at {moment.isoformat()} is in the future (now is {now.isoformat()}): "
                "the registry can answer only for what it has known.",
                field="known_at",
                code="known_at_in_future",
            )
        # The first record only ever moves earlier (a history written with earlier times):
        # a moment after the one seen last is after it still, without asking again.
        first = self._first_record
        if first is None or moment < first:
            first = self._first_record = self.first_recorded_at()
        if first is None or moment < first:
            since = f" (made at {first.isoformat()})" if first else ""
            raise RuleViolationError(
                f"known_at {moment.isoformat()} is before the registry's first record{since}: "
                "nothing was known then.",
                field="known_at",
                code="known_at_before_first_event",
            )
        return moment

    def first_recorded_at(self) -> datetime | None:
        """When the registry's first record was made (None while there is none): the
        earliest registration of a teacher, provider or programme, or adoption of the
        policy, whichever came first; before it every teacher read knows nothing."""
        return earliest_record(self.app.read_db)

    def _as_known(self, pin: str, known_at: Any, read: Callable[[TeacherSlice], T]) -> T:
        """A read of the teacher's slice of the log up to `known_at` (`queries.known`);
        a PIN that pointed to nobody then is unknown, and says no more."""
        moment = self.known_moment(known_at)
        check_pin_text(pin)
        teacher_id = teacher_of_pin(self.app, pin)
        if teacher_id is None:
            raise _unknown_then(moment)
        with TeacherSlice(self.app, teacher_id, moment) as part:
            try:
                return read(part)
            except NotFoundError as error:
                if error.code == "teacher_not_found":
                    raise _unknown_then(moment) from None
                raise

    # -- teachers ----------------------------------------------------------------------
    def teacher(
        self, pin: str, *, known_at: Any = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        """{id, pin, full_name, region, district, school, subject, position, service_start,
        departed_on, departure_reason, previous_pins, registered_at} — `pin` may be an old PIN.
        With `known_at`: as the registry knew them then (the PIN a PIN known then)."""
        self._check(actor, "read_dossier")
        if known_at is not None:
            self._check_visible(pin, actor)
            return self._as_known(pin, known_at, lambda part: part.teachers.teacher(pin))
        teacher = self._teachers.teacher(pin)
        access.check_teacher_visible(actor, teacher["region"])
        return teacher

    def dossier(
        self,
        pin: str,
        *,
        as_of: date | None = None,
        known_at: Any = None,
        history: bool = False,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """Everything about a teacher, each part as `teacher`, `compliance` (on `as_of`),
        `teacher_certificates`, `teacher_enrolments` (and `teacher_history`) answer it,
        as known now or, with `known_at`, from one slice of the log up to then:
        {teacher, compliance, certificates, enrolments, history (None unless asked)}."""

        def everything(q: TeacherQueries, moment: datetime | None) -> dict[str, Any]:
            return {
                "teacher": q.teacher(pin),
                "compliance": q.compliance(pin, as_of, moment),
                "certificates": q.certificates(pin),
                "enrolments": q.enrolments(pin),
                "history": q.history(pin) if history else None,
            }

        self._check_visible(pin, actor)
        if known_at is None:
            return everything(self._teachers, None)
        return self._as_known(pin, known_at, lambda part: everything(part.teachers, part.known_at))

    def teacher_contacts(
        self, pin: str, *, known_at: Any = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        """{email, phone, language}: protected data, read from the teacher's own events
        (no view holds them, so no statistic, export or open data can show them); with
        `known_at`, from those of them recorded by then."""
        if known_at is not None:
            self._check_visible(pin, actor)
            return self._as_known(pin, known_at, lambda part: self._contacts_then(pin, part))
        teacher = self.teacher(pin, actor=actor)
        aggregate: Any = self.app.repository.get(UUID(teacher["id"]))
        return dict(aggregate.contacts)

    def _contacts_then(self, pin: str, part: TeacherSlice) -> dict[str, Any]:
        part.teachers.teacher(pin)  # the PIN pointed to the teacher then, or not found
        version = part.version_of(part.teacher_id)
        assert version is not None  # the teacher was registered by then
        aggregate: Any = self.app.repository.get(part.teacher_id, version=version)
        return dict(aggregate.contacts)

    def search_teachers(
        self,
        text: str = "",
        *,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        limit: int = 50,
        offset: int = 0,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """{total, teachers}: teachers whose name or school has the typed words (whatever
        the case, Kyrgyz letters or script) or with this exact PIN, best match first, each
        {pin, full_name, region, district, school, subject, position, departed_on}."""
        self._check(actor, "read_dossier")
        return self._teachers.search(
            text,
            region=access.region_filter(actor, region),
            district=district,
            school=school,
            limit=limit,
            offset=offset,
        )

    def compliance(
        self,
        pin: str,
        as_of: date | None = None,
        known_at: Any = None,
        *,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """Spec shape: {pin, as_of, known_at, status, hours, required_hours, window_years,
        next_due, missing_hours, certificates: [{number, hours, issued_on, form,
        provider_code, counts}]}; as_of defaults to today (Bishkek), known_at to now."""
        along = self._standing_along(known_at is None and access.bound_region(actor) is None)
        self._check_visible(pin, actor)
        if known_at is None:
            return self._teachers.compliance(pin, as_of, None, along=along)
        return self._as_known(
            pin, known_at, lambda part: part.teachers.compliance(pin, as_of, part.known_at)
        )

    def teacher_certificates(
        self, pin: str, *, known_at: Any = None, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        """The teacher's certificates (shape of `certificate`), newest first."""
        self._check_visible(pin, actor)
        if known_at is None:
            return self._teachers.certificates(pin)
        return self._as_known(pin, known_at, lambda part: part.teachers.certificates(pin))

    def teacher_enrolments(
        self, pin: str, *, known_at: Any = None, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        """The teacher's enrolments {id, programme_id, programme_code, title, provider_code,
        form, mode, funding, hours, assessment, status, enrolled_on, assessed_on, passed, score,
        attempts, withdrawn_on, certificate_number}."""
        self._check_visible(pin, actor)
        if known_at is None:
            return self._teachers.enrolments(pin)
        return self._as_known(pin, known_at, lambda part: part.teachers.enrolments(pin))

    def teacher_history(
        self, pin: str, *, known_at: Any = None, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        """Every event about the teacher, their enrolments and certificates, oldest first:
        [{position, type, originator_id, version, recorded_at, actor, data}]."""
        self._check_visible(pin, actor)
        if known_at is None:
            return self._teachers.history(pin)
        return self._as_known(pin, known_at, lambda part: part.teachers.history(pin))

    def due_list(
        self,
        *,
        status: str,
        as_of: date | None = None,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        limit: int = 1000,
        offset: int = 0,
        sort: str | None = None,
        known_at: Any = None,
        actor: Actor | None = None,
    ) -> list[dict[str, Any]]:
        """Teachers with a status (due_soon, overdue, grace) on a date, by place (or
        another of `DUE_SORTS`): [{pin, full_name, region, district, school, subject,
        status, hours, missing_hours, next_due}]; with `known_at`, as the registry knew it
        then (names, places and statuses from what was recorded by then; `_due_moment`)."""
        self._check(actor, "read_dossier")
        moment = self._due_moment(known_at)
        return self._statistics.due_list(
            status=status,
            as_of=as_of,
            region=access.region_filter(actor, region),
            district=district,
            school=school,
            limit=limit,
            offset=offset,
            sort=sort,
            known_at=moment,
        )

    def due_page(
        self,
        *,
        status: str,
        as_of: date | None = None,
        region: str | None = None,
        district: str | None = None,
        school: str | None = None,
        limit: int = 25,
        offset: int = 0,
        sort: str | None = None,
        known_at: Any = None,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """{teachers: [shape of `due_list`], total, total_capped, sort}: a page of a due
        list with how many it holds (`registry.queries.listing`), as known now or at
        `known_at`."""
        self._check(actor, "read_dossier")
        place: dict[str, Any] = {
            "status": status,
            "as_of": as_of,
            "region": access.region_filter(actor, region),
            "district": district,
            "school": school,
            "known_at": self._due_moment(known_at),
        }
        rows, total, capped = self._statistics.due_page(
            **place, limit=limit, offset=offset, sort=sort
        )
        return listing.page("teachers", rows, total, capped, DUE_SORTS.check(sort))

    def _due_moment(self, known_at: Any) -> datetime | None:
        """A due list's `known_at`, checked; a list as known at a moment is read from the
        views' recorded times, so first wait (bounded, as `wait_for`) until the views have
        applied the whole log."""
        if known_at is None:
            return None
        moment = self.known_moment(known_at)
        self.wait_for(self.app.max_position())
        return moment

    def enrolment(self, enrolment_id: str, *, actor: Actor | None = None) -> dict[str, Any]:
        """One enrolment as its events stand now (not a view a moment behind): the shape
        the enrolment commands answer, with `title` and the teacher's current `pin`."""
        self._check(actor, "read_enrolment")
        found = self._records.enrolment(enrolment_id)
        self._check(actor, "read_enrolment", provider=found["provider_code"])
        return found

    # -- certificates ------------------------------------------------------------------
    def certificate(
        self, number: str, *, known_at: Any = None, actor: Actor | None = None
    ) -> dict[str, Any]:
        """{number, kind (issued|legacy|duplicate), status (valid|revoked|duplicate_issued),
        teacher_id, pin, full_name, provider_code, provider_name, programme_id, title, form,
        mode, funding, hours, issued_on, starts_on, ends_on, assessment, assessed_on, score,
        verification_code, duplicate_of, replaced_by: [numbers], revoked_at,
        revocation_reason, recorded_at}. With `known_at`: as known then (a certificate
        recorded later is unknown)."""
        self._check(actor, "read_dossier")
        if known_at is None:
            found = self._certificates.certificate(number)
        else:
            found = self._certificate_then(number, self.known_moment(known_at))
        if access.bound_region(actor) is not None:
            try:
                self._check_visible(found["pin"], actor)
            except NotFoundError:  # the certificate of a teacher they may not see
                raise NotFoundError(
                    f"No certificate {number}.", code="certificate_not_found"
                ) from None
        return found

    def _certificate_then(self, number: str, moment: datetime) -> dict[str, Any]:
        unknown = NotFoundError(
            f"No certificate {number} was known at {moment.isoformat()}.",
            code="certificate_not_found",
        )
        teacher_id = teacher_of_certificate(self.app, str(number))
        if teacher_id is None:
            raise unknown
        with TeacherSlice(self.app, teacher_id, moment) as part, part.db.reading() as cur:
            found = certificate_rows(cur, "c.number = ?", (str(number),))
        if not found:
            raise unknown
        return found[0]

    def certificate_list(
        self,
        provider_code: str,
        *,
        date_from: date | None = None,
        date_to: date | None = None,
        form: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        sort: str | None = None,
        limit: int = 25,
        offset: int = 0,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """{certificates: [shape of `certificate`], total, total_capped, sort}: a page of
        a provider's certificates issued from..to (inclusive), of a form, status (valid,
        revoked, duplicate_issued) and kind (issued, legacy, duplicate); a bound
        commission's list holds its region's teachers' only."""
        self._check(actor, "read_dossier")
        return self._certificates.certificate_list(
            provider_code,
            region=access.bound_region(actor),
            date_from=date_from,
            date_to=date_to,
            form=form,
            status=status,
            kind=kind,
            sort=sort,
            limit=limit,
            offset=offset,
        )

    def verify(self, number: str, code: str) -> dict[str, Any] | None:
        """Public view of a certificate when the code matches, else None: {number, status,
        provider_code, provider_name, title, form, hours, issued_on, starts_on, ends_on,
        assessment, passed, full_name, duplicate_of, replaced_by, revoked_at}. Never a PIN."""
        return self._certificates.verify(number, code)

    def credential(self, number: str, *, actor: Actor | None = None) -> dict[str, Any]:
        """A certificate as a signed Verifiable Credential (Open Badges 3.0, eddsa-jcs-2022;
        see registry/queries/credentials.py), for those who may read the certificate.

        A certificate just recorded may be in the certificates view a moment before the
        revocation lists give it its place: then the read waits (bounded, as `wait_for`)
        for the views to apply the log as it stands, once, rather than answer 503."""
        certificate = self.certificate(number, actor=actor)
        try:
            return self.credentials.credential(certificate)
        except TimeoutError:
            self.wait_for(self.app.max_position())
            return self.credentials.credential(certificate)

    # -- providers ---------------------------------------------------------------------
    def provider(self, code: str) -> dict[str, Any]:
        """{code, name, kind, region, suspended, suspension_reason}."""
        return self._providers.provider(code)

    def providers(self) -> list[dict[str, Any]]:
        """Every provider (shape of `provider`), by code."""
        return self._providers.providers()

    def programmes(self, provider_code: str | None = None) -> list[dict[str, Any]]:
        """Programmes (shape of the POST /programmes response)."""
        return self._providers.programmes(provider_code)

    def search_programmes(
        self,
        text: str = "",
        *,
        provider_code: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> dict[str, Any]:
        """{total, programmes}: programmes whose title, code or provider has the typed
        words, best match first (shape of `programme`)."""
        return self._providers.search_programmes(
            text, provider_code=provider_code, limit=limit, offset=offset
        )

    def provider_list(
        self,
        *,
        kind: str | None = None,
        region: str | None = None,
        suspended: bool | None = None,
        sort: str | None = None,
        limit: int = 25,
        offset: int = 0,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """{providers: [shape of `provider`], total, total_capped, sort}: a page of the
        providers of a kind, in a region, suspended or not (`registry.queries.listing`)."""
        self._check(actor, "read_catalogue")
        return self._providers.provider_list(
            kind=kind, region=region, suspended=suspended, sort=sort, limit=limit, offset=offset
        )

    def programme_list(
        self,
        *,
        text: str | None = None,
        provider_code: str | None = None,
        form: str | None = None,
        year: int | None = None,
        sort: str | None = None,
        limit: int = 25,
        offset: int = 0,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """{programmes: [shape of `programme`], total, total_capped, sort}: a page of the
        programmes with the typed words, of a provider and a form, running in a year
        (best matches first when words are typed and no sort is asked for: sort None)."""
        self._check(actor, "read_catalogue")
        return self._providers.programme_list(
            text=text,
            provider_code=provider_code,
            form=form,
            year=year,
            sort=sort,
            limit=limit,
            offset=offset,
        )

    def programme(self, programme_id: str) -> dict[str, Any]:
        """One programme by id (shape of the POST /programmes response)."""
        return self._providers.programme(programme_id)

    def workload(
        self, provider_code: str, date_from: date, date_to: date, *, actor: Actor | None = None
    ) -> dict[str, Any]:
        """{provider_code, from, to, totals: {enrolments, withdrawals, assessments, passed,
        failed, pass_rate, certificates, hours_delivered}, by_form: {form: totals},
        by_mode: {mode: totals}, by_funding: {funding: totals}, by_month: [{month:
        "YYYY-MM", **totals}] (every month of the range, zeros included)}. Dates inclusive."""
        self._check(actor, "read_workload", provider=provider_code)
        return self._providers.workload(provider_code, date_from, date_to)

    # -- statistics and open data ------------------------------------------------------
    def demand_forecast(
        self,
        start: date,
        months: int,
        group_by: str,
        *,
        region: str | None = None,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """Teachers whose certificates stop sufficing in each month from `start` (1 to 60
        months), by region|district|subject, and those already overdue (counts only)."""
        self._check(actor, "read_forecast")
        return forecast.demand(
            self.app.read_db, start, months, group_by, access.region_filter(actor, region)
        )

    def training_needs(
        self,
        *,
        region: str | None = None,
        status: str | None = None,
        actor: Actor | None = None,
    ) -> list[dict[str, Any]]:
        """Open training needs (of a region, of a status: unmet|short|met; or the
        withdrawn ones: withdrawn) with the programmes
        of their subject starting in their period and those programmes' places
        (`registry.queries.needs`). Counts of teachers, never names."""
        self._check(actor, "read_needs")
        return needs.matched(self.app.read_db, region=region, status=status)

    def training_need(self, need_id: str, *, actor: Actor | None = None) -> dict[str, Any]:
        """One need as recorded (open or withdrawn), or NotFoundError."""
        self._check(actor, "read_needs")
        return needs.one(self.app.read_db, need_id)

    def compliance_statistics(
        self, as_of: date | None, group_by: str, *, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        """group_by in region|district|subject|position|provider_kind: [{group, total,
        compliant, due_soon, grace, overdue, inactive, hours}] over teachers in service on
        the date (district groups also carry `region`)."""
        self._check(actor, "read_statistics")
        return self._statistics.compliance(as_of, group_by)

    def activity_statistics(
        self, date_from: date, date_to: date, group_by: str, *, actor: Actor | None = None
    ) -> list[dict[str, Any]]:
        """group_by in region|district|subject|position|provider_kind|form|mode|funding:
        [{group, certificates, hours, teachers}]; valid certificates issued from..to."""
        self._check(actor, "read_statistics")
        return self._statistics.activity(date_from, date_to, group_by)

    def warm(self, timeout: float = 60.0) -> bool:
        """Compute today's public tables (a server worker's start), so the first readers
        of the open data do not all wait for a computation of their own.

        First waits (at most `timeout`) for the views to reach the log's head as it is
        now: a table computed while a follower still catches up on what was written
        while the server was down would be served, stale, to the first readers. Gives
        up (False) rather than compute from views still behind."""
        try:
            self._wait(self.app.max_position() or 0, timeout)
        except TimeoutError:
            return False
        for group_by in OPEN_DATA_GROUPS:
            self._statistics.open_data(None, group_by)
        return True

    def open_data(self, as_of: date | None, group_by: str) -> list[dict[str, Any]]:
        """group_by in region|district: [{group, total, compliant, due_soon, grace, overdue,
        inactive, suppressed}] (district groups also carry `region`); groups of fewer than
        5 teachers have counts None."""
        return self._statistics.open_data(as_of, group_by)

    def pseudonymised_teachers(
        self,
        as_of: date | None = None,
        limit: int = 1000,
        offset: int = 0,
        *,
        region: str | None = None,
        status: str | None = None,
        sort: str | None = None,
        after: str | None = None,
        actor: Actor | None = None,
    ) -> list[dict[str, Any]]:
        """[{key, region, district, school, subject, position, service_years, status,
        hours}]; key is an HMAC of the teacher id. Never a name or PIN. In a region, of a
        status, in an order of `PSEUDONYM_SORTS` (by key: `after` a key pages on)."""
        self._check(actor, "read_pseudonymised")
        return self._statistics.pseudonymised(
            as_of, limit, offset, region=region, status=status, sort=sort, after=after
        )

    def pseudonymised_page(
        self,
        as_of: date | None = None,
        *,
        region: str | None = None,
        status: str | None = None,
        sort: str | None = None,
        limit: int = 50,
        offset: int = 0,
        actor: Actor | None = None,
    ) -> dict[str, Any]:
        """{teachers: [shape of `pseudonymised_teachers`], total, total_capped, sort}."""
        self._check(actor, "read_pseudonymised")
        rows = self._statistics.pseudonymised(
            as_of, limit, offset, region=region, status=status, sort=sort
        )
        total, capped = self._statistics.pseudonymised_count(as_of, region=region, status=status)
        return listing.page("teachers", rows, total, capped, PSEUDONYM_SORTS.check(sort))

    # -- policy, audit -----------------------------------------------------------------
    def policies(self) -> list[dict[str, Any]]:
        """[{effective_from, window_years, required_hours, recorded_at}], by effective_from."""
        return self._audit.policies()

    def events(
        self,
        after: int | None = None,
        limit: int = 100,
        *,
        before: int | None = None,
        order: str = "asc",
        position: int | None = None,
        at: datetime | None = None,
        with_total: bool = False,
        **filters: Any,
    ) -> dict[str, Any]:
        """A page of the global log: {events: [fact json], next, more, order} (+ {total,
        total_exact} with `with_total`). `after`/`before` bound it (exclusive); `order` "asc"
        (oldest first, the default) or "desc"; `position` or `at` (a recorded moment) start
        it there instead. Filters: type ("Teacher.Registered" or "Teacher"), actor (account
        name or id), pin (the teacher's events), provider (code), originator_id,
        recorded_from, recorded_to. `next` is the cursor of the following page (`after`
        oldest first, `before` newest first); see registry.queries.eventlog."""
        log_filter = self._log.log_filter(**filters)
        after, before = self._cursors(after, before, order, position, at)
        page = self._log.events(log_filter, after=after, before=before, order=order, limit=limit)
        if order == "asc" and page["next"] is None:
            page["next"] = 0
        if with_total:
            page.update(self._log.count(log_filter))
        return page

    def export_events(
        self,
        *,
        after: int | None = None,
        before: int | None = None,
        order: str = "asc",
        position: int | None = None,
        at: datetime | None = None,
        **filters: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every event `events` would list page after page with the same arguments, one at
        a time (read a chunk at a time: memory stays flat however many there are)."""
        log_filter = self._log.log_filter(**filters)
        after, before = self._cursors(after, before, order, position, at)
        return self._log.export(log_filter, after=after, before=before, order=order)

    def _cursors(
        self,
        after: int | None,
        before: int | None,
        order: str,
        position: int | None,
        at: datetime | None,
    ) -> tuple[int | None, int | None]:
        """The page's bounds, a jump to a position or a moment turned into one."""
        if position is None and at is None:
            return after, before
        if position is not None and at is not None:
            raise InvalidInputError(
                "Jump to a position or to a moment, not both.", field="at", code="two_jumps"
            )
        if after is not None or before is not None:
            raise InvalidInputError(
                "A jump (position or at) starts the page itself: leave after and before out.",
                field="position" if position is not None else "at",
                code="jump_with_cursor",
            )
        cursor = self._log.jump(order, position=position, at=at)
        return (cursor, None) if order == "asc" else (None, cursor)

    def later_facts(
        self,
        pin: str,
        as_of: date | None = None,
        known_at: datetime | None = None,
        *,
        actor: Actor | None = None,
    ) -> list[dict[str, Any]]:
        """What was recorded about the teacher (and the policy) after `known_at`, the facts
        that changed the compliance answer on `as_of` first: [{position, type,
        recorded_at, data, text, affects}] (an auditor's; see registry.queries.explain)."""
        self._check(actor, "audit")
        self._check_visible(pin, actor)
        day = require_date(as_of, "as_of")
        moment = require_moment(known_at, "known_at")
        teacher_id = self._explain.teacher_id(pin)
        found = self._explain.later_facts(teacher_id, moment, [day])[day]
        return [dataclasses.asdict(fact) for fact in found]

    def views_status(self) -> list[dict[str, Any]]:
        """[{name, position, head, lag, updated_at, rate}] (rate: events/s of the last batch)."""
        return self._audit.views_status()

    # -- the ledger (registry.ledger) ----------------------------------------------------
    def ledger_head(self) -> dict[str, Any]:
        """The head auditors publish {algorithm, position, hash, events, unsealed_events,
        checkpoints, ..., last_verification} (`registry.ledger.head`)."""
        return ledger.head(self.app)

    def ledger_checkpoints(self, before: int | None = None, limit: int = 20) -> dict[str, Any]:
        """{"checkpoints": [{seq, first_position, position, events, hash, recorded_at}],
        "before": the next page's `before`}: newest first."""
        if before is not None and (isinstance(before, bool) or not isinstance(before, int)):
            raise InvalidInputError(
                "before must be a checkpoint number.", field="before", code="invalid_input"
            )
        limit, _ = require_page(limit, 0, most=200)
        return ledger.checkpoints(self.app, before=before, limit=limit)

    def ledger_verifications(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest verifications, newest first: {verified_at, requested_by, ok, events,
        sealed_events, unsealed_events, first_position, finding, position, hash, seconds}."""
        limit, _ = require_page(limit, 0, most=200)
        return ledger.verifications(self.app, limit=limit)


def _unknown_then(moment: datetime) -> NotFoundError:
    """The answer about a PIN that pointed to no teacher at a moment (whether it points to
    one now is not said)."""
    return NotFoundError(
        f"No teacher with this PIN was known at {moment.isoformat()}.", code="teacher_not_found"
    )
