"""A checked plan as a FHIR R4 ``Bundle``: JSON data, the same bytes for the same plan.

Each resource's id is a UUID derived from the plan id and the item's own id (:func:`stable_id`),
so a re-export of a revised plan updates the same resources. The whole plan's data also rides
along, losslessly, in an extension of the CarePlan, which is what ``plandoc import`` rebuilds a
plandoc plan from; the standard resources are for everyone else. ``docs/fhir.md`` lists what is
mapped where.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from collections.abc import Iterator
from typing import Any

import yaml

from ..errors import RenderError
from ..spec import icd
from ..spec.instruments import Instrument
from ..spec.model import (
    Diagnosis,
    Goal,
    Intervention,
    Measurement,
    Objective,
    Person,
    Plan,
    Service,
)
from ..spec.unknowns import is_not_recorded
from . import require
from . import terms as t

Json = dict[str, Any]


def bundle_bytes(
    plan: Plan, data: dict[str, Any], *, transaction: bool = False, source: bool = True
) -> bytes:
    """The bundle of a checked *plan* (with *data*, its file as loaded), as sorted, indented
    JSON, checked against the R4B models first. Without *source*, the CarePlan does not carry
    the whole plan's data (for a receiver who should get the standard resources only)."""
    models = require()
    bundle = build_bundle(plan, data, transaction=transaction, source=source)
    try:
        models.get_fhir_model_class("Bundle").model_validate(bundle)
    except ValueError as exc:  # pydantic's ValidationError: a bug in the mapping, not the plan
        raise RenderError(f"the FHIR bundle does not validate: {exc}") from None
    return (json.dumps(bundle, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def plan_source(data: dict[str, Any]) -> str:
    """The plan's data as YAML: what the CarePlan's source extension carries (its comments and
    layout are not data and stay in the clinician's file)."""
    return yaml.dump(data, Dumper=PlanDumper, sort_keys=False, allow_unicode=True, width=100)


class PlanDumper(yaml.SafeDumper):
    """YAML as a plan file is written: every value in full (the loader refuses anchors)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def build_bundle(
    plan: Plan, data: dict[str, Any], *, transaction: bool = False, source: bool = True
) -> Json:
    builder = _Builder(plan, data, source=source)
    entries = [
        {
            "fullUrl": f"urn:uuid:{resource['id']}",
            "resource": resource,
            **(
                {
                    "request": {
                        "method": "PUT",
                        "url": f"{resource['resourceType']}/{resource['id']}",
                    }
                }
                if transaction
                else {}
            ),
        }
        for resource in builder.resources()
    ]
    return {
        "resourceType": "Bundle",
        "id": t.stable_id(builder.plan_id, "bundle", str(plan.info.version or 1)),
        "identifier": {
            "system": t.PLAN_SYSTEM,
            "value": f"{builder.plan_id}-v{plan.info.version or 1}",
        },
        "type": "transaction" if transaction else "collection",
        "entry": entries,
    }


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _clean(resource: Json) -> Json:
    """*resource* without empty values (FHIR allows no empty elements)."""
    return {k: v for k, v in resource.items() if v not in (None, "", [], {})}


def _text(words: str) -> Json:
    return {"text": words}


def _coding(system: str, code: str, display: str | None = None) -> Json:
    return _clean({"system": system, "code": code, "display": display})


def _concept(system: str, code: str, display: str | None = None, text: str | None = None) -> Json:
    return _clean({"coding": [_coding(system, code, display)], "text": text})


def _name(full: str | None) -> Json:
    """A person's name: the text as written, and (for US Core) the last word as the family
    name, the rest as given names."""
    words = (full or "").split()
    return _clean(
        {"text": full, "family": words[-1] if words else None, "given": words[:-1] or None}
    )


def _raw(data: Any, at: tuple[str | int, ...]) -> dict[str, Any]:
    """The item of the plan's data at *at* (its place in the file)."""
    for step in at:
        if isinstance(data, dict):
            data = data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            data = data[step]
        else:
            return {}
    return data if isinstance(data, dict) else {}


class _Builder:
    """Builds every resource of one plan, with references between them."""

    def __init__(self, plan: Plan, data: dict[str, Any], *, source: bool = True) -> None:
        self.plan = plan
        self.data = data
        self.source = source  # the whole plan, and the narrative notes, for an EHR; not a payer
        self.plan_id = plan.info.id or "plan"
        self.observations: dict[int, str] = {}  # a measurement (by identity) → its reference

    def ref(self, *parts: str) -> str:
        return f"urn:uuid:{t.stable_id(self.plan_id, *parts)}"

    def new(self, kind: str, *parts: str) -> Json:
        profile = t.PROFILES.get(kind)
        return {
            "resourceType": kind,
            "id": t.stable_id(self.plan_id, *parts),
            **({"meta": {"profile": [t.US_CORE + profile]}} if profile else {}),
        }

    def patient_ref(self, ident: str | None) -> str:
        person = self.plan.person(ident) or self.plan.client
        return self.ref("patient", (person.id if person else None) or "client")

    def resources(self) -> Iterator[Json]:
        plan = self.plan
        yield from (self.patient(p) for p in plan.participants)
        yield from self.related()
        yield from self.organizations()
        yield from self.practitioners()
        yield from (self.condition(i, d) for i, d in enumerate(plan.assessment.diagnoses))
        yield from (self.observation(i, m) for i, m in enumerate(plan.measurements))
        for goal in plan.goals:
            yield self.goal(goal)
            yield from (self.objective(o) for o in goal.objectives)
        yield self.careplan()
        yield from (self.coverage(i) for i in range(len(plan.coverage)))
        yield from self.signatures()

    # people and organisations

    def patient(self, person: Person) -> Json:
        resource = self.new("Patient", "patient", person.id or "client")
        identifiers = [
            {
                "type": _concept(t.V2_0203, "MR", "Medical record number"),
                "system": t.PARTICIPANT_SYSTEM,
                "value": person.id,
            }
        ]
        if person is self.plan.client:
            identifiers += [
                _clean(
                    {
                        "type": _concept(t.V2_0203, "MB", "Member Number"),
                        "system": f"{t.PLANDOC}:member-id",
                        "value": c.member_id,
                        "assigner": _clean({"display": c.payer}),
                    }
                )
                for c in self.plan.coverage
                if c.member_id
            ]
        names = [{**_name(person.name), "use": "official"}]
        if person.preferred_name:
            names.append({"use": "usual", "given": [person.preferred_name]})
        return _clean(
            {
                **resource,
                "identifier": identifiers,
                "active": True,
                "name": names,
                "birthDate": _day(person.date_of_birth),
                "_gender": {"extension": [_absent("unknown")]},
                "extension": [_pronouns(person.pronouns)] if person.pronouns else None,
            }
        )

    def related(self) -> Iterator[Json]:
        client = self.patient_ref(None)
        for index, guardian in enumerate(self.plan.guardians):
            relationship = [_concept(t.ROLE_CODE, "GUARD", "guardian")]
            if guardian.relationship:
                relationship.append(_text(guardian.relationship))
            yield _clean(
                {
                    **self.new("RelatedPerson", "related", "guardian", str(index)),
                    "active": True,
                    "patient": {"reference": client},
                    "relationship": relationship,
                    "name": [_name(guardian.name)],
                }
            )
        for person in self.plan.participants:
            if person.role == "partner":
                yield _clean(
                    {
                        **self.new("RelatedPerson", "related", "partner", person.id or ""),
                        "active": True,
                        "patient": {"reference": client},
                        "relationship": [_concept(t.ROLE_CODE, "SIGOTH", "significant other")],
                        "name": [_name(person.name)],
                    }
                )

    def organizations(self) -> Iterator[Json]:
        practice = self.plan.practice
        if practice is not None:
            yield _clean(
                {
                    **self.new("Organization", "organization", "practice"),
                    "active": True,
                    "name": practice.name,
                    "identifier": [{"system": t.NPI, "value": practice.npi}]
                    if practice.npi
                    else None,
                }
            )
        for index, coverage in enumerate(self.plan.coverage):
            yield _clean(
                {
                    **self.new("Organization", "organization", "payer", str(index)),
                    "active": True,
                    "name": coverage.payer,
                    "type": [_concept(f"{t.PLANDOC}:organization-type", "payer", "Payer")],
                }
            )

    def staff(self) -> Iterator[tuple[str, dict[str, Any], str]]:
        """Each professional: the key of their resources, their data, and their role."""
        plan, data = self.plan, self.data
        if plan.clinician is not None:
            yield "clinician", _raw(data, plan.clinician.at), "treating clinician"
        if plan.supervisor is not None:
            yield "supervisor", _raw(data, plan.supervisor.at), "clinical supervisor"
        for member in plan.team:
            yield f"team/{member.id}", _raw(data, member.at), member.role or "care team member"

    def practitioners(self) -> Iterator[Json]:
        for key, raw, role in self.staff():
            qualifications = [_text(str(raw["credentials"]))] if raw.get("credentials") else []
            licence: dict[str, Any] = raw["licence"] if isinstance(raw.get("licence"), dict) else {}
            yield _clean(
                {
                    **self.new("Practitioner", "practitioner", key),
                    "active": True,
                    "identifier": [{"system": t.NPI, "value": raw["npi"]}]
                    if raw.get("npi")
                    else None,
                    "name": [_name(raw.get("name"))],
                    "qualification": [{"code": q} for q in qualifications]
                    + ([_licence(licence)] if licence.get("number") else []),
                }
            )
            yield _clean(
                {
                    **self.new("PractitionerRole", "role", key),
                    "active": True,
                    "practitioner": {"reference": self.ref("practitioner", key)},
                    "organization": {"reference": self.ref("organization", "practice")}
                    if self.plan.practice
                    else None,
                    "code": [_text(role)],
                }
            )

    def performer(self, member: str | None) -> list[Json]:
        if member and any(m.id == member for m in self.plan.team):
            return [{"reference": self.ref("practitioner", f"team/{member}")}]
        return [{"reference": self.ref("practitioner", "clinician")}] if self.plan.clinician else []

    # clinical content

    def condition_key(self, index: int, diagnosis: Diagnosis) -> str:
        return f"{index}/{diagnosis.code}/{diagnosis.participant or ''}"

    def condition(self, index: int, diagnosis: Diagnosis) -> Json:
        system = t.DIAGNOSIS_SYSTEMS.get(diagnosis.system, t.ICD10CM)
        entry = icd.lookup(diagnosis.code or "") if diagnosis.system == "icd10cm" else None
        official = entry.title if entry else None
        status = (
            "differential"
            if diagnosis.rule_out
            else ("provisional" if diagnosis.provisional else "confirmed")
        )
        raw = _raw(self.data, diagnosis.at)
        told = raw.get("notes") if self.source else None  # narrative: not for a payer
        notes = [n for n in ("Primary diagnosis" if diagnosis.primary else "", told) if n]
        return _clean(
            {
                **self.new("Condition", "condition", self.condition_key(index, diagnosis)),
                "clinicalStatus": _concept(t.CONDITION_CLINICAL, "active", "Active"),
                "verificationStatus": _concept(t.CONDITION_VERIFICATION, status),
                "category": [
                    _concept(t.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")
                ],
                "code": _concept(
                    system,
                    diagnosis.code or "",
                    official,
                    diagnosis.description or official,
                )
                if not is_not_recorded(raw.get("code"))
                else {  # the code not recorded: said so, in words and as a data-absent reason
                    "text": diagnosis.description or "Diagnosis code not recorded",
                    "extension": [_absent("unknown")],
                },
                "subject": {"reference": self.patient_ref(diagnosis.participant)},
                "recordedDate": _day(self.plan.assessment.date),
                "note": [{"text": str(n)} for n in notes],
            }
        )

    def conditions_of(self, participant: str | None) -> list[Json]:
        """References to the diagnoses of *participant* (all of them when none is named or
        they have none)."""
        diagnoses = list(enumerate(self.plan.assessment.diagnoses))
        own = [(i, d) for i, d in diagnoses if participant and d.participant == participant]
        return [
            {"reference": self.ref("condition", self.condition_key(i, d))}
            for i, d in (own or diagnoses)
        ]

    def measure_concept(self, name: str | None) -> Json:
        instrument = self.plan.instruments.get(name or "")
        if instrument is None:
            return _text(name or "measure")
        if instrument.loinc:
            return _concept(t.LOINC, instrument.loinc, None, instrument.name)
        return _concept(t.INSTRUMENT_SYSTEM, instrument.id, instrument.name, instrument.name)

    def observation(self, index: int, m: Measurement) -> Json:
        key = f"{index}/{m.instrument}/{m.participant or ''}/{m.objective or ''}/{_day(m.date)}"
        resource = self.new("Observation", "observation", key)
        self.observations[id(m)] = f"urn:uuid:{resource['id']}"
        instrument = self.plan.instruments.get(m.instrument or "")
        return _clean(
            {
                **resource,
                "status": "final",
                "category": [_concept(t.OBSERVATION_CATEGORY, "survey", "Survey")],
                "code": self.measure_concept(m.instrument),
                "subject": {"reference": self.patient_ref(m.participant)},
                "effectiveDateTime": _day(m.date),
                "valueQuantity": _quantity(m.score, instrument),
                "note": [{"text": m.note}] if m.note and self.source else None,
            }
        )

    def goal(self, goal: Goal) -> Json:
        words = goal.description or goal.client_words or ""
        status = goal.status or "not_started"
        return _clean(
            {
                **self.new("Goal", "goal", goal.id or ""),
                "extension": [self.milestone(o) for o in goal.objectives],
                "identifier": [{"system": t.ITEM_SYSTEM, "value": goal.id}],
                "lifecycleStatus": t.GOAL_LIFECYCLE.get(status, "proposed"),
                "achievementStatus": _achievement(status),
                "description": _text(words),
                "subject": {"reference": self.patient_ref(None)},
                "startDate": _day(self.plan.info.start_date),
                "target": [_clean({"dueDate": _day(self.plan.due(goal))})]
                if self.plan.due(goal)
                else None,
                "expressedBy": {"reference": self.patient_ref(goal.speaker)}
                if goal.client_words
                else None,
                "addresses": self.conditions_of(None),
                "note": [{"text": f"In the client's words: {goal.client_words}"}]
                if goal.client_words and self.source
                else None,
            }
        )

    def milestone(self, objective: Objective) -> Json:
        """The goal-relationship extension that makes an objective a milestone of its goal."""
        return {
            "url": t.GOAL_RELATIONSHIP,
            "extension": [
                {
                    "url": "type",
                    "valueCodeableConcept": _concept(
                        t.GOAL_RELATIONSHIP_TYPE, "milestone", "Milestone"
                    ),
                },
                {
                    "url": "target",
                    "valueReference": {"reference": self.ref("goal", objective.id or "")},
                },
            ],
        }

    def objective(self, objective: Objective) -> Json:
        status = objective.status or "not_started"
        scores = self.plan.scores_for(objective)
        latest = self.observations.get(id(scores[-1])) if scores else None
        return _clean(
            {
                **self.new("Goal", "goal", objective.id or ""),
                "identifier": [{"system": t.ITEM_SYSTEM, "value": objective.id}],
                "lifecycleStatus": t.GOAL_LIFECYCLE.get(status, "proposed"),
                "achievementStatus": _achievement(status),
                "description": _text(objective.description or ""),
                "subject": {"reference": self.patient_ref(objective.participant)},
                "startDate": _day(objective.measure.baseline_date if objective.measure else None),
                "target": [self.target(objective)],
                "statusDate": _day(objective.achieved_on),
                "addresses": self.conditions_of(objective.participant),
                "outcomeReference": [{"reference": latest}] if latest else None,
            }
        )

    def target(self, objective: Objective) -> Json:
        measure = objective.measure
        due = _day(self.plan.due(objective))
        if measure is None:
            return _clean({"detailString": objective.criterion, "dueDate": due})
        instrument = self.plan.instruments.get(measure.instrument or "")
        detail: Json = {}
        if measure.target is not None:
            detail["detailQuantity"] = _quantity(measure.target, instrument)
        elif measure.target_change_percent is not None:
            detail["detailString"] = (
                f"a change of {measure.target_change_percent:g}% from the baseline"
            )
        return _clean(
            {"measure": self.measure_concept(measure.instrument), **detail, "dueDate": due}
        )

    def careplan(self) -> Json:
        plan = self.plan
        info = plan.info
        return _clean(
            {
                **self.new("CarePlan", "careplan"),
                "extension": [
                    {
                        "url": t.SOURCE_EXTENSION,
                        "valueBase64Binary": base64.b64encode(
                            plan_source(self.data).encode()
                        ).decode(),
                    }
                ]
                if self.source
                else [],
                "text": {"status": "generated", "div": self.narrative()},
                "identifier": [{"system": t.PLAN_SYSTEM, "value": self.plan_id}],
                "status": t.CAREPLAN_STATUS.get(info.status or "", "unknown"),
                "intent": "plan",
                "category": [
                    _concept(
                        t.CAREPLAN_CATEGORY, "assess-plan", "Assessment and Plan of Treatment"
                    ),
                    _concept(
                        t.ORIENTATION_SYSTEM,
                        info.orientation or "",
                        plan.orientation.label if plan.orientation else None,
                    ),
                ],
                "title": info.title,
                "note": [{"text": f"How the client took part: {info.participation}"}]
                if info.participation and self.source
                else None,
                "subject": {"reference": self.patient_ref(None)},
                "period": _clean(
                    {"start": _day(info.start_date), "end": _day(info.expiry_date or plan.horizon)}
                ),
                "created": _day(plan.version_date),
                "author": {"reference": self.ref("practitioner", "clinician")}
                if plan.clinician
                else None,
                "addresses": self.conditions_of(None),
                "goal": [
                    {"reference": self.ref("goal", ident or "")}
                    for g in plan.goals
                    for ident in (g.id, *(o.id for o in g.objectives))
                ],
                "activity": list(self.activities()),
            }
        )

    def activities(self) -> Iterator[Json]:
        status = self.plan.info.status or "draft"
        for goal in self.plan.goals:
            for objective in goal.objectives:
                for item in objective.interventions:
                    goals = [{"reference": self.ref("goal", objective.id or "")}]
                    state = t.ACTIVITY_STATUS.get(objective.status or "", "not-started")
                    yield self.intervention(item, goals, state)
        for item in self.plan.shared_interventions:
            users = [o for o in self.plan.objectives if item.id in o.uses]
            goals = [{"reference": self.ref("goal", o.id or "")} for o in users]
            yield self.intervention(item, goals, t.SERVICE_STATUS.get(status, "not-started"))
        for service in self.plan.services:
            yield self.service(service, t.SERVICE_STATUS.get(status, "not-started"))

    def intervention(self, item: Intervention, goals: list[Json], status: str) -> Json:
        raw = _raw(self.data, item.at)
        code = (
            _concept(
                t.MODALITY_SYSTEM, item.modality, item.modality.replace("_", " "), item.description
            )
            if item.modality
            else _text(item.description or "")
        )
        detail = {
            "code": code,
            "status": status,
            "goal": goals,
            "description": item.description,
            "scheduledString": item.frequency,
            "performer": self.performer(item.member),
        }
        if is_not_recorded(raw.get("frequency")):  # left out, and said why
            detail["_scheduledString"] = {"extension": [_absent("unknown")]}
        return {"detail": _clean(detail)}

    def service(self, service: Service, status: str) -> Json:
        raw = _raw(self.data, service.at)
        words = raw.get("description") or (service.modality or "").capitalize() + " service"
        system = t.SERVICE_SYSTEMS.get(service.system or "")
        code = (
            _concept(system, service.code, None, words) if system and service.code else _text(words)
        )
        sessions = service.planned_sessions
        detail = {
            "code": code,
            "status": status,
            "description": words,
            "scheduledTiming": self.timing(service),
            "performer": self.performer(service.member),
            "quantity": {"value": sessions, "unit": "days" if service.per_diem else "sessions"}
            if sessions
            else None,
        }
        return {"detail": _clean(detail)}

    def timing(self, service: Service) -> Json:
        per = t.PERIOD_UNITS.get(service.frequency_per or "")
        repeat: Json = {
            "boundsPeriod": _clean(
                {
                    "start": _day(self.plan.service_start(service)),
                    "end": _day(self.plan.service_end(service)),
                }
            )
        }
        if per and service.frequency_count:
            repeat |= {"frequency": service.frequency_count, "period": per[0], "periodUnit": per[1]}
        if service.session_minutes:
            repeat |= {"duration": service.session_minutes, "durationUnit": "min"}
        elif service.hours_per_day:
            repeat |= {"duration": service.hours_per_day, "durationUnit": "h"}
        return {"repeat": _clean(repeat)}

    def coverage(self, index: int) -> Json:
        coverage = self.plan.coverage[index]
        classes = [
            {"type": _concept(t.COVERAGE_CLASS, "group", "Group"), "value": coverage.group_number}
            if coverage.group_number
            else None,
            {
                "type": _concept(t.COVERAGE_CLASS, "plan", "Plan"),
                "value": coverage.plan_name,
                "name": coverage.plan_name,
            }
            if coverage.plan_name
            else None,
        ]
        return _clean(
            {
                **self.new("Coverage", "coverage", str(index)),
                "status": "active",
                "identifier": [
                    {
                        "type": _concept(t.V2_0203, "MB", "Member Number"),
                        "system": f"{t.PLANDOC}:member-id",
                        "value": coverage.member_id,
                    }
                ]
                if coverage.member_id
                else None,
                "subscriberId": coverage.member_id,
                "beneficiary": {"reference": self.patient_ref(None)},
                "payor": [{"reference": self.ref("organization", "payer", str(index))}],
                "class": [c for c in classes if c],
            }
        )

    def signatures(self) -> Iterator[Json]:
        for index, signature in enumerate(self.plan.signatures):
            if signature.role in ("client", "guardian"):
                yield self.consent(index)
            elif signature.signed and signature.date:
                yield self.provenance(index)

    def signer(self, index: int) -> Json:
        """Who gave a client's or guardian's signature: their resource, or (a guardian the
        plan does not list) their name alone."""
        signature = self.plan.signatures[index]
        named = {"display": signature.name} if signature.name else {}
        if signature.role != "guardian":
            return {"reference": self.patient_ref(signature.participant), **named}
        names = [g.name for g in self.plan.guardians]
        if signature.name in names or len(names) == 1:
            at = names.index(signature.name) if signature.name in names else 0
            return {"reference": self.ref("related", "guardian", str(at)), **named}
        return named or {"display": "guardian"}

    def staff_signer(self, index: int) -> Json:
        """Who gave a clinician's or supervisor's signature: the team member it names, else
        the plan's clinician or supervisor of that name, else their name alone."""
        signature = self.plan.signatures[index]
        named = {"display": signature.name} if signature.name else {}
        known = {key: raw.get("name") for key, raw, _ in self.staff()}
        key = f"team/{signature.member}" if signature.member else signature.role or ""
        if key in known and (
            signature.member or not signature.name or known[key] == signature.name
        ):
            return {"reference": self.ref("practitioner", key), **named}
        return named or {"display": signature.role or "clinician"}

    def consent(self, index: int) -> Json:
        signature = self.plan.signatures[index]
        return _clean(
            {
                **self.new("Consent", "consent", str(index)),
                "status": t.CONSENT_STATUS.get(signature.status or "", "proposed"),
                "scope": _concept(t.CONSENT_SCOPE, "treatment", "Treatment"),
                "category": [_concept(t.LOINC, "59284-0", "Consent Document")],
                "patient": {
                    "reference": self.patient_ref(
                        None if signature.role == "guardian" else signature.participant
                    )
                },
                "dateTime": _day(signature.date),
                "performer": [self.signer(index)],
                "organization": [{"reference": self.ref("organization", "practice")}]
                if self.plan.practice
                else None,
                "policyRule": _concept(t.ACT_CODE, "OPTIN", "opt-in"),
                "provision": {
                    "type": "deny" if signature.status == "refused" else "permit",
                    "data": [
                        {"meaning": "related", "reference": {"reference": self.ref("careplan")}}
                    ],
                },
            }
        )

    def provenance(self, index: int) -> Json:
        signature = self.plan.signatures[index]
        who = self.staff_signer(index)
        when = f"{_day(signature.date)}T00:00:00Z"
        return _clean(
            {
                **self.new("Provenance", "provenance", str(index)),
                "target": [{"reference": self.ref("careplan")}],
                "occurredDateTime": _day(signature.date),
                "recorded": when,
                "agent": [
                    {
                        "type": _concept(t.PROVENANCE_PARTICIPANT, "author", "Author"),
                        "who": who,
                        "onBehalfOf": {"reference": self.ref("organization", "practice")}
                        if self.plan.practice
                        else None,
                    }
                ],
                "signature": [
                    {
                        "type": [
                            _coding(
                                t.SIGNATURE_TYPE, "1.2.840.10065.1.12.1.1", "Author's Signature"
                            )
                        ],
                        "when": when,
                        "who": who,
                    }
                ],
            }
        )

    def narrative(self) -> str:
        """The plan in brief as XHTML: what a person reading the CarePlan sees."""
        plan, e = self.plan, html.escape
        review = f"; next review {_day(plan.next_review)}" if plan.next_review else ""
        parts = [
            f"<p><b>{e(plan.info.title or 'Treatment plan')}</b></p>",
            f"<p>Status: {e((plan.info.status or '').replace('_', ' '))}; "
            f"from {_day(plan.info.start_date)}{review}</p>",
        ]
        diagnoses = [
            f"{d.code or ''} {d.description or (found.title if (found := icd.lookup(d.code or '')) else '')}"
            + (" (to rule out)" if d.rule_out else " (provisional)" if d.provisional else "")
            for d in plan.assessment.diagnoses
        ]
        parts.append(_section("Diagnoses", [e(d.strip()) for d in diagnoses]))
        goals = [
            f"{e(g.id or '')}: {e(g.description or (g.client_words if self.source else '') or '')}"
            + _list([f"{e(o.id or '')}: {e(o.description or '')}" for o in g.objectives])
            for g in plan.goals
        ]
        parts.append(_section("Goals and objectives", goals))
        services = [
            e(", ".join(x for x in (s.id, _raw(self.data, s.at).get("description"), s.code) if x))
            for s in plan.services
        ]
        parts.append(_section("Services", services))
        return f'<div xmlns="{t.XHTML}">{"".join(parts)}</div>'


def _list(items: list[str]) -> str:
    """An XHTML list of items already escaped; nothing for none (an empty list is invalid)."""
    return f"<ul>{''.join(f'<li>{item}</li>' for item in items)}</ul>" if items else ""


def _section(title: str, items: list[str]) -> str:
    return f"<p>{title}</p>{_list(items)}" if items else ""


def _absent(reason: str) -> Json:
    return {
        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
        "valueCode": reason,
    }


def _pronouns(words: str) -> Json:
    """The individual-pronouns extension: a LOINC answer for the common sets, else the text."""
    known = t.PRONOUNS.get(words.strip().lower())
    value = _concept(t.LOINC, known[0], known[1], words) if known else _text(words)
    return {
        "url": t.PRONOUNS_EXTENSION,
        "extension": [{"url": "value", "valueCodeableConcept": value}],
    }


def _licence(licence: dict[str, Any]) -> Json:
    return _clean(
        {
            "identifier": [{"value": str(licence["number"])}],
            "code": _text(str(licence.get("type") or "Licence")),
            "issuer": {"display": str(licence["jurisdiction"])}
            if licence.get("jurisdiction")
            else None,
        }
    )


def _achievement(status: str) -> Json | None:
    code = t.GOAL_ACHIEVED.get(status)
    return _concept(t.GOAL_ACHIEVEMENT, code) if code else None


def _quantity(value: float | None, instrument: Instrument | None) -> Json | None:
    if value is None:
        return None
    if instrument is not None and instrument.unit:
        return {"value": value, "unit": instrument.unit}
    return {"value": value, "unit": "{score}", "system": t.UCUM, "code": "{score}"}
