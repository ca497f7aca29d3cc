"""CAP 1.2 documents: built, validated against the OASIS schema, signed once (enveloped XML
signature, RSA-SHA256, the certificate in ``KeyInfo``), and — received — parsed without
entities or network access, validated, and verified against the partner's pinned certificate.

Only the content the signature covers (``signed_xml`` of the verification) is read afterwards.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree
from signxml import (
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
    methods,
)
from signxml.exceptions import InvalidInput as SignatureInputError
from signxml.exceptions import InvalidSignature

NS = "urn:oasis:names:tc:emergency:cap:1.2"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA_PATH = Path(__file__).parent / "schema" / "cap12.xsd"
SCHEMA_SHA256 = "f6c6ed7537a463968b7b36110f7e8bba1f86ad2257a8b84619d7dce530e57401"
RESTRICTION = (
    "Police only: for the identification of a child victim; not for publication, share only "
    "with the staff of schools through a national alert approved by a prosecutor."
)


ACTUAL, EXERCISE = "Actual", "Exercise"
STATUSES = frozenset({ACTUAL, EXERCISE})


def status_for(exercise: bool) -> str:
    """The CAP ``status`` of an alert: an exercise is ``Exercise``, a real alert ``Actual``."""
    return EXERCISE if exercise else ACTUAL


VERIFY_CONFIG = SignatureConfiguration(
    require_x509=True,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


class NotCap(ValueError):
    """Not a well-formed, schema-valid CAP 1.2 document (400)."""


class BadSignature(ValueError):
    """Not signed with the pinned certificate (403)."""


def cap_time(value: datetime) -> str:
    """CAP's date-time: seconds, an explicit offset, UTC written ``-00:00`` (naive = UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat(timespec="seconds") + "-00:00"


def parse_time(text: str) -> datetime:
    """A CAP date-time (the schema guarantees its offset) in UTC."""
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass(frozen=True)
class Resource:
    description: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Info:
    description: str
    expires: datetime | None
    age_estimate: str | None = None
    resources: list[Resource] = field(default_factory=list)
    event: str = "Identificatie kindslachtoffer"
    language: str = "nl-NL"


@dataclass(frozen=True)
class Document:
    """What this plugin reads from a (verified) CAP document."""

    sender: str
    identifier: str
    sent: str
    status: str
    msg_type: str
    references: list[str]
    info: Info | None

    @property
    def triple(self) -> str:
        return f"{self.sender},{self.identifier},{self.sent}"


def _add(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    element.text = text
    return element


def build(
    *,
    sender: str,
    identifier: str,
    sent: datetime,
    msg_type: str,
    status: str,
    references: list[str] | None = None,
    info: Info | None = None,
) -> etree._Element:
    """An unsigned ``alert`` element, in the schema's element order; ``status`` is ``Actual``
    for a real alert, ``Exercise`` for an exercise (no default: every caller decides)."""
    if status not in STATUSES:
        raise ValueError(f"a CAP status this instance sends is one of {sorted(STATUSES)}")
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _add(root, "identifier", identifier)
    _add(root, "sender", sender)
    _add(root, "sent", cap_time(sent))
    _add(root, "status", status)
    _add(root, "msgType", msg_type)
    _add(root, "scope", "Restricted")
    _add(root, "restriction", RESTRICTION)
    if references:
        _add(root, "references", " ".join(references))
    if info is not None:
        block = etree.SubElement(root, f"{{{NS}}}info")
        _add(block, "language", info.language)
        _add(block, "category", "Rescue")
        _add(block, "event", info.event)
        _add(block, "urgency", "Expected")
        _add(block, "severity", "Severe")
        _add(block, "certainty", "Observed")
        if info.expires is not None:
            _add(block, "expires", cap_time(info.expires))
        _add(block, "senderName", "Schoolalert")
        _add(block, "description", info.description)
        if info.age_estimate:
            parameter = etree.SubElement(block, f"{{{NS}}}parameter")
            _add(parameter, "valueName", "ageEstimate")
            _add(parameter, "value", info.age_estimate)
        for item in info.resources:
            resource = etree.SubElement(block, f"{{{NS}}}resource")
            _add(resource, "resourceDesc", item.description)
            _add(resource, "mimeType", item.mime_type)
            _add(resource, "size", str(len(item.data)))
            _add(resource, "derefUri", base64.b64encode(item.data).decode("ascii"))
            _add(resource, "digest", hashlib.sha1(item.data).hexdigest())  # noqa: S324 (CAP)
    return root


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH), parser=safe_parser()))


