"""A new report through ``report_create``: validation, what is stored, idempotency, nothing half-saved."""

import hashlib
import io
import logging
import threading
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from PIL import Image

from defects import services
from defects.errors import ReportErrorCode, ReportValidationError
from defects.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS_PER_REPORT,
    CategoryQuestion,
    Report,
    ReportEvent,
    ReportPhoto,
    ReportStatus,
    Subscription,
)
from tests.defects.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, reporter_token, submit
from tests.defects.factories import EAST_POINT, WEST_POINT, CategoryFactory, CategoryQuestionFactory
from tests.defects.images import camera_jpeg, encode, two_colour, upload
from tests.factories import StreetFactory, UserFactory

pytestmark = pytest.mark.django_db

Code = ReportErrorCode
Kind = CategoryQuestion.Kind


def jpeg(name: str = "IMG_0001 Erika Mustermann.jpg"):
    return upload(camera_jpeg(), name=name)


def files_in(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def assert_nothing_saved(media_root) -> None:
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert ReportEvent.objects.count() == 0
    assert Subscription.objects.count() == 0
    assert files_in(media_root) == []


def refused(category, **overrides) -> ReportValidationError:
    with pytest.raises(ReportValidationError) as error:
        submit(category, **overrides)
    return error.value


# --- A valid report ----------------------------------------------------------------------------------------


def test_a_valid_report_is_stored_unconfirmed_and_routed(category, department, west):
    # when
    result = submit(category)
    # then
    report = Report.objects.get(pk=result.report.pk)
    assert result.created is True
    assert report.status == ReportStatus.UNCONFIRMED
    assert report.confirmed_at is None
    assert report.category == category
    assert report.location.coords == pytest.approx(WEST_POINT)
    assert report.district == west
    assert report.quarter.name == "Westend"
    assert report.department == department
    assert report.routing_reason == "Schlagloch in West → Straßen und Brücken (stadtweite Regel)"
    assert report.needs_triage is False
    assert report.privacy_consent_at is not None
    assert (report.reporter_name, report.reporter_email, report.reporter_phone) == (
        REPORTER_NAME,
        REPORTER_EMAIL,
        REPORTER_PHONE,
    )


def test_the_nearest_street_becomes_the_address(category):
    StreetFactory(name="Porschestraße")  # runs along latitude 52.415, about 22 m south of the point
    report = submit(category, lon=10.79, lat=52.4152).report
    assert report.address_label == "Porschestraße"


def test_no_street_within_250_m_leaves_the_address_empty(category):
    StreetFactory(name="Ferne Straße")  # runs along latitude 52.415, about 560 m south of the point
    report = submit(category, lon=10.79, lat=52.42).report
    assert report.address_label == ""


def test_the_created_event_and_the_reporters_subscription_are_written(category, department):
    report = submit(category).report
    [event] = ReportEvent.objects.filter(report=report)
    assert event.kind == ReportEvent.Kind.CREATED
    assert event.to_status == ReportStatus.UNCONFIRMED
    assert event.actor is None
    assert event.actor_label == "meldende Person"
    assert event.to_department == department
    [subscription] = Subscription.objects.filter(report=report)
    assert subscription.role == Subscription.Role.REPORTER
    assert subscription.email == REPORTER_EMAIL
    assert subscription.confirmed_at is None


def test_a_signed_in_reporter_is_linked_and_named_as_actor(category):
    user = UserFactory()
    report = submit(category, reporter=user).report
    assert report.reporter == user
    assert ReportEvent.objects.get(report=report).actor == user


def test_only_the_hash_of_the_reporters_secret_is_stored(category):
    report = submit(category).report
    token = reporter_token(report)
    report.refresh_from_db()
    assert report.reporter_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Report.objects.filter(pk=report.pk).values().get())


def test_the_confirmation_mail_is_queued_and_sent_by_the_worker(category, run_tasks):
    # given
    report = submit(category).report
    assert mail.outbox == []
    # when
    run_tasks()
    # then
    [message] = mail.outbox
    assert message.to == [REPORTER_EMAIL]
    assert f"Nr. {report.pk}" in message.subject
    token = reporter_token(report)
    assert f"/maengelmelder/bestaetigen/{report.pk}/{token}/" in message.body
    assert f"/maengelmelder/meldungen/{report.pk}/verwalten/{token}/" in message.body
    assert "Sie" in message.body


