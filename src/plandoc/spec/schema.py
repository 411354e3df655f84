"""The plan spec, version 1, as a cerberus schema.

Every field carries ``meta.description``; ``docs/spec.md`` is generated from this module (and
from each orientation's ``orientation.yaml``) by ``python -m plandoc.authoring.specdoc``, and a test fails
when the two drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

Schema = dict[str, Any]

SPEC_VERSIONS = (1,)
PLAN_STATUSES = ("draft", "active", "under_review", "completed", "discontinued", "superseded")
GOAL_STATUSES = (
    "not_started",
    "in_progress",
    "improving",
    "achieved",
    "not_achieved",
    "discontinued",
)
REVISION_REASONS = (
    "initial",
    "progress",
    "relapse",
    "life_event",
    "clinician_observation",
    "scheduled_review",
    "client_request",
)
SIGNATURE_STATUSES = ("signed", "pending", "refused")
SIGNER_ROLES = ("client", "guardian", "clinician", "supervisor")
PARTICIPANT_ROLES = (
    "client",
    "partner",
    "parent",
    "caregiver",
    "child",
    "sibling",
    "family_member",
)
SERVICE_MODALITIES = ("individual", "couple", "family", "group")
INTERVENTION_MODALITIES = (
    *SERVICE_MODALITIES,
    "phone_coaching",
    "self_directed",
    "psychoeducation",
    "consultation",
)
FREQUENCY_UNITS = ("day", "week", "month")
RISK_LEVELS = ("none", "low", "moderate", "high")

ID_PATTERN = r"[A-Za-z][A-Za-z0-9._-]{0,39}"
ICD10_PATTERN = r"[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?"
SERVICE_CODE_PATTERN = r"[0-9]{5}|[A-Z][0-9]{4}"
NPI_PATTERN = r"[0-9]{10}"


def _described(rule: Schema, description: str, *, required: bool = False, **meta: Any) -> Schema:
    """*rule* with its documentation; *meta* says more about a list (``item``: what one item is
    called; ``match_by``: the fields that identify an item across versions when it has no id)."""
    return {**rule, "required": required, "meta": {"description": description, **meta}}


def text(description: str, *, required: bool = False, **rules: Any) -> Schema:
    """A non-empty string."""
    return _described({"type": "string", "empty": False, **rules}, description, required=required)


def ident(description: str, *, required: bool = True) -> Schema:
    return text(description, required=required, regex=ID_PATTERN)


EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def date(description: str, *, required: bool = False) -> Schema:
    return _described(
        {"type": "date", "min": EARLIEST, "max": LATEST}, description, required=required
    )


def integer(description: str, *, required: bool = False, **rules: Any) -> Schema:
    return _described({"type": "integer", **rules}, description, required=required)


def number(description: str, *, required: bool = False, **rules: Any) -> Schema:
    return _described({"type": "number", **rules}, description, required=required)


def boolean(description: str, *, required: bool = False) -> Schema:
    return _described({"type": "boolean"}, description, required=required)


def choice(description: str, options: tuple[str, ...], *, required: bool = False) -> Schema:
    return _described({"type": "string", "allowed": list(options)}, description, required=required)


def texts(description: str, *, item: str, required: bool = False, minlength: int = 0) -> Schema:
    """A list of non-empty strings, each called *item*."""
    rule: Schema = {"type": "list", "schema": {"type": "string", "empty": False}}
    if minlength:
        rule["minlength"] = minlength
    return _described(rule, description, required=required, item=item)


def record(description: str, fields: Schema, *, required: bool = False) -> Schema:
    return _described({"type": "dict", "schema": fields}, description, required=required)


def records(
    description: str,
    fields: Schema,
    *,
    item: str,
    match_by: tuple[str, ...] = (),
    required: bool = False,
    minlength: int = 0,
) -> Schema:
    """A list of mappings, each called *item*, matched across versions by its ``id`` or, when
    it has none, by the fields *match_by*."""
    rule: Schema = {"type": "list", "schema": {"type": "dict", "schema": fields}}
    if minlength:
        rule["minlength"] = minlength
    meta: dict[str, Any] = {"item": item}
    if match_by:
        meta["match_by"] = list(match_by)
    return _described(rule, description, required=required, **meta)


def _person(role: str, *, credentials_required: bool) -> Schema:
    return {
        "name": text(f"The {role}'s full name.", required=True),
        "credentials": text(
            f"The {role}'s credentials as they sign (for example `LCSW`, `PhD`).",
            required=credentials_required,
        ),
        "licence": record(
            f"The {role}'s professional licence.",
            {
                "number": text("Licence number.", required=True),
                "jurisdiction": text("State or jurisdiction that issued it (for example `OR`)."),
                "type": text("Licence type (for example `LCSW`, `Psychologist`)."),
            },
        ),
        "npi": text(f"The {role}'s 10-digit National Provider Identifier.", regex=NPI_PATTERN),
        "email": text("Work e-mail address."),
        "phone": text("Work telephone number."),
    }


PLAN = record(
    "What the plan is: its identity, status and schedule.",
    {
        "id": ident("Stable identifier of the plan; the same across all its versions."),
        "version": integer(
            "Version number of this plan; increases with every revision.", required=True, min=1
        ),
        "status": choice(
            "Where the plan stands; `superseded` marks an earlier version kept for the record once a newer one is written.",
            PLAN_STATUSES,
            required=True,
        ),
        "orientation": text(
            "The therapeutic orientation whose section and templates apply: the name of a folder "
            "under `templates/orientations/`, or under `orientations/` in a practice's "
            "`--templates` folder.",
            required=True,
        ),
        "title": text("A short title for the plan (defaults to the orientation's name)."),
        "start_date": date("The day the plan takes effect.", required=True),
        "review_interval_days": integer(
            "Days between reviews (about 180 by default; payers may demand 90 or 180).",
            min=7,
            max=366,
        ),
        "next_review_date": date(
            "The next scheduled review; must fall within one interval of the start or last review."
        ),
        "last_review_date": date("The day the plan was last reviewed."),
        "expiry_date": date("The day the plan stops being valid without renewal."),
        "participation": text(
            "How the client (and family) took part in writing the plan, as accreditors ask."
        ),
    },
    required=True,
)

PARTICIPANTS = records(
    "Who the plan is for: one client, or several participants (a couple, a family).",
    {
        "id": ident("Stable client or participant identifier (a record number, not a name)."),
        "name": text("Full name.", required=True),
        "preferred_name": text("The name the person wants to be called."),
        "role": choice("The participant's role in the plan.", PARTICIPANT_ROLES, required=True),
        "primary": boolean(
            "The identified client for billing; exactly one when there are several."
        ),
        "date_of_birth": date("Date of birth."),
        "pronouns": text("Pronouns, as the person gives them (for example `she/her`)."),
    },
    required=True,
    minlength=1,
    item="Participant",
)

GUARDIAN = record(
    "Legal guardian, required when the client is a minor.",
    {
        "name": text("The guardian's full name.", required=True),
        "relationship": text("Relationship to the client (for example `mother`).", required=True),
        "phone": text("Telephone number."),
        "legal_authority": text("Basis of the guardian's authority, where it is not parental."),
    },
)

CLINICIAN = record(
    "The treating clinician.", _person("clinician", credentials_required=True), required=True
)
SUPERVISOR = record(
    "The supervising clinician, when the plan needs co-signature.",
    _person("supervisor", credentials_required=True),
)

PRACTICE = record(
    "The practice or agency that holds the record.",
    {
        "name": text("The practice's name as it appears on documents.", required=True),
        "address": text("Postal address."),
        "phone": text("Telephone number."),
        "npi": text("Group NPI.", regex=NPI_PATTERN),
    },
    required=True,
)

ASSESSMENT = record(
    "What the assessment found: diagnoses, the presenting problem, and the person's strengths and needs.",
    {
        "date": date("Day the assessment was completed."),
        "diagnoses": records(
            "ICD-10-CM diagnoses; exactly one is primary.",
            {
                "code": text(
                    "ICD-10-CM code with its dot (for example `F41.0`); a billable (leaf) code.",
                    required=True,
                    regex=ICD10_PATTERN,
                ),
                "description": text(
                    "The diagnosis in words; defaults to the official ICD-10-CM title."
                ),
                "primary": boolean("The primary diagnosis."),
                "provisional": boolean("Provisional, pending further assessment."),
                "notes": text("Specifiers or clinical notes."),
            },
            required=True,
            minlength=1,
            item="Diagnosis",
            match_by=("code",),
        ),
        "presenting_problem": record(
            "Why the person came, in their words and in the clinician's.",
            {
                "client_words": text(
                    "The presenting problem in the client's own words (a quotation).", required=True
                ),
                "clinician_summary": text(
                    "The clinician's summary of the presenting problem.", required=True
                ),
            },
            required=True,
        ),
        "strengths": texts("The person's strengths.", item="Strength", required=True, minlength=1),
        "needs": texts("The person's needs.", item="Need"),
        "abilities": texts("The person's abilities.", item="Ability"),
        "preferences": texts("The person's preferences for treatment.", item="Preference"),
        "barriers": texts(
            "Barriers to treatment (transport, cost, schedule, stigma …).", item="Barrier"
        ),
        "cultural_considerations": text(
            "Cultural, spiritual or identity considerations for treatment."
        ),
        "risk": record(
            "Risk assessment summary; a moderate or high level needs a safety plan.",
            {
                "level": choice("Overall risk level.", RISK_LEVELS, required=True),
                "summary": text("What the risk is and what informs the level."),
                "assessed_on": date("Day risk was assessed."),
            },
        ),
    },
    required=True,
)

INSTRUMENTS = records(
    "Custom measures (counts, checklists, ratings) beyond the built-in instruments "
    "(`phq9`, `gad7`, `pcl5`, `sud`, `voc`, `ors`, `gas`).",
    {
        "id": ident("Identifier that objectives and measurements use."),
        "name": text(
            "Name shown in documents (for example `Panic attacks per week`).", required=True
        ),
        "min": number("Lowest possible score.", required=True),
        "max": number("Highest possible score."),
        "lower_is_better": boolean("True when a lower score means improvement.", required=True),
        "unit": text("Unit of a count (for example `attacks per week`)."),
        "description": text("How the measure is taken."),
    },
    item="Measure",
)

INTERVENTION = {
    "id": ident("Stable identifier of the intervention."),
    "description": text("What is done.", required=True),
    "provider": text("Who delivers it (defaults to the clinician)."),
    "frequency": text(
        "How often (for example `weekly`, `each session`, `daily, between sessions`).",
        required=True,
    ),
    "modality": choice("How it is delivered.", INTERVENTION_MODALITIES),
    "approach": text(
        "For an orientation made of modules (integrative): the module's orientation it draws on."
    ),
}

OBJECTIVE = {
    "id": ident("Stable identifier of the objective."),
    "description": text(
        "The objective: specific, observable, with its measure in words.", required=True
    ),
    "measure": record(
        "How progress is measured: an instrument with a baseline and a target.",
        {
            "instrument": ident("Instrument id (built-in or from `instruments`)."),
            "baseline": number("Score at the start."),
            "target": number("Score that means the objective is met."),
            "baseline_date": date("Day the baseline was taken."),
            "participant": text(
                "Whose score it is, when the plan has several participants (a participant id)."
            ),
        },
    ),
    "target_date": date("Day by which the objective should be met."),
    "status": choice("Where the objective stands.", GOAL_STATUSES, required=True),
    "interventions": records(
        "What will be done to reach the objective.", INTERVENTION, minlength=1, item="Intervention"
    ),
}

GOALS = records(
    "Long-term goals, each in the client's own words, with SMART objectives.",
    {
        "id": ident("Stable identifier of the goal."),
        "problems": _described(
            {"type": "list", "schema": {"type": "string", "regex": ID_PATTERN}},
            "Ids of the problems this goal addresses.",
            item="Problem addressed",
        ),
        "client_words": text("The goal in the client's own words (a quotation).", required=True),
        "description": text("The goal in the clinician's words."),
        "status": choice("Where the goal stands.", GOAL_STATUSES, required=True),
        "objectives": records("Short-term, measurable objectives.", OBJECTIVE, item="Objective"),
    },
    required=True,
    minlength=1,
    item="Goal",
)

PROBLEMS = records(
    "Problems the plan addresses, each with how it shows in behaviour.",
    {
        "id": ident("Stable identifier of the problem."),
        "title": text("A short name for the problem.", required=True),
        "description": text("What the problem is for this person."),
        "behavioural_definitions": records(
            "Observable signs of the problem for this person.",
            {
                "id": ident("Stable identifier."),
                "text": text("The sign, as observed or reported.", required=True),
            },
            required=True,
            minlength=1,
            item="Behavioural definition",
        ),
    },
    required=True,
    minlength=1,
    item="Problem",
)

MEASUREMENTS = records(
    "Dated scores on the instruments that objectives refer to.",
    {
        "instrument": ident("Instrument id."),
        "date": date("Day the score was taken.", required=True),
        "score": number("The score.", required=True),
        "participant": text("Participant id, when the plan has several participants."),
        "objective": text(
            "Id of the objective the score belongs to, when one instrument serves several (for example one GAS scale per goal)."
        ),
        "note": text("Context for the score."),
    },
    item="Score",
    match_by=("instrument", "participant", "objective", "date"),
)

SERVICES = records(
    "Services: type, amount, frequency and duration, as payers require.",
    {
        "id": ident("Stable identifier of the service."),
        "modality": choice("Type of service.", SERVICE_MODALITIES, required=True),
        "description": text("The service in words (for example `Individual psychotherapy`)."),
        "code": text(
            "CPT or HCPCS code (for example `90837`, `H0032`).",
            required=True,
            regex=SERVICE_CODE_PATTERN,
        ),
        "session_minutes": integer(
            "Length of one session in minutes.", required=True, min=5, max=480
        ),
        "frequency": record(
            "How often sessions happen; zero is not a frequency.",
            {
                "count": integer("Sessions per period.", required=True, min=1, max=31),
                "per": choice("The period.", FREQUENCY_UNITS, required=True),
            },
            required=True,
        ),
        "duration_weeks": integer(
            "Expected duration in weeks (under a year).", required=True, min=1, max=104
        ),
        "start_date": date(
            "Day the service starts, when not the plan's start (a service added at a revision)."
        ),
        "provider": text("Who provides the service, when not the clinician."),
    },
    required=True,
    minlength=1,
    item="Service",
)

SAFETY_PLAN = record(
    "Safety plan (Stanley–Brown steps), required when risk is moderate or high.",
    {
        "warning_signs": texts(
            "Thoughts, moods or situations that signal a crisis may be coming.",
            item="Warning sign",
            required=True,
            minlength=1,
        ),
        "internal_coping": texts(
            "Things the person can do alone to take their mind off the problem.",
            item="Coping strategy",
            required=True,
            minlength=1,
        ),
        "distraction": texts(
            "People and social settings that provide distraction.", item="Distraction"
        ),
        "help_contacts": records(
            "People the person can ask for help.",
            {
                "name": text("Name.", required=True),
                "relationship": text("Relationship."),
                "phone": text("Telephone number."),
            },
            item="Contact",
            match_by=("name",),
        ),
        "professional_contacts": records(
            "Professionals and agencies to contact in a crisis (include 988 in the US).",
            {
                "name": text("Name or service.", required=True),
                "role": text("Role."),
                "phone": text("Telephone number.", required=True),
            },
            required=True,
            minlength=1,
            item="Professional contact",
            match_by=("name",),
        ),
        "means_safety": texts(
            "Steps taken to make the environment safe.",
            item="Safety step",
            required=True,
            minlength=1,
        ),
        "reasons_for_living": texts(
            "The person's reasons for living, in their words.", item="Reason for living"
        ),
        "reviewed_on": date("Day the safety plan was last reviewed with the person."),
    },
)

DISCHARGE = record(
    "When treatment ends or changes, and what follows.",
    {
        "criteria": texts(
            "What must be true for discharge.",
            item="Discharge criterion",
            required=True,
            minlength=1,
        ),
        "transition": text("Conditions for referral or transfer to another level of care."),
        "aftercare": texts(
            "Aftercare and relapse-prevention arrangements.", item="Aftercare arrangement"
        ),
        "anticipated_date": date("Expected discharge date."),
    },
    required=True,
)

REVISIONS = records(
    "History of plan versions: when and why each was made.",
    {
        "version": integer("The plan version this entry describes.", required=True, min=1),
        "date": date("Day of the revision.", required=True),
        "reason": choice("Why the plan was written or revised.", REVISION_REASONS, required=True),
        "summary": text("What changed, in a sentence or two.", required=True),
        "author": text("Who made the revision."),
    },
    required=True,
    minlength=1,
    item="Revision",
    match_by=("version",),
)

SIGNATURES = records(
    "Signatures: client or guardian, clinician, supervisor.",
    {
        "role": choice("Who signs.", SIGNER_ROLES, required=True),
        "name": text("Name of the signer.", required=True),
        "participant": text("Participant id, for a client signature when there are several."),
        "credentials": text("Credentials (clinician and supervisor)."),
        "status": choice("Signed, pending or refused.", SIGNATURE_STATUSES, required=True),
        "date": date("Day of signing or refusal."),
        "attempts": records(
            "Attempts to obtain the signature, for a pending or refused one.",
            {
                "date": date("Day of the attempt.", required=True),
                "method": text("How (in session, by post, portal …).", required=True),
                "outcome": text("What happened."),
            },
            item="Attempt",
            match_by=("date", "method"),
        ),
        "note": text("A note, for example the client's reason for refusing."),
    },
    item="Signature",
    match_by=("role", "name"),
)


def fill(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of *data* with every field of *schema* present (``None`` or ``[]`` when absent)."""
    out = dict(data)
    for name, rules in schema.items():
        value = out.get(name)
        kind = rules.get("type")
        if value is None:
            out[name] = [] if kind == "list" else None
        elif kind == "dict" and isinstance(rules.get("schema"), dict) and isinstance(value, dict):
            out[name] = fill(rules["schema"], value)
        elif kind == "list" and isinstance(value, list):
            item = rules.get("schema", {})
            if item.get("type") == "dict" and isinstance(item.get("schema"), dict):
                out[name] = [fill(item["schema"], v) if isinstance(v, dict) else v for v in value]
    return out


