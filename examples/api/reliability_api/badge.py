"""A machine's score and tier as a small SVG badge (for a provider's page or a README)."""
from typing import Optional
from xml.sax.saxutils import escape

TIER_COLORS = {
    "excellent": "#1a7f37",
    "good": "#2f81f7",
    "fair": "#bf8700",
    "poor": "#cf222e",
    "new": "#6e7781",
}


def badge_svg(score: Optional[float], tier: Optional[str]) -> str:
    label = "reliability"
    value = f"{score:.1f} {tier}" if score is not None and tier else (tier or "no data")
    color = TIER_COLORS.get(tier or "", "#6e7781")
    lw, vw = 7 * len(label) + 12, 7 * len(value) + 12
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lw + vw}" height="20" role="img" '
        f'aria-label="{escape(label)}: {escape(value)}">'
        f'<rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{vw}" height="20" fill="{color}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14">{escape(label)}</text>'
        f'<text x="{lw + 6}" y="14">{escape(value)}</text></g></svg>'
    )
