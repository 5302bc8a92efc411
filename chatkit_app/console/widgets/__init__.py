"""ChatKit widgets drawn as HTML on the server, for the transcript: `components` (one renderer per component),
`style` (layout props as checked inline CSS), `icons` (ChatKit's icon names as inline SVG)."""

from chatkit_app.console.widgets.components import render_widget

__all__ = ["render_widget"]
