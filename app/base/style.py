"""Render style as a frozen value, and colour parsing shared by CLI and GUI."""

from __future__ import annotations

from dataclasses import dataclass

from app.base.setting_spec import check_fields, setting

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

    color: RGB = setting((0, 229, 255), title="Skeleton colour", flag="--color",
                         help="skeleton colour: a name, #rrggbb or r,g,b", parse=parse_color)
    # When set, left/right/centre parts take their own colours instead.
    left_color: RGB | None = setting(None, title="Left side colour", flag="--left-color",
                                     help="colour of the left side", parse=parse_color)
    right_color: RGB | None = setting(None, title="Right side colour", flag="--right-color",
                                      help="colour of the right side", parse=parse_color)
    center_color: RGB | None = setting(None, title="Centre colour", flag="--center-color",
                                       help="colour of the centre line and face",
                                       parse=parse_color)
    thickness: float = setting(4.0, title="Thickness", unit="px", low=0.0, high=20.0, step=0.5,
                               flag="--thickness", fmt="{:.1f} px",
                               help="line thickness in pixels at 720p, scaled with the video "
                               "(0 hides the lines)")
    joint_radius: float = setting(5.0, title="Joint radius", unit="px", low=0.0, high=20.0,
                                  step=0.5, flag="--radius", fmt="{:.1f} px",
                                  help="joint dot radius in pixels at 720p, scaled with the "
                                  "video (0 hides the dots)")
    # The app's slider starts at 0.05: an invisible skeleton looks like a fault.
    opacity: float = setting(1.0, title="Opacity", low=0.0, high=1.0, step=0.05,
                             slider=(0.05, 1.0), flag="--opacity", fmt="{:.0%}",
                             help="how opaque the skeleton is")
    min_confidence: float = setting(0.5, title="Minimum confidence", low=0.0, high=1.0,
                                    step=0.05, flag="--min-confidence",
                                    help="points the model is less sure of than this are "
                                    "neither drawn nor exported as valid (0 = every point)")
    show_face: bool = setting(True, title="Face points", flag="--no-face", negated=True,
                              help="face points (nose, eyes, ears, mouth) in video and "
                              "keypoints")
    antialias: bool = setting(True, title="Smooth edges", flag="--no-antialias", negated=True,
                              help="soft (anti-aliased) edges on lines")
    color_by_person: bool = setting(False, title="Colour by person", flag="--color-by-person",
                                    help="one colour per tracked person")
    show_ids: bool = setting(False, title="Show person IDs", flag="--show-ids",
                             help="label each person with their ID")

    def __post_init__(self) -> None:
        check_fields(self)

    @property
    def sided(self) -> bool:
        return any(c is not None for c in (self.left_color, self.right_color, self.center_color))
