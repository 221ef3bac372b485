"""What the CLI tests hold text for people to: no e-notation ("2.77947e-05", "1e+06").
Run ids (UUIDs such as 6b27fa9e-6f5a-...) and their prefixes are taken out first: "9e-6" there is hex."""
import re

UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
# a number in e-notation, not inside a longer hex or word token
EXPONENT = re.compile(r"(?<![0-9A-Za-z_-])[0-9]+(?:\.[0-9]+)?[eE][-+][0-9]+\b")


def e_notation(text: str):
    """The first e-notation number in `text` (run ids aside), or None."""
    m = EXPONENT.search(UUID.sub("<run id>", text))
    return m.group(0) if m else None
