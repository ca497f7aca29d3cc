"""The image response the police pages, the staff portal and the API share (an edge module)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from schoolalert.alerts.access import ImageView

IMAGE_HEADERS = {
    "Cache-Control": "no-store, max-age=0",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Disposition": 'inline; filename="schoolalert.jpg"',
    "Cross-Origin-Resource-Policy": "same-origin",
}


def image_response(view: ImageView) -> Response:
    """The watermarked image, never cached, shown inline (PRODUCT I6)."""
    response = Response(view.content, mimetype="image/jpeg", headers=IMAGE_HEADERS)
    response.headers["X-View-ID"] = view.view_id
    return response