def test_the_category_can_be_given_by_its_slug(category):
    assert submit(category, category_id="schlagloch").report.category == category


def test_a_report_in_the_east_is_in_the_east(category, east):
    report = submit(category, lon=EAST_POINT[0], lat=EAST_POINT[1]).report
    assert report.district == east
    assert report.quarter.name == "Ostend"


def test_markup_is_stored_verbatim(category):
    markup = '<script>alert("x")</script><b>fett</b> &amp; {{ 7*7 }} {% now "Y" %}'
    report = submit(category, description=markup).report
    report.refresh_from_db()
    assert report.description == markup


def test_nul_bytes_are_removed_from_text(category):
    report = submit(category, description="Loch\x00 im Weg", reporter_name="Erika\x00").report
    report.refresh_from_db()
    assert report.description == "Loch im Weg"
    assert report.reporter_name == "Erika"


def test_text_is_stripped_and_the_mail_domain_lowercased(category):
    report = submit(
        category, description="  Loch  \n", reporter_name=" Erika ", reporter_email=" Erika@Example.ORG "
    ).report
    assert (report.description, report.reporter_name, report.reporter_email) == (
        "Loch",
        "Erika",
        "Erika@example.org",
    )


def test_a_description_of_the_maximum_length_is_accepted(category):
    report = submit(category, description="x" * DESCRIPTION_MAX_LENGTH).report
    assert len(report.description) == DESCRIPTION_MAX_LENGTH


@pytest.mark.parametrize("phone", ["", "05361 28-0", "+49 (5361) 28-0", "05361/280"])
def test_usual_phone_numbers_are_accepted(category, phone):
    assert submit(category, reporter_phone=phone).report.reporter_phone == phone


def test_name_and_phone_are_optional(category):
    report = submit(category, reporter_name="", reporter_phone="").report
    assert (report.reporter_name, report.reporter_phone) == ("", "")


# --- Photos --------------------------------------------------------------------------------------------------


def test_photos_are_stored_cleaned_in_order_under_random_names(category, _media_root):
    # given
    uploads = [jpeg(name="erika-mustermann-1.jpg"), upload(encode(two_colour((40, 20)), "PNG"), name="b.png")]
    # when
    report = submit(category, photos=uploads).report
    # then
    photos = list(ReportPhoto.objects.filter(report=report).order_by("position"))
    assert [photo.position for photo in photos] == [0, 1]
    assert [(photo.width, photo.height) for photo in photos] == [(20, 10), (40, 20)]
    for photo in photos:
        assert "erika" not in photo.image.name.lower()
        assert photo.image.name.endswith(".jpg")
        with photo.image.open("rb") as stored:
            image = Image.open(io.BytesIO(stored.read()))
        assert image.format == "JPEG"
        assert not image.getexif()
    assert len(files_in(_media_root)) == 2


def test_the_maximum_number_of_photos_is_accepted(category):
    report = submit(category, photos=[jpeg() for _ in range(MAX_PHOTOS_PER_REPORT)]).report
    assert report.photos.count() == MAX_PHOTOS_PER_REPORT


# --- Bad input: every code, nothing saved ------------------------------------------------------------------


