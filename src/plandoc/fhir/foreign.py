"""A CarePlan bundle from another system, mapped to plan data as far as its resources go.

What the bundle cannot say (the problems' behavioural definitions, the presenting problem,
an intervention's frequency…) is left as a ``TODO`` that ``check`` reports; nothing is
invented. Each resource or element that could not be mapped becomes a warning.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import PlandocError, UsageError
from ..spec.codes import service_code
from ..spec.instruments import builtin_instruments
from ..spec.orientations import get_orientation
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


def _item_id(resource: Json) -> str | None:
    """The plan item id plandoc wrote as an identifier (``G1``, ``G1.O2``), if any."""
    return next(
        (
            str(i["value"])
            for i in resource.get("identifier") or []
            if i.get("system") == t.ITEM_SYSTEM and i.get("value")
        ),
        None,
    )


def _client_words(goal: Json) -> str | None:
    prefix = "In the client's words: "
    return next(
        (
            str(n["text"])[len(prefix) :]
            for n in goal.get("note") or []
            if str(n.get("text") or "").startswith(prefix)
        ),
        None,
    )


def _milestones(goal: Json, index: _Index) -> list[Json]:
    """The goals a goal names as its milestones (the goal-relationship extension)."""
    found = []
    for extension in goal.get("extension") or []:
        if extension.get("url") != t.GOAL_RELATIONSHIP:
            continue
        parts = {x.get("url"): x for x in extension.get("extension") or []}
        kind = _code(
            (parts.get("type") or {}).get("valueCodeableConcept"), t.GOAL_RELATIONSHIP_TYPE
        )
        target = index.get((parts.get("target") or {}).get("valueReference"))
        if kind == "milestone" and target is not None and target.get("resourceType") == "Goal":
            found.append(target)
    return found


def _status(goal: Json) -> str:
    achieved = _GOAL_STATUS.get(_code(goal.get("achievementStatus"), t.GOAL_ACHIEVEMENT) or "")
    return achieved or _LIFECYCLE.get(str(goal.get("lifecycleStatus")), "not_started")


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
        self.scores: list[Json] | None = None

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
        """The bundle's scores on instruments plandoc knows, oldest first (read once)."""
        if self.scores is None:
            self.scores = self.read_measurements()
        return self.scores

    def read_measurements(self) -> list[Json]:
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

    def goals(self, activities: list[Json]) -> list[Json]:
        """The CarePlan's goals; a goal's milestones (goal-relationship) are its objectives,
        and a goal without any is its own one objective. *activities* are those without a
        billing code: each goes to the objective it names."""
        found = []
        for ref in self.careplan.get("goal") or []:
            goal = self.use(self.index.get(ref))
            if goal is None:
                self.warnings.append(
                    f"the CarePlan's goal {ref.get('reference')} is not in the bundle; not imported"
                )
            else:
                found.append(goal)
        parts = {id(g): _milestones(g, self.index) for g in found}
        inner = {id(c) for kids in parts.values() for c in kids}
        placed: list[Json] = []

        def serving(goal: Json) -> list[Json]:
            mine = [
                d for d in activities if any(self.index.get(g) is goal for g in d.get("goal") or [])
            ]
            placed.extend(mine)
            return mine

        goals: list[Json] = []
        for goal in (g for g in found if id(g) not in inner):
            gid = _item_id(goal) or f"G{len(goals) + 1}"
            kids = [self.use(k) or k for k in parts[id(goal)]]
            objectives = [
                self.objective(_item_id(k) or f"{gid}.O{n}", k, serving(k))
                for n, k in enumerate(kids, 1)
            ] or [self.objective(f"{gid}.O1", goal, serving(goal))]
            goals.append(self.goal(gid, goal, objectives, bool(kids)))
        for detail in activities:
            if not any(d is detail for d in placed):
                self.warnings.append(
                    f"activity `{detail.get('description') or _words(detail.get('code')) or '?'}`: "
                    "no CPT or HCPCS code and no goal of the plan, so neither a service nor an intervention; not imported"
                )
        return goals

    def goal(self, gid: str, goal: Json, objectives: list[Json], own_target: bool) -> Json:
        words = _words(goal.get("description"))
        client = _client_words(goal)
        first: Json = next(iter(goal.get("target") or []), {})
        item: Json = {
            "id": gid,
            "problems": ["P1"],
            "client_words": client,
            "description": words if words != client else None,
            "status": _status(goal),
            "target_date": _day(first.get("dueDate")) if own_target else None,
            "objectives": objectives,
        }
        if not client and not words:
            item["description"] = TODO
        return {k: v for k, v in item.items() if v is not None}

    def objective(self, oid: str, goal: Json, activities: list[Json]) -> Json:
        status = _status(goal)
        objective: Json = {
            "id": oid,
            "description": _words(goal.get("description")) or TODO,
            "status": status,
        }
        targets = goal.get("target") or []
        target: Json = next(iter(targets), {})
        if len(targets) > 1:
            self.warnings.append(
                f"Goal {goal.get('id')}: only the first of its {len(targets)} targets is imported"
            )
        instrument = _instrument(target.get("measure"))
        value = (target.get("detailQuantity") or {}).get("value")
        if instrument and isinstance(value, int | float):
            objective["measure"] = {
                "instrument": instrument,
                **self.baseline(instrument, goal),
                "target": value,
            }
        else:
            objective["criterion"] = target.get("detailString") or TODO
            if target.get("measure"):
                self.warnings.append(
                    f"Goal {goal.get('id')}: its target measure is not an instrument plandoc knows; its target's text (or a TODO) is the criterion"
                )
        due = _day(target.get("dueDate"))
        if due is None:
            self.warnings.append(f"Goal {goal.get('id')}: no due date; give the objective one")
        objective["target_date"] = due
        if status == "achieved":
            objective["achieved_on"] = _day(goal.get("statusDate"))
        objective["interventions"] = [
            {
                "id": f"{oid}.I{n}",
                "description": detail.get("description") or _words(detail.get("code")) or TODO,
                "frequency": detail.get("scheduledString") or TODO,
            }
            for n, detail in enumerate(activities, 1)
        ]
        return {k: v for k, v in objective.items() if v not in (None, [])}

    def guardians(self) -> list[Json]:
        """RelatedPersons whose relationship is guardian (v3 RoleCode ``GUARD``)."""
        found = []
        for person in self.index.of("RelatedPerson"):
            concepts = person.get("relationship") or []
            if not any(_code(c, t.ROLE_CODE) == "GUARD" for c in concepts):
                continue
            self.use(person)
            said = [c.get("text") for c in concepts if c.get("text") and not c.get("coding")]
            found.append(
                {"name": _name(person) or TODO, "relationship": said[0] if said else "guardian"}
            )
        return found

    def about_plan(self, refs: list[Any]) -> bool:
        return any(self.index.get(r) is self.careplan for r in refs)

    def signatures(self) -> list[Json]:
        """Consents to the CarePlan as the client's or a guardian's signatures; Provenance
        records of it as the clinician's (or a supervisor's)."""
        found: list[Json] = []
        for consent in self.index.of("Consent"):
            data = (consent.get("provision") or {}).get("data") or []
            if not self.about_plan([d.get("reference") for d in data]):
                continue
            self.use(consent)
            performer: Json = next(iter(consent.get("performer") or []), {})
            who = self.index.get(performer)
            status = t.reverse(t.CONSENT_STATUS).get(str(consent.get("status")), "pending")
            found.append(
                {
                    "role": "guardian"
                    if (who or {}).get("resourceType") == "RelatedPerson"
                    else "client",
                    "name": performer.get("display") or _name(who) or TODO,
                    "status": status,
                    "date": _day(consent.get("dateTime")),
                }
            )
        for provenance in self.index.of("Provenance"):
            if not self.about_plan(provenance.get("target") or []):
                continue
            self.use(provenance)
            agent: Json = next(iter(provenance.get("agent") or []), {})
            who = self.index.get(agent.get("who"))
            found.append(
                {
                    "role": "supervisor" if self.supervises(who) else "clinician",
                    "name": (agent.get("who") or {}).get("display") or _name(who) or TODO,
                    "credentials": _credentials(who) or TODO,
                    "status": "signed",
                    "date": _day(provenance.get("occurredDateTime") or provenance.get("recorded")),
                }
            )
        return [{k: v for k, v in f.items() if v is not None} for f in found]

    def supervises(self, who: Json | None) -> bool:
        return who is not None and any(
            self.index.get(r.get("practitioner")) is who
            and "supervisor" in " ".join(_words(c) or "" for c in r.get("code") or []).lower()
            for r in self.index.of("PractitionerRole")
        )

    def baseline(self, instrument: str, goal: Json) -> Json:
        """The first score on *instrument* in the bundle (from the goal's start date, when it
        has one), as the objective's baseline."""
        start = _day(goal.get("startDate"))
        scores = [
            m
            for m in self.measurements()
            if m["instrument"] == instrument and (start is None or m["date"] >= start)
        ]
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
            }.get((f"{repeat.get('period', 1):g}", str(repeat.get("periodUnit"))))
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
    bundle: Json,
    careplan: Json,
    *,
    orientation: str | None,
    today: dt.date | None = None,
    templates: Sequence[Path] = (),
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
    for role in m.index.of("PractitionerRole"):  # the author's own roles say nothing more
        if author is not None and m.index.get(role.get("practitioner")) is author:
            m.use(role)
    practice = next((m.use(o) for o in m.index.of("Organization")), None)
    period = careplan.get("period") or {}
    start = _day(period.get("start")) or _day(careplan.get("created")) or day
    status = t.reverse(t.CAREPLAN_STATUS).get(str(careplan.get("status")), "draft")
    diagnoses = m.diagnoses()
    activities = [a.get("detail") or {} for a in careplan.get("activity") or []]
    billed = [d for d in activities if any(s in (t.CPT, t.HCPCS) for s, _ in _codes(d.get("code")))]
    goals = m.goals([d for d in activities if not any(d is b for b in billed)])
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
        "guardians": m.guardians(),
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
        "orientation_details": _details(orientation, templates),
        "discharge": {"criteria": [TODO]},
        "revisions": [
            {
                "version": 1,
                "date": start,
                "reason": "initial",
                "summary": "Imported from a FHIR CarePlan bundle.",
            }
        ],
        "signatures": m.signatures(),
    }
    unused = Counter(str(r.get("resourceType")) for r in m.index.resources if id(r) not in m.used)
    for kind, count in sorted(unused.items()):
        m.warnings.append(f"{count} {kind} resource(s) the CarePlan does not use: not imported")
    return _drop_empty(data), list(dict.fromkeys(m.warnings))


def _details(name: str, templates: Sequence[Path]) -> Json:
    """The orientation's section, which FHIR cannot carry: each required text field a TODO.
    A required choice or number is left out for ``check`` to ask for, not guessed."""
    try:
        found = get_orientation(name, templates)
    except PlandocError:
        return {}  # a broken practice orientation: check reports it
    fields = found.schema if found else {}
    out: Json = {}
    for field, rules in fields.items():
        if not rules.get("required") or "allowed" in rules:
            continue
        if rules.get("type") == "string":
            out[field] = TODO
        elif rules.get("type") == "list" and rules.get("schema", {}).get("type") == "string":
            out[field] = [TODO]
    return out


def _credentials(who: Json | None) -> str | None:
    return next(
        (
            _words(q.get("code"))
            for q in (who or {}).get("qualification") or []
            if _words(q.get("code"))
        ),
        None,
    )


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
