"""Charts drawn on the server as SVG (no JavaScript; each comes with a table).

Every colour a chart uses comes from `COLOURS`, keyed by what it stands for (a compliance
status, a form of training, a measure), so one category has one colour on every chart
and every page. Legends are HTML beside the SVG (`legend`), never drawn inside it, so
they wrap on a narrow screen instead of being cut off. Lines over time and the hours
pie are pygal; the shares of a whole per group (`share_bars`) are one stretched SVG
bar per row with the names and figures as HTML; the regions' tile map is a grid of
HTML tiles, each filled by an SVG square of its share's colour (the Content-Security-
Policy allows no inline style attributes, SVG fills are attributes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from markupsafe import Markup, escape
from pygal.style import Style

from web.headers import csp_nonce

# The one palette. Each colour has a contrast of at least 4.5:1 against white (tests/unit
# checks it), so bars and lines stand out for people with low vision (WCAG 1.4.11).
COLOURS: dict[str, dict[str, str]] = {
    "compliance": {
        "compliant": "#1b7f3b",
        "due_soon": "#a86800",
        "grace": "#2f6db5",
        "overdue": "#b42318",
        "inactive": "#6b7280",
    },
    "form": {
        "course": "#5b3f9e",
        "seminar": "#0f7c80",
        "training": "#c2410c",
        "internship": "#a3316f",
    },
    "measure": {
        "enrolments": "#0b4f8a",
        "certificates": "#1b7f3b",
        "share": "#1b7f3b",
        "country": "#6b7280",
    },
}
# The tile map's shares, light to dark (with the text colour each needs for 4.5:1).
SHARE_STEPS = (0.5, 0.7, 0.85, 0.95)
SHARE_FILLS = (
    ("#deebf7", "#1f2933"),
    ("#9ecae1", "#1f2933"),
    ("#6baed6", "#1f2933"),
    ("#2166ac", "#ffffff"),
    ("#08306b", "#ffffff"),
)
NO_SHARE = ("#ffffff", "#1f2933")
OTHER = "#52606d"  # a value with no colour of its own (an unknown form)

STATUSES = tuple(COLOURS["compliance"])
FORMS = tuple(COLOURS["form"])


def colour(kind: str, value: str) -> str:
    """The colour of a category on every chart."""
    return COLOURS.get(kind, {}).get(value, OTHER)


def share_fill(share: float | None) -> tuple[str, str]:
    """(fill, text colour) of a tile for a share (None: no teachers to count)."""
    if share is None:
        return NO_SHARE
    step = sum(1 for s in SHARE_STEPS if share >= s)
    return SHARE_FILLS[step]


def swatch(fill: str, *, size: int = 14) -> Markup:
    """A square of a colour, for an HTML legend (or stretched over a tile's box)."""
    return Markup(
        f'<svg class="swatch" width="{size}" height="{size}" viewBox="0 0 1 1" '
        'preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        f'<rect width="1" height="1" fill="{escape(fill)}"/></svg>'
    )


_STYLE = dict(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    value_font_size=13,
    title_font_size=16,
    tooltip_font_size=13,
    opacity="1",  # the palette's colours as they are, not paled
    opacity_hover="1",
)


def _config(colours: Iterable[str], **overrides: Any) -> dict[str, Any]:
    # js=[]: pygal would otherwise load its tooltip script from the internet. The legend
    # is the page's (`legend`), not pygal's, which cuts long names off at the bottom.
    config = dict(
        style=Style(colors=tuple(colours), **_STYLE),
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        width=720,
        height=360,
        show_legend=False,
        print_values=False,
        truncate_label=-1,
        x_label_rotation=0,
        no_data_text="—",
        margin=12,
    )
    config.update(overrides)
    return config


def _svg(chart: Any, description: str) -> Markup:
    svg = chart.render(is_unicode=True)
    # pygal titles an untitled chart "Pygal"; the title a pointer shows is its name.
    svg = svg.replace("<title>Pygal</title>", f"<title>{escape(description)}</title>", 1)
    # For the Content-Security-Policy (web/headers.py): pygal's inline script only holds
    # settings for its tooltip script, which is not loaded; its styles carry the nonce.
    svg = re.sub(r"<script[^>]*>.*?</script>", "", svg, flags=re.S)
    svg = svg.replace("<style", f'<style nonce="{csp_nonce()}"')
    svg = svg.replace(' style="opacity: 0"', ' opacity="0"')
    # The SVG is a picture of the table that follows it: name it for screen readers.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(description)}" ', 1)
    return Markup(svg)


@dataclass(frozen=True)
class Series:
    """One line or set of bars: its category (for the colour), its name, its values."""

    kind: str
    key: str
    name: str
    values: Sequence[float | None]

    @property
    def colour(self) -> str:
        return colour(self.kind, self.key)


def whole_ticks(top: float) -> list[int]:
    """Whole-number marks from 0 to at least `top` (counts have no fractions), about five."""
    step = 1
    while top / step > 5:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    last = int(-(-top // step) * step) or step
    return list(range(0, last + 1, step))


def _every(months: list[str]) -> list[str]:
    """The month labels to print under a time axis (about a dozen)."""
    return months[:: max(1, (len(months) + 11) // 12)]


def line_chart(
    months: list[str],
    series: Sequence[Series],
    description: str,
    *,
    percent: bool = False,
) -> Markup:
    """Values per month, one line per series (shares as percentages when `percent`)."""
    overrides: dict[str, Any] = dict(
        show_minor_x_labels=False,
        x_label_rotation=30,
        dots_size=3,
        allow_interruptions=True,
        width=900,
        height=330,
    )
    if percent:
        overrides.update(range=(0, 100), value_formatter=lambda v: f"{v:.0f}%")
        overrides["y_labels"] = [0, 25, 50, 75, 100]
    else:
        top = max((v or 0 for s in series for v in s.values), default=0)
        overrides["y_labels"] = whole_ticks(top)
    chart = pygal.Line(**_config((s.colour for s in series), **overrides))
    chart.x_labels = months
    chart.x_labels_major = _every(months)
    for s in series:
        chart.add(s.name, list(s.values))
    return _svg(chart, description)


def pie_chart(slices: Sequence[Series], description: str) -> Markup:
    """Shares of a whole (hours by form of training), one colour per category."""
    chart = pygal.Pie(**_config((s.colour for s in slices), inner_radius=0.45, height=300))
    for s in slices:
        chart.add(s.name, list(s.values))
    return _svg(chart, description)


def monthly_bars(months: list[str], series: Sequence[Series], description: str) -> Markup:
    """Counts per month side by side (a provider's workload)."""
    top = max((v or 0 for s in series for v in s.values), default=0)
    chart = pygal.Bar(
        **_config((s.colour for s in series), x_label_rotation=30, y_labels=whole_ticks(top))
    )
    chart.x_labels = months
    chart.x_labels_major = _every(months)
    for s in series:
        chart.add(s.name, list(s.values))
    return _svg(chart, description)


def share_bar(parts: Sequence[tuple[str, float]], description: str) -> Markup:
    """One bar of a whole split into coloured parts ((colour, share) with shares adding up
    to 1), stretched to its box; gridlines at each quarter."""
    rects, x = [], 0.0
    for fill, share in parts:
        width = max(0.0, share) * 100
        if width > 0:
            rects.append(
                f'<rect x="{x:.3f}" y="0" width="{width:.3f}" height="10" fill="{escape(fill)}"/>'
            )
        x += width
    grid = "".join(
        f'<line x1="{q}" y1="0" x2="{q}" y2="10" stroke="#ffffff" stroke-width=".4"/>'
        for q in (25, 50, 75)
    )
    return Markup(
        '<svg class="share-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(description)}"><rect width="100" height="10" fill="#e9eef3"/>'
        f"{''.join(rects)}{grid}</svg>"
    )


def many_monthly_bars(months: list[str], series: Sequence[Series], description: str) -> Markup:
    """Counts per month side by side over up to five years (the forecast: teachers due
    against places), only about a dozen months labelled."""
    top = max((v or 0 for s in series for v in s.values), default=0)
    chart = pygal.Bar(
        **_config(
            (s.colour for s in series),
            x_label_rotation=30,
            show_minor_x_labels=False,
            y_labels=whole_ticks(top),
        )
    )
    chart.x_labels = months
    chart.x_labels_major = _every(months)
    for s in series:
        chart.add(s.name, list(s.values))
    return _svg(chart, description)