BAD_INPUT = [
    ("unknown-category-id", {"category_id": 999_999}, "category", Code.UNKNOWN_CATEGORY),
    ("unknown-category-slug", {"category_id": "gibt-es-nicht"}, "category", Code.UNKNOWN_CATEGORY),
    ("no-category", {"category_id": None}, "category", Code.UNKNOWN_CATEGORY),
    ("lon-not-a-number", {"lon": "abc"}, "lon", Code.NOT_A_NUMBER),
    ("lat-out-of-range", {"lat": 200}, "lat", Code.OUT_OF_RANGE),
    ("lon-missing", {"lon": None}, "lon", Code.MISSING),
    ("lat-not-finite", {"lat": "nan"}, "lat", Code.NOT_FINITE),
    ("outside-the-city", {"lon": 13.40, "lat": 52.52}, "location", Code.OUTSIDE_AREA),
    ("swapped", {"lon": WEST_POINT[1], "lat": WEST_POINT[0]}, "location", Code.SWAPPED),
    (
        "description-too-long",
        {"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)},
        "description",
        Code.DESCRIPTION_TOO_LONG,
    ),
    ("email-missing", {"reporter_email": "  "}, "reporter_email", Code.EMAIL_REQUIRED),
    ("email-invalid", {"reporter_email": "keine-adresse"}, "reporter_email", Code.EMAIL_INVALID),
    ("email-too-long", {"reporter_email": "a" * 250 + "@example.org"}, "reporter_email", Code.EMAIL_INVALID),
    ("name-too-long", {"reporter_name": "E" * 101}, "reporter_name", Code.NAME_TOO_LONG),
    ("phone-letters", {"reporter_phone": "0800-ANRUFEN"}, "reporter_phone", Code.PHONE_INVALID),
    ("phone-too-long", {"reporter_phone": "1" * 51}, "reporter_phone", Code.PHONE_INVALID),
    ("no-consent", {"privacy_consent": False}, "privacy_consent", Code.CONSENT_REQUIRED),
    ("consent-as-text", {"privacy_consent": "ja"}, "privacy_consent", Code.CONSENT_REQUIRED),
    (
        "submission-key-invalid",
        {"submission_key": "keine-uuid"},
        "submission_key",
        Code.SUBMISSION_KEY_INVALID,
    ),
    ("answers-not-a-mapping", {"answers": ["nein"]}, "answers", Code.ANSWER_INVALID),
    ("unknown-question", {"answers": {"gibtsnicht": "ja"}}, "answers.gibtsnicht", Code.UNKNOWN_QUESTION),
]


@pytest.mark.parametrize(
    ("overrides", "field", "code"), [case[1:] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT]
)
def test_bad_input_is_refused_with_its_code_and_nothing_is_saved(
    category, _media_root, overrides, field, code
):
    # when: a valid photo comes along, so a file would be written if anything were saved
    error = refused(category, photos=[jpeg()], **overrides)
    # then
    assert (field, code) in [(e.field, e.code) for e in error.errors]
    assert all(e.message for e in error.errors)
    assert_nothing_saved(_media_root)


def test_an_inactive_category_is_refused(category, _media_root):
    inactive = CategoryFactory(is_active=False)
    error = refused(category, category_id=inactive.pk)
    assert error.codes == {"category": [Code.INACTIVE_CATEGORY]}
    assert_nothing_saved(_media_root)


def test_too_many_photos_are_refused_without_processing_them(category, _media_root, monkeypatch):
    monkeypatch.setattr(services, "photo_process", lambda **kwargs: pytest.fail("processed"))
    error = refused(category, photos=[jpeg() for _ in range(MAX_PHOTOS_PER_REPORT + 1)])
    assert error.codes == {"photos": [Code.TOO_MANY_PHOTOS]}
    assert_nothing_saved(_media_root)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4 kein Bild", Code.PHOTO_NOT_IMAGE),
        (camera_jpeg()[:200], Code.PHOTO_CORRUPT),
    ],
    ids=["not-an-image", "truncated"],
)
def test_a_bad_photo_is_refused_with_the_code_of_the_photo_module(category, _media_root, content, code):
    error = refused(category, photos=[jpeg(), upload(content, name="kaputt.jpg")])
    assert error.codes == {"photos": [code]}
    assert_nothing_saved(_media_root)


