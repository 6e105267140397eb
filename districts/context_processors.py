from django.http import HttpRequest

from districts.selectors import current_city


def city(request: HttpRequest) -> dict[str, object]:
    """Give every page the city the installation serves (None before its data is imported)."""
    return {"city": current_city()}
