"""A CarePlan bundle from another system, mapped to plan data as far as its resources go.

What the bundle cannot say (the problems' behavioural definitions, the presenting problem,
an intervention's frequency…) is left as a ``TODO`` that ``check`` reports; nothing is
invented. Each resource or element that could not be mapped becomes a warning.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ..errors import UsageError
from ..spec.codes import service_code
from ..spec.instruments import builtin_instruments
from . import terms as t

Json = dict[str, Any]
TODO = "TODO: not in the FHIR bundle"


class _Index:
    """The bundle's resources, found by fullUrl or ``Type/id``."""

    def __init__(self, bundle: Json) -> None:
        self.resources: list[Json] = []
        self.by_ref: dict[str, Json] = {}
        for entry in bundle.get("entry") or []:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                continue
            self.resources.append(resource)
            if entry.get("fullUrl"):
                self.by_ref[str(entry["fullUrl"])] = resource
            if resource.get("id"):
                self.by_ref[f"{resource.get('resourceType')}/{resource['id']}"] = resource

    def get(self, ref: Any) -> Json | None:
        target = ref.get("reference") if isinstance(ref, dict) else None
        if not isinstance(target, str):
            return None
        return self.by_ref.get(target) or self.by_ref.get("/".join(target.split("/")[-2:]))

    def of(self, kind: str) -> list[Json]:
        return [r for r in self.resources if r.get("resourceType") == kind]


def _codes(concept: Any) -> Iterator[tuple[str, str]]:
    for coding in (concept or {}).get("coding") or []:
        if isinstance(coding, dict) and coding.get("code"):
            yield str(coding.get("system") or ""), str(coding["code"])


def _code(concept: Any, system: str) -> str | None:
    return next((code for s, code in _codes(concept) if s == system), None)


def _words(concept: Any) -> str | None:
    if not isinstance(concept, dict):
        return None
    return concept.get("text") or next(
        (c.get("display") for c in concept.get("coding") or [] if c.get("display")), None
    )


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _name(resource: Json | None) -> str | None:
    for name in (resource or {}).get("name") or []:
        if name.get("text"):
            return str(name["text"])
        parts = [*(name.get("given") or []), name.get("family") or ""]
        if any(parts):
            return " ".join(p for p in parts if p)
    return None


def _person(patient: Json) -> Json:
    identifiers = patient.get("identifier") or []
    ours = [i for i in identifiers if i.get("system") == t.PARTICIPANT_SYSTEM]
    own: Json = next(iter(ours or identifiers), {})
    pronouns = next(
        (
            _words(x.get("valueCodeableConcept"))
            for e in patient.get("extension") or []
            if e.get("url") == t.PRONOUNS_EXTENSION
            for x in e.get("extension") or []
            if x.get("url") == "value"
        ),
        None,
    )
    person = {
        "id": own.get("value") or patient.get("id") or "CLIENT",
        "name": _name(patient) or TODO,
        "role": "client",
        "date_of_birth": _day(patient.get("birthDate")),
        "pronouns": pronouns,
    }
    return {k: v for k, v in person.items() if v}


_INSTRUMENTS = {i.loinc: key for key, i in builtin_instruments().items() if i.loinc}
_GOAL_STATUS = {
    "achieved": "achieved",
    "sustaining": "achieved",
    "not-achieved": "not_achieved",
    "not-attainable": "not_achieved",
    "improving": "improving",
    "in-progress": "in_progress",
}
_LIFECYCLE = {"active": "in_progress", "completed": "achieved", "cancelled": "discontinued"}


def _instrument(concept: Any) -> str | None:
    for system, code in _codes(concept):
        if system == t.LOINC and code in _INSTRUMENTS:
            return _INSTRUMENTS[code]
        if system == t.INSTRUMENT_SYSTEM and code in builtin_instruments():
            return code
    return None


