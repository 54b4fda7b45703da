"""The tables of one or more cities: places, communities, population, imports and runs.

Every row belongs to a city (``city_id``, deleted with it through ``ON DELETE CASCADE``).
Coordinates are WGS-84 degrees, geometries WKB, areas square metres and timestamps UTC.
The walking network is not here: it stays in its ``.lcnet`` file, named by
:attr:`City.network_path`. A schema change is a model change plus a new file in
``migrations/versions``; ``docs/database.md`` describes the tables.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are fixed, so later migrations (SQLite batch mode too) can name them."""

CODE_LENGTH = 64
"""Category, community and source codes; ids from sources get :data:`SOURCE_ID_LENGTH`."""
SOURCE_ID_LENGTH = 128
UID_LENGTH = CODE_LENGTH + 1 + SOURCE_ID_LENGTH
"""A place's uid: by default ``"{source}:{source_id}"`` of the source that first had it."""
HOST_LENGTH = 255
"""A host name (the longest a DNS name can be)."""


class ImportKind(enum.StrEnum):
    """What an import run brought in."""

    NETWORK = "network"
    PLACES = "places"
    COMMUNITIES = "communities"
    POPULATION = "population"
    MAPPING = "mapping"


class ImportStatus(enum.StrEnum):
    """How an import run ended.

    ``rejected``: the file had bad rows and nothing was imported; ``partial``: the good
    rows were imported and the bad ones skipped (``--skip-bad``); ``failed``: an error
    other than bad rows stopped it, or the run was found ``running`` after its process
    had gone (killed midway: see :mod:`lifecircle.services.city.runs`).
    """

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    REJECTED = "rejected"
    FAILED = "failed"


class CommunityLevel(enum.StrEnum):
    """Administrative level of a :class:`Community` row: 社区, 街道 or 区."""

    COMMUNITY = "community"
    STREET = "street"
    DISTRICT = "district"


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zones and returns naive datetimes; PostgreSQL returns them in the
    session's zone. This type makes both return UTC, so runs dated on either database
    compare equal.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        """Refuse naive datetimes and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a timezone-aware time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002
        """Attach UTC to naive values (SQLite) and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _enum(cls: type[enum.StrEnum]) -> Enum:
    # Stored as plain text without a CHECK constraint or a PostgreSQL ENUM type: adding a
    # member (a new import kind) is then a code change, not a migration.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


JSONType = JSON().with_variant(JSONB(), "postgresql")
"""JSON, as ``jsonb`` on PostgreSQL (indexable and compact) and text on SQLite."""


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class City(Base):
    """A city: the scope of every other row.

    ``places_version`` counts the transactions that wrote the city's places (rows,
    categories, merges): a process holding the places in memory compares it with the
    number it loaded and fetches only what changed (see :mod:`lifecircle.store.versions`).
    """

    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    taxonomy: Mapped[str] = mapped_column(String(CODE_LENGTH))
    network_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    places_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"City(id={self.id!r}, name={self.name!r})"


class ImportRun(Base):
    """One import of one file: what was read, what was kept and what was rejected and why.

    ``rejects`` is a list of ``{"file", "line" or "feature", "column", "problem"}``.
    ``host`` and ``pid`` name the process that runs it, to tell a live import from one
    killed midway (migration 0004; null on older runs).
    """

    __tablename__ = "import_runs"
    __table_args__ = (Index(None, "city_id", "kind", "source_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    kind: Mapped[ImportKind] = mapped_column(_enum(ImportKind))
    source_path: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus), default=ImportStatus.RUNNING)
    n_rows: Mapped[int] = mapped_column(Integer, default=0)
    n_imported: Mapped[int] = mapped_column(Integer, default=0)
    n_rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejects: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    message: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(HOST_LENGTH))
    pid: Mapped[int | None] = mapped_column(Integer)


