"""The charts' one palette: every category's colour stands out against the white page
(WCAG 1.4.11 asks 3:1 of graphics; the palette keeps 4.5:1) and the tile map's text is
readable on each of its fills (4.5:1, WCAG 1.4.3)."""

from __future__ import annotations

import pytest

from web.pages import charts

WHITE = "#ffffff"


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_gives_the_known_extremes():
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast(WHITE, WHITE) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "kind, key, colour",
    [
        (kind, key, colour)
        for kind, colours in charts.COLOURS.items()
        for key, colour in colours.items()
    ],
)
def test_each_category_colour_stands_out_on_white(kind, key, colour):
    assert contrast(colour, WHITE) >= 4.5, (kind, key, colour)


def test_categories_of_one_kind_have_distinct_colours():
    for kind in ("compliance", "form"):
        colours = list(charts.COLOURS[kind].values())
        assert len(set(colours)) == len(colours), kind


@pytest.mark.parametrize("fill, ink", [*charts.SHARE_FILLS, charts.NO_SHARE])
def test_the_tile_maps_text_is_readable_on_every_fill(fill, ink):
    assert contrast(fill, ink) >= 4.5, (fill, ink)


def test_shares_step_from_light_to_dark():
    fills = [charts.share_fill(s)[0] for s in (0.0, 0.49, 0.5, 0.7, 0.85, 0.95, 1.0)]
    assert fills[0] == fills[1] == charts.SHARE_FILLS[0][0]
    assert fills[2:] == [f for f, _ in charts.SHARE_FILLS[1:]] + [charts.SHARE_FILLS[-1][0]]
    assert charts.share_fill(None) == charts.NO_SHARE
    lightness = [luminance(f) for f, _ in charts.SHARE_FILLS]
    assert lightness == sorted(lightness, reverse=True)


def test_an_unknown_category_gets_the_neutral_colour():
    assert charts.colour("form", "apprenticeship") == charts.OTHER
    assert charts.colour("compliance", "compliant") == charts.COLOURS["compliance"]["compliant"]