def safe_parser() -> etree.XMLParser:
    """No entities, no DTD, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
    )


def validate(root: etree._Element) -> None:
    if not schema().validate(root):
        error = schema().error_log.last_error
        raise NotCap(f"not valid CAP 1.2: {error.message if error else 'schema'}")


def sign(root: etree._Element, *, key_pem: bytes, certificate_pem: bytes) -> bytes:
    """Validate, then sign once; the bytes returned are what is stored and sent."""
    validate(root)
    signer = XMLSigner(
        method=methods.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signed = signer.sign(root, key=key_pem, cert=certificate_pem.decode("ascii"))
    validate(signed)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def parse_untrusted(data: bytes) -> etree._Element:
    """The document's tree, or NotCap: malformed, a DTD or entity, or not schema-valid."""
    try:
        tree = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as error:
        raise NotCap(f"not well-formed XML: {error}") from None
    if tree.getroottree().docinfo.doctype or _has_entities(tree):
        raise NotCap("a document type declaration or entity is not allowed")
    validate(tree)
    return tree


def _has_entities(tree: etree._Element) -> bool:
    return any(isinstance(node, etree._Entity) for node in tree.iter())


def claimed_sender(tree: etree._Element) -> str:
    """The sender the (not yet verified) document names: only to find the pinned certificate."""
    return tree.findtext(f"{{{NS}}}sender") or ""


def verify(data: bytes, certificate_pem: str) -> etree._Element:
    """The signed ``alert`` element, verified against the pinned certificate only."""
    try:
        result = XMLVerifier().verify(
            data,
            x509_cert=certificate_pem,
            expect_config=VERIFY_CONFIG,
        )
    except (InvalidSignature, SignatureInputError) as error:
        raise BadSignature(str(error)) from None
    signed = result.signed_xml
    if signed is None or signed.tag != f"{{{NS}}}alert":
        raise BadSignature("the signature does not cover the alert")
    return signed


def read(signed: etree._Element) -> Document:
    """What a verified ``alert`` says."""

    def text(parent: etree._Element, name: str) -> str:
        return (parent.findtext(f"{{{NS}}}{name}") or "").strip()

    info_element = signed.find(f"{{{NS}}}info")
    info = None
    if info_element is not None:
        age = None
        for parameter in info_element.findall(f"{{{NS}}}parameter"):
            if text(parameter, "valueName") == "ageEstimate":
                age = text(parameter, "value")
        resources = []
        for resource in info_element.findall(f"{{{NS}}}resource"):
            encoded = text(resource, "derefUri")
            if not encoded:
                continue
            try:
                data = base64.b64decode(encoded, validate=True)
            except ValueError:
                raise NotCap("a resource's derefUri is not base64") from None
            digest = text(resource, "digest")
            if digest and digest.lower() != hashlib.sha1(data).hexdigest():  # noqa: S324
                raise NotCap("a resource's digest does not match its content")
            resources.append(
                Resource(text(resource, "resourceDesc"), text(resource, "mimeType"), data)
            )
        expires = text(info_element, "expires")
        info = Info(
            description=text(info_element, "description"),
            expires=parse_time(expires) if expires else None,
            age_estimate=age,
            resources=resources,
            event=text(info_element, "event"),
            language=text(info_element, "language") or "en-US",
        )
    return Document(
        sender=text(signed, "sender"),
        identifier=text(signed, "identifier"),
        sent=text(signed, "sent"),
        status=text(signed, "status"),
        msg_type=text(signed, "msgType"),
        references=text(signed, "references").split(),
        info=info,
    )