def test_a_photo_over_the_size_limit_is_refused(category, _media_root, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 100
    error = refused(category, photos=[jpeg()])
    assert error.codes == {"photos": [Code.PHOTO_TOO_LARGE]}
    assert_nothing_saved(_media_root)


def test_all_errors_are_reported_at_once(category, _media_root):
    error = refused(
        category,
        category_id=999_999,
        lon=13.4,
        lat=52.5,
        description="x" * (DESCRIPTION_MAX_LENGTH + 1),
        reporter_email="",
        reporter_name="E" * 101,
        reporter_phone="abc",
        privacy_consent=False,
        photos=[upload(b"kein Bild")],
    )
    assert error.codes == {
        "category": [Code.UNKNOWN_CATEGORY],
        "location": [Code.OUTSIDE_AREA],
        "description": [Code.DESCRIPTION_TOO_LONG],
        "reporter_email": [Code.EMAIL_REQUIRED],
        "reporter_name": [Code.NAME_TOO_LONG],
        "reporter_phone": [Code.PHONE_INVALID],
        "privacy_consent": [Code.CONSENT_REQUIRED],
        "photos": [Code.PHOTO_NOT_IMAGE],
    }
    assert_nothing_saved(_media_root)


# --- Answers -------------------------------------------------------------------------------------------------


ACCEPTED_ANSWERS = [
    (Kind.YES_NO, [], True, True),
    (Kind.YES_NO, [], "ja", True),
    (Kind.YES_NO, [], "Nein", False),
    (Kind.YES_NO, [], "true", True),
    (Kind.YES_NO, [], "false", False),
    (Kind.YES_NO, [], "1", True),
    (Kind.YES_NO, [], "0", False),
    (Kind.YES_NO, [], 0, False),
    (Kind.NUMBER, [], 3, 3),
    (Kind.NUMBER, [], "12", 12),
    (Kind.NUMBER, [], "1,5", 1.5),
    (Kind.NUMBER, [], 2.25, 2.25),
    (Kind.NUMBER, [], Decimal("7.0"), 7),
    (Kind.TEXT, [], "  Mast A-17 ", "Mast A-17"),
    (Kind.TEXT, [], "<b>A-17</b>", "<b>A-17</b>"),
    (Kind.SINGLE_CHOICE, ["klein", "groß"], "groß", "groß"),
    (
        Kind.MULTIPLE_CHOICE,
        ["Fahrbahn", "Gehweg", "Radweg"],
        ["Radweg", "Fahrbahn", "Radweg"],
        ["Fahrbahn", "Radweg"],
    ),
    (Kind.MULTIPLE_CHOICE, ["Fahrbahn", "Gehweg"], "Gehweg", ["Gehweg"]),
]


@pytest.mark.parametrize(
    ("kind", "choices", "value", "stored"),
    ACCEPTED_ANSWERS,
    ids=[f"{kind}-{value!r}" for kind, _c, value, _s in ACCEPTED_ANSWERS],
)
def test_answers_are_normalised_by_the_kind_of_question(category, kind, choices, value, stored):
    CategoryQuestionFactory(category=category, key="frage", kind=kind, choices=choices)
    report = submit(category, answers={"frage": value}).report
    report.refresh_from_db()
    assert report.answers == {"frage": stored}


REFUSED_ANSWERS = [
    (Kind.YES_NO, [], "vielleicht"),
    (Kind.YES_NO, [], 2),
    (Kind.YES_NO, [], ["ja"]),
    (Kind.NUMBER, [], "zwölf"),
    (Kind.NUMBER, [], True),
    (Kind.NUMBER, [], "nan"),
    (Kind.NUMBER, [], "inf"),
    (Kind.NUMBER, [], float("inf")),
    (Kind.NUMBER, [], "1e400"),
    (Kind.TEXT, [], "x" * 501),
    (Kind.TEXT, [], 17),
    (Kind.SINGLE_CHOICE, ["klein", "groß"], "riesig"),
    (Kind.SINGLE_CHOICE, ["klein", "groß"], ["klein"]),
    (Kind.MULTIPLE_CHOICE, ["Fahrbahn", "Gehweg"], ["Fahrbahn", "Dach"]),
    (Kind.MULTIPLE_CHOICE, ["Fahrbahn", "Gehweg"], {"Fahrbahn": True}),
]


@pytest.mark.parametrize(
    ("kind", "choices", "value"),
    REFUSED_ANSWERS,
    ids=[f"{kind}-{value!r}"[:40] for kind, _c, value in REFUSED_ANSWERS],
)
def test_answers_that_do_not_fit_the_question_are_refused(category, _media_root, kind, choices, value):
    CategoryQuestionFactory(category=category, key="frage", kind=kind, choices=choices)
    error = refused(category, answers={"frage": value})
    assert error.codes == {"answers.frage": [Code.ANSWER_INVALID]}
    assert_nothing_saved(_media_root)


@pytest.mark.parametrize("value", [None, "", "   ", []])
def test_a_required_question_must_be_answered(category, _media_root, value):
    CategoryQuestionFactory(category=category, key="mast", kind=Kind.TEXT, required=True, label="Mastnummer?")
    error = refused(category, answers={"mast": value})
    assert error.codes == {"answers.mast": [Code.ANSWER_REQUIRED]}
    assert "Mastnummer?" in error.errors[0].message
    assert_nothing_saved(_media_root)


def test_an_optional_question_may_be_left_out(category):
    CategoryQuestionFactory(category=category, key="mast", kind=Kind.TEXT, required=False)
    assert submit(category, answers={"mast": ""}).report.answers == {}


def test_a_question_of_another_category_is_unknown(category, _media_root):
    CategoryQuestionFactory(key="fremd")
    error = refused(category, answers={"fremd": "ja"})
    assert error.codes == {"answers.fremd": [Code.UNKNOWN_QUESTION]}


# --- Idempotency -------------------------------------------------------------------------------------------


def test_the_same_submission_key_returns_the_first_report_and_sends_one_mail(category, run_tasks):
    # given
    key = uuid.uuid4()
    first = submit(category, submission_key=key)
    # when
    second = submit(category, submission_key=str(key), description="noch einmal")
    run_tasks()
    # then
    assert (first.created, second.created) == (True, False)
    assert second.report.pk == first.report.pk
    assert Report.objects.count() == 1
    assert len(mail.outbox) == 1


def test_different_submission_keys_make_different_reports(category):
    submit(category, submission_key=uuid.uuid4())
    submit(category, submission_key=uuid.uuid4())
    assert Report.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_the_same_key_at_once_make_one_report(category, monkeypatch, caplog):
    # given: both requests pass the first look-up for the key before either saves
    caplog.set_level(logging.INFO, logger="defects.services")
    key = uuid.uuid4()
    barrier = threading.Barrier(2, timeout=10)
    route_report = services.route_report

    def route_after_both_looked(**kwargs):
        barrier.wait()
        return route_report(**kwargs)

    monkeypatch.setattr(services, "route_report", route_after_both_looked)
    results, errors = [], []

    def request():
        try:
            results.append(submit(category, submission_key=key))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then: the loser of the race met the unique key and answered with the winner's report
    assert errors == []
    assert sorted(result.created for result in results) == [False, True]
    assert {result.report.pk for result in results} == {Report.objects.get().pk}
    assert Subscription.objects.count() == 1
    assert "sent twice at once" in caplog.text


# --- Nothing half-saved --------------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["_write_event", "_queue_mail", "_set_subscription_token"])
def test_a_failure_after_the_photos_were_written_leaves_no_file_and_no_row(
    category, _media_root, monkeypatch, failing
):
    # given
    def fail(**kwargs):
        raise RuntimeError("Datenbank weg")

    monkeypatch.setattr(services, failing, lambda *args, **kwargs: fail())
    # when
    with pytest.raises(RuntimeError):
        submit(category, photos=[jpeg(), jpeg()])
    # then
    assert_nothing_saved(_media_root)


def test_a_failure_before_anything_is_written_leaves_nothing(category, _media_root, monkeypatch):
    monkeypatch.setattr(services, "nearest_street", lambda **kwargs: (_ for _ in ()).throw(RuntimeError()))
    with pytest.raises(RuntimeError):
        submit(category, photos=[jpeg()])
    assert_nothing_saved(_media_root)


# --- Privacy in logs -------------------------------------------------------------------------------------------


def test_no_log_line_names_the_reporter(category, run_tasks, caplog):
    caplog.set_level(logging.DEBUG)
    report = submit(category).report
    run_tasks()
    services.report_confirm(report_id=report.pk, token=reporter_token(report))
    assert caplog.records
    for needle in (REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, "erika"):
        assert needle.lower() not in caplog.text.lower()
