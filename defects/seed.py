"""Loading the Mängelmelder's seed data: categories (with groups, questions, status labels) and responsibilities.

Both loads are upserts in one transaction: a bad entry refuses the whole file (nothing is half-loaded; every
problem found is listed at once), running a load again changes nothing, and rows missing from the file are
kept, because reports point at them, and named in the counts. Only the keys an entry gives are set, so a
file may leave out what staff maintain in the admin. The management commands ``load_categories`` and
``load_responsibilities`` are thin wrappers around :func:`categories_load` and :func:`responsibilities_load`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from defects.models import (
    Category,
    CategoryGroup,
    CategoryQuestion,
    ReportStatus,
    Responsibility,
    StatusLabel,
)
from districts.models import Department, District
from districts.selectors import current_city

# Where a category's icon lives: static "defects/icons/<icon>.svg" (see defects/static/defects/icons/README.md).
ICON_STATIC_PATH = "defects/icons/{icon}.svg"
_ICON_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MAX_PROBLEMS_IN_MESSAGE = 30

# Keys an entry may have; "note" is a comment for people reading the file and is ignored.
_GROUP_KEYS = frozenset({"slug", "name", "position", "note"})
_CATEGORY_KEYS = frozenset(
    {
        "slug",
        "name",
        "group",
        "description",
        "icon",
        "duplicate_radius_m",
        "target_days",
        "is_active",
        "position",
        "questions",
        "note",
    }
)
_QUESTION_KEYS = frozenset({"key", "label", "help_text", "kind", "choices", "required", "position", "note"})
_STATUS_LABEL_KEYS = frozenset({"status", "label", "label_en", "description", "note"})
_RESPONSIBILITY_KEYS = frozenset({"category", "district", "department", "note"})
_CHOICE_KINDS = frozenset({CategoryQuestion.Kind.SINGLE_CHOICE, CategoryQuestion.Kind.MULTIPLE_CHOICE})


class SeedErrorCode(StrEnum):
    FILE_NOT_FOUND = "file_not_found"
    FILE_UNREADABLE = "file_unreadable"
    FORMAT_INVALID = "format_invalid"
    ENTRY_INVALID = "entry_invalid"
    DUPLICATE_ENTRY = "duplicate_entry"
    UNKNOWN_GROUP = "unknown_group"
    UNKNOWN_ICON = "unknown_icon"
    UNKNOWN_STATUS = "unknown_status"
    UNKNOWN_CATEGORY = "unknown_category"
    UNKNOWN_DISTRICT = "unknown_district"
    UNKNOWN_DEPARTMENT = "unknown_department"
    NO_CITY = "no_city"


@dataclass(frozen=True)
class SeedProblem:
    """One refused entry, located so that a person can find it in the file."""

    code: SeedErrorCode
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class SeedError(Exception):
    """The load was refused; nothing was written. ``problems`` lists every refused entry."""

    def __init__(self, problems: Sequence[SeedProblem]) -> None:
        self.problems = tuple(problems)
        shown = [f"- {problem}" for problem in self.problems[:_MAX_PROBLEMS_IN_MESSAGE]]
        if len(self.problems) > _MAX_PROBLEMS_IN_MESSAGE:
            shown.append(
                _("… und %(count)d weitere.") % {"count": len(self.problems) - _MAX_PROBLEMS_IN_MESSAGE}
            )
        self.message = "\n".join([_("Nichts geladen:"), *shown])
        super().__init__(self.message)

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]


@dataclass
class LoadCounts:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows in the database that the file does not mention; they are kept (reports may point at them).
    kept: list[str] = field(default_factory=list)


@dataclass
class CategoryLoadCounts:
    groups: LoadCounts
    categories: LoadCounts
    questions: LoadCounts
    # Existing status labels count as "unchanged": they may have been edited and are never overwritten.
    status_labels: LoadCounts


# --- reading ---------------------------------------------------------------------------------------------


def seed_file_read(*, path: Path) -> dict[str, Any]:
    """Read a seed file: a JSON object whose members the loads take (``categories``, ``responsibilities`` …)."""
    where = str(path)
    if not path.is_file():
        raise SeedError([SeedProblem(SeedErrorCode.FILE_NOT_FOUND, where, _("Datei nicht gefunden."))])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SeedError(
            [
                SeedProblem(
                    SeedErrorCode.FILE_UNREADABLE,
                    where,
                    _("kein lesbares JSON (%(error)s).") % {"error": error},
                )
            ]
        ) from error
    if not isinstance(data, dict):
        raise SeedError(
            [SeedProblem(SeedErrorCode.FORMAT_INVALID, where, _("Die Datei muss ein JSON-Objekt enthalten."))]
        )
    return data


# --- categories ------------------------------------------------------------------------------------------


def question_choices_problem(*, kind: str, choices: Sequence[str]) -> str | None:
    """Return why ``choices`` do not fit a question of ``kind``, or None. Shared by the load and the admin."""
    if kind in _CHOICE_KINDS:
        if len(choices) < 2:
            return _("Eine Auswahlfrage braucht mindestens zwei Auswahlmöglichkeiten.")
        if len(set(choices)) != len(choices):
            return _("Die Auswahlmöglichkeiten müssen verschieden sein.")
        return None
    if choices:
        return _("Auswahlmöglichkeiten gibt es nur bei Einfach- und Mehrfachauswahl.")
    return None


def icon_exists(*, icon: str) -> bool:
    """Whether ``icon`` names a static SVG in defects/icons/ (of any app, so a city may add its own)."""
    return bool(_ICON_NAME.match(icon)) and finders.find(ICON_STATIC_PATH.format(icon=icon)) is not None


@transaction.atomic
def categories_load(
    *,
    entries: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]] = (),
    status_labels: Sequence[Mapping[str, Any]] = (),
) -> CategoryLoadCounts:
    """Create or update category groups, categories and their questions, and create missing status labels.

    Groups and categories are matched by ``slug``, questions by ``key`` within their category. A category
    names its group by slug (from ``groups`` or already in the database). A question without ``position``
    is placed by its order in the file. Status labels are only created where none exists for the status:
    moderators edit them in the admin, and a new load must not undo that.
    """
    problems: list[SeedProblem] = []
    _require_list(entries, section="categories", problems=problems)
    _require_list(groups, section="groups", problems=problems)
    _require_list(status_labels, section="status_labels", problems=problems)
    if problems:
        raise SeedError(problems)

    group_counts = _groups_upsert(entries=groups, problems=problems)
    category_counts, question_counts = _categories_upsert(entries=entries, problems=problems)
    label_counts = _status_labels_create(entries=status_labels, problems=problems)
    if problems:
        raise SeedError(problems)
    return CategoryLoadCounts(
        groups=group_counts, categories=category_counts, questions=question_counts, status_labels=label_counts
    )


def _groups_upsert(*, entries: Sequence[Mapping[str, Any]], problems: list[SeedProblem]) -> LoadCounts:
    counts = LoadCounts(read=len(entries))
    existing = {group.slug: group for group in CategoryGroup.objects.all()}
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = _where(_("Kategoriegruppen"), "groups", index, entry, key="slug")
        slug = _entry_key(entry, key="slug", allowed=_GROUP_KEYS, where=where, seen=seen, problems=problems)
        if slug is None:
            continue
        group = existing.get(slug) or CategoryGroup(slug=slug)
        values = {name: entry[name] for name in ("name", "position") if name in entry}
        outcome = _upsert(group, values=values, where=where, problems=problems)
        if outcome is not None:
            existing[slug] = group
            _count(counts, outcome)
    counts.kept = sorted(slug for slug in existing if slug not in seen)
    return counts


def _categories_upsert(
    *, entries: Sequence[Mapping[str, Any]], problems: list[SeedProblem]
) -> tuple[LoadCounts, LoadCounts]:
    counts = LoadCounts(read=len(entries))
    question_counts = LoadCounts()
    groups = {group.slug: group for group in CategoryGroup.objects.all()}
    existing = {category.slug: category for category in Category.objects.all()}
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = _where(_("Kategorien"), "categories", index, entry, key="slug")
        slug = _entry_key(
            entry, key="slug", allowed=_CATEGORY_KEYS, where=where, seen=seen, problems=problems
        )
        if slug is None:
            continue
        values = {
            name: entry[name]
            for name in (
                "name",
                "description",
                "icon",
                "duplicate_radius_m",
                "target_days",
                "is_active",
                "position",
            )
            if name in entry
        }
        if "group" in entry:
            group = groups.get(entry["group"]) if isinstance(entry["group"], str) else None
            if group is None:
                problems.append(
                    SeedProblem(
                        SeedErrorCode.UNKNOWN_GROUP,
                        where,
                        _("Unbekannte Kategoriegruppe „%(group)s“.") % {"group": entry["group"]},
                    )
                )
                continue
            values["group"] = group
        icon = entry.get("icon")
        if icon and not (isinstance(icon, str) and icon_exists(icon=icon)):
            problems.append(
                SeedProblem(
                    SeedErrorCode.UNKNOWN_ICON,
                    where,
                    _("Kein Symbol „%(icon)s“: die Datei static/%(path)s fehlt.")
                    % {"icon": icon, "path": ICON_STATIC_PATH.format(icon=icon)},
                )
            )
            continue
        questions = entry.get("questions", [])
        if not isinstance(questions, list):
            problems.append(
                SeedProblem(SeedErrorCode.ENTRY_INVALID, where, _("„questions“ muss eine Liste sein."))
            )
            continue
        category = existing.get(slug) or Category(slug=slug)
        outcome = _upsert(category, values=values, where=where, problems=problems)
        if outcome is None:
            continue
        existing[slug] = category
        _count(counts, outcome)
        _questions_upsert(
            category=category, entries=questions, where=where, counts=question_counts, problems=problems
        )
    counts.kept = sorted(slug for slug in existing if slug not in seen)
    return counts, question_counts


def _questions_upsert(
    *,
    category: Category,
    entries: Sequence[Any],
    where: str,
    counts: LoadCounts,
    problems: list[SeedProblem],
) -> None:
    counts.read += len(entries)
    existing = {question.key: question for question in category.questions.all()}
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        question_where = f"{where}, " + _where(_("Frage"), "questions", index, entry, key="key")
        key = _entry_key(
            entry, key="key", allowed=_QUESTION_KEYS, where=question_where, seen=seen, problems=problems
        )
        if key is None:
            continue
        question = existing.get(key) or CategoryQuestion(category=category, key=key)
        values = {
            name: entry[name]
            for name in ("label", "help_text", "kind", "choices", "required")
            if name in entry
        }
        values["position"] = entry.get("position", index + 1)
        choices = values.get("choices", question.choices)
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
            problems.append(
                SeedProblem(
                    SeedErrorCode.ENTRY_INVALID,
                    question_where,
                    _("„choices“ muss eine Liste von Texten sein."),
                )
            )
            continue
        reason = question_choices_problem(kind=values.get("kind", question.kind), choices=choices)
        if reason:
            problems.append(SeedProblem(SeedErrorCode.ENTRY_INVALID, question_where, reason))
            continue
        outcome = _upsert(question, values=values, where=question_where, problems=problems)
        if outcome is not None:
            _count(counts, outcome)
    counts.kept.extend(f"{category.slug}/{key}" for key in sorted(existing) if key not in seen)


def _status_labels_create(*, entries: Sequence[Mapping[str, Any]], problems: list[SeedProblem]) -> LoadCounts:
    counts = LoadCounts(read=len(entries))
    existing = set(StatusLabel.objects.values_list("status", flat=True))
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = _where(_("Statusbezeichnungen"), "status_labels", index, entry, key="status")
        status = _entry_key(
            entry, key="status", allowed=_STATUS_LABEL_KEYS, where=where, seen=seen, problems=problems
        )
        if status is None:
            continue
        if status not in ReportStatus.values:
            problems.append(
                SeedProblem(
                    SeedErrorCode.UNKNOWN_STATUS,
                    where,
                    _("Unbekannter Status „%(status)s“ (möglich: %(known)s).")
                    % {"status": status, "known": ", ".join(ReportStatus.values)},
                )
            )
            continue
        if status in existing:
            counts.unchanged += 1
            continue
        values = {name: entry[name] for name in ("label", "label_en", "description") if name in entry}
        outcome = _upsert(StatusLabel(status=status), values=values, where=where, problems=problems)
        if outcome is not None:
            _count(counts, outcome)
    return counts


# --- responsibilities ------------------------------------------------------------------------------------


@transaction.atomic
def responsibilities_load(*, entries: Sequence[Mapping[str, Any]]) -> LoadCounts:
    """Create or update responsibilities: which department handles a category, citywide or in one district.

    An entry names ``category`` and ``department`` by slug and ``district`` by slug within the city this
    installation serves, or ``null`` for the citywide rule. Rules are matched by (category, district), so a
    new department in the file moves the rule. Rules the file does not mention are kept and listed.
    """
    problems: list[SeedProblem] = []
    _require_list(entries, section="responsibilities", problems=problems)
    if problems:
        raise SeedError(problems)
    counts = LoadCounts(read=len(entries))
    categories = {category.slug: category for category in Category.objects.only("id", "slug", "name")}
    departments = {
        department.slug: department for department in Department.objects.only("id", "slug", "name")
    }
    city = current_city()
    districts = (
        {
            district.slug: district
            for district in District.objects.filter(city_id=city.pk).only("id", "slug", "name")
        }
        if city is not None
        else {}
    )
    existing = {
        (rule.category_id, rule.district_id): rule
        for rule in Responsibility.objects.select_related("category", "district", "department").defer(
            "district__geom"
        )
    }
    seen: set[tuple[int, int | None]] = set()
    for index, entry in enumerate(entries):
        where = _responsibility_where(index, entry)
        if not _entry_shape_ok(entry, allowed=_RESPONSIBILITY_KEYS, where=where, problems=problems):
            continue
        category = _lookup(entry, "category", categories, SeedErrorCode.UNKNOWN_CATEGORY, where, problems)
        department = _lookup(
            entry, "department", departments, SeedErrorCode.UNKNOWN_DEPARTMENT, where, problems
        )
        district = None
        if entry.get("district") is not None:
            if city is None:
                problems.append(
                    SeedProblem(
                        SeedErrorCode.NO_CITY,
                        where,
                        _("Noch keine Stadt importiert: erst manage.py import_city ausführen."),
                    )
                )
                continue
            district = _lookup(entry, "district", districts, SeedErrorCode.UNKNOWN_DISTRICT, where, problems)
            if district is None:
                continue
        if category is None or department is None:
            continue
        rule_key = (category.pk, district.pk if district else None)
        if rule_key in seen:
            problems.append(
                SeedProblem(
                    SeedErrorCode.DUPLICATE_ENTRY,
                    where,
                    _("Für diese Kategorie und dieses Gebiet gibt es schon einen Eintrag weiter oben."),
                )
            )
            continue
        seen.add(rule_key)
        rule = existing.get(rule_key) or Responsibility(category=category, district=district)
        outcome = _upsert(rule, values={"department": department}, where=where, problems=problems)
        if outcome is not None:
            _count(counts, outcome)
    if problems:
        raise SeedError(problems)
    counts.kept = sorted(str(rule) for key, rule in existing.items() if key not in seen)
    return counts


def _responsibility_where(index: int, entry: Any) -> str:
    label = ""
    if isinstance(entry, Mapping):
        shown = ", ".join(
            f"{name}: {'null' if entry.get(name) is None else entry.get(name)}"
            for name in ("category", "district", "department")
        )
        label = f" ({shown})"
    return _("Zuständigkeiten, Eintrag Nr. %(number)d (responsibilities[%(index)d])%(label)s") % {
        "number": index + 1,
        "index": index,
        "label": label,
    }


def _lookup(
    entry: Mapping[str, Any],
    name: str,
    known: Mapping[str, models.Model],
    code: SeedErrorCode,
    where: str,
    problems: list[SeedProblem],
) -> Any:
    value = entry.get(name)
    found = known.get(value) if isinstance(value, str) else None
    if found is None:
        messages = {
            SeedErrorCode.UNKNOWN_CATEGORY: _("Unbekannte Kategorie „%(slug)s“."),
            SeedErrorCode.UNKNOWN_DEPARTMENT: _("Unbekannter Fachbereich „%(slug)s“."),
            SeedErrorCode.UNKNOWN_DISTRICT: _("Unbekannter Ortsratsbereich „%(slug)s“."),
        }
        problems.append(SeedProblem(code, where, messages[code] % {"slug": value}))
    return found


# --- shared ----------------------------------------------------------------------------------------------


def _require_list(value: Any, *, section: str, problems: list[SeedProblem]) -> None:
    if not isinstance(value, list | tuple):
        problems.append(
            SeedProblem(
                SeedErrorCode.FORMAT_INVALID,
                f"„{section}“",
                _("Hier wird eine Liste von Einträgen erwartet."),
            )
        )


def _where(section: str, member: str, index: int, entry: Any, *, key: str) -> str:
    label = f" „{entry.get(key)}“" if isinstance(entry, Mapping) and entry.get(key) else ""
    return _("%(section)s, Eintrag Nr. %(number)d (%(member)s[%(index)d])%(label)s") % {
        "section": section,
        "number": index + 1,
        "member": member,
        "index": index,
        "label": label,
    }


def _entry_shape_ok(entry: Any, *, allowed: frozenset[str], where: str, problems: list[SeedProblem]) -> bool:
    if not isinstance(entry, Mapping):
        problems.append(
            SeedProblem(SeedErrorCode.ENTRY_INVALID, where, _("Ein Eintrag muss ein JSON-Objekt sein."))
        )
        return False
    unknown = sorted(set(entry) - allowed)
    if unknown:
        problems.append(
            SeedProblem(
                SeedErrorCode.ENTRY_INVALID,
                where,
                _("Unbekannte Angabe(n): %(keys)s (möglich: %(allowed)s).")
                % {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
            )
        )
        return False
    return True


def _entry_key(
    entry: Any,
    *,
    key: str,
    allowed: frozenset[str],
    where: str,
    seen: set[str],
    problems: list[SeedProblem],
) -> str | None:
    """Return the entry's identifying value if the entry is well-formed and its key new in the file."""
    if not _entry_shape_ok(entry, allowed=allowed, where=where, problems=problems):
        return None
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        problems.append(
            SeedProblem(
                SeedErrorCode.ENTRY_INVALID, where, _("„%(key)s“ fehlt oder ist leer.") % {"key": key}
            )
        )
        return None
    if value in seen:
        problems.append(
            SeedProblem(
                SeedErrorCode.DUPLICATE_ENTRY,
                where,
                _("„%(value)s“ kommt in der Datei mehrfach vor.") % {"value": value},
            )
        )
        return None
    seen.add(value)
    return value


