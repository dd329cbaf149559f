"""French names for the demo's fictitious organisations: « Fablab d'Aubin », « du Cendre »."""

# A vowel sound opens the name: « de » elides. A leading h is left alone, since whether it is
# mute (« d'Hyères ») or aspirated (« de Haguenau ») is not written.
_VOWELS = frozenset("AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸŒÆaeiouyàâäéèêëîïôöùûüÿœæ")


def of_place(name: str) -> str:
    """« de » before a place's name, elided or contracted as French writes it.

    Rennes -> de Rennes, Aubin -> d'Aubin, Le Cendre -> du Cendre, Les Ulis -> des Ulis,
    La Rochelle -> de La Rochelle, L'Isle-Adam -> de L'Isle-Adam.
    """
    name = name.strip()
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in _VOWELS:
        return "d'" + name
    return "de " + name


def fablab_name(commune: str) -> str:
    """The fictitious organisation's legal name."""
    return f"Fablab {of_place(commune)} (fictif)"
