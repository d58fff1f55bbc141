"""One factory per model. Factories set the acting user where a record has one."""

import datetime as dt
import hashlib

import factory
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from accounts.models import User
from accounts.roles import EDITORS, RESEARCHERS, sync_roles
from cases.models import (
    AllegedVictim,
    Category,
    Claim,
    ClaimEvidence,
    ClaimStatusChange,
    Incident,
    Oblast,
    PublicationEvent,
)
from sources.models import (
    FileCustodyEvent,
    OfficialStatement,
    ReportedFigure,
    Source,
    SourceFile,
)
from sources.normalise import normalise_url


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = False

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or "correct horse battery")
        if create:
            self.save(update_fields=["password"])


def _join_group(name):
    def join(user, create, extracted, **kwargs):
        if create:
            # Transactional tests flush the database, data-migration groups included.
            if not Group.objects.filter(name=name).exists():
                sync_roles()
            user.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(join)


class ResearcherFactory(UserFactory):
    username = factory.Sequence(lambda n: f"researcher{n}")
    is_staff = True
    role = _join_group(RESEARCHERS)


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True
    role = _join_group(EDITORS)


class SuperuserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    title = factory.Sequence(lambda n: f"Incident number {n}")
    slug = factory.Sequence(lambda n: f"incident-{n}")
    summary = "A summary."
    occurred_from = dt.date(2024, 11, 1)
    place_name = "Popasna"
    oblast = Oblast.LUHANSK
    category = Category.POW_EXECUTION
    created_by = factory.SubFactory(ResearcherFactory)
    updated_by = factory.SelfAttribute("created_by")

    class Params:
        published = factory.Trait(
            status=Incident.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: dt.datetime(2025, 5, 6, tzinfo=dt.UTC)),
            published_by=factory.SubFactory(EditorFactory),
        )
        retracted = factory.Trait(
            status=Incident.Status.RETRACTED,
            published_at=factory.LazyFunction(lambda: dt.datetime(2025, 5, 6, tzinfo=dt.UTC)),
            published_by=factory.SubFactory(EditorFactory),
            retracted_at=factory.LazyFunction(lambda: dt.datetime(2025, 6, 1, tzinfo=dt.UTC)),
            retracted_by=factory.SelfAttribute("published_by"),
            retraction_note="The footage was shown to predate the war.",
        )


class AllegedVictimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllegedVictim

    incident = factory.SubFactory(IncidentFactory)
    name = factory.Sequence(lambda n: f"Victim Name {n}")
    identity_public = False
    # A public identity always has its recorded reason (a database constraint).
    identity_reason = factory.LazyAttribute(
        lambda victim: "Consent of the family." if victim.identity_public else ""
    )
    status = AllegedVictim.Status.PRISONER_OF_WAR
    fate = AllegedVictim.Fate.KILLED


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    kind = Source.Kind.NEWS_ARTICLE
    title = factory.Sequence(lambda n: f"Source article {n}")
    publisher = "CNN"
    url = factory.Sequence(lambda n: f"https://example.org/article/{n}")
    normalised_url = factory.LazyAttribute(lambda source: normalise_url(source.url))
    created_by = factory.SubFactory(ResearcherFactory)


class SourceFileFactory(factory.django.DjangoModelFactory):
    """A kept text file whose recorded hash, size and type match its content."""

    class Meta:
        model = SourceFile

    class Params:
        content = factory.Sequence(lambda n: f"Transcript of intercept {n}.\n".encode())

    source = factory.SubFactory(SourceFactory)
    original_name = factory.Sequence(lambda n: f"transcript-{n}.txt")
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.original_name))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    size = factory.LazyAttribute(lambda o: len(o.content))
    mime_type = "text/plain"
    uploaded_by = factory.SubFactory(ResearcherFactory)
    uploaded_at = factory.LazyFunction(lambda: dt.datetime(2025, 5, 6, tzinfo=dt.UTC))


class FileCustodyEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FileCustodyEvent

    source_file = factory.SubFactory(SourceFileFactory)
    action = FileCustodyEvent.Action.UPLOADED
    by = factory.SelfAttribute("source_file.uploaded_by")
    at = factory.SelfAttribute("source_file.uploaded_at")


class OfficialStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficialStatement

    speaker = "Yuriy Belousov"
    speaker_role = "Head of the War Crimes Department"
    organisation = "Prosecutor General's Office of Ukraine"
    stated_on = dt.date(2025, 5, 5)
    quote = factory.Sequence(lambda n: f"Statement quote {n}")
    stance = OfficialStatement.Stance.INVESTIGATES
    created_by = factory.SubFactory(ResearcherFactory)


class ReportedFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportedFigure

    statement = factory.SubFactory(OfficialStatementFactory)
    metric = "criminal cases opened"
    value = 75
    as_of = dt.date(2025, 5, 5)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    incident = factory.SubFactory(IncidentFactory)
    text = factory.Sequence(lambda n: f"Claim text {n}")
    claimant = "CNN"


class ClaimEvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimEvidence

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)


class ClaimStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClaimStatusChange

    claim = factory.SubFactory(ClaimFactory)
    from_status = "unverified"
    to_status = "verified"
    rationale = "Geolocated."
    methods = ["geolocation"]
    changed_by = factory.SubFactory(EditorFactory)
    changed_at = factory.LazyFunction(lambda: dt.datetime(2025, 5, 6, tzinfo=dt.UTC))


class PublicationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicationEvent

    incident = factory.SubFactory(IncidentFactory)
    action = PublicationEvent.Action.SUBMIT
    from_status = "draft"
    to_status = "in_review"
    by = factory.SelfAttribute("incident.created_by")
    at = factory.LazyFunction(lambda: dt.datetime(2025, 5, 6, tzinfo=dt.UTC))