class Place(Base):
    """A shop or service, possibly known to several sources (see :class:`PlaceSource`).

    ``version`` is the city's ``places_version`` of the transaction that last wrote the
    place or its categories.
    """

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("city_id", "uid"),
        Index(None, "city_id", "lon", "lat"),
        Index(None, "city_id", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(UID_LENGTH))
    name: Mapped[str | None] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(Text)
    operator: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float] = mapped_column(Double)
    lat: Mapped[float] = mapped_column(Double)
    opening_hours: Mapped[str | None] = mapped_column(Text)
    opening_hours_weekly: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    sources: Mapped[list[PlaceSource]] = relationship(
        back_populates="place", cascade="all, delete-orphan", passive_deletes=True
    )
    categories: Mapped[list[PlaceCategory]] = relationship(
        back_populates="place", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Place(id={self.id!r}, uid={self.uid!r}, name={self.name!r})"


class PlaceRemoval(Base):
    """A place deleted (merged into another), at the city's ``places_version`` of then.

    What a process holding the places in memory drops when it catches up.
    """

    __tablename__ = "place_removals"
    __table_args__ = (Index(None, "city_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    place_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(BigInteger)


class PlaceSource(Base):
    """One source's id of a place (``Helsinki`` ``n123``, ``futian_amap`` ``B0FFG...``).

    A source is a name (``city import --source``, by default the file's stem): the
    places of one file, or of the files that stand for it, replaced as a whole on each
    import of it (:func:`lifecircle.store.places.remove_absent_places`).
    """

    __tablename__ = "place_sources"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("cities.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH), primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)

    place: Mapped[Place] = relationship(back_populates="sources")


class PlaceCategory(Base):
    """A place's membership of a taxonomy category, with the rule that matched.

    ``source`` is the source that gave it (``""``: given by hand), so a place two
    sources know loses only the categories of a source that no longer lists it.
    """

    __tablename__ = "place_categories"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True, index=True)
    source: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True, default="")
    rule: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[str] = mapped_column(String(16), default="")

    place: Mapped[Place] = relationship(back_populates="categories")


class Community(Base):
    """A 社区 (or a 街道/区 row of the same table), with boundary and population."""

    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("city_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(CODE_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(Text)
    level: Mapped[CommunityLevel] = mapped_column(
        _enum(CommunityLevel), default=CommunityLevel.COMMUNITY
    )
    parent_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    population: Mapped[int | None] = mapped_column(Integer)
    geometry: Mapped[bytes | None] = mapped_column(LargeBinary)
    area_m2: Mapped[float | None] = mapped_column(Double)

    def __repr__(self) -> str:
        return f"Community(code={self.code!r}, name={self.name!r})"


class CommunityMapping(Base):
    """The plan's 社区 code against an NBS 居委会 code (many-to-many, one row per pair)."""

    __tablename__ = "community_mappings"

    city_id: Mapped[int] = mapped_column(
        ForeignKey("cities.id", ondelete="CASCADE"), primary_key=True
    )
    plan_code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    nbs_code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    note: Mapped[str | None] = mapped_column(Text)


class PopulationPoint(Base):
    """People at a point (a building, a grid cell centre), estimated by ``method``."""

    __tablename__ = "population_points"
    __table_args__ = (
        Index(None, "city_id", "method"),
        Index(None, "city_id", "lon", "lat"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    lon: Mapped[float] = mapped_column(Double)
    lat: Mapped[float] = mapped_column(Double)
    population: Mapped[float] = mapped_column(Double)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    method: Mapped[str] = mapped_column(String(CODE_LENGTH))
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL"), index=True
    )


class AssessmentRun(Base):
    """One dated assessment of a city: its parameters, data versions and city-level result.

    ``parameters``, ``data`` and ``city`` are the ``run.parameters``, ``run.data`` and
    ``city`` members of the assessment document (docs/assessment.md); ``categories`` the
    taxonomy columns it was computed for. Per-community results are
    :class:`AssessmentCommunity` rows.
    """

    __tablename__ = "assessment_runs"
    __table_args__ = (Index(None, "city_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    elapsed_s: Mapped[float] = mapped_column(Double, default=0.0)
    version: Mapped[str] = mapped_column(String(32))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    categories: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    city: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    communities: Mapped[list[AssessmentCommunity]] = relationship(
        back_populates="run", cascade="all, delete-orphan", passive_deletes=True
    )


class AssessmentCommunity(Base):
    """One community's result in an assessment run (the document's community object).

    The headline verdicts are columns, so runs can be queried and compared in SQL; the
    whole object (coverage per category, minutes, rules) is ``record``.
    """

    __tablename__ = "assessment_communities"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_runs.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    population: Mapped[float] = mapped_column(Double)
    basic_complete: Mapped[bool] = mapped_column(Boolean)
    grade: Mapped[str] = mapped_column(String(16))
    circle_type: Mapped[str] = mapped_column(String(16))
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)

    run: Mapped[AssessmentRun] = relationship(back_populates="communities")


class PlanRun(Base):
    """One gap-filling plan (一圈一策): its parameters and the whole plan document."""

    __tablename__ = "plan_runs"
    __table_args__ = (Index(None, "city_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Centre(Base):
    """A mall, department store or market hall outline: a footprint of the 集聚式 rule."""

    __tablename__ = "centres"
    __table_args__ = (UniqueConstraint("city_id", "source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(CODE_LENGTH))
    source_id: Mapped[str] = mapped_column(String(SOURCE_ID_LENGTH))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(CODE_LENGTH))
    geometry: Mapped[bytes] = mapped_column(LargeBinary)


# --- accounts (migration 0005) ----------------------------------------------------------


class Role(enum.StrEnum):
    """What an account may do: a resident, a merchant, a city official or an administrator."""

    RESIDENT = "resident"
    MERCHANT = "merchant"
    OFFICIAL = "official"
    ADMIN = "admin"


USERNAME_LENGTH = 32
"""Longest user name, characters (``[a-z0-9._-]``)."""


class User(Base):
    """An account: its role, the city (and area code) it acts for, and its password hash.

    ``city_id`` scopes an official to one city (``area_code``, a district or 街道 code,
    narrows them further); for the other roles it is an optional home city. The password
    is stored only as an argon2 hash. The personal data are ``username`` and
    ``display_name``; deleting the row deletes the account's tokens and shop ownerships.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(_enum(Role))
    city_id: Mapped[int | None] = mapped_column(
        ForeignKey("cities.id", ondelete="SET NULL"), index=True
    )
    area_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    display_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    city: Mapped[City | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, username={self.username!r}, role={self.role.value!r})"


class AccessToken(Base):
    """A bearer token of a login, stored as the SHA-256 of the token (never the token)."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AuthAttempt(Base):
    """One counted login or registration attempt, under a keyed pseudonym.

    ``key`` is an HMAC of what is limited (``login-account:<name>``,
    ``login-address:<ip>``, ``register-address:<ip>``) under the deployment's secret key,
    so neither names nor addresses are stored; rows older than the window are deleted.
    """

    __tablename__ = "auth_attempts"
    __table_args__ = (Index(None, "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class PlaceOwner(Base):
    """A merchant's ownership of a place (one owner per place), a *shop* of the platform.

    ``community_code`` is the community the place lies in, found when it was given
    (migration 0008): the shop's changes, prices and batches are filed under it, for
    the officials of that area.
    """

    __tablename__ = "place_owners"

    place_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    community_code: Mapped[str | None] = mapped_column(String(CODE_LENGTH))


# --- background jobs (migration 0007) -----------------------------------------------------

JOB_ID_LENGTH = 32
"""A job's id: 22 URL-safe characters of 16 random bytes, with room to spare."""


class JobKind(enum.StrEnum):
    """What a background job does: the CLI's ``assess``, ``plan`` or ``report``."""

    ASSESS = "assess"
    PLAN = "plan"
    REPORT = "report"


class JobStatus(enum.StrEnum):
    """Where a background job stands.

    ``queued``: waiting for a worker or for the city's other job to end; ``running``:
    holds the city's lock and works; ``succeeded``, ``failed`` (the error, or its process
    died: see :mod:`lifecircle.services.job_runner`) and ``cancelled`` are final.
    """

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNFINISHED_JOBS = (JobStatus.QUEUED, JobStatus.RUNNING)
"""The statuses a job can still leave."""


class Job(Base):
    """An assessment, plan or report run in the background for the API (officials).

    ``parameters`` are the validated options (docs/jobs.md); ``progress`` the share of
    its steps done (0..1) and ``message`` the step under way; ``steps`` every step
    reported, ``{"at", "progress", "message"}``. ``result`` names what it stored:
    ``run_id``, ``plan_id``, and for reports ``files`` (``name``, ``format``, ``path``
    under the city's folder, ``bytes``). ``host`` and ``pid`` name the process
    responsible for it (the server that queued it, then the worker that runs it), to
    tell a live job from one whose process died. ``user_id`` is whoever started it;
    it has no foreign key yet: the accounts' ``users`` table comes with another
    migration, and a later one adds the key (``ON DELETE SET NULL``).
    """

    __tablename__ = "jobs"
    __table_args__ = (Index(None, "city_id", "created_at"), Index(None, "status"))

    id: Mapped[str] = mapped_column(String(JOB_ID_LENGTH), primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    kind: Mapped[JobKind] = mapped_column(_enum(JobKind))
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    progress: Mapped[float] = mapped_column(Double, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(HOST_LENGTH))
    pid: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, kind={self.kind.value!r}, status={self.status.value!r})"
