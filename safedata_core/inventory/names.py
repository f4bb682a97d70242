"""Column-name heuristics: which names suggest a direct identifier, a quasi-identifier or a sensitive column.

Names are split into lower-case tokens on punctuation, digits/letters and
camelCase boundaries (``DateOfBirth`` -> ``date of birth``), with accents
folded (``Prénom`` -> ``prenom``), and matched as whole tokens or token
sequences, so ``native_country`` never matches ``id``.

Person-name columns get their own, graded evidence (:func:`person_name_hint`):
``surname`` or ``Vorname`` say "person name" on their own; ``name`` or ``nom``
may also name a product or a city (``company_name`` does); ``first`` and
``last`` say so only when the values agree.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

__all__ = [
    "DIRECT_HINTS",
    "FIRST_NAMES",
    "GENERIC_NAME",
    "QI_HINTS",
    "SENSITIVE_HINTS",
    "STRONG_NAME",
    "WEAK_NAME",
    "NamePart",
    "hint",
    "names_a_thing",
    "person_name_hint",
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
    """Lower-case word tokens of a column name (accents folded: ``Prénom`` -> ``prenom``)."""
    spaced = _CAMEL.sub(" ", str(name))
    folded = "".join(c for c in unicodedata.normalize("NFKD", spaced) if not unicodedata.combining(c))
    return [t for t in _SPLIT.split(folded.lower()) if t]


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


# -- person-name columns ---------------------------------------------------------------------------
NamePart = Literal["full", "given", "family"]
STRONG_NAME = 0.5  # the column name alone says "person name"
GENERIC_NAME = 0.35  # "name" in some language: a person's, or a product's, a city's...
WEAK_NAME = 0.25  # "first", "last": a person name only if the values are names

# token sequences (accents folded) that name a person-name column in English, French, German,
# Spanish, Portuguese, Italian, Dutch, the Nordic languages, Finnish, Polish, Czech, Hungarian, Turkish
_STRONG_NAME_HINTS: dict[str, NamePart] = {
    **dict.fromkeys(
        "fullname;full name;person name;personname;complete name;nombre completo;nom complet;nome completo;"
        "vollstandiger name;volledige naam;display name;cardholder;cardholder name;account holder".split(";"),
        "full",
    ),
    **dict.fromkeys(
        "first name;firstname;fname;first nm;given name;givenname;given names;forename;forenames;christian name;"
        "middle name;middlename;prenom;prenoms;vorname;vornamen;rufname;nombre de pila;primer nombre;"
        "primeiro nome;nome proprio;voornaam;voornamen;fornavn;fornamn;etunimi;imie;jmeno;keresztnev;"
        "ism;isim".split(";"),
        "given",
    ),
    **dict.fromkeys(
        "last name;lastname;lname;last nm;surname;surnames;family name;familyname;maiden name;birth name;"
        "nom de famille;nom de naissance;nachname;familienname;geburtsname;apellido;apellidos;primer apellido;"
        "segundo apellido;cognome;sobrenome;apelido;achternaam;efternamn;etternavn;efternavn;sukunimi;"
        "nazwisko;prijmeni;vezeteknev;soyadi;soyad;familiya".split(";"),
        "family",
    ),
}
_GENERIC_NAME_TOKENS = frozenset("name names nom noms nombre nombres nome nomi naam namn navn nimi imya nama".split())
_WEAK_NAME_TOKENS: dict[str, NamePart] = {
    "first": "given",
    "given": "given",
    "middle": "given",
    "last": "family",
    "family": "family",
}
# other tokens that keep a column about a person ("patient_name", "customer first")
_PERSON_NOUNS = frozenset(
    """patient customer client employee student person people contact member user applicant owner holder guardian
    parent mother father spouse partner child kid emergency beneficiary insured subscriber author driver passenger
    traveller traveler guest donor respondent participant subject victim suspect witness staff doctor physician
    nurse teacher agent manager rep representative buyer seller tenant landlord caller recipient sender payee
    payer patron resident citizen voter worker officer pupil candidate legal real official preferred full of the
    de du la le del da des der van von""".split()
)
# tokens that make "name" the name of a thing, not of a person
_THING_NOUNS = frozenset(
    """company companies product products file city country street road brand item drug org organisation
    organization business store shop school hospital dataset data column table host server domain app
    application team department dept project category species place town state region model device event course
    job title tag label field variable feature group class type program programme plan bank site website venue
    district county province village facility provider vendor supplier merchant employer firm agency institution
    university college disease diagnosis medication medicine test package module function method pet dog cat
    animal breed song album book movie film game league sport colour color layer sheet branch unit ward room
    building airport station port ship vessel vehicle car make sku zone area sector industry account plant
    crop location neighbourhood neighborhood sample batch order campaign channel currency language""".split()
)


def names_a_thing(name: str) -> bool:
    """True when the column name says its values name things (``city``, ``company_name``), not people."""
    return any(t in _THING_NOUNS for t in tokens(name))


def person_name_hint(name: str) -> tuple[NamePart, float] | None:
    """What the column name says about person names: ``(part, strength)`` or ``None``.

    ``strength`` is :data:`STRONG_NAME`, :data:`GENERIC_NAME` or :data:`WEAK_NAME`.
    """
    toks = tokens(name)
    if not toks:
        return None
    joined = "".join(toks)
    if joined in _STRONG_NAME_HINTS:
        return _STRONG_NAME_HINTS[joined], STRONG_NAME
    for size in (3, 2, 1):
        for i in range(len(toks) - size + 1):
            found = _STRONG_NAME_HINTS.get(" ".join(toks[i : i + size]))
            if found is not None:
                return found, STRONG_NAME
    others = [t for t in toks if t not in _GENERIC_NAME_TOKENS and t not in _WEAK_NAME_TOKENS and not t.isdigit()]
    if any(t in _THING_NOUNS for t in others):
        return None
    about_person = bool(others) and all(t in _PERSON_NOUNS for t in others)
    weak = [_WEAK_NAME_TOKENS[t] for t in toks if t in _WEAK_NAME_TOKENS]
    if any(t in _GENERIC_NAME_TOKENS for t in toks):  # "name", or "first ... name" spelled apart
        return (weak[0] if weak else "full"), STRONG_NAME if about_person or weak else GENERIC_NAME
    if weak and (not others or about_person):
        return weak[0], WEAK_NAME
    return None