class _Mapper:
    def __init__(self, bundle: Json, careplan: Json, today: dt.date) -> None:
        self.index = _Index(bundle)
        self.careplan = careplan
        self.today = today
        self.warnings: list[str] = []
        self.used: set[int] = {id(careplan)}

    def use(self, resource: Json | None) -> Json | None:
        if resource is not None:
            self.used.add(id(resource))
        return resource

    def diagnoses(self) -> list[Json]:
        conditions = [self.use(self.index.get(r)) for r in self.careplan.get("addresses") or []]
        found: list[Json] = []
        for condition in (c for c in conditions if c):
            code = _code(condition.get("code"), t.ICD10CM)
            system = "icd10cm"
            if code is None and (code := _code(condition.get("code"), t.ICD10)):
                system = "icd10"
            if code is None:
                self.warnings.append(
                    f"Condition {condition.get('id')} ({_words(condition.get('code')) or 'no text'}): no ICD-10-CM or ICD-10 code; not imported"
                )
                continue
            status = _code(condition.get("verificationStatus"), t.CONDITION_VERIFICATION)
            item = {
                "code": code,
                "primary": not found,
                "description": _words(condition.get("code")),
            }
            if system != "icd10cm":
                item["system"] = system
            if status in ("provisional", "unconfirmed"):
                item["provisional"] = True
            if status == "differential":
                item["rule_out"] = True
            found.append({k: v for k, v in item.items() if v is not None})
        return found

    def measurements(self) -> list[Json]:
        found: list[Json] = []
        for observation in self.index.of("Observation"):
            self.use(observation)
            instrument = _instrument(observation.get("code"))
            score = (observation.get("valueQuantity") or {}).get("value")
            if score is None and isinstance(observation.get("valueInteger"), int):
                score = observation["valueInteger"]
            when = _day(observation.get("effectiveDateTime"))
            if instrument is None or score is None or when is None:
                self.warnings.append(
                    f"Observation {observation.get('id')} ({_words(observation.get('code')) or 'no text'}): "
                    "not a dated score on an instrument plandoc knows; not imported"
                )
                continue
            found.append({"instrument": instrument, "date": when, "score": score})
        return sorted(found, key=lambda m: m["date"])

    def goal(self, number: int, goal: Json, activities: list[Json]) -> Json:
        gid = f"G{number}"
        words = _words(goal.get("description")) or TODO
        status = _GOAL_STATUS.get(_code(goal.get("achievementStatus"), t.GOAL_ACHIEVEMENT) or "")
        status = status or _LIFECYCLE.get(str(goal.get("lifecycleStatus")), "not_started")
        objective: Json = {"id": f"{gid}.O1", "description": words, "status": status}
        targets = goal.get("target") or []
        target: Json = next(iter(targets), {})
        if len(targets) > 1:
            self.warnings.append(
                f"Goal {goal.get('id')}: only the first of its {len(targets)} targets is imported"
            )
        instrument = _instrument(target.get("measure"))
        if instrument and isinstance(
            (target.get("detailQuantity") or {}).get("value"), int | float
        ):
            objective["measure"] = {
                "instrument": instrument,
                **self.baseline(instrument),
                "target": target["detailQuantity"]["value"],
            }
        else:
            objective["criterion"] = target.get("detailString") or TODO
            if target.get("measure"):
                self.warnings.append(
                    f"Goal {goal.get('id')}: its target measure is not an instrument plandoc knows; its target's text (or a TODO) is the criterion"
                )
        objective["target_date"] = _day(target.get("dueDate")) or _day(goal.get("statusDate"))
        if objective["target_date"] is None:
            self.warnings.append(f"Goal {goal.get('id')}: no due date; give the objective one")
        objective["interventions"] = [
            {
                "id": f"{gid}.O1.I{n}",
                "description": detail.get("description") or _words(detail.get("code")) or TODO,
                "frequency": detail.get("scheduledString") or TODO,
            }
            for n, detail in enumerate(activities, 1)
        ]
        if not objective["interventions"]:
            del objective["interventions"]
        return {
            "id": gid,
            "problems": ["P1"],
            "description": words,
            "status": status,
            "objectives": [objective],
        }

    def baseline(self, instrument: str) -> Json:
        """The first score on *instrument* in the bundle, as the objective's baseline."""
        scores = [m for m in self.measurements() if m["instrument"] == instrument]
        return (
            {"baseline": scores[0]["score"], "baseline_date": scores[0]["date"]} if scores else {}
        )

    def services(self, details: list[Json]) -> list[Json]:
        found: list[Json] = []
        for detail in details:
            system, code = next(
                ((s, c) for s, c in _codes(detail.get("code")) if s in (t.CPT, t.HCPCS)), ("", "")
            )
            repeat = (detail.get("scheduledTiming") or {}).get("repeat") or {}
            per = {
                ("1", "d"): "day",
                ("1", "wk"): "week",
                ("2", "wk"): "fortnight",
                ("1", "mo"): "month",
            }.get((str(repeat.get("period", 1)), str(repeat.get("periodUnit"))))
            service: Json = {
                "id": f"S{len(found) + 1}",
                "modality": self.modality(code, f"S{len(found) + 1}"),
                "description": detail.get("description") or _words(detail.get("code")),
                "code": code,
                "code_system": "hcpcs" if system == t.HCPCS else "cpt",
            }
            if repeat.get("durationUnit") == "min" and repeat.get("duration"):
                service["session_minutes"] = int(repeat["duration"])
            if per and repeat.get("frequency"):
                service["frequency"] = {"count": int(repeat["frequency"]), "per": per}
            bounds = repeat.get("boundsPeriod") or {}
            if _day(bounds.get("start")):
                service["start_date"] = _day(bounds.get("start"))
            first, last = _day(bounds.get("start")), _day(bounds.get("end"))
            if first and last and last > first:
                service["duration_weeks"] = -(-((last - first).days + 1) // 7)
            found.append({k: v for k, v in service.items() if v})
        return found

    def modality(self, code: str, ident: str) -> str:
        """The modality a billing code fits; when it fits several, or plandoc does not know
        it, the first (or `individual`), with a warning to check it."""
        known = service_code(code)
        fits = known.modalities if known else ()
        if len(fits) != 1:
            self.warnings.append(
                f"service {ident} ({code}): its code does not say the modality; written as "
                f"`{fits[0] if fits else 'individual'}`, check it"
            )
        return fits[0] if fits else "individual"


def foreign_plan(
    bundle: Json, careplan: Json, *, orientation: str | None, today: dt.date | None = None
) -> tuple[Json, list[str]]:
    """Plan data from a CarePlan bundle another system wrote, and what could not be mapped."""
    day = today or dt.date.today()
    m = _Mapper(bundle, careplan, day)
    named = _code(
        {"coding": [c for cat in careplan.get("category") or [] for c in cat.get("coding") or []]},
        t.ORIENTATION_SYSTEM,
    )
    orientation = orientation or named
    if not orientation:
        raise UsageError(
            "the bundle does not say which orientation the plan follows; pass --orientation NAME "
            "(`plandoc templates list` shows them)"
        )
    patient = m.use(m.index.get(careplan.get("subject")))
    if patient is None:
        m.warnings.append(
            "the CarePlan's subject is not a Patient in the bundle; the client is a TODO"
        )
    author = m.use(m.index.get(careplan.get("author")))
    if author is not None and author.get("resourceType") == "PractitionerRole":
        author = m.use(m.index.get(author.get("practitioner")))
    practice = next((m.use(o) for o in m.index.of("Organization")), None)
    period = careplan.get("period") or {}
    start = _day(period.get("start")) or _day(careplan.get("created")) or day
    status = t.reverse(t.CAREPLAN_STATUS).get(str(careplan.get("status")), "draft")
    diagnoses = m.diagnoses()
    activities = [a.get("detail") or {} for a in careplan.get("activity") or []]
    billed = [d for d in activities if any(s in (t.CPT, t.HCPCS) for s, _ in _codes(d.get("code")))]
    goals: list[Json] = []
    placed: list[Json] = []
    for ref in careplan.get("goal") or []:
        goal = m.use(m.index.get(ref))
        if goal is None:
            m.warnings.append(
                f"the CarePlan's goal {ref.get('reference')} is not in the bundle; not imported"
            )
            continue
        own = [
            d
            for d in activities
            if d not in billed and any(m.index.get(g) is goal for g in d.get("goal") or [])
        ]
        goals.append(m.goal(len(goals) + 1, goal, own))
        placed += own
    for detail in activities:
        if detail not in billed and detail not in placed:
            m.warnings.append(
                f"activity `{detail.get('description') or _words(detail.get('code')) or '?'}`: "
                "no CPT or HCPCS code and no goal of the plan, so neither a service nor an intervention; not imported"
            )
    if careplan.get("description"):
        m.warnings.append("the CarePlan's description: plandoc has no field for it; not imported")
    data: Json = {
        "spec_version": 1,
        "plan": {
            "id": next((i.get("value") for i in careplan.get("identifier") or []), None)
            or f"FHIR-{careplan.get('id') or 'PLAN'}",
            "version": 1,
            "status": status,
            "orientation": orientation,
            "title": careplan.get("title"),
            "start_date": start,
            "expiry_date": _day(period.get("end")),
            "participation": TODO,
        },
        "participants": [_person(patient)]
        if patient
        else [{"id": "CLIENT", "name": TODO, "role": "client"}],
        "clinician": _clinician(author),
        "practice": {
            "name": (practice or {}).get("name") or TODO,
            "npi": _code(
                {
                    "coding": [
                        {"system": i.get("system"), "code": i.get("value")}
                        for i in (practice or {}).get("identifier") or []
                    ]
                },
                t.NPI,
            ),
        },
        "coverage": _coverage(m),
        "assessment": {
            "date": min(
                (d for c in m.index.of("Condition") if (d := _day(c.get("recordedDate")))),
                default=start,
            ),
            "diagnoses": diagnoses,
            "presenting_problem": {"clinician_summary": TODO},
        },
        "problems": [
            {
                "id": "P1",
                "title": (diagnoses[0].get("description") if diagnoses else None) or TODO,
                "behavioural_definitions": [{"id": "P1.B1", "text": TODO}],
            }
        ],
        "goals": goals,
        "measurements": m.measurements(),
        "services": m.services(billed),
        "orientation_details": {},
        "discharge": {"criteria": [TODO]},
        "revisions": [
            {
                "version": 1,
                "date": start,
                "reason": "initial",
                "summary": "Imported from a FHIR CarePlan bundle.",
            }
        ],
        "signatures": [],
    }
    unused = Counter(str(r.get("resourceType")) for r in m.index.resources if id(r) not in m.used)
    for kind, count in sorted(unused.items()):
        m.warnings.append(f"{count} {kind} resource(s) the CarePlan does not use: not imported")
    return _drop_empty(data), list(dict.fromkeys(m.warnings))


def _clinician(author: Json | None) -> Json:
    if author is None:
        return {"name": TODO, "credentials": TODO}
    npi = next(
        (i.get("value") for i in author.get("identifier") or [] if i.get("system") == t.NPI), None
    )
    credentials = next(
        (_words(q.get("code")) for q in author.get("qualification") or [] if _words(q.get("code"))),
        None,
    )
    return {
        k: v
        for k, v in {
            "name": _name(author) or TODO,
            "credentials": credentials or TODO,
            "npi": npi,
        }.items()
        if v
    }


def _coverage(m: _Mapper) -> list[Json]:
    found: list[Json] = []
    for coverage in m.index.of("Coverage"):
        m.use(coverage)
        payer = m.use(m.index.get(next(iter(coverage.get("payor") or []), None)))
        classes = {_code(c.get("type"), t.COVERAGE_CLASS): c for c in coverage.get("class") or []}
        item = {
            "payer": (payer or {}).get("name") or TODO,
            "plan_name": (classes.get("plan") or {}).get("name")
            or (classes.get("plan") or {}).get("value"),
            "member_id": coverage.get("subscriberId")
            or next((i.get("value") for i in coverage.get("identifier") or []), None),
            "group_number": (classes.get("group") or {}).get("value"),
        }
        found.append({k: v for k, v in item.items() if v})
    return found


def _drop_empty(data: Json) -> Json:
    """Plan data without the optional fields the bundle left empty."""
    out: Json = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _drop_empty(value)
        if value is None or (value == {} and key != "orientation_details"):
            continue
        if value == [] and key not in (
            "goals",
            "measurements",
            "services",
            "signatures",
            "diagnoses",
        ):
            continue
        out[key] = value
    return out
