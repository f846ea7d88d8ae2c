"""Charts drawn on the server as SVG with pygal (no JavaScript; each comes with a table)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

from web.headers import csp_nonce
from web.pages.labels import label

STATUS_COLOURS = {
    "compliant": "#1b7f3b",
    "due_soon": "#c98a00",
    "grace": "#2f6db5",
    "overdue": "#b42318",
    "inactive": "#8a8f98",
}
STATUSES = tuple(STATUS_COLOURS)

_STYLE = dict(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#52606d",
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    value_font_size=12,
    title_font_size=16,
    tooltip_font_size=13,
)
PALETTE = ("#2f6db5", "#1b7f3b", "#c98a00", "#7b3fa0", "#b42318", "#137c80", "#8a8f98", "#d9480f")


def _config(colours: Iterable[str] = PALETTE, **overrides: Any) -> dict[str, Any]:
    # js=[]: pygal would otherwise load its tooltip script from the internet.
    config = dict(
        style=Style(colors=tuple(colours), **_STYLE),
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        width=900,
        height=420,
        legend_at_bottom=True,
        legend_at_bottom_columns=5,
        print_values=False,
        truncate_label=40,
        truncate_legend=40,
        x_label_rotation=0,
        no_data_text="—",
        margin=16,
    )
    config.update(overrides)
    return config


def _svg(chart: Any, description: str) -> Markup:
    svg = chart.render(is_unicode=True)
    # For the Content-Security-Policy (web/headers.py): pygal's inline script only holds
    # settings for its tooltip script, which is not loaded; its styles carry the nonce.
    svg = re.sub(r"<script[^>]*>.*?</script>", "", svg, flags=re.S)
    svg = svg.replace("<style", f'<style nonce="{csp_nonce()}"')
    svg = svg.replace(' style="opacity: 0"', ' opacity="0"')
    # The SVG is a picture of the table that follows it: name it for screen readers.
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(description)}" ', 1)
    return Markup(svg)


def compliance_chart(rows: list[dict[str, Any]], group_name: Any, title: str) -> Markup:
    """Teachers by compliance status in each group, stacked."""
    chart = pygal.HorizontalStackedBar(
        **_config(STATUS_COLOURS.values(), height=max(320, 40 * len(rows) + 140))
    )
    chart.title = title
    chart.x_labels = [str(group_name(r["group"])) for r in rows]
    for status in STATUSES:
        chart.add(label("compliance", status), [r.get(status) or 0 for r in rows])
    return _svg(chart, title)


def activity_chart(months: list[str], series: dict[str, list[int]], title: str) -> Markup:
    """Certificates (or hours) per month, one line per series."""
    chart = pygal.Line(**_config(show_minor_x_labels=False, x_label_rotation=30, dots_size=3))
    chart.title = title
    chart.x_labels = months
    chart.x_labels_major = months[:: max(1, len(months) // 12)]
    for name, values in series.items():
        chart.add(name, values)
    return _svg(chart, title)


def share_chart(rows: list[tuple[str, float]], title: str) -> Markup:
    """Shares of a whole (hours by form of training)."""
    chart = pygal.Pie(**_config(inner_radius=0.45, height=380))
    chart.title = title
    for name, value in rows:
        chart.add(name, value)
    return _svg(chart, title)


def monthly_bars(months: list[str], series: dict[str, list[int]], title: str) -> Markup:
    """Counts per month side by side (a provider's workload)."""
    chart = pygal.Bar(**_config(x_label_rotation=30))
    chart.title = title
    chart.x_labels = months
    for name, values in series.items():
        chart.add(name, values)
    return _svg(chart, title)