def _upsert(
    instance: models.Model, *, values: Mapping[str, Any], where: str, problems: list[SeedProblem]
) -> str | None:
    """Set ``values``, validate and save if anything changed; "created"/"updated"/"unchanged", None if invalid."""
    is_new = instance.pk is None
    attnames = {name: instance._meta.get_field(name).attname for name in values}
    before = {name: getattr(instance, attname) for name, attname in attnames.items()}
    for name, value in values.items():
        setattr(instance, name, value)
    try:
        instance.full_clean()
    except ValidationError as error:
        problems.append(SeedProblem(SeedErrorCode.ENTRY_INVALID, where, _validation_reason(instance, error)))
        return None
    # full_clean converted the values (e.g. "25" -> 25), so compare after it.
    if not is_new and all(getattr(instance, attnames[name]) == before[name] for name in values):
        return "unchanged"
    instance.save()
    return "created" if is_new else "updated"


def _validation_reason(instance: models.Model, error: ValidationError) -> str:
    parts = []
    for name, messages in error.message_dict.items():
        try:
            label = str(instance._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # NON_FIELD_ERRORS has no field
            label = ""
        text = " ".join(messages)
        parts.append(f"{label} ({name}): {text}" if label else text)
    return " ".join(parts)


def _count(counts: LoadCounts, outcome: str) -> None:
    setattr(counts, outcome, getattr(counts, outcome) + 1)
