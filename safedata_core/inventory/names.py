"""Column-name heuristics: which names suggest a direct identifier, a quasi-identifier or a sensitive column.

Names are split into lower-case tokens on punctuation, digits/letters and
camelCase boundaries (``DateOfBirth`` -> ``date of birth``), and matched as
whole tokens or token sequences, so ``native_country`` never matches ``id``.
"""

from __future__ import annotations

import re

__all__ = [
    "DIRECT_HINTS",
    "FIRST_NAMES",
    "QI_HINTS",
    "SENSITIVE_HINTS",
    "hint",
    "tokens",
]

# token sequence -> kind of direct identifier it suggests
DIRECT_HINTS: dict[str, str] = {
    "email": "email",
    "e mail": "email",
    "mail": "email",
    "emailaddress": "email",
    "phone": "phone",
    "telephone": "phone",
    "tel": "phone",
    "mobile": "phone",
    "cell": "phone",
    "fax": "phone",
    "phonenumber": "phone",
    "msisdn": "phone",
    "ssn": "us_ssn",
    "social security": "us_ssn",
    "socialsecurity": "us_ssn",
    "aadhaar": "aadhaar",
    "aadhar": "aadhaar",
    "uid": "aadhaar",
    "pan": "pan",
    "pan number": "pan",
    "iban": "iban",
    "bank account": "iban",
    "account number": "iban",
    "credit card": "credit_card",
    "creditcard": "credit_card",
    "card number": "credit_card",
    "ccn": "credit_card",
    "ip": "ip_address",
    "ip address": "ip_address",
    "ipaddress": "ip_address",
    "ipv4": "ip_address",
    "ipv6": "ip_address",
    "name": "person_name",
    "first name": "person_name",
    "firstname": "person_name",
    "last name": "person_name",
    "lastname": "person_name",
    "surname": "person_name",
    "fullname": "person_name",
    "full name": "person_name",
    "given name": "person_name",
    "forename": "person_name",
    "username": "person_name",
    "user name": "person_name",
    "address": "address",
    "street": "address",
    "passport": "document_number",
    "licence": "document_number",
    "license": "document_number",
    "mrn": "record_id",
    "id": "record_id",
    "identifier": "record_id",
    "uuid": "record_id",
    "guid": "record_id",
    "key": "record_id",
    "pid": "record_id",
    "record": "record_id",
    "row": "record_id",
}

# token sequence -> QI category
QI_HINTS: dict[str, str] = {
    "age": "demographic",
    "sex": "demographic",
    "gender": "demographic",
    "race": "demographic",
    "ethnicity": "demographic",
    "ethnic": "demographic",
    "marital": "demographic",
    "married": "demographic",
    "nationality": "demographic",
    "citizenship": "demographic",
    "native": "geographic",
    "education": "demographic",
    "educ": "demographic",
    "religion": "demographic",
    "language": "demographic",
    "country": "geographic",
    "zip": "geographic",
    "zipcode": "geographic",
    "postcode": "geographic",
    "postal": "geographic",
    "plz": "geographic",
    "city": "geographic",
    "town": "geographic",
    "state": "geographic",
    "region": "geographic",
    "county": "geographic",
    "district": "geographic",
    "municipality": "geographic",
    "province": "geographic",
    "birth": "date",
    "dob": "date",
    "born": "date",
    "birthdate": "date",
    "birthday": "date",
    "yob": "date",
}

SENSITIVE_HINTS: frozenset[str] = frozenset(
    {
        "income",
        "salary",
        "wage",
        "wages",
        "earnings",
        "disease",
        "diagnosis",
        "health",
        "medical",
        "condition",
        "sexual",
        "political",
        "politics",
        "union",
        "criminal",
        "conviction",
        "hiv",
        "pregnancy",
        "treatment",
        "drug",
        "charges",
        "capital",
        "debt",
        "illness",
        "disability",
    }
)

# common given names (English-speaking and international), lower case, for person-name columns
FIRST_NAMES: frozenset[str] = frozenset(
    """
james john robert michael william david richard joseph thomas charles christopher daniel matthew anthony mark
donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary
nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond
jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle noah ethan jeremy walter christian
keith roger terry austin sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe
logan alan juan albert willie elijah wayne randy vincent mason roy ralph bobby russell bradley philip eugene
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty sandra margaret ashley
kimberly emily donna michelle carol amanda melissa deborah stephanie dorothy rebecca sharon laura cynthia amy
kathleen angela shirley brenda emma anna pamela nicole samantha katherine christine helen debra rachel carolyn
janet maria catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly christina joan evelyn
judith andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail sophia
frances jean alice judy isabella julia grace amber denise danielle marilyn beverly charlotte natalie theresa diana
brittany doris kayla alexis lori marie mohammed muhammad ahmed ali fatima aisha omar hassan wei li ming hui yan
jun hiroshi yuki kenji akira sakura priya rahul amit anil sunita ravi arjun deepak pooja raj sanjay vijay neha
anjali rohan kumar lakshmi carlos luis miguel jorge pedro ana sofia lucia carmen diego javier pablo alejandro
giulia marco luca francesco alessandro hans klaus jurgen anke petra stefan andreas thomas pierre jean marie
claire sophie camille louis lucas hugo olga ivan dmitri sergei natalia tatiana elena irina mikhail anders lars
erik ingrid astrid sven nils emil oscar liam oliver amelia ava mia harper evelyn aria chloe zoe lily leah ella
""".split()
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^a-z0-9]+|(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


def tokens(name: str) -> list[str]:
    """Lower-case word tokens of a column name."""
    spaced = _CAMEL.sub(" ", str(name))
    return [t for t in _SPLIT.split(spaced.lower()) if t]


def hint(name: str, table: dict[str, str]) -> str | None:
    """The value of the longest token sequence of ``name`` found in ``table`` (or of the joined name)."""
    toks = tokens(name)
    joined = "".join(toks)
    if joined in table:
        return table[joined]
    best: tuple[int, str] | None = None
    for size in (3, 2, 1):
        for i in range(len(toks) - size + 1):
            seq = " ".join(toks[i : i + size])
            if seq in table and (best is None or size > best[0]):
                best = (size, table[seq])
    return best[1] if best else None
