"""Text normalisation for search in the local gazetteer."""

import re
import unicodedata

# Umlauts are folded to their base letter both when typed as "ä" and as "ae", so "Muller", "Mueller" and
# "Müller" meet; "ß" and "ss" meet too. Applied to stored names and to queries alike, so they always agree.
_GERMAN_FOLDS = (("ä", "a"), ("ö", "o"), ("ü", "u"), ("ae", "a"), ("oe", "o"), ("ue", "u"), ("ß", "ss"))
# Both abbreviations also end compounds ("Porschestr.", "Marktpl."); "pl" needs its dot, "str" does not.
_ABBREVIATIONS = ((re.compile(r"str\.?(?=\s|$)"), "strasse"), (re.compile(r"pl\.(?=\s|$)"), "platz"))
_SPACES = re.compile(r"[\s\-]+")


def normalize_search_text(text: str) -> str:
    """Return the search key of a name: lower case, umlauts and ß folded, accents dropped, spaces unified."""
    value = unicodedata.normalize("NFC", text).casefold()  # casefold turns "ß" into "ss" already
    for abbreviation, full in _ABBREVIATIONS:
        value = abbreviation.sub(full, value)
    for source, target in _GERMAN_FOLDS:
        value = value.replace(source, target)
    value = "".join(char for char in unicodedata.normalize("NFKD", value) if not unicodedata.combining(char))
    return _SPACES.sub(" ", value).strip()
