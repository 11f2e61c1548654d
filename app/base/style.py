"""Render style as a frozen value, and colour parsing shared by CLI and GUI."""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[int, int, int]

_NAMED: dict[str, RGB] = {
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (230, 57, 70),
    "green": (46, 204, 113), "blue": (52, 152, 219), "yellow": (241, 196, 15),
    "cyan": (0, 229, 255), "magenta": (255, 64, 200), "orange": (255, 140, 0),
    "gray": (128, 128, 128), "grey": (128, 128, 128),
}


def parse_color(text: str) -> RGB:
    """'#rrggbb', 'rrggbb', 'r,g,b' or a colour name -> (r, g, b)."""
    s = text.strip().lower()
    if s in _NAMED:
        return _NAMED[s]
    if "," in s:
        parts = s.split(",")
        if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
            rgb = tuple(int(p) for p in parts)
            if all(0 <= v <= 255 for v in rgb):
                return rgb  # type: ignore[return-value]
    hex_part = s[1:] if s.startswith("#") else s
    if len(hex_part) == 6:
        try:
            return tuple(int(hex_part[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
        except ValueError:
            pass
    raise ValueError(f"not a colour: {text!r} (use a name, #rrggbb or r,g,b)")


def format_color(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


# Distinct, colour-blind-friendly hues (Okabe-Ito) for colouring people by ID.
PERSON_PALETTE: tuple[RGB, ...] = (
    (0, 229, 255), (230, 159, 0), (0, 158, 115), (240, 228, 66),
    (204, 121, 167), (86, 180, 233), (213, 94, 0), (255, 255, 255),
)


@dataclass(frozen=True)
class RenderStyle:
    """How a skeleton is drawn. Sizes are output pixels for a 720 px short side
    and scale with the output, so a style looks the same at any resolution."""

    color: RGB = (0, 229, 255)
    # When set, left/right/centre parts take their own colours instead.
    left_color: RGB | None = None
    right_color: RGB | None = None
    center_color: RGB | None = None
    thickness: float = 4.0
    joint_radius: float = 5.0
    opacity: float = 1.0
    min_confidence: float = 0.5
    show_face: bool = True
    antialias: bool = True
    color_by_person: bool = False
    show_ids: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError("opacity must be between 0 and 1")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError("minimum confidence must be between 0 and 1")
        if self.thickness < 0 or self.joint_radius < 0:
            raise ValueError("thickness and joint radius must not be negative")

    @property
    def sided(self) -> bool:
        return any(c is not None for c in (self.left_color, self.right_color, self.center_color))
