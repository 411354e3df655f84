"""The plan spec, version 1, as a cerberus schema.

Every field carries ``meta.description``; ``docs/spec.md`` is generated from this module (and
from each orientation's ``orientation.yaml``) by ``python -m plandoc.authoring.specdoc``, and a test fails
when the two drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .unknowns import is_not_recorded

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
FREQUENCY_UNITS = ("day", "week", "fortnight", "month")
RISK_LEVELS = ("none", "low", "moderate", "high")
RISK_DOMAINS = (
    "suicide",
    "self_harm",
    "harm_to_others",
    "withdrawal",
    "medical",
    "substance_use",
    "victimisation",
)
LEVELS_OF_CARE = (
    "outpatient",
    "intensive_outpatient",
    "partial_hospitalization",
    "residential",
    "withdrawal_management",
    "inpatient",
)
CODE_SYSTEMS = ("cpt", "hcpcs", "local", "none")
DIAGNOSIS_SYSTEMS = ("icd10cm", "icd10", "dsm5")
CHANGE_STAGES = ("precontemplation", "contemplation", "preparation", "action", "maintenance")
ASAM_LEVEL_PATTERN = r"0\.5|[1-4](\.[0-9])?(-WM)?"

ID_PATTERN = r"[A-Za-z][A-Za-z0-9._-]{0,39}"
ICD10_PATTERN = r"[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?"
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


def ids(description: str, *, item: str) -> Schema:
    """A list of ids of things defined elsewhere in the plan."""
    return _described(
        {"type": "list", "schema": {"type": "string", "regex": ID_PATTERN}}, description, item=item
    )


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


def library_ref() -> Schema:
    return record(
        "Where this was taken from, when it comes from a problem or treatment library.",
        {
            "source": text(
                "The library (for example a published treatment planner).", required=True
            ),
            "item": text("The item in it (chapter, problem or number).", required=True),
        },
    )


def within() -> Schema:
    return record(
        "A time frame relative to the plan's start, or to a service's start: shown as a date.",
        {
            "weeks": integer("Weeks from the start.", min=1, max=260),
            "days": integer("Days from the start.", min=1, max=1825),
            "sessions": integer("After this many sessions of the service.", min=1, max=500),
            "service": ident(
                "The service it counts from (its start and frequency).", required=False
            ),
        },
    )


def speaker() -> Schema:
    return text("Whose words these are, when the plan has several participants (a participant id).")


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
        "superseded_by": integer(
            "For a superseded version: the version that replaced it (shown in its banner).", min=2
        ),
        "superseded_on": date("For a superseded version: the day the new version took effect."),
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
        "age": integer("Age in years, when the date of birth is not known.", min=0, max=120),
        "pronouns": text("Pronouns, as the person gives them (for example `she/her`)."),
    },
    required=True,
    minlength=1,
    item="Participant",
)

GUARDIAN_FIELDS = {
    "name": text("The guardian's full name.", required=True),
    "relationship": text("Relationship to the client (for example `mother`).", required=True),
    "phone": text("Telephone number."),
    "legal_authority": text(
        "Basis of the guardian's authority (joint legal custody, a court order …)."
    ),
    "participant": text("The guardian's participant id, when they take part in the plan too."),
}
GUARDIAN = record("Legal guardian, required when the client is a minor.", GUARDIAN_FIELDS)
GUARDIANS = records(
    "Legal guardians, when there are several (joint custody); each with their authority.",
    GUARDIAN_FIELDS,
    item="Guardian",
    match_by=("name",),
)

TEAM = records(
    "The treatment team: who delivers the interventions and services, and who signs.",
    {
        "id": ident("Stable identifier of the team member."),
        "role": text(
            "Role in the team (for example `psychiatrist`, `case manager`).", required=True
        ),
        **_person("team member", credentials_required=False),
    },
    item="Team member",
)


def _by_id(role: str) -> Schema:
    return ident(
        f"The {role}'s id in the practice file: `{role}: {{id: C2}}` alone takes the name, "
        "credentials, licence and NPI from it (fields given here win).",
        required=False,
    )


CLINICIAN = record(
    "The treating clinician.",
    {"id": _by_id("clinician"), **_person("clinician", credentials_required=True)},
    required=True,
)
SUPERVISOR = record(
    "The supervising clinician, when the plan needs co-signature.",
    {"id": _by_id("supervisor"), **_person("supervisor", credentials_required=True)},
)

PRACTICE = record(
    "The practice or agency that holds the record; with a practice file (docs/practice.md) the "
    "plan may leave it out, or give only what differs.",
    {
        "name": text("The practice's name as it appears on documents.", required=True),
        "address": text("Postal address."),
        "phone": text("Telephone number."),
        "npi": text("Group NPI.", regex=NPI_PATTERN),
        "tax_id": text("Employer identification number (tax id), for example `93-1234567`."),
    },
    required=True,
)

ASSESSMENT = record(
    "What the assessment found: diagnoses, the presenting problem, and the person's strengths and needs.",
    {
        "date": date("Day the assessment was completed."),
        "diagnoses": records(
            "Diagnoses (ICD-10-CM unless `system` says otherwise); exactly one is primary.",
            {
                "code": text(
                    "The code with its dot (for example `F41.0`); for ICD-10-CM a billable (leaf) code.",
                    required=True,
                    regex=ICD10_PATTERN,
                ),
                "system": choice(
                    "The code system: `icd10cm` (the default, checked against the CMS table), "
                    "`icd10` (WHO, outside the US) or `dsm5`.",
                    DIAGNOSIS_SYSTEMS,
                ),
                "description": text(
                    "The diagnosis in words; defaults to the official ICD-10-CM title."
                ),
                "dsm5_name": text("The DSM-5-TR name, where it differs from the code's title."),
                "primary": boolean("The primary diagnosis."),
                "provisional": boolean("Provisional, pending further assessment."),
                "rule_out": boolean("A diagnosis to rule out, not yet made."),
                "participant": text(
                    "Whose diagnosis it is, in a couple or family plan (a participant id)."
                ),
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
                    "The presenting problem in the client's own words, where the client gave them "
                    "(a quotation; never written for them). The `carf` profile requires it."
                ),
                "speaker": speaker(),
                "clinician_summary": text(
                    "The clinician's summary of the presenting problem.", required=True
                ),
            },
            required=True,
        ),
        "strengths": texts(
            "The person's strengths (the `carf` and `joint-commission` profiles require them).",
            item="Strength",
        ),
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
            "Risk of suicide and self-harm, overall; a moderate or high level needs a safety plan.",
            {
                "level": choice("Overall risk level.", RISK_LEVELS, required=True),
                "summary": text("What the risk is and what informs the level."),
                "assessed_on": date("Day risk was assessed."),
            },
        ),
        "risks": records(
            "Risk by domain: suicide and self-harm need a safety plan at moderate or high; "
            "other domains (withdrawal, harm to others …) a crisis plan of their own.",
            {
                "domain": choice("What the risk is of.", RISK_DOMAINS, required=True),
                "level": choice("Its level.", RISK_LEVELS, required=True),
                "summary": text("What informs the level."),
                "assessed_on": date("Day it was assessed."),
            },
            item="Risk",
            match_by=("domain",),
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
    "member": text("The team member who delivers it (a `team` id)."),
    "participant": text("Whose intervention it is, in a couple or family plan (a participant id)."),
    "library": library_ref(),
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
    "criterion": text(
        "What must be observed for the objective to be met, when it is not a score "
        "(a task done, a skill used: `uses the sleep routine 5 of 7 nights for 2 weeks`)."
    ),
    "achieved_on": date("Day the objective was met."),
    "within": within(),
    "uses": ids(
        "Ids of interventions from the plan's `interventions`, shared with other objectives.",
        item="Shared intervention",
    ),
    "participant": text("Whose objective it is, in a couple or family plan (a participant id)."),
    "library": library_ref(),
    "measure": record(
        "How progress is measured: an instrument with a baseline and a target.",
        {
            "instrument": ident("Instrument id (built-in or from `instruments`)."),
            "baseline": number("Score at the start."),
            "target": number("Score that means the objective is met."),
            "baseline_date": date("Day the baseline was taken."),
            "baseline_due": date("When a baseline not yet taken will be (with `baseline_note`)."),
            "baseline_note": text("How and when the baseline will be taken (`in week 1`)."),
            "target_change_percent": number(
                "The target as a change from the baseline, in percent (`-50` halves it).",
                min=-100,
                max=1000,
            ),
            "sustained_weeks": integer(
                "How many weeks in a row the target must hold.", min=1, max=104
            ),
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
    "Long-term goals — in the client's own words where the client gave them, and in the clinician's — with SMART objectives.",
    {
        "id": ident("Stable identifier of the goal."),
        "problems": ids("Ids of the problems this goal addresses.", item="Problem addressed"),
        "client_words": text(
            "The goal in the client's own words, where the client gave them (a quotation; never "
            "written for them). A goal has these, a `description`, or both."
        ),
        "speaker": speaker(),
        "description": text("The goal in the clinician's words (or the problem library's)."),
        "status": choice("Where the goal stands.", GOAL_STATUSES, required=True),
        "target_date": date("Day by which the goal should be met."),
        "within": within(),
        "library": library_ref(),
        "uses": ids(
            "Ids of interventions from the plan's `interventions` that serve the whole goal "
            "(as plans that list interventions per goal do).",
            item="Shared intervention",
        ),
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
        "library": library_ref(),
        "behavioural_definitions": records(
            "Observable signs of the problem for this person.",
            {
                "id": ident("Stable identifier."),
                "text": text("The sign, as observed or reported.", required=True),
            },
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
            "The billing code (for example `90837`, `H0015`), in `code_system`; required unless "
            "the code system is `none`."
        ),
        "code_system": choice(
            "The code system: `cpt` or `hcpcs` (the US; the default is read from the code's "
            "form), `local` (a payer's or a country's own), or `none`.",
            CODE_SYSTEMS,
        ),
        "level_of_care": choice("The level of care.", LEVELS_OF_CARE),
        "asam_level": text(
            "The ASAM level of care, where used (`1`, `2.1`, `3.7`, `3.2-WM` …).",
            regex=ASAM_LEVEL_PATTERN,
        ),
        "setting": text("Where the service takes place (clinic, telehealth, residential unit …)."),
        "session_minutes": integer(
            "Length of one session in minutes; required unless the service is per diem.",
            min=5,
            max=480,
        ),
        "per_diem": boolean("Billed by the day (residential, 24-hour or day programmes)."),
        "hours_per_day": number(
            "Hours of programme a day, for a per-diem service.", min=0.5, max=24
        ),
        "units": integer(
            "Units requested per period, where the payer counts units.", min=1, max=1000
        ),
        "sessions": integer(
            "Sessions planned in all; must agree with the frequency and the duration.",
            min=1,
            max=1000,
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
        "end_date": date("Day the service ends, when known."),
        "provider": text("Who provides the service, when not the clinician."),
        "member": text("The team member who provides it (a `team` id)."),
        "participant": text("Whose service it is, in a couple or family plan (a participant id)."),
        "group": record(
            "For a group service: the group the client is one member of.",
            {
                "name": text("The group's name."),
                "size": integer("How many members it has.", min=2, max=100),
                "closed": boolean("A closed group (the same members throughout)."),
                "sessions": integer("Its number of sessions.", min=1, max=500),
                "facilitators": texts("Who runs it.", item="Facilitator"),
            },
        ),
    },
    required=True,
    minlength=1,
    item="Service",
)

COVERAGE = records(
    "Who pays: each insurance plan or payer covering the services, with the member's "
    "identifiers and, where the payer authorizes care in advance, the authorization.",
    {
        "payer": text(
            "The insurer or payer as it names itself (for example `Cascade Mutual Health`).",
            required=True,
        ),
        "plan_name": text("The member's plan (for example `PPO Select`, `BadgerCare Plus`)."),
        "member_id": text(
            "The member's ID as printed on their insurance card (the subscriber's ID for a "
            "dependent, with any suffix).",
            required=True,
        ),
        "group_number": text("The group number on the card, for an employer plan."),
        "authorization": record(
            "The payer's prior authorization: its number, the period it covers, and how many "
            "sessions or units it allows (one of the two).",
            {
                "number": text("The authorization (reference) number the payer gave."),
                "start_date": date("First day the authorization covers.", required=True),
                "end_date": date("Last day the authorization covers.", required=True),
                "sessions": integer("Sessions authorized in the period.", min=1, max=1000),
                "units": integer(
                    "Units authorized in the period, where the payer counts units (a day of a "
                    "per-diem service is one unit; a code counted in minutes, such as H0004 per "
                    "15 minutes, has several in a session).",
                    min=1,
                    max=10000,
                ),
                "services": ids(
                    "The services the authorization covers (their ids); all the plan's "
                    "services when left out.",
                    item="Service covered",
                ),
            },
        ),
    },
    item="Coverage",
    match_by=("payer",),
)

INTERVENTIONS = records(
    "Interventions shared by several objectives: each is defined once and named in each "
    "objective's `uses`.",
    INTERVENTION,
    item="Intervention",
)

CRISIS_PLANS = records(
    "Crisis plans for risks other than suicide and self-harm (withdrawal, harm to others …).",
    {
        "domain": choice("The risk the plan is for.", RISK_DOMAINS, required=True),
        "steps": texts("What to do, in order.", item="Step", required=True, minlength=1),
        "contacts": records(
            "Who to call.",
            {
                "name": text("Name or service.", required=True),
                "role": text("Role."),
                "phone": text("Telephone number.", required=True),
            },
            item="Contact",
            match_by=("name",),
        ),
    },
    item="Crisis plan",
    match_by=("domain",),
)

SUBSTANCE_USE = record(
    "Substance use: the ASAM assessment, the level of care, stage of change, a legal mandate "
    "and toxicology.",
    {
        "asam_dimensions": records(
            "The six ASAM dimensions, each rated for risk (0 none … 4 severe).",
            {
                "dimension": integer("The dimension, 1 to 6.", required=True, min=1, max=6),
                "rating": integer("Its risk rating, 0 to 4.", required=True, min=0, max=4),
                "level": text(
                    "The level of care this dimension alone points to, where the assessment "
                    "gives one.",
                    regex=ASAM_LEVEL_PATTERN,
                ),
                "notes": text("What informs the rating."),
            },
            item="ASAM dimension",
            match_by=("dimension",),
        ),
        "recommended_level": text(
            "The ASAM level the assessment recommends.", regex=ASAM_LEVEL_PATTERN
        ),
        "actual_level": text("The level of care given.", regex=ASAM_LEVEL_PATTERN),
        "difference_reason": text("Why the level given differs from the one recommended."),
        "behaviours": records(
            "Target behaviours and the stage of change for each.",
            {
                "id": ident("Stable identifier."),
                "behaviour": text("The behaviour.", required=True),
                "stage": choice("Stage of change.", CHANGE_STAGES, required=True),
            },
            item="Target behaviour",
        ),
        "referral": record(
            "Who referred the person, and any legal mandate.",
            {
                "source": text(
                    "The referral source (a court, probation, an employer …).", required=True
                ),
                "mandated": boolean("Treatment is mandated."),
                "mandate": text("What the mandate requires."),
                "reporting_consent": boolean(
                    "The person consented to reports to the referral source."
                ),
                "reports_to": text("Who receives reports, and what they contain."),
            },
        ),
        "toxicology": record(
            "Toxicology screening: how often, and the measure its results are recorded on.",
            {
                "frequency": text("How often (for example `weekly, random day`).", required=True),
                "instrument": text(
                    "The instrument its results are recorded on (an instrument id)."
                ),
            },
        ),
    },
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
        "member": text("The team member who signs (a `team` id)."),
        "credentials": text("Credentials (clinician and supervisor)."),
        "status": choice("Signed, pending or refused.", SIGNATURE_STATUSES, required=True),
        "date": date("Day of signing or refusal."),
        "electronic": boolean(
            "Signed electronically (a portal or e-signature service) rather than on paper."
        ),
        "time": text(
            "Time of an electronic signature, 24-hour `HH:MM` with an optional zone "
            "(for example `14:32 PT`).",
            regex=r"([01][0-9]|2[0-3]):[0-5][0-9]( [A-Za-z][A-Za-z+0-9:-]{0,9})?",
        ),
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


# --- how long a text may be ------------------------------------------------------------------

LENGTHS = {"id": 40, "code": 64, "name": 300, "line": 500, "prose": 20_000}
"""The longest text of each kind, in characters: ids, codes and names are short, a title is a
line, prose is long but finite. The longest values in the samples and the published plans are
under a third of each (an id 40 by its pattern; a code 16, a name 88, a line 153, prose 937)."""
KIND_WORDS = {
    "id": "an id",
    "code": "a code or number",
    "name": "a name",
    "line": "a one-line text (a title, an address)",
    "prose": "a text",
}
_KINDS = {
    "code": (
        "code", "npi", "tax_id", "member_id", "group_number", "number", "time", "level",
        "recommended_level", "actual_level", "asam_level", "jurisdiction", "phone",
        "locale",
    ),
    "id": (
        "id", "participant", "member", "speaker", "instrument", "service", "problems", "uses",
        "services",
    ),
    "name": (
        "name", "preferred_name", "payer", "plan_name", "role", "relationship", "author",
        "method", "source", "item", "provider", "type", "credentials", "pronouns", "email", "unit",
        "orientation", "facilitators", "profiles", "required_sections", "domain", "stage",
        "label",
    ),
    "line": ("title", "address", "frequency", "dsm5_name", "setting", "logo", "templates"),
}  # fmt: skip
FIELD_KINDS = {field: kind for kind, fields in _KINDS.items() for field in fields}
"""The kind of a text field by its name, wherever it is (an orientation's fields too); a field
not named here holds prose."""


def kind_of(field: str, rules: Schema) -> str:
    """The kind of text *field* holds: an id by its pattern, else by its name, else prose."""
    if rules.get("regex") == ID_PATTERN:
        return "id"
    return FIELD_KINDS.get(field, "prose")


_BOUNDED: dict[int, tuple[Schema, Schema]] = {}


def bounded(schema: Schema) -> Schema:
    """*schema* (a mapping of fields) with a ``maxlength`` on every text that has none, by its
    kind (:data:`LENGTHS`), and the kind in its ``meta.bound``; the same object is returned for
    the same schema, so validators built on it are reused."""
    key = id(schema)
    if key not in _BOUNDED:  # the pair keeps *schema* alive, so ids stay unique
        _BOUNDED[key] = (schema, _bound_fields(schema))
    return _BOUNDED[key][1]


def _bound_fields(fields: Schema) -> Schema:
    return {
        name: _bound(name, rules) if isinstance(rules, dict) else rules
        for name, rules in fields.items()
    }


def _bound(field: str, rules: Schema) -> Schema:
    out = dict(rules)
    inner = out.get("schema")
    if out.get("type") == "string" and not {"maxlength", "allowed"} & out.keys():
        kind = kind_of(field, out)
        out["maxlength"] = LENGTHS[kind]
        out["meta"] = {**out.get("meta", {}), "bound": kind}
    elif out.get("type") == "dict" and isinstance(inner, dict):
        out["schema"] = _bound_fields(inner)
    elif out.get("type") == "list" and isinstance(inner, dict):
        out["schema"] = _bound(field, inner)  # an item is of its list's kind
    return out


def fill(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of *data* with every field of *schema* present (``None`` or ``[]`` when absent)."""
    out = dict(data)
    for name, rules in schema.items():
        value = out.get(name)
        kind = rules.get("type")
        if value is None:
            out[name] = [] if kind == "list" else None
        elif is_not_recorded(value):
            continue  # kept as given (plandoc.spec.unknowns)
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
        "guardians": GUARDIANS,
        "clinician": CLINICIAN,
        "supervisor": SUPERVISOR,
        "practice": PRACTICE,
        "coverage": COVERAGE,
        "team": TEAM,
        "assessment": ASSESSMENT,
        "instruments": INSTRUMENTS,
        "problems": PROBLEMS,
        "goals": GOALS,
        "interventions": INTERVENTIONS,
        "measurements": MEASUREMENTS,
        "services": SERVICES,
        "orientation_details": details,
        "safety_plan": SAFETY_PLAN,
        "crisis_plans": CRISIS_PLANS,
        "substance_use": SUBSTANCE_USE,
        "discharge": DISCHARGE,
        "revisions": REVISIONS,
        "signatures": SIGNATURES,
        "extensions": _described(
            {"type": "dict", "allow_unknown": True},
            "Free-form data for a practice's own templates; not validated.",
        ),
    }
    schema = {
        name: {**rules, "meta": {**rules["meta"], "title": SECTION_TITLES[name]}}
        for name, rules in fields.items()
    }
    return bounded(_unrecordable(schema, UNRECORDABLE))


