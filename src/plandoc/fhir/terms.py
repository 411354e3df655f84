"""The code systems, profiles and status mappings the FHIR bundle uses, in one place, so the
export and the import read the same table both ways."""

from __future__ import annotations

import uuid

PLANDOC = "urn:plandoc"
"""plandoc's own namespace: its identifiers, local code systems and the source extension."""
SOURCE_EXTENSION = f"{PLANDOC}:fhir:plan-source"
"""The CarePlan extension that carries the whole plan (its data as YAML, base64) for import."""
ITEM_SYSTEM = f"{PLANDOC}:item"
PLAN_SYSTEM = f"{PLANDOC}:plan"
PARTICIPANT_SYSTEM = f"{PLANDOC}:participant"
INSTRUMENT_SYSTEM = f"{PLANDOC}:instrument"
MODALITY_SYSTEM = f"{PLANDOC}:modality"
ORIENTATION_SYSTEM = f"{PLANDOC}:orientation"
TEAM_SYSTEM = f"{PLANDOC}:team-member"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PLANDOC)

LOINC = "http://loinc.org"
NPI = "http://hl7.org/fhir/sid/us-npi"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
DSM5 = f"{PLANDOC}:dsm5"
DIAGNOSIS_SYSTEMS = {"icd10cm": ICD10CM, "icd10": ICD10, "dsm5": DSM5}
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
SERVICE_SYSTEMS = {"cpt": CPT, "hcpcs": HCPCS, "local": f"{PLANDOC}:service"}
UCUM = "http://unitsofmeasure.org"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CAREPLAN_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/careplan-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
SIGNATURE_TYPE = "urn:iso-astm:E1762-95:2013"
PRONOUNS_EXTENSION = "http://hl7.org/fhir/StructureDefinition/individual-pronouns"
XHTML = "http://www.w3.org/1999/xhtml"
GOAL_RELATIONSHIP = "http://hl7.org/fhir/StructureDefinition/goal-relationship"
GOAL_RELATIONSHIP_TYPE = "http://terminology.hl7.org/CodeSystem/goal-relationship-type"

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
PROFILES = {
    "Patient": "us-core-patient",
    "Practitioner": "us-core-practitioner",
    "PractitionerRole": "us-core-practitionerrole",
    "Organization": "us-core-organization",
    "RelatedPerson": "us-core-relatedperson",
    "Condition": "us-core-condition-problems-health-concerns",
    "CarePlan": "us-core-careplan",
    "Goal": "us-core-goal",
    "Observation": "us-core-observation-screening-assessment",
    "Provenance": "us-core-provenance",
}
"""The US Core (6.1) profile each resource follows (in ``meta.profile``). Coverage does not
claim US Core Coverage, which requires the subscriber relationship a plan does not record;
Consent has no US Core profile."""

PRONOUNS = {
    "he/him": ("LA29518-0", "he/him/his/his/himself"),
    "she/her": ("LA29519-8", "she/her/her/hers/herself"),
    "they/them": ("LA29520-6", "they/them/their/theirs/themselves"),
}
"""LOINC answers (list LL5144-2) for the pronouns a plan writes the common way."""

CAREPLAN_STATUS = {
    "draft": "draft",
    "active": "active",
    "under_review": "active",
    "completed": "completed",
    "discontinued": "revoked",
    "superseded": "revoked",
}
GOAL_LIFECYCLE = {
    "not_started": "accepted",
    "in_progress": "active",
    "improving": "active",
    "achieved": "completed",
    "not_achieved": "cancelled",
    "discontinued": "cancelled",
}
GOAL_ACHIEVED = {
    "in_progress": "in-progress",
    "improving": "improving",
    "achieved": "achieved",
    "not_achieved": "not-achieved",
}
ACTIVITY_STATUS = {
    "not_started": "not-started",
    "in_progress": "in-progress",
    "improving": "in-progress",
    "achieved": "completed",
    "not_achieved": "stopped",
    "discontinued": "cancelled",
}
SERVICE_STATUS = {
    "draft": "not-started",
    "active": "in-progress",
    "under_review": "in-progress",
    "completed": "completed",
    "discontinued": "stopped",
    "superseded": "stopped",
}
CONSENT_STATUS = {"signed": "active", "pending": "proposed", "refused": "rejected"}
PERIOD_UNITS = {"day": (1, "d"), "week": (1, "wk"), "fortnight": (2, "wk"), "month": (1, "mo")}
RELATIONSHIPS = {"partner": "SIGOTH", "guardian": "GUARD"}


def stable_id(plan_id: str, *parts: str) -> str:
    """A resource id that is the same for the same plan and item, in every export."""
    return str(uuid.uuid5(NAMESPACE, "/".join((plan_id, *parts))))


def reverse(table: dict[str, str]) -> dict[str, str]:
    """A mapping read backwards: the first plandoc value for each FHIR code."""
    found: dict[str, str] = {}
    for ours, theirs in table.items():
        found.setdefault(theirs, ours)
    return found