_SCHEMAS: dict[int, tuple[Schema | None, Schema]] = {}


def plan_schema(details_schema: Schema | None = None) -> Schema:
    """The whole schema, with *details_schema* (an orientation's own fields) as the rules for
    ``orientation_details``; without one, that section is left open.

    The same schema object is returned for the same orientation schema, so validators built on
    it can be reused.
    """
    key = id(details_schema)
    if key not in _SCHEMAS:  # the pair keeps the orientation's schema alive, so ids stay unique
        _SCHEMAS[key] = (details_schema, _build(details_schema))
    return _SCHEMAS[key][1]


def _build(orientation_schema: Schema | None) -> Schema:
    details: Schema = {
        "type": "dict",
        "required": True,
        "meta": {
            "description": "The orientation's own section: the fields its folder defines (see the orientation tables below)."
        },
    }
    if orientation_schema is not None:
        details["schema"] = orientation_schema
    else:
        details["allow_unknown"] = True
    fields = {
        "spec_version": _described(
            {"type": "integer", "allowed": list(SPEC_VERSIONS)},
            "Version of the plan spec; `1`.",
            required=True,
        ),
        "plan": PLAN,
        "participants": PARTICIPANTS,
        "guardian": GUARDIAN,
        "clinician": CLINICIAN,
        "supervisor": SUPERVISOR,
        "practice": PRACTICE,
        "assessment": ASSESSMENT,
        "instruments": INSTRUMENTS,
        "problems": PROBLEMS,
        "goals": GOALS,
        "measurements": MEASUREMENTS,
        "services": SERVICES,
        "orientation_details": details,
        "safety_plan": SAFETY_PLAN,
        "discharge": DISCHARGE,
        "revisions": REVISIONS,
        "signatures": SIGNATURES,
        "extensions": _described(
            {"type": "dict", "allow_unknown": True},
            "Free-form data for a practice's own templates; not validated.",
        ),
    }
    return {
        name: {**rules, "meta": {**rules["meta"], "title": SECTION_TITLES[name]}}
        for name, rules in fields.items()
    }


# What each part of a plan is called in a change summary (the orientation's section takes the
# orientation's own name there).
SECTION_TITLES = {
    "spec_version": "Spec version",
    "plan": "Plan",
    "participants": "Participants",
    "guardian": "Guardian",
    "clinician": "Clinician",
    "supervisor": "Supervisor",
    "practice": "Practice",
    "assessment": "Assessment and diagnoses",
    "instruments": "Measures defined",
    "problems": "Problems",
    "goals": "Goals, objectives and interventions",
    "measurements": "Scores recorded",
    "services": "Services",
    "orientation_details": "Orientation section",
    "safety_plan": "Safety plan",
    "discharge": "Discharge and aftercare",
    "revisions": "Revision history",
    "signatures": "Signatures",
    "extensions": "Practice data",
}
