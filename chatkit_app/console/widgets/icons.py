"""ChatKit's icon names as small inline SVGs, drawn here: the transcript needs no icon font and no network.

Line icons on a 24-unit grid in the text's colour, like ChatKit's own. A name
without a drawing (a `vendor:` or `lucide:` one, or a rarer built-in) shows
as a dot with the name as its tooltip.
"""

from __future__ import annotations

from django.utils.html import escape

_CIRCLE = '<circle cx="12" cy="12" r="9"/>'
_STAR = '<path d="M12 3l2.8 5.7 6.2.9-4.5 4.4 1.1 6.2L12 17.3l-5.6 2.9 1.1-6.2L3 9.6l6.2-.9z"/>'
_SPARKLE = '<path d="M12 3c.6 4.6 2.4 6.4 7 7-4.6.6-6.4 2.4-7 7-.6-4.6-2.4-6.4-7-7 4.6-.6 6.4-2.4 7-7z"/>'
_USER = '<circle cx="12" cy="8" r="4"/><path d="M4 21c1-4.5 4-6.5 8-6.5s7 2 8 6.5"/>'
_PAGE = '<path d="M6 3h8l4 4v14H6z"/><path d="M14 3v4h4"/>'
_PEN = '<path d="M4 20h4L19 9l-4-4L4 16z"/>'
_PICTURE = (
    '<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="10" r="1.5"/><path d="M21 16l-5-5-9 8"/>'
)
_CHART = '<path d="M4 20V11M10 20V5M16 20v-8M21 20H3"/>'

_PATHS = {
    "plus": '<path d="M12 5v14M5 12h14"/>',
    "calendar": '<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>',
    "star": _STAR,
    "star-filled": _STAR.replace("<path", '<path fill="currentColor"'),
    "check": '<path d="M5 12.5l4.5 4.5L19 7.5"/>',
    "check-circle": _CIRCLE + '<path d="M8 12.5l3 3 5-6"/>',
    "check-circle-filled": _CIRCLE.replace("<circle", '<circle fill="currentColor"')
    + '<path d="M8 12.5l3 3 5-6" stroke="#fff"/>',
    "clock": _CIRCLE + '<path d="M12 7v5l3 2"/>',
    "book-clock": _CIRCLE + '<path d="M12 7v5l3 2"/>',
    "map-pin": '<path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z"/><circle cx="12" cy="9.5" r="2.5"/>',
    "maps": '<path d="M9 4L3 6v14l6-2 6 2 6-2V4l-6 2zM9 4v14M15 6v14"/>',
    "sparkle": _SPARKLE,
    "sparkle-double": _SPARKLE,
    "suitcase": '<rect x="3" y="7" width="18" height="13" rx="2"/><path d="M9 7V4h6v3M3 13h18"/>',
    "globe": _CIRCLE
    + '<path d="M3 12h18M12 3c2.5 2.7 3.8 5.7 3.8 9s-1.3 6.3-3.8 9c-2.5-2.7-3.8-5.7-3.8-9S9.5 5.7 12 3z"/>',
    "compass": _CIRCLE + '<path d="M15.5 8.5l-2 5-5 2 2-5z"/>',
    "info": _CIRCLE + '<path d="M12 11v6M12 7.5v.5"/>',
    "circle-question": _CIRCLE + '<path d="M9.5 9.5a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.6v.6M12 17v.5"/>',
    "search": '<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5"/>',
    "external-link": '<path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6"/>',
    "chevron-left": '<path d="M15 6l-6 6 6 6"/>',
    "chevron-right": '<path d="M9 6l6 6-6 6"/>',
    "dot": '<circle cx="12" cy="12" r="3" fill="currentColor"/>',
    "empty-circle": '<circle cx="12" cy="12" r="8"/>',
    "dots-horizontal": '<path d="M5 12h.01M12 12h.01M19 12h.01" stroke-width="3"/>',
    "dots-vertical": '<path d="M12 5v.01M12 12v.01M12 19v.01" stroke-width="3"/>',
    "document": _PAGE,
    "page-blank": _PAGE,
    "square-text": '<rect x="4" y="4" width="16" height="16" rx="2"/><path d="M8 9h8M8 13h8M8 17h5"/>',
    "mail": '<rect x="3" y="5" width="18" height="14" rx="2"/><path d="M3 7l9 6 9-6"/>',
    "user": _USER,
    "profile": _USER,
    "reload": '<path d="M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5"/>',
    "bolt": '<path d="M13 3L5 14h6l-1 7 8-11h-6z"/>',
    "lightbulb": '<path d="M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.5 1 1.2 1 2.1h5c0-.9.4-1.6 1-2.1A6 6 0 0 0 '
    '12 3z"/>',
    "play": '<path d="M7 4l13 8-13 8z"/>',
    "write": _PEN,
    "write-alt": _PEN,
    "write-alt2": _PEN,
    "notebook-pencil": _PEN,
    "chart": _CHART,
    "analytics": _CHART,
    "phone": '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z"/>',
    "images": _PICTURE,
    "square-image": _PICTURE,
}

# Not ChatKit names: the transcript's own, for feedback (drawn, so no emoji font is needed).
_PATHS["thumbs-up"] = (
    '<path d="M7 10v11H3V10zM7 10l4-7c1.5 0 2.5 1 2.5 2.5V9H19a2 2 0 0 1 2 2.3l-1.3 7.5a2 2 0 0 1-2 1.7H7"/>'
)
_PATHS["thumbs-down"] = (
    '<path d="M7 14V3H3v11zM7 14l4 7c1.5 0 2.5-1 2.5-2.5V15H19a2 2 0 0 0 2-2.3l-1.3-7.5a2 2 0 0 0-2-1.7H7"/>'
)

_UNKNOWN = '<circle cx="12" cy="12" r="4" fill="currentColor"/>'


def icon(name: object, *, label: str = "") -> str:
    """An icon as inline SVG (HTML); `label` names it for screen readers, else it is decoration."""
    drawing = _PATHS.get(name, _UNKNOWN) if isinstance(name, str) else _UNKNOWN
    title = f"<title>{escape(name)}</title>" if drawing is _UNKNOWN and isinstance(name, str) else ""
    accessible = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true"'
    # Size, stroke and fill come from the `.ck-icon` rule of the transcript's stylesheet.
    return f'<svg class="ck-icon" viewBox="0 0 24 24" {accessible}>{title}{drawing}</svg>'