# The clinical values a clinician may honestly not have, each of which may be written
# `{not_recorded: "the reason"}` in place of its value (plandoc.spec.unknowns); an orientation's
# section marks its own (every required field but ids and true/false).
UNRECORDABLE = (
    "assessment.diagnoses[].code",
    "assessment.presenting_problem.clinician_summary",
    "assessment.risk.level",
    "assessment.risks[].level",
    "goals[].objectives[].measure.baseline",
    "goals[].objectives[].measure.target",
    "goals[].objectives[].interventions[].frequency",
    "interventions[].frequency",
    "services",
    "services[].code",
    "services[].session_minutes",
    "services[].frequency",
    "services[].duration_weeks",
    "substance_use.asam_dimensions[].rating",
    "substance_use.behaviours[].stage",
    "substance_use.referral.source",
    "substance_use.toxicology.frequency",
    "discharge.criteria",
)


def _unrecordable(schema: Schema, paths: tuple[str, ...]) -> Schema:
    """*schema* with each field at *paths* (dotted, ``[]`` for a list's items) marked as one that
    may be given as not recorded; the rules on the way are copied, never changed in place."""
    out = dict(schema)
    for path in paths:
        _mark(out, path.replace("[]", ".[]").split("."))
    return out


def _mark(fields: Schema, parts: list[str]) -> None:
    name, rest = parts[0], parts[1:]
    rules = fields[name] = dict(fields[name])
    if not rest:
        rules["meta"] = {**rules["meta"], "unknown": True}
        return
    holder = rules
    if rest[0] == "[]":
        holder = rules["schema"] = dict(rules["schema"])
        rest = rest[1:]
    holder["schema"] = dict(holder["schema"])
    _mark(holder["schema"], rest)


def unrecordable_fields(schema: Schema, at: str = "") -> list[str]:
    """The dotted paths of the fields of *schema* that may be given as not recorded."""
    found: list[str] = []
    for name, rules in schema.items():
        path = f"{at}.{name}" if at else name
        if rules.get("meta", {}).get("unknown"):
            found.append(path)
        inner = rules.get("schema")
        if rules.get("type") == "dict" and isinstance(inner, dict):
            found += unrecordable_fields(inner, path)
        elif (
            rules.get("type") == "list"
            and isinstance(inner, dict)
            and isinstance(inner.get("schema"), dict)
        ):
            found += unrecordable_fields(inner["schema"], f"{path}[]")
    return found


# What each part of a plan is called in a change summary (the orientation's section takes the
# orientation's own name there).
SECTION_TITLES = {
    "spec_version": "Spec version",
    "plan": "Plan",
    "participants": "Participants",
    "guardian": "Guardian",
    "guardians": "Guardians",
    "team": "Treatment team",
    "interventions": "Shared interventions",
    "crisis_plans": "Crisis plans",
    "substance_use": "Substance use",
    "clinician": "Clinician",
    "supervisor": "Supervisor",
    "practice": "Practice",
    "coverage": "Coverage and authorization",
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
